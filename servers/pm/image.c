/* Process images (image.h): tasks, regions of pages pm holds, copy-on-write fork, the heap, its faults. */
#include "image.h"

#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/pm.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "regions.h"
#include "stack.h"

#define PAGE 4096ull
/* pm's own windows: where it maps a region it fills, the two pages of a copy, one page it reads or writes. */
#define SCRATCH_DST 0x00007c0000000000ull
#define SCRATCH_SRC 0x00007c8000000000ull
#define PEEK_PAGE   0x00007d0000000000ull
/* Page-fault error code bits (x86): the page was present, the access a write, a reserved bit set, an instruction fetch. */
#define PF_PRESENT  0x01u
#define PF_WRITE    0x02u
#define PF_RESERVED 0x08u
#define PF_FETCH    0x10u

#define RW (RIGHT_READ | RIGHT_WRITE)
#define ENTRY_PAGE(e) ((pm_page_t)((e) & ~PM_IMAGE_WRITABLE))

struct pm_cow pm_cow;

static void delete_slot(uint64_t *slot)
{
    if (*slot == CAP_NULL)
        return;
    sys_cap_delete(*slot);
    agora_slot_free(*slot);
    *slot = CAP_NULL;
}

/* One user less for p; its object goes with its last used page. */
static void page_unref(pm_page_t p)
{
    uint64_t slot = pm_cow_unref(&pm_cow, p);

    delete_slot(&slot);
}

/* A new memory object of pages charged to pool (account a), its first `used` pages in use; its number. */
static long object_new(uint64_t pool, int a, unsigned pages, unsigned used)
{
    long slot = agora_slot_alloc(), r;
    int o;

    if (slot < 0)
        return -E_NOMEM;
    if ((r = sys_memory_create(pool, pages, (uint64_t)slot)) < 0) {
        agora_slot_free((uint64_t)slot);
        return r;
    }
    if ((o = pm_cow_obj_add(&pm_cow, a, (uint64_t)slot, pages, used)) < 0) {
        uint64_t s = (uint64_t)slot;

        delete_slot(&s);
        return -E_NOMEM;
    }
    return o;
}

/* A page of a's own for a copy (*q, used once): a free one, else one of a new object. */
static long page_new(uint64_t pool, int a, pm_page_t *q)
{
    unsigned n;
    long o;

    if ((*q = pm_cow_take(&pm_cow, a)) != 0)
        return 0;
    /* Objects for copies grow with use; near the end of the quota, smaller ones may still fit. */
    for (n = pm_cow_arena_pages(&pm_cow, a);; n /= 2) {
        if ((o = object_new(pool, a, n, 1)) >= 0)
            break;
        if (o != -E_NOMEM || n == 1)
            return o;
    }
    *q = PM_PAGE(o, 0);
    return 0;
}

/* Copies page from into page to, through pm's scratch windows. */
static long copy_page(pm_page_t to, pm_page_t from)
{
    long r = sys_map(CAP_SELF_TASK, pm_cow_slot(&pm_cow, from), PM_PAGE_IDX(from), SCRATCH_SRC, 1,
                     RIGHT_READ);

    if (r < 0)
        return r;
    r = sys_map(CAP_SELF_TASK, pm_cow_slot(&pm_cow, to), PM_PAGE_IDX(to), SCRATCH_DST, 1, RW);
    if (r >= 0) {
        memcpy((void *)SCRATCH_DST, (const void *)SCRATCH_SRC, PAGE);
        sys_unmap(CAP_SELF_TASK, SCRATCH_DST, 1);
    }
    sys_unmap(CAP_SELF_TASK, SCRATCH_SRC, 1);
    return r < 0 ? r : 0;
}

/* Maps count image pages from page[j] on at va of task with rights. */
static long map_pages(uint64_t task, const struct pm_image *img, uint32_t j, uint64_t count,
                      uint64_t va, uint64_t rights)
{
    while (count > 0) {
        uint32_t n = pm_region_run(img, j, count);
        pm_page_t p = ENTRY_PAGE(img->page[j]);
        long r = sys_map(task, pm_cow_slot(&pm_cow, p), PM_PAGE_IDX(p), va, n, rights);

        if (r < 0)
            return r;
        j += n;
        va += n * PAGE;
        count -= n;
    }
    return 0;
}

