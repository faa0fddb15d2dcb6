/* The vCPU loop: one endpoint for the vCPU's exits, the timer thread and the vm command's requests; exits dispatched by code. */
#include <stdio.h>
#include <string.h>

#include <agora/errors.h>
#include <agora/proto/vmm.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

#include "cpuid_msr.h"
#include "vmm.h"

#define EFER_LMA     (1ull << 10)
#define CS_ATTRIB_L  (1ull << 9)
#define RFLAGS_IF    (1ull << 9)

bool vmm_long_mode(const struct vmm_exit *e)
{
    return (e->w[VCPU_MR_EFER] & EFER_LMA) && (e->w[VCPU_MR_CS_ATTRIB] & CS_ATTRIB_L);
}

static void inject_exception(struct vmm_exit *e, unsigned vector)
{
    e->mask |= VCPU_SET_EVENT;
    e->event = VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, vector);
}

static void cpuid_exit(struct vmm_exit *e)
{
    uint32_t leaf = (uint32_t)e->w[VCPU_MR_RAX], sub = (uint32_t)e->w[VCPU_MR_RCX], h[4], out[4];

    __asm__ volatile("cpuid" : "=a"(h[0]), "=b"(h[1]), "=c"(h[2]), "=d"(h[3]) : "a"(leaf), "c"(sub));
    cpuid_filter(leaf, sub, h, out);
    e->mask |= VCPU_SET_RIP | VCPU_SET_RAX | VCPU_SET_RBX | VCPU_SET_RCX | VCPU_SET_RDX;
    e->rip = e->w[VCPU_MR_RIP] + 2;
    e->rax = out[0], e->rbx = out[1], e->rcx = out[2], e->rdx = out[3];
}

/* An MSR kept in the vCPU state: read or written there (the kernel checks what is written). */
static long msr_state(struct vmm *v, uint32_t msr, bool write, uint64_t *value)
{
    struct agora_vcpu_state s;
    uint64_t *field = NULL;
    long r;

    if ((r = sys_vcpu_state_read(v->vcpu, &s)) < 0)
        return r;
    switch (msr) {
    case MSR_IA32_SYSENTER_CS:  field = &s.sysenter_cs; break;
    case MSR_IA32_SYSENTER_ESP: field = &s.sysenter_esp; break;
    case MSR_IA32_SYSENTER_EIP: field = &s.sysenter_eip; break;
    case MSR_IA32_PAT:          field = &s.pat; break;
    case MSR_STAR:              field = &s.star; break;
    case MSR_LSTAR:             field = &s.lstar; break;
    case MSR_CSTAR:             field = &s.cstar; break;
    case MSR_SFMASK:            field = &s.sfmask; break;
    case MSR_FS_BASE:           field = &s.fs.base; break;
    case MSR_GS_BASE:           field = &s.gs.base; break;
    case MSR_KERNEL_GS_BASE:    field = &s.kernel_gs_base; break;
    case MSR_EFER:
        /* The guest never sees SVME (it has no SVM) and cannot clear it. */
        if (!write) {
            *value = s.efer & ~(1ull << 12);
            return 0;
        }
        s.efer = *value | (1ull << 12);
        return sys_vcpu_state_write(v->vcpu, &s);
    default:
        return -E_INVAL;
    }
    if (!write) {
        *value = *field;
        return 0;
    }
    *field = *value;
    return sys_vcpu_state_write(v->vcpu, &s);
}

static void msr_exit(struct vmm *v, struct vmm_exit *e)
{
    uint32_t msr = (uint32_t)e->w[VCPU_MR_RCX];
    bool write = e->w[VCPU_MR_INFO1] == 1;
    uint64_t value = (e->w[VCPU_MR_RDX] << 32) | (uint32_t)e->w[VCPU_MR_RAX];
    long r = 0;

    switch (msr_classify(msr)) {
    case MSR_TSC:
        if (!write) {
            uint32_t lo, hi;
            __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
            value = ((uint64_t)hi << 32) | lo;
        }
        break;
    case MSR_ZERO:
        value = 0;
        break;
    case MSR_STORED:
        r = write ? msr_store_write(&v->msrs, msr, value) : msr_store_read(&v->msrs, msr, &value);
        break;
    case MSR_STATE:
        r = msr_state(v, msr, write, &value);
        break;
    default:
        r = -1;
        break;
    }
    if (r < 0) {
        inject_exception(e, 13);
        e->event |= VCPU_EVENT_ERROR;   /* error code 0 */
        return;
    }
    e->mask |= VCPU_SET_RIP;
    e->rip = e->w[VCPU_MR_RIP] + 2;
    if (!write) {
        e->mask |= VCPU_SET_RAX | VCPU_SET_RDX;
        e->rax = (uint32_t)value;
        e->rdx = value >> 32;
    }
}

/* HLT: on at once with an interrupt that is there, else the reply waits (saved) until one comes. */
static bool hlt_exit(struct vmm *v, struct vmm_exit *e)
{
    e->mask |= VCPU_SET_RIP;
    e->rip = e->w[VCPU_MR_RIP] + 1;
    console_flush(v);
    if (e->w[VCPU_MR_INTINFO] & VCPU_EVENT_VALID)
        return true;                    /* an event on its way: it ends the halt */
    if (e->w[VCPU_MR_RFLAGS] & RFLAGS_IF) {
        /* sti; hlt leaves the shadow set: the hlt it covered is done, so an injection is fine. */
        e->w[VCPU_MR_INT_STATE] &= ~1ull;
        irq_deliver(v, e);
        if (e->mask & VCPU_SET_EVENT)
            return true;
    }
    /* Nothing to take (or cli; hlt, which nothing but a stop ends): the vCPU waits, using no CPU. */
    if (sys_reply_save(v->saved_reply) < 0)
        return true;
    v->halted = true;
    v->halt_rip = e->w[VCPU_MR_RIP];
    v->halt_rflags = e->w[VCPU_MR_RFLAGS];
    return false;
}

