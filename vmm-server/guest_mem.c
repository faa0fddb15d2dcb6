/* Guest RAM (guest_mem.h): chunks made on first touch, pages mapped into the VM on nested faults, grow, shrink, flip. */
#include <string.h>

#include <agora/errors.h>
#include <agora/hypercall.h>
#include <agora/objects.h>
#include <libagora/sys.h>

#include "guest_mem.h"
#include "posix/runtime/posix.h"

#define RWX (RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC)

void gm_init(struct guest_mem *g, uint64_t pool, uint64_t vm, uint64_t bytes, uint64_t max)
{
    memset(g, 0, sizeof(*g));
    g->pool = pool;
    g->vm = vm;
    g->bytes = g->initial = bytes;
    g->max = max;
}

/* Chunk c exists and is mapped in the VMM's window: 0 or -E_NOMEM. */
static long chunk_get(struct guest_mem *g, uint64_t c)
{
    long slot;

    if (g->chunk[c])
        return 0;
    if ((slot = posix_slot_alloc()) < 0)
        return -E_NOMEM;
    if (sys_memory_create(g->pool, GM_CHUNK_PAGES, (uint64_t)slot) < 0)
        return -E_NOMEM;
    if (sys_map(CAP_SELF_TASK, (uint64_t)slot, 0, GM_WINDOW + c * GM_CHUNK_BYTES, GM_CHUNK_PAGES,
                RIGHT_READ | RIGHT_WRITE) < 0) {
        sys_cap_delete((uint64_t)slot);
        return -E_NOMEM;
    }
    g->chunk[c] = (uint64_t)slot;
    return 0;
}

static void chunk_drop(struct guest_mem *g, uint64_t c)
{
    if (!g->chunk[c])
        return;
    sys_unmap(CAP_SELF_TASK, GM_WINDOW + c * GM_CHUNK_BYTES, GM_CHUNK_PAGES);
    sys_cap_delete(g->chunk[c]);        /* the VM's mappings of it go with it */
    g->chunk[c] = 0;
}

static struct gm_flip *flip_find(struct guest_mem *g, uint64_t page)
{
    for (unsigned i = 0; i < GM_FLIPS; i++)
        if (g->flip[i].mem && g->flip[i].gpa == page)
            return &g->flip[i];
    return NULL;
}

static uint8_t *flip_host(struct guest_mem *g, const struct gm_flip *f)
{
    return (uint8_t *)(GM_FLIP_WINDOW + (uint64_t)(f - g->flip) * GM_PAGE);
}

/* Where the VMM sees RAM byte gpa (its page made if need be), or NULL (-E_NOMEM in *err). */
static uint8_t *host_byte(struct guest_mem *g, uint64_t gpa, long *err)
{
    struct gm_flip *f = flip_find(g, gpa & ~(GM_PAGE - 1));

    if (f)
        return flip_host(g, f) + (gpa & (GM_PAGE - 1));
    if ((*err = chunk_get(g, gpa / GM_CHUNK_BYTES)) < 0)
        return NULL;
    return (uint8_t *)(GM_WINDOW + gpa);
}

/* Runs op over [gpa, gpa + len) page by page. */
static long span(struct guest_mem *g, uint64_t gpa, size_t len, uint8_t *out, const uint8_t *in)
{
    long err = 0;

    if (gpa >= g->bytes || len > g->bytes - gpa)
        return -E_FAULT;
    while (len > 0) {
        size_t n = GM_PAGE - (gpa & (GM_PAGE - 1));
        uint8_t *h = host_byte(g, gpa, &err);

        if (!h)
            return err;
        if (n > len)
            n = len;
        if (out)
            memcpy(out, h, n), out += n;
        else if (in)
            memcpy(h, in, n), in += n;
        else
            memset(h, 0, n);
        gpa += n;
        len -= n;
    }
    return 0;
}

long gm_read(struct guest_mem *g, uint64_t gpa, void *buf, size_t len) { return span(g, gpa, len, buf, NULL); }
long gm_write(struct guest_mem *g, uint64_t gpa, const void *buf, size_t len) { return span(g, gpa, len, NULL, buf); }
long gm_zero(struct guest_mem *g, uint64_t gpa, size_t len) { return span(g, gpa, len, NULL, NULL); }

long gm_fault(struct guest_mem *g, uint64_t gpa)
{
    uint64_t page = gpa & ~(GM_PAGE - 1), c = page / GM_CHUNK_BYTES;
    struct gm_flip *f = flip_find(g, page);
    long r;

    if (!gm_is_ram(g, gpa))
        return -E_FAULT;
    if (f) {
        r = sys_map(g->vm, f->mem, 0, page, 1, RWX);
    } else {
        if ((r = chunk_get(g, c)) < 0)
            return r;
        r = sys_map(g->vm, g->chunk[c], (page - c * GM_CHUNK_BYTES) / GM_PAGE, page, 1, RWX);
    }
    if (r == -E_EXIST)                  /* the page is there: the fault was not for lack of it */
        return GM_FAULT_MAPPED;
    if (r < 0)
        return r;
    g->faults++;
    return 0;
}

