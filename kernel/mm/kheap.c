/*
 * Kernel heap. Each block has a 16-byte header holding its size class; classes of
 * 32..2048 bytes are carved from single frames and kept on free lists, anything
 * larger is a run of contiguous frames returned to the frame allocator on free.
 */
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"
#include "lib/string.h"

#define HEADER 16
#define MIN_SHIFT 5
#define MAX_SHIFT 11
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define LARGE_MAGIC 0x4c415247454b4d45ull
#define SMALL_MAGIC 0x534d414c4c4b4d45ull

typedef struct block_header {
    uint64_t magic;
    uint64_t size;     /* class size (including header) or, for large, frame count */
} block_header_t;
_Static_assert(sizeof(block_header_t) == HEADER, "heap header");

typedef struct free_block {
    struct free_block *next;
} free_block_t;

static free_block_t *free_lists[NCLASSES];
static size_t in_use;

static int class_of(size_t total)
{
    int shift = MIN_SHIFT;
    while ((1ul << shift) < total)
        shift++;
    return shift - MIN_SHIFT;
}

static bool refill(int cls)
{
    uint64_t frame = pmm_alloc_frame();
    if (!frame)
        return false;
    size_t sz = 1ul << (cls + MIN_SHIFT);
    char *page = phys_to_virt(frame);
    for (size_t off = 0; off + sz <= FRAME_SIZE; off += sz) {
        free_block_t *b = (free_block_t *)(page + off);
        b->next = free_lists[cls];
        free_lists[cls] = b;
    }
    return true;
}

void *kzalloc(size_t size)
{
    size_t total = size + HEADER;
    block_header_t *h;
    if (total <= (1ul << MAX_SHIFT)) {
        int cls = class_of(total);
        if (!free_lists[cls] && !refill(cls))
            return 0;
        h = (block_header_t *)free_lists[cls];
        free_lists[cls] = free_lists[cls]->next;
        h->magic = SMALL_MAGIC;
        h->size = 1ul << (cls + MIN_SHIFT);
    } else {
        uint64_t frames = (total + FRAME_SIZE - 1) / FRAME_SIZE;
        uint64_t phys = frame_alloc_contig(pmm_allocator(), frames, FRAME_SIZE);
        if (phys == FRAME_NONE)
            return 0;
        h = phys_to_virt(phys);
        h->magic = LARGE_MAGIC;
        h->size = frames;
    }
    in_use += h->magic == LARGE_MAGIC ? h->size * FRAME_SIZE : h->size;
    void *p = (char *)h + HEADER;
    memset(p, 0, size);
    return p;
}

void kfree(void *p)
{
    if (!p)
        return;
    block_header_t *h = (block_header_t *)((char *)p - HEADER);
    if (h->magic == SMALL_MAGIC) {
        int cls = class_of(h->size);
        in_use -= h->size;
        h->magic = 0;
        free_block_t *b = (free_block_t *)h;
        b->next = free_lists[cls];
        free_lists[cls] = b;
    } else if (h->magic == LARGE_MAGIC) {
        uint64_t frames = h->size;
        uint64_t phys = kernel_virt_to_phys(h);
        in_use -= frames * FRAME_SIZE;
        h->magic = 0;
        for (uint64_t i = 0; i < frames; i++)
            pmm_free_frame(phys + i * FRAME_SIZE);
    } else {
        panic("kfree of %p: not a heap block (double free?)", p);
    }
}

size_t kheap_in_use(void)
{
    return in_use;
}