static void exception_exit(struct vmm *v, struct vmm_exit *e)
{
    unsigned vector = (unsigned)(e->w[VCPU_MR_CODE] - VCPU_EXIT_EXCEPTION);

    /* Intercepted (the VMM asks for #DE), counted, and given back to the guest as it was. */
    v->exceptions++;
    inject_exception(e, vector);
    if (vector == 8 || (vector >= 10 && vector <= 14) || vector == 17)
        e->event |= VCPU_EVENT_ERROR | (e->w[VCPU_MR_INFO1] << 32);
}

/* Handles one exit; false when the reply was saved (HLT) and must not be sent now. */
static bool exit_dispatch(struct vmm *v, struct vmm_exit *e)
{
    uint64_t code = e->w[VCPU_MR_CODE];

    v->exits++;
    v->poked = false;
    if (code >= VCPU_EXIT_EXCEPTION && code < VCPU_EXIT_EXCEPTION + 32) {
        exception_exit(v, e);
        return true;
    }
    switch (code) {
    case VCPU_EXIT_IOIO:     io_exit(v, e); break;
    case VCPU_EXIT_CPUID:    cpuid_exit(e); break;
    case VCPU_EXIT_MSR:      msr_exit(v, e); break;
    case VCPU_EXIT_VMMCALL:  hypercall_exit(v, e); break;
    case VCPU_EXIT_HLT:      return hlt_exit(v, e);
    case VCPU_EXIT_VINTR:    irq_window_exit(v, e); break;
    case VCPU_EXIT_POKE:     break;
    case VCPU_EXIT_NPF:
        if (gm_is_ram(&v->mem, e->w[VCPU_MR_INFO2])) {
            long r = gm_fault(&v->mem, e->w[VCPU_MR_INFO2]);

            /* A fault on a page already there, twice: nothing the VMM maps would end it. */
            if (r < 0)
                vmm_end(v, VMM_STATUS_FAILED, "no memory for the guest's RAM");
            else if (r == GM_FAULT_MAPPED && v->last_npf == e->w[VCPU_MR_INFO2])
                vmm_end(v, VMM_STATUS_FAILED, "a nested fault on mapped RAM repeats");
            v->last_npf = r == GM_FAULT_MAPPED ? e->w[VCPU_MR_INFO2] : ~0ull;
        } else {
            mmio_exit(v, e);
        }
        break;
    case VCPU_EXIT_INVD:
        e->mask |= VCPU_SET_RIP;
        e->rip = e->w[VCPU_MR_RIP] + 2;
        break;
    case VCPU_EXIT_SHUTDOWN:
        vmm_end(v, VMM_STATUS_TRIPLE_FAULT, "the guest triple-faulted");
        return true;
    case VCPU_EXIT_INVALID:
        vmm_end(v, VMM_STATUS_FAILED, "the vCPU's state was refused");
        return true;
    default:
        /* SVM instructions, XSETBV, MONITOR/MWAIT, debug registers: not for this guest. */
        inject_exception(e, 6);
        break;
    }
    irq_deliver(v, e);
    return true;
}

static unsigned pack_reply(const struct vmm_exit *e, struct agora_msg *m)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    unsigned words = 4;

    if (e->mask & (VCPU_SET_RBX | VCPU_SET_RCX | VCPU_SET_RDX)) {
        b->mr[4] = e->rbx;
        b->mr[5] = e->rcx;
        b->mr[6] = e->rdx;
        words = 7;
    }
    *m = (struct agora_msg){ IPC_INFO(IPC_LABEL_VCPU_RESUME, words, 0, 0), 0, { e->mask, e->rip, e->rax, e->event } };
    if (e->mask == 0)
        m->info = IPC_INFO(IPC_LABEL_RESUME, 0, 0, 0);
    return words;
}

static bool exit_message(const struct agora_msg *m)
{
    return m->badge == VMM_BADGE_EXIT && m->info == IPC_INFO(IPC_LABEL_VCPU_EXIT, VCPU_EXIT_WORDS, 0, 0);
}

void vcpu_loop_run(struct vmm *v)
{
    struct agora_msg m;
    bool reply = false;
    long r;

    while (!v->ending) {
        r = reply ? sys_reply_recv(v->ep, &m) : sys_recv(v->ep, &m);
        reply = false;
        if (r < 0)
            continue;
        if (exit_message(&m)) {
            struct vmm_exit e = { .mask = 0 };
            const struct agora_ipc_buffer *b = agora_ipc_buffer();

            for (unsigned i = 0; i < VCPU_EXIT_WORDS; i++)
                e.w[i] = i < IPC_REG_WORDS ? m.mr[i] : b->mr[i];
            if (exit_dispatch(v, &e) && !v->ending) {
                pack_reply(&e, &m);
                reply = true;
            }
        } else if (m.badge == VMM_BADGE_TIMER && IPC_LABEL(m.info) == VMM_TIMER_LABEL) {
            uint64_t next = irq_timer(v);

            m = (struct agora_msg){ IPC_INFO(0, 1, 0, 0), 0, { next } };
            reply = true;
        } else {
            control_request(v, &m, &reply);
            irq_kick(v);
        }
    }
    /* STOP's answer (the vCPU's, after SHUTDOWN, is never sent: it ends with the process). */
    if (reply)
        sys_reply(&m);
    console_flush(v);
}
