/* The register state saved on every interrupt and exception, and its dispatch. */
#ifndef AGORA_KERNEL_ARCH_TRAP_H
#define AGORA_KERNEL_ARCH_TRAP_H

#include <stdint.h>
#include <stdbool.h>

/* Pushed by isr.S (general registers, vector, error code) and by the CPU (the rest). */
typedef struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
} trap_frame_t;
_Static_assert(sizeof(trap_frame_t) == 22 * 8, "trap frame layout");

void trap_dispatch(trap_frame_t *tf);

/* Name of an exception vector ("page fault"), or NULL for a non-exception vector. */
const char *trap_exception_name(uint64_t vector);

/*
 * For self-tests: the next exception with this vector is handled by the hook
 * instead of a panic; the hook may change the frame (e.g. skip the instruction).
 * Used once, then cleared.
 */
typedef void (*trap_hook_t)(trap_frame_t *tf);
void trap_expect(uint64_t vector, trap_hook_t hook);

#endif
