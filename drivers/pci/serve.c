/* pci's handlers: FIND, CLAIM (with death noticed lazily), and the claimant's BAR, IRQ, DMA and config requests. */
#include "serve.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "bar.h"
#include "cfg.h"

#define PAGE_SIZE 4096

/* Config registers a claimant may not write: the BARs and the expansion ROM base. */
#define CFG_BARS_FIRST 0x10u
#define CFG_BARS_END   0x28u
#define CFG_ROM_FIRST  0x30u
#define CFG_ROM_END    0x34u

static void drop_slot(uint64_t slot)
{
    sys_cap_delete(slot);
    agora_slot_free(slot);
}

/* ---- claims ---- */

static void claim_end(struct pci_dev *d)
{
    sys_task_unwatch(d->task, d->watch);
    drop_slot(d->task);
    drop_slot(d->watch);
    d->holder = d->task = d->watch = 0;
    d->info.claimed = 0;
}

/* Whether the device is held by a live task; a dead holder is forgotten here. */
static bool held(struct pci_dev *d)
{
    if (!d->task)
        return false;                /* the holder's badge may be 0: the task says "claimed" */
    if (sys_poll(d->watch) == -E_AGAIN)
        return true;
    agora_printf("pci: %02lx:%02lx.%lx: its driver died, free again\n", (unsigned long)(d->info.address >> 8),
                 (unsigned long)(d->info.address >> 3 & 31), (unsigned long)(d->info.address & 7));
    claim_end(d);
    return false;
}

static struct pci_dev *device(struct pci_request *req, uint64_t index)
{
    return index < req->bus->count ? &req->bus->devs[index] : 0;
}

/* The device index names if the caller holds it: 0 and *out, or an error. */
static long mine(struct pci_request *req, uint64_t index, struct pci_dev **out)
{
    struct pci_dev *d;

    if (req->ncaps != 0)
        return -E_RANGE;
    if (!(d = device(req, index)))
        return -E_NOENT;
    if (!held(d) || d->holder != req->badge)
        return -E_PERM;
    *out = d;
    return 0;
}

static bool matches(const struct pci_device_info *i, const struct pci_find_req *rq)
{
    return (rq->vendor == PCI_ANY_ID || rq->vendor == i->vendor) &&
           (rq->device == PCI_ANY_ID || rq->device == i->device) &&
           ((i->class_code ^ rq->class_code) & rq->class_mask) == 0;
}

static long do_find(void *ctx, const struct pci_find_req *rq, struct pci_find_rep *rp)
{
    struct pci_request *req = ctx;

    if (req->ncaps != 0)
        return -E_RANGE;
    for (uint64_t i = rq->start; i < req->bus->count; i++) {
        struct pci_dev *d = &req->bus->devs[i];

        if (matches(&d->info, rq)) {
            held(d);                 /* refreshes claimed */
            rp->info = d->info;
            return 0;
        }
    }
    return -E_NOENT;
}

static long watch_task(uint64_t task, uint64_t *watch)
{
    long slot = agora_slot_alloc(), r;

    if (slot < 0)
        return -E_NOMEM;
    if ((r = sys_notify_create(CAP_CHILD_POOL, (uint64_t)slot)) < 0) {
        agora_slot_free((uint64_t)slot);
        return r;
    }
    if ((r = sys_task_watch(task, (uint64_t)slot)) < 0) {
        drop_slot((uint64_t)slot);
        return r;
    }
    *watch = (uint64_t)slot;
    return 0;
}

static long do_claim(void *ctx, const struct pci_claim_req *rq, struct pci_claim_rep *rp)
{
    struct pci_request *req = ctx;
    struct pci_dev *d;
    long info, r;

    if (req->ncaps != PCI_CLAIM_CAPS)
        return -E_RANGE;
    if (!(d = device(req, rq->index)))
        return -E_NOENT;
    if ((info = sys_cap_info(req->recv_slot)) < 0)
        return info;
    if (AGORA_CAP_INFO_TYPE(info) != OBJ_TASK)
        return -E_TYPE;
    if (held(d))
        return -E_BUSY;
    if ((r = watch_task(req->recv_slot, &d->watch)) < 0)
        return r;
    d->task = req->recv_slot;
    d->holder = req->badge;
    d->info.claimed = 1;
    req->keep = true;
    rp->info = d->info;
    agora_printf("pci: %04lx:%04lx at %02lx:%02lx.%lx claimed\n", (unsigned long)d->info.vendor,
                 (unsigned long)d->info.device, (unsigned long)(d->info.address >> 8),
                 (unsigned long)(d->info.address >> 3 & 31), (unsigned long)(d->info.address & 7));
    return 0;
}

static long do_release(void *ctx, const struct pci_release_req *rq, struct pci_release_rep *rp)
{
    struct pci_dev *d;
    long r;

    (void)rp;
    if ((r = mine(ctx, rq->index, &d)) < 0)
        return r;
    claim_end(d);
    return 0;
}

/* ---- what a claimant gets ---- */

