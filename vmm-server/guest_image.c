/* Guest image parsing (ELF32, ELF64, multiboot v1) and the multiboot information structure; see guest_image.h. */
#include "guest_image.h"

#include <agora/errors.h>
#include <libagora/string.h>

#define ELF_CLASS32 1
#define ELF_CLASS64 2
#define ELF_DATA_LSB 1
#define ELF_ET_EXEC 2
#define ELF_EM_386 3
#define ELF_EM_X86_64 62
#define ELF_PT_LOAD 1
#define ELF32_EHDR_BYTES 52u
#define ELF64_EHDR_BYTES 64u
#define ELF32_PHDR_BYTES 32u
#define ELF64_PHDR_BYTES 56u

#define MULTIBOOT_AOUT_KLUDGE (1u << 16)
#define MULTIBOOT_SUPPORTED_REQUIRED 0x7u     /* page-align modules, memory info, video mode (ignored) */
#define MULTIBOOT_HEADER_BYTES 12u
#define MULTIBOOT_AOUT_HEADER_BYTES 32u
#define FOUR_GIB 0x100000000ull

static uint64_t rd(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static int refuse(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return -E_INVAL;
}

/* One segment against the file and guest memory; appended to out when it fits. */
static int add_segment(struct guest_image *out, uint64_t gpa, uint64_t offset, uint64_t filesz, uint64_t memsz,
                       size_t size, uint64_t mem_bytes, const char **why)
{
    struct guest_segment *s;

    if (filesz > memsz)
        return refuse(why, "a segment has more file bytes than memory bytes");
    if (offset > size || filesz > size - offset)
        return refuse(why, "a segment's file bytes lie past the end of the image");
    if (memsz > mem_bytes || gpa > mem_bytes - memsz)
        return refuse(why, "a segment does not fit in guest memory");
    if (gpa < GUEST_IMAGE_LOW_HOLE_END)
        return refuse(why, "a segment overlaps the first 4 KiB page");
    if (gpa < GUEST_VGA_BIOS_HOLE_END && gpa + memsz > GUEST_VGA_BIOS_HOLE)
        return refuse(why, "a segment overlaps the VGA/BIOS hole 0xA0000-0xFFFFF");
    if (out->nsegments == GUEST_IMAGE_MAX_SEGMENTS)
        return refuse(why, "too many loadable segments");
    s = &out->seg[out->nsegments++];
    s->gpa = gpa;
    s->offset = offset;
    s->filesz = filesz;
    s->memsz = memsz;
    if (gpa + memsz > out->end_gpa)
        out->end_gpa = gpa + memsz;
    return 0;
}

static int check_no_overlap(const struct guest_image *out, const char **why)
{
    for (unsigned i = 0; i < out->nsegments; i++) {
        for (unsigned j = i + 1; j < out->nsegments; j++) {
            const struct guest_segment *a = &out->seg[i], *b = &out->seg[j];

            if (a->gpa < b->gpa + b->memsz && b->gpa < a->gpa + a->memsz)
                return refuse(why, "two segments overlap");
        }
    }
    return 0;
}

/* The fields of an ELF header both classes share, read into one shape. */
struct elf_info {
    unsigned elf_class;
    uint64_t entry, phoff;
    unsigned phentsize, phnum;
};

static int read_elf_header(const uint8_t *file, size_t size, struct elf_info *e, const char **why)
{
    unsigned machine;

    if (size < 16 || memcmp(file, "\177ELF", 4) != 0)
        return refuse(why, "not an ELF file");
    if (file[4] != ELF_CLASS32 && file[4] != ELF_CLASS64)
        return refuse(why, "unknown ELF class");
    if (file[5] != ELF_DATA_LSB || file[6] != 1)
        return refuse(why, "not a little-endian ELF version 1 file");
    e->elf_class = file[4] == ELF_CLASS64 ? 64 : 32;
    if (size < (e->elf_class == 64 ? ELF64_EHDR_BYTES : ELF32_EHDR_BYTES))
        return refuse(why, "ELF header truncated");
    if (rd(file + 16, 2) != ELF_ET_EXEC)
        return refuse(why, "not an ELF executable (ET_EXEC)");
    machine = (unsigned)rd(file + 18, 2);
    if (machine != (e->elf_class == 64 ? ELF_EM_X86_64 : ELF_EM_386))
        return refuse(why, "ELF machine is not x86_64 (ELF64) or i386 (ELF32)");
    if (e->elf_class == 64) {
        e->entry = rd(file + 24, 8);
        e->phoff = rd(file + 32, 8);
        e->phentsize = (unsigned)rd(file + 54, 2);
        e->phnum = (unsigned)rd(file + 56, 2);
    } else {
        e->entry = rd(file + 24, 4);
        e->phoff = rd(file + 28, 4);
        e->phentsize = (unsigned)rd(file + 42, 2);
        e->phnum = (unsigned)rd(file + 44, 2);
    }
    if (e->phentsize != (e->elf_class == 64 ? ELF64_PHDR_BYTES : ELF32_PHDR_BYTES))
        return refuse(why, "ELF program header size is wrong");
    if (e->phnum == 0xffff)
        return refuse(why, "too many ELF program headers (extended numbering)");
    if (e->phoff > size || (uint64_t)e->phnum * e->phentsize > size - e->phoff)
        return refuse(why, "ELF program headers lie past the end of the image");
    return 0;
}

/* The loadable segments; vaddr[] gets each one's virtual address for the entry. */
static int read_elf_segments(const uint8_t *file, size_t size, uint64_t mem_bytes, const struct elf_info *e,
                             struct guest_image *out, uint64_t *vaddr, const char **why)
{
    for (unsigned i = 0; i < e->phnum; i++) {
        const uint8_t *ph = file + e->phoff + (uint64_t)i * e->phentsize;
        uint64_t offset, va, pa, filesz, memsz;
        int r;

        if (rd(ph, 4) != ELF_PT_LOAD)
            continue;
        if (e->elf_class == 64) {
            offset = rd(ph + 8, 8);
            va = rd(ph + 16, 8);
            pa = rd(ph + 24, 8);
            filesz = rd(ph + 32, 8);
            memsz = rd(ph + 40, 8);
        } else {
            offset = rd(ph + 4, 4);
            va = rd(ph + 8, 4);
            pa = rd(ph + 12, 4);
            filesz = rd(ph + 16, 4);
            memsz = rd(ph + 20, 4);
        }
        if (memsz == 0)
            continue;
        if ((r = add_segment(out, pa, offset, filesz, memsz, size, mem_bytes, why)) != 0)
            return r;
        vaddr[out->nsegments - 1] = va;
    }
    if (out->nsegments == 0)
        return refuse(why, "no loadable segment");
    return 0;
}

/* The entry as a gpa: inside a segment's virtual range (moved to its physical one), or its physical range. */
static int place_entry(struct guest_image *out, const uint64_t *vaddr, uint64_t entry, const char **why)
{
    for (unsigned i = 0; i < out->nsegments; i++) {
        if (entry >= vaddr[i] && entry - vaddr[i] < out->seg[i].memsz) {
            out->entry = out->seg[i].gpa + (entry - vaddr[i]);
            return 0;
        }
    }
    for (unsigned i = 0; i < out->nsegments; i++) {
        if (entry >= out->seg[i].gpa && entry - out->seg[i].gpa < out->seg[i].memsz) {
            out->entry = entry;
            return 0;
        }
    }
    return refuse(why, "the entry point is outside the loaded segments");
}

static int parse_elf(const uint8_t *file, size_t size, uint64_t mem_bytes, struct guest_image *out, const char **why)
{
    uint64_t vaddr[GUEST_IMAGE_MAX_SEGMENTS];
    struct elf_info e;
    int r;

    if ((r = read_elf_header(file, size, &e, why)) != 0)
        return r;
    if ((r = read_elf_segments(file, size, mem_bytes, &e, out, vaddr, why)) != 0)
        return r;
    if ((r = check_no_overlap(out, why)) != 0)
        return r;
    if ((r = place_entry(out, vaddr, e.entry, why)) != 0)
        return r;
    out->kind = e.elf_class == 64 ? GUEST_IMAGE_ELF64 : GUEST_IMAGE_ELF32;
    out->elf_class = e.elf_class;
    out->entry_vaddr = e.entry;
    return 0;
}

/* The offset of a multiboot header with a good checksum, or -1; *seen_magic when a magic had a bad one. */
static long find_multiboot_header(const uint8_t *file, size_t size, int *seen_magic)
{
    size_t limit = size < MULTIBOOT_SEARCH_BYTES ? size : MULTIBOOT_SEARCH_BYTES;

    *seen_magic = 0;
    for (size_t off = 0; off + MULTIBOOT_HEADER_BYTES <= limit; off += 4) {
        uint32_t magic = (uint32_t)rd(file + off, 4), flags, checksum;

        if (magic != MULTIBOOT_HEADER_MAGIC)
            continue;
        flags = (uint32_t)rd(file + off + 4, 4);
        checksum = (uint32_t)rd(file + off + 8, 4);
        if ((uint32_t)(magic + flags + checksum) == 0)
            return (long)off;
        *seen_magic = 1;
    }
    return -1;
}

/* Flag bit 16: the header says where the file goes (load_addr..load_end_addr, bss to bss_end_addr). */
static int parse_aout_kludge(const uint8_t *file, size_t size, size_t off, uint64_t mem_bytes,
                             struct guest_image *out, const char **why)
{
    uint64_t header_addr, load_addr, load_end, bss_end, entry, load_offset, filesz, memsz;
    int r;

    if (off + MULTIBOOT_AOUT_HEADER_BYTES > size)
        return refuse(why, "multiboot header truncated (a.out kludge addresses)");
    header_addr = rd(file + off + 12, 4);
    load_addr = rd(file + off + 16, 4);
    load_end = rd(file + off + 20, 4);
    bss_end = rd(file + off + 24, 4);
    entry = rd(file + off + 28, 4);
    if (load_addr > header_addr || header_addr - load_addr > off)
        return refuse(why, "multiboot load_addr does not place the header inside the file");
    load_offset = off - (header_addr - load_addr);
    if (load_end == 0)
        filesz = size - load_offset;
    else if (load_end < load_addr)
        return refuse(why, "multiboot load_end_addr is below load_addr");
    else
        filesz = load_end - load_addr;
    if (bss_end == 0)
        memsz = filesz;
    else if (bss_end < load_addr + filesz)
        return refuse(why, "multiboot bss_end_addr is below load_end_addr");
    else
        memsz = bss_end - load_addr;
    if (memsz == 0)
        return refuse(why, "multiboot kernel loads nothing");
    if ((r = add_segment(out, load_addr, load_offset, filesz, memsz, size, mem_bytes, why)) != 0)
        return r;
    if (entry < load_addr || entry - load_addr >= memsz)
        return refuse(why, "the entry point is outside the loaded segments");
    out->entry = entry;
    out->entry_vaddr = entry;
    return 0;
}

static int parse_multiboot(const uint8_t *file, size_t size, size_t off, uint64_t mem_bytes, struct guest_image *out,
                           const char **why)
{
    uint32_t flags = (uint32_t)rd(file + off + 4, 4);
    int r;

    if (flags & 0xffffu & ~MULTIBOOT_SUPPORTED_REQUIRED)
        return refuse(why, "the multiboot header requires a feature we lack (flags bits 3-15)");
    if (flags & MULTIBOOT_AOUT_KLUDGE)
        r = parse_aout_kludge(file, size, off, mem_bytes, out, why);
    else
        r = parse_elf(file, size, mem_bytes, out, why);
    if (r != 0)
        return r;
    if (out->end_gpa > FOUR_GIB || out->entry >= FOUR_GIB)
        return refuse(why, "a multiboot kernel must load and start below 4 GiB");
    out->kind = GUEST_IMAGE_MULTIBOOT;
    out->multiboot_flags = flags;
    return 0;
}

int guest_image_parse(const uint8_t *file, size_t size, uint64_t mem_bytes, struct guest_image *out, const char **why)
{
    int seen_bad_magic, r;
    long off;

    memset(out, 0, sizeof(*out));
    if (why)
        *why = "";
    off = find_multiboot_header(file, size, &seen_bad_magic);
    if (off >= 0)
        r = parse_multiboot(file, size, (size_t)off, mem_bytes, out, why);
    else
        r = parse_elf(file, size, mem_bytes, out, why);
    if (r == -E_INVAL && off < 0 && seen_bad_magic && size >= 4 && memcmp(file, "\177ELF", 4) != 0)
        refuse(why, "not an ELF file, and its multiboot header has a bad checksum");
    if (r != 0)
        memset(out, 0, sizeof(*out));
    return r;
}

/* ---- the multiboot information structure ---- */

#define MBI_BYTES 116u              /* through the framebuffer fields */
#define MBI_MMAP_ENTRY_BYTES 24u
#define MBI_FLAG_MEM (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MMAP (1u << 6)
#define MBI_FLAG_LOADER (1u << 9)
#define LOW_RAM_END 0x9fc00ull
#define HIGH_RAM_START 0x100000ull

static const char loader_name[] = "agora vmm";

static void put32(uint8_t *p, uint64_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, v);
    put32(p + 4, v >> 32);
}

