/* Unit tests for kernel/boot/multiboot2.c: good tag lists, and corrupt ones that must be refused unread. */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot/multiboot2.h"
#include "suites.h"

#define MB_BUF_SIZE 4096

/* Builds a Multiboot2 information structure the way a loader lays it out. */
typedef struct mb_builder {
    _Alignas(8) uint8_t buf[MB_BUF_SIZE];
    size_t len;
} mb_builder_t;

typedef struct mb_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
} mb_entry_t;

static void put32(mb_builder_t *b, size_t off, uint32_t v)
{
    memcpy(b->buf + off, &v, sizeof(v));
}

static void put64(mb_builder_t *b, size_t off, uint64_t v)
{
    memcpy(b->buf + off, &v, sizeof(v));
}

static void mb_begin(mb_builder_t *b)
{
    memset(b->buf, 0, sizeof(b->buf));
    b->len = 8;
}

/* Appends a tag header declaring size bytes; returns the tag's offset. Pads to 8 bytes. */
static size_t mb_tag(mb_builder_t *b, uint32_t type, uint32_t size)
{
    size_t off = b->len;

    put32(b, off, type);
    put32(b, off + 4, size);
    b->len += (size + 7u) & ~7u;
    return off;
}

static size_t mb_string_tag(mb_builder_t *b, uint32_t type, const char *s)
{
    size_t n = strlen(s) + 1;
    size_t off = mb_tag(b, type, (uint32_t)(8 + n));

    memcpy(b->buf + off + 8, s, n);
    return off;
}

static size_t mb_module(mb_builder_t *b, uint32_t start, uint32_t end, const char *cmdline)
{
    size_t n = strlen(cmdline) + 1;
    size_t off = mb_tag(b, MB2_TAG_MODULE, (uint32_t)(16 + n));

    put32(b, off + 8, start);
    put32(b, off + 12, end);
    memcpy(b->buf + off + 16, cmdline, n);
    return off;
}

static size_t mb_mmap(mb_builder_t *b, uint32_t entry_size, const mb_entry_t *e, size_t n)
{
    size_t off = mb_tag(b, MB2_TAG_MMAP, (uint32_t)(16 + n * entry_size));

    put32(b, off + 8, entry_size);
    put32(b, off + 12, 0);
    for (size_t i = 0; i < n; i++) {
        size_t at = off + 16 + i * entry_size;

        put64(b, at, e[i].base);
        put64(b, at + 8, e[i].length);
        put32(b, at + 16, e[i].type);
        /* Fill any extension bytes, which the parser must skip. */
        memset(b->buf + at + 20, 0xee, entry_size - 20);
    }
    return off;
}

/* n usable regions of one page each, at 1 MiB + i pages. */
static size_t mb_mmap_simple(mb_builder_t *b, size_t n)
{
    mb_entry_t e[128];

    for (size_t i = 0; i < n; i++)
        e[i] = (mb_entry_t){ 0x100000 + i * 4096, 4096, 1 };
    return mb_mmap(b, 24, e, n);
}

/* Appends the end tag and records total_size; returns the length. */
static size_t mb_finish(mb_builder_t *b)
{
    mb_tag(b, MB2_TAG_END, 8);
    put32(b, 0, (uint32_t)b->len);
    return b->len;
}

/*
 * A window that ends at an inaccessible page: the parser sees exactly max_size
 * readable bytes (rounded up to 8), so reading one byte more faults at once.
 */
#define GUARD_WINDOW (16 * 4096)

static uint8_t *guard_base;
static size_t guard_page;

