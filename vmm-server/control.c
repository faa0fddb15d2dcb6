/* The vmm protocol (include/agora/proto/vmm.h): INFO, INPUT, STOP, DETACH, EVENT for the vm command. */
#include <stdio.h>
#include <string.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/names.h>
#include <agora/proto/vmm.h>
#include <libagora/names.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

#include "vmm.h"

long control_register(struct vmm *v)
{
    struct names_register_req rq;
    struct names_register_rep rp;
    struct proto_caps caps = { .nsend = NAMES_REGISTER_CAPS, .send = { v->ep, CAP_SELF_TASK },
                               .send_rights = { NAMES_CLIENT_RIGHTS, 0 } };
    char name[32];
    long r;

    snprintf(name, sizeof(name), VMM_NAME_PREFIX "%ld", (long)v->id);
    if ((r = PROTO_STR_SET(rq.name, name)) < 0)
        return r;
    return names_register_call(CAP_NAMES, &rq, &rp, &caps);
}

static long on_info(void *ctx, const struct vmm_info_req *rq, struct vmm_info_rep *rp)
{
    struct vmm *v = ctx;

    rp->info.id = v->id;
    rp->info.pid = v->id;
    rp->info.mem_bytes = v->mem.bytes;
    rp->info.state = v->halted ? VMM_STATE_HALTED : VMM_STATE_RUNNING;
    rp->info.detached = v->detached;
    rp->info.exits = v->exits;
    memcpy(rp->info.file, v->file_tail, sizeof(rp->info.file));
    return 0;
}

static long on_input(void *ctx, const struct vmm_input_req *rq, struct vmm_input_rep *rp)
{
    if (rq->len == 0 || rq->len > VMM_INPUT_MAX)
        return -E_INVAL;
    rp->taken = io_input(ctx, rq->bytes, (unsigned)rq->len);
    return 0;
}

static long on_stop(void *ctx, const struct vmm_stop_req *rq, struct vmm_stop_rep *rp)
{
    vmm_end(ctx, VMM_STATUS_STOPPED, NULL);
    return 0;
}

static long on_detach(void *ctx, const struct vmm_detach_req *rq, struct vmm_detach_rep *rp)
{
    return console_detach(ctx);
}

static long on_event(void *ctx, const struct vmm_event_req *rq, struct vmm_event_rep *rp)
{
    if (rq->vector < 32 || rq->vector > 255)
        return -E_INVAL;
    return irq_event_add(ctx, (unsigned)rq->vector, 0);
}

static const struct vmm_handlers handlers = {
    .vmm_info = on_info, .vmm_input = on_input, .vmm_stop = on_stop, .vmm_detach = on_detach,
    .vmm_event = on_event,
};

void control_request(struct vmm *v, struct agora_msg *m, bool *reply)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t req[IPC_MAX_WORDS], rep[IPC_MAX_WORDS] = { 0 }, rep_bytes = 0;
    uint64_t req_bytes = proto_unpack_any(m, b, req);
    long status;

    /* Capabilities are never taken: anything sent along is refused with the request. */
    if (IPC_CAPS(m->info) || IPC_HAS_MEM(m->info))
        status = -E_RANGE;
    else
        status = vmm_dispatch(&handlers, v, IPC_LABEL(m->info), req, req_bytes, rep, &rep_bytes);
    proto_reply_pack(m, b, status, rep, rep_bytes, 0);
    *reply = true;
}
