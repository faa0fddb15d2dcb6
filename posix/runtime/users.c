/*
 * The user and group database: one user and one group, root (uid and gid 0), as the rest of
 * the runtime has (misc.c: getuid is 0). No /etc/passwd is read: there is nothing else to
 * find yet. stat(1) and find -user name owners through these; any other ID is not found
 * (NULL, errno untouched, as POSIX says of a missing entry).
 */
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>

static char root_name[] = "root", no_passwd[] = "x", root_dir[] = "/", root_shell[] = "/bin/sh", empty[] = "";
static char *no_members[] = { NULL };

static struct passwd root_user = {
    .pw_name = root_name, .pw_passwd = no_passwd, .pw_uid = 0, .pw_gid = 0, .pw_comment = empty,
    .pw_gecos = root_name, .pw_dir = root_dir, .pw_shell = root_shell,
};
static struct group root_group = { .gr_name = root_name, .gr_passwd = no_passwd, .gr_gid = 0, .gr_mem = no_members };

struct passwd *getpwuid(uid_t uid)
{
    return uid == 0 ? &root_user : NULL;
}

struct passwd *getpwnam(const char *name)
{
    return name && strcmp(name, root_name) == 0 ? &root_user : NULL;
}

struct group *getgrgid(gid_t gid)
{
    return gid == 0 ? &root_group : NULL;
}

struct group *getgrnam(const char *name)
{
    return name && strcmp(name, root_name) == 0 ? &root_group : NULL;
}
