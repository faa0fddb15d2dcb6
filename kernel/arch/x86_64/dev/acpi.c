/* ACPI discovery: maps the firmware's tables and trusts none of them before its checksum. */
#include "arch/x86_64/dev/acpi.h"
#include "agora/errors.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/acpi_tables.h"
#include "lib/log.h"
#include "lib/string.h"

#define BDA_EBDA_SEGMENT  0x40E       /* BIOS data area: the EBDA's real-mode segment */
#define EBDA_MIN          0x80000
#define EBDA_MAX          0xA0000
#define EBDA_SEARCH_SIZE  1024        /* the RSDP may be in the EBDA's first KiB ... */
#define BIOS_AREA         0xE0000     /* ... or in the BIOS read-only area below 1 MiB */
#define BIOS_AREA_SIZE    0x20000
#define TABLE_MAX_SIZE    (1u << 20)  /* refuses absurd length fields before mapping them */
#define ACPI_MAX_TABLES   32          /* root-table entries looked at */

/* Written once by acpi_init, read-only afterwards. */
static struct {
    bool done;
    int result;
    const void *root;
    size_t root_len;
    bool xsdt;
    uint64_t table_phys[ACPI_MAX_TABLES];
    const uint8_t *table_header[ACPI_MAX_TABLES];   /* NULL when it could not be mapped */
    size_t ntables;
} acpi;

/* One past the highest physical address the CPU can reach. */
static uint64_t phys_limit(void)
{
    uint32_t a, b, c, d;

    cpuid(0x80000000u, 0, &a, &b, &c, &d);
    if (a < 0x80000008u)
        return 1ull << 36;
    cpuid(0x80000008u, 0, &a, &b, &c, &d);
    return 1ull << (a & 0xff);
}

static bool direct_mapped(uint64_t phys, size_t len)
{
    uint64_t pte;

    for (uint64_t page = phys & ~(PAGE_SIZE - 1); page < phys + len; page += PAGE_SIZE) {
        if (!paging_query(paging_kernel_root(), PHYS_MAP_BASE + page, &pte))
            return false;
    }
    return true;
}

/*
 * len bytes of firmware memory at phys, readable: through the direct map when it
 * covers them (tables usually sit in RAM), otherwise mapped into the MMIO window.
 */
static const void *acpi_map(uint64_t phys, size_t len)
{
    if (len == 0 || phys >= phys_limit() || len > phys_limit() - phys)
        return NULL;
    if (direct_mapped(phys, len))
        return phys_to_virt(phys);
    return mmio_map(phys, len);
}

