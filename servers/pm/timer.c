/*
 * pm's clock (proto/pm.h ALARM): each process's real-time interval timer (alarm,
 * setitimer ITIMER_REAL). A second thread sleeps until the earliest deadline and then calls
 * pm's endpoint with TIMER_LABEL; the main thread sends the SIGALRMs and answers with how
 * long to sleep next. An earlier deadline set meanwhile wakes the sleeper with
 * SYS_THREAD_SUSPEND's interrupt. All state is the main thread's; the timer thread only
 * sleeps and asks.
 */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/pm.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/sys.h>

#include "server.h"

/* The timer thread's IPC buffer (one page), then its stack; clear of pm's other windows. */
#define TIMER_AREA   0x0000000030000000ull
#define TIMER_PAGES  3
/* How long the thread sleeps with no deadline (it asks again then). */
#define TIMER_IDLE_US 3600000000ull
/* How soon to look again at a signal that could not be delivered (its thread was busy). */
#define TIMER_RETRY_US 10000ull

static uint64_t timer_thread = CAP_NULL;
static uint64_t timer_ep;                   /* pm's endpoint badged PM_TIMER_BADGE */
static uint64_t sleeping_until;             /* the deadline the thread sleeps towards (us) */

static uint64_t now_us(void)
{
    long t = sys_clock();

    return t > 0 ? (uint64_t)t : 0;
}

static noreturn void timer_main(uint64_t arg)
{
    uint64_t us = TIMER_IDLE_US;

    (void)arg;
    for (;;) {
        struct agora_msg m = { .info = IPC_INFO(PM_TIMER_LABEL, 0, 0, 0) };

        sys_sleep(us);              /* -E_INTR: pm has an earlier deadline */
        us = sys_call(timer_ep, &m) < 0 ? 0 : m.mr[0];
    }
}

long pm_timer_start(uint64_t endpoint)
{
    long ep = agora_slot_alloc(), r;

    if (ep < 0)
        return ep;
    timer_ep = (uint64_t)ep;
    if ((r = sys_cap_copy(endpoint, timer_ep, RIGHT_WRITE, PM_TIMER_BADGE)) < 0)
        return r;
    sleeping_until = now_us() + TIMER_IDLE_US;
    return agora_thread_spawn(TIMER_AREA, TIMER_PAGES, timer_main, 0, &timer_thread);
}

/* The earliest deadline from now on (an alarm, or a retry for an undelivered signal). */
static uint64_t next_deadline(uint64_t now)
{
    uint64_t next = now + TIMER_IDLE_US;

    for (unsigned i = 0; i < PM_MAX_PROCS; i++) {
        const struct pm_proc *p = &pm_table.procs[i];

        if (p->state == PM_ALIVE && p->alarm_at && p->alarm_at < next)
            next = p->alarm_at;
    }
    if (pm_signal_deliverable() && now + TIMER_RETRY_US < next)
        next = now + TIMER_RETRY_US;
    return next;
}

/* Makes the sleeper look again if the earliest deadline moved before the one it sleeps towards. */
void pm_timer_changed(void)
{
    uint64_t now = now_us();

    if (timer_thread == CAP_NULL || next_deadline(now) >= sleeping_until)
        return;
    sleeping_until = now;           /* it asks at once; the answer sets the real one */
    sys_thread_suspend(timer_thread, THREAD_SUSPEND_INTERRUPT);
    sys_thread_resume(timer_thread, 0);
}

void pm_timer_tick(struct agora_msg *m)
{
    uint64_t now = now_us(), next;

    for (unsigned i = 0; i < PM_MAX_PROCS; i++) {
        struct pm_proc *p = &pm_table.procs[i];

        if (p->state != PM_ALIVE || !p->alarm_at || p->alarm_at > now)
            continue;
        if (p->alarm_interval)
            p->alarm_at = p->alarm_at + p->alarm_interval > now ? p->alarm_at + p->alarm_interval
                                                                : now + p->alarm_interval;
        else
            p->alarm_at = 0;
        pm_signal(p, PM_SIGALRM);
    }
    next = next_deadline(now);
    sleeping_until = next;
    *m = (struct agora_msg){ .info = IPC_INFO(0, 1, 0, 0), .mr = { next - now } };
}

long pm_timer_set(struct pm_proc *p, bool set, uint64_t value_us, uint64_t interval_us,
                  uint64_t *old_value, uint64_t *old_interval)
{
    uint64_t now = now_us();

    if (value_us > PM_ALARM_MAX_US || interval_us > PM_ALARM_MAX_US)
        return -E_INVAL;
    *old_value = p->alarm_at ? (p->alarm_at > now ? p->alarm_at - now : 1) : 0;
    *old_interval = p->alarm_interval;
    if (!set)
        return 0;
    p->alarm_at = value_us ? now + value_us : 0;
    p->alarm_interval = value_us ? interval_us : 0;
    pm_timer_changed();
    return 0;
}
