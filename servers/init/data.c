/* Data boot modules (data.h): the root file system's image goes to vfs. */
#include "data.h"

#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/string.h>

static bool named(const char *name, size_t size, const char *want)
{
    size_t n = strlen(want);

    return n < size && strncmp(name, want, size) == 0;
}

bool data_module(const char *name, size_t size)
{
    for (size_t i = 0; i < size && name[i]; i++)
        if (name[i] == '.')
            return true;
    return false;
}

unsigned data_caps_for(const struct agora_boot_info *boot, const char *name, size_t size,
                       struct agora_spawn_cap *out)
{
    uint64_t n = boot->nmodules < AGORA_BOOT_MAX_MODULES ? boot->nmodules : AGORA_BOOT_MAX_MODULES;

    if (!named(name, size, DATA_VFS_MODULE))
        return 0;
    for (uint64_t i = 1; i < n; i++) {
        if (named(boot->modules[i].name, sizeof(boot->modules[i].name), DATA_ROOTFS_MODULE)) {
            out[0] = (struct agora_spawn_cap){ boot->modules[i].cap, CAP_VFS_ROOTFS, RIGHT_READ };
            return 1;
        }
    }
    return 0;
}
