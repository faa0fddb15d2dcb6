/* Notification objects: asynchronous signals, also the way interrupts reach drivers. */
#include "object/notification.h"
#include "agora/errors.h"
#include "lib/log.h"
#include "mm/kheap.h"
#include "sched/sched.h"

notification_t *notification_create(void)
{
    notification_t *n = kzalloc(sizeof *n);
    if (n)
        kobject_init(&n->obj, OBJ_NOTIFICATION);
    return n;
}

void notification_destroy(notification_t *n)
{
    /* A sibling thread may have deleted the capability a waiter used. */
    while (n->waiters) {
        thread_t *t = n->waiters;
        notification_dequeue(n, t);
        thread_set_result(t, -E_NOCAP);
        sched_make_ready(t);
    }
    kfree(n);
}

void notification_signal(notification_t *n, uint64_t bits)
{
    n->word |= bits;
    if (n->word && n->waiters) {
        thread_t *t = n->waiters;
        n->waiters = t->q_next;
        t->q_next = 0;
        t->blocked_ntfn = 0;
        thread_set_result(t, (long)n->word);
        n->word = 0;
        sched_make_ready(t);
    }
}

void notification_wait(notification_t *n)
{
    thread_t *cur = sched_current();
    if (n->word) {
        thread_set_result(cur, (long)n->word);
        n->word = 0;
        return;
    }
    cur->q_next = 0;
    thread_t **pp = &n->waiters;
    while (*pp)
        pp = &(*pp)->q_next;
    *pp = cur;
    cur->blocked_ntfn = n;
    sched_block(TS_BLOCKED_NOTIFY);
}

uint64_t notification_poll(notification_t *n)
{
    uint64_t w = n->word;
    n->word = 0;
    return w;
}

void notification_dequeue(notification_t *n, thread_t *t)
{
    for (thread_t **pp = &n->waiters; *pp; pp = &(*pp)->q_next) {
        if (*pp == t) {
            *pp = t->q_next;
            t->q_next = 0;
            t->blocked_ntfn = 0;
            return;
        }
    }
}
