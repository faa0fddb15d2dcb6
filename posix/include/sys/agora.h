/* Agora's own calls for its own tools (ps): not POSIX, no other system has them. */
#ifndef _AGORA_SYS_AGORA_H
#define _AGORA_SYS_AGORA_H

#include <sys/types.h>

/* One process, as pm knows it (include/agora/proto/pm.h PROC_INFO). */
struct agora_proc {
    pid_t pid, ppid, pgid, sid;
    char state;                 /* 'R' running or waiting, 'T' stopped, 'Z' zombie */
    int foreground;             /* in the terminal's foreground process group */
    char cmd[64];               /* its arguments joined by spaces (the first 63 bytes) */
};

/* The process with the smallest pid above after: 0, or -1 with errno ESRCH when none is left. */
int agora_proc_next(pid_t after, struct agora_proc *out);

/* One mount of vfs's table (include/agora/proto/vfs.h MOUNTS). */
struct agora_mount {
    char type[16];              /* "tmpfs", "ext2" */
    char path[248];             /* where it is mounted */
    int readonly;
};

/* The mount at position index (0, 1, ...): 0, or -1 with errno ENOENT past the end. */
int agora_mount_at(int index, struct agora_mount *out);

/*
 * Whether read and write of more than 496 bytes use the buffer shared with vfs (on by
 * default; vfs.h, BULK_ATTACH): 0 turns it off, for comparisons (make bench); the old
 * setting is returned.
 */
int agora_bulk_io(int on);

/* One service of the driver supervisor (include/agora/proto/svc.h INFO). */
struct agora_svc {
    char name[24];
    int state;                  /* AGORA_SVC_STOPPED, _STARTING, _RUNNING, _BACKOFF */
    pid_t pid;                  /* its current pid (kill(2) takes it); 0 while not running */
    unsigned long restarts;
    unsigned long uptime_ms;    /* since its current start */
    unsigned long faults;       /* injected faults still to come */
};

#define AGORA_SVC_STOPPED  0
#define AGORA_SVC_STARTING 1
#define AGORA_SVC_RUNNING  2
#define AGORA_SVC_BACKOFF  3

/* The service at position index: 0, or -1 with errno ENOENT past the last (ENOSYS: no supervisor). */
int agora_svc_info(int index, struct agora_svc *out);

/* What agora_svc_control does; kind and count only for AGORA_SVC_FAULT. */
#define AGORA_SVC_RESTART 1
#define AGORA_SVC_KILL    2
#define AGORA_SVC_FAULT   3
/* Fault kinds (proto/svc.h enum svc_fault): 0 cancels. */
#define AGORA_SVC_FAULT_CRASH   1
#define AGORA_SVC_FAULT_WILD    2
#define AGORA_SVC_FAULT_HANG    3
#define AGORA_SVC_FAULT_GARBAGE 4

/* Restart, kill, or arm count faults of kind in the service name: 0, or -1 with errno (ENOENT: no such service). */
int agora_svc_control(const char *name, int op, int kind, unsigned long count);

/*
 * A new service from one line of the service-table format (servers/supervisor/README.md),
 * with its ELF image (bytes of it; NULL: the boot module the line's image= names), started
 * at once: 0, or -1 with errno (EEXIST: a service of that name is known).
 */
int agora_svc_add(const char *line, const void *image, size_t bytes);

#endif