static int mb_suite_init(void)
{
    guard_page = (size_t)sysconf(_SC_PAGESIZE);
    guard_base = mmap(NULL, GUARD_WINDOW + guard_page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (guard_base == MAP_FAILED)
        return -1;
    return mprotect(guard_base + GUARD_WINDOW, guard_page, PROT_NONE) == 0 ? 0 : -1;
}

static int mb_suite_cleanup(void)
{
    return munmap(guard_base, GUARD_WINDOW + guard_page);
}

/* Copies the first max_size bytes of the list to just below the guard page. */
static const uint8_t *guarded_copy(const mb_builder_t *b, size_t max_size)
{
    size_t room = (max_size + 7) & ~(size_t)7;
    uint8_t *copy = guard_base + GUARD_WINDOW - room;

    memset(copy, 0xa5, room);   /* the bytes past max_size, if any, are junk */
    memcpy(copy, b->buf, max_size < sizeof(b->buf) ? max_size : sizeof(b->buf));
    return copy;
}

static enum mb2_error parse_max(const mb_builder_t *b, size_t max_size, boot_info_t *out)
{
    return mb2_parse(guarded_copy(b, max_size), max_size, out);
}

static enum mb2_error parse(const mb_builder_t *b, boot_info_t *out)
{
    return parse_max(b, b->len, out);
}

/* The string lies inside [base, base+len) with its NUL. */
static bool string_inside(const char *s, const uint8_t *base, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;

    return p >= base && p < base + len && memchr(p, 0, (size_t)(base + len - p)) != NULL;
}

static void test_full_list(void)
{
    static const mb_entry_t map[] = {
        { 0x0, 0x9fc00, 1 },
        { 0x9fc00, 0x400, 2 },
        { 0x100000, 0x7ee0000, 1 },
        { 0x7fe0000, 0x20000, 3 },
        { 0x8000000, 0x1000, 4 },
        { 0x8001000, 0x1000, 5 },
        { 0xfffc0000, 0x40000, 7 },    /* unknown type: reserved */
        { 0xfd00000000, 0x300000000, 12 },
    };
    mb_builder_t b;
    boot_info_t info;
    const uint8_t *copy;
    size_t off, acpi_new;

    mb_begin(&b);
    mb_string_tag(&b, MB2_TAG_CMDLINE, "console=ttyS0 quiet");
    mb_string_tag(&b, MB2_TAG_LOADER_NAME, "GRUB 2.06");
    mb_module(&b, 0x200000, 0x240000, "/boot/init arg1");
    mb_module(&b, 0x240000, 0x250123, "/boot/names");
    off = mb_tag(&b, MB2_TAG_BASIC_MEM, 16);
    put32(&b, off + 8, 639);
    put32(&b, off + 12, 130048);
    off = mb_tag(&b, 21, 13);               /* unknown, odd size: padded to 16 */
    memset(b.buf + off + 8, 0xff, 5);
    mb_mmap(&b, 24, map, sizeof(map) / sizeof(map[0]));
    off = mb_tag(&b, MB2_TAG_ACPI_OLD, 8 + 20);
    memcpy(b.buf + off + 8, "RSD PTR ", 8);
    acpi_new = mb_tag(&b, MB2_TAG_ACPI_NEW, 8 + 36);
    mb_finish(&b);

    memset(&info, 0x77, sizeof(info));
    copy = guarded_copy(&b, b.len);
    CU_ASSERT_EQUAL_FATAL(mb2_parse(copy, b.len, &info), MB2_OK);
    CU_ASSERT_STRING_EQUAL(info.cmdline, "console=ttyS0 quiet");
    CU_ASSERT_STRING_EQUAL(info.loader_name, "GRUB 2.06");
    CU_ASSERT_TRUE(string_inside(info.cmdline, copy, b.len));
    CU_ASSERT_TRUE(string_inside(info.loader_name, copy, b.len));

    CU_ASSERT_EQUAL_FATAL(info.nmodules, 2);
    CU_ASSERT_EQUAL(info.modules[0].start, 0x200000);
    CU_ASSERT_EQUAL(info.modules[0].end, 0x240000);
    CU_ASSERT_STRING_EQUAL(info.modules[0].cmdline, "/boot/init arg1");
    CU_ASSERT_EQUAL(info.modules[1].start, 0x240000);
    CU_ASSERT_EQUAL(info.modules[1].end, 0x250123);
    CU_ASSERT_STRING_EQUAL(info.modules[1].cmdline, "/boot/names");
    CU_ASSERT_TRUE(string_inside(info.modules[1].cmdline, copy, b.len));

    CU_ASSERT_EQUAL_FATAL(info.nregions, 8);
    for (size_t i = 0; i < 8; i++) {
        CU_ASSERT_EQUAL(info.regions[i].base, map[i].base);
        CU_ASSERT_EQUAL(info.regions[i].length, map[i].length);
    }
    CU_ASSERT_EQUAL(info.regions[0].type, BOOT_REGION_USABLE);
    CU_ASSERT_EQUAL(info.regions[1].type, BOOT_REGION_RESERVED);
    CU_ASSERT_EQUAL(info.regions[3].type, BOOT_REGION_ACPI);
    CU_ASSERT_EQUAL(info.regions[4].type, BOOT_REGION_NVS);
    CU_ASSERT_EQUAL(info.regions[5].type, BOOT_REGION_BAD);
    CU_ASSERT_EQUAL(info.regions[6].type, BOOT_REGION_RESERVED);
    CU_ASSERT_EQUAL(info.regions[7].type, BOOT_REGION_RESERVED);
    CU_ASSERT_PTR_EQUAL(info.rsdp_copy, copy + acpi_new + 8);
    CU_ASSERT_EQUAL(info.rsdp_copy_size, 36);
    CU_ASSERT_EQUAL(info.rsdp_phys, 0);
}

static void test_minimal_list(void)
{
    mb_builder_t b;
    boot_info_t info;

    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    mb_finish(&b);
    memset(&info, 0x77, sizeof(info));
    CU_ASSERT_EQUAL_FATAL(parse(&b, &info), MB2_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(info.cmdline);
    CU_ASSERT_PTR_NOT_NULL_FATAL(info.loader_name);
    CU_ASSERT_STRING_EQUAL(info.cmdline, "");
    CU_ASSERT_STRING_EQUAL(info.loader_name, "");
    CU_ASSERT_EQUAL(info.nmodules, 0);
    CU_ASSERT_EQUAL(info.nregions, 1);
    CU_ASSERT_EQUAL(info.regions[0].base, 0x100000);
    CU_ASSERT_PTR_NULL(info.rsdp_copy);
    CU_ASSERT_EQUAL(info.rsdp_copy_size, 0);
    CU_ASSERT_EQUAL(info.rsdp_phys, 0);

    /* More readable memory than the structure claims is fine. */
    CU_ASSERT_EQUAL(parse_max(&b, b.len + 1000, &info), MB2_OK);
}

static void test_edge_cases_accepted(void)
{
    static const mb_entry_t map[] = { { 0x1000, 0x2000, 1 }, { 0x5000, 0x1000, 3 } };
    mb_builder_t b;
    boot_info_t info;
    size_t off;

    /* Entries larger than 24 bytes (a later version) are read with their own stride. */
    mb_begin(&b);
    mb_string_tag(&b, MB2_TAG_CMDLINE, "");   /* an empty string, NUL only */
    mb_module(&b, 0x3000, 0x3000, "");        /* an empty module */
    mb_mmap(&b, 40, map, 2);
    mb_finish(&b);
    CU_ASSERT_EQUAL_FATAL(parse(&b, &info), MB2_OK);
    CU_ASSERT_EQUAL(info.nregions, 2);
    CU_ASSERT_EQUAL(info.regions[1].base, 0x5000);
    CU_ASSERT_EQUAL(info.regions[1].length, 0x1000);
    CU_ASSERT_EQUAL(info.regions[1].type, BOOT_REGION_ACPI);
    CU_ASSERT_STRING_EQUAL(info.cmdline, "");
    CU_ASSERT_EQUAL(info.nmodules, 1);
    CU_ASSERT_STRING_EQUAL(info.modules[0].cmdline, "");

    /* The largest region whose exclusive end, base + length, is still representable. */
    mb_begin(&b);
    mb_mmap(&b, 24, &(mb_entry_t){ 0xfffffffffffff000ull, 0xfff, 2 }, 1);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_OK);

    /* Whatever follows the end tag inside total_size is not read as tags. */
    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    mb_tag(&b, MB2_TAG_END, 8);
    off = mb_tag(&b, MB2_TAG_CMDLINE, 0);   /* would be MB2_ERR_TAG_SIZE if read */
    put32(&b, 0, (uint32_t)(off + 8));
    b.len = off + 8;
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_OK);
    CU_ASSERT_STRING_EQUAL(info.cmdline, "");
}

