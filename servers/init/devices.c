/*
 * init's device table: a driver module gets exactly its device's I/O ports and IRQ line,
 * made from init's CAP_INIT_IOPORTS and CAP_INIT_IRQ_CONTROL. The PCI bus driver gets the
 * configuration ports and what it hands on to the drivers of PCI devices (the PCI I/O-port
 * window, IRQ control, the machine); those drivers get nothing from init.
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
    bool bus;                /* a bus driver: also CAP_PCI_IOSPACE, CAP_PCI_IRQ_CONTROL, CAP_PCI_MACHINE */
};

static const struct device_grant grants[] = {
    { "serial", 0x3F8, 8, 4, false },         /* COM1: drivers/serial */
    { "rtc", 0x70, 2, -1, false },            /* the CMOS clock: drivers/rtc */
    { "pci", 0xCF8, 8, -1, true },            /* configuration mechanism #1: drivers/pci */
};

/* Where PCI I/O BARs live: above the ISA devices' ports (the firmware assigns from 0x1000 up). */
#define PCI_IOSPACE_FIRST 0x1000u
#define PCI_IOSPACE_COUNT 0xF000u
/* The machine for pci: device memory (manage), the DMA right it hands on (read), copies. */
#define PCI_MACHINE_RIGHTS (RIGHT_MANAGE | RIGHT_READ | RIGHT_COPY)

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

/*
 * A bus driver's extra capabilities: the PCI I/O window (a new sub-range, released like
 * the others), and init's IRQ control and machine themselves (temp slot CAP_NULL: kept).
 */
static void give_bus(struct agora_spawn_cap *caps, uint64_t *temp, unsigned *n)
{
    long slot, r;

    if ((slot = agora_slot_alloc()) >= 0) {
        if ((r = sys_ioport_create(CAP_INIT_IOPORTS, PCI_IOSPACE_FIRST, PCI_IOSPACE_COUNT, (uint64_t)slot)) == 0)
            give(caps, temp, n, (uint64_t)slot, CAP_PCI_IOSPACE);
        else {
            agora_printf("init: pci: no I/O window: %s\n", agora_error_name(r));
            agora_slot_free((uint64_t)slot);
        }
    }
    caps[*n] = (struct agora_spawn_cap){ CAP_INIT_IRQ_CONTROL, CAP_PCI_IRQ_CONTROL, RIGHTS_ALL };
    temp[(*n)++] = CAP_NULL;
    caps[*n] = (struct agora_spawn_cap){ CAP_INIT_MACHINE, CAP_PCI_MACHINE, PCI_MACHINE_RIGHTS };
    temp[(*n)++] = CAP_NULL;
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
        if (g->bus)
            give_bus(caps, temp, &n);
        break;
    }
    return n;
}

void devices_release(const uint64_t *temp, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (temp[i] == CAP_NULL)
            continue;            /* init's own capability, lent */
        sys_cap_delete(temp[i]);
        agora_slot_free(temp[i]);
    }
}
