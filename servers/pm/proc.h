/*
 * pm's process table: pids, the tree, zombies, which child a WAIT takes, process groups and
 * sessions, default signal actions. Pure code (tests/unit/test_pm.c).
 */
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
    int64_t pgid, sid;              /* process group and session */
    bool execed;                    /* it has called exec (setpgid by its parent: -E_ACCES) */
    int64_t status;                 /* a zombie's wait status (pm.h) */
    char name[PM_PROC_NAME];        /* the program's path, for logs */
    char cmd[PM_PROC_CMD];          /* its arguments, for ps */

    /* signals (main.c delivers them) */
    uint64_t sig_pending;           /* with a handler, not delivered yet: bit n = signal n */
    uint64_t sig_handled;           /* SIGSTATE: signals with a handler */
    uint64_t sig_ignored;           /* SIGSTATE: signals set to SIG_IGN */
    uint64_t sig_entry;             /* the runtime's handler entry; 0: none told */
    uint64_t sig_serial;            /* deliveries through the stack so far */
    bool stopped;                   /* its thread is suspended by a stop signal */
    int stop_sig;                   /* ... that one */
    bool report_stop;               /* a stop its parent has not seen through WAIT yet */
    uint64_t alarm_at;              /* ALARM: SIGALRM at this clock (us); 0: none (timer.c) */
    uint64_t alarm_interval;        /* ... then every this many us; 0: once */

    /* a WAIT or SIGWAIT held for later (main.c) */
    bool waiting;
    int64_t wait_pid;               /* WAIT's pid argument */
    uint64_t wait_options;          /* PM_WUNTRACED */
    uint64_t wait_reply;            /* the saved reply capability's slot */
    bool sigwaiting;
    uint64_t sigwait_reply;

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

/* Whether WAIT's pid (-1 any, 0 parent's group, < -1 group -pid, > 0 that one) names child of parent. */
bool pm_wait_matches(const struct pm_proc *child, const struct pm_proc *parent, int64_t pid);
/*
 * For WAIT(pid, options) by parent: a child it may take now (*ready: a zombie, or with
 * PM_WUNTRACED one with a stop to report), and whether any matching child exists at all
 * (the result: false means -E_CHILD).
 */
bool pm_wait_find(struct pm_table *t, const struct pm_proc *parent, int64_t pid, uint64_t options,
                  struct pm_proc **ready);
/*
 * The children of a process that ends go to pid 1 (to no one if pid 1 is the one ending
 * or is gone). Returns how many changed parent.
 */
unsigned pm_reparent(struct pm_table *t, int64_t dying);

/* SETPGID by caller (pm.h's rules); 0 or a negated error. */
long pm_setpgid(struct pm_table *t, struct pm_proc *caller, int64_t pid, int64_t pgid);
/* SETSID by caller: its new session id, or -E_PERM if it leads a group. */
long pm_setsid(struct pm_table *t, struct pm_proc *caller);
/*
 * Whether a process of session sid is in group pgid. A zombie counts, as on Linux: a
 * pipeline's first command may end before the last joins its group.
 */
bool pm_pgrp_in_session(struct pm_table *t, int64_t pgid, int64_t sid);
/*
 * Whether group pgid is orphaned (POSIX): no live member has a parent in another group of
 * the same session. A group with no live member counts as orphaned.
 */
bool pm_pgrp_orphaned(struct pm_table *t, int64_t pgid);

/* A signal's default action. */
enum pm_sig_default { PM_SIG_TERMINATE, PM_SIG_IGNORE, PM_SIG_STOP, PM_SIG_CONTINUE };
enum pm_sig_default pm_sig_default_action(int sig);

/* Wait statuses as <sys/wait.h> decodes them. */
static inline int64_t pm_status_exited(int64_t code) { return (code & 0xff) << 8; }
static inline int64_t pm_status_signaled(int sig) { return sig & 0x7f; }
static inline int64_t pm_status_stopped(int sig) { return ((sig & 0xff) << 8) | 0x7f; }

#endif