/*
 * A new zeroed region of pages at vaddr in new objects charged to pool, recorded but not
 * mapped yet; its index or an error (then nothing is left of it).
 */
static long region_new(struct pm_image *img, uint64_t pool, uint64_t vaddr, uint64_t pages,
                       uint64_t rights, uint32_t flags)
{
    int a = pm_cow_account_of(&pm_cow, pool);
    uint32_t first = img->npages;
    uint64_t done;

    if (a < 0)
        return -E_INVAL;
    if (img->n >= PM_MAX_REGIONS || pages > PM_IMAGE_PAGES - img->npages)
        return -E_NOMEM;
    for (done = 0; done < pages;) {
        unsigned k = pages - done > PM_COW_OBJ_PAGES ? PM_COW_OBJ_PAGES : (unsigned)(pages - done);
        long o = object_new(pool, a, k, k);

        if (o < 0) {
            while (done > 0)
                page_unref(img->page[first + --done]);
            return o;
        }
        for (unsigned i = 0; i < k; i++)
            img->page[first + done++] = PM_PAGE(o, i);
    }
    img->r[img->n] = (struct pm_region){ vaddr, pages, rights, first, flags };
    img->npages += (uint32_t)pages;
    return img->n++;
}

/* Forgets the last region (it was never mapped, or the task is gone). */
static void region_drop_last(struct pm_image *img)
{
    struct pm_region *g = &img->r[--img->n];

    for (uint64_t i = 0; i < g->pages; i++)
        page_unref(ENTRY_PAGE(img->page[g->first + i]));
    img->npages = g->first;
}

/* Maps region i of a new image with its full rights. */
static long region_map(struct pm_image *img, unsigned i)
{
    const struct pm_region *g = &img->r[i];
    long r = map_pages(img->task, img, g->first, g->pages, g->vaddr, g->rights);

    if (r < 0)
        return r;
    if (g->rights & RIGHT_WRITE)
        for (uint64_t k = 0; k < g->pages; k++)
            img->page[g->first + k] |= PM_IMAGE_WRITABLE;
    return 0;
}

/* Maps region i into pm at SCRATCH_DST, writable, for filling; unmap with SCRATCH_DST and its pages. */
static long region_scratch(const struct pm_image *img, unsigned i)
{
    const struct pm_region *g = &img->r[i];
    long r = map_pages(CAP_SELF_TASK, img, g->first, g->pages, SCRATCH_DST, RW);

    if (r < 0)
        sys_unmap(CAP_SELF_TASK, SCRATCH_DST, g->pages);
    return r;
}

long pm_image_create(struct pm_image *img, uint64_t pool, uint64_t fault_ep)
{
    long task = agora_slot_alloc(), thread = agora_slot_alloc(), r;

    memset(img, 0, sizeof(*img));
    img->heap_end = PM_HEAP_BASE;
    if (task < 0 || thread < 0) {
        if (task >= 0)
            agora_slot_free((uint64_t)task);
        if (thread >= 0)
            agora_slot_free((uint64_t)thread);
        return -E_NOMEM;
    }
    img->task = (uint64_t)task;
    img->thread = (uint64_t)thread;
    if ((r = sys_task_create(pool, img->task)) < 0) {
        agora_slot_free(img->task);
        agora_slot_free(img->thread);
        img->task = img->thread = CAP_NULL;
        return r;
    }
    if ((r = sys_thread_create(img->task, pool, img->thread)) < 0) {
        agora_slot_free(img->thread);
        img->thread = CAP_NULL;
        return r;
    }
    r = sys_thread_setup(img->thread, AGORA_CHILD_IPC_BUFFER, fault_ep, AGORA_SPAWN_DEFAULT_PRIORITY);
    return r < 0 ? r : 0;
}

