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
