/* The PCI protocol (drivers/pci): find a device, claim it, get exactly its BARs, IRQ and config space. */
#ifndef AGORA_PROTO_PCI_H
#define AGORA_PROTO_PCI_H

#include <stdint.h>

#include <agora/proto/proto.h>

#define PCI_BARS       6
#define PCI_ANY_ID     0xFFFFu     /* FIND: any vendor, any device */
#define PCI_NO_IRQ     0xFFu       /* irq_line: the device raises no legacy interrupt */
#define PCI_CONFIG_SIZE 256        /* the configuration space a claimant may read */

/* A BAR's flags (struct pci_bar); size 0 and flags 0: no BAR there. */
#define PCI_BAR_IO       0x1u      /* I/O ports; else memory */
#define PCI_BAR_64       0x2u      /* a 64-bit memory BAR: the next BAR is its upper half (size 0) */
#define PCI_BAR_PREFETCH 0x4u

struct pci_bar {
    uint64_t base;           /* port number or physical address */
    uint64_t size;           /* bytes (ports for I/O), by the write-ones probe */
    uint64_t flags;
};

/*
 * What pci knows of a device. address = bus << 8 | device << 3 | function; class is
 * base class << 16 | subclass << 8 | programming interface.
 */
struct pci_device_info {
    uint64_t index;          /* pci's number for the device: the handle of every request */
    uint64_t address;
    uint64_t vendor, device;
    uint64_t class_code, revision;
    uint64_t subsystem_vendor, subsystem_device;
    uint64_t irq_line;       /* the interrupt line register (an ISA IRQ under the PC's PIIX routing), or PCI_NO_IRQ */
    uint64_t irq_pin;        /* 1-4: INTA-INTD, 0: none */
    uint64_t claimed;        /* 1 while a live driver holds it */
    struct pci_bar bars[PCI_BARS];
};

/*
 * The messages (proto.h explains the list and the wire format). pci registers as "pci".
 * The caller's badge (from names) is its identity: the requests after CLAIM are answered
 * only for the badge that claimed the device (-E_PERM for anyone else). -E_NOENT: no
 * device with that index. A request carrying capabilities it does not take: -E_RANGE.
 *
 * FIND(vendor, device, class_code, class_mask, start) -> info of the first device with
 *   index >= start whose vendor and device match (PCI_ANY_ID matches any) and whose
 *   class_code & class_mask equals class_code & class_mask; -E_NOENT if none. Enumerate
 *   everything with (PCI_ANY_ID, PCI_ANY_ID, 0, 0, start) and start = index + 1.
 * CLAIM(index) with one capability, the caller's own task (any rights: pci watches it) ->
 *   info. The device is the caller's until RELEASE or the caller's death; -E_BUSY while
 *   another live task holds it (a dead holder is forgotten then); -E_TYPE not a task.
 * BAR(index, bar) -> one capability for BAR bar: an I/O-port capability for exactly its
 *   ports (read, write, copy), or a device memory object of exactly its pages (read,
 *   write, copy, grant; memory BARs are page-aligned by the firmware, or -E_ALIGN).
 *   -E_RANGE bar >= PCI_BARS; -E_NOENT no BAR there (or the upper half of a 64-bit one).
 * IRQ(index) -> one capability: the device's IRQ line (all rights, unbound; level
 *   triggered as ACPI says). -E_NOENT no interrupt line; -E_BUSY the line already has an
 *   IRQ capability (asked twice, or a line shared with another claimed device).
 * DMA(index) -> one capability: the machine with RIGHT_READ alone, the right to ask for
 *   physical addresses (SYS_MEMORY_PHYS). There is no IOMMU: a bus master reaches all RAM.
 * CONFIG_READ(index, offset, width) -> value; CONFIG_WRITE(index, offset, width, value):
 *   the device's own configuration space. width 1, 2 or 4, offset < PCI_CONFIG_SIZE and a
 *   multiple of width (else -E_INVAL / -E_RANGE / -E_ALIGN). Writes to the BARs (0x10-0x27)
 *   and the expansion ROM base (0x30-0x33) are refused (-E_PERM): they would move the
 *   device out of the capabilities it was given.
 * RELEASE(index): the claim ends (the capabilities handed out stay with the caller).
 */
#define PCI_MSG_LIST(X, F)                                                                        \
    X(PCI_FIND,         pci_find,         1,                                                      \
      (F(uint64_t, vendor) F(uint64_t, device) F(uint64_t, class_code) F(uint64_t, class_mask)     \
       F(uint64_t, start)),                                                                       \
      (F(struct pci_device_info, info)))                                                          \
    X(PCI_CLAIM,        pci_claim,        2, (F(uint64_t, index)), (F(struct pci_device_info, info))) \
    X(PCI_BAR,          pci_bar,          3, (F(uint64_t, index) F(uint64_t, bar)), ())           \
    X(PCI_IRQ,          pci_irq,          4, (F(uint64_t, index)), ())                            \
    X(PCI_DMA,          pci_dma,          5, (F(uint64_t, index)), ())                            \
    X(PCI_CONFIG_READ,  pci_config_read,  6,                                                      \
      (F(uint64_t, index) F(uint64_t, offset) F(uint64_t, width)), (F(uint64_t, value)))          \
    X(PCI_CONFIG_WRITE, pci_config_write, 7,                                                      \
      (F(uint64_t, index) F(uint64_t, offset) F(uint64_t, width) F(uint64_t, value)), ())         \
    X(PCI_RELEASE,      pci_release,      8, (F(uint64_t, index)), ())

enum pci_msg {
#define PCI_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_PCI, num),
    PCI_MSG_LIST(PCI_MSG_ENUM, PROTO_FIELD_DECL)
#undef PCI_MSG_ENUM
};

PROTO_STRUCTS(PCI_MSG_LIST)
/* struct pci_handlers { pci_find, pci_claim, ... } and pci_dispatch(). */
PROTO_HANDLERS(PCI_MSG_LIST, pci_handlers);
PROTO_DISPATCH(PCI_MSG_LIST, pci_handlers, pci_dispatch)

/* Capabilities: CLAIM carries one (the caller's task); BAR, IRQ and DMA replies carry one. */
#define PCI_CLAIM_CAPS 1
#define PCI_REPLY_CAPS 1

/* Where the PCI spec puts things in a type-0 header, for drivers reading config space. */
#define PCI_CFG_COMMAND      0x04
#define PCI_CFG_STATUS       0x06
#define PCI_CFG_CAP_PTR      0x34
#define PCI_COMMAND_IO       0x1u
#define PCI_COMMAND_MEMORY   0x2u
#define PCI_COMMAND_MASTER   0x4u
#define PCI_COMMAND_INTX_OFF 0x400u
#define PCI_STATUS_CAPS      0x10u

#endif