long pm_image_load(struct pm_image *img, uint64_t pool, const uint8_t *file, const elf_info_t *elf)
{
    for (unsigned s = 0; s < elf->nsegments; s++) {
        const elf_segment_t *seg = &elf->segments[s];
        uint64_t start, end;
        long i, r;

        elf_segment_pages(seg, &start, &end);
        if ((i = region_new(img, pool, start, (end - start) / PAGE, seg->flags, 0)) < 0)
            return i;
        if (seg->filesz > 0) {
            if ((r = region_scratch(img, (unsigned)i)) < 0)
                return r;
            memcpy((uint8_t *)SCRATCH_DST + (seg->vaddr - start), file + seg->offset, seg->filesz);
            sys_unmap(CAP_SELF_TASK, SCRATCH_DST, img->r[i].pages);
        }
        if ((r = region_map(img, (unsigned)i)) < 0)
            return r;
    }
    return 0;
}

long pm_image_stack(struct pm_image *img, uint64_t pool, const char *strs, uint64_t bytes,
                    uint64_t argc, uint64_t envc, uint64_t *rsp)
{
    uint64_t size = PM_STACK_PAGES * PAGE;
    long i, r;

    if ((i = region_new(img, pool, AGORA_CHILD_STACK_TOP - size, PM_STACK_PAGES, RW, 0)) < 0)
        return i;
    if ((r = region_scratch(img, (unsigned)i)) < 0)
        return r;
    r = pm_stack_build((void *)SCRATCH_DST, size, AGORA_CHILD_STACK_TOP, strs, bytes, argc, envc, rsp);
    sys_unmap(CAP_SELF_TASK, SCRATCH_DST, PM_STACK_PAGES);
    if (r < 0 || (r = region_map(img, (unsigned)i)) < 0)
        return r;
    if ((i = region_new(img, pool, AGORA_CHILD_IPC_BUFFER, 1, RW, PM_REGION_PRIVATE)) < 0)
        return i;
    return region_map(img, (unsigned)i);
}

long pm_image_give(struct pm_image *img, uint64_t names, uint64_t pm)
{
    long r = sys_cap_give(img->task, img->task, CAP_SELF_TASK, RIGHTS_ALL);

    if (r >= 0)
        r = sys_cap_give(img->task, img->thread, CAP_SELF_THREAD, RIGHTS_ALL);
    if (r >= 0 && names != CAP_NULL)
        r = sys_cap_give(img->task, names, CAP_NAMES, RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY);
    if (r >= 0)
        r = sys_cap_give(img->task, pm, CAP_PM, RIGHT_WRITE);
    return r < 0 ? r : 0;
}

/* dst gets region g of src sharing its pages (one more user each), mapped without write. */
static long region_share(struct pm_image *dst, const struct pm_image *src, const struct pm_region *g)
{
    struct pm_region *d = &dst->r[dst->n];

    *d = *g;
    d->first = dst->npages;
    for (uint64_t k = 0; k < g->pages; k++) {
        pm_page_t p = ENTRY_PAGE(src->page[g->first + k]);

        pm_cow_ref(&pm_cow, p);
        dst->page[d->first + k] = p;
    }
    dst->npages += (uint32_t)g->pages;
    dst->n++;
    return map_pages(dst->task, dst, d->first, d->pages, d->vaddr, d->rights & ~(uint64_t)RIGHT_WRITE);
}

/* dst gets region g of src copied into pages of its own (account a of pool). */
static long region_copy(struct pm_image *dst, uint64_t pool, int a, const struct pm_image *src,
                        const struct pm_region *g)
{
    struct pm_region *d = &dst->r[dst->n];
    long r;

    *d = *g;
    d->first = dst->npages;
    for (uint64_t k = 0; k < g->pages; k++) {
        pm_page_t q;

        if ((r = page_new(pool, a, &q)) < 0)
            return r;
        /* Recorded at once, so releasing dst lets go of it whatever fails next. */
        dst->page[dst->npages++] = q;
        if ((r = copy_page(q, ENTRY_PAGE(src->page[g->first + k]))) < 0)
            return r;
    }
    dst->n++;
    return region_map(dst, dst->n - 1);
}

