/* ACPI discovery on the machine: finds the RSDP and the root table, hands out checked tables. */
#ifndef AGORA_KERNEL_ARCH_ACPI_H
#define AGORA_KERNEL_ARCH_ACPI_H

#include <stddef.h>
#include "boot/boot_info.h"

/*
 * Finds the RSDP (the boot loader's copy in bi, then bi->rsdp_phys, then the EBDA
 * and the BIOS area 0xE0000-0xFFFFF; bi may be NULL) and checks the XSDT or RSDT
 * it names. A structure with a bad checksum is logged and never followed. Runs
 * once, after paging_init; later calls return the first result.
 * Returns 0, or -E_INVAL when no valid RSDP and root table were found.
 */
int acpi_init(const boot_info_t *bi);

/*
 * The first table with signature sig (4 characters, e.g. "APIC") that the root
 * table lists and whose length and checksum are valid, mapped for reading; its
 * length in *len. Tables that fail the check are logged and skipped. NULL when
 * there is none, or acpi_init found no ACPI.
 */
const void *acpi_find_table(const char *sig, size_t *len);

#endif
