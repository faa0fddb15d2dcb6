/* Multiboot2 boot-information parser: every size and offset is checked before it is used. */
#include "boot/multiboot2.h"
#include "lib/unaligned.h"

#include <stdbool.h>

/*
 * Layout (Multiboot2 specification, section 3.6): a fixed part {u32 total_size,
 * u32 reserved}, then tags {u32 type, u32 size, payload}, each starting on an
 * 8-byte boundary, the list ending with a tag of type 0 and size 8.
 */
#define MB2_FIXED_SIZE     8u
#define MB2_TAG_HEADER     8u
#define MB2_ALIGN          8u
#define MB2_MODULE_HEADER  16u   /* type, size, mod_start, mod_end */
#define MB2_MMAP_HEADER    16u   /* type, size, entry_size, entry_version */
#define MB2_MMAP_ENTRY_MIN 24u   /* base_addr, length, type, reserved */

/* The string at tag+offset, provided its NUL lies inside the tag's size bytes. */
static const char *mb2_tag_string(const uint8_t *tag, uint32_t size, uint32_t offset)
{
    for (uint32_t i = offset; i < size; i++) {
        if (tag[i] == '\0')
            return (const char *)(tag + offset);
    }
    return NULL;
}

/* Multiboot2 memory types 1..5 have the same numbers as enum boot_region_type. */
static uint32_t mb2_region_type(uint32_t mb2_type)
{
    if (mb2_type >= BOOT_REGION_USABLE && mb2_type <= BOOT_REGION_BAD)
        return mb2_type;
    return BOOT_REGION_RESERVED;
}

static enum mb2_error mb2_parse_mmap(const uint8_t *tag, uint32_t size, boot_info_t *out)
{
    uint32_t entry_size;
    uint32_t nentries;

    if (size < MB2_MMAP_HEADER)
        return MB2_ERR_TAG_SIZE;
    entry_size = read_le32(tag + 8);
    /* Larger entries are a later version's extension; smaller or unaligned ones are corrupt. */
    if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % MB2_ALIGN != 0)
        return MB2_ERR_MMAP;
    if (read_le32(tag + 12) != 0)
        return MB2_ERR_MMAP;
    if ((size - MB2_MMAP_HEADER) % entry_size != 0)
        return MB2_ERR_MMAP;    /* a trailing partial entry */
    nentries = (size - MB2_MMAP_HEADER) / entry_size;
    if (nentries > BOOT_MAX_REGIONS - out->nregions)
        return MB2_ERR_TOO_MANY;

    for (uint32_t i = 0; i < nentries; i++) {
        const uint8_t *e = tag + MB2_MMAP_HEADER + (size_t)i * entry_size;
        boot_region_t *r = &out->regions[out->nregions + i];

        r->base = read_le64(e);
        r->length = read_le64(e + 8);
        r->type = mb2_region_type(read_le32(e + 16));
        /* Users compute the end as base + length: it must not wrap past 2^64. */
        if (r->length > UINT64_MAX - r->base)
            return MB2_ERR_MMAP;
    }
    out->nregions += nentries;
    return MB2_OK;
}

static enum mb2_error mb2_parse_module(const uint8_t *tag, uint32_t size, boot_info_t *out)
{
    boot_module_t *m;
    const char *cmdline;

    if (size < MB2_MODULE_HEADER)
        return MB2_ERR_TAG_SIZE;
    cmdline = mb2_tag_string(tag, size, MB2_MODULE_HEADER);
    if (cmdline == NULL)
        return MB2_ERR_STRING;
    if (read_le32(tag + 12) < read_le32(tag + 8))
        return MB2_ERR_MODULE;
    if (out->nmodules >= BOOT_MAX_MODULES)
        return MB2_ERR_TOO_MANY;

    m = &out->modules[out->nmodules++];
    m->start = read_le32(tag + 8);
    m->end = read_le32(tag + 12);
    m->cmdline = cmdline;
    return MB2_OK;
}

/* A cmdline or loader-name tag; should a loader give two, the later one counts. */
static enum mb2_error mb2_parse_string(const uint8_t *tag, uint32_t size, const char **field)
{
    const char *s = mb2_tag_string(tag, size, MB2_TAG_HEADER);

    if (s == NULL)
        return MB2_ERR_STRING;
    *field = s;
    return MB2_OK;
}

/*
 * An RSDP copy, recorded as is (the ACPI code validates it). The new tag's copy
 * (ACPI 2.0+, with the XSDT) wins over the old tag's, in whichever order they come.
 */
