/* The scheduler: fixed priorities, round robin within one, idle in hlt. */
#ifndef AGORA_KERNEL_SCHED_SCHED_H
#define AGORA_KERNEL_SCHED_SCHED_H

#include "object/thread.h"

#define SCHED_SLICE_TICKS 2

void sched_init(void);
thread_t *sched_current(void);

/* Puts a thread on its run queue (state TS_READY); a suspended one is parked on none. */
void sched_make_ready(thread_t *t);
/* Takes a ready thread off its run queue. */
void sched_remove(thread_t *t);
/* Whether t is on its run queue (for the consistency check). */
bool sched_queued(const thread_t *t);

/* The current thread blocks in `state` (already queued where it waits); runs something else. */
void sched_block(thread_state_t state);
/* Gives up the CPU: back of its queue, something else of the same priority runs first. */
void sched_yield(void);
/* Picks the best ready thread and switches to it (if the current one is still ready, it competes). */
void sched_schedule(void);
/* Switches to `next` directly (IPC handoff); the current thread must not be ready-queued twice.
 * A suspended `next` is parked instead, and the scheduler picks who runs. */
void sched_switch_to(thread_t *next);

/* The current thread sleeps for ticks timer ticks. */
void sched_sleep(uint64_t ticks);
/* Removes a thread from the sleep list (when killed). */
void sched_cancel_sleep(thread_t *t);

/* Timer interrupt: wakes sleepers, counts the time slice. */
void sched_tick(void);
/* Called on the way out of an interrupt: switch if a tick or wakeup asked for it. */
void sched_preempt_point(void);

/* Frees dead threads once nobody runs on their stacks. */
void sched_reap(void);
/* Hands a dead thread to the reaper. */
void sched_bury(thread_t *t);
/* Enters the scheduler for good on the boot stack, which becomes the idle thread's. */
void sched_run(void) __attribute__((__noreturn__));

#endif
