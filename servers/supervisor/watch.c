/*
 * The supervisor's helper threads (watch.h). The main thread never calls a driver: a hung
 * one would hang it. So a pinger thread does every call to the drivers' control endpoints
 * (PING, INJECT), and the main thread only reads when the last PING started and ended. The
 * death forwarder turns the one death notification into a call on our endpoint; the ticker
 * calls it every SUP_TICK_US. All three use register-only messages and print nothing
 * (agora_printf and the IPC buffer pointer are the main thread's).
 */
#include "watch.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

#define THREAD_AREA(k)  (0x0000000020000000ull + (uint64_t)(k) * 0x100000ull)
#define THREAD_PAGES    4
#define PINGER_US       20000ull
#define HANG_MIN_US     2000000ull
#define ARMED_PERIOD_US 100000ull

static uint64_t death_ep, tick_ep;
static volatile uint64_t inject_pending;     /* bit i: deliver service i's fault */

static noreturn void thread_end(void)
{
    sys_thread_exit();
    for (;;)
        sys_yield();
}

static noreturn void death_forwarder(uint64_t arg)
{
    (void)arg;
    for (;;) {
        long bits = sys_wait(sup.deaths);
        struct agora_msg m = { .info = IPC_INFO(0, 1, 0, 0), .mr = { (uint64_t)bits } };

        if (bits < 0 || sys_call(death_ep, &m) < 0)
            break;
    }
    thread_end();
}

static noreturn void ticker(uint64_t arg)
{
    (void)arg;
    for (;;) {
        struct agora_msg m = { .info = IPC_INFO(0, 0, 0, 0) };

        sys_sleep(SUP_TICK_US);
        if (sys_call(tick_ep, &m) < 0)
            break;
    }
    thread_end();
}

static void deliver_fault(struct service *s, unsigned i)
{
    struct agora_msg m = { .info = IPC_INFO(SVC_INJECT, 2, 0, 0), .mr = { s->fault_kind, s->faults_left } };

    __atomic_and_fetch(&inject_pending, ~(1ull << i), __ATOMIC_SEQ_CST);
    sys_call(s->ctl, &m);                /* a dead driver: the next incarnation is armed at READY */
}

/* The driver's own count of faults to come replaces ours, unless a FAULT or a new start came meanwhile. */
static void ping(struct service *s, uint64_t now)
{
    struct agora_msg m = { .info = IPC_INFO(SVC_PING, 0, 0, 0) };
    uint64_t gen = s->fault_gen, pid = s->pid;

    s->ping_start_us = now;
    if (sys_call(s->ctl, &m) == 0 && IPC_LABEL(m.info) == 0 && IPC_WORDS(m.info) == 1) {
        s->pong_us = (uint64_t)sys_clock();
        if (gen == s->fault_gen && pid == s->pid && !(inject_pending & (1ull << (s - sup.svc))) &&
            m.mr[0] <= s->faults_left)
            s->faults_left = m.mr[0];
    }
    s->ping_start_us = 0;
}

/* The heartbeat's period; shorter while faults are armed, to learn soon how many were used. */
static uint64_t period_us(const struct service *s)
{
    uint64_t us = s->e.heartbeat_ms * 1000ull;

    return s->faults_left && us > ARMED_PERIOD_US ? ARMED_PERIOD_US : us;
}

static noreturn void pinger(uint64_t arg)
{
    (void)arg;
    for (;;) {
        sys_sleep(PINGER_US);
        for (unsigned i = 0; i < sup.n; i++) {
            struct service *s = &sup.svc[i];
            uint64_t now = (uint64_t)sys_clock();

            if (!s->ctl_valid || s->state != SVC_RUNNING)
                continue;
            if (inject_pending & (1ull << i))
                deliver_fault(s, i);
            if (s->e.heartbeat_ms && now - s->pong_us >= period_us(s))
                ping(s, now);
        }
    }
}

uint64_t watch_hang_us(const struct service *s)
{
    uint64_t t = 3ull * s->e.heartbeat_ms * 1000;

    return t > HANG_MIN_US ? t : HANG_MIN_US;
}

void watch_inject(struct service *s)
{
    __atomic_or_fetch(&inject_pending, 1ull << (s - sup.svc), __ATOMIC_SEQ_CST);
}

static long badged(uint64_t badge, uint64_t *slot)
{
    long s = agora_slot_alloc(), r;

    if (s < 0)
        return s;
    if ((r = sys_cap_copy(sup.ep, (uint64_t)s, RIGHT_WRITE, badge)) < 0) {
        agora_slot_free((uint64_t)s);
        return r;
    }
    *slot = (uint64_t)s;
    return 0;
}

long watch_start(void)
{
    long r;

    if ((r = badged(SUP_DEATH_BADGE, &death_ep)) < 0 || (r = badged(SUP_TICK_BADGE, &tick_ep)) < 0)
        return r;
    if ((r = agora_thread_spawn(THREAD_AREA(0), THREAD_PAGES, death_forwarder, 0, 0)) < 0 ||
        (r = agora_thread_spawn(THREAD_AREA(1), THREAD_PAGES, ticker, 0, 0)) < 0)
        return r;
    return agora_thread_spawn(THREAD_AREA(2), THREAD_PAGES, pinger, 0, 0);
}
