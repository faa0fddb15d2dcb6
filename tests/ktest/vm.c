/* ktest: virtual machines (SVM): a small guest's exits as IPC, nested page faults, injection, bad state and bad replies, death. */
#include "peer.h"

#include <agora/vcpu.h>
#include <libagora/string.h>

#define PAGE 4096ull
#define S KTEST_SCRATCH_VADDR
#define GUEST_PAGES     4
#define GPA_IDT         0x0000ull              /* 256 gates */
#define GPA_GDT         0x0800ull              /* null, code 0x08, data 0x10 */
#define GUEST_CODE_GPA  0x1000ull
#define GPA_STACK_TOP   0x3000ull
#define GPA_FAULT       0x10000ull
#define EXIT_BADGE      0xe1
#define PAGER_BADGE     0xa9

#define EFER_SVME (1ull << 12)
#define CR0_PE    0x1ull
#define CR0_ET    0x10ull
#define PAT_RESET 0x0007040600070406ull
#define NPF_WRITE_NOT_PRESENT 0x2ull          /* error code bits 2:0 of a write to an unmapped page */

extern const char guest_code[], guest_code_end[];
extern const char g_call1[], g_out[], g_cpuid[], g_call2[], g_store[], g_call3[], g_call_inject[], g_call_after[];
extern const char g_call_gp[], g_call_after_gp[], g_hlt[], g_ud2[], g_spin[], g_h30_call[], g_hgp_call[];
extern const char g_handler_30[], g_handler_gp[];

#define GUEST_GPA(label) ((uint64_t)((label) - guest_code) + GUEST_CODE_GPA)

/* -E_NOSYS from the first VM call: the machine (or the command line) has no SVM. */
static bool no_svm(void)
{
    uint64_t vm = ktest_slot();
    long r = sys_vm_create(CAP_INIT_POOL, 0, vm);

    if (r == -E_NOSYS) {
        agora_printf("    no SVM here (every VM call answers -E_NOSYS): skipped\n");
        return true;
    }
    sys_cap_delete(vm);
    return false;
}

static uint64_t new_memory(uint64_t pages)
{
    uint64_t m = ktest_slot();

    return sys_memory_create(CAP_INIT_POOL, pages, m) < 0 ? CAP_NULL : m;
}

static struct agora_vcpu_segment seg(uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
    return (struct agora_vcpu_segment){ sel, attrib, limit, base };
}

/* Flat 32-bit protected mode, paging off, at rip with its IDT at GPA_IDT. */
static void flat32_state(struct agora_vcpu_state *s, uint64_t rip)
{
    memset(s, 0, sizeof(*s));
    s->rip = rip;
    s->rsp = GPA_STACK_TOP;
    s->rflags = 2;
    s->cr0 = CR0_PE | CR0_ET;
    s->efer = EFER_SVME;
    s->pat = PAT_RESET;
    s->cs = seg(0x08, 0xC9B, 0xFFFFFFFF, 0);   /* code, present, 32-bit, 4 KiB granular */
    s->ds = s->es = s->ss = s->fs = s->gs = seg(0x10, 0xC93, 0xFFFFFFFF, 0);
    s->tr = seg(0x18, 0x8B, 0x67, 0);
    s->ldtr = seg(0, 0x82, 0, 0);
    s->gdtr = seg(0, 0, 3 * 8 - 1, GPA_GDT);
    s->idtr = seg(0, 0, 256 * 8 - 1, GPA_IDT);
}

/* The guest's image: its IDT (gates for 0x30 and #GP), GDT and code, in a fresh memory object mapped at S. */
static bool guest_image(uint64_t mem)
{
    uint32_t *idt = (uint32_t *)S;
    uint32_t h30 = (uint32_t)GUEST_GPA(g_handler_30), hgp = (uint32_t)GUEST_GPA(g_handler_gp);

    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, GUEST_PAGES, RIGHT_READ | RIGHT_WRITE));
    /* 32-bit interrupt gates: offset 15:0, selector; present, DPL 0, type 0xE, offset 31:16. */
    idt[0x30 * 2] = (h30 & 0xFFFF) | (0x08u << 16);
    idt[0x30 * 2 + 1] = (h30 & 0xFFFF0000u) | 0x8E00u;
    idt[13 * 2] = (hgp & 0xFFFF) | (0x08u << 16);
    idt[13 * 2 + 1] = (hgp & 0xFFFF0000u) | 0x8E00u;
    /* Interrupt delivery and iret load CS from the GDT: flat 4 GiB code and data. */
    uint64_t *gdt = (uint64_t *)(S + GPA_GDT);
    gdt[1] = 0x00CF9A000000FFFFull;
    gdt[2] = 0x00CF92000000FFFFull;
    memcpy((void *)(S + GUEST_CODE_GPA), guest_code, (size_t)(guest_code_end - guest_code));
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, GUEST_PAGES), GUEST_PAGES);
    return true;
}

