/* Fixed-priority round-robin scheduler with a direct-switch path for IPC. */
#include "sched/sched.h"
#include "object/task.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/cpu/gdt.h"
#include "arch/x86_64/cpu/percpu.h"
#include "arch/x86_64/dev/timer.h"
#include "lib/log.h"
#include "mm/kheap.h"

void context_switch(uint64_t *save_rsp, uint64_t new_rsp);

/* Run queues: one doubly linked list per priority, and a bitmap of the non-empty ones. */
static thread_t *rq_head[THREAD_MAX_PRIORITY + 1], *rq_tail[THREAD_MAX_PRIORITY + 1];
static uint64_t rq_bitmap[4];
static thread_t *sleepers;          /* sorted by wake_tick */
static thread_t *zombies;           /* dead threads whose stacks may still be in use */
static thread_t idle_thread;

thread_t *sched_current(void)
{
    return this_cpu()->current;
}

void sched_make_ready(thread_t *t)
{
    KASSERT(t->state != TS_DEAD);
    unsigned p = t->priority;
    t->state = TS_READY;
    if (t->suspended) {
        t->q_next = t->q_prev = 0;   /* parked until thread_resume */
        return;
    }
    t->q_next = 0;
    t->q_prev = rq_tail[p];
    if (rq_tail[p])
        rq_tail[p]->q_next = t;
    else
        rq_head[p] = t;
    rq_tail[p] = t;
    rq_bitmap[p / 64] |= 1ull << (p % 64);
    thread_t *cur = sched_current();
    if (cur && (cur == &idle_thread || t->priority > cur->priority))
        this_cpu()->need_resched = 1;
}

void sched_remove(thread_t *t)
{
    unsigned p = t->priority;
    if (t->q_prev)
        t->q_prev->q_next = t->q_next;
    else if (rq_head[p] == t)
        rq_head[p] = t->q_next;
    else
        return;   /* not queued */
    if (t->q_next)
        t->q_next->q_prev = t->q_prev;
    else
        rq_tail[p] = t->q_prev;
    t->q_next = t->q_prev = 0;
    if (!rq_head[p])
        rq_bitmap[p / 64] &= ~(1ull << (p % 64));
}

bool sched_queued(const thread_t *t)
{
    for (const thread_t *q = rq_head[t->priority]; q; q = q->q_next)
        if (q == t)
            return true;
    return false;
}

static thread_t *pick_next(void)
{
    for (int w = 3; w >= 0; w--) {
        if (rq_bitmap[w]) {
            unsigned p = (unsigned)(w * 64 + 63 - __builtin_clzll(rq_bitmap[w]));
            thread_t *t = rq_head[p];
            sched_remove(t);
            return t;
        }
    }
    return &idle_thread;
}

/* Runs on the new thread's stack right after a switch. */
void sched_finish_switch(void)
{
    sched_reap();
}

/*
 * Runs next with slice ticks of time. A thread taken from a run queue gets a whole slice;
 * one switched to directly by IPC runs on what is left of the current one's (time-slice
 * donation, as L4's): a pair that calls each other switches many times per tick, and with a
 * fresh slice at every switch neither would ever use one up, starving their priority.
 */
static void switch_to_with(thread_t *next, uint8_t slice)
{
    percpu_t *cpu = this_cpu();
    thread_t *prev = cpu->current;
    cpu->need_resched = 0;
    if (next == prev)
        return;
    if (!thread_stack_intact(prev))
        panic("kernel stack of thread %lu overflowed", (unsigned long)prev->id);
    next->slice_left = slice;
    cpu->current = next;
    if (next != &idle_thread) {
        uint64_t top = (uint64_t)next->kstack + THREAD_KSTACK_SIZE;
        cpu->kstack_top = top;
        tss_set_kernel_stack(top);
        task_activate(next->task);
    }
    /* User FPU state follows its thread; idle has none worth keeping. */
    if (prev != &idle_thread)
        fpu_save(&prev->fpu);
    if (next != &idle_thread)
        fpu_restore(&next->fpu);
    context_switch(&prev->ksp, next->ksp);
    sched_finish_switch();
}

static void switch_to(thread_t *next)
{
    switch_to_with(next, SCHED_SLICE_TICKS);
}