/* The pages of region g of img that are mapped writable become read-only (they are shared now). */
static long region_protect(struct pm_image *img, const struct pm_region *g)
{
    for (uint64_t k = 0; k < g->pages;) {
        uint32_t j = g->first + (uint32_t)k, n;
        pm_page_t p = ENTRY_PAGE(img->page[j]);
        uint64_t va = g->vaddr + k * PAGE;
        long r;

        n = pm_region_run(img, j, g->pages - k);
        k += n;
        if (!(img->page[j] & PM_IMAGE_WRITABLE))
            continue;
        sys_unmap(img->task, va, n);
        r = sys_map(img->task, pm_cow_slot(&pm_cow, p), PM_PAGE_IDX(p), va, n, g->rights & ~(uint64_t)RIGHT_WRITE);
        for (uint32_t i = 0; i < n; i++)
            img->page[j + i] &= ~PM_IMAGE_WRITABLE;
        if (r < 0)
            return r;
    }
    return 0;
}

long pm_image_copy(struct pm_image *dst, struct pm_image *src, uint64_t pool)
{
    int a = pm_cow_account_of(&pm_cow, pool);
    long r;

    if (a < 0)
        return -E_INVAL;
    if (src->npages > PM_IMAGE_PAGES - dst->npages || src->n > PM_MAX_REGIONS - dst->n)
        return -E_NOMEM;
    for (unsigned s = 0; s < src->n; s++) {
        const struct pm_region *g = &src->r[s];

        r = (g->flags & PM_REGION_PRIVATE) ? region_copy(dst, pool, a, src, g) : region_share(dst, src, g);
        if (r < 0)
            return r;
    }
    for (unsigned s = 0; s < src->n; s++) {
        const struct pm_region *g = &src->r[s];

        if ((g->rights & RIGHT_WRITE) && !(g->flags & PM_REGION_PRIVATE) && (r = region_protect(src, g)) < 0)
            return r;
    }
    dst->heap_end = src->heap_end;
    return 0;
}

long pm_image_brk(struct pm_image *img, uint64_t pool, uint64_t end)
{
    uint64_t want, grow, room = (PM_IMAGE_PAGES - img->npages) * PAGE;
    long i, r;

    if (end < PM_HEAP_BASE || end > PM_HEAP_BASE + PM_HEAP_MAX)
        return -E_NOMEM;
    if (end <= img->heap_end)
        return (long)img->heap_end;
    want = (end - img->heap_end + PAGE - 1) & ~(PAGE - 1);
    /* Steps double with the heap, so a big heap needs few regions. */
    grow = img->heap_end - PM_HEAP_BASE;
    if (grow < PM_HEAP_STEP)
        grow = PM_HEAP_STEP;
    if (grow < want)
        grow = want;
    if (grow > PM_HEAP_BASE + PM_HEAP_MAX - img->heap_end)
        grow = PM_HEAP_BASE + PM_HEAP_MAX - img->heap_end;
    if (grow > room)
        grow = room;
    if (want > grow)
        return -E_NOMEM;
    i = region_new(img, pool, img->heap_end, grow / PAGE, RW, 0);
    if (i == -E_NOMEM && grow > want)          /* the quota may hold what was asked, not the step */
        i = region_new(img, pool, img->heap_end, want / PAGE, RW, 0);
    if (i < 0)
        return i == -E_INVAL ? i : -E_NOMEM;
    if ((r = region_map(img, (unsigned)i)) < 0) {
        sys_unmap(img->task, img->heap_end, img->r[i].pages);
        region_drop_last(img);
        return r;
    }
    img->heap_end += img->r[i].pages * PAGE;
    return (long)img->heap_end;
}

/*
 * The image's page j at va (of a writable region) becomes the process's own and is mapped
 * writable: copied into a new page of pool's account while others use it, else remapped.
 */
static long page_own(struct pm_image *img, uint64_t pool, uint32_t j, uint64_t va)
{
    pm_page_t p = ENTRY_PAGE(img->page[j]), q = p;
    int a = pm_cow_account_of(&pm_cow, pool);
    long r;

    if (a < 0)
        return -E_INVAL;
    if (pm_cow_refs(&pm_cow, p) > 1) {
        if ((r = page_new(pool, a, &q)) < 0)
            return r;
        if ((r = copy_page(q, p)) < 0) {
            page_unref(q);
            return r;
        }
    }
    sys_unmap(img->task, va, 1);
    r = sys_map(img->task, pm_cow_slot(&pm_cow, q), PM_PAGE_IDX(q), va, 1, RW);
    img->page[j] = q | (r < 0 ? 0 : PM_IMAGE_WRITABLE);
    if (q != p)
        page_unref(p);
    return r < 0 ? r : 0;
}

