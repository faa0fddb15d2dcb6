/*
 * vCPUs: a guest's processor state (a VMCB and the registers it lacks) run by a kernel-made
 * thread of a task. The thread never enters user mode: its kernel loop enters the guest
 * with VMRUN, handles host interrupts itself (the timer preempts it as any thread), and
 * turns every other exit into a call on the exit endpoint (nested page faults: on the VM's
 * pager), exactly as a fault message; the reply edits the state and it enters again.
 * The thread's FPU state, switched with it, is the guest's.
 */
#ifndef AGORA_KERNEL_OBJECT_VCPU_H
#define AGORA_KERNEL_OBJECT_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "agora/vcpu.h"
#include "arch/x86_64/svm/svm.h"
#include "object/kobject.h"
#include "object/thread.h"

struct vm;
struct pool;
struct task;
struct endpoint;

/* Pages charged to the pool for a vCPU: its thread's and the VMCB. */
#define VCPU_POOL_PAGES 4

typedef struct vcpu {
    kobject_t obj;
    struct vm *vm;                  /* referenced */
    thread_t *thread;               /* referenced; thread->vcpu points back */
    vmcb_t *vmcb;
    uint64_t vmcb_pa;
    svm_gprs_t gprs;
    uint64_t tlb_generation;        /* the VM's, as of the last flush */
    bool poked;                     /* SYS_VCPU_POKE: exit before entering the guest again */
    uint64_t exit_code;             /* of the exit whose reply the thread waits for */
    uint64_t exit_words[VCPU_EXIT_WORDS];
} vcpu_t;

/* A vCPU of vm whose thread belongs to task, charged to pool; NULL when out of memory. */
vcpu_t *vcpu_create(struct vm *vm, struct task *task, struct pool *pool);
void vcpu_destroy(vcpu_t *v);

/* Whether its guest state may be read or written now: 0, -E_DEAD, or -E_STATE while it runs. */
int vcpu_state_access(const vcpu_t *v);
/* Starts its thread on the guest (it must be inactive). */
void vcpu_start(vcpu_t *v, struct endpoint *exit_ep, uint64_t badge, uint8_t priority);

/* The reply to its exit message from `replier`: 0, or the replier's error (it keeps waiting). */
int vcpu_reply(thread_t *replier, thread_t *vcpu_thread, uint64_t info);
/* Its exit handler (or pager) died while it waited: the vCPU dies alone. */
void vcpu_abandon(thread_t *vcpu_thread);

#endif
