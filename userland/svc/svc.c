/*
 * svc: the driver supervisor's services (servers/supervisor, <sys/agora.h>).
 *
 *   svc [list]                      NAME STATE PID RESTARTS UPTIME (and faults still armed)
 *   svc restart NAME                kill it and start it again at once (no back-off)
 *   svc kill NAME                   kill it as a crash would: the supervisor restarts it
 *   svc fault NAME KIND [N]         arm N (default 1) faults: crash, wild, hang, garbage;
 *                                   none cancels. The driver's library picks the requests
 *                                   at random (one in 8).
 *   svc load [FILE]                 adds the services of FILE (default /etc/services) that
 *                                   are not known yet; image=/PATH is read from that file,
 *                                   any other image= (or none) is a boot module's name
 * A service's pid also takes kill(1): `kill -9 PID` kills it like `svc kill`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/agora.h>

static const char *const states[] = { "stopped", "starting", "running", "backoff" };
static const char *const kinds[] = { "none", "crash", "wild", "hang", "garbage" };

static int usage(void)
{
    fprintf(stderr, "usage: svc [list] | svc restart NAME | svc kill NAME | svc fault NAME "
                    "crash|wild|hang|garbage|none [N] | svc load [FILE]\n");
    return 2;
}

static int fail(const char *what)
{
    fprintf(stderr, "svc: %s: %s\n", what, errno == ENOSYS ? "no supervisor" : strerror(errno));
    return 1;
}

static int list(void)
{
    struct agora_svc s;
    int i;

    printf("%-12s %-8s %7s %8s %10s\n", "NAME", "STATE", "PID", "RESTARTS", "UPTIME");
    for (i = 0; agora_svc_info(i, &s) == 0; i++) {
        char pid[16] = "-";

        if (s.pid)
            snprintf(pid, sizeof(pid), "%d", (int)s.pid);
        printf("%-12s %-8s %7s %8lu %6lu.%03lu", s.name,
               s.state >= 0 && s.state < 4 ? states[s.state] : "?", pid, s.restarts,
               s.uptime_ms / 1000, s.uptime_ms % 1000);
        if (s.faults)
            printf("  (%lu faults armed)", s.faults);
        printf("\n");
    }
    return errno == ENOENT && i > 0 ? 0 : fail("list");
}

/* The value of image= in the line, or "" (then a boot module: the supervisor finds it). */
static void image_of(const char *line, char *out, size_t size)
{
    const char *p = line;

    out[0] = '\0';
    while ((p = strstr(p, "image=")) != 0) {
        if (p == line || p[-1] == ' ' || p[-1] == '\t') {
            size_t n = strcspn(p + 6, " \t\r\n#");

            if (n < size) {
                memcpy(out, p + 6, n);
                out[n] = '\0';
            }
            return;
        }
        p += 6;
    }
}

/* The whole file at path in a new buffer (*bytes long), or NULL. */
static void *slurp(const char *path, size_t *bytes)
{
    FILE *f = fopen(path, "rb");
    char *buf = 0;
    size_t cap = 0, n = 0, got;

    if (!f)
        return 0;
    do {
        if (n == cap) {
            char *more = realloc(buf, cap = cap ? cap * 2 : 64 * 1024);

            if (!more) {
                free(buf);
                fclose(f);
                return 0;
            }
            buf = more;
        }
        n += got = fread(buf + n, 1, cap - n, f);
    } while (got > 0);
    fclose(f);
    *bytes = n;
    return buf;
}

static int load_line(const char *line)
{
    char name[64] = "", image[256];
    size_t bytes = 0;
    void *elf = 0;
    int r;

    sscanf(line, "%63s", name);
    image_of(line, image, sizeof(image));
    if (image[0] == '/' && !(elf = slurp(image, &bytes))) {
        fprintf(stderr, "svc: %s: %s: %s\n", name, image, strerror(errno));
        return 1;
    }
    r = agora_svc_add(line, elf, bytes);
    free(elf);
    if (r == 0)
        printf("svc: %s: started\n", name);
    else if (errno == EEXIST)
        printf("svc: %s: already known\n", name);
    else
        return fail(name);
    return 0;
}

static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[256];
    int bad = 0;

    if (!f)
        return fail(path);
    while (fgets(line, sizeof(line), f)) {
        char *p = line + strspn(line, " \t");

        line[strcspn(line, "\n")] = '\0';
        if (*p == '\0' || *p == '#')
            continue;
        bad |= load_line(p);
    }
    fclose(f);
    return bad;
}

static int fault(const char *name, const char *kind, const char *count)
{
    unsigned long n = 1;
    char *end;
    int k;

    for (k = 0; k < 5 && strcmp(kinds[k], kind) != 0; k++)
        ;
    if (k == 5)
        return usage();
    if (count) {
        n = strtoul(count, &end, 10);
        if (*count == '\0' || *end != '\0')
            return usage();
    }
    if (agora_svc_control(name, AGORA_SVC_FAULT, k, n) < 0)
        return fail(name);
    printf("svc: %s: %lu %s fault(s) armed\n", name, k ? n : 0, kinds[k]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "list") == 0)
        return argc <= 2 ? list() : usage();
    if (strcmp(argv[1], "restart") == 0 || strcmp(argv[1], "kill") == 0) {
        int op = argv[1][0] == 'r' ? AGORA_SVC_RESTART : AGORA_SVC_KILL;

        if (argc != 3)
            return usage();
        return agora_svc_control(argv[2], op, 0, 0) < 0 ? fail(argv[2]) : 0;
    }
    if (strcmp(argv[1], "load") == 0 && argc <= 3)
        return load(argc == 3 ? argv[2] : "/etc/services");
    if (strcmp(argv[1], "fault") == 0 && (argc == 4 || argc == 5))
        return fault(argv[2], argv[3], argc == 5 ? argv[4] : 0);
    return usage();
}
