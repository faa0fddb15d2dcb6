/* The image under way (upload.h): a memory object mapped at UPLOAD_VADDR while it fills. */
#include "upload.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/svc.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#define UPLOAD_VADDR 0x0000000030000000ull
#define PAGE_SIZE    4096ull

static struct {
    bool active;
    uint64_t badge, bytes, received, last_us;
    uint64_t memory, pages;
    struct svc_entry e;
} up;

static void drop(void)
{
    if (!up.active)
        return;
    sys_unmap(CAP_SELF_TASK, UPLOAD_VADDR, up.pages);
    sys_cap_delete(up.memory);
    agora_slot_free(up.memory);
    up.active = false;
}

long upload_begin(uint64_t badge, const struct svc_entry *e, uint64_t bytes)
{
    uint64_t now = (uint64_t)sys_clock(), pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
    long slot, r;

    if (bytes == 0 || bytes > SVC_IMAGE_MAX)
        return -E_RANGE;
    if (up.active && up.badge != badge && now - up.last_us < SVC_UPLOAD_US)
        return -E_BUSY;
    drop();
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    if ((r = sys_memory_create(CAP_CHILD_POOL, pages, (uint64_t)slot)) < 0)
        goto out_slot;
    if ((r = sys_map(CAP_SELF_TASK, (uint64_t)slot, 0, UPLOAD_VADDR, pages, RIGHT_READ | RIGHT_WRITE)) < 0)
        goto out_memory;
    up.active = true;
    up.badge = badge;
    up.bytes = bytes;
    up.received = 0;
    up.last_us = now;
    up.memory = (uint64_t)slot;
    up.pages = pages;
    up.e = *e;
    return 0;

out_memory:
    sys_cap_delete((uint64_t)slot);
out_slot:
    agora_slot_free((uint64_t)slot);
    return r;
}

long upload_data(uint64_t badge, uint64_t offset, uint64_t len, const uint8_t *bytes,
                 struct svc_entry *e, uint64_t *image, uint64_t *size)
{
    if (!up.active || up.badge != badge)
        return -E_STATE;
    if (offset != up.received || len == 0 || len > SVC_IMAGE_CHUNK || len > up.bytes - offset)
        return -E_INVAL;
    memcpy((uint8_t *)UPLOAD_VADDR + offset, bytes, len);
    up.received += len;
    up.last_us = (uint64_t)sys_clock();
    if (up.received < up.bytes)
        return 0;
    sys_unmap(CAP_SELF_TASK, UPLOAD_VADDR, up.pages);
    *e = up.e;
    *image = up.memory;
    *size = up.bytes;
    up.active = false;
    return 1;
}
