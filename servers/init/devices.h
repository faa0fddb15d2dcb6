/* init's device table: which driver module gets which I/O ports and IRQ line. */
#ifndef AGORA_INIT_DEVICES_H
#define AGORA_INIT_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include <libagora/spawn.h>

/* Capabilities a device grant adds to a child at most (ports, IRQ; a bus: I/O window, IRQ control, machine). */
#define DEVICES_MAX_CAPS 5

/*
 * For the module called name (len bytes, not necessarily NUL-terminated): creates its
 * device capabilities in new slots of init's table, appends them to caps[] (child slots
 * CAP_DEVICE_IOPORTS, CAP_DEVICE_IRQ) and their slots to temp[] (for devices_release once
 * the child has its copies). Returns how many it added: 0 for a module with no device.
 */
unsigned devices_caps_for(const char *name, size_t len, struct agora_spawn_cap *caps, uint64_t *temp);
/* Deletes init's copies made by devices_caps_for. */
void devices_release(const uint64_t *temp, unsigned n);

#endif
