/* Per-CPU data, reached through the GS base while in the kernel. One CPU for now. */
#ifndef AGORA_KERNEL_ARCH_PERCPU_H
#define AGORA_KERNEL_ARCH_PERCPU_H

#include <stdint.h>

struct thread;

/* Offsets are used by entry.S: keep them in step with PERCPU_* below. */
typedef struct percpu {
    struct percpu *self;         /* 0 */
    uint64_t kstack_top;         /* 8: where syscall entry puts the kernel stack */
    uint64_t user_rsp;           /* 16: scratch for syscall entry */
    struct thread *current;      /* 24 */
    struct thread *idle;
    uint64_t need_resched;
} percpu_t;

#define PERCPU_KSTACK_TOP 8
#define PERCPU_USER_RSP   16

void percpu_init(void);

static inline percpu_t *this_cpu(void)
{
    percpu_t *p;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}

#endif
