/* A process image: its task and thread, and the memory regions pm maps into it. */
#ifndef PM_IMAGE_H
#define PM_IMAGE_H

#include <stdint.h>

#include "lib/elf.h"

/* Regions of one image: ELF segments, stack, IPC buffer, heap steps. */
#define PM_MAX_REGIONS 40
/* The stack: below AGORA_CHILD_STACK_TOP (0x300000), clear of the IPC buffer at 0x201000. */
#define PM_STACK_PAGES 64

/* [vaddr, vaddr + pages * 4096) of the task is memory object mem (a slot in pm) with rights. */
struct pm_region {
    uint64_t vaddr, pages, rights, mem;
};

struct pm_image {
    uint64_t task, thread;          /* slots in pm; CAP_NULL: none */
    struct pm_region r[PM_MAX_REGIONS];
    unsigned n;
    uint64_t heap_end;              /* [PM_HEAP_BASE, heap_end) is mapped */
};

/* A new task and inactive thread charged to pool, its faults going to fault_ep (a slot in pm). */
long pm_image_create(struct pm_image *img, uint64_t pool, uint64_t fault_ep);
/* Every segment of the validated ELF file[0, size) as a region. */
long pm_image_load(struct pm_image *img, uint64_t pool, const uint8_t *file, const elf_info_t *elf);
/* The stack with argv and envp (stack.h's layout) and the IPC buffer; *rsp for the start. */
long pm_image_stack(struct pm_image *img, uint64_t pool, const char *strs, uint64_t bytes,
                    uint64_t argc, uint64_t envc, uint64_t *rsp);
/* The process's capabilities (proto/pm.h): self task and thread, names and pm endpoints. */
long pm_image_give(struct pm_image *img, uint64_t names, uint64_t pm);
/* dst (created, empty) gets a copy of every region of src, charged to pool. */
long pm_image_copy(struct pm_image *dst, const struct pm_image *src, uint64_t pool);
/* Maps heap up to at least end; the mapped end, or -E_NOMEM. */
long pm_image_brk(struct pm_image *img, uint64_t pool, uint64_t end);
/* Copies len bytes at vaddr of the image into buf; -E_FAULT where nothing readable is mapped. */
long pm_image_read(const struct pm_image *img, uint64_t vaddr, void *buf, uint64_t len);
/* Writes len bytes of buf at vaddr of the image, as the process would; -E_FAULT where nothing writable is mapped. */
long pm_image_write(struct pm_image *img, uint64_t pool, uint64_t vaddr, const void *buf, uint64_t len);
/* Kills the task and deletes every capability of the image. */
void pm_image_release(struct pm_image *img);

#endif
