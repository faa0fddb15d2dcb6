/* PCI configuration space through configuration mechanism #1 (ports 0xCF8 address, 0xCFC data). */
#ifndef PCI_CFG_H
#define PCI_CFG_H

#include <stdint.h>

#define PCI_CFG_ADDRESS 0xCF8
#define PCI_CFG_DATA    0xCFC

/* address = bus << 8 | device << 3 | function; offset aligned to width (1, 2 or 4), below 256. */
uint32_t cfg_read(uint32_t address, unsigned offset, unsigned width);
void cfg_write(uint32_t address, unsigned offset, unsigned width, uint32_t value);

#endif
