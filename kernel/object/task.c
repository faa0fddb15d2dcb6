/* Task lifecycle: creation, death (with everything that waited on it told), destruction. */
#include "object/task.h"
#include "agora/errors.h"
#include "object/endpoint.h"
#include "object/memory.h"
#include "object/notification.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/cpu/ioperm.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"
#include "mm/kheap.h"
#include "mm/vspace.h"
#include "sched/sched.h"

static uint64_t next_task_id = 1;
task_t *all_tasks;

task_t *task_create(pool_t *pool)
{
    if (pool_charge(pool, TASK_POOL_PAGES) != 0)
        return 0;
    task_t *t = kzalloc(sizeof *t);
    cap_table_t *caps = t ? kzalloc(sizeof *caps) : 0;
    uint64_t root = caps ? vspace_create() : 0;
    if (!root) {
        kfree(caps);
        kfree(t);
        pool_refund(pool, TASK_POOL_PAGES);
        return 0;
    }
    kobject_init(&t->obj, OBJ_TASK);
    kobject_charge(&t->obj, pool, TASK_POOL_PAGES);
    t->id = next_task_id++;
    t->root = root;
    t->caps = caps;
    t->all_next = all_tasks;
    all_tasks = t;
    return t;
}

void task_add_thread(task_t *t, thread_t *th)
{
    th->task = t;
    th->task_next = t->threads;
    t->threads = th;
    kobject_ref(&th->obj);
}

void task_remove_thread(task_t *t, thread_t *th)
{
    for (thread_t **pp = &t->threads; *pp; pp = &(*pp)->task_next) {
        if (*pp == th) {
            *pp = th->task_next;
            th->task_next = 0;
            kobject_unref(&th->obj);
            return;
        }
    }
}

int task_watch(task_t *t, notification_t *n, uint64_t badge)
{
    if (t->dead) {
        notification_signal(n, badge);
        return 0;
    }
    task_watcher_t *w = kzalloc(sizeof *w);
    if (!w)
        return -E_NOMEM;
    w->ntfn = n;
    w->badge = badge;
    w->next = t->watchers;
    t->watchers = w;
    kobject_ref(&n->obj);
    return 0;
}

int task_unwatch(task_t *t, notification_t *n)
{
    int found = 0;
    for (task_watcher_t **pp = &t->watchers; *pp;) {
        task_watcher_t *w = *pp;
        if (w->ntfn != n) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        kobject_unref(&w->ntfn->obj);
        kfree(w);
        found = 1;
    }
    return found ? 0 : -E_NOCAP;
}

/* Ends everything the task holds and tells everyone who waits on it. */
static void task_teardown(task_t *t, int64_t status)
{
    t->dead = true;
    t->exit_status = status;

    while (t->threads) {
        thread_t *th = t->threads;
        thread_kill(th);
        task_remove_thread(t, th);
    }
    while (t->endpoints)
        endpoint_close(t->endpoints);
    while (t->watchers) {
        task_watcher_t *w = t->watchers;
        t->watchers = w->next;
        notification_signal(w->ntfn, w->badge);
        kobject_unref(&w->ntfn->obj);
        kfree(w);
    }
    mapping_remove_all(t);
    cap_table_clear(t->caps);
    ioperm_release(t);
}

/*
 * Killing one task can kill others (a faulting client whose pager dies dies too), and
 * those more: they are queued and killed one after another, never by recursion.
 */
static task_t *kill_queue;
static bool killing;

void task_kill(task_t *t, int64_t status)
{
    if (t->dead || t->kill_queued)
        return;
    /* Queued tasks hold a reference: their own capabilities may hold the last ones. */
    kobject_ref(&t->obj);
    t->kill_queued = true;
    t->kill_status = status;
    t->kill_next = kill_queue;
    kill_queue = t;
    if (killing)
        return;
    killing = true;
    while (kill_queue) {
        task_t *k = kill_queue;
        kill_queue = k->kill_next;
        k->kill_queued = false;
        if (!k->dead)
            task_teardown(k, k->kill_status);
        kobject_unref(&k->obj);
    }
    killing = false;
}

void task_destroy(task_t *t)
{
    /* The last reference went while the task still lived: no capability to it is left
     * anywhere (each one is a reference), so tearing down cannot come back here. */
    if (!t->dead)
        task_teardown(t, 0);
    /* A dying task's last thread may still be running here: leave its page tables first. */
    if (read_cr3() == t->root)
        write_cr3(paging_kernel_root());
    vspace_destroy(t->root);
    kfree(t->caps);
    for (task_t **pp = &all_tasks; *pp; pp = &(*pp)->all_next) {
        if (*pp == t) {
            *pp = t->all_next;
            break;
        }
    }
    kfree(t);
}

void task_activate(task_t *t)
{
    if (read_cr3() != t->root)
        write_cr3(t->root);
    ioperm_activate(t);
}
