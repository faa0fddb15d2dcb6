/* The server-protocol framework: labels, the message layout of a request or reply, bounded strings. */
#ifndef AGORA_PROTO_PROTO_H
#define AGORA_PROTO_PROTO_H

#include <stdint.h>

#include <agora/errors.h>
#include <agora/ipc.h>

/*
 * A protocol is one list in its header (proto/names.h is the example to copy):
 *
 *   #define NAMES_MSG_LIST(X, F)                                              \
 *       X(NAMES_REGISTER, names_register, 1,                                  \
 *         (F(names_name_t, name)),            <- request fields             \
 *         ())                                 <- reply fields (none)        \
 *       X(NAMES_LOOKUP, names_lookup, 2, (F(names_name_t, name)), ())
 *
 * X(LABEL, prefix, number, (request fields), (reply fields)); F(type, name) is one field.
 * Numbers are only appended; a retired message keeps its line (PROTO_OBSOLETE in its
 * fields). From the list, with the macros below:
 *   the labels                      enum constants LABEL = PROTO_LABEL(id, number), in the
 *                                   protocol's header with a four-line X (see names.h)
 *   PROTO_STRUCTS(LIST)             struct prefix_req and struct prefix_rep, size-checked
 *   PROTO_HANDLERS(LIST, name)      struct name: one typed handler pointer per message
 *   PROTO_DISPATCH(LIST, name, fn)  fn(): checks label and size, calls the handler
 *   PROTO_STUBS(LIST)               prefix_call() client stubs (in libagora/proto.h)
 * A server's loop: proto_unpack_any, the dispatch function, proto_reply_pack, then
 * sys_reply_recv (servers/names/main.c).
 *
 * On the wire (the packing is proto_pack/proto_unpack in lib/libagora/proto.c):
 * - A request's label is PROTO_LABEL(protocol id, number): a message meant for another
 *   server is refused (-E_NOSYS), not misread.
 * - Its struct travels as raw 64-bit words: word i is bytes [8i, 8i+8) of the struct;
 *   words 0-3 in the registers (struct agora_msg mr[0..3]), words 4 and up in the IPC
 *   buffer's mr[4..]. The word count must equal sizeof(struct) / 8 exactly, else -E_RANGE:
 *   structs are multiples of 8 bytes and at most IPC_MAX_WORDS words (asserted).
 * - A reply's label is its status: 0 success, then the reply struct follows as above;
 *   otherwise a negated enum agora_error as a 32-bit value ((uint32_t)-E_X) and no words.
 * - Capabilities go beside the words (IPC buffer send_caps / recv_cap_slots); each
 *   protocol header says which message carries which, and the server checks the count.
 */

/* Protocol ids: the high half of a label. Only appended. */
#define PROTO_ID_LIST(X)                           \
    X(PROTO_ID_NAMES, 1, "names: the name service") \
    X(PROTO_ID_VFS, 2, "vfs: files, directories, descriptors") \
    X(PROTO_ID_CHAR, 3, "char: character devices (serial, ...)") \
    X(PROTO_ID_TTY, 4, "tty: terminal modes (the tty server; its data is the char protocol)") \
    X(PROTO_ID_PM, 5, "pm: POSIX processes (fork, exec, wait, exit, kill, brk)") \
    X(PROTO_ID_PCI, 6, "pci: the PCI bus driver hands devices to their drivers") \
    X(PROTO_ID_BLK, 7, "blk: block devices (virtio-blk, ...)") \
    X(PROTO_ID_FS, 8, "fs: file-system servers as vfs asks them (inodes; proto/fs.h)") \
    X(PROTO_ID_VMM, 9, "vmm: a running guest's vmm-server (the vm command; proto/vmm.h)") \
    X(PROTO_ID_SVC, 10, "svc: the driver supervisor (proto/svc.h)") \
    X(PROTO_ID_RTC, 11, "rtc: the wall-clock time (drivers/rtc)")

enum proto_id {
#define PROTO_ID_ENUM(name, num, doc) name = num,
    PROTO_ID_LIST(PROTO_ID_ENUM)
#undef PROTO_ID_ENUM
};

/* Below the kernel's fault labels (0xFFFF....): a protocol id is at most 0x7FFF. */
#define PROTO_LABEL(id, num)     ((uint32_t)(((uint32_t)(id) << 16) | ((uint32_t)(num) & 0xFFFFu)))
#define PROTO_LABEL_ID(label)    ((uint32_t)(label) >> 16)
#define PROTO_MAX_BYTES          (IPC_MAX_WORDS * 8)