/* A VM with the guest image at 0 (pager: 0 or an endpoint), and a vCPU of it in ktest's task at rip. */
static bool make_guest(uint64_t pager, uint64_t *vm, uint64_t *vcpu, uint64_t rip)
{
    struct agora_vcpu_state s;
    uint64_t mem = new_memory(GUEST_PAGES);

    *vm = ktest_slot();
    *vcpu = ktest_slot();
    KTEST_CHECK(mem != CAP_NULL);
    KTEST_CHECK(guest_image(mem));
    KTEST_OK(sys_vm_create(CAP_INIT_POOL, pager, *vm));
    KTEST_OK(sys_map(*vm, mem, 0, 0, GUEST_PAGES, RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC));
    KTEST_OK(sys_vcpu_create(*vm, CAP_SELF_TASK, CAP_INIT_POOL, *vcpu));
    flat32_state(&s, rip);
    KTEST_OK(sys_vcpu_state_write(*vcpu, &s));
    return true;
}

#define ANY_RIP UINT64_MAX

/* The next message on ep: an exit with that code at that rip (or ANY_RIP). Its words in w. */
static bool recv_exit(uint64_t ep, uint64_t code, uint64_t rip, uint64_t w[VCPU_EXIT_WORDS])
{
    struct agora_msg m;
    const struct agora_ipc_buffer *b = agora_ipc_buffer();

    KTEST_EQ(sys_recv(ep, &m), 0);
    KTEST_EQ(m.badge, EXIT_BADGE);
    KTEST_EQ(m.info, IPC_INFO(IPC_LABEL_VCPU_EXIT, VCPU_EXIT_WORDS, 0, 0));
    for (unsigned i = 0; i < VCPU_EXIT_WORDS; i++)
        w[i] = i < IPC_REG_WORDS ? m.mr[i] : b->mr[i];
    if (rip == ANY_RIP)
        rip = w[VCPU_MR_RIP];
    if (w[VCPU_MR_CODE] != code || w[VCPU_MR_RIP] != rip)
        agora_printf("    exit 0x%lx at 0x%lx (info1 0x%lx, info2 0x%lx); wanted 0x%lx at 0x%lx\n",
                     (unsigned long)w[VCPU_MR_CODE], (unsigned long)w[VCPU_MR_RIP], (unsigned long)w[VCPU_MR_INFO1],
                     (unsigned long)w[VCPU_MR_INFO2], (unsigned long)code, (unsigned long)rip);
    KTEST_EQ(w[VCPU_MR_CODE], code);
    KTEST_EQ(w[VCPU_MR_RIP], rip);
    return true;
}

static long resume(uint64_t mask, uint64_t rip, uint64_t rax, uint64_t event)
{
    struct agora_msg m = { IPC_INFO(IPC_LABEL_VCPU_RESUME, 4, 0, 0), 0, { mask, rip, rax, event } };

    return sys_reply(&m);
}

/* Answers a vmmcall: on past it (3 bytes), with eax set. */
static long answer_call(const uint64_t w[VCPU_EXIT_WORDS], uint64_t rax, uint64_t event)
{
    return resume(VCPU_SET_RIP | VCPU_SET_RAX | (event ? VCPU_SET_EVENT : 0), w[VCPU_MR_RIP] + 3, rax, event);
}

/* Replies the kernel must refuse; the vCPU keeps waiting for a good one. */
static bool bad_replies(uint64_t mem)
{
    struct agora_ipc_buffer *b = ktest_ipc_clear();
    struct agora_msg m = { IPC_INFO(0x1234, 0, 0, 0), 0, { 0 } };

    KTEST_EQ(sys_reply(&m), -E_INVAL);                                   /* unknown label */
    KTEST_EQ(resume(1ull << 6, 0, 0, 0), -E_INVAL);                      /* unknown mask bit */
    KTEST_EQ(resume(VCPU_SET_EVENT, 0, 0, VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 32)), -E_INVAL);
    KTEST_EQ(resume(VCPU_SET_EVENT, 0, 0, VCPU_EVENT(1ull << 8, 3)), -E_INVAL);
    KTEST_EQ(resume(VCPU_SET_EVENT, 0, 0, 0x30), -E_INVAL);               /* no valid bit */
    m = (struct agora_msg){ IPC_INFO(IPC_LABEL_VCPU_RESUME, 4, 0, 0), 0, { VCPU_SET_RDX, 0, 0, 0 } };
    KTEST_EQ(sys_reply(&m), -E_RANGE);                                   /* rdx is word 6 */
    m.info = IPC_INFO(IPC_LABEL_VCPU_RESUME, 0, 0, 0);
    KTEST_EQ(sys_reply(&m), -E_RANGE);                                   /* no mask */
    /* A memory item answers only a nested page fault. */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | RIGHT_WRITE));
    b->send_mem_vaddr = S;
    b->send_mem_pages = 1;
    b->send_mem_flags = IPC_MEM_MAP;
    m = (struct agora_msg){ IPC_INFO(IPC_LABEL_RESUME, 0, 0, 1), 0, { 0 } };
    KTEST_EQ(sys_reply(&m), -E_INVAL);
    ktest_ipc_clear();
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1), 1);
    /* Resumed unchanged: the vmmcall runs again. */
    m.info = IPC_INFO(IPC_LABEL_RESUME, 0, 0, 0);
    KTEST_EQ(sys_reply(&m), 0);
    return true;
}

