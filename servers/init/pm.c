/* The process manager's capabilities (pm.h): the unbadged names endpoint and the command line (also ext2's). */
#include "pm.h"

#include <stdbool.h>

#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

/* Where init fills the command-line page, for a moment (clear of agora_spawn's window). */
#define CMDLINE_SCRATCH 0x00007e0000000000ull

/* A one-page memory object holding the command line, NUL-terminated; CAP_NULL on failure. */
static uint64_t cmdline_page(const struct agora_boot_info *boot)
{
    long slot = agora_slot_alloc();
    size_t n = 0;

    while (n < sizeof(boot->cmdline) && n < 4095 && boot->cmdline[n])
        n++;
    if (slot < 0)
        return CAP_NULL;
    if (sys_memory_create(CAP_INIT_POOL, 1, (uint64_t)slot) < 0)
        goto out_free;
    if (sys_map(CAP_SELF_TASK, (uint64_t)slot, 0, CMDLINE_SCRATCH, 1, RIGHT_READ | RIGHT_WRITE) < 0)
        goto out_delete;
    memcpy((void *)CMDLINE_SCRATCH, boot->cmdline, n);
    sys_unmap(CAP_SELF_TASK, CMDLINE_SCRATCH, 1);
    return (uint64_t)slot;
out_delete:
    sys_cap_delete((uint64_t)slot);
out_free:
    agora_slot_free((uint64_t)slot);
    return CAP_NULL;
}

unsigned pm_caps_for(const struct agora_boot_info *boot, const char *name, size_t size,
                     uint64_t names_ep, struct agora_spawn_cap *out)
{
    static uint64_t cmdline = CAP_NULL;
    unsigned n = 0;

    bool pm = strlen(PM_MODULE) < size && strncmp(name, PM_MODULE, size) == 0;

    if (!pm && (strlen(EXT2_MODULE) >= size || strncmp(name, EXT2_MODULE, size) != 0))
        return 0;
    if (pm && names_ep != CAP_NULL)
        out[n++] = (struct agora_spawn_cap){ names_ep, CAP_PM_NAMES_MINT,
                                             RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY };
    if (cmdline == CAP_NULL)
        cmdline = cmdline_page(boot);
    if (cmdline != CAP_NULL)
        out[n++] = (struct agora_spawn_cap){ cmdline, CAP_CMDLINE, RIGHT_READ };
    return n;
}
