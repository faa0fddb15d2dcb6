/* Unit tests for kernel/lib/acpi_tables.c: good tables as QEMU builds them, and corrupt ones. */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/acpi_tables.h"
#include "suites.h"

#define TABLE_BUF 1024

typedef struct table {
    uint8_t buf[TABLE_BUF];
    size_t len;
} table_t;

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof(v)); }

/* Sets p[at] so that the n bytes from p sum to 0. */
static void fix_checksum(uint8_t *p, size_t n, size_t at)
{
    uint8_t sum = 0;

    p[at] = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    p[at] = (uint8_t)-sum;
}

/*
 * Readable memory that ends at an inaccessible page: a parser that reads one byte
 * past the length it was given faults at once.
 */
#define GUARD_WINDOW (4 * 4096)

static uint8_t *guard_base;
static size_t guard_page;

static int acpi_suite_init(void)
{
    guard_page = (size_t)sysconf(_SC_PAGESIZE);
    guard_base = mmap(NULL, GUARD_WINDOW + guard_page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (guard_base == MAP_FAILED)
        return -1;
    return mprotect(guard_base + GUARD_WINDOW, guard_page, PROT_NONE) == 0 ? 0 : -1;
}

static int acpi_suite_cleanup(void)
{
    return munmap(guard_base, GUARD_WINDOW + guard_page);
}

/* The first len bytes of p, copied to end exactly at the guard page. */
static const uint8_t *guarded(const void *p, size_t len)
{
    uint8_t *copy = guard_base + GUARD_WINDOW - len;

    memcpy(copy, p, len);
    return copy;
}

/* An RSDP of the given revision; revision >= 2 gets the v2 fields. */
static void make_rsdp(uint8_t *p, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
    memset(p, 0, revision >= 2 ? ACPI_RSDP_V2_SIZE : ACPI_RSDP_V1_SIZE);
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, "BOCHS ", 6);
    p[15] = revision;
    put32(p + 16, rsdt);
    if (revision >= 2) {
        put32(p + 20, ACPI_RSDP_V2_SIZE);
        put64(p + 24, xsdt);
        fix_checksum(p, ACPI_RSDP_V1_SIZE, 8);
        fix_checksum(p, ACPI_RSDP_V2_SIZE, 32);
    } else {
        fix_checksum(p, ACPI_RSDP_V1_SIZE, 8);
    }
}

/* Starts a table: header with signature sig, length filled in by table_finish. */
static void table_begin(table_t *t, const char *sig)
{
    memset(t->buf, 0, sizeof(t->buf));
    memcpy(t->buf, sig, 4);
    t->buf[8] = 1;                       /* revision */
    memcpy(t->buf + 10, "BOCHS ", 6);
    memcpy(t->buf + 16, "BXPC    ", 8);
    t->len = ACPI_HEADER_SIZE;
}

static uint8_t *table_add(table_t *t, size_t n)
{
    uint8_t *p = t->buf + t->len;

    t->len += n;
    return p;
}

static void table_finish(table_t *t)
{
    put32(t->buf + 4, (uint32_t)t->len);
    fix_checksum(t->buf, t->len, 9);
}

/* MADT builders. */
static void madt_begin(table_t *t, uint32_t flags)
{
    table_begin(t, "APIC");
    put32(table_add(t, 4), 0xFEE00000u);
    put32(table_add(t, 4), flags);
}

static void madt_lapic(table_t *t, uint8_t uid, uint8_t id)
{
    uint8_t *e = table_add(t, 8);

    e[0] = 0, e[1] = 8, e[2] = uid, e[3] = id;
    put32(e + 4, 1);
}

static void madt_ioapic(table_t *t, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
    uint8_t *e = table_add(t, 12);

    e[0] = 1, e[1] = 12, e[2] = id, e[3] = 0;
    put32(e + 4, addr);
    put32(e + 8, gsi_base);
}

static void madt_override(table_t *t, uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    uint8_t *e = table_add(t, 10);

    e[0] = 2, e[1] = 10, e[2] = bus, e[3] = irq;
    put32(e + 4, gsi);
    put16(e + 8, flags);
}

static void madt_lapic_nmi(table_t *t)
{
    uint8_t *e = table_add(t, 6);

    e[0] = 4, e[1] = 6, e[2] = 0xff;
    put16(e + 3, 0);
    e[5] = 1;
}

