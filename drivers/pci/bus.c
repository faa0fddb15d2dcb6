/* Enumeration: every function of every device on every bus, its identity, BARs and interrupt line. */
#include "bus.h"

#include <libagora/string.h>

#include "bar.h"
#include "cfg.h"

#define CFG_VENDOR      0x00
#define CFG_CLASS_REV   0x08
#define CFG_HEADER_TYPE 0x0E
#define CFG_BAR0        0x10
#define CFG_SUBSYSTEM   0x2C
#define CFG_IRQ_LINE    0x3C
#define CFG_IRQ_PIN     0x3D
#define HEADER_MULTI    0x80u
#define HEADER_KIND     0x7Fu       /* 0: a device, 1: a PCI-to-PCI bridge (2 BARs) */

static uint32_t bar_probe(uint32_t address, unsigned reg, uint32_t value)
{
    uint32_t probe;

    cfg_write(address, reg, 4, 0xFFFFFFFFu);
    probe = cfg_read(address, reg, 4);
    cfg_write(address, reg, 4, value);
    return probe;
}

/* Sizes the BARs with I/O and memory decoding off, so that no half-written BAR decodes. */
static void read_bars(uint32_t address, unsigned nbars, struct pci_device_info *info)
{
    uint32_t command = cfg_read(address, PCI_CFG_COMMAND, 2);

    cfg_write(address, PCI_CFG_COMMAND, 2, command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (unsigned i = 0; i < nbars; i++) {
        unsigned reg = CFG_BAR0 + 4 * i;
        uint32_t value = cfg_read(address, reg, 4), probe = bar_probe(address, reg, value);
        uint32_t value_hi = 0, probe_hi = 0;
        bool wide = bar_is_64(value) && i + 1 < nbars;

        if (wide) {
            value_hi = cfg_read(address, reg + 4, 4);
            probe_hi = bar_probe(address, reg + 4, value_hi);
        }
        bar_decode(value, probe, value_hi, probe_hi, &info->bars[i]);
        if (wide)
            i++;                     /* the upper half stays empty */
    }
    cfg_write(address, PCI_CFG_COMMAND, 2, command);
}

static void add_function(struct pci_bus *bus, uint32_t address, unsigned *missed)
{
    uint32_t id = cfg_read(address, CFG_VENDOR, 4);
    uint32_t class_rev = cfg_read(address, CFG_CLASS_REV, 4);
    uint32_t kind = cfg_read(address, CFG_HEADER_TYPE, 1) & HEADER_KIND;
    struct pci_device_info *info;

    if (bus->count == PCI_MAX_DEVICES) {
        (*missed)++;
        return;
    }
    info = &bus->devs[bus->count].info;
    memset(&bus->devs[bus->count], 0, sizeof(bus->devs[bus->count]));
    info->index = bus->count;
    info->address = address;
    info->vendor = id & 0xFFFFu;
    info->device = id >> 16;
    info->class_code = class_rev >> 8;
    info->revision = class_rev & 0xFFu;
    info->irq_line = PCI_NO_IRQ;
    if (kind == 0) {
        uint32_t sub = cfg_read(address, CFG_SUBSYSTEM, 4);

        info->subsystem_vendor = sub & 0xFFFFu;
        info->subsystem_device = sub >> 16;
    }
    if (kind <= 1) {
        uint32_t pin = cfg_read(address, CFG_IRQ_PIN, 1), line = cfg_read(address, CFG_IRQ_LINE, 1);

        info->irq_pin = pin <= 4 ? pin : 0;
        /* 0xFF: unknown or none (firmware convention); only ISA lines 0-15 route today. */
        if (info->irq_pin != 0 && line < 16)
            info->irq_line = line;
        read_bars(address, kind == 0 ? 6 : 2, info);
    }
    bus->count++;
}

static bool present(uint32_t address)
{
    return (cfg_read(address, CFG_VENDOR, 4) & 0xFFFFu) != 0xFFFFu;
}

void bus_scan(struct pci_bus *bus, unsigned *missed)
{
    bus->count = 0;
    *missed = 0;
    for (uint32_t b = 0; b < 256; b++) {
        for (uint32_t d = 0; d < 32; d++) {
            uint32_t address = b << 8 | d << 3;

            if (!present(address))
                continue;
            add_function(bus, address, missed);
            if (!(cfg_read(address, CFG_HEADER_TYPE, 1) & HEADER_MULTI))
                continue;
            for (uint32_t f = 1; f < 8; f++)
                if (present(address | f))
                    add_function(bus, address | f, missed);
        }
    }
}
