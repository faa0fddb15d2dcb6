/* vfs's memory allocator (heap.h): size classes of powers of two over a growing region. */
#include "heap.h"

#include <libagora/string.h>

#define HEAP_MAGIC 0x7666736865617021ull   /* "vfsheap!" */

struct heap vfs_heap;

struct block {
    uint64_t shift;                 /* the size class: the block is 1 << shift bytes */
    uint64_t magic;                 /* HEAP_MAGIC while allocated, 0 while free */
};
_Static_assert(sizeof(struct block) == HEAP_HEADER, "header size");

void heap_init(struct heap *h, uintptr_t base, uintptr_t limit, long (*grow)(uintptr_t, size_t))
{
    memset(h, 0, sizeof(*h));
    h->base = h->brk = h->mapped = (base + 15) & ~(uintptr_t)15;
    h->limit = limit;
    h->grow = grow;
}

static unsigned class_of(size_t bytes)
{
    unsigned shift = HEAP_MIN_SHIFT;

    if (bytes > ((size_t)1 << HEAP_MAX_SHIFT) - HEAP_HEADER)
        return 0;
    while (((size_t)1 << shift) - HEAP_HEADER < bytes)
        shift++;
    return shift;
}

/* A new block of 1 << shift bytes from the end of the region, or NULL. */
static struct block *carve(struct heap *h, unsigned shift)
{
    size_t size = (size_t)1 << shift;
    struct block *b;

    if (size > h->limit - h->brk)
        return 0;
    if (h->brk + size > h->mapped) {
        /* Whole pages, and at least HEAP_GROW_MIN so small blocks rarely cost a system call. */
        size_t need = (h->brk + size - h->mapped + 4095) & ~(size_t)4095;

        if (need < HEAP_GROW_MIN)
            need = HEAP_GROW_MIN;
        if (need > h->limit - h->mapped)
            need = h->limit - h->mapped;
        if (!h->grow || h->grow(h->mapped, need) < 0)
            return 0;
        h->mapped += need;
    }
    b = (struct block *)h->brk;
    h->brk += size;
    return b;
}

void *heap_alloc(struct heap *h, size_t bytes)
{
    unsigned shift = class_of(bytes);
    struct block *b;

    if (!shift)
        return 0;
    if (h->free[shift]) {
        b = h->free[shift];
        h->free[shift] = *(void **)(b + 1);
    } else if (!(b = carve(h, shift))) {
        return 0;
    }
    b->shift = shift;
    b->magic = HEAP_MAGIC;
    h->in_use += (size_t)1 << shift;
    h->blocks++;
    return b + 1;
}

static struct block *block_of(struct heap *h, void *p)
{
    struct block *b = (struct block *)p - 1;

    if ((uintptr_t)p < h->base + HEAP_HEADER || (uintptr_t)p >= h->brk || ((uintptr_t)p & 15))
        return 0;
    if (b->magic != HEAP_MAGIC || b->shift < HEAP_MIN_SHIFT || b->shift > HEAP_MAX_SHIFT)
        return 0;
    return b;
}

void heap_free(struct heap *h, void *p)
{
    struct block *b;

    if (!p || !(b = block_of(h, p)))
        return;
    b->magic = 0;
    *(void **)(b + 1) = h->free[b->shift];
    h->free[b->shift] = b;
    h->in_use -= (size_t)1 << b->shift;
    h->blocks--;
}

void *heap_realloc(struct heap *h, void *p, size_t bytes)
{
    struct block *b;
    size_t have;
    void *n;

    if (!p)
        return heap_alloc(h, bytes);
    if (!(b = block_of(h, p)))
        return 0;
    have = ((size_t)1 << b->shift) - HEAP_HEADER;
    if (bytes <= have && (b->shift == HEAP_MIN_SHIFT || bytes > have / 2 - HEAP_HEADER))
        return p;
    if (!(n = heap_alloc(h, bytes)))
        return 0;
    memcpy(n, p, bytes < have ? bytes : have);
    heap_free(h, p);
    return n;
}

void *vfs_alloc(size_t bytes)
{
    void *p = heap_alloc(&vfs_heap, bytes);

    if (p)
        memset(p, 0, bytes);
    return p;
}

void vfs_free(void *p)
{
    heap_free(&vfs_heap, p);
}

void *vfs_realloc(void *p, size_t bytes)
{
    return heap_realloc(&vfs_heap, p, bytes);
}
