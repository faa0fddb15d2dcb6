/* vfs's memory allocator: power-of-two blocks carved from a region that grows page-wise. Pure code (tests/unit/test_vfs.c). */
#ifndef VFS_HEAP_H
#define VFS_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_MIN_SHIFT 5            /* 32-byte blocks, 16 of them header */
#define HEAP_MAX_SHIFT 28           /* 256 MiB: more than any file may hold */
#define HEAP_HEADER    16
#define HEAP_GROW_MIN  (256 * 1024) /* bytes asked of grow() at least */

/*
 * The region [base, limit) (base and limit page aligned) is used from base up; [base, mapped)
 * is usable memory. When a block does not fit, grow(at, bytes) (whole pages) must make [at, at + bytes) usable (the server maps
 * memory objects there; the host tests have it all already) and return 0, or fail with a
 * negated error. Freed blocks go to the free list of their size class and are reused for
 * that class only; memory never returns to the pool (a file that grew and shrank keeps
 * its pages for the next one).
 */
struct heap {
    uintptr_t base, limit, brk, mapped;
    long (*grow)(uintptr_t at, size_t bytes);
    void *free[HEAP_MAX_SHIFT + 1];
    size_t in_use;                  /* bytes of live blocks, headers included: for leak checks */
    size_t blocks;                  /* live blocks */
};

void heap_init(struct heap *h, uintptr_t base, uintptr_t limit, long (*grow)(uintptr_t, size_t));
/* A block of at least bytes (16-byte aligned), or NULL. */
void *heap_alloc(struct heap *h, size_t bytes);
/* Frees p (NULL is fine); a pointer heap_alloc did not return is detected when it can be and ignored. */
void heap_free(struct heap *h, void *p);
/* Resizes p keeping its contents (up to the smaller size); NULL (p untouched) when out of memory. */
void *heap_realloc(struct heap *h, void *p, size_t bytes);

/* The heap the rest of vfs allocates from (set up by main.c, or by the tests). */
extern struct heap vfs_heap;
void *vfs_alloc(size_t bytes);      /* zeroed */
void vfs_free(void *p);
void *vfs_realloc(void *p, size_t bytes);

#endif
