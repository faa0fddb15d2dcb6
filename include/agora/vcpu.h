/*
 * Virtual machines (AMD SVM): the vCPU state the VMM reads and writes, the exit message a
 * vCPU sends to its exit handler, and the reply that resumes it. The one home of this ABI.
 *
 * A VM (OBJ_VM) is a guest-physical address space on nested page tables; SYS_MAP and
 * SYS_UNMAP fill and empty it as they do a task (vaddr = guest-physical address, below
 * VM_GPA_LIMIT; RIGHT_WRITE and RIGHT_EXEC may be combined for a VM). A vCPU (OBJ_VCPU) is
 * run by a kernel-made thread of a task (it dies with that task) and is scheduled like any
 * thread. Host interrupts never reach the VMM; every other exit is a call, like a fault
 * message, on the vCPU's exit endpoint: label IPC_LABEL_VCPU_EXIT, VCPU_EXIT_WORDS words
 * (words 4 and up land in the handler's IPC buffer; a handler without one gets four).
 * A nested page fault goes instead to the VM's pager, when it has one, as an ordinary
 * page-fault message: mr0 guest-physical address, mr1 error code (EXITINFO1), mr2 guest
 * rip, mr3 0.
 *
 * Replies (to an exit or to a nested-page-fault message):
 *   IPC_LABEL_RESUME (0): resume as it is. After a nested page fault, a memory item (one
 *     page, IPC_MEM_MAP, IPC_MEM_WRITE for a writable page) is mapped at the faulting
 *     guest page, readable and executable, derived from the replier's mapping.
 *   IPC_LABEL_VCPU_RESUME: resume with the fields of mr0's VCPU_SET_* mask changed:
 *     mr1 rip, mr2 rax, mr3 event to inject (VCPU_EVENT_*), mr4 rbx, mr5 rcx, mr6 rdx.
 *     The reply must carry every word its mask uses.
 *   A refused reply (-E_INVAL: bad event, unknown mask bit or label; -E_RANGE: too few
 *   words) leaves the vCPU waiting for a good one. Everything else about the guest changes
 *   through SYS_VCPU_STATE_WRITE while the vCPU waits for the reply.
 * An interrupted event delivery (EXITINTINFO valid) is injected again by the kernel on
 * resume unless the reply or a state write sets another event (or clears it).
 */
#ifndef AGORA_VCPU_H
#define AGORA_VCPU_H

#include <stdint.h>

/* Guest-physical addresses a VM can map: [0, VM_GPA_LIMIT). */
#define VM_GPA_LIMIT 0x0000800000000000ull

/* A segment register as the VMCB holds it (attrib: type 3:0, S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11). */
struct agora_vcpu_segment {
    uint16_t selector;
    uint16_t attrib;
    uint32_t limit;
    uint64_t base;
};

/*
 * SYS_VCPU_STATE_READ/WRITE. The kernel checks every field on write (-E_INVAL): EFER.SVME
 * set and only SCE LME LMA NXE SVME otherwise, LMA = LME && CR0.PG; CR0 bits 63:32 and the
 * reserved ones clear, not NW without CD, not PG without PE; CR4 only VME PVI TSD DE PSE
 * PAE MCE PGE PCE OSFXSR OSXMMEXCPT (and FSGSBASE OSXSAVE SMEP SMAP UMIP where the CPU has
 * them); CR3 bits 63:52 clear; long mode (LME and PG) needs PAE and PE, and CS not both L
 * and D; DR6/DR7 bits 63:32 clear; RFLAGS bit 1 set, reserved bits clear; segment attribs
 * only bits 11:0; descriptor-table limits 16 bits; FS GS LDTR TR GDTR IDTR bases and
 * LSTAR CSTAR KERNEL_GS_BASE SYSENTER_ESP/EIP canonical; every PAT entry a valid type;
 * cpl 0-3; interrupt_shadow 0 or 1; event_inject a valid VCPU_EVENT_* or 0; intercepts
 * only VCPU_INTERCEPT_*; exceptions bits 31:0; virq only VCPU_VIRQ_*. What the VMM can
 * never set: the intercepts the kernel keeps (host interrupts, NMI, SMI, INIT, every I/O
 * port and MSR, CPUID, HLT, INVD, SHUTDOWN, debug-register access, XSETBV, MONITOR, MWAIT,
 * and all SVM instructions: there is no nested virtualization), the I/O and MSR bitmaps,
 * the ASID, TLB control, nested paging and its table, and the host's state.
 */