/* Appends an ACPI tag holding a copy of n bytes whose first byte is mark; returns the copy's offset. */
static size_t mb_acpi(mb_builder_t *b, uint32_t type, uint32_t n, uint8_t mark)
{
    size_t off = mb_tag(b, type, 8 + n);

    memset(b->buf + off + 8, mark, n);
    return off + 8;
}

static void test_acpi_rsdp_copy(void)
{
    mb_builder_t b;
    boot_info_t info;
    const uint8_t *copy;
    size_t at;

    /* Only the old tag (ACPI 1.0): its 20-byte copy. */
    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    at = mb_acpi(&b, MB2_TAG_ACPI_OLD, 20, 0x01);
    mb_finish(&b);
    copy = guarded_copy(&b, b.len);
    CU_ASSERT_EQUAL_FATAL(mb2_parse(copy, b.len, &info), MB2_OK);
    CU_ASSERT_PTR_EQUAL(info.rsdp_copy, copy + at);
    CU_ASSERT_EQUAL(info.rsdp_copy_size, 20);

    /* The new tag wins over the old, before or after it. */
    mb_begin(&b);
    at = mb_acpi(&b, MB2_TAG_ACPI_NEW, 36, 0x02);
    mb_acpi(&b, MB2_TAG_ACPI_OLD, 20, 0x01);
    mb_mmap_simple(&b, 1);
    mb_finish(&b);
    copy = guarded_copy(&b, b.len);
    CU_ASSERT_EQUAL_FATAL(mb2_parse(copy, b.len, &info), MB2_OK);
    CU_ASSERT_PTR_EQUAL(info.rsdp_copy, copy + at);
    CU_ASSERT_EQUAL(info.rsdp_copy_size, 36);
    CU_ASSERT_EQUAL(*(const uint8_t *)info.rsdp_copy, 0x02);

    mb_begin(&b);
    mb_acpi(&b, MB2_TAG_ACPI_OLD, 20, 0x01);
    at = mb_acpi(&b, MB2_TAG_ACPI_NEW, 36, 0x02);
    mb_mmap_simple(&b, 1);
    mb_finish(&b);
    copy = guarded_copy(&b, b.len);
    CU_ASSERT_EQUAL_FATAL(mb2_parse(copy, b.len, &info), MB2_OK);
    CU_ASSERT_PTR_EQUAL(info.rsdp_copy, copy + at);

    /* The size is the tag's, unpadded and unvalidated: an empty copy is size 0, inside the tag. */
    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    at = mb_acpi(&b, MB2_TAG_ACPI_NEW, 0, 0);
    mb_finish(&b);
    copy = guarded_copy(&b, b.len);
    CU_ASSERT_EQUAL_FATAL(mb2_parse(copy, b.len, &info), MB2_OK);
    CU_ASSERT_PTR_EQUAL(info.rsdp_copy, copy + at);
    CU_ASSERT_EQUAL(info.rsdp_copy_size, 0);

    /* A tag running past the end is refused before it is recorded. */
    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    at = mb_acpi(&b, MB2_TAG_ACPI_NEW, 36, 0x02);
    mb_finish(&b);
    put32(&b, at - 4, (uint32_t)(b.len - (at - 8) + 8));
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TAG_SIZE);
}

