/* ACPI table parsing: every offset is checked against the readable length before it is read. */
#include "lib/acpi_tables.h"
#include "lib/unaligned.h"

/* RSDP (ACPI 6.5, section 5.2.5.3) */
#define RSDP_SIGNATURE     "RSD PTR "
#define RSDP_REVISION      15
#define RSDP_RSDT          16
#define RSDP_LENGTH        20
#define RSDP_XSDT          24

/* System description table header (section 5.2.6) */
#define HDR_LENGTH         4

/* MADT (section 5.2.12): header, local APIC address, flags, then entries {type, length, ...}. */
#define MADT_LAPIC_ADDRESS 36
#define MADT_FLAGS         40
#define MADT_ENTRIES       44
#define MADT_ENTRY_HEADER  2

#define MADT_IOAPIC             1
#define MADT_IOAPIC_SIZE        12   /* type, length, id, reserved, address, GSI base */
#define MADT_OVERRIDE           2
#define MADT_OVERRIDE_SIZE      10   /* type, length, bus, source, GSI, flags */
#define MADT_LAPIC_OVERRIDE     5
#define MADT_LAPIC_OVERRIDE_SIZE 12  /* type, length, reserved, 64-bit address */

#define ISA_BUS 0
#define ISA_IRQS 16

#define DEFAULT_IOAPIC_ADDRESS 0xFEC00000u
#define DEFAULT_LAPIC_ADDRESS  0xFEE00000u

/* Fields are unaligned (XSDT entries sit at offset 36): read them with lib/unaligned.h. */
static uint8_t byte_sum(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum;
}

static bool same_bytes(const uint8_t *p, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != (uint8_t)s[i])
            return false;
    }
    return true;
}

/* The v2 part of an RSDP whose v1 part is valid. */
static enum acpi_error rsdp_parse_v2(const uint8_t *p, size_t len, acpi_rsdp_t *out)
{
    uint32_t length;

    if (len < ACPI_RSDP_V2_SIZE)
        return ACPI_ERR_SHORT;
    length = read_le32(p + RSDP_LENGTH);
    if (length < ACPI_RSDP_V2_SIZE || length > len)
        return ACPI_ERR_LENGTH;
    if (byte_sum(p, length) != 0)
        return ACPI_ERR_CHECKSUM;
    out->xsdt_phys = read_le64(p + RSDP_XSDT);
    return ACPI_OK;
}

enum acpi_error acpi_rsdp_parse(const void *rsdp, size_t len, acpi_rsdp_t *out)
{
    const uint8_t *p = rsdp;

    if (p == NULL || len < ACPI_RSDP_V1_SIZE)
        return ACPI_ERR_SHORT;
    if (!same_bytes(p, RSDP_SIGNATURE, 8))
        return ACPI_ERR_SIGNATURE;
    if (byte_sum(p, ACPI_RSDP_V1_SIZE) != 0)
        return ACPI_ERR_CHECKSUM;

    out->revision = p[RSDP_REVISION];
    out->rsdt_phys = read_le32(p + RSDP_RSDT);
    out->xsdt_phys = 0;
    out->xsdt_error = ACPI_OK;
    /* Revision 0 is ACPI 1.0; 2 and later carry the XSDT (1 was never used). */
    if (out->revision >= 2)
        out->xsdt_error = rsdp_parse_v2(p, len, out);
    return ACPI_OK;
}

enum acpi_error acpi_rsdp_find(const void *area, size_t len, size_t *offset)
{
    const uint8_t *p = area;

    if (p == NULL)
        return ACPI_ERR_NOT_FOUND;
    for (size_t off = 0; len >= ACPI_RSDP_V1_SIZE && off <= len - ACPI_RSDP_V1_SIZE; off += 16) {
        if (same_bytes(p + off, RSDP_SIGNATURE, 8) && byte_sum(p + off, ACPI_RSDP_V1_SIZE) == 0) {
            *offset = off;
            return ACPI_OK;
        }
    }
    return ACPI_ERR_NOT_FOUND;
}

uint32_t acpi_table_length(const void *table, size_t len)
{
    if (table == NULL || len < HDR_LENGTH + 4)
        return 0;
    return read_le32((const uint8_t *)table + HDR_LENGTH);
}

enum acpi_error acpi_table_check(const void *table, size_t len, const char *sig)
{
    const uint8_t *p = table;
    uint32_t length;

    if (p == NULL || len < ACPI_HEADER_SIZE)
        return ACPI_ERR_SHORT;
    if (sig != NULL && !same_bytes(p, sig, 4))
        return ACPI_ERR_SIGNATURE;
    length = read_le32(p + HDR_LENGTH);
    if (length < ACPI_HEADER_SIZE || length > len)
        return ACPI_ERR_LENGTH;
    if (byte_sum(p, length) != 0)
        return ACPI_ERR_CHECKSUM;
    return ACPI_OK;
}

bool acpi_root_entry(const void *root, size_t len, bool xsdt, size_t index, uint64_t *phys)
{
    const uint8_t *p = root;
    size_t entry_size = xsdt ? 8 : 4;
    size_t end;

    if (p == NULL || len < ACPI_HEADER_SIZE)
        return false;
    end = read_le32(p + HDR_LENGTH);
    if (end > len)
        end = len;
    if (end < ACPI_HEADER_SIZE || index >= (end - ACPI_HEADER_SIZE) / entry_size)
        return false;
    p += ACPI_HEADER_SIZE + index * entry_size;
    *phys = xsdt ? read_le64(p) : read_le32(p);
    return true;
}