struct agora_vcpu_state {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4, efer;
    uint64_t dr6, dr7;
    struct agora_vcpu_segment es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat;
    uint64_t cpl;
    uint64_t interrupt_shadow;     /* 1: the guest is in an interrupt shadow (after sti, mov ss) */
    uint64_t event_inject;         /* injected at the next entry (VCPU_EVENT_*), 0: none */
    uint64_t intercepts;           /* optional exits: VCPU_INTERCEPT_* */
    uint64_t exceptions;           /* bit n: guest exception n exits to the VMM */
    uint64_t virq;                 /* virtual interrupt request (VCPU_VIRQ_*) */
};

/* event_inject and EXITINTINFO: the VMCB's EVENTINJ format. */
#define VCPU_EVENT_VALID      (1ull << 31)
#define VCPU_EVENT_ERROR      (1ull << 11)   /* an error code in bits 63:32 (exceptions only) */
#define VCPU_EVENT_TYPE_INTR  (0ull << 8)    /* external interrupt, vector 0-255 */
#define VCPU_EVENT_TYPE_NMI   (2ull << 8)
#define VCPU_EVENT_TYPE_EXCEPTION (3ull << 8) /* a defined exception: 0-31 but 2, 9, 15, 22-27, 31 */
#define VCPU_EVENT_TYPE_SOFT  (4ull << 8)    /* software interrupt (INTn) */
#define VCPU_EVENT_TYPE_MASK  (7ull << 8)
#define VCPU_EVENT(type, vector) (VCPU_EVENT_VALID | (type) | ((uint64_t)(vector) & 0xFF))

/* Optional intercepts. */
#define VCPU_INTERCEPT_VINTR  (1ull << 0)    /* exit when the guest can take the virq interrupt */
#define VCPU_INTERCEPT_RDTSC  (1ull << 1)
#define VCPU_INTERCEPT_RDTSCP (1ull << 2)
#define VCPU_INTERCEPT_PAUSE  (1ull << 3)
#define VCPU_INTERCEPT_INVLPG (1ull << 4)
#define VCPU_INTERCEPT_IRET   (1ull << 5)
#define VCPU_INTERCEPT_ALL    0x3Full

/* virq: the VMCB's V_TPR (3:0), V_IRQ (8), V_INTR_PRIO (19:16), V_IGN_TPR (20), V_INTR_VECTOR (39:32). */
#define VCPU_VIRQ_PENDING     (1ull << 8)
#define VCPU_VIRQ_IGNORE_TPR  (1ull << 20)
#define VCPU_VIRQ_MASK        0x000000FF001F010Full

/* The exit message's words (label IPC_LABEL_VCPU_EXIT). */
enum agora_vcpu_exit_word {
    VCPU_MR_CODE, VCPU_MR_INFO1, VCPU_MR_INFO2, VCPU_MR_RIP,
    VCPU_MR_RAX, VCPU_MR_RBX, VCPU_MR_RCX, VCPU_MR_RDX,
    VCPU_MR_RSI, VCPU_MR_RDI, VCPU_MR_RBP, VCPU_MR_RSP,
    VCPU_MR_R8, VCPU_MR_R9, VCPU_MR_R10, VCPU_MR_R11,
    VCPU_MR_R12, VCPU_MR_R13, VCPU_MR_R14, VCPU_MR_R15,
    VCPU_MR_RFLAGS, VCPU_MR_CR0, VCPU_MR_CR2, VCPU_MR_CR3, VCPU_MR_CR4, VCPU_MR_EFER,
    VCPU_MR_INTINFO,               /* EXITINTINFO: an event whose delivery the exit interrupted */
    VCPU_MR_INT_STATE,             /* bit 0: interrupt shadow; bit 8: virq still pending */
    VCPU_MR_CS_ATTRIB,             /* CS attributes (L and D/B give the code size) */
    VCPU_MR_CPL,
    VCPU_EXIT_WORDS
};

