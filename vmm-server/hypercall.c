/* VMMCALL (include/agora/hypercall.h): checked by hc_check, then carried out. */
#include <agora/errors.h>
#include <agora/hypercall.h>
#include <libagora/sys.h>

#include <agora/proto/vmm.h>

#include "hc_check.h"
#include "vmm.h"

static uint64_t info(struct vmm *v, uint64_t field)
{
    switch (field) {
    case HC_INFO_ABI:           return HC_ABI_VERSION;
    case HC_INFO_MEM_BYTES:     return v->mem.bytes;
    case HC_INFO_MEM_MAX:       return v->mem.max;
    case HC_INFO_VCPUS:         return 1;
    case HC_INFO_VM_ID:         return (uint64_t)v->id;
    case HC_INFO_NESTED_FAULTS: return v->mem.faults;
    case HC_INFO_EXCEPTIONS:    return v->exceptions;
    case HC_INFO_BOOTS:         return v->boots;
    default:                    return v->exits;   /* HC_INFO_EXITS */
    }
}

static long console_write(struct vmm *v, uint64_t gpa, uint64_t len)
{
    uint8_t buf[256];

    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
        long r = gm_read(&v->mem, gpa + done, buf, n);

        if (r < 0)
            return r;
        for (uint64_t i = 0; i < n; i++)
            console_put(v, buf[i]);
        done += n;
    }
    return (long)len;
}

static long reset(struct vmm *v, struct vmm_exit *e)
{
    struct agora_vcpu_state s;
    const char *why = "";
    long r;

    gm_reset(&v->mem);
    io_init(v);
    msr_store_init(&v->msrs);
    for (unsigned i = 0; i < HC_EVENT_MAX; i++)
        v->events[i].due_us = 0, v->events[i].fired = false;
    v->window_requested = false;
    if ((r = loader_load(v, &s, &why)) < 0 || (r = sys_vcpu_state_write(v->vcpu, &s)) < 0) {
        vmm_end(v, VMM_STATUS_FAILED, why);
        return r;
    }
    e->mask = 0;                        /* the new state as written: no rip or rax of the old */
    v->boots++;
    return 0;
}

void hypercall_exit(struct vmm *v, struct vmm_exit *e)
{
    bool wide = vmm_long_mode(e);
    uint64_t cut = wide ? ~0ull : 0xffffffffull;
    uint64_t fn = e->w[VCPU_MR_RAX] & cut;
    uint64_t a[4] = { e->w[VCPU_MR_RBX] & cut, e->w[VCPU_MR_RCX] & cut, e->w[VCPU_MR_RDX] & cut,
                      e->w[VCPU_MR_RSI] & cut };
    unsigned events = 0;
    struct hc_limits l;
    uint32_t hash;
    long r;

    /* Only the guest's kernel: VMMCALL in user mode is #UD, as without a hypervisor. */
    if (e->w[VCPU_MR_CPL] != 0) {
        e->mask |= VCPU_SET_EVENT;
        e->event = VCPU_EVENT(VCPU_EVENT_TYPE_EXCEPTION, 6);
        return;
    }
    for (unsigned i = 0; i < HC_EVENT_MAX; i++)
        events += v->events[i].due_us != 0;
    l = (struct hc_limits){ v->mem.bytes, v->mem.max, events };
    e->mask |= VCPU_SET_RIP | VCPU_SET_RAX;
    e->rip = e->w[VCPU_MR_RIP] + 3;
    if ((r = hc_check(fn, a, &l)) < 0) {
        e->rax = (uint64_t)r;
        return;
    }
    switch (fn) {
    case HC_INFO:          r = (long)info(v, a[0]); break;
    case HC_MEM_REQUEST:   r = gm_grow(&v->mem, a[0]); break;
    case HC_MEM_RELEASE:   r = gm_shrink(&v->mem, a[0], a[1]); break;
    case HC_PAGE_FLIP:     r = gm_flip(&v->mem, a[0], &hash); if (r == 0) r = hash; break;
    case HC_EVENT:         r = irq_event_add(v, (unsigned)a[0], a[1]); break;
    case HC_CONSOLE_WRITE: r = console_write(v, a[0], a[1]); break;
    case HC_SHUTDOWN:      vmm_end(v, (int)a[0], NULL); r = 0; break;
    case HC_RESET:         reset(v, e); return;
    }
    e->rax = (uint64_t)r;
}