KTEST(vm_guest_exits_as_ipc)
{
    uint64_t vm, vcpu, ep = ktest_new_endpoint(), exit_ep, mem = new_memory(1);
    uint64_t w[VCPU_EXIT_WORDS];
    struct agora_ipc_buffer *b;
    struct agora_vcpu_state s;
    long before = ktest_mappings();

    if (no_svm())
        return true;
    KTEST_CHECK(ep != CAP_NULL && mem != CAP_NULL);
    exit_ep = ktest_copy_of(ep, RIGHT_WRITE, EXIT_BADGE);
    KTEST_CHECK(make_guest(0, &vm, &vcpu, GUEST_CODE_GPA));
    KTEST_EQ(ktest_mappings(), before + GUEST_PAGES);
    KTEST_OK(sys_vcpu_start(vcpu, exit_ep, KTEST_PRIORITY));
    KTEST_EQ(sys_vcpu_start(vcpu, exit_ep, KTEST_PRIORITY), -E_STATE);

    /* vmmcall with eax 0x1234: answered with 0x5678. */
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_call1), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0x1234);
    KTEST_EQ(w[VCPU_MR_RSP], GPA_STACK_TOP);
    KTEST_EQ(w[VCPU_MR_CR0], CR0_PE | CR0_ET);
    KTEST_EQ(w[VCPU_MR_EFER], EFER_SVME);
    KTEST_EQ(w[VCPU_MR_CS_ATTRIB], 0xC9B);
    KTEST_EQ(w[VCPU_MR_CPL], 0);
    /* Waiting for the reply, its state can be read; refused replies leave it waiting. */
    KTEST_OK(sys_vcpu_state_read(vcpu, &s));
    KTEST_EQ(s.rip, GUEST_GPA(g_call1));
    KTEST_EQ(s.rax, 0x1234);
    KTEST_CHECK(bad_replies(mem));

    /* bad_replies ended with an empty resume: the same vmmcall exits again. */
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_call1), w));
    KTEST_EQ(answer_call(w, 0x5678, 0), 0);

    /* out %al, $0x80: port 0x80, 8 bits, out; EXITINFO2 is the next rip. */
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_IOIO, GUEST_GPA(g_out), w));
    KTEST_EQ(VCPU_IO_PORT(w[VCPU_MR_INFO1]), 0x80);
    KTEST_EQ(w[VCPU_MR_INFO1] & (VCPU_IO_IN | VCPU_IO_SIZE8 | VCPU_IO_STRING), VCPU_IO_SIZE8);
    KTEST_EQ(w[VCPU_MR_INFO2], GUEST_GPA(g_out) + 2);
    KTEST_EQ(w[VCPU_MR_RAX] & 0xFF, 0x79);
    KTEST_EQ(resume(VCPU_SET_RIP, w[VCPU_MR_INFO2], 0, 0), 0);

    /* cpuid: the answer sets rax rbx rcx rdx (seven words: the last three in the IPC buffer). */
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_CPUID, GUEST_GPA(g_cpuid), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0x40000000);
    b = agora_ipc_buffer();
    b->mr[4] = 0x100;
    b->mr[5] = 0x20;
    b->mr[6] = 0x3;
    struct agora_msg m = { IPC_INFO(IPC_LABEL_VCPU_RESUME, 7, 0, 0), 0,
                           { VCPU_SET_RIP | VCPU_SET_RAX | VCPU_SET_RBX | VCPU_SET_RCX | VCPU_SET_RDX,
                             w[VCPU_MR_RIP] + 2, 0x41474f52, 0 } };
    KTEST_EQ(sys_reply(&m), 0);
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_call2), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0x123);
    KTEST_EQ(w[VCPU_MR_RBX], 0x100);
    KTEST_EQ(w[VCPU_MR_RCX], 0x20);
    KTEST_EQ(w[VCPU_MR_RDX], 0x3);
    KTEST_EQ(answer_call(w, 0, 0), 0);

    /* A nested page fault (no pager: to the exit handler); map the page into the VM and resume. */
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_NPF, GUEST_GPA(g_store), w));
    KTEST_EQ(w[VCPU_MR_INFO2], GPA_FAULT);
    KTEST_EQ(w[VCPU_MR_INFO1] & 3, NPF_WRITE_NOT_PRESENT);
    KTEST_OK(sys_map(vm, mem, 0, GPA_FAULT, 1, RIGHT_READ | RIGHT_WRITE));
    struct agora_msg r = { IPC_INFO(IPC_LABEL_RESUME, 0, 0, 0), 0, { 0 } };
    KTEST_EQ(sys_reply(&r), 0);
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_call3), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0xabcd);
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ));
    KTEST_EQ(*(volatile uint32_t *)S, 0xabcd);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1), 1);
    KTEST_EQ(answer_call(w, 0, 0), 0);

    /* Injection: interrupt 0x30 through the guest's IDT, then #GP with an error code. */
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_call_inject), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0x2000);
    KTEST_EQ(answer_call(w, 0, VCPU_EVENT(VCPU_EVENT_TYPE_INTR, 0x30)), 0);
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_h30_call), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0x30);
    KTEST_EQ(w[VCPU_MR_RSP], GPA_STACK_TOP - 12);                  /* eip, cs, eflags */
    KTEST_EQ(answer_call(w, 0, 0), 0);
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_call_after), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0x31);
    KTEST_EQ(w[VCPU_MR_RSP], GPA_STACK_TOP);
    KTEST_EQ(answer_call(w, 0, 0), 0);
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_call_gp), w));
    KTEST_EQ(answer_call(w, 0, VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 13) | VCPU_EVENT_ERROR | (0x1238ull << 32)), 0);
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_hgp_call), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0x1238);
    KTEST_EQ(answer_call(w, 0, 0), 0);
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_call_after_gp), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0x32);
    KTEST_EQ(answer_call(w, 0, 0), 0);

    /* hlt, then a triple fault. */
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_HLT, GUEST_GPA(g_hlt), w));
    KTEST_EQ(resume(VCPU_SET_RIP, w[VCPU_MR_RIP] + 1, 0, 0), 0);
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_SHUTDOWN, ANY_RIP, w));

    /* Deleting the vCPU ends it while it waits for the reply; the VM and its mappings go with the last capability. */
    KTEST_EQ(sys_cap_delete(vcpu), 0);
    KTEST_EQ(sys_reply(&r), -E_STATE);
    KTEST_EQ(sys_cap_delete(vm), 0);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define CR0_PG   (1ull << 31)
