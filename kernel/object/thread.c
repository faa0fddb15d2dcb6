/* Thread creation, start and death. */
#include "object/thread.h"
#include "object/endpoint.h"
#include "object/notification.h"
#include "object/task.h"
#include "object/vcpu.h"
#include "agora/errors.h"
#include "arch/x86_64/cpu/gdt.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/kheap.h"
#include "sched/sched.h"

extern char thread_first_entry[], kthread_first_entry[];
static uint64_t next_thread_id = 1;

#define RFLAGS_IF (1u << 9)
#define RFLAGS_RESERVED1 (1u << 1)

thread_t *thread_create(task_t *task)
{
    thread_t *t = kzalloc(sizeof *t);
    void *stack = t ? kzalloc(THREAD_KSTACK_SIZE) : 0;
    if (!stack) {
        kfree(t);
        return 0;
    }
    kobject_init(&t->obj, OBJ_THREAD);
    t->id = next_thread_id++;
    t->kstack = stack;
    t->state = TS_INACTIVE;
    t->priority = THREAD_DEFAULT_PRIORITY;
    t->frame = (trap_frame_t *)((char *)stack + THREAD_KSTACK_SIZE) - 1;
    fpu_state_init(&t->fpu);
    *(uint64_t *)stack = THREAD_STACK_CANARY;
    task_add_thread(task, t);
    return t;
}

void thread_start(thread_t *t, uint64_t rip, uint64_t rsp, uint64_t arg)
{
    trap_frame_t *f = t->frame;
    memset(f, 0, sizeof *f);
    f->rip = rip;
    f->rsp = rsp;
    f->rdi = arg;
    f->cs = SEL_USER_CODE | 3;
    f->ss = SEL_USER_DATA | 3;
    f->rflags = RFLAGS_IF | RFLAGS_RESERVED1;
    /* Below the frame: what context_switch pops (six registers) and its return address. */
    uint64_t *sp = (uint64_t *)f;
    *--sp = (uint64_t)thread_first_entry;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    t->ksp = (uint64_t)sp;
    sched_make_ready(t);
}

void thread_start_kernel(thread_t *t, void (*entry)(void))
{
    memset(t->frame, 0, sizeof *t->frame);
    /* What context_switch pops: r15 r14 r13 r12 rbx rbp, then its return; entry rides in rbx. */
    uint64_t *sp = (uint64_t *)t->frame;
    *--sp = (uint64_t)kthread_first_entry;
    for (int i = 0; i < 6; i++)
        *--sp = i == 1 ? (uint64_t)entry : 0;   /* pushed from the top: rbp, then rbx */
    t->ksp = (uint64_t)sp;
    sched_make_ready(t);
}

void thread_fault_abandoned(thread_t *t, int64_t status)
{
    if (t->vcpu)
        vcpu_abandon(t);
    else
        task_kill(t->task, status);
}

/* Takes t off the queue of the wait it is in (send, receive, notification, sleep); false if none. */
static bool leave_wait_queue(thread_t *t)
{
    switch (t->state) {
    case TS_BLOCKED_SEND:
    case TS_BLOCKED_RECV:
        /* Already taken off the queue when its endpoint is being closed. */
        if (t->blocked_ep)
            endpoint_dequeue(t->blocked_ep, t);
        return true;
    case TS_BLOCKED_NOTIFY:
        if (t->blocked_ntfn)
            notification_dequeue(t->blocked_ntfn, t);
        return true;
    case TS_SLEEPING:
        sched_cancel_sleep(t);
        return true;
    default:
        return false;
    }
}

void thread_kill(thread_t *t)
{
    if (t->state == TS_READY && !t->suspended) {
        sched_remove(t);
    } else if (t->state == TS_BLOCKED_REPLY) {
        if (t->callee && t->callee->caller == t)
            t->callee->caller = 0;
        t->callee = 0;
        if (t->saved_reply)
            t->saved_reply->caller = 0;
        t->saved_reply = 0;
    } else {
        leave_wait_queue(t);
    }
    /* Whoever called us waits for a reply that will never come. */
    if (t->caller) {
        thread_t *c = t->caller;
        t->caller = 0;
        c->callee = 0;
        if (c->state == TS_BLOCKED_REPLY && c->in_fault) {
            /* Its pager died: the faulting instruction can never complete. */
            thread_fault_abandoned(c, -E_DEAD);
        } else if (c->state == TS_BLOCKED_REPLY) {
            thread_set_result(c, -E_DEAD);
            sched_make_ready(c);
        }
    }
    if (t->fault_ep) {
        kobject_unref(&t->fault_ep->obj);
        t->fault_ep = 0;
    }
    t->state = TS_DEAD;
}

int thread_suspend(thread_t *t, bool interrupt)
{
    if (t->state == TS_READY && !t->suspended)
        sched_remove(t);
    t->suspended = true;
    /* A fault message, taken or not, is never interrupted: the instruction must complete. */
    if (interrupt && !t->in_fault && leave_wait_queue(t)) {
        thread_set_result(t, -E_INTR);
        sched_make_ready(t);   /* parked: it is suspended */
    }
    return t->state == TS_READY ? 0 : 1;
}

void thread_resume(thread_t *t)
{
    t->suspended = false;
    if (t->state == TS_READY)
        sched_make_ready(t);
}

void thread_destroy(thread_t *t)
{
    if (t->state != TS_DEAD)
        thread_kill(t);
    sched_bury(t);
}
