/* ACPI table parsing over bytes already in memory (RSDP, RSDT/XSDT, MADT): pure logic, host-testable. */
#ifndef AGORA_KERNEL_LIB_ACPI_TABLES_H
#define AGORA_KERNEL_LIB_ACPI_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every function here takes a pointer and the number of bytes readable there, and
 * reads nothing outside them, whatever the bytes say. A table is trusted only after
 * acpi_table_check: its length field lies inside what is readable and its bytes sum
 * to 0 modulo 256. Multi-byte fields are little-endian and read unaligned.
 */

#define ACPI_RSDP_V1_SIZE  20u    /* signature, checksum, OEM id, revision, RSDT address */
#define ACPI_RSDP_V2_SIZE  36u    /* + length, XSDT address, extended checksum, reserved */
#define ACPI_HEADER_SIZE   36u    /* the header every system description table starts with */
#define ACPI_SIG_RSDT      "RSDT"
#define ACPI_SIG_XSDT      "XSDT"
#define ACPI_SIG_MADT      "APIC"

#define ACPI_MAX_IOAPICS   16
#define ACPI_MAX_OVERRIDES 16     /* one per ISA IRQ at most: later duplicates are dropped */

enum acpi_error {
    ACPI_OK = 0,
    ACPI_ERR_SHORT,       /* fewer readable bytes than the structure's fixed part */
    ACPI_ERR_SIGNATURE,   /* not the signature asked for */
    ACPI_ERR_CHECKSUM,    /* bytes do not sum to 0 */
    ACPI_ERR_LENGTH,      /* length field below the header size or past the readable bytes */
    ACPI_ERR_ENTRY,       /* a MADT entry shorter than its type needs or running past the end */
    ACPI_ERR_TOO_MANY,    /* more I/O APICs than acpi_madt_t holds */
    ACPI_ERR_NOT_FOUND,   /* no RSDP in the area searched */
};

/* What a valid RSDP points to. */
typedef struct acpi_rsdp {
    uint8_t revision;
    uint32_t rsdt_phys;        /* 0 when absent */
    uint64_t xsdt_phys;        /* 0 unless revision >= 2 and the whole v2 structure is valid */
    enum acpi_error xsdt_error; /* why a revision >= 2 RSDP gave no XSDT; ACPI_OK otherwise */
} acpi_rsdp_t;

/*
 * Validates an RSDP at p (len readable bytes): signature "RSD PTR " and the v1
 * checksum over the first 20 bytes. A revision >= 2 structure also needs its
 * length field inside len and its extended checksum; if these fail the RSDT is
 * still usable and xsdt_error says why the XSDT is not.
 */
enum acpi_error acpi_rsdp_parse(const void *p, size_t len, acpi_rsdp_t *out);

/*
 * Searches area (len bytes, starting on a 16-byte boundary as the BIOS areas do)
 * for an RSDP on a 16-byte boundary with a valid v1 checksum. Candidates with the
 * signature but a bad checksum are skipped. Sets *offset and returns ACPI_OK, or
 * ACPI_ERR_NOT_FOUND.
 */
enum acpi_error acpi_rsdp_find(const void *area, size_t len, size_t *offset);

/* The length field of a table header (len must be >= 8); meaningful only after acpi_table_check. */
uint32_t acpi_table_length(const void *table, size_t len);

/*
 * Validates a table at p with len readable bytes: a whole header, the signature
 * sig (4 characters; NULL accepts any), a length field between the header size
 * and len, and the checksum over that length.
 */
enum acpi_error acpi_table_check(const void *p, size_t len, const char *sig);

/*
 * The index-th table address in a checked RSDT (4-byte entries) or XSDT (8-byte
 * entries). Returns false past the last whole entry inside min(length field, len).
 */
bool acpi_root_entry(const void *root, size_t len, bool xsdt, size_t index, uint64_t *phys);

/* Interrupt source flags (MPS INTI flags), as in MADT interrupt source overrides. */
#define ACPI_INTI_POLARITY_MASK  0x3u
#define ACPI_INTI_POLARITY_HIGH  0x1u
#define ACPI_INTI_POLARITY_LOW   0x3u
#define ACPI_INTI_TRIGGER_MASK   0xCu
#define ACPI_INTI_TRIGGER_EDGE   0x4u
#define ACPI_INTI_TRIGGER_LEVEL  0xCu

typedef struct acpi_ioapic {
    uint8_t id;
    uint32_t address;          /* physical address of its registers */
    uint32_t gsi_base;         /* the first global system interrupt it serves */
} acpi_ioapic_t;

typedef struct acpi_override {
    uint8_t isa_irq;           /* source, on bus 0 (ISA); other buses are not recorded */
    uint32_t gsi;
    uint16_t flags;            /* ACPI_INTI_*; 0 in a field means "as the ISA bus" */
} acpi_override_t;

#define ACPI_MADT_PCAT_COMPAT 0x1u    /* MADT flags: the machine also has 8259 PICs */

typedef struct acpi_madt {
    uint64_t lapic_address;    /* from the header, or a 64-bit override entry */
    uint32_t flags;
    acpi_ioapic_t ioapics[ACPI_MAX_IOAPICS];
    size_t nioapics;
    acpi_override_t overrides[ACPI_MAX_OVERRIDES];
    size_t noverrides;
} acpi_madt_t;

/*
 * Walks a checked MADT (len readable bytes): I/O APICs, ISA interrupt source
 * overrides and a local APIC address override; other entry types are skipped by
 * their length. Any entry that is too short for its type or runs past the table
 * rejects the whole table. *out is unspecified after an error.
 */
enum acpi_error acpi_madt_parse(const void *madt, size_t len, acpi_madt_t *out);

/*
 * What a PC without a (valid) MADT is assumed to have, QEMU's layout: one I/O
 * APIC, id 0, at 0xFEC00000 serving GSIs from 0, with ISA IRQ 0 (the PIT) on GSI 2.
 */
void acpi_madt_default(acpi_madt_t *out);

/* Where an interrupt line arrives at the I/O APICs, and how it signals. */
typedef struct acpi_irq_route {
    uint32_t gsi;
    bool active_low;
    bool level;
} acpi_irq_route_t;

/*
 * The route of ISA IRQ irq (0-15): its override if there is one, otherwise GSI irq,
 * edge-triggered and active high (the ISA convention, also for an override field
 * that says "as the bus" or holds the reserved value). Returns false for irq > 15,
 * and for an IRQ without override whose GSI another IRQ's override has taken (IRQ 2
 * when IRQ 0 is on GSI 2: the cascade line that APIC systems do not have).
 */
bool acpi_isa_irq_route(const acpi_madt_t *madt, unsigned irq, acpi_irq_route_t *out);

/* A short English description of an error code, for the boot log. */
const char *acpi_strerror(enum acpi_error err);

#endif
