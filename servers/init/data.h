/* Boot modules that are data, not programs (a name with a '.'), and the programs that get them. */
#ifndef INIT_DATA_H
#define INIT_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include <agora/boot.h>
#include <libagora/spawn.h>

/* The root file system's image (images/rootfs, packed by cpio) and the server that gets it. */
#define DATA_ROOTFS_MODULE "rootfs.cpio"
#define DATA_VFS_MODULE    "vfs"
/* Capabilities data_caps_for adds at most. */
#define DATA_MAX_CAPS 1

/* Whether the module called name[0..size) is data: init does not start it. */
bool data_module(const char *name, size_t size);
/*
 * The data capabilities of the module called name: for "vfs", the memory object of
 * "rootfs.cpio" (read only) at CAP_VFS_ROOTFS. Fills out[], returns how many.
 */
unsigned data_caps_for(const struct agora_boot_info *boot, const char *name, size_t size,
                       struct agora_spawn_cap *out);

#endif
