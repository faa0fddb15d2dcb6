/* The kernel's own consistency check, exposed to tests through SYS_KERNEL_STATS. */
#ifndef AGORA_KERNEL_SYSCALL_KCHECK_H
#define AGORA_KERNEL_SYSCALL_KCHECK_H

#include "agora/ipc.h"

/* Counts objects and verifies the frame bitmap and every user mapping. */
void kcheck_collect(struct agora_kernel_stats *out);

#endif
