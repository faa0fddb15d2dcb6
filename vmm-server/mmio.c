/*
 * MMIO: a nested fault outside the guest's RAM. There is no device memory in this VM, so
 * an access reads all ones and a write is dropped, as on a bus with nothing there. The
 * instruction is fetched through the guest's own page tables (guest_paging.h) and decoded
 * (x86_decode.h) to find its length and the register it loads: QEMU's SVM gives neither
 * NRIP nor the instruction bytes. What cannot be decoded gets #UD, and a fetch that is not
 * RAM #GP: the guest learns of it, the VMM carries on.
 */
#include <string.h>

#include <agora/errors.h>
#include <libagora/sys.h>

#include "guest_paging.h"
#include "vmm.h"
#include "x86_decode.h"

#define CS_ATTRIB_D (1ull << 10)
#define CR0_PE      1ull

/* guest_translate's reader: guest-physical RAM. */
static int read_phys(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    return gm_read(&((struct vmm *)ctx)->mem, gpa, buf, len) < 0 ? -1 : 0;
}

static enum x86_mode mode_of(const struct vmm_exit *e)
{
    if (vmm_long_mode(e))
        return X86_MODE_LONG64;
    if (!(e->w[VCPU_MR_CR0] & CR0_PE) || !(e->w[VCPU_MR_CS_ATTRIB] & CS_ATTRIB_D))
        return X86_MODE_REAL16;
    return X86_MODE_PROT32;
}

/* Up to X86_MAX_INSN_BYTES of code at rip (CS base 0: flat guests), page by page: how many, or -1. */
static int fetch(struct vmm *v, const struct vmm_exit *e, uint8_t *code)
{
    struct guest_paging pg = { .cr0 = e->w[VCPU_MR_CR0], .cr3 = e->w[VCPU_MR_CR3], .cr4 = e->w[VCPU_MR_CR4],
                               .efer = e->w[VCPU_MR_EFER] };
    uint64_t rip = e->w[VCPU_MR_RIP];
    int got = 0;

    while (got < X86_MAX_INSN_BYTES) {
        uint64_t gva = rip + (uint64_t)got, gpa;
        size_t n = 4096 - (gva & 4095);

        if (guest_translate(&pg, gva, false, e->w[VCPU_MR_CPL] == 3, read_phys, v, &gpa) < 0)
            break;
        if (n > (size_t)(X86_MAX_INSN_BYTES - got))
            n = (size_t)(X86_MAX_INSN_BYTES - got);
        if (gm_read(&v->mem, gpa, code + got, n) < 0)
            break;
        got += (int)n;
    }
    return got > 0 ? got : -1;
}

/* Our GPR order (rax rbx rcx rdx ...) to x86's (rax rcx rdx rbx rsp rbp rsi rdi r8..r15) and back. */
static const unsigned x86_to_word[16] = {
    VCPU_MR_RAX, VCPU_MR_RCX, VCPU_MR_RDX, VCPU_MR_RBX, VCPU_MR_RSP, VCPU_MR_RBP, VCPU_MR_RSI, VCPU_MR_RDI,
    VCPU_MR_R8, VCPU_MR_R9, VCPU_MR_R10, VCPU_MR_R11, VCPU_MR_R12, VCPU_MR_R13, VCPU_MR_R14, VCPU_MR_R15,
};

/* A load's result into its register: rax rbx rcx rdx by the reply, the others by a state write. */
static void load_into(struct vmm *v, struct vmm_exit *e, const struct x86_insn *in, enum x86_mode mode)
{
    uint64_t regs[16];
    unsigned gpr = x86_insn_gpr(in);
    struct agora_vcpu_state s;

    for (unsigned i = 0; i < 16; i++)
        regs[i] = e->w[x86_to_word[i]];
    x86_apply_load(in, mode, regs, ~0ull);
    switch (gpr) {
    case 0: e->mask |= VCPU_SET_RAX; e->rax = regs[0]; return;
    case 1: e->mask |= VCPU_SET_RCX; e->rcx = regs[1]; return;
    case 2: e->mask |= VCPU_SET_RDX; e->rdx = regs[2]; return;
    case 3: e->mask |= VCPU_SET_RBX; e->rbx = regs[3]; return;
    }
    if (sys_vcpu_state_read(v->vcpu, &s) < 0)
        return;
    uint64_t *field[16] = { &s.rax, &s.rcx, &s.rdx, &s.rbx, &s.rsp, &s.rbp, &s.rsi, &s.rdi,
                            &s.r8, &s.r9, &s.r10, &s.r11, &s.r12, &s.r13, &s.r14, &s.r15 };
    *field[gpr] = regs[gpr];
    sys_vcpu_state_write(v->vcpu, &s);
}

void mmio_exit(struct vmm *v, struct vmm_exit *e)
{
    uint8_t code[X86_MAX_INSN_BYTES];
    enum x86_mode mode = mode_of(e);
    struct x86_insn in;
    int n = fetch(v, e, code);

    if (n < 0) {
        e->mask |= VCPU_SET_EVENT;
        e->event = VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 13) | VCPU_EVENT_ERROR;
        return;
    }
    if (x86_decode(code, (size_t)n, mode, &in) < 0 || in.op == X86_OP_OTHER_MEM) {
        e->mask |= VCPU_SET_EVENT;
        e->event = VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 6);
        return;
    }
    if (in.op == X86_OP_LOAD || in.op == X86_OP_LOAD_ZX || in.op == X86_OP_LOAD_SX)
        load_into(v, e, &in, mode);
    e->mask |= VCPU_SET_RIP;
    e->rip = e->w[VCPU_MR_RIP] + in.length;
}
