/* What the guest sees of the CPU: CPUID filtered from the host's, MSRs from a small allow-list (pure logic, tests/unit/test_vmm_core.c). */
#ifndef VMM_CPUID_MSR_H
#define VMM_CPUID_MSR_H

#include <stdint.h>

/*
 * The guest's CPUID for leaf/subleaf from the host's answer to the same (host[4]: eax ebx
 * ecx edx, as the VMM's own cpuid gave them; unused for the hypervisor leaves). Hidden:
 * SVM, VMX, SMX, x2APIC and the local APIC (not modelled), MONITOR/MWAIT, XSAVE and AVX
 * (XSETBV always exits), TSC-deadline, and every leaf we do not know (zeros). Set: the
 * hypervisor bit, one logical CPU with APIC id 0, and leaves 0x40000000 ("AgoraAgoraVM",
 * the hypercall ABI in 0x40000001).
 */
void cpuid_filter(uint32_t leaf, uint32_t subleaf, const uint32_t host[4], uint32_t out[4]);

#define CPUID_MAX_BASIC    0x0du
#define CPUID_MAX_EXTENDED 0x80000008u
#define CPUID_HV_MAX       0x40000001u

/* MSRs the guest may use; every other rdmsr/wrmsr gets #GP. */
enum msr_kind {
    MSR_DENIED,         /* #GP */
    MSR_TSC,            /* read: the TSC; write ignored */
    MSR_STATE,          /* in the vCPU state (EFER, PAT, STAR..., FS/GS base, SYSENTER) */
    MSR_STORED,         /* a value the VMM keeps (MTRRs, MISC_ENABLE, ...): read back what was written */
    MSR_ZERO            /* reads 0, writes ignored (microcode revision, ...) */
};

#define MSR_STORE_SLOTS 8
struct msr_store {
    uint32_t msr[MSR_STORE_SLOTS];
    uint64_t value[MSR_STORE_SLOTS];
};

enum msr_kind msr_classify(uint32_t msr);
/* The stored MSRs' reset values. */
void msr_store_init(struct msr_store *s);
/* 0 with the value, or -1 if msr is not a MSR_STORED one. */
int msr_store_read(const struct msr_store *s, uint32_t msr, uint64_t *value);
int msr_store_write(struct msr_store *s, uint32_t msr, uint64_t value);

/* Architectural MSR numbers the VMM handles. */
#define MSR_IA32_TSC            0x10u
#define MSR_IA32_APIC_BASE      0x1bu
#define MSR_IA32_UCODE_REV      0x8bu
#define MSR_IA32_MTRRCAP        0xfeu
#define MSR_IA32_SYSENTER_CS    0x174u
#define MSR_IA32_SYSENTER_ESP   0x175u
#define MSR_IA32_SYSENTER_EIP   0x176u
#define MSR_IA32_MISC_ENABLE    0x1a0u
#define MSR_IA32_PAT            0x277u
#define MSR_IA32_MTRR_DEF_TYPE  0x2ffu
#define MSR_EFER                0xc0000080u
#define MSR_STAR                0xc0000081u
#define MSR_LSTAR               0xc0000082u
#define MSR_CSTAR               0xc0000083u
#define MSR_SFMASK              0xc0000084u
#define MSR_FS_BASE             0xc0000100u
#define MSR_GS_BASE             0xc0000101u
#define MSR_KERNEL_GS_BASE      0xc0000102u
#define MSR_VM_CR               0xc0010114u
#define MSR_VM_HSAVE_PA         0xc0010117u

#endif