#define CR4_PAE  (1ull << 5)

KTEST(vm_bad_state_rejected)
{
    uint64_t vm, vcpu;
    struct agora_vcpu_state good, s, back;

    if (no_svm())
        return true;
    KTEST_CHECK(make_guest(0, &vm, &vcpu, GUEST_CODE_GPA));
    flat32_state(&good, GUEST_CODE_GPA);
#define BAD(change)                                                            \
    do {                                                                       \
        s = good;                                                              \
        change;                                                                \
        KTEST_EQ(sys_vcpu_state_write(vcpu, &s), -E_INVAL);                    \
    } while (0)
    BAD(s.efer &= ~EFER_SVME);                        /* VMRUN's own check */
    BAD(s.efer |= 1ull << 14);                        /* FFXSR: not for guests */
    BAD(s.efer |= 1ull << 20);                        /* reserved */
    BAD(s.efer |= EFER_LMA);                          /* LMA without LME and PG */
    BAD(s.cr0 |= 1ull << 32);
    BAD(s.cr0 |= 1ull << 29);                         /* NW without CD */
    BAD(s.cr0 |= 1ull << 8);                          /* reserved */
    BAD(s.cr0 = CR0_PG | CR0_ET);                     /* PG without PE */
    BAD(s.cr4 |= 1ull << 12);                         /* LA57 */
    BAD(s.cr4 |= 1ull << 22);                         /* PKE */
    BAD(s.cr4 |= 1ull << 40);
    BAD(s.cr3 |= 1ull << 60);
    BAD(s.efer |= EFER_LME | EFER_LMA; s.cr0 |= CR0_PG);                         /* long mode without PAE */
    BAD(s.efer |= EFER_LME | EFER_LMA; s.cr0 |= CR0_PG; s.cr4 |= CR4_PAE; s.cs.attrib = 0xE9B); /* CS L and D */
    BAD(s.dr6 |= 1ull << 32);
    BAD(s.dr7 |= 1ull << 40);
    BAD(s.rflags = 0);                                /* bit 1 is always set */
    BAD(s.rflags |= 1ull << 22);
    BAD(s.rflags |= 1ull << 15);
    BAD(s.cs.attrib = 0x1C9B);
    BAD(s.tr.attrib = 0xF000);
    BAD(s.cs.base = 1ull << 32);
    BAD(s.fs.base = 0x0000800000000000ull);           /* not canonical */
    BAD(s.gdtr.base = 0x8000000000000000ull);
    BAD(s.idtr.limit = 0x10000);
    BAD(s.lstar = 0x0001000000000000ull);
    BAD(s.kernel_gs_base = 0x00F0000000000000ull);
    BAD(s.sysenter_eip = 0x0000800000000000ull);
    BAD(s.sfmask = 1ull << 32);
    BAD(s.pat = (PAT_RESET & ~0xFFull) | 2);         /* type 2 is reserved */
    BAD(s.pat = 8ull << 56);
    BAD(s.cpl = 4);
    BAD(s.interrupt_shadow = 2);
    BAD(s.event_inject = 0x30);                                              /* no valid bit */
    BAD(s.event_inject = VCPU_EVENT(1ull << 8, 0x30));                       /* reserved type */
    BAD(s.event_inject = VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 32));
    BAD(s.event_inject = VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 2));          /* NMI is its own type */
    BAD(s.event_inject = VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 15));         /* reserved vectors */
    BAD(s.event_inject = VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 9));
    BAD(s.event_inject = VCPU_EVENT(VCPU_EVENT_TYPE_NMI, 3));
    BAD(s.event_inject = VCPU_EVENT(VCPU_EVENT_TYPE_INTR, 0x30) | VCPU_EVENT_ERROR);
    BAD(s.event_inject = VCPU_EVENT(VCPU_EVENT_TYPE_INTR, 0x30) | (1ull << 20));
    BAD(s.event_inject = VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 13) | (5ull << 32));   /* code without EV */
    BAD(s.intercepts = VCPU_INTERCEPT_ALL + 1);
    BAD(s.exceptions = 1ull << 32);
    BAD(s.virq = 1ull << 24);                         /* V_INTR_MASKING is the kernel's */
    BAD(s.virq = 1ull << 25);                         /* vGIF too */
