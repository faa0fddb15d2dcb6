/* Interrupts for the guest: the PIC's output and EVENTs injected when it can take them, HLT idling, the timer thread. */
#include <string.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/pm.h>
#include <libagora/sys.h>

#include "posix/runtime/posix.h"
#include "vmm.h"

#define RFLAGS_IF        (1ull << 9)
#define TIMER_MIN_US     500             /* the timer never wakes more often (a guest's PIT at 1 MHz) */
#define TIMER_IDLE_US    10000           /* how late a PIT programmed while the timer sleeps starts */
#define TIMER_STACK      16384

static uint8_t timer_stack[TIMER_STACK] __attribute__((aligned(16)));
static uint8_t timer_ipc[4096] __attribute__((aligned(4096)));

/*
 * The timer thread: sleeps, then calls the loop, whose answer is how long to sleep next.
 * It uses only system calls (the C library is the main thread's) and registers only.
 */
static _Noreturn void timer_main(uint64_t ep)
{
    uint64_t sleep_us = 1000;

    for (;;) {
        struct agora_msg m = { IPC_INFO(VMM_TIMER_LABEL, 1, 0, 0), 0, { (uint64_t)sys_clock() } };

        sys_sleep(sleep_us);
        if (sys_call(ep, &m) < 0)
            sys_thread_exit();
        sleep_us = m.mr[0] < TIMER_MIN_US ? TIMER_MIN_US : m.mr[0] > TIMER_IDLE_US ? TIMER_IDLE_US : m.mr[0];
    }
}

long irq_start_timer(struct vmm *v)
{
    long t = posix_slot_alloc(), ep = posix_slot_alloc();
    long r;

    if (t < 0 || ep < 0)
        return -E_NOMEM;
    if ((r = sys_cap_copy(v->ep, (uint64_t)ep, RIGHT_WRITE, VMM_BADGE_TIMER)) < 0 ||
        (r = sys_thread_create(CAP_SELF_TASK, v->pool, (uint64_t)t)) < 0 ||
        (r = sys_thread_setup((uint64_t)t, (uint64_t)timer_ipc, CAP_PM, VMM_PRIORITY)) < 0 ||
        (r = sys_thread_start((uint64_t)t, (uint64_t)timer_main, (uint64_t)(timer_stack + TIMER_STACK - 8),
                              (uint64_t)ep)) < 0)
        return r;
    v->timer_ep = (uint64_t)ep;
    v->timer_thread = (uint64_t)t;
    return 0;
}

long irq_event_add(struct vmm *v, unsigned vector, uint64_t delay_us)
{
    for (unsigned i = 0; i < HC_EVENT_MAX; i++) {
        struct vmm_event *ev = &v->events[i];

        if (ev->due_us == 0) {
            ev->due_us = (uint64_t)sys_clock() + delay_us;
            if (ev->due_us == 0)
                ev->due_us = 1;
            ev->vector = (uint8_t)vector;
            ev->fired = delay_us == 0;
            return 0;
        }
    }
    return -E_BUSY;
}

uint64_t irq_timer(struct vmm *v)
{
    uint64_t now = (uint64_t)sys_clock(), next = io_timer(v, now);

    for (unsigned i = 0; i < HC_EVENT_MAX; i++) {
        struct vmm_event *ev = &v->events[i];

        if (ev->due_us == 0 || ev->fired)
            continue;
        if (ev->due_us <= now)
            ev->fired = true;
        else if (next == 0 || ev->due_us < next)
            next = ev->due_us;
    }
    irq_kick(v);
    return next == 0 ? TIMER_IDLE_US : next > now ? next - now : TIMER_MIN_US;
}

/* The next vector to inject (a fired EVENT first, then the PIC's), or -1. */
static int pending(struct vmm *v, struct vmm_event **from)
{
    for (unsigned i = 0; i < HC_EVENT_MAX; i++) {
        if (v->events[i].due_us && v->events[i].fired) {
            *from = &v->events[i];
            return v->events[i].vector;
        }
    }
    *from = NULL;
    return io_pic_pending(v);
}

/* Takes the pending interrupt: the vector to inject (the PIC's INTA answer, which may be its spurious 7/15), or -1. */
static int take(struct vmm *v, struct vmm_event *ev)
{
    if (ev) {
        ev->due_us = 0, ev->fired = false;
        return ev->vector;
    }
    return io_pic_acknowledge(v);
}

/* Asks for an exit as soon as the guest can take an interrupt: virq with the VINTR intercept. */
static void request_window(struct vmm *v, int vector)
{
    struct agora_vcpu_state s;

    if (v->window_requested || sys_vcpu_state_read(v->vcpu, &s) < 0)
        return;
    s.virq = VCPU_VIRQ_PENDING | VCPU_VIRQ_IGNORE_TPR | ((uint64_t)(vector & 0xff) << 32);
    s.intercepts |= VCPU_INTERCEPT_VINTR;
    if (sys_vcpu_state_write(v->vcpu, &s) == 0)
        v->window_requested = true;
}

void irq_deliver(struct vmm *v, struct vmm_exit *e)
{
    struct vmm_event *ev;
    int vector = pending(v, &ev);
    bool busy = (e->mask & VCPU_SET_EVENT) || (e->w[VCPU_MR_INTINFO] & VCPU_EVENT_VALID);

    if (vector < 0 || v->ending)
        return;
    if (!busy && (e->w[VCPU_MR_RFLAGS] & RFLAGS_IF) && !(e->w[VCPU_MR_INT_STATE] & 1)) {
        if ((vector = take(v, ev)) < 0)
            return;
        e->mask |= VCPU_SET_EVENT;
        e->event = VCPU_EVENT(VCPU_EVENT_TYPE_INTR, vector);
        return;
    }
    request_window(v, vector);
}

void irq_window_exit(struct vmm *v, struct vmm_exit *e)
{
    struct agora_vcpu_state s;

    if (sys_vcpu_state_read(v->vcpu, &s) == 0) {
        s.virq = 0;
        s.intercepts &= ~VCPU_INTERCEPT_VINTR;
        sys_vcpu_state_write(v->vcpu, &s);
    }
    v->window_requested = false;
    /* The guest can take one now (the exit's rflags and shadow say so); irq_deliver puts it in the reply. */
}

/* A halted vCPU resumes after its HLT with the interrupt; a running one is poked to exit. */
void irq_kick(struct vmm *v)
{
    struct vmm_event *ev;
    int vector = pending(v, &ev);

    if (vector < 0 || v->ending)
        return;
    if (v->halted) {
        struct agora_msg m = { IPC_INFO(IPC_LABEL_VCPU_RESUME, 4, 0, 0), 0,
                               { VCPU_SET_RIP | VCPU_SET_EVENT, v->halt_rip + 1, 0, 0 } };

        if (!(v->halt_rflags & RFLAGS_IF))
            return;                     /* cli; hlt: only a stop ends it */
        if ((vector = take(v, ev)) < 0)
            return;
        m.mr[3] = VCPU_EVENT(VCPU_EVENT_TYPE_INTR, vector);
        sys_reply_to(v->saved_reply, &m);
        v->halted = false;
        return;
    }
    if (!v->poked && sys_vcpu_poke(v->vcpu) == 0)
        v->poked = true;
}
