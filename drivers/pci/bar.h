/* Decoding a BAR from its value and its write-ones probe (pure: tests/unit/test_pci.c). */
#ifndef PCI_BAR_H
#define PCI_BAR_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/pci.h>

/* The raw register bits. */
#define PCI_BAR_REG_IO        0x1u
#define PCI_BAR_REG_TYPE_MASK 0x6u
#define PCI_BAR_REG_TYPE_64   0x4u
#define PCI_BAR_REG_PREFETCH  0x8u

/* Whether a BAR's value says it is the low half of a 64-bit memory BAR. */
bool bar_is_64(uint32_t value);

/*
 * Fills out from a BAR's value and what it read back after all ones were written (for a
 * 64-bit BAR also the upper register's value and probe; 0 otherwise). A BAR that reads
 * back 0 (not implemented) gives size 0, flags 0. I/O BARs decode 16 bits of port number
 * when the upper half reads back 0 (devices may hard-wire it). Returns false for a
 * nonsensical probe (a size that is not a power of two), leaving out empty.
 */
bool bar_decode(uint32_t value, uint32_t probe, uint32_t value_hi, uint32_t probe_hi, struct pci_bar *out);

/* Pages a memory BAR covers when handed out whole: base must be page aligned. */
uint64_t bar_pages(const struct pci_bar *bar);

#endif
