/*
 * svc: the driver supervisor's services (servers/supervisor, <sys/agora.h>).
 *
 *   svc [list]                      NAME STATE PID RESTARTS UPTIME (and faults still armed)
 *   svc restart NAME                kill it and start it again at once (no back-off)
 *   svc kill NAME                   kill it as a crash would: the supervisor restarts it
 *   svc fault NAME KIND [N]         arm N (default 1) faults: crash, wild, hang, garbage;
 *                                   none cancels. The driver's library picks the requests
 *                                   at random (one in 8).
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
                    "crash|wild|hang|garbage|none [N]\n");
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
    if (strcmp(argv[1], "fault") == 0 && (argc == 4 || argc == 5))
        return fault(argv[2], argv[3], argc == 5 ? argv[4] : 0);
    return usage();
}
