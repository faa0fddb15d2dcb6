/*
 * init's device table: a driver module gets exactly its device's I/O ports and IRQ line,
 * made from init's CAP_INIT_IOPORTS and CAP_INIT_IRQ_CONTROL. Until the supervisor and pci
 * hand out devices, the table is this list.
 */
#include "devices.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

struct device_grant {
    const char *module;      /* the boot module's name */
    uint16_t first_port;
    uint16_t nports;         /* 0: no ports */
    int irq;                 /* ISA IRQ line; -1: none */
};

static const struct device_grant grants[] = {
    { "serial", 0x3F8, 8, 4 },         /* COM1: drivers/serial */
};

static bool name_is(const char *name, size_t len, const char *want)
{
    size_t n = strlen(want);

    return n <= len && strncmp(name, want, n) == 0 && (n == len || name[n] == '\0');
}

static void give(struct agora_spawn_cap *caps, uint64_t *temp, unsigned *n, uint64_t slot, uint64_t dst)
{
    caps[*n] = (struct agora_spawn_cap){ slot, dst, RIGHTS_ALL };
    temp[*n] = slot;
    (*n)++;
}

unsigned devices_caps_for(const char *name, size_t len, struct agora_spawn_cap *caps, uint64_t *temp)
{
    unsigned n = 0;

    for (size_t i = 0; i < sizeof(grants) / sizeof(grants[0]); i++) {
        const struct device_grant *g = &grants[i];
        long slot, r;

        if (!name_is(name, len, g->module))
            continue;
        if (g->nports && (slot = agora_slot_alloc()) >= 0) {
            if ((r = sys_ioport_create(CAP_INIT_IOPORTS, g->first_port, g->nports, (uint64_t)slot)) == 0)
                give(caps, temp, &n, (uint64_t)slot, CAP_DEVICE_IOPORTS);
            else {
                agora_printf("init: %s: no ports 0x%x+%u: %s\n", g->module, g->first_port, g->nports,
                             agora_error_name(r));
                agora_slot_free((uint64_t)slot);
            }
        }
        if (g->irq >= 0 && (slot = agora_slot_alloc()) >= 0) {
            if ((r = sys_irq_create(CAP_INIT_IRQ_CONTROL, (uint64_t)g->irq, (uint64_t)slot)) == 0)
                give(caps, temp, &n, (uint64_t)slot, CAP_DEVICE_IRQ);
            else {
                agora_printf("init: %s: no IRQ %d: %s\n", g->module, g->irq, agora_error_name(r));
                agora_slot_free((uint64_t)slot);
            }
        }
        break;
    }
    return n;
}

void devices_release(const uint64_t *temp, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        sys_cap_delete(temp[i]);
        agora_slot_free(temp[i]);
    }
}
