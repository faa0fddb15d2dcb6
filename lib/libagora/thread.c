/* New memory mapped into this task, and helper threads on it (runtime.h). */
#include <libagora/runtime.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/spawn.h>
#include <libagora/sys.h>

#define PAGE_BYTES 4096ull

long agora_map_new(uint64_t vaddr, uint64_t pages, uint64_t *memory)
{
    long slot = agora_slot_alloc(), r;

    if (slot < 0)
        return slot;
    if ((r = sys_memory_create(CAP_CHILD_POOL, pages, (uint64_t)slot)) < 0) {
        agora_slot_free((uint64_t)slot);
        return r;
    }
    if ((r = sys_map(CAP_SELF_TASK, (uint64_t)slot, 0, vaddr, pages, RIGHT_READ | RIGHT_WRITE)) < 0) {
        sys_cap_delete((uint64_t)slot);
        agora_slot_free((uint64_t)slot);
        return r;
    }
    if (memory)
        *memory = (uint64_t)slot;
    return 0;
}

long agora_thread_spawn(uint64_t area, uint64_t pages, void (*fn)(uint64_t), uint64_t arg, uint64_t *thread)
{
    long slot, r;

    if (pages < 2)
        return -E_INVAL;
    if ((r = agora_map_new(area, pages, 0)) < 0)
        return r;
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    if ((r = sys_thread_create(CAP_SELF_TASK, CAP_CHILD_POOL, (uint64_t)slot)) < 0 ||
        (r = sys_thread_setup((uint64_t)slot, area, CAP_NULL, AGORA_SPAWN_DEFAULT_PRIORITY)) < 0 ||
        /* rsp as after a call: the entry function sees a 16-byte aligned rsp + 8. */
        (r = sys_thread_start((uint64_t)slot, (uint64_t)fn, area + pages * PAGE_BYTES - 8, arg)) < 0)
        return r;
    if (thread)
        *thread = (uint64_t)slot;
    return 0;
}
