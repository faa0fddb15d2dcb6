/* The I/O APICs: route device interrupt lines to vectors of the boot CPU's local APIC. */
#ifndef AGORA_KERNEL_ARCH_IOAPIC_H
#define AGORA_KERNEL_ARCH_IOAPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "boot/boot_info.h"
#include "lib/acpi_tables.h"

/*
 * Numbering. A GSI (global system interrupt) is one I/O APIC input pin, numbered
 * across all I/O APICs. An `irq` argument names either:
 *   0-15  an ISA IRQ, translated through the MADT's interrupt source overrides
 *         (ISA IRQ 0, the PIT, is GSI 2 on a PC); edge/active high unless the
 *         override says otherwise. ISA IRQ 2 has no line when another IRQ took GSI 2.
 *   >= 16 the GSI of that number itself: a PCI line, level-triggered, active low.
 * Delivery is always fixed mode, physical destination: the local APIC of the CPU
 * that ran ioapic_init (id 0 under QEMU).
 *
 * Every pin is masked from ioapic_init on; routing leaves the pin masked, and only
 * ioapic_mask(gsi, false) lets it through. An IRQ capability routes once, unmasks
 * when its driver is ready, and for level-triggered lines masks on arrival and
 * unmasks again when the driver acknowledges.
 */
#define IOAPIC_ISA_IRQS 16

/* Redirection entry bits (the high half's top byte is the destination APIC id). */
#define IOAPIC_ENTRY_VECTOR      0xffull
#define IOAPIC_ENTRY_DELIVERY    (7ull << 8)     /* 0: fixed */
#define IOAPIC_ENTRY_LOGICAL     (1ull << 11)
#define IOAPIC_ENTRY_PENDING     (1ull << 12)    /* read-only: delivery status */
#define IOAPIC_ENTRY_ACTIVE_LOW  (1ull << 13)
#define IOAPIC_ENTRY_REMOTE_IRR  (1ull << 14)    /* read-only: level interrupt in service */
#define IOAPIC_ENTRY_LEVEL       (1ull << 15)
#define IOAPIC_ENTRY_MASKED      (1ull << 16)
#define IOAPIC_ENTRY_DEST_SHIFT  56

/*
 * Finds the I/O APICs in the ACPI MADT (bi may be NULL: the RSDP is then looked
 * for in the BIOS areas); without a valid MADT, assumes QEMU's layout (one I/O
 * APIC at 0xFEC00000, GSI base 0, ISA IRQ 0 on GSI 2). Maps their registers and
 * masks every pin. Call after apic_init. Idempotent: later calls return the first
 * result. Returns 0, or -E_STATE when no I/O APIC answered.
 */
int ioapic_init(const boot_info_t *bi);

/* True once ioapic_init succeeded. */
bool ioapic_ready(void);

/*
 * Where irq (numbered as above) arrives and how it signals, without programming
 * anything: 0, or -E_STATE before ioapic_init, -E_INVAL for an ISA IRQ without a
 * line, -E_RANGE when no I/O APIC serves the GSI. Callers keep out->gsi: it is
 * what ioapic_mask and ioapic_unroute take.
 */
int ioapic_lookup_irq(unsigned irq, acpi_irq_route_t *out);

/*
 * Programs the pin of irq (numbered as above) to deliver vector, masked.
 * Returns 0, or
 *   -E_STATE  ioapic_init has not succeeded
 *   -E_INVAL  vector is an exception, the 8259s', or one the kernel uses itself
 *             (timer, APIC error, spurious); or an ISA IRQ without a line
 *   -E_RANGE  no I/O APIC serves the GSI
 */
int ioapic_route_irq(unsigned irq, uint8_t vector);

/* Masks or unmasks a GSI; it must exist, and be routed before it is unmasked. */
void ioapic_mask(unsigned gsi, bool masked);

/* Returns a GSI's pin to its state after ioapic_init: masked, no vector. */
void ioapic_unroute(unsigned gsi);

/* One past the highest GSI an I/O APIC serves (24 under QEMU); 0 before ioapic_init. */
unsigned ioapic_gsi_count(void);

/* The raw 64-bit redirection entry of a GSI, for self-tests and debugging; 0 if none serves it. */
uint64_t ioapic_read_entry(unsigned gsi);

typedef struct ioapic_desc {
    uint8_t id;                /* from the MADT */
    uint8_t version;           /* from its version register */
    unsigned pins;             /* redirection entries */
    uint32_t gsi_base;
    uint64_t phys;             /* register block */
} ioapic_desc_t;

/* The I/O APICs in use: how many, and each one's description (false past the last). */
size_t ioapic_count(void);
bool ioapic_describe(size_t index, ioapic_desc_t *out);

#endif
