/* The virtio 1.0 PCI transport: capability walk over pci's config messages, BAR mapping, the common configuration. */
#include "transport.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/pci.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

#define PAGE_SIZE 4096

/* The vendor capability (cap_vndr 0x09) and its cfg_type values. */
#define PCI_CAP_VENDOR       0x09
#define VIRTIO_CAP_COMMON    1
#define VIRTIO_CAP_NOTIFY    2
#define VIRTIO_CAP_ISR       3
#define VIRTIO_CAP_DEVICE    4

/* struct virtio_pci_common_cfg. */
#define COMMON_DEVICE_FEATURE_SELECT 0x00
#define COMMON_DEVICE_FEATURE        0x04
#define COMMON_DRIVER_FEATURE_SELECT 0x08
#define COMMON_DRIVER_FEATURE        0x0C
#define COMMON_DEVICE_STATUS         0x14
#define COMMON_QUEUE_SELECT          0x16
#define COMMON_QUEUE_SIZE            0x18
#define COMMON_QUEUE_MSIX_VECTOR     0x1A
#define COMMON_QUEUE_ENABLE          0x1C
#define COMMON_QUEUE_NOTIFY_OFF      0x1E
#define COMMON_QUEUE_DESC            0x20
#define COMMON_QUEUE_DRIVER          0x28
#define COMMON_QUEUE_DEVICE          0x30
#define VIRTIO_NO_VECTOR             0xFFFFu

static void w8(volatile uint8_t *base, unsigned off, uint8_t v) { *(volatile uint8_t *)(base + off) = v; }
static void w16(volatile uint8_t *base, unsigned off, uint16_t v) { *(volatile uint16_t *)(base + off) = v; }
static void w32(volatile uint8_t *base, unsigned off, uint32_t v) { *(volatile uint32_t *)(base + off) = v; }
static uint8_t r8(volatile uint8_t *base, unsigned off) { return *(volatile uint8_t *)(base + off); }
static uint16_t r16(volatile uint8_t *base, unsigned off) { return *(volatile uint16_t *)(base + off); }
static uint32_t r32(volatile uint8_t *base, unsigned off) { return *(volatile uint32_t *)(base + off); }

static void w64(volatile uint8_t *base, unsigned off, uint64_t v)
{
    w32(base, off, (uint32_t)v);
    w32(base, off + 4, (uint32_t)(v >> 32));
}

static long config_read(struct virtio_pci *v, unsigned offset, unsigned width, uint32_t *out)
{
    struct pci_config_read_req rq = { v->index, offset, width };
    struct pci_config_read_rep rp;
    long r = pci_config_read_call(v->pci, &rq, &rp, 0);

    if (r == 0)
        *out = (uint32_t)rp.value;
    return r;
}

static long config_write(struct virtio_pci *v, unsigned offset, unsigned width, uint32_t value)
{
    struct pci_config_write_req rq = { v->index, offset, width, value };
    struct pci_config_write_rep rp;

    return pci_config_write_call(v->pci, &rq, &rp, 0);
}

/* BAR bar mapped (once) at its place; the pointer to offset in it, or NULL. */
static volatile uint8_t *bar_at(struct virtio_pci *v, unsigned bar, uint32_t offset, uint32_t length)
{
    uint64_t va = VIRTIO_BAR_VADDR + bar * VIRTIO_BAR_SPAN;

    if (bar >= PCI_BARS)
        return 0;
    if (!v->mapped[bar]) {
        struct pci_bar_req rq = { v->index, bar };
        struct pci_bar_rep rp;
        struct proto_caps caps = { .nrecv = 1 };
        long slot = agora_slot_alloc(), pages, r;

        if (slot < 0)
            return 0;
        caps.recv[0] = (uint64_t)slot;
        if ((r = pci_bar_call(v->pci, &rq, &rp, &caps)) < 0 || caps.received != 1 ||
            (pages = sys_memory_info((uint64_t)slot)) <= 0 || (uint64_t)pages * PAGE_SIZE > VIRTIO_BAR_SPAN ||
            sys_map(CAP_SELF_TASK, (uint64_t)slot, 0, va, (uint64_t)pages, RIGHT_READ | RIGHT_WRITE) < 0) {
            agora_printf("virtio-blk: BAR %u: cannot map it (%s)\n", bar, agora_error_name(r));
            return 0;
        }
        v->mapped[bar] = (uint64_t)pages;
    }
    if ((uint64_t)offset + length > v->mapped[bar] * PAGE_SIZE)
        return 0;
    return (volatile uint8_t *)(va + offset);
}

/* One vendor capability at config offset at: records the structure it describes. */
static long take_capability(struct virtio_pci *v, unsigned at)
{
    uint32_t type = 0, bar = 0, offset = 0, length = 0, mult = 0;
    volatile uint8_t *p;
    long r;

    if ((r = config_read(v, at + 3, 1, &type)) < 0 || (r = config_read(v, at + 4, 1, &bar)) < 0 ||
        (r = config_read(v, at + 8, 4, &offset)) < 0 || (r = config_read(v, at + 12, 4, &length)) < 0)
        return r;
    if (type < VIRTIO_CAP_COMMON || type > VIRTIO_CAP_DEVICE)
        return 0;                    /* PCI_CFG access and newer kinds: not used */
    if (type == VIRTIO_CAP_NOTIFY && (r = config_read(v, at + 16, 4, &mult)) < 0)
        return r;
    if (!(p = bar_at(v, bar, offset, length)))
        return -E_RANGE;
    switch (type) {
    case VIRTIO_CAP_COMMON:
        v->common = p;
        break;
    case VIRTIO_CAP_NOTIFY:
        v->notify = p;
        v->notify_multiplier = mult;
        break;
    case VIRTIO_CAP_ISR:
        v->isr = p;
        break;
    default:
        v->device = p;
        break;
    }
    return 0;
}

