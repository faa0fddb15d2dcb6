/* virtio-blk requests: header, data segments and status byte as one descriptor chain per slot; completions from the used ring. */
#include "vblk.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

#define PAGE_SIZE 4096

#define VIRTIO_BLK_T_IN    0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK    0
#define STATUS_PENDING     0xFF      /* what a status byte holds until the device writes it */
#define STATUS_AREA        2048      /* status bytes follow the headers in the fourth page */

struct vblk_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

long vblk_queue_setup(struct vblk *b, uint64_t dma)
{
    uint8_t *base = (uint8_t *)VBLK_QUEUE_VADDR;
    long mem = agora_slot_alloc(), r;
    uint16_t size;

    if (mem < 0)
        return mem;
    if ((r = virtio_pci_queue_size(&b->pci, 0, VQ_MAX_SIZE, &size)) < 0)
        return r;
    if (size < VBLK_CHAIN)
        return -E_RANGE;             /* not one request would fit */
    if ((r = sys_memory_create(CAP_CHILD_POOL, VBLK_QUEUE_PAGES, (uint64_t)mem)) < 0 ||
        (r = sys_map(CAP_SELF_TASK, (uint64_t)mem, 0, VBLK_QUEUE_VADDR, VBLK_QUEUE_PAGES,
                     RIGHT_READ | RIGHT_WRITE)) < 0)
        return r;
    for (unsigned p = 0; p < VBLK_QUEUE_PAGES; p++) {
        long phys = sys_memory_phys(dma, (uint64_t)mem, p);

        if (phys < 0)
            return phys;
        b->page_phys[p] = (uint64_t)phys;
    }
    vq_init(&b->vq, size, base, base + PAGE_SIZE, base + 2 * PAGE_SIZE);
    b->nslots = size / VBLK_CHAIN < VBLK_MAX_SLOTS ? size / VBLK_CHAIN : VBLK_MAX_SLOTS;
    virtio_pci_queue_start(&b->pci, 0, size, b->page_phys[0], b->page_phys[1], b->page_phys[2]);
    return 0;
}

static long free_slot(struct vblk *b)
{
    for (unsigned s = 0; s < b->nslots; s++)
        if (!b->slot_req[s])
            return s;
    return -E_AGAIN;
}

static struct vblk_header *header_of(unsigned slot)
{
    return (struct vblk_header *)(VBLK_QUEUE_VADDR + 3 * PAGE_SIZE) + slot;
}

static volatile uint8_t *status_of(unsigned slot)
{
    return (volatile uint8_t *)(VBLK_QUEUE_VADDR + 3 * PAGE_SIZE + STATUS_AREA + slot);
}

/* Builds and publishes the chain of one request of type with nsegs data segments. */
static void start(struct vblk *b, unsigned slot, struct blkdriver_req *req, uint32_t type, uint64_t sector,
                  const struct blkdriver_segment *segs, unsigned nsegs, bool device_writes)
{
    uint16_t head = (uint16_t)(slot * VBLK_CHAIN), d = head;
    uint64_t hdr_phys = b->page_phys[3] + slot * sizeof(struct vblk_header);

    *header_of(slot) = (struct vblk_header){ type, 0, sector };
    *status_of(slot) = STATUS_PENDING;
    vq_set_desc(&b->vq, d, hdr_phys, sizeof(struct vblk_header), VQ_DESC_F_NEXT, (uint16_t)(d + 1));
    d++;
    for (unsigned i = 0; i < nsegs; i++, d++)
        vq_set_desc(&b->vq, d, segs[i].phys, (uint32_t)segs[i].bytes,
                    VQ_DESC_F_NEXT | (device_writes ? VQ_DESC_F_WRITE : 0), (uint16_t)(d + 1));
    vq_set_desc(&b->vq, d, b->page_phys[3] + STATUS_AREA + slot, 1, VQ_DESC_F_WRITE, 0);
    b->slot_req[slot] = req;
    vq_publish(&b->vq, head);
    virtio_pci_notify(&b->pci, 0);
}

static long transfer(struct vblk *b, struct blkdriver_req *req, bool write)
{
    struct blkdriver_segment segs[VBLK_MAX_SEGS];
    long slot = free_slot(b), n;

    if (slot < 0)
        return slot;
    if ((n = blkdriver_segments(b->dev, req, segs, VBLK_MAX_SEGS)) < 0)
        return n;
    start(b, (unsigned)slot, req, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, req->sector, segs, (unsigned)n,
          !write);
    return 0;
}

long vblk_read(void *ctx, struct blkdriver_req *req)
{
    return transfer(ctx, req, false);
}

long vblk_write(void *ctx, struct blkdriver_req *req)
{
    return transfer(ctx, req, true);
}

long vblk_flush(void *ctx, struct blkdriver_req *req)
{
    struct vblk *b = ctx;
    long slot;

    if (!(b->features & (1ull << VIRTIO_BLK_F_FLUSH))) {
        blkdriver_complete(b->dev, req, 0);     /* no volatile cache: writes are already stable */
        return 0;
    }
    if ((slot = free_slot(b)) < 0)
        return slot;
    start(b, (unsigned)slot, req, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
    return 0;
}

void vblk_interrupt(void *ctx)
{
    struct vblk *b = ctx;
    uint16_t head;
    uint32_t len;
    bool any = false;

    /* Reading the ISR deasserts the line; the used ring says what finished. */
    if (virtio_pci_isr(&b->pci))
        b->interrupts++;
    while (vq_take_used(&b->vq, &head, &len)) {
        unsigned slot = head / VBLK_CHAIN;
        struct blkdriver_req *req;

        any = true;
        if (head % VBLK_CHAIN || slot >= b->nslots || !(req = b->slot_req[slot]))
            continue;                /* not a chain of ours: the device is confused; ignore */
        b->slot_req[slot] = 0;
        blkdriver_complete(b->dev, req, *status_of(slot) == VIRTIO_BLK_S_OK ? 0 : -E_IO);
    }
    if (!any)
        b->spurious++;
}