static void mb2_parse_acpi(const uint8_t *tag, uint32_t type, uint32_t size, boot_info_t *out,
                           bool *seen_acpi_new)
{
    if (type == MB2_TAG_ACPI_OLD && *seen_acpi_new)
        return;
    if (type == MB2_TAG_ACPI_NEW)
        *seen_acpi_new = true;
    out->rsdp_copy = tag + MB2_TAG_HEADER;
    out->rsdp_copy_size = size - MB2_TAG_HEADER;
}

static enum mb2_error mb2_parse_tag(const uint8_t *tag, uint32_t type, uint32_t size,
                                    boot_info_t *out, bool *seen_mmap, bool *seen_acpi_new)
{
    switch (type) {
    case MB2_TAG_CMDLINE:
        return mb2_parse_string(tag, size, &out->cmdline);
    case MB2_TAG_LOADER_NAME:
        return mb2_parse_string(tag, size, &out->loader_name);
    case MB2_TAG_MODULE:
        return mb2_parse_module(tag, size, out);
    case MB2_TAG_MMAP:
        *seen_mmap = true;
        return mb2_parse_mmap(tag, size, out);
    case MB2_TAG_ACPI_OLD:
    case MB2_TAG_ACPI_NEW:
        mb2_parse_acpi(tag, type, size, out, seen_acpi_new);
        return MB2_OK;
    default:
        return MB2_OK;   /* unknown tags, and basic memory info (the map says more) */
    }
}

enum mb2_error mb2_parse(const void *info, size_t max_size, boot_info_t *out)
{
    const uint8_t *base = info;
    bool seen_mmap = false;
    bool seen_acpi_new = false;
    uint32_t total;
    size_t off;

    if (info == NULL || out == NULL)
        return MB2_ERR_NULL;
    if ((uintptr_t)info % MB2_ALIGN != 0)
        return MB2_ERR_MISALIGNED;
    if (max_size < MB2_FIXED_SIZE)
        return MB2_ERR_TOTAL_SIZE;
    total = read_le32(base);
    if (total < MB2_FIXED_SIZE || total > max_size || total % MB2_ALIGN != 0)
        return MB2_ERR_TOTAL_SIZE;

    out->cmdline = "";
    out->loader_name = "";
    out->nregions = 0;
    out->nmodules = 0;
    out->rsdp_copy = NULL;
    out->rsdp_copy_size = 0;
    out->rsdp_phys = 0;

    /* total is a multiple of 8 and so is off, so a whole tag header always fits. */
    for (off = MB2_FIXED_SIZE; off < total; ) {
        const uint8_t *tag = base + off;
        uint32_t type = read_le32(tag);
        uint32_t size = read_le32(tag + 4);
        enum mb2_error err;

        if (size < MB2_TAG_HEADER || size > total - off)
            return MB2_ERR_TAG_SIZE;
        if (type == MB2_TAG_END) {
            if (size != MB2_TAG_HEADER)
                return MB2_ERR_BAD_END;
            return seen_mmap ? MB2_OK : MB2_ERR_NO_MMAP;
        }
        err = mb2_parse_tag(tag, type, size, out, &seen_mmap, &seen_acpi_new);
        if (err != MB2_OK)
            return err;
        /* size <= total - off and total is 8-aligned, so this stays within total. */
        off += ((size_t)size + MB2_ALIGN - 1) & ~(size_t)(MB2_ALIGN - 1);
    }
    return MB2_ERR_NO_END;
}

const char *mb2_strerror(enum mb2_error err)
{
    static const char *const messages[] = {
        [MB2_OK] = "no error",
        [MB2_ERR_NULL] = "no boot information",
        [MB2_ERR_MISALIGNED] = "boot information not 8-byte aligned",
        [MB2_ERR_TOTAL_SIZE] = "bad total size",
        [MB2_ERR_TAG_SIZE] = "tag too small or running past the end",
        [MB2_ERR_NO_END] = "no end tag",
        [MB2_ERR_BAD_END] = "end tag with a bad size",
        [MB2_ERR_STRING] = "string tag without its terminating NUL",
        [MB2_ERR_MMAP] = "bad memory map entry size, version or range",
        [MB2_ERR_MODULE] = "module ending before it starts",
        [MB2_ERR_TOO_MANY] = "more regions or modules than the kernel holds",
        [MB2_ERR_NO_MMAP] = "no memory map",
    };

    if ((unsigned)err >= sizeof(messages) / sizeof(messages[0]) || messages[err] == NULL)
        return "unknown error";
    return messages[err];
}