#undef BAD
    KTEST_EQ(sys_vcpu_state_write(vcpu, (const struct agora_vcpu_state *)KTEST_UNMAPPED_VADDR), -E_FAULT);
    KTEST_EQ(sys_vcpu_state_read(vcpu, (struct agora_vcpu_state *)KTEST_UNMAPPED_VADDR), -E_FAULT);
    KTEST_EQ(sys_vcpu_state_read(vcpu, (struct agora_vcpu_state *)0xffff800000000000ull), -E_FAULT);
    /* Nothing of all that reached the vCPU. */
    KTEST_OK(sys_vcpu_state_read(vcpu, &back));
    KTEST_CHECK(memcmp(&back, &good, sizeof(good)) == 0);
    /* What a VMM legitimately sets is taken, and read back as written. */
    s = good;
    s.efer |= EFER_LME | EFER_LMA | (1ull << 11) | 1;
    s.cr0 |= CR0_PG | (1ull << 16);
    s.cr4 |= CR4_PAE | (1ull << 9);
    s.cr3 = 0x5000;
    s.cs.attrib = 0xA9B;                                /* 64-bit code */
    s.rflags |= 1ull << 9;
    s.event_inject = VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 14) | VCPU_EVENT_ERROR | (2ull << 32);
    s.intercepts = VCPU_INTERCEPT_ALL;
    s.exceptions = 1u << 3;
    s.virq = VCPU_VIRQ_PENDING | VCPU_VIRQ_IGNORE_TPR | (0x40ull << 32);
    s.fs.base = 0xffff800000001000ull;
    s.rbx = 1; s.r15 = 15; s.rbp = 5;
    KTEST_OK(sys_vcpu_state_write(vcpu, &s));
    KTEST_OK(sys_vcpu_state_read(vcpu, &back));
    KTEST_CHECK(memcmp(&back, &s, sizeof(s)) == 0);
    return true;
}

KTEST(vm_wrong_capabilities)
{
    uint64_t vm, vcpu, ep = ktest_new_endpoint(), mem = new_memory(2), t = ktest_slot(), x = ktest_slot();
    uint64_t weak_vm, recv_only;
    struct agora_vcpu_state s;

    if (no_svm())
        return true;
    KTEST_CHECK(ep != CAP_NULL && mem != CAP_NULL);
    KTEST_CHECK(make_guest(0, &vm, &vcpu, GUEST_CODE_GPA));
    KTEST_EQ(ktest_cap_type(vm), OBJ_VM);
    KTEST_EQ(ktest_cap_type(vcpu), OBJ_VCPU);
    /* Wrong types in every position. */
    KTEST_EQ(sys_vm_create(ep, 0, x), -E_TYPE);
    KTEST_EQ(sys_vm_create(CAP_INIT_POOL, mem, x), -E_TYPE);
    KTEST_EQ(sys_vm_create(CAP_INIT_POOL, 0, vm), -E_EXIST);
    recv_only = ktest_copy_of(ep, RIGHT_READ, 0);
    KTEST_EQ(sys_vm_create(CAP_INIT_POOL, recv_only, x), -E_PERM);
    KTEST_EQ(sys_vcpu_create(CAP_SELF_TASK, CAP_SELF_TASK, CAP_INIT_POOL, x), -E_TYPE);
    KTEST_EQ(sys_vcpu_create(vm, vm, CAP_INIT_POOL, x), -E_TYPE);
    KTEST_EQ(sys_vcpu_create(vm, CAP_SELF_TASK, vm, x), -E_TYPE);
    KTEST_EQ(sys_vcpu_create(vcpu, CAP_SELF_TASK, CAP_INIT_POOL, x), -E_TYPE);
    KTEST_EQ(sys_vcpu_state_read(vm, &s), -E_TYPE);
    KTEST_EQ(sys_vcpu_state_write(CAP_SELF_THREAD, &s), -E_TYPE);
    KTEST_EQ(sys_vcpu_start(vm, ep, KTEST_PRIORITY), -E_TYPE);
    KTEST_EQ(sys_vcpu_start(vcpu, mem, KTEST_PRIORITY), -E_TYPE);
    KTEST_EQ(sys_vcpu_start(vcpu, recv_only, KTEST_PRIORITY), -E_PERM);
    KTEST_EQ(sys_vcpu_start(vcpu, ep, 255), -E_PERM);   /* more than ktest's own priority */
    KTEST_EQ(sys_vcpu_poke(ep), -E_TYPE);
    KTEST_EQ(sys_vcpu_poke(0), -E_NOCAP);
    KTEST_EQ(sys_map(vcpu, mem, 0, 0x100000, 1, RIGHT_READ), -E_TYPE);
    KTEST_EQ(sys_unmap(vcpu, 0, 1), -E_TYPE);
    /* Without RIGHT_MANAGE. */
    weak_vm = ktest_copy_of(vm, RIGHT_READ | RIGHT_WRITE | RIGHT_COPY, 0);
    KTEST_EQ(sys_map(weak_vm, mem, 0, 0x100000, 1, RIGHT_READ), -E_PERM);
    KTEST_EQ(sys_vcpu_create(weak_vm, CAP_SELF_TASK, CAP_INIT_POOL, x), -E_PERM);
    /* Guest-physical space: 0 up to VM_GPA_LIMIT; W and X together are fine in a VM, not in a task. */
    KTEST_EQ(sys_map(vm, mem, 0, VM_GPA_LIMIT, 1, RIGHT_READ), -E_FAULT);
    KTEST_EQ(sys_map(vm, mem, 0, VM_GPA_LIMIT - PAGE, 2, RIGHT_READ), -E_FAULT);
    KTEST_EQ(sys_map(vm, mem, 0, 0x100001, 1, RIGHT_READ), -E_ALIGN);
    KTEST_EQ(sys_map(vm, mem, 0, 0, 1, RIGHT_READ), -E_EXIST);          /* the guest image is there */
    KTEST_OK(sys_map(vm, mem, 0, VM_GPA_LIMIT - 2 * PAGE, 2, RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC));
    KTEST_EQ(sys_unmap(vm, VM_GPA_LIMIT - 2 * PAGE, 2), 2);
    KTEST_EQ(sys_unmap(vm, VM_GPA_LIMIT - PAGE, 2), -E_FAULT);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC), -E_INVAL);
    /* A vCPU for a dead task. */
    KTEST_OK(sys_task_create(CAP_INIT_POOL, t));
    KTEST_OK(sys_task_kill(t, 0));
    KTEST_EQ(sys_vcpu_create(vm, t, CAP_INIT_POOL, x), -E_DEAD);
    /* Holes in the system-call numbers answer as unknown ones. */
    KTEST_EQ(agora_syscall6(SYS_VM_CREATE - 1, CAP_INIT_POOL, 0, x, 0, 0, 0), -E_NOSYS);
    return true;
}

