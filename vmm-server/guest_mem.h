/* Guest RAM: memory objects from the VMM's pool, made when first touched and mapped into the VM on demand (primitive 5). */
#ifndef VMM_GUEST_MEM_H
#define VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GM_PAGE          4096ull
#define GM_CHUNK_PAGES   16ull                       /* one memory object per 64 KiB of RAM */
#define GM_CHUNK_BYTES   (GM_CHUNK_PAGES * GM_PAGE)
#define GM_MAX_BYTES     (64ull << 20)               /* the most RAM a guest can have */
#define GM_MAX_CHUNKS    (GM_MAX_BYTES / GM_CHUNK_BYTES)
#define GM_FLIPS         16                          /* pages flipped at once (PAGE_FLIP) */
/* Where the VMM sees guest RAM in its own address space (32 TiB; pm's heap is at 16 TiB). */
#define GM_WINDOW        0x0000200000000000ull
#define GM_FLIP_WINDOW   (GM_WINDOW + GM_MAX_BYTES)

/* A page of RAM the guest flipped: its own memory object, mapped at gpa instead of the chunk's page. */
struct gm_flip {
    uint64_t gpa;
    uint64_t mem;                                    /* slot; 0: free entry */
};

struct guest_mem {
    uint64_t pool, vm;
    uint64_t bytes;                                  /* RAM is [0, bytes) */
    uint64_t initial, max;
    uint64_t chunk[GM_MAX_CHUNKS];                   /* memory object slots, 0: not made yet */
    struct gm_flip flip[GM_FLIPS];
    uint64_t faults;                                 /* nested faults served */
};

void gm_init(struct guest_mem *g, uint64_t pool, uint64_t vm, uint64_t bytes, uint64_t max);
static inline bool gm_is_ram(const struct guest_mem *g, uint64_t gpa) { return gpa < g->bytes; }
/* Copies between the VMM and guest RAM (making chunks as needed): 0, -E_FAULT outside RAM, -E_NOMEM. */
long gm_read(struct guest_mem *g, uint64_t gpa, void *buf, size_t len);
long gm_write(struct guest_mem *g, uint64_t gpa, const void *buf, size_t len);
long gm_zero(struct guest_mem *g, uint64_t gpa, size_t len);
/* A nested fault on RAM at gpa: maps its page into the VM: 0, GM_FAULT_MAPPED (it was there already), or an error. */
#define GM_FAULT_MAPPED 1
long gm_fault(struct guest_mem *g, uint64_t gpa);
/* MEM_REQUEST / MEM_RELEASE (checked by hc_check first). */
long gm_grow(struct guest_mem *g, uint64_t pages);
long gm_shrink(struct guest_mem *g, uint64_t gpa, uint64_t pages);
/* PAGE_FLIP: the page at gpa leaves the VM; its hash is answered, a new page takes its place. */
long gm_flip(struct guest_mem *g, uint64_t gpa, uint32_t *hash);
/* RESET: every page leaves the VM and RAM is zero and of its first size again. */
void gm_reset(struct guest_mem *g);

#endif