#define IPC_LABEL_VCPU_EXIT   0xFFFF0003u
#define IPC_LABEL_VCPU_RESUME 0xFFFF0011u

/* The reply's mask (mr0 of IPC_LABEL_VCPU_RESUME). */
#define VCPU_SET_RIP   (1ull << 0)    /* mr1 */
#define VCPU_SET_RAX   (1ull << 1)    /* mr2 */
#define VCPU_SET_EVENT (1ull << 2)    /* mr3: VCPU_EVENT_* or 0 (cancels a re-injection) */
#define VCPU_SET_RBX   (1ull << 3)    /* mr4 */
#define VCPU_SET_RCX   (1ull << 4)    /* mr5 */
#define VCPU_SET_RDX   (1ull << 5)    /* mr6 */
#define VCPU_SET_ALL   0x3Full

/* Exit codes (the VMCB's EXITCODE; AMD64 APM vol. 2, appendix C). */
#define VCPU_EXIT_CR0_READ    0x000ull   /* + n: CRn read; 0x10 + n: CRn write */
#define VCPU_EXIT_DR0_READ    0x020ull   /* + n: DRn read; 0x30 + n: DRn write */
#define VCPU_EXIT_EXCEPTION   0x040ull   /* + vector: an exception in `exceptions` */
#define VCPU_EXIT_VINTR       0x064ull
#define VCPU_EXIT_RDTSC       0x06Eull
#define VCPU_EXIT_CPUID       0x072ull
#define VCPU_EXIT_IRET        0x074ull
#define VCPU_EXIT_INVD        0x076ull
#define VCPU_EXIT_PAUSE       0x077ull
#define VCPU_EXIT_HLT         0x078ull
#define VCPU_EXIT_INVLPG      0x079ull
#define VCPU_EXIT_INVLPGA     0x07Aull
#define VCPU_EXIT_IOIO        0x07Bull   /* info1: port << 16, size, direction; info2: next rip */
#define VCPU_EXIT_MSR         0x07Cull   /* info1: 0 rdmsr, 1 wrmsr; ecx in rcx */
#define VCPU_EXIT_SHUTDOWN    0x07Full   /* triple fault: the guest state is undefined */
#define VCPU_EXIT_VMRUN       0x080ull   /* 0x80-0x86: SVM instructions (inject #UD) */
#define VCPU_EXIT_VMMCALL     0x081ull   /* hypercall; the instruction is 3 bytes */
#define VCPU_EXIT_RDTSCP      0x087ull
#define VCPU_EXIT_XSETBV      0x08Dull
#define VCPU_EXIT_NPF         0x400ull   /* info1: error code; info2: guest-physical address */
#define VCPU_EXIT_POKE        0xFFFF0001ull /* the kernel's: SYS_VCPU_POKE asked for an exit */
#define VCPU_EXIT_INVALID     0xFFFFFFFFFFFFFFFFull /* VMRUN refused the state (never after a checked write) */

/* EXITINFO1 of an I/O exit. */
#define VCPU_IO_IN            (1ull << 0)
#define VCPU_IO_STRING        (1ull << 2)
#define VCPU_IO_REP           (1ull << 3)
#define VCPU_IO_SIZE8         (1ull << 4)
#define VCPU_IO_SIZE16        (1ull << 5)
#define VCPU_IO_SIZE32        (1ull << 6)
#define VCPU_IO_PORT(info1)   ((uint16_t)((info1) >> 16))

#endif
