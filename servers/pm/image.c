/* Process images (image.h): tasks, regions of memory objects, copies for fork, the heap. */
#include "image.h"

#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/pm.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "stack.h"

#define PAGE 4096ull
/* pm's own windows: where it maps a region it fills or copies, and one page it reads. */
#define SCRATCH_DST 0x00007c0000000000ull
#define SCRATCH_SRC 0x00007c8000000000ull
#define PEEK_PAGE   0x00007d0000000000ull

static void delete_slot(uint64_t *slot)
{
    if (*slot == CAP_NULL)
        return;
    sys_cap_delete(*slot);
    agora_slot_free(*slot);
    *slot = CAP_NULL;
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

/* A new zeroed region of pages at vaddr, recorded but not mapped yet; its index or an error. */
static long region_new(struct pm_image *img, uint64_t pool, uint64_t vaddr, uint64_t pages,
                       uint64_t rights)
{
    long slot, r;

    if (img->n >= PM_MAX_REGIONS)
        return -E_NOMEM;
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    if ((r = sys_memory_create(pool, pages, (uint64_t)slot)) < 0) {
        agora_slot_free((uint64_t)slot);
        return r;
    }
    img->r[img->n] = (struct pm_region){ vaddr, pages, rights, (uint64_t)slot };
    return img->n++;
}

static long region_map(struct pm_image *img, unsigned i)
{
    const struct pm_region *g = &img->r[i];
    long r = sys_map(img->task, g->mem, 0, g->vaddr, g->pages, g->rights);

    return r < 0 ? r : 0;
}

long pm_image_load(struct pm_image *img, uint64_t pool, const uint8_t *file, const elf_info_t *elf)
{
    for (unsigned s = 0; s < elf->nsegments; s++) {
        const elf_segment_t *seg = &elf->segments[s];
        uint64_t start, end;
        long i, r;

        elf_segment_pages(seg, &start, &end);
        if ((i = region_new(img, pool, start, (end - start) / PAGE, seg->flags)) < 0)
            return i;
        if (seg->filesz > 0) {
            r = sys_map(CAP_SELF_TASK, img->r[i].mem, 0, SCRATCH_DST, img->r[i].pages,
                        RIGHT_READ | RIGHT_WRITE);
            if (r < 0)
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

    if ((i = region_new(img, pool, AGORA_CHILD_STACK_TOP - size, PM_STACK_PAGES,
                        RIGHT_READ | RIGHT_WRITE)) < 0)
        return i;
    r = sys_map(CAP_SELF_TASK, img->r[i].mem, 0, SCRATCH_DST, PM_STACK_PAGES, RIGHT_READ | RIGHT_WRITE);
    if (r < 0)
        return r;
    r = pm_stack_build((void *)SCRATCH_DST, size, AGORA_CHILD_STACK_TOP, strs, bytes, argc, envc, rsp);
    sys_unmap(CAP_SELF_TASK, SCRATCH_DST, PM_STACK_PAGES);
    if (r < 0 || (r = region_map(img, (unsigned)i)) < 0)
        return r;
    if ((i = region_new(img, pool, AGORA_CHILD_IPC_BUFFER, 1, RIGHT_READ | RIGHT_WRITE)) < 0)
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

long pm_image_copy(struct pm_image *dst, const struct pm_image *src, uint64_t pool)
{
    for (unsigned s = 0; s < src->n; s++) {
        const struct pm_region *g = &src->r[s];
        long i, r;

        if ((i = region_new(dst, pool, g->vaddr, g->pages, g->rights)) < 0)
            return i;
        r = sys_map(CAP_SELF_TASK, dst->r[i].mem, 0, SCRATCH_DST, g->pages, RIGHT_READ | RIGHT_WRITE);
        if (r < 0)
            return r;
        r = sys_map(CAP_SELF_TASK, g->mem, 0, SCRATCH_SRC, g->pages, RIGHT_READ);
        if (r >= 0) {
            memcpy((void *)SCRATCH_DST, (const void *)SCRATCH_SRC, g->pages * PAGE);
            sys_unmap(CAP_SELF_TASK, SCRATCH_SRC, g->pages);
        }
        sys_unmap(CAP_SELF_TASK, SCRATCH_DST, g->pages);
        if (r < 0 || (r = region_map(dst, (unsigned)i)) < 0)
            return r;
    }
    dst->heap_end = src->heap_end;
    return 0;
}

long pm_image_brk(struct pm_image *img, uint64_t pool, uint64_t end)
{
    uint64_t want, grow;
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
    i = region_new(img, pool, img->heap_end, grow / PAGE, RIGHT_READ | RIGHT_WRITE);
    if (i == -E_NOMEM && grow > want)          /* the quota may hold what was asked, not the step */
        i = region_new(img, pool, img->heap_end, want / PAGE, RIGHT_READ | RIGHT_WRITE);
    if (i < 0)
        return -E_NOMEM;
    if ((r = region_map(img, (unsigned)i)) < 0) {
        img->n--;
        delete_slot(&img->r[i].mem);
        return r;
    }
    img->heap_end += img->r[i].pages * PAGE;
    return (long)img->heap_end;
}

static const struct pm_region *region_at(const struct pm_image *img, uint64_t vaddr)
{
    for (unsigned i = 0; i < img->n; i++)
        if (vaddr >= img->r[i].vaddr && vaddr - img->r[i].vaddr < img->r[i].pages * PAGE)
            return &img->r[i];
    return 0;
}

long pm_image_read(const struct pm_image *img, uint64_t vaddr, void *buf, uint64_t len)
{
    uint8_t *out = buf;

    while (len > 0) {
        const struct pm_region *g = region_at(img, vaddr);
        uint64_t in_page = vaddr & (PAGE - 1), n = PAGE - in_page;
        long r;

        if (!g || !(g->rights & RIGHT_READ))
            return -E_FAULT;
        if (n > len)
            n = len;
        r = sys_map(CAP_SELF_TASK, g->mem, (vaddr - g->vaddr) / PAGE, PEEK_PAGE, 1, RIGHT_READ);
        if (r < 0)
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

    (void)pool;
    while (len > 0) {
        const struct pm_region *g = region_at(img, vaddr);
        uint64_t in_page = vaddr & (PAGE - 1), n = PAGE - in_page;
        long r;

        if (!g || !(g->rights & RIGHT_WRITE))
            return -E_FAULT;
        if (n > len)
            n = len;
        r = sys_map(CAP_SELF_TASK, g->mem, (vaddr - g->vaddr) / PAGE, PEEK_PAGE, 1, RIGHT_READ | RIGHT_WRITE);
        if (r < 0)
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
    for (unsigned i = 0; i < img->n; i++)
        delete_slot(&img->r[i].mem);
    img->n = 0;
}