static void put_mmap_entry(uint8_t *p, uint64_t base, uint64_t length)
{
    put32(p, MBI_MMAP_ENTRY_BYTES - 4);     /* size: of the entry after this field */
    put64(p + 4, base);
    put64(p + 12, length);
    put32(p + 20, 1);                       /* available RAM */
}

long guest_multiboot_info(uint8_t *buf, size_t cap, uint64_t gpa, uint64_t mem_bytes, const char *cmdline)
{
    uint64_t low = mem_bytes < LOW_RAM_END ? mem_bytes : LOW_RAM_END, upper_kib;
    unsigned nmmap = (low ? 1 : 0) + (mem_bytes > HIGH_RAM_START ? 1 : 0);
    size_t mmap_off = (MBI_BYTES + 7) & ~(size_t)7, cmdline_off = mmap_off + nmmap * MBI_MMAP_ENTRY_BYTES;
    size_t cmdline_len = cmdline ? strlen(cmdline) + 1 : 0, name_off = cmdline_off + cmdline_len;
    size_t total = name_off + sizeof(loader_name);
    uint32_t flags = MBI_FLAG_MEM | MBI_FLAG_MMAP | MBI_FLAG_LOADER | (cmdline ? MBI_FLAG_CMDLINE : 0);
    uint8_t *p;

    if (total > cap)
        return -E_RANGE;
    if (gpa >= FOUR_GIB || total > FOUR_GIB - gpa)
        return -E_INVAL;
    memset(buf, 0, total);
    upper_kib = mem_bytes > HIGH_RAM_START ? ((mem_bytes < FOUR_GIB ? mem_bytes : FOUR_GIB) - HIGH_RAM_START) / 1024 : 0;
    put32(buf + 0, flags);
    put32(buf + 4, low / 1024);
    put32(buf + 8, upper_kib);
    if (cmdline)
        put32(buf + 16, gpa + cmdline_off);
    put32(buf + 44, nmmap * MBI_MMAP_ENTRY_BYTES);
    put32(buf + 48, gpa + mmap_off);
    put32(buf + 64, gpa + name_off);
    p = buf + mmap_off;
    if (low) {
        put_mmap_entry(p, 0, low);
        p += MBI_MMAP_ENTRY_BYTES;
    }
    if (mem_bytes > HIGH_RAM_START)
        put_mmap_entry(p, HIGH_RAM_START, mem_bytes - HIGH_RAM_START);
    if (cmdline)
        memcpy(buf + cmdline_off, cmdline, cmdline_len);
    memcpy(buf + name_off, loader_name, sizeof(loader_name));
    return (long)total;
}