/* A new slot for a capability the reply carries and we then drop. */
static long reply_slot(struct pci_request *req, uint64_t rights, uint64_t *slot)
{
    long s = agora_slot_alloc();

    if (s < 0)
        return -E_NOMEM;
    req->reply_cap = *slot = (uint64_t)s;
    req->reply_rights = rights;
    req->reply_temp = true;
    return 0;
}

static void reply_slot_undo(struct pci_request *req)
{
    agora_slot_free(req->reply_cap);
    req->reply_cap = 0;
    req->reply_temp = false;
}

static long do_bar(void *ctx, const struct pci_bar_req *rq, struct pci_bar_rep *rp)
{
    struct pci_request *req = ctx;
    const struct pci_bar *bar;
    struct pci_dev *d;
    uint64_t slot;
    long r;

    (void)rp;
    if ((r = mine(req, rq->index, &d)) < 0)
        return r;
    if (rq->bar >= PCI_BARS)
        return -E_RANGE;
    bar = &d->info.bars[rq->bar];
    if (bar->size == 0)
        return -E_NOENT;
    if (!(bar->flags & PCI_BAR_IO) && (bar->base & (PAGE_SIZE - 1)))
        return -E_ALIGN;
    if ((r = reply_slot(req, (bar->flags & PCI_BAR_IO) ? RIGHT_READ | RIGHT_WRITE | RIGHT_COPY
                                                      : RIGHT_READ | RIGHT_WRITE | RIGHT_COPY | RIGHT_GRANT,
                        &slot)) < 0)
        return r;
    if (bar->flags & PCI_BAR_IO)
        r = sys_ioport_create(CAP_PCI_IOSPACE, bar->base, bar->size, slot);
    else
        r = sys_device_memory(CAP_PCI_MACHINE, bar->base, bar_pages(bar), slot);
    if (r < 0)
        reply_slot_undo(req);
    return r;
}

static long do_irq(void *ctx, const struct pci_irq_req *rq, struct pci_irq_rep *rp)
{
    struct pci_request *req = ctx;
    struct pci_dev *d;
    uint64_t slot;
    long r;

    (void)rp;
    if ((r = mine(req, rq->index, &d)) < 0)
        return r;
    if (d->info.irq_line == PCI_NO_IRQ)
        return -E_NOENT;
    if ((r = reply_slot(req, RIGHTS_ALL, &slot)) < 0)
        return r;
    if ((r = sys_irq_create(CAP_PCI_IRQ_CONTROL, d->info.irq_line, slot)) < 0)
        reply_slot_undo(req);
    return r;
}

static long do_dma(void *ctx, const struct pci_dma_req *rq, struct pci_dma_rep *rp)
{
    struct pci_request *req = ctx;
    struct pci_dev *d;
    long r;

    (void)rp;
    if ((r = mine(req, rq->index, &d)) < 0)
        return r;
    /* The IPC transfer masks the copy down to the read right: the DMA right alone. */
    req->reply_cap = CAP_PCI_MACHINE;
    req->reply_rights = RIGHT_READ;
    return 0;
}

/* Width and offset of a config access: 0 or the error. */
static long config_args(uint64_t offset, uint64_t width)
{
    if (width != 1 && width != 2 && width != 4)
        return -E_INVAL;
    if (offset >= PCI_CONFIG_SIZE)
        return -E_RANGE;
    if (offset & (width - 1))
        return -E_ALIGN;
    return 0;
}

static long do_config_read(void *ctx, const struct pci_config_read_req *rq, struct pci_config_read_rep *rp)
{
    struct pci_dev *d;
    long r;

    if ((r = mine(ctx, rq->index, &d)) < 0 || (r = config_args(rq->offset, rq->width)) < 0)
        return r;
    rp->value = cfg_read((uint32_t)d->info.address, (unsigned)rq->offset, (unsigned)rq->width);
    return 0;
}

static bool overlaps(uint64_t offset, uint64_t width, unsigned first, unsigned end)
{
    return offset < end && offset + width > first;
}

static long do_config_write(void *ctx, const struct pci_config_write_req *rq, struct pci_config_write_rep *rp)
{
    struct pci_dev *d;
    long r;

    (void)rp;
    if ((r = mine(ctx, rq->index, &d)) < 0 || (r = config_args(rq->offset, rq->width)) < 0)
        return r;
    if (rq->width < 8 && (rq->value >> (8 * rq->width)) != 0)
        return -E_RANGE;
    if (overlaps(rq->offset, rq->width, CFG_BARS_FIRST, CFG_BARS_END) ||
        overlaps(rq->offset, rq->width, CFG_ROM_FIRST, CFG_ROM_END))
        return -E_PERM;
    cfg_write((uint32_t)d->info.address, (unsigned)rq->offset, (unsigned)rq->width, (uint32_t)rq->value);
    return 0;
}

const struct pci_handlers pci_server_handlers = {
    .pci_find = do_find,
    .pci_claim = do_claim,
    .pci_bar = do_bar,
    .pci_irq = do_irq,
    .pci_dma = do_dma,
    .pci_config_read = do_config_read,
    .pci_config_write = do_config_write,
    .pci_release = do_release,
};