static void test_capacity_limits(void)
{
    mb_builder_t b;
    boot_info_t info;

    /* Exactly BOOT_MAX_REGIONS entries, split over two mmap tags. */
    mb_begin(&b);
    mb_mmap_simple(&b, 40);
    mb_mmap_simple(&b, BOOT_MAX_REGIONS - 40);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_OK);
    CU_ASSERT_EQUAL(info.nregions, BOOT_MAX_REGIONS);
    CU_ASSERT_EQUAL(info.regions[40].base, 0x100000);

    /* Exactly BOOT_MAX_MODULES modules. */
    mb_begin(&b);
    for (uint32_t i = 0; i < BOOT_MAX_MODULES; i++)
        mb_module(&b, i * 0x1000, i * 0x1000 + 0x800, "m");
    mb_mmap_simple(&b, 1);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_OK);
    CU_ASSERT_EQUAL(info.nmodules, BOOT_MAX_MODULES);
    CU_ASSERT_EQUAL(info.modules[BOOT_MAX_MODULES - 1].start, (BOOT_MAX_MODULES - 1) * 0x1000);
}

static void test_null_and_misaligned(void)
{
    mb_builder_t b;
    boot_info_t info;

    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    mb_finish(&b);
    CU_ASSERT_EQUAL(mb2_parse(NULL, 4096, &info), MB2_ERR_NULL);
    CU_ASSERT_EQUAL(mb2_parse(b.buf, b.len, NULL), MB2_ERR_NULL);
    CU_ASSERT_EQUAL(mb2_parse(b.buf + 4, b.len - 4, &info), MB2_ERR_MISALIGNED);
    CU_ASSERT_EQUAL(mb2_parse(b.buf + 1, b.len - 1, &info), MB2_ERR_MISALIGNED);
}

