/* A block device's client (include/agora/proto/blk.h): the stubs, and a small connection that survives a driver's restart. */
#ifndef LIBAGORA_BLKDEV_H
#define LIBAGORA_BLKDEV_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/blk.h>
#include <libagora/proto.h>

/* blk_info_call(ep, &req, &rep, &caps), blk_read_call, ...: one per message. */
PROTO_STUBS(BLK_MSG_LIST)

/*
 * A connection: the driver's name, its endpoint, what INFO said, and the buffer (a memory
 * object of pages, mapped at data) attached to it.
 *
 *   blkdev_open(&d, "virtio-blk", pages, vaddr)   lookup, INFO, a new buffer, ATTACH
 *   blkdev_read(&d, sector, count, offset)        sectors into d.data + offset; blocks
 *   blkdev_write(&d, sector, count, offset)       from d.data + offset
 *   blkdev_flush(&d)
 *
 * blkdev_read, blkdev_write and blkdev_flush are register-only calls that never touch the
 * IPC buffer: several threads of a program may call them at once (each waits in its own
 * call, so the driver has several requests in flight). When the driver died (-E_DEAD) they
 * return -E_DEAD; blkdev_reconnect then looks the name up again and attaches the same
 * buffer (call it from one thread), after which the failed requests may simply be repeated
 * (they are idempotent). blkdev_retryable(r) says which results call for that: -E_DEAD,
 * -E_NOCAP (after a failed reconnect) and a garbage status (proto/svc.h: a faulty driver).
 * blkdev_reconnect waits for the supervisor's restart: it asks names again every
 * BLKDEV_WAIT_STEP_US, for up to BLKDEV_WAIT_US, and retries a new driver that dies too.
 */
#define BLKDEV_WAIT_US      30000000
#define BLKDEV_WAIT_STEP_US 2000
struct blkdev {
    const char *name;
    uint64_t ep;                     /* send capability to the driver; 0 after a failed reconnect */
    struct blk_info_rep info;
    uint64_t memory;                 /* the buffer */
    uint64_t pages;
    uint8_t *data;
};

long blkdev_open(struct blkdev *d, const char *name, uint64_t pages, uint64_t vaddr);
long blkdev_reconnect(struct blkdev *d);
bool blkdev_retryable(long r);
long blkdev_read(const struct blkdev *d, uint64_t sector, uint64_t count, uint64_t offset);
long blkdev_write(const struct blkdev *d, uint64_t sector, uint64_t count, uint64_t offset);
long blkdev_flush(const struct blkdev *d);

#endif
