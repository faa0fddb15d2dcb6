/* names: the name server. Receives on CAP_NAMES and serves the protocol of include/agora/proto/names.h. */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/names.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "registry.h"

/* Incoming capabilities: at most NAMES_REGISTER_CAPS (the kernel refuses more: no slot). */
#define RECV_SLOTS NAMES_REGISTER_CAPS

/* One request as the handlers see it (the void *ctx of the dispatch table). */
struct request {
    uint64_t badge;                  /* the caller's identity (init: module index + 1) */
    unsigned ncaps;                  /* capabilities that came with it, in recv_slots[] */
    bool keep[RECV_SLOTS];           /* a handler took recv_slots[i] over */
    unsigned nreply_caps;            /* capabilities to send with the reply */
    uint64_t reply_caps[IPC_MAX_CAPS];
    uint64_t reply_temp;             /* a slot to empty once the reply is sent (0: none) */
};

static struct registry registry;
static uint64_t recv_slots[RECV_SLOTS];

/* ---- entries and their liveness ---- */

/*
 * Death is noticed lazily: each entry's task is watched with its own notification, which
 * names polls whenever it touches the entry. A dead entry is removed before any answer
 * depends on it, so a lookup never hands out the endpoint of a task known to be dead.
 */
static bool entry_alive(struct names_entry *e)
{
    return sys_poll(e->watch) == -E_AGAIN;
}

static void entry_release(struct names_entry *e)
{
    sys_cap_delete(e->ep);
    agora_slot_free(e->ep);
    /* A live task keeps the kernel's watch record (and its pool page) until withdrawn. */
    sys_task_unwatch(e->task, e->watch);
    sys_cap_delete(e->task);
    agora_slot_free(e->task);
    sys_cap_delete(e->watch);
    agora_slot_free(e->watch);
    registry_remove(&registry, e);
}

/* The live entry named name, or NULL; a dead one found on the way is removed. */
static struct names_entry *find_live(const names_name_t *name)
{
    struct names_entry *e = registry_find(&registry, name->bytes, name->len);

    if (e && !entry_alive(e)) {
        agora_printf("names: %s: its task died, removed\n", e->name);
        entry_release(e);
        e = 0;
    }
    return e;
}

static void sweep_dead(void)
{
    for (unsigned i = 0; i < REGISTRY_MAX_ENTRIES; i++) {
        struct names_entry *e = &registry.entries[i];

        if (e->used && !entry_alive(e)) {
            agora_printf("names: %s: its task died, removed\n", e->name);
            entry_release(e);
        }
    }
}

/* ---- the handlers ---- */

static long cap_info_of(uint64_t slot, unsigned type)
{
    long info = sys_cap_info(slot);

    if (info < 0)
        return info;
    return AGORA_CAP_INFO_TYPE(info) == type ? info : -E_TYPE;
}

/* A notification in a new slot that the death of the task in task_slot signals. */
static long watch_task(uint64_t task_slot, uint64_t *watch)
{
    long slot = agora_slot_alloc(), r;

    if (slot < 0)
        return -E_NOMEM;
    r = sys_notify_create(CAP_CHILD_POOL, (uint64_t)slot);
    if (r < 0)
        goto out_free;
    r = sys_task_watch(task_slot, (uint64_t)slot);
    if (r < 0)
        goto out_delete;
    *watch = (uint64_t)slot;
    return 0;
out_delete:
    sys_cap_delete((uint64_t)slot);
out_free:
    agora_slot_free((uint64_t)slot);
    return r == -E_NOMEM || r == -E_NOCAP ? -E_NOMEM : r;
}

static long do_register(void *ctx, const struct names_register_req *rq, struct names_register_rep *rp)
{
    struct request *req = ctx;
    struct names_entry *e;
    uint64_t watch;
    long ep_info, r;

    (void)rp;
    if (req->ncaps != NAMES_REGISTER_CAPS)
        return -E_RANGE;
    if ((r = PROTO_STR_CHECK(rq->name)) < 0)
        return r;
    if ((ep_info = cap_info_of(recv_slots[0], OBJ_ENDPOINT)) < 0 ||
        (r = cap_info_of(recv_slots[1], OBJ_TASK)) < 0)
        return ep_info < 0 ? ep_info : r;
    if ((AGORA_CAP_INFO_RIGHTS(ep_info) & RIGHT_READ) ||
        (AGORA_CAP_INFO_RIGHTS(ep_info) & (RIGHT_WRITE | RIGHT_COPY)) != (RIGHT_WRITE | RIGHT_COPY))
        return -E_PERM;
    if (find_live(&rq->name))
        return -E_EXIST;
    if (registry.count == REGISTRY_MAX_ENTRIES)
        sweep_dead();
    if (registry.count == REGISTRY_MAX_ENTRIES)
        return -E_NOMEM;
    if ((r = watch_task(recv_slots[1], &watch)) < 0)
        return r;
    /* Cannot fail now: the name is free and there is room. */
    r = registry_add(&registry, rq->name.bytes, rq->name.len, req->badge, &e);
    if (r < 0) {
        sys_cap_delete(watch);
        agora_slot_free(watch);
        return r;
    }
    e->ep = recv_slots[0];
    e->watch = watch;
    e->task = recv_slots[1];
    req->keep[0] = true;
    req->keep[1] = true;
    return 0;
}

