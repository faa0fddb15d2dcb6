/* The process table (proc.h): fixed slots, pids counting up and wrapping, identities never reused. */
#include "proc.h"

#include <libagora/string.h>

/* Pids wrap below this (as Linux's pid_max), skipping ones in use. */
#define PM_PID_MAX 32768

void pm_table_init(struct pm_table *t)
{
    memset(t, 0, sizeof(*t));
    t->next_pid = 1;
    t->next_serial = 1;
}

struct pm_proc *pm_proc_by_pid(struct pm_table *t, int64_t pid)
{
    for (unsigned i = 0; i < PM_MAX_PROCS; i++)
        if (t->procs[i].state != PM_FREE && t->procs[i].pid == pid)
            return &t->procs[i];
    return 0;
}

struct pm_proc *pm_proc_by_badge(struct pm_table *t, uint64_t badge)
{
    for (unsigned i = 0; i < PM_MAX_PROCS; i++)
        if (t->procs[i].state != PM_FREE && t->procs[i].badge == badge)
            return &t->procs[i];
    return 0;
}

static int64_t next_free_pid(struct pm_table *t)
{
    for (;;) {
        int64_t pid = t->next_pid;

        t->next_pid = pid + 1 >= PM_PID_MAX ? 2 : pid + 1;
        if (!pm_proc_by_pid(t, pid))
            return pid;
    }
}

struct pm_proc *pm_proc_new(struct pm_table *t, int64_t ppid)
{
    struct pm_proc *p = 0;

    for (unsigned i = 0; i < PM_MAX_PROCS && !p; i++)
        if (t->procs[i].state == PM_FREE)
            p = &t->procs[i];
    if (!p)
        return 0;
    memset(p, 0, sizeof(*p));
    /* The table has fewer slots than pids, so a free pid always exists. */
    p->pid = next_free_pid(t);
    p->ppid = ppid;
    p->pgid = p->sid = p->pid;      /* the caller (fork) sets the parent's */
    p->badge = PM_BADGE_BASE + t->next_serial++;
    p->state = PM_ALIVE;
    t->count++;
    return p;
}

void pm_proc_free(struct pm_table *t, struct pm_proc *p)
{
    if (p->state == PM_FREE)
        return;
    memset(p, 0, sizeof(*p));
    t->count--;
}

bool pm_wait_matches(const struct pm_proc *child, const struct pm_proc *parent, int64_t pid)
{
    if (child->state == PM_FREE || child->ppid != parent->pid)
        return false;
    if (pid == -1)
        return true;
    if (pid == 0)
        return child->pgid == parent->pgid;
    if (pid < -1)
        return child->pgid == -pid;
    return child->pid == pid;
}

bool pm_wait_find(struct pm_table *t, const struct pm_proc *parent, int64_t pid, uint64_t options,
                  struct pm_proc **ready)
{
    bool any = false;

    *ready = 0;
    for (unsigned i = 0; i < PM_MAX_PROCS; i++) {
        struct pm_proc *c = &t->procs[i];

        if (!pm_wait_matches(c, parent, pid))
            continue;
        any = true;
        if (*ready)
            continue;
        if (c->state == PM_ZOMBIE || ((options & PM_WUNTRACED) && c->state == PM_ALIVE && c->report_stop))
            *ready = c;
    }
    return any;
}

unsigned pm_reparent(struct pm_table *t, int64_t dying)
{
    struct pm_proc *init = pm_proc_by_pid(t, 1);
    int64_t heir = dying != 1 && init && init->state == PM_ALIVE ? 1 : 0;
    unsigned n = 0;

    for (unsigned i = 0; i < PM_MAX_PROCS; i++) {
        struct pm_proc *c = &t->procs[i];

        if (c->state != PM_FREE && c->ppid == dying && c->pid != dying) {
            c->ppid = heir;
            n++;
        }
    }
    return n;
}

bool pm_pgrp_in_session(struct pm_table *t, int64_t pgid, int64_t sid)
{
    for (unsigned i = 0; i < PM_MAX_PROCS; i++) {
        const struct pm_proc *p = &t->procs[i];

        if (p->state != PM_FREE && p->pgid == pgid && p->sid == sid)
            return true;
    }
    return false;
}

static bool leads_group(struct pm_table *t, int64_t pid)
{
    for (unsigned i = 0; i < PM_MAX_PROCS; i++)
        if (t->procs[i].state != PM_FREE && t->procs[i].pgid == pid)
            return true;
    return false;
}

long pm_setpgid(struct pm_table *t, struct pm_proc *caller, int64_t pid, int64_t pgid)
{
    struct pm_proc *target;

    if (pgid < 0)
        return -E_INVAL;
    if (pid == 0)
        pid = caller->pid;
    if (pgid == 0)
        pgid = pid;
    target = pm_proc_by_pid(t, pid);
    if (!target || target->state != PM_ALIVE || (target != caller && target->ppid != caller->pid))
        return -E_SRCH;
    if (target != caller && target->execed)
        return -E_ACCES;
    if (target->sid == target->pid || target->sid != caller->sid)
        return -E_PERM;
    if (pgid != target->pid && !pm_pgrp_in_session(t, pgid, caller->sid))
        return -E_PERM;
    target->pgid = pgid;
    return 0;
}

long pm_setsid(struct pm_table *t, struct pm_proc *caller)
{
    if (leads_group(t, caller->pid))
        return -E_PERM;
    caller->pgid = caller->sid = caller->pid;
    return caller->sid;
}

bool pm_pgrp_orphaned(struct pm_table *t, int64_t pgid)
{
    for (unsigned i = 0; i < PM_MAX_PROCS; i++) {
        const struct pm_proc *p = &t->procs[i], *parent;

        if (p->state != PM_ALIVE || p->pgid != pgid)
            continue;
        parent = p->ppid ? pm_proc_by_pid(t, p->ppid) : 0;
        if (parent && parent->state == PM_ALIVE && parent->pgid != pgid && parent->sid == p->sid)
            return false;
    }
    return true;
}

enum pm_sig_default pm_sig_default_action(int sig)
{
    switch (sig) {
    case PM_SIGCHLD:
    case PM_SIGURG:
    case PM_SIGWINCH:
        return PM_SIG_IGNORE;
    case PM_SIGCONT:
        return PM_SIG_CONTINUE;
    case PM_SIGSTOP:
    case PM_SIGTSTP:
    case PM_SIGTTIN:
    case PM_SIGTTOU:
        return PM_SIG_STOP;
    default:
        return PM_SIG_TERMINATE;
    }
}
