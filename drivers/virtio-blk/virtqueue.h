/* A virtio 1.0 split virtqueue: descriptor table, available ring, used ring (pure: tests/unit/test_virtio.c). */
#ifndef VIRTIO_BLK_VIRTQUEUE_H
#define VIRTIO_BLK_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#define VQ_DESC_F_NEXT  1u
#define VQ_DESC_F_WRITE 2u           /* the device writes this buffer */
/* The largest queue whose descriptor table fits one page (16 bytes a descriptor). */
#define VQ_MAX_SIZE     256u

struct vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct vq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];
};

struct vq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct vq_used {
    uint16_t flags;
    uint16_t idx;
    struct vq_used_elem ring[];
};

/*
 * The driver's side. Each part lives in its own page (virtio 1.0 addresses them
 * separately, so no physically contiguous memory is needed): for size <= VQ_MAX_SIZE the
 * table is at most 4096 bytes, the available ring 4 + 2 * 256, the used ring 4 + 8 * 256.
 */
struct vq {
    uint16_t size;                   /* a power of two, 1 to VQ_MAX_SIZE */
    volatile struct vq_desc *desc;
    volatile struct vq_avail *avail;
    volatile struct vq_used *used;
    uint16_t avail_idx;              /* the next avail->idx we publish (free-running) */
    uint16_t last_used;              /* the used->idx we have consumed up to (free-running) */
};

/* Free-running 16-bit indexes: the ring slot of one, and how many entries lie between two. */
static inline uint16_t vq_ring_slot(uint16_t idx, uint16_t size) { return (uint16_t)(idx & (size - 1)); }
static inline uint16_t vq_between(uint16_t newer, uint16_t older) { return (uint16_t)(newer - older); }

/* Zeroes the three parts (given as separate pages) and starts both indexes at 0. */
void vq_init(struct vq *q, uint16_t size, void *desc, void *avail, void *used);
/* Fills descriptor i (linked to next when flags has VQ_DESC_F_NEXT). */
void vq_set_desc(struct vq *q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
/* Makes the chain starting at head available to the device (the caller notifies it). */
void vq_publish(struct vq *q, uint16_t head);
/* The next chain the device finished: true and its head and written length, or false. */
bool vq_take_used(struct vq *q, uint16_t *head, uint32_t *len);

#endif
