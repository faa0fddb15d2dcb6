/* The split virtqueue's driver side: fill descriptors, publish chains, take used ones. */
#include "virtqueue.h"

#include <libagora/string.h>

#define PAGE_SIZE 4096

void vq_init(struct vq *q, uint16_t size, void *desc, void *avail, void *used)
{
    memset(desc, 0, PAGE_SIZE);
    memset(avail, 0, PAGE_SIZE);
    memset(used, 0, PAGE_SIZE);
    q->size = size;
    q->desc = desc;
    q->avail = avail;
    q->used = used;
    q->avail_idx = 0;
    q->last_used = 0;
}

void vq_set_desc(struct vq *q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    q->desc[i].addr = addr;
    q->desc[i].len = len;
    q->desc[i].flags = flags;
    q->desc[i].next = next;
}

void vq_publish(struct vq *q, uint16_t head)
{
    q->avail->ring[vq_ring_slot(q->avail_idx, q->size)] = head;
    /* The device must see the descriptors and the ring entry before the new index. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    q->avail_idx++;
    q->avail->idx = q->avail_idx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool vq_take_used(struct vq *q, uint16_t *head, uint32_t *len)
{
    uint16_t slot;

    if (vq_between(q->used->idx, q->last_used) == 0)
        return false;
    /* The entry is read only after the index that covers it. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    slot = vq_ring_slot(q->last_used, q->size);
    *head = (uint16_t)q->used->ring[slot].id;
    *len = q->used->ring[slot].len;
    q->last_used++;
    return true;
}
