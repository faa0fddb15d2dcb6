/*
 * The pure half of x86_64 page-table editing: walking and changing tables through the
 * direct map, with no TLB or CR3 handling (paging.c does that). Unit tested on the host.
 * paging_map and paging_query, declared in paging.h, are defined here too.
 */
#ifndef AGORA_KERNEL_ARCH_PAGETABLE_H
#define AGORA_KERNEL_ARCH_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86_64/mm/paging.h"

/* A zeroed frame for a page table, or 0 when no frame is left. */
uint64_t pagetable_alloc(void);

/*
 * Returns the entry for va at `level` (0 = PT, 1 = PD, 2 = PDPT), creating tables on the
 * way when create is set. NULL when a table is missing (or could not be allocated) or a
 * huge page is in the way.
 */
uint64_t *pagetable_walk(uint64_t root, uint64_t va, int level, bool create);

/*
 * Clears the 4 KiB entry for va; returns the entry it held (address and flags), or 0 when
 * va was not mapped by a 4 KiB page. The caller flushes the TLB.
 */
uint64_t pagetable_unmap(uint64_t root, uint64_t va);

#endif