long pm_image_fault(struct pm_image *img, uint64_t pool, uint64_t addr, uint64_t error)
{
    uint64_t va = addr & ~(PAGE - 1);
    long j;

    /* Only a write to a page mapped read-only can be copy-on-write. */
    if ((error & (PF_PRESENT | PF_WRITE)) != (PF_PRESENT | PF_WRITE) || (error & (PF_RESERVED | PF_FETCH)))
        return -E_FAULT;
    if ((j = pm_region_entry(img, va, RIGHT_WRITE)) < 0 || (img->page[j] & PM_IMAGE_WRITABLE))
        return -E_FAULT;
    return page_own(img, pool, (uint32_t)j, va);
}

/* Maps the page at vaddr of the image at PEEK_PAGE with rights (the region must allow them). */
static long peek(const struct pm_image *img, uint64_t vaddr, uint64_t rights)
{
    long j = pm_region_entry(img, vaddr, rights);
    pm_page_t p;

    if (j < 0)
        return -E_FAULT;
    p = ENTRY_PAGE(img->page[j]);
    return sys_map(CAP_SELF_TASK, pm_cow_slot(&pm_cow, p), PM_PAGE_IDX(p), PEEK_PAGE, 1, rights);
}

long pm_image_read(const struct pm_image *img, uint64_t vaddr, void *buf, uint64_t len)
{
    uint8_t *out = buf;

    while (len > 0) {
        uint64_t in_page = vaddr & (PAGE - 1), n = PAGE - in_page;
        long r;

        if (n > len)
            n = len;
        if ((r = peek(img, vaddr - in_page, RIGHT_READ)) < 0)
            return r;
        memcpy(out, (const uint8_t *)PEEK_PAGE + in_page, n);
        sys_unmap(CAP_SELF_TASK, PEEK_PAGE, 1);
        out += n;
        vaddr += n;
        len -= n;
    }
    return 0;
}

long pm_image_write(struct pm_image *img, uint64_t pool, uint64_t vaddr, const void *buf, uint64_t len)
{
    const uint8_t *in = buf;
    uint64_t first = vaddr & ~(PAGE - 1), va;
    long j, r;

    if ((r = pm_region_check(img, vaddr, len, RIGHT_WRITE)) < 0 || len == 0)
        return r;
    if (pm_cow_account_of(&pm_cow, pool) < 0)
        return -E_INVAL;
    /* Every page becomes the process's own before a byte moves: a full quota changes nothing it sees. */
    for (va = first; va < vaddr + len; va += PAGE) {
        j = pm_region_entry(img, va, RIGHT_WRITE);
        if (!(img->page[j] & PM_IMAGE_WRITABLE) && (r = page_own(img, pool, (uint32_t)j, va)) < 0)
            return r;
    }
    while (len > 0) {
        uint64_t in_page = vaddr & (PAGE - 1), n = PAGE - in_page;

        if (n > len)
            n = len;
        if ((r = peek(img, vaddr - in_page, RW)) < 0)
            return r;
        memcpy((uint8_t *)PEEK_PAGE + in_page, in, n);
        sys_unmap(CAP_SELF_TASK, PEEK_PAGE, 1);
        in += n;
        vaddr += n;
        len -= n;
    }
    return 0;
}

void pm_image_release(struct pm_image *img)
{
    if (img->task != CAP_NULL)
        sys_task_kill(img->task, 0);
    delete_slot(&img->thread);
    delete_slot(&img->task);
    /* The task's mappings went with it: a page's object goes with its last user. */
    for (uint32_t j = 0; j < img->npages; j++)
        page_unref(ENTRY_PAGE(img->page[j]));
    img->n = 0;
    img->npages = 0;
}
