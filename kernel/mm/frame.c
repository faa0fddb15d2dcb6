/* Physical frame allocator: a bitmap with next-fit single allocation and aligned runs. */
#include "mm/frame.h"

/*
 * Bits past nframes in the last word stay set for ever (no operation touches
 * them), so searches may test whole words without a bound check per bit.
 */

#define FRAME_WORD_BITS 64u

/* Bits set in v; written out so the kernel does not need libgcc's __popcountdi2. */
static uint64_t frame_popcount(uint64_t v)
{
    v = v - ((v >> 1) & 0x5555555555555555ull);
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (v * 0x0101010101010101ull) >> 56;
}

/* Bits [lo, hi) of one word, 0 <= lo < hi <= 64. */
static uint64_t frame_mask(unsigned lo, unsigned hi)
{
    uint64_t upto_hi = hi == FRAME_WORD_BITS ? ~0ull : (1ull << hi) - 1;

    return upto_hi & ~((1ull << lo) - 1);
}

/* Marks frames [first, last) used or free, keeping free_count exact; returns how many changed. */
static uint64_t frame_set_range(frame_allocator_t *fa, uint64_t first, uint64_t last, bool used)
{
    uint64_t changed = 0;

    if (last > fa->nframes)
        last = fa->nframes;
    while (first < last) {
        uint64_t w = first / FRAME_WORD_BITS;
        unsigned lo = (unsigned)(first % FRAME_WORD_BITS);
        unsigned hi = last - w * FRAME_WORD_BITS >= FRAME_WORD_BITS ?
                      FRAME_WORD_BITS : (unsigned)(last - w * FRAME_WORD_BITS);
        uint64_t mask = frame_mask(lo, hi);
        uint64_t flip = used ? ~fa->bitmap[w] & mask : fa->bitmap[w] & mask;

        fa->bitmap[w] ^= flip;
        changed += frame_popcount(flip);
        first = w * FRAME_WORD_BITS + hi;
    }
    if (used)
        fa->free_count -= changed;
    else
        fa->free_count += changed;
    return changed;
}

void frame_init(frame_allocator_t *fa, uint64_t *storage, uint64_t nframes)
{
    size_t nwords = frame_bitmap_words(nframes);

    for (size_t i = 0; i < nwords; i++)
        storage[i] = ~0ull;
    fa->bitmap = storage;
    fa->nframes = nframes;
    fa->free_count = 0;
    fa->total_usable = 0;
    fa->next_hint = 0;
}

void frame_add_free(frame_allocator_t *fa, uint64_t start, uint64_t end)
{
    /* Round inward: a partial frame at either end may hold something else. */
    uint64_t first = (start >> FRAME_SHIFT) + ((start & (FRAME_SIZE - 1)) != 0);
    uint64_t last = end >> FRAME_SHIFT;

    if (end <= start || first >= last)
        return;
    fa->total_usable += frame_set_range(fa, first, last, false);
}

void frame_reserve(frame_allocator_t *fa, uint64_t start, uint64_t end)
{
    /* Round outward: a frame that holds any reserved byte cannot be handed out. */
    uint64_t first = start >> FRAME_SHIFT;
    uint64_t last = (end >> FRAME_SHIFT) + ((end & (FRAME_SIZE - 1)) != 0);

    if (end <= start)
        return;
    frame_set_range(fa, first, last, true);
}