long virtio_pci_open(struct virtio_pci *v, uint64_t pci, uint64_t index)
{
    uint32_t status = 0, at = 0, id = 0, command = 0;
    unsigned guard = 0;
    long r;

    v->pci = pci;
    v->index = index;
    if ((r = config_read(v, PCI_CFG_STATUS, 2, &status)) < 0)
        return r;
    if (!(status & PCI_STATUS_CAPS))
        return -E_NOENT;
    if ((r = config_read(v, PCI_CFG_CAP_PTR, 1, &at)) < 0)
        return r;
    /* The list is the device's word: at most 48 entries (the space holds no more). */
    for (at &= 0xFC; at != 0 && guard < 48; guard++) {
        if ((r = config_read(v, at, 1, &id)) < 0)
            return r;
        if (id == PCI_CAP_VENDOR && (r = take_capability(v, at)) < 0)
            return r;
        if ((r = config_read(v, at + 1, 1, &at)) < 0)
            return r;
        at &= 0xFC;
    }
    if (!v->common || !v->notify || !v->isr || !v->device)
        return -E_NOENT;             /* a legacy-only device: not driven here */
    if ((r = config_read(v, PCI_CFG_COMMAND, 2, &command)) < 0)
        return r;
    command = (command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER) & ~PCI_COMMAND_INTX_OFF;
    return config_write(v, PCI_CFG_COMMAND, 2, command);
}

void virtio_pci_set_status(struct virtio_pci *v, uint8_t bits)
{
    w8(v->common, COMMON_DEVICE_STATUS, bits == 0 ? 0 : (uint8_t)(r8(v->common, COMMON_DEVICE_STATUS) | bits));
}

uint8_t virtio_pci_status(struct virtio_pci *v)
{
    return r8(v->common, COMMON_DEVICE_STATUS);
}

long virtio_pci_negotiate(struct virtio_pci *v, uint64_t wanted, uint64_t *got)
{
    uint64_t offered;
    unsigned spins = 0;

    virtio_pci_set_status(v, 0);     /* reset: done when the status reads 0 */
    while (virtio_pci_status(v) != 0 && spins++ < 1000000)
        __asm__ volatile("pause");
    virtio_pci_set_status(v, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_pci_set_status(v, VIRTIO_STATUS_DRIVER);
    w32(v->common, COMMON_DEVICE_FEATURE_SELECT, 0);
    offered = r32(v->common, COMMON_DEVICE_FEATURE);
    w32(v->common, COMMON_DEVICE_FEATURE_SELECT, 1);
    offered |= (uint64_t)r32(v->common, COMMON_DEVICE_FEATURE) << 32;
    if (!(offered & (1ull << VIRTIO_F_VERSION_1)))
        return -E_NOSYS;
    *got = (wanted & offered) | (1ull << VIRTIO_F_VERSION_1);
    w32(v->common, COMMON_DRIVER_FEATURE_SELECT, 0);
    w32(v->common, COMMON_DRIVER_FEATURE, (uint32_t)*got);
    w32(v->common, COMMON_DRIVER_FEATURE_SELECT, 1);
    w32(v->common, COMMON_DRIVER_FEATURE, (uint32_t)(*got >> 32));
    virtio_pci_set_status(v, VIRTIO_STATUS_FEATURES_OK);
    if (!(virtio_pci_status(v) & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_pci_set_status(v, VIRTIO_STATUS_FAILED);
        return -E_STATE;
    }
    return 0;
}

long virtio_pci_queue_size(struct virtio_pci *v, uint16_t q, uint16_t max, uint16_t *size)
{
    uint16_t n;

    w16(v->common, COMMON_QUEUE_SELECT, q);
    n = r16(v->common, COMMON_QUEUE_SIZE);
    if (n == 0)
        return -E_NOENT;
    if (n > max)
        n = max;
    while (n & (n - 1))
        n = (uint16_t)(n & (n - 1));     /* down to a power of two: its highest bit */
    *size = n;
    return 0;
}

void virtio_pci_queue_start(struct virtio_pci *v, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail,
                            uint64_t used)
{
    w16(v->common, COMMON_QUEUE_SELECT, q);
    w16(v->common, COMMON_QUEUE_SIZE, size);
    w16(v->common, COMMON_QUEUE_MSIX_VECTOR, VIRTIO_NO_VECTOR);
    w64(v->common, COMMON_QUEUE_DESC, desc);
    w64(v->common, COMMON_QUEUE_DRIVER, avail);
    w64(v->common, COMMON_QUEUE_DEVICE, used);
    w16(v->common, COMMON_QUEUE_ENABLE, 1);
    v->queue_notify = v->notify + (uint32_t)r16(v->common, COMMON_QUEUE_NOTIFY_OFF) * v->notify_multiplier;
}

void virtio_pci_notify(struct virtio_pci *v, uint16_t q)
{
    *(volatile uint16_t *)v->queue_notify = q;
}

uint8_t virtio_pci_isr(struct virtio_pci *v)
{
    return r8(v->isr, 0);
}
