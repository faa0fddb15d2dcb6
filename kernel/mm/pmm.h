/* The kernel's physical memory: one frame allocator over all RAM the boot loader reported. */
#ifndef AGORA_KERNEL_MM_PMM_H
#define AGORA_KERNEL_MM_PMM_H

#include <stdint.h>
#include "boot/boot_info.h"
#include "mm/frame.h"

/* A range the allocator must never hand out (kernel image, boot information, modules). */
typedef struct pmm_reserved {
    uint64_t start, end;
} pmm_reserved_t;

/*
 * Builds the allocator from the memory map. Frame 0 and the first MiB are
 * always reserved, so a physical address of 0 can mean "no frame".
 * Returns the highest usable physical address (exclusive).
 */
uint64_t pmm_init(const boot_info_t *bi, const pmm_reserved_t *reserved, int nreserved);

/* True when any byte of [start, end) is RAM (usable, ACPI or NVS) per the boot memory map. */
bool pmm_overlaps_ram(uint64_t start, uint64_t end);

/* An uninitialised 4 KiB frame, or 0 when memory is exhausted. */
uint64_t pmm_alloc_frame(void);
void pmm_free_frame(uint64_t phys);

frame_allocator_t *pmm_allocator(void);

#endif
