/*
 * FPU/SSE for user threads. The kernel itself never touches these registers (it is
 * built with -mgeneral-regs-only), so saving them at a thread switch is enough.
 */
#include "arch/x86_64/cpu/fpu.h"
#include "arch/x86_64/cpu/cpu.h"
#include "lib/log.h"
#include "lib/string.h"

#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)

static fpu_state_t initial_state;

void fpu_init(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!(d & (1u << 24)) || !(d & (1u << 25)))
        panic("this CPU has no FXSAVE or SSE");
    uint64_t cr0 = (read_cr0() | CR0_MP | CR0_NE) & ~(uint64_t)(CR0_EM | CR0_TS);
    __asm__ volatile("mov %0, %%cr0" :: "r"(cr0));
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    __asm__ volatile("mov %0, %%cr4" :: "r"(cr4));
    __asm__ volatile("fninit");
    uint32_t mxcsr = 0x1F80;   /* all SSE exceptions masked, round to nearest */
    __asm__ volatile("ldmxcsr %0" :: "m"(mxcsr));
    fpu_save(&initial_state);
}

void fpu_state_init(fpu_state_t *s)
{
    memcpy(s, &initial_state, sizeof *s);
}
