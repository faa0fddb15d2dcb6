/* Little-endian reads at any alignment, for parsing boot, ACPI and ELF structures. */
#ifndef AGORA_KERNEL_LIB_UNALIGNED_H
#define AGORA_KERNEL_LIB_UNALIGNED_H

#include <stdint.h>

/* Through memcpy: no access depends on the buffer's type or alignment. */
static inline uint16_t read_le16(const uint8_t *p)
{
    uint16_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t read_le32(const uint8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t read_le64(const uint8_t *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

#endif