/* A page-fault message from the VM's pager endpoint: the guest's store at g_store to GPA_FAULT. */
static bool recv_pager_fault(uint64_t pager)
{
    struct agora_msg m;

    KTEST_EQ(sys_recv(pager, &m), 0);
    KTEST_EQ(m.info, IPC_INFO(IPC_LABEL_PAGE_FAULT, 4, 0, 0));
    KTEST_EQ(m.badge, PAGER_BADGE);
    KTEST_EQ(m.mr[0], GPA_FAULT);
    KTEST_EQ(m.mr[1] & 3, NPF_WRITE_NOT_PRESENT);
    KTEST_EQ(m.mr[2], GUEST_GPA(g_store));
    return true;
}

static long reply_with_page(uint64_t va, uint64_t pages, uint64_t flags)
{
    struct agora_ipc_buffer *b = ktest_ipc_clear();
    struct agora_msg m = { IPC_INFO(IPC_LABEL_RESUME, 0, 0, 1), 0, { 0 } };
    long r;

    b->send_mem_vaddr = va;
    b->send_mem_pages = pages;
    b->send_mem_flags = flags;
    r = sys_reply(&m);
    ktest_ipc_clear();
    return r;
}

KTEST(vm_pager_maps_by_reply)
{
    uint64_t vm, vcpu, ep = ktest_new_endpoint(), pager_ep = ktest_new_endpoint(), exit_ep, pager;
    uint64_t mem = new_memory(2), w[VCPU_EXIT_WORDS];
    long before = ktest_mappings();

    if (no_svm())
        return true;
    KTEST_CHECK(ep != CAP_NULL && pager_ep != CAP_NULL && mem != CAP_NULL);
    exit_ep = ktest_copy_of(ep, RIGHT_WRITE, EXIT_BADGE);
    pager = ktest_copy_of(pager_ep, RIGHT_WRITE, PAGER_BADGE);
    KTEST_CHECK(make_guest(pager, &vm, &vcpu, GUEST_GPA(g_store)));
    /* The vCPU keeps its VM: the last VM capability may go. */
    KTEST_EQ(sys_cap_delete(vm), 0);
    KTEST_OK(sys_vcpu_start(vcpu, exit_ep, KTEST_PRIORITY));
    KTEST_CHECK(recv_pager_fault(pager_ep));
    /* Refused memory items leave it waiting. */
    KTEST_EQ(reply_with_page(S, 1, IPC_MEM_MAP), -E_FAULT);          /* nothing mapped there */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 2, RIGHT_READ | RIGHT_WRITE));
    KTEST_EQ(reply_with_page(S, 2, IPC_MEM_MAP), -E_NOWINDOW);
    KTEST_EQ(reply_with_page(S, 0, IPC_MEM_MAP), -E_RANGE);
    KTEST_EQ(reply_with_page(S, 1, IPC_MEM_GRANT), -E_INVAL);
    KTEST_EQ(reply_with_page(S + 1, 1, IPC_MEM_MAP), -E_ALIGN);
    KTEST_EQ(reply_with_page(S, 1, IPC_MEM_MAP | IPC_MEM_WRITE), 0);
    KTEST_EQ(ktest_mappings(), before + GUEST_PAGES + 3);
    /* The guest's store landed in our page. */
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g_call3), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0xabcd);
    KTEST_EQ(*(volatile uint32_t *)S, 0xabcd);
    /* Unmapping ours unmaps the guest's too (and its TLB forgets it): the same store faults again. */
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1), 1);
    KTEST_EQ(ktest_mappings(), before + GUEST_PAGES + 1);
    KTEST_EQ(resume(VCPU_SET_RIP, GUEST_GPA(g_store), 0, 0), 0);
    KTEST_CHECK(recv_pager_fault(pager_ep));
    /* A page without IPC_MEM_WRITE answers a write fault: the guest faults again, a protection fault now. */
    KTEST_EQ(reply_with_page(S + PAGE, 1, IPC_MEM_MAP), 0);
    struct agora_msg m;
    KTEST_EQ(sys_recv(pager_ep, &m), 0);
    KTEST_EQ(m.mr[0], GPA_FAULT);
    KTEST_EQ(m.mr[1] & 3, 3);                                         /* present, write */
    /* The vCPU dies with its capability; the VM, its mappings and its ASID with it. */
    KTEST_EQ(sys_cap_delete(vcpu), 0);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 2), 1);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

