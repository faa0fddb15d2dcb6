/* Per-task I/O port permissions, loaded into the TSS bitmap when the task runs. */
#ifndef AGORA_KERNEL_ARCH_IOPERM_H
#define AGORA_KERNEL_ARCH_IOPERM_H

#include <stdint.h>

struct task;

/* Allows the task in/out on ports [first, first+count): 0 or -E_NOMEM. */
int ioperm_enable(struct task *t, uint32_t first, uint32_t count);
void ioperm_release(struct task *t);
void ioperm_activate(struct task *t);

#endif
