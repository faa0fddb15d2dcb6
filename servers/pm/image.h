/* A process image: its task and thread, and the memory regions pm maps into it (copy-on-write after fork). */
#ifndef PM_IMAGE_H
#define PM_IMAGE_H

#include <stdint.h>

#include "cow.h"
#include "lib/elf.h"

/* Regions of one image: ELF segments, stack, IPC buffer, heap steps. */
#define PM_MAX_REGIONS 40
/* The stack: below AGORA_CHILD_STACK_TOP (0x300000), clear of the IPC buffer at 0x201000. */
#define PM_STACK_PAGES 64
/*
 * Pages of one image, at most: twice the quota, since a child maps the pages it shares
 * with its parent (charged to the parent) besides its own. brk fails beyond.
 */
#define PM_IMAGE_PAGES (2 * PM_PROC_PAGES)

/* A region that is copied at fork, never shared: the IPC buffer (the kernel writes it). */
#define PM_REGION_PRIVATE 1u

/*
 * [vaddr, vaddr + pages * 4096) of the task with rights; its pages are
 * page[first .. first + pages) of the image.
 */
struct pm_region {
    uint64_t vaddr, pages, rights;
    uint32_t first, flags;
};

/* An image page: a pm_page_t (cow.h), with PM_IMAGE_WRITABLE when the task maps it writable. */
#define PM_IMAGE_WRITABLE 0x80000000u

struct pm_image {
    uint64_t task, thread;          /* slots in pm; CAP_NULL: none */
    struct pm_region r[PM_MAX_REGIONS];
    unsigned n;
    uint32_t npages;                /* entries of page[] in use, region after region */
    uint64_t heap_end;              /* [PM_HEAP_BASE, heap_end) is mapped */
    uint32_t page[PM_IMAGE_PAGES];
};

/* The books of every process page (image.c owns them; main.c opens and closes accounts). */
extern struct pm_cow pm_cow;

/*
 * The functions taking a pool charge what they create to it; it must be the pool of an
 * open account (pm_cow_account_open), else -E_INVAL.
 */

/* A new task and inactive thread charged to pool, its faults going to fault_ep (a slot in pm). */
long pm_image_create(struct pm_image *img, uint64_t pool, uint64_t fault_ep);
/* Every segment of the validated ELF file[0, size) as a region. */
long pm_image_load(struct pm_image *img, uint64_t pool, const uint8_t *file, const elf_info_t *elf);
/* The stack with argv and envp (stack.h's layout) and the IPC buffer; *rsp for the start. */
long pm_image_stack(struct pm_image *img, uint64_t pool, const char *strs, uint64_t bytes,
                    uint64_t argc, uint64_t envc, uint64_t *rsp);
/* The process's capabilities (proto/pm.h): self task and thread, names and pm endpoints. */
long pm_image_give(struct pm_image *img, uint64_t names, uint64_t pm);
/*
 * fork: dst (created, empty) gets src's regions copy-on-write. Both then share every page
 * (one more user each): read-only regions as they are, writable ones mapped read-only in
 * both tasks until one writes (pm_image_fault). Private regions (the IPC buffer) are copied
 * into pages charged to pool. On failure the caller releases dst; src stays usable.
 */
long pm_image_copy(struct pm_image *dst, struct pm_image *src, uint64_t pool);
/* Maps heap up to at least end; the mapped end, or -E_NOMEM. */
long pm_image_brk(struct pm_image *img, uint64_t pool, uint64_t end);
/*
 * A page fault of the image's thread at addr with the CPU's error code. A write to a
 * read-only page of a writable region is copy-on-write: the page is copied into a page
 * charged to pool if others still use it (else just made writable) and mapped writable;
 * 0: resume the thread. -E_FAULT: a real bad access; -E_NOMEM: no memory for the copy
 * (the quota is spent).
 */
long pm_image_fault(struct pm_image *img, uint64_t pool, uint64_t addr, uint64_t error);
/* Copies len bytes at vaddr of the image into buf; -E_FAULT where nothing readable is mapped. */
long pm_image_read(const struct pm_image *img, uint64_t vaddr, void *buf, uint64_t len);
/*
 * Writes buf[0, len) at vaddr of the image, as if the process had written it: every page
 * touched is first made the process's own and mapped writable (copy-on-write broken, the
 * copy charged to pool). Checked first, so a failure writes nothing: -E_FAULT when a page
 * of the range is not in a writable region, -E_NOMEM when a copy does not fit the quota
 * (pages already made private stay so; their contents are unchanged).
 */
long pm_image_write(struct pm_image *img, uint64_t pool, uint64_t vaddr, const void *buf, uint64_t len);
/* Kills the task, deletes its capabilities and lets go of every page (freed with its last user). */
void pm_image_release(struct pm_image *img);

#endif