static void test_bad_total_size(void)
{
    mb_builder_t b;
    boot_info_t info;

    mb_begin(&b);
    mb_mmap_simple(&b, 2);
    mb_finish(&b);

    CU_ASSERT_EQUAL(parse_max(&b, 4, &info), MB2_ERR_TOTAL_SIZE);   /* header unreadable */
    CU_ASSERT_EQUAL(parse_max(&b, 0, &info), MB2_ERR_TOTAL_SIZE);
    /* total_size beyond what the caller can read: refused before any tag is read. */
    CU_ASSERT_EQUAL(parse_max(&b, b.len - 8, &info), MB2_ERR_TOTAL_SIZE);
    CU_ASSERT_EQUAL(parse_max(&b, 16, &info), MB2_ERR_TOTAL_SIZE);

    put32(&b, 0, 0);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TOTAL_SIZE);
    put32(&b, 0, 7);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TOTAL_SIZE);
    put32(&b, 0, (uint32_t)b.len - 4);   /* not a multiple of 8 */
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TOTAL_SIZE);
    put32(&b, 0, UINT32_MAX);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TOTAL_SIZE);
}

static void test_bad_tag_size(void)
{
    mb_builder_t b;
    boot_info_t info;
    size_t off;

    /* A tag smaller than its own header; size 0 would loop for ever if accepted. */
    for (uint32_t size = 0; size < 8; size += 4) {
        mb_begin(&b);
        off = mb_string_tag(&b, MB2_TAG_CMDLINE, "abc");
        mb_mmap_simple(&b, 1);
        mb_finish(&b);
        put32(&b, off + 4, size);
        CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TAG_SIZE);
    }

    /* A tag running past total_size, which here is all the memory there is. */
    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    off = mb_string_tag(&b, MB2_TAG_CMDLINE, "abc");
    mb_finish(&b);
    put32(&b, off + 4, (uint32_t)(b.len - off + 1));
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TAG_SIZE);
    put32(&b, off + 4, UINT32_MAX);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TAG_SIZE);

    /* Module and mmap tags too small for their fixed fields. */
    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    off = mb_tag(&b, MB2_TAG_MODULE, 12);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TAG_SIZE);

    mb_begin(&b);
    off = mb_tag(&b, MB2_TAG_MMAP, 12);
    put32(&b, off + 8, 24);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TAG_SIZE);
}

static void test_missing_or_bad_end(void)
{
    mb_builder_t b;
    boot_info_t info;
    size_t off;

    mb_begin(&b);
    put32(&b, 0, 8);   /* no tags at all */
    CU_ASSERT_EQUAL(parse_max(&b, 8, &info), MB2_ERR_NO_END);

    mb_begin(&b);
    mb_mmap_simple(&b, 2);
    put32(&b, 0, (uint32_t)b.len);   /* the tags fill total_size, no end tag */
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_NO_END);

    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    off = mb_tag(&b, MB2_TAG_END, 16);
    put32(&b, 0, (uint32_t)b.len);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_BAD_END);
    put32(&b, off + 4, 12);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_BAD_END);
}