/* The MADT QEMU 7.2 builds for `-machine pc` with one CPU. */
static void madt_qemu(table_t *t)
{
    madt_begin(t, ACPI_MADT_PCAT_COMPAT);
    madt_lapic(t, 0, 0);
    madt_ioapic(t, 0, 0xFEC00000u, 0);
    madt_override(t, 0, 0, 2, 0);
    madt_override(t, 0, 5, 5, 0xd);
    madt_override(t, 0, 9, 9, 0xd);
    madt_override(t, 0, 10, 10, 0xd);
    madt_override(t, 0, 11, 11, 0xd);
    madt_lapic_nmi(t);
    table_finish(t);
}

static enum acpi_error parse_madt(const table_t *t, acpi_madt_t *out)
{
    return acpi_madt_parse(guarded(t->buf, t->len), t->len, out);
}

static void test_rsdp_v1(void)
{
    uint8_t r[ACPI_RSDP_V2_SIZE];
    acpi_rsdp_t info;

    make_rsdp(r, 0, 0x7fe1234, 0);
    CU_ASSERT_EQUAL_FATAL(acpi_rsdp_parse(guarded(r, 20), 20, &info), ACPI_OK);
    CU_ASSERT_EQUAL(info.revision, 0);
    CU_ASSERT_EQUAL(info.rsdt_phys, 0x7fe1234);
    CU_ASSERT_EQUAL(info.xsdt_phys, 0);
    CU_ASSERT_EQUAL(info.xsdt_error, ACPI_OK);
}

static void test_rsdp_v2(void)
{
    uint8_t r[ACPI_RSDP_V2_SIZE];
    acpi_rsdp_t info;

    make_rsdp(r, 2, 0x7fe1234, 0x1234567890ull);
    CU_ASSERT_EQUAL_FATAL(acpi_rsdp_parse(guarded(r, 36), 36, &info), ACPI_OK);
    CU_ASSERT_EQUAL(info.revision, 2);
    CU_ASSERT_EQUAL(info.rsdt_phys, 0x7fe1234);
    CU_ASSERT_EQUAL(info.xsdt_phys, 0x1234567890ull);
    CU_ASSERT_EQUAL(info.xsdt_error, ACPI_OK);

    /* A v2 RSDP seen through 20 bytes only (Multiboot2's old tag): the RSDT still works. */
    CU_ASSERT_EQUAL_FATAL(acpi_rsdp_parse(guarded(r, 20), 20, &info), ACPI_OK);
    CU_ASSERT_EQUAL(info.rsdt_phys, 0x7fe1234);
    CU_ASSERT_EQUAL(info.xsdt_phys, 0);
    CU_ASSERT_EQUAL(info.xsdt_error, ACPI_ERR_SHORT);

    /* A bad extended checksum: the XSDT is not followed, the RSDT is. */
    r[30] ^= 1;
    CU_ASSERT_EQUAL_FATAL(acpi_rsdp_parse(guarded(r, 36), 36, &info), ACPI_OK);
    CU_ASSERT_EQUAL(info.xsdt_phys, 0);
    CU_ASSERT_EQUAL(info.xsdt_error, ACPI_ERR_CHECKSUM);
    CU_ASSERT_EQUAL(info.rsdt_phys, 0x7fe1234);

    /* A length field past the readable bytes, or below the v2 size. */
    make_rsdp(r, 2, 0x7fe1234, 0x1234567890ull);
    put32(r + 20, 37);
    fix_checksum(r, 36, 32);
    CU_ASSERT_EQUAL_FATAL(acpi_rsdp_parse(guarded(r, 36), 36, &info), ACPI_OK);
    CU_ASSERT_EQUAL(info.xsdt_error, ACPI_ERR_LENGTH);
    put32(r + 20, 20);
    CU_ASSERT_EQUAL_FATAL(acpi_rsdp_parse(guarded(r, 36), 36, &info), ACPI_OK);
    CU_ASSERT_EQUAL(info.xsdt_error, ACPI_ERR_LENGTH);
    CU_ASSERT_EQUAL(info.xsdt_phys, 0);
}

