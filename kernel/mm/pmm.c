/* Sets up the frame allocator from the boot memory map and owns the global instance. */
#include "mm/pmm.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"

#define LOW_MEMORY_END 0x100000ull

static frame_allocator_t frames;
/* The boot memory map's RAM ranges (usable, ACPI, NVS), kept for device-memory checks. */
static boot_region_t ram[BOOT_MAX_REGIONS];
static size_t nram;

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

static bool overlaps(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
    return s1 < e2 && s2 < e1;
}

/* First usable stretch of `bytes` above 1 MiB that misses every reserved range. */
static uint64_t find_bitmap_home(const boot_info_t *bi, const pmm_reserved_t *res, int nres, uint64_t bytes)
{
    for (size_t i = 0; i < bi->nregions; i++) {
        const boot_region_t *r = &bi->regions[i];
        if (r->type != BOOT_REGION_USABLE)
            continue;
        uint64_t start = align_up(r->base < LOW_MEMORY_END ? LOW_MEMORY_END : r->base, FRAME_SIZE);
        uint64_t end = r->base + r->length;
        while (start + bytes <= end && start + bytes <= BOOT_MAPPED_BYTES) {
            int hit = -1;
            for (int j = 0; j < nres; j++)
                if (overlaps(start, start + bytes, res[j].start, res[j].end))
                    hit = j;
            if (hit < 0)
                return start;
            start = align_up(res[hit].end, FRAME_SIZE);
        }
    }
    return 0;
}

uint64_t pmm_init(const boot_info_t *bi, const pmm_reserved_t *reserved, int nreserved)
{
    uint64_t limit = 0;
    for (size_t i = 0; i < bi->nregions; i++) {
        const boot_region_t *r = &bi->regions[i];
        if (r->type == BOOT_REGION_USABLE || r->type == BOOT_REGION_ACPI || r->type == BOOT_REGION_NVS)
            ram[nram++] = *r;
        if (r->type == BOOT_REGION_USABLE && r->base + r->length > limit)
            limit = r->base + r->length;
    }
    if (limit <= LOW_MEMORY_END)
        panic("no usable memory above 1 MiB in the memory map");

    uint64_t nframes = limit / FRAME_SIZE;
    uint64_t bytes = align_up(frame_bitmap_words(nframes) * sizeof(uint64_t), FRAME_SIZE);
    uint64_t home = find_bitmap_home(bi, reserved, nreserved, bytes);
    if (!home)
        panic("no room for the frame bitmap (%lu bytes)", (unsigned long)bytes);

    /* The boot page tables map the first 4 GiB at PHYS_MAP_BASE, so the bitmap is reachable. */
    frame_init(&frames, phys_to_virt(home), nframes);
    for (size_t i = 0; i < bi->nregions; i++) {
        const boot_region_t *r = &bi->regions[i];
        if (r->type == BOOT_REGION_USABLE)
            frame_add_free(&frames, r->base, r->base + r->length);
    }
    frame_reserve(&frames, 0, LOW_MEMORY_END);
    frame_reserve(&frames, home, home + bytes);
    for (int j = 0; j < nreserved; j++)
        frame_reserve(&frames, reserved[j].start, reserved[j].end);
    return limit;
}

bool pmm_overlaps_ram(uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < nram; i++)
        if (overlaps(start, end, ram[i].base, ram[i].base + ram[i].length))
            return true;
    return false;
}

uint64_t pmm_alloc_frame(void)
{
    uint64_t f = frame_alloc(&frames);
    return f == FRAME_NONE ? 0 : f;
}

void pmm_free_frame(uint64_t phys)
{
    if (!frame_free(&frames, phys))
        panic("bad free of physical frame 0x%lx", (unsigned long)phys);
}

frame_allocator_t *pmm_allocator(void)
{
    return &frames;
}
