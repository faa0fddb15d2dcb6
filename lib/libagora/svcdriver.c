/* A supervised driver's side of proto/svc.h (libagora/svcdriver.h): READY, PING, and the injected faults. */
#include <libagora/svcdriver.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

PROTO_STUBS(SVC_MSG_LIST)

/* Where a wild write may land: the program's image and what follows it (user.ld's base up). */
#define WILD_BASE  0x400000ull
#define WILD_SPAN  (256ull << 20)

static uint64_t fault_kind, faults_left, rng;

static uint64_t random64(void)
{
    if (rng == 0)
        rng = (uint64_t)sys_clock() * 0x9E3779B97F4A7C15ull | 1;
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

long svcdriver_ready(uint64_t ep)
{
    struct svc_ready_req rq;
    struct svc_ready_rep rp;
    struct proto_caps caps = { .nsend = SVC_READY_CAPS };
    long slot = agora_slot_alloc(), r;

    if (sys_cap_info(CAP_SVC) < 0)
        return -E_NOCAP;
    if (slot < 0)
        return slot;
    if ((r = sys_cap_copy(ep, (uint64_t)slot, RIGHT_WRITE | RIGHT_COPY, SVC_CONTROL_BADGE)) < 0) {
        agora_slot_free((uint64_t)slot);
        return r;
    }
    caps.send[0] = (uint64_t)slot;
    caps.send_rights[0] = RIGHT_WRITE | RIGHT_COPY;    /* the supervisor copies it into its own slot */
    r = svc_ready_call(CAP_SVC, &rq, &rp, &caps);
    sys_cap_delete((uint64_t)slot);      /* the supervisor has its own copy now */
    agora_slot_free((uint64_t)slot);
    return r;
}

bool svcdriver_is_control(const struct agora_msg *m)
{
    return PROTO_LABEL_ID(IPC_LABEL(m->info)) == PROTO_ID_SVC;
}

/* PING and INJECT: register-only requests (INJECT has two words). */
void svcdriver_control(struct agora_msg *m)
{
    uint32_t label = IPC_LABEL(m->info);
    long status = 0;
    unsigned words = 0;

    if (m->badge != SVC_CONTROL_BADGE)
        status = -E_PERM;
    else if (label == SVC_PING) {
        status = IPC_WORDS(m->info) == 0 ? 0 : -E_RANGE;
        words = status == 0 ? 1 : 0;
    }
    else if (label == SVC_INJECT) {
        if (IPC_WORDS(m->info) != sizeof(struct svc_inject_req) / 8)
            status = -E_RANGE;
        else if (m->mr[0] >= SVC_FAULT_KINDS)
            status = -E_INVAL;
        else {
            fault_kind = m->mr[0];
            faults_left = fault_kind == SVC_FAULT_NONE ? 0 : m->mr[1];
        }
    } else
        status = -E_NOSYS;
    *m = (struct agora_msg){ .info = IPC_INFO(PROTO_STATUS_LABEL(status), words, 0, 0), .mr = { faults_left } };
}

static noreturn void hang(void)
{
    for (;;)
        sys_sleep(1000000);
}

bool svcdriver_fault(void)
{
    if (faults_left == 0 || random64() % SVC_FAULT_ODDS != 0)
        return false;
    faults_left--;
    switch (fault_kind) {
    case SVC_FAULT_CRASH:
        __builtin_trap();
    case SVC_FAULT_WILD: {
        volatile uint64_t *p = (volatile uint64_t *)(WILD_BASE + (random64() % WILD_SPAN & ~7ull));

        *p = random64();                 /* most of the span is unmapped or read-only: a fault */
        return false;
    }
    case SVC_FAULT_HANG:
        hang();
    case SVC_FAULT_GARBAGE:
        return true;
    default:
        return false;
    }
}

long svcdriver_garbage_status(void)
{
    return -(long)AGORA_ERROR_COUNT - 1000 - (long)(random64() % 1000);
}