static void test_rsdp_corrupt(void)
{
    uint8_t r[ACPI_RSDP_V2_SIZE];
    acpi_rsdp_t info;

    make_rsdp(r, 2, 0x1000, 0x2000);
    CU_ASSERT_EQUAL(acpi_rsdp_parse(NULL, 36, &info), ACPI_ERR_SHORT);
    CU_ASSERT_EQUAL(acpi_rsdp_parse(guarded(r, 19), 19, &info), ACPI_ERR_SHORT);
    r[16] ^= 0x40;   /* the RSDT address changed after the checksum was computed */
    CU_ASSERT_EQUAL(acpi_rsdp_parse(guarded(r, 36), 36, &info), ACPI_ERR_CHECKSUM);
    make_rsdp(r, 2, 0x1000, 0x2000);
    r[3] = 'X';
    fix_checksum(r, 20, 8);
    CU_ASSERT_EQUAL(acpi_rsdp_parse(guarded(r, 36), 36, &info), ACPI_ERR_SIGNATURE);
}

static void test_rsdp_find(void)
{
    uint8_t area[256];
    size_t off = 999;

    memset(area, 0, sizeof(area));
    CU_ASSERT_EQUAL(acpi_rsdp_find(guarded(area, sizeof(area)), sizeof(area), &off),
                    ACPI_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(acpi_rsdp_find(NULL, 100, &off), ACPI_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(acpi_rsdp_find(guarded(area, 0), 0, &off), ACPI_ERR_NOT_FOUND);

    /* Skipped: one off the 16-byte grid, one with a bad checksum; found: the next good one. */
    make_rsdp(area + 0x08, 0, 0x1000, 0);
    make_rsdp(area + 0x20, 0, 0x2000, 0);
    area[0x20 + 16] ^= 1;
    make_rsdp(area + 0x60, 2, 0x3000, 0x4000);
    make_rsdp(area + 0x90, 0, 0x5000, 0);
    CU_ASSERT_EQUAL_FATAL(acpi_rsdp_find(guarded(area, sizeof(area)), sizeof(area), &off), ACPI_OK);
    CU_ASSERT_EQUAL(off, 0x60);

    /* A signature in the last 16 bytes: its 20 bytes do not fit, so it is not read. */
    memset(area, 0, sizeof(area));
    memcpy(area + 0xf0, "RSD PTR ", 8);
    CU_ASSERT_EQUAL(acpi_rsdp_find(guarded(area, sizeof(area)), sizeof(area), &off),
                    ACPI_ERR_NOT_FOUND);
    /* An RSDP exactly at the end fits. */
    make_rsdp(area + 0xe0, 0, 0x6000, 0);
    CU_ASSERT_EQUAL(acpi_rsdp_find(guarded(area, 0xe0 + 20), 0xe0 + 20, &off), ACPI_OK);
    CU_ASSERT_EQUAL(off, 0xe0);
    CU_ASSERT_EQUAL(acpi_rsdp_find(guarded(area, 0xe0 + 19), 0xe0 + 19, &off), ACPI_ERR_NOT_FOUND);
}

static void test_table_check(void)
{
    table_t t;

    table_begin(&t, "FACP");
    memset(table_add(&t, 20), 0x5a, 20);
    table_finish(&t);
    CU_ASSERT_EQUAL(acpi_table_check(guarded(t.buf, t.len), t.len, "FACP"), ACPI_OK);
    CU_ASSERT_EQUAL(acpi_table_check(guarded(t.buf, t.len), t.len, NULL), ACPI_OK);
    CU_ASSERT_EQUAL(acpi_table_length(guarded(t.buf, t.len), t.len), 56);
    CU_ASSERT_EQUAL(acpi_table_length(guarded(t.buf, 7), 7), 0);
    /* More readable bytes than the table: fine, only its length is summed. */
    t.buf[t.len] = 0x33;
    CU_ASSERT_EQUAL(acpi_table_check(guarded(t.buf, t.len + 8), t.len + 8, "FACP"), ACPI_OK);

    CU_ASSERT_EQUAL(acpi_table_check(guarded(t.buf, t.len), t.len, "APIC"), ACPI_ERR_SIGNATURE);
    CU_ASSERT_EQUAL(acpi_table_check(guarded(t.buf, t.len - 1), t.len - 1, "FACP"), ACPI_ERR_LENGTH);
    CU_ASSERT_EQUAL(acpi_table_check(guarded(t.buf, 35), 35, "FACP"), ACPI_ERR_SHORT);
    CU_ASSERT_EQUAL(acpi_table_check(NULL, 100, "FACP"), ACPI_ERR_SHORT);

    t.buf[40] ^= 0x80;
    CU_ASSERT_EQUAL(acpi_table_check(guarded(t.buf, t.len), t.len, "FACP"), ACPI_ERR_CHECKSUM);
    t.buf[40] ^= 0x80;

    /* Length fields below the header or huge: refused before any byte past len is summed. */
    put32(t.buf + 4, 35);
    fix_checksum(t.buf, 35, 9);
    CU_ASSERT_EQUAL(acpi_table_check(guarded(t.buf, t.len), t.len, "FACP"), ACPI_ERR_LENGTH);
    put32(t.buf + 4, 0xffffffffu);
    CU_ASSERT_EQUAL(acpi_table_check(guarded(t.buf, t.len), t.len, "FACP"), ACPI_ERR_LENGTH);
}

static void test_root_entries(void)
{
    table_t t;
    uint64_t phys = 0;
    const uint8_t *p;

    table_begin(&t, "RSDT");
    put32(table_add(&t, 4), 0x7fe0000);
    put32(table_add(&t, 4), 0x7fe1000);
    put32(table_add(&t, 4), 0x7fe2000);
    table_finish(&t);
    p = guarded(t.buf, t.len);
    CU_ASSERT_EQUAL_FATAL(acpi_table_check(p, t.len, ACPI_SIG_RSDT), ACPI_OK);
    CU_ASSERT_TRUE(acpi_root_entry(p, t.len, false, 0, &phys) && phys == 0x7fe0000);
    CU_ASSERT_TRUE(acpi_root_entry(p, t.len, false, 2, &phys) && phys == 0x7fe2000);
    CU_ASSERT_FALSE(acpi_root_entry(p, t.len, false, 3, &phys));
    CU_ASSERT_FALSE(acpi_root_entry(p, t.len, false, (size_t)-1, &phys));
    /* Fewer readable bytes than the length field says: only whole entries inside them. */
    p = guarded(t.buf, t.len - 1);
    CU_ASSERT_TRUE(acpi_root_entry(p, t.len - 1, false, 1, &phys) && phys == 0x7fe1000);
    CU_ASSERT_FALSE(acpi_root_entry(p, t.len - 1, false, 2, &phys));
    CU_ASSERT_FALSE(acpi_root_entry(guarded(t.buf, 30), 30, false, 0, &phys));

    /* XSDT: 8-byte entries at offset 36, so unaligned; a trailing partial entry is ignored. */
    table_begin(&t, "XSDT");
    put64(table_add(&t, 8), 0x100007fe0000ull);
    put64(table_add(&t, 8), 0x7fe1000);
    put32(table_add(&t, 4), 0xdeadbeef);
    table_finish(&t);
    p = guarded(t.buf, t.len);
    CU_ASSERT_EQUAL_FATAL(acpi_table_check(p, t.len, ACPI_SIG_XSDT), ACPI_OK);
    CU_ASSERT_TRUE(acpi_root_entry(p, t.len, true, 0, &phys) && phys == 0x100007fe0000ull);
    CU_ASSERT_TRUE(acpi_root_entry(p, t.len, true, 1, &phys) && phys == 0x7fe1000);
    CU_ASSERT_FALSE(acpi_root_entry(p, t.len, true, 2, &phys));

    /* A length field below the header: no entries. */
    put32(t.buf + 4, 20);
    CU_ASSERT_FALSE(acpi_root_entry(guarded(t.buf, t.len), t.len, true, 0, &phys));
}

static void test_madt_qemu(void)
{
    table_t t;
    acpi_madt_t m;
    acpi_irq_route_t r;

    madt_qemu(&t);
    memset(&m, 0x77, sizeof(m));
    CU_ASSERT_EQUAL_FATAL(parse_madt(&t, &m), ACPI_OK);
    CU_ASSERT_EQUAL(m.lapic_address, 0xFEE00000u);
    CU_ASSERT_EQUAL(m.flags, ACPI_MADT_PCAT_COMPAT);
    CU_ASSERT_EQUAL_FATAL(m.nioapics, 1);
    CU_ASSERT_EQUAL(m.ioapics[0].id, 0);
    CU_ASSERT_EQUAL(m.ioapics[0].address, 0xFEC00000u);
    CU_ASSERT_EQUAL(m.ioapics[0].gsi_base, 0);
    CU_ASSERT_EQUAL_FATAL(m.noverrides, 5);
    CU_ASSERT_EQUAL(m.overrides[0].isa_irq, 0);
    CU_ASSERT_EQUAL(m.overrides[0].gsi, 2);
    CU_ASSERT_EQUAL(m.overrides[4].isa_irq, 11);
    CU_ASSERT_EQUAL(m.overrides[4].flags, 0xd);

    /* The PIT: moved to GSI 2, ISA signalling. */
    CU_ASSERT_TRUE_FATAL(acpi_isa_irq_route(&m, 0, &r));
    CU_ASSERT_EQUAL(r.gsi, 2);
    CU_ASSERT_FALSE(r.level);
    CU_ASSERT_FALSE(r.active_low);
    /* The PCI link lines: same GSI, level-triggered, active high. */
    CU_ASSERT_TRUE_FATAL(acpi_isa_irq_route(&m, 9, &r));
    CU_ASSERT_EQUAL(r.gsi, 9);
    CU_ASSERT_TRUE(r.level);
    CU_ASSERT_FALSE(r.active_low);
    /* No override: identity, edge, high. */
    CU_ASSERT_TRUE_FATAL(acpi_isa_irq_route(&m, 8, &r));
    CU_ASSERT_EQUAL(r.gsi, 8);
    CU_ASSERT_FALSE(r.level);
    CU_ASSERT_FALSE(r.active_low);
    CU_ASSERT_TRUE(acpi_isa_irq_route(&m, 1, &r) && r.gsi == 1);
    /* IRQ 2 has no line of its own (GSI 2 is the PIT's); there is no ISA IRQ 16. */
    CU_ASSERT_FALSE(acpi_isa_irq_route(&m, 2, &r));
    CU_ASSERT_FALSE(acpi_isa_irq_route(&m, 16, &r));
}

static void test_madt_variants(void)
{
    table_t t;
    acpi_madt_t m;
    acpi_irq_route_t r;
    uint8_t *e;

    /* Two I/O APICs, a 64-bit local APIC address, foreign-bus and duplicate overrides, an unknown entry type. */
    madt_begin(&t, 0);
    madt_ioapic(&t, 1, 0xFEC00000u, 0);
    madt_ioapic(&t, 2, 0xFEC01000u, 24);
    madt_override(&t, 1, 3, 40, 0xf);      /* bus 1: not ISA, not recorded */
    madt_override(&t, 0, 16, 40, 0xf);     /* no ISA IRQ 16: not recorded */
    madt_override(&t, 0, 4, 30, 0x3);      /* active low, trigger as the bus */
    madt_override(&t, 0, 4, 31, 0xd);      /* duplicate: the first counts */
    madt_override(&t, 0, 6, 6, 0x2 | 0x8); /* reserved polarity and trigger: ISA defaults */
    madt_override(&t, 0, 7, 7, 0x1 | 0xc); /* high, level */
    e = table_add(&t, 12);
    e[0] = 5, e[1] = 12;
    put64(e + 4, 0xFEE0000000ull);
    e = table_add(&t, 7);
    e[0] = 0x7f, e[1] = 7;                 /* a type from a later specification */
    table_finish(&t);
    CU_ASSERT_EQUAL_FATAL(parse_madt(&t, &m), ACPI_OK);
    CU_ASSERT_EQUAL(m.lapic_address, 0xFEE0000000ull);
    CU_ASSERT_EQUAL(m.flags, 0);
    CU_ASSERT_EQUAL_FATAL(m.nioapics, 2);
    CU_ASSERT_EQUAL(m.ioapics[1].id, 2);
    CU_ASSERT_EQUAL(m.ioapics[1].address, 0xFEC01000u);
    CU_ASSERT_EQUAL(m.ioapics[1].gsi_base, 24);
    CU_ASSERT_EQUAL_FATAL(m.noverrides, 3);

    CU_ASSERT_TRUE_FATAL(acpi_isa_irq_route(&m, 4, &r));
    CU_ASSERT_EQUAL(r.gsi, 30);
    CU_ASSERT_TRUE(r.active_low);
    CU_ASSERT_FALSE(r.level);
    CU_ASSERT_TRUE_FATAL(acpi_isa_irq_route(&m, 6, &r));
    CU_ASSERT_FALSE(r.active_low);
    CU_ASSERT_FALSE(r.level);
    CU_ASSERT_TRUE_FATAL(acpi_isa_irq_route(&m, 7, &r));
    CU_ASSERT_FALSE(r.active_low);
    CU_ASSERT_TRUE(r.level);
    CU_ASSERT_TRUE(acpi_isa_irq_route(&m, 3, &r) && r.gsi == 3);   /* the bus-1 override did not count */
    CU_ASSERT_TRUE(acpi_isa_irq_route(&m, 2, &r) && r.gsi == 2);   /* no one took GSI 2 here */

    /* Entries longer than their type needs (a later revision) are read by their length. */
    madt_begin(&t, 0);
    e = table_add(&t, 16);
    e[0] = 1, e[1] = 16, e[2] = 9;
    put32(e + 4, 0xFEC00000u);
    put32(e + 8, 0);
    madt_override(&t, 0, 0, 2, 0);
    table_finish(&t);
    CU_ASSERT_EQUAL_FATAL(parse_madt(&t, &m), ACPI_OK);
    CU_ASSERT_EQUAL(m.nioapics, 1);
    CU_ASSERT_EQUAL(m.ioapics[0].id, 9);
    CU_ASSERT_EQUAL(m.noverrides, 1);

    /* No entries at all. */
    madt_begin(&t, 0);
    table_finish(&t);
    CU_ASSERT_EQUAL_FATAL(parse_madt(&t, &m), ACPI_OK);
    CU_ASSERT_EQUAL(m.nioapics, 0);
    CU_ASSERT_EQUAL(m.noverrides, 0);

    /* Exactly as many I/O APICs as fit, and one more. */
    madt_begin(&t, 0);
    for (unsigned i = 0; i < ACPI_MAX_IOAPICS; i++)
        madt_ioapic(&t, (uint8_t)i, 0xFEC00000u + i * 0x1000, i * 24);
    table_finish(&t);
    CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_OK);
    CU_ASSERT_EQUAL(m.nioapics, ACPI_MAX_IOAPICS);
    madt_ioapic(&t, 99, 0xFEC00000u, 999);
    table_finish(&t);
    CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_ERR_TOO_MANY);
}

