/* virtio-blk: claims a virtio block device from pci and serves it as "virtio-blk" (include/agora/proto/blk.h). */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/pci.h>
#include <libagora/blkdriver.h>
#include <libagora/names.h>
#include <libagora/pci.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/sys.h>

#include "vblk.h"

#define VBLK_NAME        "virtio-blk"
#define VIRTIO_VENDOR    0x1AF4
#define VIRTIO_BLK_TRANSITIONAL 0x1001
#define VIRTIO_BLK_MODERN       0x1042
#define DEVICE_CFG_CAPACITY     0    /* le64, in 512-byte sectors */
#define LOOKUP_TRIES     200         /* pci may register after we start: 10 ms apart */

static struct blkdriver dev;
static struct vblk blk = { .dev = &dev };

static const struct blkdriver_ops ops = {
    .read = vblk_read,
    .write = vblk_write,
    .flush = vblk_flush,
    .interrupt = vblk_interrupt,
};

static long lookup_pci(uint64_t *ep)
{
    long r = -E_NOCAP;

    for (unsigned i = 0; i < LOOKUP_TRIES && r == -E_NOCAP; i++)
        if ((r = names_lookup("pci", ep)) == -E_NOCAP)
            sys_sleep(10000);
    return r;
}

/* The first virtio block device, transitional or modern: its info, or -E_NOENT. */
static long find_device(uint64_t pci, struct pci_device_info *info)
{
    static const uint64_t ids[] = { VIRTIO_BLK_TRANSITIONAL, VIRTIO_BLK_MODERN };
    struct pci_find_rep rp;
    long r = -E_NOENT;

    for (unsigned i = 0; i < 2 && r == -E_NOENT; i++) {
        struct pci_find_req rq = { VIRTIO_VENDOR, ids[i], 0, 0, 0 };

        if ((r = pci_find_call(pci, &rq, &rp, 0)) == 0)
            *info = rp.info;
    }
    return r;
}

static long claim(uint64_t pci, uint64_t index)
{
    struct pci_claim_req rq = { index };
    struct pci_claim_rep rp;
    struct proto_caps caps = { .nsend = 1, .send = { CAP_SELF_TASK }, .send_rights = { RIGHT_COPY } };

    return pci_claim_call(pci, &rq, &rp, &caps);
}

/* A capability from BAR-less requests (IRQ, DMA) in a new slot. */
static long device_cap(uint64_t pci, uint32_t label, uint64_t index, uint64_t *slot)
{
    struct pci_irq_req rq = { index };
    struct proto_caps caps = { .nrecv = 1 };
    long s = agora_slot_alloc(), r;

    if (s < 0)
        return s;
    caps.recv[0] = (uint64_t)s;
    r = proto_call(pci, label, &rq, sizeof(rq), 0, 0, &caps);
    if (r == 0 && caps.received != 1)
        r = -E_NOCAP;
    if (r < 0) {
        agora_slot_free((uint64_t)s);
        return r;
    }
    *slot = (uint64_t)s;
    return 0;
}

static int fail(const char *what, long err)
{
    agora_printf("virtio-blk: %s: %s: exiting\n", what, agora_error_name(err));
    return 1;
}

int main(uint64_t arg)
{
    struct pci_device_info info = { 0 };
    struct blkdriver_info binfo;
    uint64_t pci, dma, irq;
    long r;

    (void)arg;
    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    if ((r = lookup_pci(&pci)) < 0)
        return fail("no pci service", r);
    if ((r = find_device(pci, &info)) < 0)
        return fail("no virtio block device", r);
    if ((r = claim(pci, info.index)) < 0)
        return fail("cannot claim the device", r);
    if ((r = device_cap(pci, PCI_DMA, info.index, &dma)) < 0)
        return fail("no DMA right", r);
    if ((r = device_cap(pci, PCI_IRQ, info.index, &irq)) < 0)
        return fail("no IRQ", r);
    if ((r = virtio_pci_open(&blk.pci, pci, info.index)) < 0)
        return fail("no virtio 1.0 structures", r);
    if ((r = virtio_pci_negotiate(&blk.pci, 1ull << VIRTIO_BLK_F_RO | 1ull << VIRTIO_BLK_F_FLUSH, &blk.features)) < 0)
        return fail("feature negotiation", r);
    if ((r = vblk_queue_setup(&blk, dma)) < 0)
        return fail("queue setup", r);
    binfo = (struct blkdriver_info){
        .sector_size = 512,
        .sectors = *(volatile uint32_t *)(blk.pci.device + DEVICE_CFG_CAPACITY) |
                   (uint64_t)*(volatile uint32_t *)(blk.pci.device + DEVICE_CFG_CAPACITY + 4) << 32,
        .flags = (blk.features & (1ull << VIRTIO_BLK_F_RO)) ? BLK_READ_ONLY : 0,
        .max_sectors = VBLK_MAX_SECTORS,
        .max_requests = blk.nslots,
    };
    if ((r = blkdriver_init(&dev, VBLK_NAME, &binfo, &ops, &blk, dma)) < 0)
        return fail("no endpoint", r);
    if ((r = blkdriver_irq(&dev, irq)) < 0)
        return fail("cannot bind the IRQ", r);
    virtio_pci_set_status(&blk.pci, VIRTIO_STATUS_DRIVER_OK);
    agora_printf("virtio-blk: %04lx:%04lx, %lu sectors%s, queue of %u (%u requests in flight), IRQ %lu%s\n",
                 (unsigned long)info.vendor, (unsigned long)info.device, (unsigned long)binfo.sectors,
                 binfo.flags & BLK_READ_ONLY ? " read-only" : "", blk.vq.size, blk.nslots,
                 (unsigned long)info.irq_line, blk.features & (1ull << VIRTIO_BLK_F_FLUSH) ? ", flush" : "");
    return fail("serving", blkdriver_serve(&dev));
}