long gm_grow(struct guest_mem *g, uint64_t pages)
{
    uint64_t gpa = g->bytes;

    if (pages == 0 || pages * GM_PAGE > g->max - g->bytes)
        return -E_NOMEM;
    g->bytes += pages * GM_PAGE;
    return (long)gpa;
}

long gm_shrink(struct guest_mem *g, uint64_t gpa, uint64_t pages)
{
    uint64_t end = gpa + pages * GM_PAGE;

    if (end != g->bytes || gpa & (GM_PAGE - 1) || gpa < HC_MEM_FLOOR)
        return -E_INVAL;
    sys_unmap(g->vm, gpa, pages);
    for (unsigned i = 0; i < GM_FLIPS; i++) {
        if (g->flip[i].mem && g->flip[i].gpa >= gpa) {
            sys_unmap(CAP_SELF_TASK, (uint64_t)flip_host(g, &g->flip[i]), 1);
            sys_cap_delete(g->flip[i].mem);
            g->flip[i].mem = 0;
        }
    }
    /* Whole chunks above the new end go back to the pool; a partial one is zeroed for the next grow. */
    for (uint64_t c = (gpa + GM_CHUNK_BYTES - 1) / GM_CHUNK_BYTES; c < GM_MAX_CHUNKS; c++)
        chunk_drop(g, c);
    if (gpa % GM_CHUNK_BYTES && g->chunk[gpa / GM_CHUNK_BYTES])
        memset((void *)(GM_WINDOW + gpa), 0, GM_CHUNK_BYTES - gpa % GM_CHUNK_BYTES);
    g->bytes = gpa;
    return 0;
}

static uint32_t page_hash(const uint8_t *p)
{
    uint32_t h = HC_HASH_SEED;

    for (unsigned i = 0; i < GM_PAGE; i++)
        h = (h ^ p[i]) * HC_HASH_PRIME;
    return h & HC_HASH_MASK;
}

long gm_flip(struct guest_mem *g, uint64_t gpa, uint32_t *hash)
{
    struct gm_flip *old = flip_find(g, gpa), *f = NULL;
    long err = 0, slot;
    uint8_t *h;

    if (gpa & (GM_PAGE - 1))
        return -E_ALIGN;
    if (!gm_is_ram(g, gpa))
        return -E_FAULT;
    for (unsigned i = 0; i < GM_FLIPS && !f; i++)
        if (!g->flip[i].mem)
            f = &g->flip[i];
    if (!f)
        return -E_BUSY;
    if (!(h = host_byte(g, gpa, &err)))
        return err;
    if ((slot = posix_slot_alloc()) < 0 || sys_memory_create(g->pool, 1, (uint64_t)slot) < 0)
        return -E_NOMEM;
    if (sys_map(CAP_SELF_TASK, (uint64_t)slot, 0, (uint64_t)flip_host(g, f), 1, RIGHT_READ | RIGHT_WRITE) < 0) {
        sys_cap_delete((uint64_t)slot);
        return -E_NOMEM;
    }
    /* The guest's page leaves the VM before the VMM reads it: what it hashes stays still. */
    sys_unmap(g->vm, gpa, 1);
    *hash = page_hash(h);
    for (unsigned i = 0; i < GM_PAGE / 4; i++)
        ((uint32_t *)flip_host(g, f))[i] = HC_FLIP_WORD(gpa, i);
    f->gpa = gpa;
    f->mem = (uint64_t)slot;
    /* A page flipped before goes back to the pool; a chunk's page stays the VMM's, out of the VM. */
    if (old) {
        sys_unmap(CAP_SELF_TASK, (uint64_t)flip_host(g, old), 1);
        sys_cap_delete(old->mem);
        old->mem = 0;
    }
    return sys_map(g->vm, f->mem, 0, gpa, 1, RWX) < 0 ? -E_NOMEM : 0;
}

void gm_reset(struct guest_mem *g)
{
    for (unsigned i = 0; i < GM_FLIPS; i++) {
        if (g->flip[i].mem) {
            sys_unmap(CAP_SELF_TASK, (uint64_t)flip_host(g, &g->flip[i]), 1);
            sys_cap_delete(g->flip[i].mem);
            g->flip[i].mem = 0;
        }
    }
    sys_unmap(g->vm, 0, GM_MAX_BYTES / GM_PAGE);
    for (uint64_t c = 0; c < GM_MAX_CHUNKS; c++)
        chunk_drop(g, c);
    g->bytes = g->initial;
}
