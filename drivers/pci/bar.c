/* BAR decoding: type, base and size from the register and its write-ones probe. */
#include "bar.h"

bool bar_is_64(uint32_t value)
{
    return !(value & PCI_BAR_REG_IO) && (value & PCI_BAR_REG_TYPE_MASK) == PCI_BAR_REG_TYPE_64;
}

static bool power_of_two(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

bool bar_decode(uint32_t value, uint32_t probe, uint32_t value_hi, uint32_t probe_hi, struct pci_bar *out)
{
    uint64_t mask, size;

    *out = (struct pci_bar){ 0, 0, 0 };
    if (probe == 0 && probe_hi == 0)
        return true;                 /* not implemented */
    if (value & PCI_BAR_REG_IO) {
        if ((probe & ~3u) == 0)
            return false;
        mask = probe & ~3u;
        if ((mask & 0xFFFF0000u) == 0)
            mask |= 0xFFFF0000u;     /* 16-bit decoder: upper bits hard-wired to 0 */
        size = (uint32_t)(~mask + 1);
        if (!power_of_two(size))
            return false;
        *out = (struct pci_bar){ value & ~3u & 0xFFFFu, size, PCI_BAR_IO };
        return true;
    }
    if (bar_is_64(value)) {
        mask = ((uint64_t)probe_hi << 32) | (probe & ~0xFu);
        size = ~mask + 1;
        if (!power_of_two(size))
            return false;
        *out = (struct pci_bar){ ((uint64_t)value_hi << 32) | (value & ~0xFu), size,
                                 PCI_BAR_64 | ((value & PCI_BAR_REG_PREFETCH) ? PCI_BAR_PREFETCH : 0) };
        return true;
    }
    mask = probe & ~0xFu;
    size = (uint32_t)(~(uint32_t)mask + 1);
    if (mask == 0 || !power_of_two(size))
        return false;
    *out = (struct pci_bar){ value & ~0xFu, size, (value & PCI_BAR_REG_PREFETCH) ? PCI_BAR_PREFETCH : 0 };
    return true;
}

uint64_t bar_pages(const struct pci_bar *bar)
{
    return (bar->size + 4095) / 4096;
}
