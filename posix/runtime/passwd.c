/*
 * The user and group databases: /etc/passwd and /etc/group read line by line (newlib has
 * the headers, not the functions). getpwuid, getpwnam, getgrgid, getgrnam; each answers
 * from one static entry, as POSIX allows, or NULL (errno untouched when there is no such
 * entry, set when the file cannot be read).
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB_LINE_MAX 256
#define DB_FIELDS   7
#define GROUP_MEMBERS_MAX 16

/* Splits line at ':' into at most DB_FIELDS fields (the newline dropped); the count. */
static int split(char *line, char **field)
{
    int n = 0;

    line[strcspn(line, "\n")] = '\0';
    field[n++] = line;
    for (char *c = line; *c && n < DB_FIELDS; c++)
        if (*c == ':') {
            *c = '\0';
            field[n++] = c + 1;
        }
    return n;
}

/* A decimal id, or -1 for anything else. */
static long id_of(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    return *s && !*end && v >= 0 ? v : -1;
}

/* The first line of path with `want` fields whose name is name (or, name NULL, whose id field is id). */
static int find(const char *path, int want, int id_field, const char *name, long id, char *line, char **field)
{
    FILE *f = fopen(path, "r");
    int found = 0;

    if (!f)
        return 0;
    while (!found && fgets(line, DB_LINE_MAX, f))
        if (split(line, field) >= want && (name ? strcmp(field[0], name) == 0 : id_of(field[id_field]) == id))
            found = 1;
    fclose(f);
    return found;
}

static struct passwd *passwd_entry(const char *name, long uid)
{
    static char line[DB_LINE_MAX];
    static struct passwd pw;
    char *f[DB_FIELDS];

    if (!find("/etc/passwd", 7, 2, name, uid, line, f) || id_of(f[2]) < 0 || id_of(f[3]) < 0)
        return NULL;
    pw = (struct passwd){ .pw_name = f[0], .pw_passwd = f[1], .pw_uid = (uid_t)id_of(f[2]),
                          .pw_gid = (gid_t)id_of(f[3]), .pw_comment = f[4], .pw_gecos = f[4],
                          .pw_dir = f[5], .pw_shell = f[6] };
    return &pw;
}

static struct group *group_entry(const char *name, long gid)
{
    static char line[DB_LINE_MAX];
    static char *members[GROUP_MEMBERS_MAX + 1];
    static struct group gr;
    char *f[DB_FIELDS];
    int n = 0;

    if (!find("/etc/group", 4, 2, name, gid, line, f) || id_of(f[2]) < 0)
        return NULL;
    for (char *m = strtok(f[3], ","); m && n < GROUP_MEMBERS_MAX; m = strtok(NULL, ","))
        members[n++] = m;
    members[n] = NULL;
    gr = (struct group){ .gr_name = f[0], .gr_passwd = f[1], .gr_gid = (gid_t)id_of(f[2]), .gr_mem = members };
    return &gr;
}

struct passwd *getpwuid(uid_t uid)
{
    return passwd_entry(NULL, (long)uid);
}

struct passwd *getpwnam(const char *name)
{
    return name ? passwd_entry(name, -1) : NULL;
}

struct group *getgrgid(gid_t gid)
{
    return group_entry(NULL, (long)gid);
}

struct group *getgrnam(const char *name)
{
    return name ? group_entry(name, -1) : NULL;
}