static void test_unterminated_strings(void)
{
    mb_builder_t b;
    boot_info_t info;
    size_t off;

    /* The NUL must lie inside the tag: the zero padding after it does not count. */
    for (uint32_t type = MB2_TAG_CMDLINE; type <= MB2_TAG_LOADER_NAME; type++) {
        mb_begin(&b);
        mb_mmap_simple(&b, 1);
        off = mb_tag(&b, type, 8 + 4);
        memcpy(b.buf + off + 8, "abcd", 4);
        mb_finish(&b);
        CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_STRING);
    }

    /* A string tag with no room for even the NUL. */
    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    mb_tag(&b, MB2_TAG_CMDLINE, 8);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_STRING);

    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    off = mb_module(&b, 0x1000, 0x2000, "abcdefg");   /* 16 + 8 bytes: no padding */
    mb_finish(&b);
    b.buf[off + 16 + 7] = 'h';
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_STRING);

    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    off = mb_tag(&b, MB2_TAG_MODULE, 16);   /* no string at all */
    put32(&b, off + 8, 0x1000);
    put32(&b, off + 12, 0x2000);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_STRING);
}

static void test_bad_mmap(void)
{
    static const uint32_t bad_sizes[] = { 0, 8, 16, 20, 23, 25, 28, 36 };
    mb_builder_t b;
    boot_info_t info;
    size_t off;

    for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
        mb_begin(&b);
        off = mb_mmap_simple(&b, 2);
        mb_finish(&b);
        put32(&b, off + 8, bad_sizes[i]);
        CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_MMAP);
    }

    /* Only entry version 0 is known. */
    mb_begin(&b);
    off = mb_mmap_simple(&b, 2);
    mb_finish(&b);
    put32(&b, off + 12, 1);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_MMAP);

    /* A trailing partial entry. */
    mb_begin(&b);
    off = mb_mmap_simple(&b, 2);
    mb_finish(&b);
    put32(&b, off + 4, 16 + 24 + 16);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_MMAP);

    /* Regions whose end, base + length, wraps past 2^64. */
    mb_begin(&b);
    mb_mmap(&b, 24, &(mb_entry_t){ 0xfffffffffffff000ull, 0x1000, 1 }, 1);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_MMAP);
    mb_begin(&b);
    mb_mmap(&b, 24, &(mb_entry_t){ 0x1000, UINT64_MAX, 1 }, 1);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_MMAP);
}

static void test_bad_module(void)
{
    mb_builder_t b;
    boot_info_t info;

    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    mb_module(&b, 0x2000, 0x1fff, "backwards");
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_MODULE);
}

static void test_too_many(void)
{
    mb_builder_t b;
    boot_info_t info;

    mb_begin(&b);
    mb_mmap_simple(&b, BOOT_MAX_REGIONS + 1);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TOO_MANY);

    mb_begin(&b);
    mb_mmap_simple(&b, 40);
    mb_mmap_simple(&b, 30);
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TOO_MANY);

    mb_begin(&b);
    mb_mmap_simple(&b, 1);
    for (uint32_t i = 0; i < BOOT_MAX_MODULES + 1; i++)
        mb_module(&b, 0x1000, 0x2000, "");
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_TOO_MANY);
}

static void test_no_mmap(void)
{
    mb_builder_t b;
    boot_info_t info;

    mb_begin(&b);
    mb_string_tag(&b, MB2_TAG_CMDLINE, "quiet");
    mb_module(&b, 0x1000, 0x2000, "init");
    mb_finish(&b);
    CU_ASSERT_EQUAL(parse(&b, &info), MB2_ERR_NO_MMAP);
}

static void test_strerror(void)
{
    for (int i = MB2_OK; i <= MB2_ERR_NO_MMAP; i++) {
        const char *s = mb2_strerror((enum mb2_error)i);

        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_STRING_NOT_EQUAL(s, "unknown error");
        for (int j = MB2_OK; j < i; j++)
            CU_ASSERT_STRING_NOT_EQUAL(s, mb2_strerror((enum mb2_error)j));
    }
    CU_ASSERT_STRING_EQUAL(mb2_strerror((enum mb2_error)999), "unknown error");
    CU_ASSERT_STRING_EQUAL(mb2_strerror((enum mb2_error)-1), "unknown error");
}

