/* agora_spawn: an ELF image in a memory object becomes a running task (layout in libagora/spawn.h). */
#include <libagora/spawn.h>

#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "lib/elf.h"

#define PAGE 4096ull

_Static_assert(AGORA_SPAWN_MAX_MEMORY == ELF_MAX_SEGMENTS + 2, "segments, stack and IPC buffer");

static uint64_t pages_of(uint64_t bytes)
{
    return (bytes + PAGE - 1) / PAGE;
}

static int check_args(const struct agora_spawn_args *a)
{
    bool used[AGORA_CHILD_FIRST_FREE_SLOT] = { false };

    if (a->image_size == 0 || a->priority > 255)
        return -E_INVAL;
    if (a->ncaps > AGORA_CHILD_FIRST_FREE_SLOT - AGORA_CHILD_FIRST_PASSED_SLOT ||
        (a->ncaps > 0 && a->caps == NULL))
        return -E_INVAL;
    for (unsigned i = 0; i < a->ncaps; i++) {
        uint64_t dst = a->caps[i].dst;

        if (dst < AGORA_CHILD_FIRST_PASSED_SLOT || dst >= AGORA_CHILD_FIRST_FREE_SLOT || used[dst])
            return -E_INVAL;
        used[dst] = true;
    }
    return 0;
}

/* The image must fit its memory object and, with the largest segment, the scratch window. */
static int check_image(const struct agora_spawn_args *a)
{
    long pages = sys_memory_info(a->image);

    if (pages < 0)
        return (int)pages;
    if (a->image_size > (uint64_t)pages * PAGE || pages_of(a->image_size) * PAGE >= AGORA_SPAWN_SCRATCH_BYTES)
        return -E_RANGE;
    return 0;
}

static int check_layout(const elf_info_t *elf, uint64_t image_size)
{
    uint64_t room = AGORA_SPAWN_SCRATCH_BYTES - pages_of(image_size) * PAGE;

    if (!elf_range_free(elf, AGORA_CHILD_RESERVED_START,
                        AGORA_CHILD_RESERVED_END - AGORA_CHILD_RESERVED_START))
        return -E_OVERLAP;
    for (unsigned i = 0; i < elf->nsegments; i++) {
        uint64_t start, end;

        elf_segment_pages(&elf->segments[i], &start, &end);
        if (end - start > room)
            return -E_RANGE;
    }
    return 0;
}

/* A new memory object of `pages`, recorded in *child; returns its slot or a negated error. */
static long new_memory(const struct agora_spawn_args *a, struct agora_child *child, uint64_t pages)
{
    long slot = agora_slot_alloc();
    long r;

    if (slot < 0)
        return slot;
    r = sys_memory_create(a->pool, pages, (uint64_t)slot);
    if (r < 0) {
        agora_slot_free((uint64_t)slot);
        return r;
    }
    child->memory[child->nmemory++] = (uint64_t)slot;
    return slot;
}

/* Creates a segment's memory, fills it from the image mapped at `image`, maps it into the child. */
static int load_segment(const struct agora_spawn_args *a, struct agora_child *child,
                        const uint8_t *image, const elf_segment_t *seg)
{
    uint64_t start, end, pages, scratch;
    long mem, r;

    elf_segment_pages(seg, &start, &end);
    pages = (end - start) / PAGE;
    scratch = AGORA_SPAWN_SCRATCH_VADDR + pages_of(a->image_size) * PAGE;
    mem = new_memory(a, child, pages);
    if (mem < 0)
        return (int)mem;
    /* The object is zeroed: only the file bytes need copying; the rest is the bss. */
    if (seg->filesz > 0) {
        r = sys_map(CAP_SELF_TASK, (uint64_t)mem, 0, scratch, pages, RIGHT_READ | RIGHT_WRITE);
        if (r < 0)
            return (int)r;
        memcpy((uint8_t *)scratch + (seg->vaddr - start), image + seg->offset, seg->filesz);
        r = sys_unmap(CAP_SELF_TASK, scratch, pages);
        if (r < 0)
            return (int)r;      /* the window stays dirty: the next spawn's map fails cleanly */
    }
    r = sys_map(child->task, (uint64_t)mem, 0, start, pages, seg->flags);
    return r < 0 ? (int)r : 0;
}

/* A zeroed read-write region of the child (stack, IPC buffer). */
static int map_anonymous(const struct agora_spawn_args *a, struct agora_child *child,
                         uint64_t vaddr, uint64_t pages)
{
    long mem = new_memory(a, child, pages);
    long r;

    if (mem < 0)
        return (int)mem;
    r = sys_map(child->task, (uint64_t)mem, 0, vaddr, pages, RIGHT_READ | RIGHT_WRITE);
    return r < 0 ? (int)r : 0;
}