static long do_lookup(void *ctx, const struct names_lookup_req *rq, struct names_lookup_rep *rp)
{
    struct request *req = ctx;
    struct names_entry *e;
    long info, r, slot;

    (void)rp;
    if (req->ncaps != 0)
        return -E_RANGE;
    if ((r = PROTO_STR_CHECK(rq->name)) < 0)
        return r;
    if (!(e = find_live(&rq->name)))
        return -E_NOCAP;
    info = sys_cap_info(e->ep);
    req->nreply_caps = NAMES_LOOKUP_REPLY_CAPS;
    req->reply_caps[0] = e->ep;
    if (info < 0 || AGORA_CAP_INFO_BADGED(info) || req->badge == 0)
        return 0;
    /* Badge the client's copy with the client's identity. */
    if ((slot = agora_slot_alloc()) < 0)
        return -E_NOMEM;
    r = sys_cap_copy(e->ep, (uint64_t)slot, NAMES_CLIENT_RIGHTS, req->badge);
    if (r < 0) {
        agora_slot_free((uint64_t)slot);
        return r;
    }
    req->reply_caps[0] = (uint64_t)slot;
    req->reply_temp = (uint64_t)slot;
    return 0;
}

static long do_unregister(void *ctx, const struct names_unregister_req *rq, struct names_unregister_rep *rp)
{
    struct request *req = ctx;
    struct names_entry *e;
    long r;

    (void)rp;
    if (req->ncaps != 0)
        return -E_RANGE;
    if ((r = PROTO_STR_CHECK(rq->name)) < 0)
        return r;
    if (!(e = find_live(&rq->name)))
        return -E_NOCAP;
    if (e->owner != req->badge)
        return -E_PERM;
    entry_release(e);
    return 0;
}

static long do_list(void *ctx, const struct names_list_req *rq, struct names_list_rep *rp)
{
    struct request *req = ctx;

    if (req->ncaps != 0)
        return -E_RANGE;
    sweep_dead();                    /* the total counts live names only */
    rp->total = registry.count;
    for (uint64_t i = 0; i < NAMES_LIST_PAGE && rq->start < rp->total; i++) {
        struct names_entry *e = registry_nth(&registry, rq->start + i);

        if (!e)
            break;
        rp->names[i].len = e->len;
        memcpy(rp->names[i].bytes, e->name, sizeof(rp->names[i].bytes));
        rp->count++;
    }
    return 0;
}

static const struct names_handlers handlers = {
    .names_register = do_register,
    .names_lookup = do_lookup,
    .names_unregister = do_unregister,
    .names_list = do_list,
};

/* ---- the receive loop ---- */

/* Empties the receive slots a request filled and did not keep; refills taken ones. */
static bool rearm_recv_slots(const struct request *req)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();

    for (unsigned i = 0; i < RECV_SLOTS; i++) {
        if (i < req->ncaps && req->keep[i]) {
            long s = agora_slot_alloc();

            if (s < 0)
                return false;
            recv_slots[i] = (uint64_t)s;
        } else if (i < req->ncaps) {
            sys_cap_delete(recv_slots[i]);
        }
        b->recv_cap_slots[i] = recv_slots[i];
    }
    for (unsigned i = RECV_SLOTS; i < IPC_MAX_CAPS; i++)
        b->recv_cap_slots[i] = 0;
    b->recv_window_pages = 0;            /* no memory items */
    return true;
}

/* Turns the request in *m into its reply, in *m and the IPC buffer. */
static void handle(struct agora_msg *m, struct request *req)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS];
    uint64_t in_bytes, out_bytes = 0;
    long status;

    memset(req, 0, sizeof(*req));
    req->badge = m->badge;
    req->ncaps = IPC_CAPS(m->info);
    if (req->ncaps > RECV_SLOTS)         /* the kernel cannot deliver more */
        req->ncaps = RECV_SLOTS;
    memset(out, 0, sizeof(out));
    in_bytes = proto_unpack_any(m, b, in);
    status = names_dispatch(&handlers, req, IPC_LABEL(m->info), in, in_bytes, out, &out_bytes);
    if (status < 0)
        req->nreply_caps = 0;
    for (unsigned i = 0; i < req->nreply_caps; i++) {
        b->send_caps[i] = req->reply_caps[i];
        b->send_cap_rights[i] = NAMES_CLIENT_RIGHTS;
    }
    proto_reply_pack(m, b, status, out, out_bytes, req->nreply_caps);
}

static bool names_endpoint_ok(void)
{
    long info = sys_cap_info(CAP_NAMES);

    return info >= 0 && AGORA_CAP_INFO_TYPE(info) == OBJ_ENDPOINT &&
           (AGORA_CAP_INFO_RIGHTS(info) & RIGHT_READ);
}

int main(uint64_t arg)
{
    struct agora_msg m;
    struct request req;
    long r;

    (void)arg;
    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    registry_init(&registry);
    if (!names_endpoint_ok()) {
        agora_printf("names: no endpoint to receive on at slot %d: exiting\n", CAP_NAMES);
        return 1;
    }
    memset(&req, 0, sizeof(req));
    for (unsigned i = 0; i < RECV_SLOTS; i++) {
        long s = agora_slot_alloc();

        if (s < 0)
            return 1;
        recv_slots[i] = (uint64_t)s;
    }
    rearm_recv_slots(&req);
    agora_printf("names: serving (%d names at most)\n", REGISTRY_MAX_ENTRIES);
    r = sys_recv(CAP_NAMES, &m);
    for (;;) {
        if (r < 0) {
            agora_printf("names: receiving failed: %s: exiting\n", agora_error_name(r));
            return 1;
        }
        handle(&m, &req);
        if (!rearm_recv_slots(&req)) {
            agora_printf("names: out of capability slots: exiting\n");
            return 1;
        }
        r = sys_reply_recv(CAP_NAMES, &m);
        /* The reply is gone (or failed, and its caller got the error): drop its copy. */
        if (req.reply_temp) {
            sys_cap_delete(req.reply_temp);
            agora_slot_free(req.reply_temp);
        }
    }
}