/* A table signature as printable text: corrupt bytes must not garble the log. */
static const char *printable_sig(const void *p, char out[5])
{
    const uint8_t *s = p;

    for (int i = 0; i < 4; i++)
        out[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
    out[4] = '\0';
    return out;
}

static bool rsdp_accept(const char *where, const void *p, size_t len, acpi_rsdp_t *out)
{
    enum acpi_error err = acpi_rsdp_parse(p, len, out);

    if (err != ACPI_OK) {
        log_line("acpi", "RSDP from %s: %s, ignored", where, acpi_strerror(err));
        return false;
    }
    log_line("acpi", "RSDP revision %u from %s", out->revision, where);
    if (out->revision >= 2 && out->xsdt_error != ACPI_OK)
        log_line("acpi", "no usable XSDT address in the RSDP (%s): using the RSDT",
                 acpi_strerror(out->xsdt_error));
    return true;
}

/* Searches len bytes of low memory at phys. */
static bool rsdp_scan(const char *where, uint64_t phys, size_t len, acpi_rsdp_t *out)
{
    const uint8_t *area = acpi_map(phys, len);
    size_t off;

    if (area == NULL || acpi_rsdp_find(area, len, &off) != ACPI_OK)
        return false;
    return rsdp_accept(where, area + off,
                       len - off < ACPI_RSDP_V2_SIZE ? len - off : ACPI_RSDP_V2_SIZE, out);
}

static bool find_rsdp(const boot_info_t *bi, acpi_rsdp_t *out)
{
    const uint16_t *ebda_segment;

    if (bi != NULL && bi->rsdp_copy != NULL &&
        rsdp_accept("the boot loader's copy", bi->rsdp_copy, bi->rsdp_copy_size, out))
        return true;
    if (bi != NULL && bi->rsdp_phys != 0) {
        const void *p = acpi_map(bi->rsdp_phys, ACPI_RSDP_V2_SIZE);

        if (p != NULL && rsdp_accept("the boot loader's address", p, ACPI_RSDP_V2_SIZE, out))
            return true;
    }
    ebda_segment = acpi_map(BDA_EBDA_SEGMENT, sizeof(*ebda_segment));
    if (ebda_segment != NULL) {
        uint64_t ebda = (uint64_t)*ebda_segment << 4;

        if (ebda >= EBDA_MIN && ebda < EBDA_MAX && rsdp_scan("the EBDA", ebda, EBDA_SEARCH_SIZE, out))
            return true;
    }
    return rsdp_scan("the BIOS area", BIOS_AREA, BIOS_AREA_SIZE, out);
}

/* The whole table at phys, checked against sig; NULL (and a log line) when it fails. */
static const void *map_table(uint64_t phys, const char *sig, size_t *len)
{
    const void *p = acpi_map(phys, ACPI_HEADER_SIZE);
    enum acpi_error err = ACPI_ERR_LENGTH;
    uint32_t length;

    if (p == NULL) {
        log_line("acpi", "%s at 0x%lx cannot be mapped, ignored", sig, (unsigned long)phys);
        return NULL;
    }
    length = acpi_table_length(p, ACPI_HEADER_SIZE);
    if (length >= ACPI_HEADER_SIZE && length <= TABLE_MAX_SIZE) {
        p = acpi_map(phys, length);
        err = p != NULL ? acpi_table_check(p, length, sig) : ACPI_ERR_SHORT;
    }
    if (err != ACPI_OK) {
        log_line("acpi", "%s at 0x%lx: %s, ignored", sig, (unsigned long)phys, acpi_strerror(err));
        return NULL;
    }
    *len = length;
    return p;
}

static bool open_root(const acpi_rsdp_t *rsdp)
{
    if (rsdp->xsdt_phys != 0) {
        acpi.root = map_table(rsdp->xsdt_phys, ACPI_SIG_XSDT, &acpi.root_len);
        acpi.xsdt = acpi.root != NULL;
    }
    if (acpi.root == NULL && rsdp->rsdt_phys != 0)
        acpi.root = map_table(rsdp->rsdt_phys, ACPI_SIG_RSDT, &acpi.root_len);
    return acpi.root != NULL;
}

/* Maps every listed table's header once, and logs the signatures found. */
static void list_tables(void)
{
    char line[ACPI_MAX_TABLES * 5 + 1];
    size_t n = 0;
    uint64_t phys;

    while (acpi_root_entry(acpi.root, acpi.root_len, acpi.xsdt, acpi.ntables, &phys)) {
        if (acpi.ntables == ACPI_MAX_TABLES) {
            log_line("acpi", "more than %d tables listed: the rest are ignored", ACPI_MAX_TABLES);
            break;
        }
        acpi.table_phys[acpi.ntables] = phys;
        acpi.table_header[acpi.ntables] = acpi_map(phys, ACPI_HEADER_SIZE);
        if (acpi.table_header[acpi.ntables] != NULL) {
            printable_sig(acpi.table_header[acpi.ntables], line + n);
            line[n + 4] = ' ';
            n += 5;
        }
        acpi.ntables++;
    }
    line[n > 0 ? n - 1 : 0] = '\0';
    log_line("acpi", "%s lists %zu tables: %s", acpi.xsdt ? "XSDT" : "RSDT", acpi.ntables, line);
}

int acpi_init(const boot_info_t *bi)
{
    acpi_rsdp_t rsdp;

    if (acpi.done)
        return acpi.result;
    KASSERT(paging_kernel_root() != 0);   /* acpi_map looks at the final page tables */
    acpi.done = true;
    acpi.result = -E_INVAL;
    if (!find_rsdp(bi, &rsdp)) {
        log_line("acpi", "no valid RSDP found");
        return acpi.result;
    }
    if (!open_root(&rsdp)) {
        log_line("acpi", "no valid root table: ACPI tables ignored");
        return acpi.result;
    }
    list_tables();
    acpi.result = 0;
    return 0;
}

const void *acpi_find_table(const char *sig, size_t *len)
{
    if (acpi.result != 0 || !acpi.done)
        return NULL;
    for (size_t i = 0; i < acpi.ntables; i++) {
        const void *table;

        if (acpi.table_header[i] == NULL || memcmp(acpi.table_header[i], sig, 4) != 0)
            continue;
        table = map_table(acpi.table_phys[i], sig, len);
        if (table != NULL)
            return table;
    }
    return NULL;
}
