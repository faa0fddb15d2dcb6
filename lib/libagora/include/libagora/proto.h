/* Server protocols on the client and server side: packing, bounded strings, calls, generated stubs. */
#ifndef LIBAGORA_PROTO_H
#define LIBAGORA_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <agora/ipc.h>
#include <agora/proto/proto.h>
#include <libagora/sys.h>

/*
 * Packing (include/agora/proto/proto.h has the wire format). Pure functions, tested on
 * the host (tests/unit/test_proto.c).
 */

/*
 * m->info = IPC_INFO(label, bytes / 8, ncaps, 0); words 0-3 of body into m->mr (the rest
 * of m->mr zeroed), words 4 and up into b->mr[4..]. bytes is a multiple of 8, at most
 * PROTO_MAX_BYTES (the structs are asserted so).
 */
void proto_pack(struct agora_msg *m, struct agora_ipc_buffer *b, uint32_t label, const void *body,
                size_t bytes, unsigned ncaps);
/* The reverse for exactly `bytes`: -E_RANGE (body untouched) when m has another word count. */
long proto_unpack(const struct agora_msg *m, const struct agora_ipc_buffer *b, void *body, size_t bytes);
/* Every word of m, whatever its count, into words[IPC_MAX_WORDS]; returns the byte count. */
uint64_t proto_unpack_any(const struct agora_msg *m, const struct agora_ipc_buffer *b, uint64_t *words);

/*
 * A bounded string field (PROTO_STR): 0 if valid; -E_RANGE if len >= cap (too long for
 * its buffer); -E_INVAL if empty, if bytes[len] is not NUL (unterminated) or a NUL comes
 * earlier.
 */
long proto_str_check(uint64_t len, const char *bytes, size_t cap);
/* Stores s (NUL-terminated) with zero padding: 0, -E_RANGE (too long), -E_INVAL (empty). */
long proto_str_put(uint64_t *len, char *bytes, size_t cap, const char *s);
#define PROTO_STR_CHECK(field) proto_str_check((field).len, (field).bytes, sizeof((field).bytes))
#define PROTO_STR_SET(field, s) proto_str_put(&(field).len, (field).bytes, sizeof((field).bytes), (s))

/*
 * Capabilities with a call: the slots to send (with the rights each copy gets) and the
 * empty slots offered for the reply's. received is how many arrived (in recv[0..]).
 */
struct proto_caps {
    unsigned nsend;
    uint64_t send[IPC_MAX_CAPS];
    uint64_t send_rights[IPC_MAX_CAPS];
    unsigned nrecv;
    uint64_t recv[IPC_MAX_CAPS];
    unsigned received;
};

/*
 * Calls ep with a request and waits for the reply. Returns what the system call returned
 * (< 0: the kernel's error, e.g. -E_DEAD), else the reply's status (0 or a negated
 * error); on status 0 the reply has exactly rep_bytes (else -E_RANGE) and is in *rep.
 * caps may be NULL (nothing sent, nothing accepted). Uses the calling thread's IPC buffer.
 */
long proto_call(uint64_t ep, uint32_t label, const void *req, size_t req_bytes, void *rep,
                size_t rep_bytes, struct proto_caps *caps);

/* long prefix_call(ep, const struct prefix_req *, struct prefix_rep *, struct proto_caps *) */
#define PROTO_STUB_(label, prefix, num, req_fields, rep_fields)                                              \
    static inline long prefix##_call(uint64_t ep, const struct prefix##_req *rq,               \
                                     struct prefix##_rep *rp, struct proto_caps *caps)         \
    {                                                                                          \
        return proto_call(ep, label, rq, sizeof(*rq), rp, sizeof(*rp), caps);                  \
    }
#define PROTO_STUBS(list) list(PROTO_STUB_, PROTO_FIELD_DECL)

/*
 * The server side: proto_reply_pack fills the reply to a request (status 0: the body and
 * ncaps capabilities from the IPC buffer's send_caps; otherwise the status alone).
 */
void proto_reply_pack(struct agora_msg *m, struct agora_ipc_buffer *b, long status, const void *rep,
                      size_t rep_bytes, unsigned ncaps);

#endif
