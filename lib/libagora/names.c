/* The name service's client calls (libagora/names.h). */
#include <libagora/names.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <libagora/runtime.h>

long names_register(const char *name, uint64_t ep)
{
    struct names_register_req rq;
    struct names_register_rep rp;
    /* The endpoint without its read right (names must not own it); the task with no rights. */
    struct proto_caps caps = { .nsend = NAMES_REGISTER_CAPS, .send = { ep, CAP_SELF_TASK },
                               .send_rights = { NAMES_CLIENT_RIGHTS, 0 } };
    long r = PROTO_STR_SET(rq.name, name);

    return r < 0 ? r : names_register_call(CAP_NAMES, &rq, &rp, &caps);
}

long names_lookup(const char *name, uint64_t *slot)
{
    struct names_lookup_req rq;
    struct names_lookup_rep rp;
    struct proto_caps caps = { .nrecv = 1 };
    long r = PROTO_STR_SET(rq.name, name), s;

    if (r < 0)
        return r;
    if ((s = agora_slot_alloc()) < 0)
        return s;
    caps.recv[0] = (uint64_t)s;
    r = names_lookup_call(CAP_NAMES, &rq, &rp, &caps);
    if (r == 0 && caps.received != NAMES_LOOKUP_REPLY_CAPS)
        r = -E_RANGE;
    if (r < 0) {
        sys_cap_delete((uint64_t)s);    /* -E_NOCAP when nothing arrived */
        agora_slot_free((uint64_t)s);
        return r;
    }
    *slot = (uint64_t)s;
    return 0;
}

long names_unregister(const char *name)
{
    struct names_unregister_req rq;
    struct names_unregister_rep rp;
    long r = PROTO_STR_SET(rq.name, name);

    return r < 0 ? r : names_unregister_call(CAP_NAMES, &rq, &rp, 0);
}

long names_list(uint64_t start, struct names_list_rep *rep)
{
    struct names_list_req rq = { .start = start };

    return names_list_call(CAP_NAMES, &rq, rep, 0);
}
