/* proto_call: one request and its reply over the calling thread's IPC buffer. */
#include <libagora/proto.h>

#include <agora/errors.h>
#include <libagora/runtime.h>

static void offer_caps(struct agora_ipc_buffer *b, const struct proto_caps *caps)
{
    for (unsigned i = 0; i < IPC_MAX_CAPS; i++) {
        bool send = caps && i < caps->nsend, recv = caps && i < caps->nrecv;

        b->send_caps[i] = send ? caps->send[i] : 0;
        b->send_cap_rights[i] = send ? caps->send_rights[i] : 0;
        /* No slot offered: a reply carrying an unexpected capability fails (-E_NOWINDOW). */
        b->recv_cap_slots[i] = recv ? caps->recv[i] : 0;
    }
}

long proto_call(uint64_t ep, uint32_t label, const void *req, size_t req_bytes, void *rep,
                size_t rep_bytes, struct proto_caps *caps)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct agora_msg m;
    long r;

    if ((caps && (caps->nsend > IPC_MAX_CAPS || caps->nrecv > IPC_MAX_CAPS)) || req_bytes % 8 ||
        req_bytes > PROTO_MAX_BYTES || rep_bytes % 8 || rep_bytes > PROTO_MAX_BYTES)
        return -E_INVAL;
    if (caps)
        caps->received = 0;
    /*
     * -E_INTR from the kernel: SYS_THREAD_SUSPEND's interrupt ended the call before the
     * server took it (pm runs a signal handler on this thread). Nothing was delivered, so
     * the request goes again, packed anew. A server's own -E_INTR is a reply: returned.
     */
    do {
        offer_caps(b, caps);
        proto_pack(&m, b, label, req, req_bytes, caps ? caps->nsend : 0);
        r = sys_call(ep, &m);
    } while (r == -E_INTR);
    if (r < 0)
        return r;
    /* The buffer's recv_caps_count is only written when the reply used the buffer. */
    if (caps)
        caps->received = IPC_CAPS(m.info);
    r = PROTO_LABEL_STATUS(IPC_LABEL(m.info));
    if (r != 0)
        return r > 0 ? -E_RANGE : r;
    return proto_unpack(&m, b, rep, rep_bytes);
}