void sched_schedule(void)
{
    thread_t *cur = sched_current();
    if (cur->state == TS_READY && cur != &idle_thread) {
        /* Still runnable: it competes with its own priority's queue, behind no one higher. */
        unsigned p = cur->priority;
        bool higher = false;
        for (unsigned q = p + 1; q <= THREAD_MAX_PRIORITY && !higher; q++)
            higher = rq_head[q] != 0;
        if (!higher && !(cur->slice_left == 0 && rq_head[p]))
            return;
        sched_make_ready(cur);
    }
    switch_to(pick_next());
}

void sched_block(thread_state_t state)
{
    thread_t *cur = sched_current();
    cur->state = state;
    switch_to(pick_next());
}

void sched_switch_to(thread_t *next)
{
    if (next->suspended) {
        /* It may not run: park it, and whoever is best runs instead. */
        sched_make_ready(next);
        sched_schedule();
        return;
    }
    thread_t *cur = sched_current();
    /* What is left of the slice goes with the message (at least a tick: 0 would never end). */
    uint8_t slice = cur == &idle_thread ? SCHED_SLICE_TICKS : cur->slice_left ? cur->slice_left : 1;
    if (cur->state == TS_READY && cur != &idle_thread)
        sched_make_ready(cur);
    sched_remove(next);
    next->state = TS_READY;
    switch_to_with(next, slice);
}

void sched_yield(void)
{
    thread_t *cur = sched_current();
    cur->slice_left = 0;
    sched_make_ready(cur);
    switch_to(pick_next());
}

void sched_sleep(uint64_t ticks)
{
    thread_t *cur = sched_current();
    /* The current tick is partly over: count whole ticks from the next one, never wake early. */
    cur->wake_tick = timer_ticks() + ticks + 1;
    thread_t **pp = &sleepers;
    while (*pp && (*pp)->wake_tick <= cur->wake_tick)
        pp = &(*pp)->q_next;
    cur->q_next = *pp;
    cur->q_prev = 0;
    *pp = cur;
    sched_block(TS_SLEEPING);
}

void sched_cancel_sleep(thread_t *t)
{
    for (thread_t **pp = &sleepers; *pp; pp = &(*pp)->q_next) {
        if (*pp == t) {
            *pp = t->q_next;
            t->q_next = 0;
            return;
        }
    }
}

void sched_tick(void)
{
    uint64_t now = timer_ticks();
    while (sleepers && sleepers->wake_tick <= now) {
        thread_t *t = sleepers;
        sleepers = t->q_next;
        t->q_next = 0;
        thread_set_result(t, 0);
        sched_make_ready(t);
    }
    thread_t *cur = sched_current();
    if (cur == &idle_thread) {
        if (rq_bitmap[0] | rq_bitmap[1] | rq_bitmap[2] | rq_bitmap[3])
            this_cpu()->need_resched = 1;
    } else if (cur->slice_left && --cur->slice_left == 0) {
        this_cpu()->need_resched = 1;
    }
}

void sched_preempt_point(void)
{
    if (this_cpu()->need_resched)
        sched_schedule();
}

void sched_reap(void)
{
    thread_t *cur = sched_current();
    thread_t **pp = &zombies;
    while (*pp) {
        thread_t *t = *pp;
        if (t == cur) {
            pp = &t->q_next;
            continue;
        }
        *pp = t->q_next;
        kfree(t->kstack);
        kfree(t);
    }
}

/* Called by thread_destroy: frees now, or later when it is the running thread. */
void sched_bury(thread_t *t)
{
    t->q_next = zombies;
    zombies = t;
    if (t != sched_current())
        sched_reap();
}

static void __attribute__((__noreturn__)) idle_loop(void)
{
    for (;;) {
        cpu_wait_for_interrupt();
        cpu_disable_interrupts();
        sched_preempt_point();
    }
}

void sched_init(void)
{
    percpu_t *cpu = this_cpu();
    /* The boot stack becomes the idle thread's. */
    idle_thread.state = TS_READY;
    idle_thread.priority = 0;
    idle_thread.id = 0;
    cpu->idle = &idle_thread;
    cpu->current = &idle_thread;
}

void __attribute__((__noreturn__)) sched_run(void)
{
    sched_schedule();
    idle_loop();
}
