/* The block-driver library: owns the protocol of include/agora/proto/blk.h so that a driver only drives its device. */
#ifndef LIBAGORA_BLKDRIVER_H
#define LIBAGORA_BLKDRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <agora/proto/blk.h>

/*
 * A driver (drivers/virtio-blk is the example) fills in blkdriver_ops and calls:
 *
 *   blkdriver_init(&dev, "virtio-blk", &info, &ops, ctx, dma)   an endpoint for the device
 *   blkdriver_irq(&dev, irq_cap)                                the IRQ: notification and forwarder
 *   blkdriver_serve(&dev)                                       registers the name, then the loop
 *
 * The library receives every request, checks it completely (blkdriver_check, pure), keeps
 * each client's attached buffer (mapped at BLKDRIVER_BUFFER_AREA, and its pages' physical
 * addresses when the driver has the DMA right), saves the reply of every READ, WRITE and
 * FLUSH (SYS_REPLY_SAVE) and hands the request to the driver's callback. The device works
 * asynchronously: the driver calls blkdriver_complete(d, req, status) when it answers
 * (normally from its interrupt callback), and the library replies to the client. A callback
 * that returns -E_AGAIN (the device's queue is full) leaves the request with the library,
 * which offers it again, in arrival order, after the next completion. The driver never sees
 * a message; the library never touches a device register.
 *
 * Interrupts arrive as in libagora/chardriver.h: a forwarder thread waits on the IRQ's
 * notification and calls the driver's own endpoint (badge BLKDRIVER_IRQ_BADGE); the loop
 * runs ops->interrupt, acknowledges the IRQ, runs ops->interrupt again, then offers waiting
 * requests to the device. Everything the callbacks see runs on the loop's thread.
 */

#define BLKDRIVER_MAX_REQUESTS 32        /* saved replies at once, over all clients */
#define BLKDRIVER_MAX_CLIENTS  8
#define BLKDRIVER_IRQ_BADGE    (1ull << 48)
#define BLKDRIVER_IRQ_LABEL    PROTO_LABEL(PROTO_ID_BLK, 0)
/* The forwarder's IPC buffer and stack; client buffers, BLK_BUFFER_MAX_PAGES pages apart. */
#define BLKDRIVER_THREAD_AREA        0x0000000020000000ull
#define BLKDRIVER_THREAD_STACK_PAGES 2
#define BLKDRIVER_BUFFER_AREA        0x0000000040000000ull

enum blkdriver_op { BLKDRIVER_READ = 1, BLKDRIVER_WRITE, BLKDRIVER_FLUSH };

struct blkdriver_client {
    bool used;
    uint64_t badge;
    uint64_t memory, task, watch;        /* capabilities: the buffer, the client, its death */
    uint64_t pages;
    uint8_t *data;                       /* the buffer mapped here */
    uint64_t phys[BLK_BUFFER_MAX_PAGES]; /* each page's physical address (with the DMA right) */
    unsigned inflight;                   /* its requests the library holds */
};

struct blkdriver_req {
    enum blkdriver_op op;
    uint64_t sector, count;              /* READ, WRITE */
    uint64_t offset;                     /* bytes into the client's buffer */
    struct blkdriver_client *client;
    void *driver_data;                   /* free for the driver */
    /* The library's. */
    bool used, waiting;                  /* waiting: not yet taken by the device */
    uint64_t reply;                      /* the saved reply capability */
};

/* A physically contiguous piece of a request's bytes. */
struct blkdriver_segment {
    uint64_t phys;
    uint64_t bytes;
};

struct blkdriver_info {
    uint64_t sector_size, sectors, flags, max_sectors, max_requests;
};

/*
 * Callbacks, all on the loop's thread; ctx is what blkdriver_init was given. read, write
 * and flush return 0 (taken: blkdriver_complete follows, perhaps before they return),
 * -E_AGAIN (the device is full: offered again later), or another error (answered now).
 * flush may be NULL (a write-through device: FLUSH succeeds at once).
 */
struct blkdriver_ops {
    long (*read)(void *ctx, struct blkdriver_req *req);
    long (*write)(void *ctx, struct blkdriver_req *req);
    long (*flush)(void *ctx, struct blkdriver_req *req);
    void (*interrupt)(void *ctx);
};

struct blkdriver {
    const char *name;
    const struct blkdriver_ops *ops;
    void *ctx;
    struct blkdriver_info info;
    uint64_t dma;                        /* the machine with RIGHT_READ; 0: no DMA right */
    uint64_t ep, irq, notification, irq_ep;
    struct blkdriver_client clients[BLKDRIVER_MAX_CLIENTS];
    struct blkdriver_req reqs[BLKDRIVER_MAX_REQUESTS];
    unsigned order[BLKDRIVER_MAX_REQUESTS]; /* waiting requests, oldest first (indexes into reqs) */
    unsigned nwaiting, inflight, peak;
    uint64_t completed, errors, interrupts;
};

/* Creates the endpoint (from CAP_CHILD_POOL); 0 or a negated error. agora_slots_init first. */
long blkdriver_init(struct blkdriver *d, const char *name, const struct blkdriver_info *info,
                    const struct blkdriver_ops *ops, void *ctx, uint64_t dma);
/* Binds irq (an OBJ_IRQ capability) to a new notification and starts the forwarder. */
long blkdriver_irq(struct blkdriver *d, uint64_t irq);
/* The device finished req: status 0 or a negated error (-E_IO) goes to the client. */
void blkdriver_complete(struct blkdriver *d, struct blkdriver_req *req, long status);
/* The request's bytes in the driver's mapping of the client buffer. */
void *blkdriver_data(const struct blkdriver *d, const struct blkdriver_req *req);
/*
 * The request's bytes as physical segments (adjacent pages merged), at most max: the count,
 * -E_NOSYS without the DMA right, -E_RANGE when more than max are needed.
 */
long blkdriver_segments(const struct blkdriver *d, const struct blkdriver_req *req,
                        struct blkdriver_segment *segs, unsigned max);
/* Registers the name with names, then serves; returns only on a fatal error. */
long blkdriver_serve(struct blkdriver *d);

/*
 * Pure checks (tests/unit/test_blk.c). A READ or WRITE of count sectors at sector into a
 * buffer of buffer_pages (0: none attached) at offset: 0 or the error the protocol names.
 */
long blkdriver_check(const struct blkdriver_info *info, bool write, uint64_t sector, uint64_t count,
                     uint64_t offset, uint64_t buffer_pages);
/* Segments of [offset, offset + bytes) over pages with physical addresses phys[]. */
long blkdriver_split(const uint64_t *phys, uint64_t offset, uint64_t bytes,
                     struct blkdriver_segment *segs, unsigned max);

#endif
