/* Configuration mechanism #1: one dword-aligned address written to 0xCF8 selects what 0xCFC-0xCFF read and write. */
#include "cfg.h"

#include <libagora/portio.h>

static void select_dword(uint32_t address, unsigned offset)
{
    outl(PCI_CFG_ADDRESS, 0x80000000u | (address & 0xFFFFu) << 8 | (offset & 0xFCu));
}

uint32_t cfg_read(uint32_t address, unsigned offset, unsigned width)
{
    uint16_t port = (uint16_t)(PCI_CFG_DATA + (offset & 3));

    select_dword(address, offset);
    switch (width) {
    case 1:
        return inb(port);
    case 2:
        return inw(port);
    default:
        return inl(PCI_CFG_DATA);
    }
}

void cfg_write(uint32_t address, unsigned offset, unsigned width, uint32_t value)
{
    uint16_t port = (uint16_t)(PCI_CFG_DATA + (offset & 3));

    select_dword(address, offset);
    switch (width) {
    case 1:
        outb(port, (uint8_t)value);
        break;
    case 2:
        outw(port, (uint16_t)value);
        break;
    default:
        outl(PCI_CFG_DATA, value);
        break;
    }
}
