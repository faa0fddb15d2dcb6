/*
 * ps: the processes pm has (agora_proc_next, <sys/agora.h>). Agora's own tool: busybox's ps
 * reads Linux's /proc, which Agora does not have. Every process is shown (one user, one
 * terminal), as `ps -e` would; -j adds the session, -o is not supported.
 *
 *   PID  PPID  PGID STAT COMMAND        (-j: PID PPID PGID SID STAT COMMAND)
 * STAT: R running or waiting, T stopped, Z zombie; + in the terminal's foreground group.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/agora.h>
#include <unistd.h>

static int usage(const char *name)
{
    fprintf(stderr, "usage: %s [-e|-A|-a|-x|-f|-j]...\n", name);
    return 2;
}

int main(int argc, char **argv)
{
    const char *name = argc > 0 && argv[0] ? argv[0] : "ps";
    struct agora_proc p;
    int jobs = 0, count = 0;
    pid_t after = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (*a == '-')
            a++;
        if (!*a)
            return usage(name);
        for (; *a; a++) {
            if (*a == 'j')
                jobs = 1;
            else if (!strchr("eAaxfwlu", *a))
                return usage(name);
        }
    }
    if (jobs)
        printf("%5s %5s %5s %5s %-4s %s\n", "PID", "PPID", "PGID", "SID", "STAT", "COMMAND");
    else
        printf("%5s %5s %5s %-4s %s\n", "PID", "PPID", "PGID", "STAT", "COMMAND");
    while (agora_proc_next(after, &p) == 0) {
        char stat[3] = { p.state, p.foreground ? '+' : '\0', '\0' };

        if (jobs)
            printf("%5d %5d %5d %5d %-4s %s\n", (int)p.pid, (int)p.ppid, (int)p.pgid, (int)p.sid, stat, p.cmd);
        else
            printf("%5d %5d %5d %-4s %s\n", (int)p.pid, (int)p.ppid, (int)p.pgid, stat, p.cmd);
        after = p.pid;
        count++;
    }
    if (errno != ESRCH || count == 0) {
        fprintf(stderr, "%s: %s\n", name, strerror(errno));
        return 1;
    }
    return 0;
}
