/* The virtio 1.0 PCI transport: capabilities in config space, the common configuration, notify and ISR registers. */
#ifndef VIRTIO_BLK_TRANSPORT_H
#define VIRTIO_BLK_TRANSPORT_H

#include <stdint.h>

#include <agora/proto/pci.h>

#include "virtqueue.h"

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_FAILED      128u

#define VIRTIO_F_VERSION_1 32

/* Where the driver maps the device's BARs: BAR b at VIRTIO_BAR_VADDR + b * VIRTIO_BAR_SPAN. */
#define VIRTIO_BAR_VADDR 0x0000000030000000ull
#define VIRTIO_BAR_SPAN  0x0000000001000000ull

struct virtio_pci {
    uint64_t pci;                    /* the pci endpoint */
    uint64_t index;                  /* the device at pci */
    volatile uint8_t *common;        /* struct virtio_pci_common_cfg */
    volatile uint8_t *isr;
    volatile uint8_t *device;        /* the device-specific configuration */
    volatile uint8_t *notify;
    uint32_t notify_multiplier;
    volatile uint8_t *queue_notify;  /* queue 0's doorbell (virtio_pci_queue_start); one queue only */
    uint64_t mapped[PCI_BARS];       /* pages mapped of each BAR (0: not yet) */
};

/*
 * Finds the common, notify, ISR and device structures through the vendor capabilities
 * (PCI_CONFIG_READ), maps their BARs (PCI_BAR), and enables memory decoding, bus
 * mastering and INTx. 0 or a negated error.
 */
long virtio_pci_open(struct virtio_pci *v, uint64_t pci, uint64_t index);
/* Reset, acknowledge, negotiate: accepts wanted & offered (VERSION_1 must be offered); the accepted set in *got. */
long virtio_pci_negotiate(struct virtio_pci *v, uint64_t wanted, uint64_t *got);
/*
 * Sets up queue q with at most max entries on three pages at the given physical addresses
 * (vq_init has prepared them at the matching virtual addresses); *size is the queue size.
 */
long virtio_pci_queue_size(struct virtio_pci *v, uint16_t q, uint16_t max, uint16_t *size);
void virtio_pci_queue_start(struct virtio_pci *v, uint16_t q, uint16_t size, uint64_t desc, uint64_t avail,
                            uint64_t used);
void virtio_pci_set_status(struct virtio_pci *v, uint8_t bits);
uint8_t virtio_pci_status(struct virtio_pci *v);
void virtio_pci_notify(struct virtio_pci *v, uint16_t q);
/* Reads (and so clears, deasserting INTx) the interrupt status: bit 0 a queue, bit 1 the configuration. */
uint8_t virtio_pci_isr(struct virtio_pci *v);

#endif
