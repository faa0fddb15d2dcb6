/* What init hands the supervisor (servers/supervisor): the drivers' boot modules and the resources they may hold. */
#ifndef AGORA_INIT_SUPERVISOR_H
#define AGORA_INIT_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>

#include <agora/boot.h>
#include <libagora/spawn.h>

#define SUPERVISOR_MODULE "supervisor"
/* Capabilities supervisor_caps_for adds at most: machine, ports, IRQ control, names mint, the page, the modules. */
#define SUPERVISOR_MAX_CAPS 10

/* Reads the boot service table (proto/svc.h SVC_BOOT_TABLE) once; whether a supervisor module is booted. */
bool supervisor_init(const struct agora_boot_info *boot);
/* Whether the module is a driver of the boot table, to be started by the supervisor instead of init. */
bool supervisor_owns(const char *name, size_t size);
/*
 * For the supervisor module: the capabilities of include/agora/proto/svc.h (CAP_SVC_*),
 * appended to out[]; returns how many. 0 for every other module.
 */
unsigned supervisor_caps_for(const struct agora_boot_info *boot, const char *name, size_t size,
                             uint64_t names_ep, struct agora_spawn_cap *out);

#endif
