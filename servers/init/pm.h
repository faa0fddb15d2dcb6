/* What init hands the process manager (servers/pm): the names mint and the command line. */
#ifndef INIT_PM_H
#define INIT_PM_H

#include <stddef.h>
#include <stdint.h>

#include <agora/boot.h>
#include <libagora/spawn.h>

#define PM_MODULE "pm"
#define EXT2_MODULE "ext2"
/* Capabilities pm_caps_for adds at most. */
#define PM_MAX_CAPS 2

/*
 * For the module called name (size bytes): pm gets names_ep unbadged (write, grant, copy)
 * at CAP_PM_NAMES_MINT and a read-only page holding the kernel command line at
 * CAP_CMDLINE (include/agora/proto/init.h); ext2 gets the command line too (root=ext2 makes
 * it mount the disk on "/"). Fills out[], returns how many (0 for others).
 */
unsigned pm_caps_for(const struct agora_boot_info *boot, const char *name, size_t size,
                     uint64_t names_ep, struct agora_spawn_cap *out);

#endif
