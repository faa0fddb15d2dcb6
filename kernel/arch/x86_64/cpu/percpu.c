/* Sets up the per-CPU block and the MSRs of the `syscall` instruction. */
#include "arch/x86_64/cpu/percpu.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/cpu/gdt.h"

#define MSR_STAR   0xC0000081
#define MSR_LSTAR  0xC0000082
#define MSR_FMASK  0xC0000084
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define EFER_SCE 1u
#define RFLAGS_TF (1u << 8)
#define RFLAGS_IF (1u << 9)
#define RFLAGS_DF (1u << 10)
#define RFLAGS_AC (1u << 18)
#define CR4_SMEP (1u << 20)

extern char syscall_entry[];
static percpu_t cpu0;

void percpu_init(void)
{
    cpu0.self = &cpu0;
    wrmsr(MSR_GS_BASE, (uint64_t)&cpu0);
    wrmsr(MSR_KERNEL_GS_BASE, 0);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    /* sysret would load user CS from STAR[63:48]+16 and SS from +8; we return by iretq. */
    wrmsr(MSR_STAR, ((uint64_t)(SEL_USER_CODE32 | 3) << 48) | ((uint64_t)SEL_KERNEL_CODE << 32));
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    /* The kernel runs with interrupts off; no single-stepping or AC into it. */
    wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);

    uint32_t a, b, c, d;
    cpuid(7, 0, &a, &b, &c, &d);
    if (b & (1u << 7)) {   /* SMEP: the kernel never executes user pages */
        uint64_t cr4 = read_cr4() | CR4_SMEP;
        __asm__ volatile("mov %0, %%cr4" :: "r"(cr4));
    }
}