uint64_t frame_alloc(frame_allocator_t *fa)
{
    size_t nwords = frame_bitmap_words(fa->nframes);
    uint64_t hint = fa->next_hint < fa->nframes ? fa->next_hint : 0;
    size_t w = (size_t)(hint / FRAME_WORD_BITS);
    /* The hint's own word is visited twice: first above the hint, last in full (wrap-around). */
    uint64_t allowed = ~0ull << (hint % FRAME_WORD_BITS);

    if (fa->free_count == 0)
        return FRAME_NONE;
    for (size_t i = 0; i <= nwords; i++) {
        uint64_t free_bits = ~fa->bitmap[w] & allowed;

        if (free_bits != 0) {
            uint64_t frame = w * FRAME_WORD_BITS + (uint64_t)__builtin_ctzll(free_bits);

            fa->bitmap[w] |= 1ull << (frame % FRAME_WORD_BITS);
            fa->free_count--;
            fa->next_hint = frame + 1 < fa->nframes ? frame + 1 : 0;
            return frame << FRAME_SHIFT;
        }
        allowed = ~0ull;
        w = w + 1 < nwords ? w + 1 : 0;
    }
    return FRAME_NONE;    /* not reached while free_count is right */
}

/* The first used frame in [first, last), or last when all are free. */
static uint64_t frame_find_used(const frame_allocator_t *fa, uint64_t first, uint64_t last)
{
    while (first < last) {
        uint64_t w = first / FRAME_WORD_BITS;
        uint64_t used = fa->bitmap[w] & (~0ull << (first % FRAME_WORD_BITS));

        if (used != 0) {
            uint64_t frame = w * FRAME_WORD_BITS + (uint64_t)__builtin_ctzll(used);

            return frame < last ? frame : last;
        }
        first = (w + 1) * FRAME_WORD_BITS;
    }
    return last;
}

uint64_t frame_alloc_contig(frame_allocator_t *fa, uint64_t count, uint64_t align)
{
    uint64_t step;
    uint64_t cand = 0;

    if (count == 0 || count > fa->free_count)
        return FRAME_NONE;
    if (align < FRAME_SIZE || (align & (align - 1)) != 0)
        return FRAME_NONE;
    step = align >> FRAME_SHIFT;

    /* First fit: runs are rare and large, and low addresses suit DMA and large pages. */
    while (cand < fa->nframes && count <= fa->nframes - cand) {
        uint64_t used = frame_find_used(fa, cand, cand + count);

        if (used == cand + count) {
            frame_set_range(fa, cand, cand + count, true);
            return cand << FRAME_SHIFT;
        }
        /* No run through a used frame: the next candidate is the first aligned one past it. */
        cand = (used + step) & ~(step - 1);
    }
    return FRAME_NONE;
}

bool frame_free(frame_allocator_t *fa, uint64_t paddr)
{
    uint64_t frame = paddr >> FRAME_SHIFT;
    uint64_t bit = 1ull << (frame % FRAME_WORD_BITS);

    if ((paddr & (FRAME_SIZE - 1)) != 0 || frame >= fa->nframes)
        return false;
    if ((fa->bitmap[frame / FRAME_WORD_BITS] & bit) == 0)
        return false;    /* already free: a double free */
    fa->bitmap[frame / FRAME_WORD_BITS] &= ~bit;
    fa->free_count++;
    return true;
}

bool frame_is_used(const frame_allocator_t *fa, uint64_t paddr)
{
    uint64_t frame = paddr >> FRAME_SHIFT;

    if (frame >= fa->nframes)
        return true;
    return (fa->bitmap[frame / FRAME_WORD_BITS] >> (frame % FRAME_WORD_BITS)) & 1;
}

bool frame_check(const frame_allocator_t *fa)
{
    size_t nwords = frame_bitmap_words(fa->nframes);
    unsigned tail = (unsigned)(fa->nframes % FRAME_WORD_BITS);
    uint64_t free_frames = 0;

    for (size_t i = 0; i < nwords; i++)
        free_frames += frame_popcount(~fa->bitmap[i]);
    /* The padding bits past nframes must still read as used (see the top of this file). */
    if (tail != 0 && (fa->bitmap[nwords - 1] | frame_mask(0, tail)) != ~0ull)
        return false;
    if (fa->nframes != 0 && fa->next_hint >= fa->nframes)
        return false;
    return free_frames == fa->free_count;
}
