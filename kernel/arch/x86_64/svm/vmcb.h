/* The VMCB (AMD64 APM vol. 2, appendix B): a control area at 0 and the guest's state at 0x400. */
#ifndef AGORA_KERNEL_ARCH_SVM_VMCB_H
#define AGORA_KERNEL_ARCH_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

typedef struct vmcb_segment {
    uint16_t selector;
    uint16_t attrib;
    uint32_t limit;
    uint64_t base;
} vmcb_segment_t;

typedef struct vmcb_control {
    uint32_t intercept_cr;          /* 0x000: reads 15:0, writes 31:16 */
    uint32_t intercept_dr;          /* 0x004 */
    uint32_t intercept_exceptions;  /* 0x008 */
    uint32_t intercept_misc1;       /* 0x00c: INTR ... SHUTDOWN */
    uint32_t intercept_misc2;       /* 0x010: VMRUN ... */
    uint32_t intercept_misc3;       /* 0x014 */
    uint8_t reserved1[0x03c - 0x018];
    uint16_t pause_filter_threshold;/* 0x03c */
    uint16_t pause_filter_count;    /* 0x03e */
    uint64_t iopm_base_pa;          /* 0x040 */
    uint64_t msrpm_base_pa;         /* 0x048 */
    uint64_t tsc_offset;            /* 0x050 */
    uint32_t asid;                  /* 0x058 */
    uint8_t tlb_control;            /* 0x05c */
    uint8_t reserved2[3];
    uint64_t int_ctl;               /* 0x060: V_TPR, V_IRQ, V_INTR_PRIO, V_IGN_TPR, V_INTR_MASKING, vector */
    uint64_t int_state;             /* 0x068: bit 0 interrupt shadow */
    uint64_t exit_code;             /* 0x070 */
    uint64_t exit_info1;            /* 0x078 */
    uint64_t exit_info2;            /* 0x080 */
    uint64_t exit_int_info;         /* 0x088 */
    uint64_t np_control;            /* 0x090: bit 0 nested paging */
    uint64_t avic_apic_bar;         /* 0x098 */
    uint64_t ghcb_pa;               /* 0x0a0 */
    uint64_t event_inject;          /* 0x0a8 */
    uint64_t ncr3;                  /* 0x0b0 */
    uint64_t virt_ext;              /* 0x0b8: LBR virtualization, VMSAVE/VMLOAD virtualization */
    uint32_t clean_bits;            /* 0x0c0 */
    uint32_t reserved3;
    uint64_t next_rip;              /* 0x0c8 */
    uint8_t insn_len;               /* 0x0d0 */
    uint8_t insn_bytes[15];
    uint8_t reserved4[0x400 - 0x0e0];
} vmcb_control_t;

typedef struct vmcb_save {
    vmcb_segment_t es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;   /* 0x400 - 0x49f */
    uint8_t reserved1[0x4cb - 0x4a0];
    uint8_t cpl;                    /* 0x4cb */
    uint32_t reserved2;
    uint64_t efer;                  /* 0x4d0 */
    uint8_t reserved3[0x548 - 0x4d8];
    uint64_t cr4;                   /* 0x548 */
    uint64_t cr3;
    uint64_t cr0;
    uint64_t dr7;
    uint64_t dr6;
    uint64_t rflags;
    uint64_t rip;                   /* 0x578 */
    uint8_t reserved4[0x5d8 - 0x580];
    uint64_t rsp;                   /* 0x5d8 */
    uint8_t reserved5[0x5f8 - 0x5e0];
    uint64_t rax;                   /* 0x5f8 */
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t cr2;                   /* 0x640 */
    uint8_t reserved6[0x668 - 0x648];
    uint64_t g_pat;                 /* 0x668 */
} vmcb_save_t;

typedef struct vmcb {
    vmcb_control_t control;
    vmcb_save_t save;
    uint8_t reserved[4096 - 0x400 - sizeof(vmcb_save_t)];
} vmcb_t;

_Static_assert(offsetof(vmcb_control_t, pause_filter_threshold) == 0x03c, "VMCB layout");
_Static_assert(offsetof(vmcb_control_t, asid) == 0x058, "VMCB layout");
_Static_assert(offsetof(vmcb_control_t, exit_code) == 0x070, "VMCB layout");
_Static_assert(offsetof(vmcb_control_t, event_inject) == 0x0a8, "VMCB layout");
_Static_assert(offsetof(vmcb_control_t, ncr3) == 0x0b0, "VMCB layout");
_Static_assert(offsetof(vmcb_control_t, next_rip) == 0x0c8, "VMCB layout");
_Static_assert(sizeof(vmcb_control_t) == 0x400, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.tr) == 0x490, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.cpl) == 0x4cb, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.efer) == 0x4d0, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.cr4) == 0x548, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.rflags) == 0x570, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.rip) == 0x578, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.rsp) == 0x5d8, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.rax) == 0x5f8, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.sysenter_eip) == 0x638, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.cr2) == 0x640, "VMCB layout");
_Static_assert(offsetof(vmcb_t, save.g_pat) == 0x668, "VMCB layout");
_Static_assert(sizeof(vmcb_t) == 4096, "a VMCB is one page");

/* Intercept bits. */
#define SVM_INTERCEPT_INTR      (1u << 0)    /* misc1 */
#define SVM_INTERCEPT_NMI       (1u << 1)
#define SVM_INTERCEPT_SMI       (1u << 2)
#define SVM_INTERCEPT_INIT      (1u << 3)
#define SVM_INTERCEPT_VINTR     (1u << 4)
#define SVM_INTERCEPT_RDTSC     (1u << 14)
#define SVM_INTERCEPT_CPUID     (1u << 18)
#define SVM_INTERCEPT_IRET      (1u << 20)
#define SVM_INTERCEPT_INVD      (1u << 22)
#define SVM_INTERCEPT_PAUSE     (1u << 23)
#define SVM_INTERCEPT_HLT       (1u << 24)
#define SVM_INTERCEPT_INVLPG    (1u << 25)
#define SVM_INTERCEPT_INVLPGA   (1u << 26)
#define SVM_INTERCEPT_IOIO      (1u << 27)
#define SVM_INTERCEPT_MSR       (1u << 28)
#define SVM_INTERCEPT_SHUTDOWN  (1u << 31)
#define SVM_INTERCEPT_VMRUN     (1u << 0)    /* misc2 */
#define SVM_INTERCEPT_VMMCALL   (1u << 1)
#define SVM_INTERCEPT_VMLOAD    (1u << 2)
#define SVM_INTERCEPT_VMSAVE    (1u << 3)
#define SVM_INTERCEPT_STGI      (1u << 4)
#define SVM_INTERCEPT_CLGI      (1u << 5)
#define SVM_INTERCEPT_SKINIT    (1u << 6)
#define SVM_INTERCEPT_RDTSCP    (1u << 7)
#define SVM_INTERCEPT_MONITOR   (1u << 10)
#define SVM_INTERCEPT_MWAIT     (1u << 11)
#define SVM_INTERCEPT_MWAIT_C   (1u << 12)
#define SVM_INTERCEPT_XSETBV    (1u << 13)

#define SVM_INT_CTL_V_INTR_MASKING (1ull << 24)
#define SVM_TLB_FLUSH_ALL 1

/* Exit codes the kernel handles itself. */
#define SVM_EXIT_INTR  0x60
#define SVM_EXIT_NMI   0x61
#define SVM_EXIT_SMI   0x62
#define SVM_EXIT_INIT  0x63
#define SVM_EXIT_NPF   0x400

#endif