static bool override_known(const acpi_madt_t *madt, uint8_t irq)
{
    for (size_t i = 0; i < madt->noverrides; i++) {
        if (madt->overrides[i].isa_irq == irq)
            return true;
    }
    return false;
}

/* One MADT entry of size bytes (at least its header, all inside the table). */
static enum acpi_error madt_entry(const uint8_t *e, uint8_t size, acpi_madt_t *out)
{
    switch (e[0]) {
    case MADT_IOAPIC:
        if (size < MADT_IOAPIC_SIZE)
            return ACPI_ERR_ENTRY;
        if (out->nioapics >= ACPI_MAX_IOAPICS)
            return ACPI_ERR_TOO_MANY;
        out->ioapics[out->nioapics++] = (acpi_ioapic_t){
            .id = e[2], .address = read_le32(e + 4), .gsi_base = read_le32(e + 8),
        };
        return ACPI_OK;
    case MADT_OVERRIDE:
        if (size < MADT_OVERRIDE_SIZE)
            return ACPI_ERR_ENTRY;
        /* Only ISA sources exist in practice; a duplicate cannot say anything new we trust. */
        if (e[2] != ISA_BUS || e[3] >= ISA_IRQS || override_known(out, e[3]))
            return ACPI_OK;
        out->overrides[out->noverrides++] = (acpi_override_t){
            .isa_irq = e[3], .gsi = read_le32(e + 4), .flags = read_le16(e + 8),
        };
        return ACPI_OK;
    case MADT_LAPIC_OVERRIDE:
        if (size < MADT_LAPIC_OVERRIDE_SIZE)
            return ACPI_ERR_ENTRY;
        out->lapic_address = read_le64(e + 4);
        return ACPI_OK;
    default:
        return ACPI_OK;   /* processors, NMI sources, ...: not ours */
    }
}

enum acpi_error acpi_madt_parse(const void *madt, size_t len, acpi_madt_t *out)
{
    const uint8_t *p = madt;
    enum acpi_error err = acpi_table_check(madt, len, ACPI_SIG_MADT);
    uint32_t end;

    if (err != ACPI_OK)
        return err;
    end = read_le32(p + HDR_LENGTH);   /* <= len: checked above */
    if (end < MADT_ENTRIES)
        return ACPI_ERR_LENGTH;

    out->lapic_address = read_le32(p + MADT_LAPIC_ADDRESS);
    out->flags = read_le32(p + MADT_FLAGS);
    out->nioapics = 0;
    out->noverrides = 0;
    for (uint32_t off = MADT_ENTRIES; off < end; ) {
        uint8_t size;

        if (end - off < MADT_ENTRY_HEADER)
            return ACPI_ERR_ENTRY;
        size = p[off + 1];
        /* A length below the header would never advance: corrupt, as is one past the end. */
        if (size < MADT_ENTRY_HEADER || size > end - off)
            return ACPI_ERR_ENTRY;
        err = madt_entry(p + off, size, out);
        if (err != ACPI_OK)
            return err;
        off += size;
    }
    return ACPI_OK;
}

void acpi_madt_default(acpi_madt_t *out)
{
    *out = (acpi_madt_t){
        .lapic_address = DEFAULT_LAPIC_ADDRESS,
        .flags = ACPI_MADT_PCAT_COMPAT,
        .ioapics = { { .id = 0, .address = DEFAULT_IOAPIC_ADDRESS, .gsi_base = 0 } },
        .nioapics = 1,
        .overrides = { { .isa_irq = 0, .gsi = 2, .flags = 0 } },
        .noverrides = 1,
    };
}

static acpi_irq_route_t route_from_override(const acpi_override_t *o)
{
    /* "As the bus" (0) and the reserved value (2) both mean the ISA default: edge, high. */
    return (acpi_irq_route_t){
        .gsi = o->gsi,
        .active_low = (o->flags & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW,
        .level = (o->flags & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_TRIGGER_LEVEL,
    };
}

bool acpi_isa_irq_route(const acpi_madt_t *madt, unsigned irq, acpi_irq_route_t *out)
{
    if (irq >= ISA_IRQS)
        return false;
    for (size_t i = 0; i < madt->noverrides; i++) {
        if (madt->overrides[i].isa_irq == irq) {
            *out = route_from_override(&madt->overrides[i]);
            return true;
        }
    }
    for (size_t i = 0; i < madt->noverrides; i++) {
        if (madt->overrides[i].gsi == irq)
            return false;
    }
    *out = (acpi_irq_route_t){ .gsi = irq, .active_low = false, .level = false };
    return true;
}

const char *acpi_strerror(enum acpi_error err)
{
    static const char *const messages[] = {
        [ACPI_OK] = "no error",
        [ACPI_ERR_SHORT] = "shorter than its fixed part",
        [ACPI_ERR_SIGNATURE] = "wrong signature",
        [ACPI_ERR_CHECKSUM] = "bad checksum",
        [ACPI_ERR_LENGTH] = "length field out of range",
        [ACPI_ERR_ENTRY] = "MADT entry too short or running past the table",
        [ACPI_ERR_TOO_MANY] = "more I/O APICs than the kernel holds",
        [ACPI_ERR_NOT_FOUND] = "no RSDP found",
    };

    if ((unsigned)err >= sizeof(messages) / sizeof(messages[0]) || messages[err] == NULL)
        return "unknown error";
    return messages[err];
}
