/* User FPU/SSE state: saved and restored on every switch between user threads. */
#ifndef AGORA_KERNEL_ARCH_FPU_H
#define AGORA_KERNEL_ARCH_FPU_H

#include <stdint.h>

/* The FXSAVE image (x87, MMX, SSE registers and MXCSR). */
typedef struct fpu_state {
    uint8_t bytes[512];
} __attribute__((aligned(16))) fpu_state_t;

/* Turns on SSE for user mode (CR0/CR4) and records the clean initial state. */
void fpu_init(void);
/* A thread's first state: x87 and SSE as after reset (all exceptions masked). */
void fpu_state_init(fpu_state_t *s);

static inline void fpu_save(fpu_state_t *s) { __asm__ volatile("fxsave64 %0" : "=m"(*s)); }
static inline void fpu_restore(const fpu_state_t *s) { __asm__ volatile("fxrstor64 %0" :: "m"(*s)); }

#endif
