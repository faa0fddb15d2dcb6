/* What the kernel learns from its boot loader, independent of the boot protocol. */
#ifndef AGORA_KERNEL_BOOT_BOOT_INFO_H
#define AGORA_KERNEL_BOOT_BOOT_INFO_H

#include <stdint.h>
#include <stddef.h>

#define BOOT_MAX_REGIONS 64
#define BOOT_MAX_MODULES 32

enum boot_region_type {
    BOOT_REGION_USABLE = 1,    /* free RAM */
    BOOT_REGION_RESERVED = 2,
    BOOT_REGION_ACPI = 3,      /* ACPI tables, reclaimable */
    BOOT_REGION_NVS = 4,
    BOOT_REGION_BAD = 5,
};

typedef struct boot_region {
    uint64_t base;
    uint64_t length;
    uint32_t type;             /* enum boot_region_type; unknown types count as reserved */
} boot_region_t;

typedef struct boot_module {
    uint64_t start;            /* physical, inclusive */
    uint64_t end;              /* physical, exclusive */
    const char *cmdline;       /* points into the boot information, NUL-terminated */
} boot_module_t;

typedef struct boot_info {
    const char *cmdline;       /* never NULL after a successful parse ("" when absent) */
    const char *loader_name;   /* never NULL after a successful parse ("" when absent) */
    boot_region_t regions[BOOT_MAX_REGIONS];
    size_t nregions;
    boot_module_t modules[BOOT_MAX_MODULES];
    size_t nmodules;
    /*
     * ACPI: the loader's copy of the RSDP (Multiboot2 ACPI tags), pointing into the
     * boot information, unvalidated; NULL and 0 when absent. A loader that hands over
     * the RSDP's own address (PVH start info) sets rsdp_phys instead; 0 when absent.
     */
    const void *rsdp_copy;
    size_t rsdp_copy_size;
    uint64_t rsdp_phys;
} boot_info_t;

#endif