KTEST(vm_poke_and_kill_running_vcpu)
{
    uint64_t vm, vcpu, ep = ktest_new_endpoint(), exit_ep, t = ktest_slot(), w[VCPU_EXIT_WORDS];
    struct agora_vcpu_state s;
    struct agora_msg m = { IPC_INFO(IPC_LABEL_RESUME, 0, 0, 0), 0, { 0 } };
    long threads;
    struct agora_kernel_stats st;

    if (no_svm())
        return true;
    KTEST_CHECK(ep != CAP_NULL);
    exit_ep = ktest_copy_of(ep, RIGHT_WRITE, EXIT_BADGE);
    KTEST_OK(sys_task_create(CAP_INIT_POOL, t));
    KTEST_OK(sys_kernel_stats(CAP_INIT_MACHINE, &st));
    threads = (long)st.threads;
    /* The vCPU's thread belongs to task t. */
    vm = ktest_slot();
    vcpu = ktest_slot();
    uint64_t mem = new_memory(GUEST_PAGES);
    KTEST_CHECK(mem != CAP_NULL && guest_image(mem));
    KTEST_OK(sys_vm_create(CAP_INIT_POOL, 0, vm));
    KTEST_OK(sys_map(vm, mem, 0, 0, GUEST_PAGES, RIGHT_READ | RIGHT_EXEC));
    KTEST_OK(sys_vcpu_create(vm, t, CAP_INIT_POOL, vcpu));
    KTEST_OK(sys_kernel_stats(CAP_INIT_MACHINE, &st));
    KTEST_EQ((long)st.threads, threads + 1);
    flat32_state(&s, GUEST_GPA(g_spin));
    KTEST_OK(sys_vcpu_state_write(vcpu, &s));
    KTEST_OK(sys_vcpu_start(vcpu, exit_ep, KTEST_PRIORITY));
    /* It spins in the guest; the timer takes the CPU back from it like from any thread. */
    KTEST_OK(sys_sleep(20000));
    KTEST_EQ(sys_vcpu_state_read(vcpu, &s), -E_STATE);
    KTEST_EQ(sys_vcpu_state_write(vcpu, &s), -E_STATE);
    KTEST_EQ(sys_vcpu_start(vcpu, exit_ep, KTEST_PRIORITY), -E_STATE);
    /* A poke makes it exit to its handler. */
    KTEST_OK(sys_vcpu_poke(vcpu));
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_POKE, GUEST_GPA(g_spin), w));
    KTEST_OK(sys_vcpu_state_read(vcpu, &s));
    KTEST_EQ(s.rip, GUEST_GPA(g_spin));
    KTEST_EQ(sys_reply(&m), 0);
    KTEST_OK(sys_sleep(10000));
    /* Killing its task kills it, running or not. */
    KTEST_OK(sys_task_kill(t, 0));
    KTEST_EQ(sys_vcpu_state_read(vcpu, &s), -E_DEAD);
    KTEST_EQ(sys_vcpu_state_write(vcpu, &s), -E_DEAD);
    KTEST_EQ(sys_vcpu_start(vcpu, exit_ep, KTEST_PRIORITY), -E_DEAD);
    KTEST_EQ(sys_vcpu_poke(vcpu), -E_DEAD);
    KTEST_OK(sys_kernel_stats(CAP_INIT_MACHINE, &st));
    KTEST_EQ((long)st.threads, threads);
    return true;
}

/* Only when the machine has no SVM (ktest-nosvm: svm=off): every VM call says so. */
KTEST(vm_calls_without_svm)
{
    struct agora_vcpu_state s;
    uint64_t x = ktest_slot();

    if (sys_vm_create(CAP_INIT_POOL, 0, x) != -E_NOSYS) {
        sys_cap_delete(x);
        return true;
    }
    KTEST_EQ(sys_vcpu_create(CAP_SELF_TASK, CAP_SELF_TASK, CAP_INIT_POOL, x), -E_NOSYS);
    KTEST_EQ(sys_vcpu_state_read(CAP_SELF_TASK, &s), -E_NOSYS);
    KTEST_EQ(sys_vcpu_state_write(CAP_SELF_TASK, &s), -E_NOSYS);
    KTEST_EQ(sys_vcpu_start(CAP_SELF_TASK, CAP_SELF_TASK, 0), -E_NOSYS);
    KTEST_EQ(sys_vcpu_poke(CAP_SELF_TASK), -E_NOSYS);
    agora_printf("    every VM call answers -E_NOSYS\n");
    return true;
}

