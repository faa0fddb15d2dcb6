/* pm's process table: pids, the tree, zombies, which child a WAIT takes. Pure code (tests/unit/test_pm.c). */
#ifndef PM_PROC_H
#define PM_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/pm.h>

#include "image.h"

enum pm_state { PM_FREE = 0, PM_ALIVE, PM_ZOMBIE };

/* One process. The table owns the bookkeeping; main.c owns the capabilities in img and slots. */
struct pm_proc {
    /* the table's (proc.c) */
    enum pm_state state;
    int64_t pid, ppid;              /* ppid 0: none (pid 1, and orphans of a dead pid 1) */
    uint64_t badge;                 /* its identity: PM_BADGE_BASE + serial, never reused */
    int64_t status;                 /* a zombie's wait status (pm.h) */
    uint32_t sig_pending;           /* recorded, not delivered yet: bit n = signal n */
    char name[32];                  /* the program's path, for logs */

    /* a WAIT held for later (main.c) */
    bool waiting;
    int64_t wait_pid;               /* -1 or a pid */
    uint64_t wait_reply;            /* the saved reply capability's slot */

    /* capabilities in pm's table (main.c, image.c) */
    uint64_t pool;                  /* its sub-pool: the quota */
    uint64_t ep;                    /* pm's endpoint badged with its identity (CAP_PM, faults) */
    struct pm_image img;
};

struct pm_table {
    struct pm_proc procs[PM_MAX_PROCS];
    int64_t next_pid;               /* the next pid to try */
    uint64_t next_serial;           /* the next identity */
    unsigned count;                 /* alive and zombie */
};

void pm_table_init(struct pm_table *t);
/* A new live process with parent ppid and a fresh pid and identity; NULL when the table is full. */
struct pm_proc *pm_proc_new(struct pm_table *t, int64_t ppid);
/* Frees the entry (a reaped zombie, or a process that never started). */
void pm_proc_free(struct pm_table *t, struct pm_proc *p);
/* The live or zombie process with this pid / identity, or NULL. */
struct pm_proc *pm_proc_by_pid(struct pm_table *t, int64_t pid);
struct pm_proc *pm_proc_by_badge(struct pm_table *t, uint64_t badge);

/* Whether pid (-1: any) names a child (alive or zombie) of parent. */
bool pm_wait_matches(const struct pm_proc *child, int64_t parent, int64_t pid);
/*
 * For WAIT(pid) by parent: a zombie child it may take now (*zombie), and whether any
 * matching child exists at all (the result: false means -E_CHILD).
 */
bool pm_wait_find(struct pm_table *t, int64_t parent, int64_t pid, struct pm_proc **zombie);
/*
 * The children of a process that ends go to pid 1 (to no one if pid 1 is the one ending
 * or is gone). Returns how many changed parent.
 */
unsigned pm_reparent(struct pm_table *t, int64_t dying);

/* Wait statuses as <sys/wait.h> decodes them. */
static inline int64_t pm_status_exited(int64_t code) { return (code & 0xff) << 8; }
static inline int64_t pm_status_signaled(int sig) { return sig & 0x7f; }

#endif