/* A reply's label for a status (0 or a negated enum agora_error) and back. */
#define PROTO_STATUS_LABEL(status) ((uint32_t)(int32_t)(status))
#define PROTO_LABEL_STATUS(label)  ((long)(int32_t)(uint32_t)(label))

/*
 * A bounded string field: len bytes of text, then a NUL, in a buffer of cap bytes (a
 * multiple of 8). Valid when 0 < len < cap, bytes[len] == 0 and no NUL comes before it;
 * proto_str_check (libagora/proto.h) says which rule failed. Bytes after the NUL are
 * ignored by receivers and zeroed by proto_str_set.
 */
#define PROTO_STR(cap)                                                   \
    struct {                                                             \
        uint64_t len;                                                    \
        char bytes[cap];                                                 \
    }

/* Marks the fields of a retired message; its number and label stay reserved. */
#define PROTO_OBSOLETE(F) F(uint64_t, obsolete)

/* ---- derivations ---- */

#define PROTO_UNPAREN(...) __VA_ARGS__
#define PROTO_FIELD_DECL(type, name) type name;

#define PROTO_STRUCT_PAIR_(label, prefix, num, req_fields, rep_fields)                     \
    struct prefix##_req { PROTO_UNPAREN req_fields };                                      \
    struct prefix##_rep { PROTO_UNPAREN rep_fields };                                             \
    _Static_assert(sizeof(struct prefix##_req) % 8 == 0, #prefix "_req: whole words");     \
    _Static_assert(sizeof(struct prefix##_req) <= PROTO_MAX_BYTES, #prefix "_req fits a message"); \
    _Static_assert(sizeof(struct prefix##_rep) % 8 == 0, #prefix "_rep: whole words");     \
    _Static_assert(sizeof(struct prefix##_rep) <= PROTO_MAX_BYTES, #prefix "_rep fits a message"); \
    _Static_assert(_Alignof(struct prefix##_req) <= 8 && _Alignof(struct prefix##_rep) <= 8, \
                   #prefix ": fields at most 8-byte aligned");
#define PROTO_STRUCTS(list) list(PROTO_STRUCT_PAIR_, PROTO_FIELD_DECL)

/*
 * The server side. A handler gets the server's context, the request (already checked for
 * label and size) and a zeroed reply; it returns 0 (the reply is sent) or a negated
 * error (only the status is sent).
 */
#define PROTO_HANDLER_FIELD_(label, prefix, num, req_fields, rep_fields) \
    long (*prefix)(void *ctx, const struct prefix##_req *rq, struct prefix##_rep *rp);
#define PROTO_HANDLERS(list, name) struct name { list(PROTO_HANDLER_FIELD_, PROTO_FIELD_DECL) }

#define PROTO_DISPATCH_CASE_(label, prefix, num, req_fields, rep_fields)                               \
    case label:                                                                          \
        if (!h->prefix)                                                                  \
            return -E_NOSYS;                                                             \
        if (req_bytes != sizeof(struct prefix##_req))                                    \
            return -E_RANGE;                                                             \
        *rep_bytes = sizeof(struct prefix##_rep);                                        \
        return h->prefix(ctx, (const struct prefix##_req *)req, (struct prefix##_rep *)rep);
/*
 * static long fn(const struct handlers *h, void *ctx, uint32_t label, const void *req,
 *                size_t req_bytes, void *rep, size_t *rep_bytes)
 * req is the unpacked request (req_bytes long, 8-byte aligned), rep a zeroed buffer of
 * PROTO_MAX_BYTES; on success *rep_bytes is the reply's size. Unknown labels: -E_NOSYS;
 * a request of the wrong size: -E_RANGE.
 */
#define PROTO_DISPATCH(list, handlers, fn)                                               \
    static inline long fn(const struct handlers *h, void *ctx, uint32_t label, const void *req, \
                          uint64_t req_bytes, void *rep, uint64_t *rep_bytes)            \
    {                                                                                    \
        *rep_bytes = 0;                                                                  \
        switch (label) {                                                                 \
            list(PROTO_DISPATCH_CASE_, PROTO_FIELD_DECL)                                 \
        default:                                                                         \
            return -E_NOSYS;                                                             \
        }                                                                                \
    }

#endif
