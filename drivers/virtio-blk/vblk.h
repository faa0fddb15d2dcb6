/* virtio-blk requests on one virtqueue: building descriptor chains, answering completions. */
#ifndef VIRTIO_BLK_VBLK_H
#define VIRTIO_BLK_VBLK_H

#include <stdint.h>

#include <libagora/blkdriver.h>

#include "transport.h"
#include "virtqueue.h"

#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

/* Per request: 64 KiB, at most 17 pages when the offset is not page aligned. */
#define VBLK_MAX_SECTORS 128
#define VBLK_MAX_SEGS    17
#define VBLK_CHAIN       (2 + VBLK_MAX_SEGS)  /* header, data, status: the descriptors a slot owns */
#define VBLK_MAX_SLOTS   BLKDRIVER_MAX_REQUESTS
/* The queue's four pages: descriptor table, available ring, used ring, headers and status bytes. */
#define VBLK_QUEUE_VADDR 0x0000000031000000ull
#define VBLK_QUEUE_PAGES 4

struct vblk {
    struct virtio_pci pci;
    struct vq vq;
    struct blkdriver *dev;
    uint64_t features;
    unsigned nslots;                 /* requests in flight at most: queue size / VBLK_CHAIN */
    uint64_t page_phys[VBLK_QUEUE_PAGES];
    struct blkdriver_req *slot_req[VBLK_MAX_SLOTS];   /* what each slot carries; NULL: free */
    uint64_t interrupts, spurious;
};

/* Queue 0 on fresh memory (dma: the DMA right); 0 or a negated error. The device is not yet live. */
long vblk_queue_setup(struct vblk *b, uint64_t dma);

/* The blkdriver callbacks; ctx is the struct vblk. */
long vblk_read(void *ctx, struct blkdriver_req *req);
long vblk_write(void *ctx, struct blkdriver_req *req);
long vblk_flush(void *ctx, struct blkdriver_req *req);
void vblk_interrupt(void *ctx);

#endif
