/* Threads: a register state, a kernel stack, a place in the scheduler and in IPC. */
#ifndef AGORA_KERNEL_OBJECT_THREAD_H
#define AGORA_KERNEL_OBJECT_THREAD_H

#include <stdbool.h>
#include <stdint.h>
#include "object/kobject.h"
#include "arch/x86_64/cpu/fpu.h"
#include "arch/x86_64/cpu/trap.h"

struct task;
struct endpoint;
struct notification;
struct vcpu;

typedef enum thread_state {
    TS_INACTIVE,        /* created, not started */
    TS_READY,           /* on a run queue (or running: see percpu current) */
    TS_BLOCKED_SEND,    /* queued on an endpoint to send (or call) */
    TS_BLOCKED_RECV,    /* queued on an endpoint to receive */
    TS_BLOCKED_REPLY,   /* called, waiting for the reply */
    TS_BLOCKED_NOTIFY,  /* waiting on a notification */
    TS_SLEEPING,
    TS_DEAD,
} thread_state_t;

#define THREAD_KSTACK_SIZE (8192 - 16)   /* with the heap header: two whole frames */
/* Written at the bottom of every kernel stack; a changed canary means the stack overflowed. */
#define THREAD_STACK_CANARY 0x57ac4ca7a3157ac4ull
#define THREAD_DEFAULT_PRIORITY 100
#define THREAD_MAX_PRIORITY 255

typedef struct thread {
    kobject_t obj;                  /* first: kobject_release casts to thread_t */
    fpu_state_t fpu;                /* 16-byte aligned: the heap returns 16-byte aligned blocks */
    struct task *task;
    struct thread *task_next;       /* the task's thread list */
    uint64_t id;

    /* Scheduling. */
    thread_state_t state;
    uint8_t priority;
    uint8_t slice_left;
    bool suspended;                 /* SYS_THREAD_SUSPEND: TS_READY then means parked, on no queue */
    struct thread *q_next, *q_prev; /* run queue, endpoint queue or sleep list */
    uint64_t wake_tick;

    /* Machine state: the user registers live at the top of the kernel stack. */
    uint64_t ksp;
    void *kstack;
    trap_frame_t *frame;

    /* IPC. */
    uint64_t ipc_buffer;            /* user address of its agora_ipc_buffer, 0: none */
    struct endpoint *blocked_ep;    /* while TS_BLOCKED_SEND / TS_BLOCKED_RECV */
    struct notification *blocked_ntfn;
    uint64_t send_info;             /* while TS_BLOCKED_SEND: the message info */
    uint64_t send_regs[4];          /* ... and its first four words */
    uint64_t send_badge;
    uint32_t send_rights;           /* rights of the endpoint capability used */
    bool send_is_call;
    struct thread *caller;          /* the thread waiting for our reply */
    struct thread *callee;          /* while TS_BLOCKED_REPLY: who owes us the reply */
    struct reply *saved_reply;      /* ... or the reply object that holds that duty */

    /* Faults: sent as a call on this endpoint. */
    struct endpoint *fault_ep;
    uint64_t fault_badge;
    bool in_fault;                  /* blocked on a fault message, not a call */
    uint64_t fault_addr;            /* the faulting address of that fault */

    /* Set for the thread that runs a vCPU: it never enters user mode (vcpu.c). */
    struct vcpu *vcpu;
} thread_t;

thread_t *thread_create(struct task *task);
/* Makes it runnable at rip with rsp and rdi = arg (user mode). */
void thread_start(thread_t *t, uint64_t rip, uint64_t rsp, uint64_t arg);
/* Makes it runnable in the kernel: entry runs on its own stack (after a switch) and never returns. */
void thread_start_kernel(thread_t *t, void (*entry)(void));
/* It waited for a fault reply that can never come: its task dies (a vCPU's thread dies alone). */
void thread_fault_abandoned(thread_t *t, int64_t status);
/* Takes the thread out of every queue, wakes whoever waits on it with -E_DEAD, marks it dead. */
void thread_kill(thread_t *t);
/*
 * Stops a started, live thread other than the current one; interrupt ends a wait in which
 * nothing was delivered yet with -E_INTR. 1 while it still waits in a call, else 0.
 */
int thread_suspend(thread_t *t, bool interrupt);
/* Clears the stop: a ready thread is queued to run again, a blocked one waits on. */
void thread_resume(thread_t *t);
void thread_destroy(thread_t *t);

static inline bool thread_stack_intact(const thread_t *t)
{
    return !t->kstack || *(const uint64_t *)t->kstack == THREAD_STACK_CANARY;
}

/* Sets the value a blocked thread's system call returns when it next runs. */
static inline void thread_set_result(thread_t *t, long v)
{
    t->frame->rax = (uint64_t)v;
}

#endif
