/* x86_64 four-level page tables: the kernel's own mappings and the primitives to edit any table. */
#ifndef AGORA_KERNEL_ARCH_PAGING_H
#define AGORA_KERNEL_ARCH_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/x86_64/boot/layout.h"

#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITE    (1ull << 1)
#define PTE_USER     (1ull << 2)
#define PTE_PWT      (1ull << 3)
#define PTE_PCD      (1ull << 4)
#define PTE_ACCESSED (1ull << 5)
#define PTE_DIRTY    (1ull << 6)
#define PTE_HUGE     (1ull << 7)
#define PTE_GLOBAL   (1ull << 8)
#define PTE_NX       (1ull << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull

#define PAGE_SIZE 4096ull
#define HUGE_PAGE_SIZE (2ull << 20)

static inline void *phys_to_virt(uint64_t phys) { return (void *)(phys + PHYS_MAP_BASE); }

/* Physical address of a kernel-image or direct-map address. */
uint64_t kernel_virt_to_phys(const void *va);

/*
 * Builds the kernel's final page tables (direct map of physical memory up to
 * phys_limit, kernel image with per-section W^X) and switches to them.
 * The boot identity mapping is gone afterwards.
 */
void paging_init(uint64_t phys_limit);

/* Root (PML4 physical address) of the kernel's address space. */
uint64_t paging_kernel_root(void);

/* paging_map and paging_query only edit and read tables: they live in pagetable.c. */

/*
 * Maps one 4 KiB page va -> pa with flags (PTE_* without PTE_PRESENT) in the
 * table rooted at root, allocating intermediate tables. Returns 0, or -1 when
 * va is already mapped, is not canonical, or no frame was available.
 */
int paging_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags);

/* Removes a 4 KiB mapping and flushes it from this CPU's TLB if root is the current
 * address space; returns the physical address it mapped, or 0 if none. */
uint64_t paging_unmap(uint64_t root, uint64_t va);

/*
 * Looks up va: returns true and the entry (its address and flags, for 2 MiB
 * pages the entry as is) when mapped.
 */
bool paging_query(uint64_t root, uint64_t va, uint64_t *pte_out);

/* Maps device registers uncached into the MMIO window; returns their address or NULL. */
void *mmio_map(uint64_t phys, size_t size);
/* True when [start, end) touches registers the kernel mapped with mmio_map. */
bool mmio_is_kernels(uint64_t start, uint64_t end);

#endif
