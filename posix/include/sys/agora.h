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

#endif