static int give_caps(const struct agora_spawn_args *a, const struct agora_child *child)
{
    long r = sys_cap_give(child->task, child->task, CAP_SELF_TASK, RIGHTS_ALL);

    if (r >= 0)
        r = sys_cap_give(child->task, child->thread, CAP_SELF_THREAD, RIGHTS_ALL);
    for (unsigned i = 0; r >= 0 && i < a->ncaps; i++)
        r = sys_cap_give(child->task, a->caps[i].src, a->caps[i].dst, a->caps[i].rights);
    return r < 0 ? (int)r : 0;
}

/* Creates the task and its thread in fresh slots of the caller. */
static int make_task(const struct agora_spawn_args *a, struct agora_child *child)
{
    long slot, r;

    slot = agora_slot_alloc();
    if (slot < 0)
        return (int)slot;
    r = sys_task_create(a->pool, (uint64_t)slot);
    if (r < 0) {
        agora_slot_free((uint64_t)slot);
        return (int)r;
    }
    child->task = (uint64_t)slot;
    slot = agora_slot_alloc();
    if (slot < 0)
        return (int)slot;
    r = sys_thread_create(child->task, a->pool, (uint64_t)slot);
    if (r < 0) {
        agora_slot_free((uint64_t)slot);
        return (int)r;
    }
    child->thread = (uint64_t)slot;
    r = sys_thread_setup(child->thread, AGORA_CHILD_IPC_BUFFER, a->fault_ep, a->priority);
    return r < 0 ? (int)r : 0;
}

/* Builds the whole child from the validated image mapped at `image`; does not start it. */
static int build_child(const struct agora_spawn_args *a, struct agora_child *child,
                       const uint8_t *image, const elf_info_t *elf)
{
    int err = make_task(a, child);

    for (unsigned i = 0; err == 0 && i < elf->nsegments; i++)
        err = load_segment(a, child, image, &elf->segments[i]);
    if (err == 0)
        err = map_anonymous(a, child, AGORA_CHILD_STACK_TOP - AGORA_CHILD_STACK_PAGES * PAGE,
                            AGORA_CHILD_STACK_PAGES);
    if (err == 0)
        err = map_anonymous(a, child, AGORA_CHILD_IPC_BUFFER, 1);
    if (err == 0)
        err = give_caps(a, child);
    return err;
}

static void release_slot(uint64_t slot)
{
    if (slot == CAP_NULL)
        return;
    sys_cap_delete(slot);
    agora_slot_free(slot);
}

void agora_child_release(struct agora_child *child)
{
    if (child->task != CAP_NULL)
        sys_task_kill(child->task, 0);
    release_slot(child->thread);
    release_slot(child->task);
    for (unsigned i = 0; i < child->nmemory; i++)
        release_slot(child->memory[i]);
    child->task = child->thread = CAP_NULL;
    child->nmemory = 0;
}

int agora_spawn(const struct agora_spawn_args *a, struct agora_child *child)
{
    const uint8_t *image = (const uint8_t *)AGORA_SPAWN_SCRATCH_VADDR;
    uint64_t image_pages = pages_of(a->image_size);
    elf_info_t elf;
    long r;
    int err;

    memset(child, 0, sizeof(*child));
    err = check_args(a);
    if (err == 0)
        err = check_image(a);
    if (err < 0)
        return err;
    r = sys_map(CAP_SELF_TASK, a->image, 0, AGORA_SPAWN_SCRATCH_VADDR, image_pages, RIGHT_READ);
    if (r < 0)
        return (int)r;
    err = elf_parse(image, a->image_size, &elf);
    if (err == 0)
        err = check_layout(&elf, a->image_size);
    if (err < 0)
        goto out_unmap;

    child->entry = elf.entry;
    err = build_child(a, child, image, &elf);
    if (err < 0)
        goto out_release;
    r = sys_thread_start(child->thread, elf.entry, AGORA_CHILD_STACK_TOP, a->arg);
    if (r < 0) {
        err = (int)r;
        goto out_release;
    }
    sys_unmap(CAP_SELF_TASK, AGORA_SPAWN_SCRATCH_VADDR, image_pages);
    return 0;

out_release:
    agora_child_release(child);
out_unmap:
    sys_unmap(CAP_SELF_TASK, AGORA_SPAWN_SCRATCH_VADDR, image_pages);
    return err;
}