static void test_madt_corrupt(void)
{
    table_t t;
    acpi_madt_t m;
    uint8_t *e;

    /* Checksum, signature and length are checked first. */
    madt_qemu(&t);
    t.buf[50] ^= 1;
    CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_ERR_CHECKSUM);
    madt_qemu(&t);
    CU_ASSERT_EQUAL(acpi_madt_parse(guarded(t.buf, t.len - 1), t.len - 1, &m), ACPI_ERR_LENGTH);
    table_begin(&t, "APIC");
    put32(table_add(&t, 4), 0xFEE00000u);   /* no room for the flags */
    table_finish(&t);
    CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_ERR_LENGTH);
    table_begin(&t, "APIX");
    table_add(&t, 8);
    table_finish(&t);
    CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_ERR_SIGNATURE);

    /* Entry lengths 0 and 1 would never advance. */
    for (uint8_t len = 0; len < 2; len++) {
        madt_begin(&t, 0);
        madt_ioapic(&t, 0, 0xFEC00000u, 0);
        e = table_add(&t, 8);
        e[0] = 0, e[1] = len;
        table_finish(&t);
        CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_ERR_ENTRY);
    }

    /* An entry running past the table's end, and a lone trailing byte. */
    madt_begin(&t, 0);
    madt_ioapic(&t, 0, 0xFEC00000u, 0);
    madt_override(&t, 0, 0, 2, 0);
    table_finish(&t);
    t.buf[t.len - 10 + 1] = 11;
    fix_checksum(t.buf, t.len, 9);
    CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_ERR_ENTRY);
    madt_begin(&t, 0);
    madt_ioapic(&t, 0, 0xFEC00000u, 0);
    table_add(&t, 1);
    table_finish(&t);
    CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_ERR_ENTRY);

    /* Entries too short for their type's fields. */
    madt_begin(&t, 0);
    e = table_add(&t, 10);
    e[0] = 1, e[1] = 10;
    table_finish(&t);
    CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_ERR_ENTRY);
    madt_begin(&t, 0);
    e = table_add(&t, 8);
    e[0] = 2, e[1] = 8;
    table_finish(&t);
    CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_ERR_ENTRY);
    madt_begin(&t, 0);
    e = table_add(&t, 8);
    e[0] = 5, e[1] = 8;
    table_finish(&t);
    CU_ASSERT_EQUAL(parse_madt(&t, &m), ACPI_ERR_ENTRY);
}