/* xorshift64: a fixed seed makes every run mutate the same way. */
static uint64_t rng_next(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/*
 * Random corruption of a good list: whatever the parser says, it must neither
 * read outside the window (the guard page would fault) nor accept a result that
 * points outside it.
 */
static void test_random_corruption(void)
{
    static const mb_entry_t map[] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x1000000, 1 } };
    static const uint32_t sizes[] = { 0, 4, 7, 8, 9, 12, 15, 16, 17, 23, 24, 32, 4095, 0xffffffff };
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    mb_builder_t good, b;
    boot_info_t info;
    unsigned accepted = 0;

    mb_begin(&good);
    mb_string_tag(&good, MB2_TAG_CMDLINE, "console=ttyS0");
    mb_string_tag(&good, MB2_TAG_LOADER_NAME, "GRUB");
    mb_module(&good, 0x200000, 0x210000, "/boot/init");
    mb_mmap(&good, 24, map, 2);
    mb_module(&good, 0x210000, 0x220000, "/boot/names");
    mb_acpi(&good, MB2_TAG_ACPI_NEW, 36, 0x52);
    mb_finish(&good);

    for (int iter = 0; iter < 20000; iter++) {
        unsigned nmut = 1 + (unsigned)(rng_next(&rng) % 4);
        size_t max_size = good.len;
        const uint8_t *copy;

        b = good;
        for (unsigned m = 0; m < nmut; m++) {
            uint64_t r = rng_next(&rng);
            /* Mostly hit 32-bit fields (sizes, types, counts), sometimes single bytes. */
            size_t off = (size_t)(r % (good.len / 4)) * 4;

            if ((r >> 32) % 3 == 0)
                b.buf[(size_t)(r >> 40) % good.len] ^= (uint8_t)(1u << ((r >> 8) % 8));
            else
                put32(&b, off, sizes[(r >> 16) % (sizeof(sizes) / sizeof(sizes[0]))]);
        }
        if (rng_next(&rng) % 8 == 0)
            max_size = (size_t)(rng_next(&rng) % (good.len + 1));

        copy = guarded_copy(&b, max_size);
        if (mb2_parse(copy, max_size, &info) != MB2_OK)
            continue;
        accepted++;
        CU_ASSERT_TRUE_FATAL(string_inside(info.cmdline, copy, max_size) || *info.cmdline == '\0');
        CU_ASSERT_TRUE_FATAL(string_inside(info.loader_name, copy, max_size) ||
                             *info.loader_name == '\0');
        CU_ASSERT_FATAL(info.nregions <= BOOT_MAX_REGIONS);
        CU_ASSERT_FATAL(info.nmodules <= BOOT_MAX_MODULES);
        for (size_t i = 0; i < info.nmodules; i++) {
            CU_ASSERT_FATAL(info.modules[i].end >= info.modules[i].start);
            CU_ASSERT_TRUE_FATAL(string_inside(info.modules[i].cmdline, copy, max_size));
        }
        if (info.rsdp_copy != NULL) {
            const uint8_t *r = info.rsdp_copy;

            CU_ASSERT_FATAL(r >= copy && r <= copy + max_size);
            CU_ASSERT_FATAL(info.rsdp_copy_size <= (size_t)(copy + max_size - r));
        } else {
            CU_ASSERT_FATAL(info.rsdp_copy_size == 0);
        }
    }
    /* The harness itself: some mutations (of payload bytes) must leave a valid list. */
    CU_ASSERT(accepted > 0);
}

static CU_TestInfo multiboot2_tests[] = {
    { "full list", test_full_list },
    { "minimal list", test_minimal_list },
    { "edge cases accepted", test_edge_cases_accepted },
    { "ACPI RSDP copy", test_acpi_rsdp_copy },
    { "capacity limits", test_capacity_limits },
    { "NULL and misaligned", test_null_and_misaligned },
    { "bad total size", test_bad_total_size },
    { "bad tag size", test_bad_tag_size },
    { "missing or bad end tag", test_missing_or_bad_end },
    { "unterminated strings", test_unterminated_strings },
    { "bad memory map", test_bad_mmap },
    { "bad module", test_bad_module },
    { "too many regions or modules", test_too_many },
    { "no memory map", test_no_mmap },
    { "strerror", test_strerror },
    { "random corruption", test_random_corruption },
    CU_TEST_INFO_NULL,
};

int test_multiboot2_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "multiboot2", .pInitFunc = mb_suite_init, .pCleanupFunc = mb_suite_cleanup,
          .pTests = multiboot2_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
