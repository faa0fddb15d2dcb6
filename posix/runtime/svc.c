/*
 * Agora's own calls for the svc command (<sys/agora.h>): the supervisor's services
 * (include/agora/proto/svc.h), found through names as "supervisor" for each call.
 */
#include <errno.h>
#include <stdbool.h>
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

/*
 * The supervisor's endpoint, in one slot for the program's life (the runtime's slots are
 * never freed): looked up at the first call, and again when it is gone (-E_NOCAP in a
 * forked child, which has no copy; -E_DEAD after the supervisor died).
 */
static uint64_t ep_slot;

static long lookup(void)
{
    struct names_lookup_req rq;
    struct names_lookup_rep rp;
    struct proto_caps caps = { .nrecv = 1 };
    long r;

    if (!ep_slot) {
        long slot = posix_slot_alloc();

        if (slot < 0)
            return slot;
        ep_slot = (uint64_t)slot;
    }
    sys_cap_delete(ep_slot);
    caps.recv[0] = ep_slot;
    PROTO_STR_SET(rq.name, "supervisor");
    r = names_lookup_call(CAP_NAMES, &rq, &rp, &caps);
    if (r == 0 && caps.received != NAMES_LOOKUP_REPLY_CAPS)
        r = -E_RANGE;
    return r;
}

static long supervisor(uint64_t *ep)
{
    long r = sys_cap_info(ep_slot);

    if (!ep_slot || r < 0)
        r = lookup();
    *ep = ep_slot;
    return r < 0 ? r : 0;
}

/* Whether a call's failure means the endpoint is stale: look up once more and repeat. */
static bool stale(long r)
{
    return (r == -E_DEAD || r == -E_NOCAP) && lookup() == 0;
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
    if (stale(r = svc_info_call(ep, &rq, &rp, 0)))
        r = svc_info_call(ep, &rq, &rp, 0);
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

static long control(uint64_t ep, const char *name, int op, int kind, unsigned long count)
{
    long r;

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
    return r;
}

int agora_svc_control(const char *name, int op, int kind, unsigned long count)
{
    uint64_t ep;
    long r;

    if (!name || strlen(name) >= SVC_NAME_MAX || op < AGORA_SVC_RESTART || op > AGORA_SVC_FAULT)
        return posix_fail_errno(EINVAL);
    if ((r = supervisor(&ep)) < 0)
        return posix_fail_errno(ENOSYS);
    r = control(ep, name, op, kind, count);
    if (stale(r))
        r = control(ep, name, op, kind, count);
    return r < 0 ? (int)posix_fail(r) : 0;
}

int agora_svc_add(const char *line, const void *image, size_t bytes)
{
    struct svc_add_req rq = { .image_bytes = image ? bytes : 0 };
    struct svc_add_rep rp;
    uint64_t ep;
    long r;

    if (!line || PROTO_STR_SET(rq.line, line) < 0 || (image && bytes == 0))
        return posix_fail_errno(EINVAL);
    if ((r = supervisor(&ep)) < 0)
        return posix_fail_errno(ENOSYS);
    if (stale(r = svc_add_call(ep, &rq, &rp, 0)))
        r = svc_add_call(ep, &rq, &rp, 0);
    /* The ELF follows, SVC_IMAGE_CHUNK bytes a message; the last reply says it started. */
    for (size_t done = 0; r == 0 && image && done < bytes;) {
        struct svc_image_req iq = { .offset = done };
        struct svc_image_rep ip;

        iq.len = bytes - done < SVC_IMAGE_CHUNK ? bytes - done : SVC_IMAGE_CHUNK;
        memcpy(iq.bytes, (const uint8_t *)image + done, iq.len);
        r = svc_image_call(ep, &iq, &ip, 0);
        done += iq.len;
        if (r == 0 && (done == bytes) != (ip.done == 1))
            r = -E_RANGE;            /* the supervisor and we disagree on the end */
    }
    return r < 0 ? (int)posix_fail(r) : 0;
}
