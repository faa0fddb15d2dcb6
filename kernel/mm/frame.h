/* Physical frame allocator: one bit per 4 KiB frame, filled from the boot memory map. */
#ifndef AGORA_KERNEL_MM_FRAME_H
#define AGORA_KERNEL_MM_FRAME_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define FRAME_SIZE 4096u
#define FRAME_SHIFT 12
#define FRAME_NONE ((uint64_t)-1)   /* returned when no frame is available */

/*
 * A bit set means the frame is in use (or not RAM at all). Frames are
 * numbered from physical address 0 up to nframes-1.
 * Invariant: free_count equals the number of clear bits below nframes.
 */
typedef struct frame_allocator {
    uint64_t *bitmap;
    uint64_t nframes;
    uint64_t free_count;
    uint64_t total_usable;   /* frames ever added as free, for the summary */
    uint64_t next_hint;      /* where the next search starts (next fit) */
} frame_allocator_t;

/* Words of bitmap storage needed for nframes frames. */
static inline size_t frame_bitmap_words(uint64_t nframes)
{
    return (size_t)((nframes + 63) / 64);
}

/* Starts with every frame marked in use. storage holds frame_bitmap_words(nframes) words. */
void frame_init(frame_allocator_t *fa, uint64_t *storage, uint64_t nframes);

/* Marks the whole frames inside [start, end) free (rounds inward). Frames past nframes are ignored. */
void frame_add_free(frame_allocator_t *fa, uint64_t start, uint64_t end);

/* Marks every frame touching [start, end) in use (rounds outward). */
void frame_reserve(frame_allocator_t *fa, uint64_t start, uint64_t end);

/* One free frame's physical address, or FRAME_NONE. */
uint64_t frame_alloc(frame_allocator_t *fa);

/*
 * count physically contiguous frames whose first address is a multiple of
 * align (a power of two, at least FRAME_SIZE). Returns FRAME_NONE on failure.
 */
uint64_t frame_alloc_contig(frame_allocator_t *fa, uint64_t count, uint64_t align);

/*
 * Returns a frame. Returns false, changing nothing, when paddr is unaligned,
 * out of range, or already free (a double free).
 */
bool frame_free(frame_allocator_t *fa, uint64_t paddr);

/* True when the frame holding paddr is in use (or out of range). */
bool frame_is_used(const frame_allocator_t *fa, uint64_t paddr);

/* Recounts the clear bits and compares with free_count (a consistency check). */
bool frame_check(const frame_allocator_t *fa);

#endif
