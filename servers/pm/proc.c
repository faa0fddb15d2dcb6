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

bool pm_wait_matches(const struct pm_proc *child, int64_t parent, int64_t pid)
{
    return child->state != PM_FREE && child->ppid == parent && (pid == -1 || child->pid == pid);
}

bool pm_wait_find(struct pm_table *t, int64_t parent, int64_t pid, struct pm_proc **zombie)
{
    bool any = false;

    *zombie = 0;
    for (unsigned i = 0; i < PM_MAX_PROCS; i++) {
        struct pm_proc *c = &t->procs[i];

        if (!pm_wait_matches(c, parent, pid))
            continue;
        any = true;
        if (c->state == PM_ZOMBIE && !*zombie)
            *zombie = c;
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