static void test_madt_default(void)
{
    acpi_madt_t m;
    acpi_irq_route_t r;

    memset(&m, 0x77, sizeof(m));
    acpi_madt_default(&m);
    CU_ASSERT_EQUAL_FATAL(m.nioapics, 1);
    CU_ASSERT_EQUAL(m.ioapics[0].address, 0xFEC00000u);
    CU_ASSERT_EQUAL(m.ioapics[0].gsi_base, 0);
    CU_ASSERT_EQUAL(m.noverrides, 1);
    CU_ASSERT_TRUE(acpi_isa_irq_route(&m, 0, &r) && r.gsi == 2 && !r.level && !r.active_low);
    CU_ASSERT_TRUE(acpi_isa_irq_route(&m, 8, &r) && r.gsi == 8);
    CU_ASSERT_FALSE(acpi_isa_irq_route(&m, 2, &r));
}

static void test_strerror(void)
{
    for (int i = ACPI_OK; i <= ACPI_ERR_NOT_FOUND; i++) {
        const char *s = acpi_strerror((enum acpi_error)i);

        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_STRING_NOT_EQUAL(s, "unknown error");
        for (int j = ACPI_OK; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(s, acpi_strerror((enum acpi_error)j));
    }
    CU_ASSERT_STRING_EQUAL(acpi_strerror((enum acpi_error)99), "unknown error");
}

static uint64_t rng_next(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/*
 * Random corruption of QEMU's MADT, with the checksum repaired so that the walk
 * itself is exercised: it must never read past the bytes it was given (the guard
 * page would fault) and whatever it accepts must be within the output's bounds.
 */
static void test_random_corruption(void)
{
    uint64_t rng = 0x2545f4914f6cdd1dull;
    table_t good, t;
    acpi_madt_t m;
    unsigned accepted = 0, refused = 0;

    madt_qemu(&good);
    for (int iter = 0; iter < 20000; iter++) {
        unsigned nmut = 1 + (unsigned)(rng_next(&rng) % 3);
        size_t len = good.len;

        t = good;
        for (unsigned k = 0; k < nmut; k++) {
            uint64_t r = rng_next(&rng);
            /* Entry bytes mostly (types and lengths), sometimes the header's length field. */
            if (r % 8 == 0)
                put32(t.buf + 4, (uint32_t)(r >> 32) % (uint32_t)(good.len + 16));
            else
                t.buf[44 + (size_t)(r >> 8) % (good.len - 44)] = (uint8_t)(r >> 40);
        }
        if (rng_next(&rng) % 8 == 0)
            len = (size_t)(rng_next(&rng) % (good.len + 1));
        if (acpi_table_length(t.buf, sizeof(t.buf)) <= len)
            fix_checksum(t.buf, acpi_table_length(t.buf, sizeof(t.buf)), 9);

        if (acpi_madt_parse(guarded(t.buf, len), len, &m) != ACPI_OK) {
            refused++;
            continue;
        }
        accepted++;
        CU_ASSERT_FATAL(m.nioapics <= ACPI_MAX_IOAPICS);
        CU_ASSERT_FATAL(m.noverrides <= ACPI_MAX_OVERRIDES);
        for (size_t i = 0; i < m.noverrides; i++) {
            CU_ASSERT_FATAL(m.overrides[i].isa_irq < 16);
            for (size_t j = 0; j < i; j++)
                CU_ASSERT_FATAL(m.overrides[i].isa_irq != m.overrides[j].isa_irq);
        }
    }
    /* The harness itself: both outcomes must have happened. */
    CU_ASSERT(accepted > 0);
    CU_ASSERT(refused > 0);
}

static CU_TestInfo acpi_tests[] = {
    { "RSDP revision 0", test_rsdp_v1 },
    { "RSDP revision 2", test_rsdp_v2 },
    { "corrupt RSDP", test_rsdp_corrupt },
    { "RSDP search", test_rsdp_find },
    { "table header check", test_table_check },
    { "RSDT and XSDT entries", test_root_entries },
    { "QEMU's MADT and ISA routes", test_madt_qemu },
    { "MADT variants", test_madt_variants },
    { "corrupt MADT", test_madt_corrupt },
    { "default layout", test_madt_default },
    { "strerror", test_strerror },
    { "random corruption", test_random_corruption },
    CU_TEST_INFO_NULL,
};

int test_acpi_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "acpi", .pInitFunc = acpi_suite_init, .pCleanupFunc = acpi_suite_cleanup,
          .pTests = acpi_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
