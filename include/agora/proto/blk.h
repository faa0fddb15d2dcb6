/* The block-device protocol: sectors in and out of a driver (drivers/virtio-blk, ...) through a shared buffer. */
#ifndef AGORA_PROTO_BLK_H
#define AGORA_PROTO_BLK_H

#include <stdint.h>

#include <agora/proto/proto.h>

/* INFO flags. */
#define BLK_READ_ONLY 0x1u

/* The largest buffer a client may attach (pages), and what the driver maps of it. */
#define BLK_BUFFER_MAX_PAGES 256

/*
 * The messages (proto.h explains the list and the wire format). A driver registers under its
 * own name ("virtio-blk"). The caller's badge (from names) is its identity: each client
 * attaches one buffer, and its READ and WRITE move sectors between the disk and that buffer
 * (the driver's device reads and writes the client's pages directly, by DMA: no copy).
 *
 * INFO() -> sector_size (bytes, 512 for virtio-blk), sectors (the disk's size), flags
 *   (BLK_READ_ONLY), max_sectors (per READ or WRITE), max_requests (how many the driver
 *   keeps in flight at once, over all clients; more wait their turn in the driver).
 * ATTACH(): with two capabilities, [0] a memory object of 1 to BLK_BUFFER_MAX_PAGES pages
 *   with read and write rights (the data buffer), [1] the caller's own task (any rights; the
 *   driver watches it and forgets the client when it dies) -> pages. Attaching again
 *   replaces the buffer. Errors: -E_RANGE not two capabilities, or too many pages; -E_TYPE
 *   a capability of the wrong type; -E_PERM the memory lacks read or write; -E_BUSY
 *   requests of the caller are in flight; -E_NOMEM no room for another client.
 * READ(sector, count, offset), WRITE(sector, count, offset): sectors [sector, sector +
 *   count) to / from the caller's buffer at byte offset. The reply comes when the device has
 *   finished (the driver saves it and serves others meanwhile: several threads of a client
 *   may have requests in flight, each waiting in its own call). Errors: -E_STATE no buffer
 *   attached; -E_INVAL count 0; -E_RANGE count > max_sectors, a sector range past the end
 *   of the disk, or bytes past the end of the buffer; -E_ALIGN offset not a multiple of
 *   sector_size; -E_PERM WRITE to a read-only disk; -E_IO the device reported an error;
 *   -E_BUSY the driver holds too many waiting requests already (BLKDRIVER_MAX_REQUESTS).
 * FLUSH() -> once everything written before it (completed WRITEs) is on stable storage.
 *   Errors: -E_IO; -E_BUSY as above.
 * DETACH(): forgets the caller's buffer (-E_STATE none; -E_BUSY requests in flight).
 * Any request carrying capabilities it does not take: -E_RANGE.
 *
 * When the driver dies, every call waiting on it returns -E_DEAD at once. Requests are
 * idempotent (READ and WRITE name absolute sectors; FLUSH can be repeated), so a client
 * recovers by looking the name up again once the driver is back (a later issue's
 * supervisor restarts it), attaching its buffer again and repeating every request that
 * did not succeed: a WRITE answered -E_DEAD may or may not have reached the disk, and
 * writing it again is harmless. A client must not assume the order in which concurrent
 * requests reach the disk: two in-flight WRITEs to the same sectors leave either.
 */
#define BLK_MSG_LIST(X, F)                                                                        \
    X(BLK_INFO,   blk_info,   1, (),                                                              \
      (F(uint64_t, sector_size) F(uint64_t, sectors) F(uint64_t, flags) F(uint64_t, max_sectors)  \
       F(uint64_t, max_requests)))                                                                \
    X(BLK_ATTACH, blk_attach, 2, (), (F(uint64_t, pages)))                                        \
    X(BLK_READ,   blk_read,   3, (F(uint64_t, sector) F(uint64_t, count) F(uint64_t, offset)), ()) \
    X(BLK_WRITE,  blk_write,  4, (F(uint64_t, sector) F(uint64_t, count) F(uint64_t, offset)), ()) \
    X(BLK_FLUSH,  blk_flush,  5, (), ())                                                          \
    X(BLK_DETACH, blk_detach, 6, (), ())

enum blk_msg {
#define BLK_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_BLK, num),
    BLK_MSG_LIST(BLK_MSG_ENUM, PROTO_FIELD_DECL)
#undef BLK_MSG_ENUM
};

PROTO_STRUCTS(BLK_MSG_LIST)
/* struct blk_handlers { blk_info, blk_attach, ... } and blk_dispatch(). */
PROTO_HANDLERS(BLK_MSG_LIST, blk_handlers);
PROTO_DISPATCH(BLK_MSG_LIST, blk_handlers, blk_dispatch)

/* ATTACH carries two capabilities: the buffer, the caller's task. */
#define BLK_ATTACH_CAPS 2

#endif
