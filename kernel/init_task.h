/* Starts the first user task (init) from boot module 0. */
#ifndef AGORA_KERNEL_INIT_TASK_H
#define AGORA_KERNEL_INIT_TASK_H

#include "boot/boot_info.h"

/* Builds init's address space and capabilities; panics when it cannot (nothing else can run). */
void init_task_start(const boot_info_t *bi);

#endif