KTEST(vm_asids_run_out_and_return)
{
    uint64_t vms[64];
    unsigned n = 0;
    long r = 0;

    if (no_svm())
        return true;
    while (n < 64) {
        vms[n] = ktest_slot();
        r = sys_vm_create(CAP_INIT_POOL, 0, vms[n]);
        if (r < 0)
            break;
        n++;
    }
    /* QEMU's SVM has 16 ASIDs: 0 is the host's, the rest one per VM. */
    KTEST_EQ(r, -E_NOMEM);
    KTEST_CHECK(n >= 1);
    agora_printf("    %u VMs at once (one ASID each)\n", n);
    KTEST_EQ(sys_cap_delete(vms[0]), 0);
    KTEST_OK(sys_vm_create(CAP_INIT_POOL, 0, vms[0]));
    return true;
}

extern const char g64_start[], g64_call1[], g64_call2[], g64_call3[];

#define LM_PAGES  8
#define GPA_PML4  0x4000ull
#define GPA_PDPT  0x5000ull
#define GPA_PD    0x6000ull
#define GPA_DATA  0x7000ull

KTEST(vm_long_mode_guest)
{
    uint64_t vm = ktest_slot(), vcpu = ktest_slot(), ep = ktest_new_endpoint(), exit_ep, mem = new_memory(LM_PAGES);
    uint64_t w[VCPU_EXIT_WORDS], sum, ours = 0x5a5a5a5a12345678ull, back = 0;
    struct agora_vcpu_state s;

    if (no_svm())
        return true;
    KTEST_CHECK(ep != CAP_NULL && mem != CAP_NULL);
    exit_ep = ktest_copy_of(ep, RIGHT_WRITE, EXIT_BADGE);
    /* Guest page tables: the first 2 MiB identity-mapped by one large page. */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, LM_PAGES, RIGHT_READ | RIGHT_WRITE));
    memcpy((void *)(S + GUEST_CODE_GPA), guest_code, (size_t)(guest_code_end - guest_code));
    *(uint64_t *)(S + GPA_PML4) = GPA_PDPT | 3;
    *(uint64_t *)(S + GPA_PDPT) = GPA_PD | 3;
    *(uint64_t *)(S + GPA_PD) = 0x83;                   /* present, writable, 2 MiB */
    *(uint64_t *)(S + GPA_DATA) = 0xfeedface;
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, LM_PAGES), LM_PAGES);
    KTEST_OK(sys_vm_create(CAP_INIT_POOL, 0, vm));
    KTEST_OK(sys_map(vm, mem, 0, 0, LM_PAGES, RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC));
    KTEST_OK(sys_vcpu_create(vm, CAP_SELF_TASK, CAP_INIT_POOL, vcpu));
    flat32_state(&s, GUEST_GPA(g64_start));
    s.cr0 |= CR0_PG;
    s.cr4 = CR4_PAE | (1ull << 9);                      /* PAE, OSFXSR */
    s.cr3 = GPA_PML4;
    s.efer |= EFER_LME | EFER_LMA;
    s.cs.attrib = 0xA9B;                                /* L: 64-bit code */
    s.fs.base = GPA_DATA;
    KTEST_OK(sys_vcpu_state_write(vcpu, &s));
    KTEST_OK(sys_vcpu_start(vcpu, exit_ep, KTEST_PRIORITY));

    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g64_call1), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0xfeedface);               /* read through FS: VMLOAD gave it the base */
    KTEST_EQ(w[VCPU_MR_EFER], EFER_SVME | EFER_LME | EFER_LMA);
    KTEST_EQ(w[VCPU_MR_R8], 0x8888);
    KTEST_EQ(w[VCPU_MR_R15], 0xffff00000000ffffull);
    KTEST_EQ(w[VCPU_MR_RBP], 0x6666);
    /* Our own SSE register changes while the guest waits: the guest's must not. */
    __asm__ volatile("movq %0, %%xmm3" :: "r"(ours));   /* ktest itself never uses SSE */
    struct agora_msg m = { IPC_INFO(IPC_LABEL_VCPU_RESUME, 5, 0, 0), 0, { VCPU_SET_RIP | VCPU_SET_RBX, w[VCPU_MR_RIP] + 3 } };
    agora_ipc_buffer()->mr[4] = 1;
    KTEST_EQ(sys_reply(&m), 0);
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g64_call2), w));
    sum = 1;
    for (uint64_t v = 0x2222, acc = 1; v <= 0xeeee; v += 0x1111) {
        if (v == 0x7777)
            continue;                                   /* no rsp in the chain */
        acc += v;
        sum = acc;
    }
    KTEST_EQ(w[VCPU_MR_RAX], sum);
    KTEST_EQ(answer_call(w, 0, 0), 0);
    KTEST_CHECK(recv_exit(ep, VCPU_EXIT_VMMCALL, GUEST_GPA(g64_call3), w));
    KTEST_EQ(w[VCPU_MR_RAX], 0xffff00000000ffffull);
    __asm__ volatile("movq %%xmm3, %0" : "=r"(back));
    KTEST_EQ(back, ours);
    KTEST_EQ(sys_cap_delete(vcpu), 0);
    return true;
}
