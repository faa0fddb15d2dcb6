/*
 * Agora's own calls for the svc command (<sys/agora.h>): the supervisor's services
 * (include/agora/proto/svc.h), found through names as "supervisor" for each call.
 */
#include <errno.h>
#include <string.h>
#include <sys/agora.h>

#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/names.h>
#include <agora/proto/svc.h>
#include <libagora/proto.h>
#include <libagora/sys.h>

#include "posix.h"

PROTO_STUBS(NAMES_MSG_LIST)
PROTO_STUBS(SVC_MSG_LIST)

/* The supervisor's endpoint in a new slot: 0, or a negated Agora error. */
static long supervisor(uint64_t *ep)
{
    struct names_lookup_req rq;
    struct names_lookup_rep rp;
    struct proto_caps caps = { .nrecv = 1 };
    long slot = posix_slot_alloc(), r;

    if (slot < 0)
        return slot;
    caps.recv[0] = (uint64_t)slot;
    PROTO_STR_SET(rq.name, "supervisor");
    r = names_lookup_call(CAP_NAMES, &rq, &rp, &caps);
    if (r == 0 && caps.received != NAMES_LOOKUP_REPLY_CAPS)
        r = -E_RANGE;
    if (r < 0) {
        sys_cap_delete((uint64_t)slot);
        return r;
    }
    *ep = (uint64_t)slot;
    return 0;
}

int agora_svc_info(int index, struct agora_svc *out)
{
    struct svc_info_req rq = { .index = (uint64_t)index };
    struct svc_info_rep rp;
    uint64_t ep;
    long r;

    if (index < 0)
        return posix_fail_errno(EINVAL);
    if ((r = supervisor(&ep)) < 0)
        return posix_fail_errno(ENOSYS);
    r = svc_info_call(ep, &rq, &rp, 0);
    sys_cap_delete(ep);
    if (r < 0)
        return posix_fail(r);
    if (PROTO_STR_CHECK(rp.name) < 0)
        return posix_fail_errno(EIO);
    memset(out, 0, sizeof(*out));
    memcpy(out->name, rp.name.bytes, rp.name.len);
    out->state = (int)rp.state;
    out->pid = (pid_t)rp.pid;
    out->restarts = (unsigned long)rp.restarts;
    out->uptime_ms = (unsigned long)(rp.uptime_us / 1000);
    out->faults = (unsigned long)rp.faults;
    return 0;
}

int agora_svc_control(const char *name, int op, int kind, unsigned long count)
{
    uint64_t ep;
    long r;

    if (!name || strlen(name) >= SVC_NAME_MAX || op < AGORA_SVC_RESTART || op > AGORA_SVC_FAULT)
        return posix_fail_errno(EINVAL);
    if ((r = supervisor(&ep)) < 0)
        return posix_fail_errno(ENOSYS);
    if (op == AGORA_SVC_RESTART) {
        struct svc_restart_req rq;
        struct svc_restart_rep rp;

        PROTO_STR_SET(rq.name, name);
        r = svc_restart_call(ep, &rq, &rp, 0);
    } else if (op == AGORA_SVC_KILL) {
        struct svc_kill_req rq;
        struct svc_kill_rep rp;

        PROTO_STR_SET(rq.name, name);
        r = svc_kill_call(ep, &rq, &rp, 0);
    } else {
        struct svc_fault_req rq = { .kind = (uint64_t)kind, .count = count };
        struct svc_fault_rep rp;

        PROTO_STR_SET(rq.name, name);
        r = svc_fault_call(ep, &rq, &rp, 0);
    }
    sys_cap_delete(ep);
    return r < 0 ? (int)posix_fail(r) : 0;
}
