/* CPUID filtering and the MSR allow-list (cpuid_msr.h): pure logic. */
#include <stddef.h>

#include <agora/hypercall.h>

#include "cpuid_msr.h"

/* Leaf 1 ecx / edx, leaf 7 ebx ecx, leaf 0x80000001 ecx. */
#define L1_ECX_MONITOR   (1u << 3)
#define L1_ECX_VMX       (1u << 5)
#define L1_ECX_SMX       (1u << 6)
#define L1_ECX_X2APIC    (1u << 21)
#define L1_ECX_TSC_DL    (1u << 24)
#define L1_ECX_XSAVE     (1u << 26)
#define L1_ECX_OSXSAVE   (1u << 27)
#define L1_ECX_AVX       (1u << 28)
#define L1_ECX_HV        (1u << 31)
#define L1_EDX_APIC      (1u << 9)
#define L7_EBX_ALLOWED   ((1u << 0) | (1u << 3) | (1u << 7) | (1u << 8) | (1u << 9) | (1u << 18) | (1u << 19) | \
                          (1u << 20) | (1u << 23) | (1u << 29))   /* FSGSBASE BMI1 SMEP BMI2 ERMS RDSEED ADX SMAP CLFLUSHOPT SHA */
#define L7_ECX_ALLOWED   (1u << 2)                                 /* UMIP */
#define X1_ECX_SVM       (1u << 2)
#define X1_ECX_EXTAPIC   (1u << 3)
#define X1_ECX_SKINIT    (1u << 12)

static void set4(uint32_t out[4], uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    out[0] = a, out[1] = b, out[2] = c, out[3] = d;
}

static void basic(uint32_t leaf, uint32_t subleaf, const uint32_t h[4], uint32_t out[4])
{
    switch (leaf) {
    case 0:
        set4(out, h[0] < CPUID_MAX_BASIC ? h[0] : CPUID_MAX_BASIC, h[1], h[2], h[3]);
        return;
    case 1:
        /* ebx: brand, clflush size; one logical CPU, initial APIC id 0. */
        set4(out, h[0], (h[1] & 0xffffu) | (1u << 16),
             (h[2] & ~(L1_ECX_MONITOR | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_X2APIC | L1_ECX_TSC_DL | L1_ECX_XSAVE |
                       L1_ECX_OSXSAVE | L1_ECX_AVX)) | L1_ECX_HV,
             h[3] & ~L1_EDX_APIC);
        return;
    case 2:
        set4(out, h[0], h[1], h[2], h[3]);
        return;
    case 7:
        if (subleaf == 0)
            set4(out, 0, h[1] & L7_EBX_ALLOWED, h[2] & L7_ECX_ALLOWED, 0);
        else
            set4(out, 0, 0, 0, 0);
        return;
    default:
        set4(out, 0, 0, 0, 0);          /* topology, XSAVE, power: nothing of them */
        return;
    }
}

static void extended(uint32_t leaf, const uint32_t h[4], uint32_t out[4])
{
    switch (leaf) {
    case 0x80000000u:
        set4(out, h[0] < CPUID_MAX_EXTENDED ? h[0] : CPUID_MAX_EXTENDED, h[1], h[2], h[3]);
        return;
    case 0x80000001u:
        set4(out, h[0], h[1], h[2] & ~(X1_ECX_SVM | X1_ECX_EXTAPIC | X1_ECX_SKINIT), h[3]);
        return;
    case 0x80000002u: case 0x80000003u: case 0x80000004u:   /* the brand string */
    case 0x80000005u: case 0x80000006u:                     /* caches */
        set4(out, h[0], h[1], h[2], h[3]);
        return;
    case 0x80000008u:                                       /* address sizes; one core */
        set4(out, h[0], h[1], 0, 0);
        return;
    default:
        set4(out, 0, 0, 0, 0);
        return;
    }
}

void cpuid_filter(uint32_t leaf, uint32_t subleaf, const uint32_t host[4], uint32_t out[4])
{
    if (leaf == 0x40000000u)
        set4(out, CPUID_HV_MAX, HC_CPUID_SIGNATURE_EBX, HC_CPUID_SIGNATURE_ECX, HC_CPUID_SIGNATURE_EDX);
    else if (leaf == 0x40000001u)
        set4(out, HC_ABI_VERSION, 0, 0, 0);
    else if (leaf <= CPUID_MAX_BASIC)
        basic(leaf, subleaf, host, out);
    else if (leaf >= 0x80000000u && leaf <= CPUID_MAX_EXTENDED)
        extended(leaf, host, out);
    else
        set4(out, 0, 0, 0, 0);
}

enum msr_kind msr_classify(uint32_t msr)
{
    switch (msr) {
    case MSR_IA32_TSC:
        return MSR_TSC;
    case MSR_IA32_SYSENTER_CS: case MSR_IA32_SYSENTER_ESP: case MSR_IA32_SYSENTER_EIP:
    case MSR_IA32_PAT: case MSR_EFER: case MSR_STAR: case MSR_LSTAR: case MSR_CSTAR: case MSR_SFMASK:
    case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
        return MSR_STATE;
    case MSR_IA32_MISC_ENABLE: case MSR_IA32_MTRR_DEF_TYPE:
        return MSR_STORED;
    case MSR_IA32_UCODE_REV: case MSR_IA32_MTRRCAP:
        return MSR_ZERO;
    default:
        return MSR_DENIED;              /* APIC_BASE (no APIC), VM_CR and VM_HSAVE_PA (no SVM), ... */
    }
}

void msr_store_init(struct msr_store *s)
{
    for (unsigned i = 0; i < MSR_STORE_SLOTS; i++)
        s->msr[i] = 0, s->value[i] = 0;
    s->msr[0] = MSR_IA32_MISC_ENABLE;
    s->value[0] = 1;                    /* fast strings */
    s->msr[1] = MSR_IA32_MTRR_DEF_TYPE;
    s->value[1] = 0x6;                  /* MTRRs off, write-back default */
}

static int store_slot(const struct msr_store *s, uint32_t msr)
{
    if (msr_classify(msr) != MSR_STORED)
        return -1;
    for (int i = 0; i < MSR_STORE_SLOTS; i++)
        if (s->msr[i] == msr)
            return i;
    return -1;
}

int msr_store_read(const struct msr_store *s, uint32_t msr, uint64_t *value)
{
    int i = store_slot(s, msr);

    if (i < 0)
        return -1;
    *value = s->value[i];
    return 0;
}

int msr_store_write(struct msr_store *s, uint32_t msr, uint64_t value)
{
    int i = store_slot(s, msr);

    if (i < 0)
        return -1;
    s->value[i] = value;
    return 0;
}
