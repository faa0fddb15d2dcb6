/*
 * Unit tests for vmm-server/guest_image.c: ELF64 and ELF32 executables (identity and
 * higher-half), multiboot kernels with and without the a.out kludge, hostile images
 * (truncated, huge counts, overflowing offsets and sizes, segments past memory or in the
 * holes, overlaps, bad entries, bad checksums and flags), random mutations under ASan,
 * and the multiboot information structure.
 */
#include <CUnit/CUnit.h>
#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <agora/errors.h>
#include "guest_image.h"
#include "suites.h"

#define MEM (16ull << 20)
#define IMG_MAX 0x6000

struct image {
    _Alignas(8) uint8_t bytes[IMG_MAX];
    size_t size;
};

struct seg_spec {
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
};

static struct image img;

/* An ELF64 or ELF32 executable with the given program headers; file bytes are a pattern. */
static void build_elf(unsigned elf_class, uint64_t entry, const struct seg_spec *segs, unsigned n, size_t size)
{
    memset(&img, 0, sizeof(img));
    img.size = size;
    for (size_t i = 0x100; i < size; i++)
        img.bytes[i] = (uint8_t)(i * 7);
    if (elf_class == 64) {
        Elf64_Ehdr *eh = (Elf64_Ehdr *)img.bytes;
        Elf64_Phdr *ph = (Elf64_Phdr *)(img.bytes + sizeof(*eh));

        memcpy(eh->e_ident, ELFMAG, SELFMAG);
        eh->e_ident[EI_CLASS] = ELFCLASS64;
        eh->e_ident[EI_DATA] = ELFDATA2LSB;
        eh->e_ident[EI_VERSION] = EV_CURRENT;
        eh->e_type = ET_EXEC;
        eh->e_machine = EM_X86_64;
        eh->e_version = EV_CURRENT;
        eh->e_entry = entry;
        eh->e_phoff = sizeof(*eh);
        eh->e_ehsize = sizeof(*eh);
        eh->e_phentsize = sizeof(*ph);
        eh->e_phnum = (Elf64_Half)n;
        for (unsigned i = 0; i < n; i++) {
            ph[i].p_type = segs[i].type;
            ph[i].p_offset = segs[i].offset;
            ph[i].p_vaddr = segs[i].vaddr;
            ph[i].p_paddr = segs[i].paddr;
            ph[i].p_filesz = segs[i].filesz;
            ph[i].p_memsz = segs[i].memsz;
        }
    } else {
        Elf32_Ehdr *eh = (Elf32_Ehdr *)img.bytes;
        Elf32_Phdr *ph = (Elf32_Phdr *)(img.bytes + sizeof(*eh));

        memcpy(eh->e_ident, ELFMAG, SELFMAG);
        eh->e_ident[EI_CLASS] = ELFCLASS32;
        eh->e_ident[EI_DATA] = ELFDATA2LSB;
        eh->e_ident[EI_VERSION] = EV_CURRENT;
        eh->e_type = ET_EXEC;
        eh->e_machine = EM_386;
        eh->e_version = EV_CURRENT;
        eh->e_entry = (Elf32_Addr)entry;
        eh->e_phoff = sizeof(*eh);
        eh->e_ehsize = sizeof(*eh);
        eh->e_phentsize = sizeof(*ph);
        eh->e_phnum = (Elf32_Half)n;
        for (unsigned i = 0; i < n; i++) {
            ph[i].p_type = segs[i].type;
            ph[i].p_offset = (Elf32_Off)segs[i].offset;
            ph[i].p_vaddr = (Elf32_Addr)segs[i].vaddr;
            ph[i].p_paddr = (Elf32_Addr)segs[i].paddr;
            ph[i].p_filesz = (Elf32_Word)segs[i].filesz;
            ph[i].p_memsz = (Elf32_Word)segs[i].memsz;
        }
    }
}

/* The model: text and data+bss at 1 MiB and 2 MiB, a note and a stack header, data ending the file. */
static const struct seg_spec model64[] = {
    { PT_LOAD, 0x1000, 0x100000, 0x100000, 0x1800, 0x1800 },
    { PT_NOTE, 0x1000, 0x100000, 0x100000, 0x10, 0x10 },
    { PT_LOAD, 0x3000, 0x200000, 0x200000, 0x2000, 0x5000 },
    { PT_LOAD, 0x0, 0x300000, 0x300000, 0, 0 },               /* empty: skipped */
    { PT_GNU_STACK, 0, 0, 0, 0, 0 },
};
#define MODEL_SIZE 0x5000

static void build_model(unsigned elf_class)
{
    build_elf(elf_class, 0x100040, model64, 5, MODEL_SIZE);
}

static uint64_t phdr_offset(unsigned elf_class, unsigned i)
{
    return elf_class == 64 ? sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr) : sizeof(Elf32_Ehdr) + i * sizeof(Elf32_Phdr);
}

/* Parses an exact-size heap copy, so AddressSanitizer sees any read past the end. */
static int parse_exact(const uint8_t *bytes, size_t size, uint64_t mem, struct guest_image *out, const char **why)
{
    uint8_t *copy = malloc(size ? size : 1);
    int r;

    CU_ASSERT_FATAL(copy != NULL);
    memcpy(copy, bytes, size);
    r = guest_image_parse(copy, size, mem, out, why);
    free(copy);
    return r;
}

static int parse(struct guest_image *out, const char **why)
{
    return parse_exact(img.bytes, img.size, MEM, out, why);
}

/* Refused, with a reason containing want. */
static void expect_refused(const char *want)
{
    struct guest_image gi;
    const char *why = NULL;
    int r = parse(&gi, &why);

    CU_ASSERT_EQUAL(r, -E_INVAL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(why);
    if (r != -E_INVAL || !strstr(why, want))
        fprintf(stderr, "\nimage: wanted a refusal with \"%s\", got %d \"%s\"\n", want, r, why);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, want));
    CU_ASSERT_EQUAL(gi.nsegments, 0);
}

static void test_elf64(void)
{
    struct guest_image gi;
    const char *why = NULL;

    build_model(64);
    CU_ASSERT_EQUAL_FATAL(parse(&gi, &why), 0);
    CU_ASSERT_EQUAL(gi.kind, GUEST_IMAGE_ELF64);
    CU_ASSERT_EQUAL(gi.elf_class, 64);
    CU_ASSERT_EQUAL(gi.entry, 0x100040);
    CU_ASSERT_EQUAL(gi.entry_vaddr, 0x100040);
    CU_ASSERT_EQUAL_FATAL(gi.nsegments, 2);
    CU_ASSERT_EQUAL(gi.seg[0].gpa, 0x100000);
    CU_ASSERT_EQUAL(gi.seg[0].offset, 0x1000);
    CU_ASSERT_EQUAL(gi.seg[0].filesz, 0x1800);
    CU_ASSERT_EQUAL(gi.seg[0].memsz, 0x1800);
    CU_ASSERT_EQUAL(gi.seg[1].gpa, 0x200000);
    CU_ASSERT_EQUAL(gi.seg[1].offset, 0x3000);
    CU_ASSERT_EQUAL(gi.seg[1].filesz, 0x2000);
    CU_ASSERT_EQUAL(gi.seg[1].memsz, 0x5000);
    CU_ASSERT_EQUAL(gi.end_gpa, 0x205000);
    /* Memory just large enough, and one byte short. */
    CU_ASSERT_EQUAL(parse_exact(img.bytes, img.size, 0x205000, &gi, &why), 0);
    CU_ASSERT_EQUAL(parse_exact(img.bytes, img.size, 0x204fff, &gi, &why), -E_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "guest memory"));
}

static void test_elf32(void)
{
    struct guest_image gi;
    const char *why = NULL;

    build_model(32);
    CU_ASSERT_EQUAL_FATAL(parse(&gi, &why), 0);
    CU_ASSERT_EQUAL(gi.kind, GUEST_IMAGE_ELF32);
    CU_ASSERT_EQUAL(gi.elf_class, 32);
    CU_ASSERT_EQUAL(gi.entry, 0x100040);
    CU_ASSERT_EQUAL_FATAL(gi.nsegments, 2);
    CU_ASSERT_EQUAL(gi.seg[1].gpa, 0x200000);
    CU_ASSERT_EQUAL(gi.seg[1].memsz, 0x5000);
    CU_ASSERT_EQUAL(gi.end_gpa, 0x205000);
}

static void test_higher_half(void)
{
    static const struct seg_spec segs[] = {
        { PT_LOAD, 0x1000, 0xffffffff81000000ull, 0x1000000, 0x2000, 0x3000 },
        { PT_LOAD, 0x3000, 0xffffffff81200000ull, 0x1200000, 0x1000, 0x1000 },
    };
    struct guest_image gi;
    const char *why = NULL;

    build_elf(64, 0xffffffff81000123ull, segs, 2, 0x4000);
    CU_ASSERT_EQUAL_FATAL(parse_exact(img.bytes, img.size, 64ull << 20, &gi, &why), 0);
    CU_ASSERT_EQUAL(gi.entry, 0x1000123);
    CU_ASSERT_EQUAL(gi.entry_vaddr, 0xffffffff81000123ull);
    /* An entry given as a physical address also works. */
    build_elf(64, 0x1200010, segs, 2, 0x4000);
    CU_ASSERT_EQUAL_FATAL(parse_exact(img.bytes, img.size, 64ull << 20, &gi, &why), 0);
    CU_ASSERT_EQUAL(gi.entry, 0x1200010);
    /* In the bss of a segment counts as inside; past it does not. */
    build_elf(64, 0xffffffff81002fffull, segs, 2, 0x4000);
    CU_ASSERT_EQUAL(parse_exact(img.bytes, img.size, 64ull << 20, &gi, &why), 0);
    build_elf(64, 0xffffffff81003000ull, segs, 2, 0x4000);
    CU_ASSERT_EQUAL(parse_exact(img.bytes, img.size, 64ull << 20, &gi, &why), -E_INVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "entry"));
}

static void test_truncated(void)
{
    for (unsigned elf_class = 32; elf_class <= 64; elf_class += 32) {
        build_model(elf_class);
        for (size_t cut = 0; cut < MODEL_SIZE; cut += (cut < 0x200 ? 1 : 0x80)) {
            struct guest_image gi;
            const char *why = NULL;

            CU_ASSERT_EQUAL(parse_exact(img.bytes, cut, MEM, &gi, &why), -E_INVAL);
            CU_ASSERT_PTR_NOT_NULL(why);
        }
    }
}

/* Patches one 8-byte (ELF64) field of program header i. */
static void patch64(unsigned i, size_t field, uint64_t v)
{
    memcpy(img.bytes + phdr_offset(64, i) + field, &v, 8);
}

static void test_hostile_elf(void)
{
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img.bytes;

    build_model(64);
    eh->e_phnum = 0xfffe;
    expect_refused("program headers lie past");
    build_model(64);
    eh->e_phnum = 0xffff;
    expect_refused("extended numbering");
    build_model(64);
    eh->e_phoff = 0xffffffffffffff00ull;
    expect_refused("program headers lie past");
    build_model(64);
    eh->e_phentsize = 32;
    expect_refused("program header size");
    build_model(64);
    patch64(0, offsetof(Elf64_Phdr, p_offset), 0xfffffffffffffff0ull);     /* offset + filesz overflows */
    expect_refused("past the end of the image");
    build_model(64);
    patch64(2, offsetof(Elf64_Phdr, p_filesz), 0x2001);                    /* one byte past the file */
    expect_refused("past the end of the image");
    build_model(64);
    patch64(2, offsetof(Elf64_Phdr, p_filesz), 0x6000);
    expect_refused("more file bytes than memory");
    build_model(64);
    patch64(0, offsetof(Elf64_Phdr, p_paddr), 0xfffffffffffff000ull);     /* gpa + memsz overflows */
    expect_refused("guest memory");
    build_model(64);
    patch64(2, offsetof(Elf64_Phdr, p_memsz), 0xffffffffffffff00ull);     /* huge bss */
    expect_refused("guest memory");
    build_model(64);
    patch64(2, offsetof(Elf64_Phdr, p_paddr), MEM - 0x4fff);              /* past the end of memory */
    expect_refused("guest memory");
    build_model(64);
    patch64(0, offsetof(Elf64_Phdr, p_paddr), 0x800);
    expect_refused("first 4 KiB");
    build_model(64);
    patch64(0, offsetof(Elf64_Phdr, p_paddr), 0x9f000);                   /* 0x9f000 + 0x1800 enters the hole */
    expect_refused("VGA/BIOS hole");
    build_model(64);
    patch64(0, offsetof(Elf64_Phdr, p_paddr), 0xff000);                   /* the hole's last page */
    expect_refused("VGA/BIOS hole");
    build_model(64);
    patch64(0, offsetof(Elf64_Phdr, p_paddr), 0x1ff000);                  /* into the data segment */
    expect_refused("overlap");
    build_model(64);
    eh->e_entry = 0x300000;
    expect_refused("entry");
    build_model(64);
    eh->e_type = ET_DYN;
    expect_refused("ET_EXEC");
    build_model(64);
    eh->e_machine = EM_386;
    expect_refused("machine");
    build_model(64);
    eh->e_ident[EI_CLASS] = 3;
    expect_refused("class");
    build_model(64);
    eh->e_ident[EI_DATA] = ELFDATA2MSB;
    expect_refused("little-endian");
    build_model(64);
    img.bytes[0] = 0;
    expect_refused("not an ELF");
    {
        /* Below the first page ends at 0x1000 and just before the hole is fine. */
        static const struct seg_spec edge[] = {
            { PT_LOAD, 0x1000, 0x1000, 0x1000, 0x100, 0x9e000 },
            { PT_LOAD, 0x1100, 0x100000, 0x100000, 0x100, 0x100 },
        };
        struct guest_image gi;
        const char *why;

        build_elf(64, 0x1000, edge, 2, 0x1200);
        CU_ASSERT_EQUAL(parse(&gi, &why), 0);
        CU_ASSERT_EQUAL(gi.end_gpa, 0x100100);
    }
    {
        /* Nine loadable segments: too many; eight: fine; none: refused. */
        struct seg_spec many[9];
        struct guest_image gi;
        const char *why;

        for (unsigned i = 0; i < 9; i++)
            many[i] = (struct seg_spec){ PT_LOAD, 0x1000, 0x100000 + i * 0x1000ull, 0x100000 + i * 0x1000ull, 0x10, 0x1000 };
        build_elf(64, 0x100000, many, 9, 0x2000);
        expect_refused("too many");
        build_elf(64, 0x100000, many, 8, 0x2000);
        CU_ASSERT_EQUAL(parse(&gi, &why), 0);
        CU_ASSERT_EQUAL(gi.nsegments, 8);
        build_elf(64, 0x100000, model64 + 4, 1, 0x2000);
        expect_refused("no loadable segment");
    }
}

/* A flat multiboot kernel: the header at hdr_off of the file, loaded at 1 MiB. */
static void build_aout(size_t hdr_off, uint32_t flags, uint32_t load_end, uint32_t bss_end, uint32_t entry, size_t size)
{
    uint32_t h[8] = { MULTIBOOT_HEADER_MAGIC, flags, 0u - (MULTIBOOT_HEADER_MAGIC + flags),
                      (uint32_t)(0x100000 + hdr_off), 0x100000, load_end, bss_end, entry };

    memset(&img, 0, sizeof(img));
    for (size_t i = 0; i < size; i++)
        img.bytes[i] = (uint8_t)(i * 13);
    memcpy(img.bytes + hdr_off, h, sizeof(h));
    img.size = size;
}

static void test_multiboot_aout(void)
{
    struct guest_image gi;
    const char *why;

    build_aout(0x40, 0x10003, 0, 0x110000, 0x100080, 0x1000);
    CU_ASSERT_EQUAL_FATAL(parse(&gi, &why), 0);
    CU_ASSERT_EQUAL(gi.kind, GUEST_IMAGE_MULTIBOOT);
    CU_ASSERT_EQUAL(gi.elf_class, 0);
    CU_ASSERT_EQUAL(gi.multiboot_flags, 0x10003);
    CU_ASSERT_EQUAL(gi.entry, 0x100080);
    CU_ASSERT_EQUAL_FATAL(gi.nsegments, 1);
    CU_ASSERT_EQUAL(gi.seg[0].gpa, 0x100000);
    CU_ASSERT_EQUAL(gi.seg[0].offset, 0);
    CU_ASSERT_EQUAL(gi.seg[0].filesz, 0x1000);
    CU_ASSERT_EQUAL(gi.seg[0].memsz, 0x10000);
    CU_ASSERT_EQUAL(gi.end_gpa, 0x110000);
    /* load_end_addr and no bss; the video flag is accepted and ignored. */
    build_aout(0x40, 0x10004, 0x100800, 0, 0x100080, 0x1000);
    CU_ASSERT_EQUAL_FATAL(parse(&gi, &why), 0);
    CU_ASSERT_EQUAL(gi.seg[0].filesz, 0x800);
    CU_ASSERT_EQUAL(gi.seg[0].memsz, 0x800);
    /* The header late in the first 8 KiB, the load starting inside the file. */
    build_aout(0x1ff0, 0x10000, 0, 0, 0x100000 + 0x1ff0, 0x3000);
    CU_ASSERT_EQUAL_FATAL(parse(&gi, &why), 0);
    CU_ASSERT_EQUAL(gi.seg[0].offset, 0);
    {
        /* load_addr after the file start: header_addr - load_addr smaller than the header's offset. */
        uint32_t *h;

        build_aout(0x1000, 0x10000, 0, 0, 0x200000, 0x2000);
        h = (uint32_t *)(img.bytes + 0x1000);
        h[3] = 0x200100;                    /* header_addr */
        h[4] = 0x200000;                    /* load_addr: the file from offset 0xf00 on */
        CU_ASSERT_EQUAL_FATAL(parse(&gi, &why), 0);
        CU_ASSERT_EQUAL(gi.seg[0].offset, 0xf00);
        CU_ASSERT_EQUAL(gi.seg[0].filesz, 0x1100);
    }
}

static void test_multiboot_hostile(void)
{
    uint32_t *h;

    build_aout(0x40, 0x10003, 0, 0x110000, 0x100080, 0x1000);
    h = (uint32_t *)(img.bytes + 0x40);
    h[2] ^= 1;
    expect_refused("bad checksum");
    build_aout(0x40, 0x10008, 0, 0, 0x100080, 0x1000);         /* required flag 3 */
    expect_refused("flags bits 3-15");
    build_aout(0x40, 0x18000, 0, 0, 0x100080, 0x1000);         /* required flag 15 */
    expect_refused("flags bits 3-15");
    build_aout(0x2000, 0x10000, 0, 0, 0x102000, 0x3000);       /* past the first 8 KiB: not found */
    expect_refused("not an ELF");
    build_aout(0x42, 0x10000, 0, 0, 0x100080, 0x1000);         /* not 4-byte aligned: not found */
    expect_refused("not an ELF");
    build_aout(0x1ff8, 0x10000, 0, 0, 0x100080, 0x3000);       /* magic+flags+checksum cross 8192 */
    expect_refused("not an ELF");
    build_aout(0xfe0, 0x10000, 0, 0, 0x100080, 0xff8);         /* the address fields cut off by the file end */
    expect_refused("truncated");
    build_aout(0x40, 0x10000, 0, 0, 0x100080, 0x1000);
    h = (uint32_t *)(img.bytes + 0x40);
    h[4] = 0x100041;                                            /* load_addr above header_addr */
    expect_refused("load_addr");
    build_aout(0x40, 0x10000, 0, 0, 0x100080, 0x1000);
    h = (uint32_t *)(img.bytes + 0x40);
    h[4] = 0xfff00;                                             /* would start before the file */
    expect_refused("load_addr");
    build_aout(0x40, 0x10000, 0x0fffff, 0, 0x100080, 0x1000);   /* load_end below load_addr */
    expect_refused("load_end_addr");
    build_aout(0x40, 0x10000, 0x102000, 0, 0x100080, 0x1000);   /* more than the file has */
    expect_refused("past the end of the image");
    build_aout(0x40, 0x10000, 0x100800, 0x100700, 0x100080, 0x1000);
    expect_refused("bss_end_addr");
    build_aout(0x40, 0x10000, 0, 0x2000000, 0x100080, 0x1000);  /* bss past 16 MiB of memory */
    expect_refused("guest memory");
    build_aout(0x40, 0x10000, 0, 0, 0x101000, 0x1000);          /* entry just past the end */
    expect_refused("entry");
    build_aout(0x40, 0x10000, 0, 0, 0x100000 - 1, 0x1000);
    expect_refused("entry");
    build_aout(0x40, 0x10000, 0x100000, 0x100000, 0x100000, 0x1000);
    expect_refused("loads nothing");
    {
        uint32_t *hh;

        build_aout(0x40, 0x10000, 0, 0, 0xa0080, 0x1000);
        hh = (uint32_t *)(img.bytes + 0x40);
        hh[3] = 0xa0040;
        hh[4] = 0xa0000;
        expect_refused("VGA/BIOS hole");
    }
}

/* An ELF32 multiboot kernel linked at 3 GiB + 1 MiB, loaded at 1 MiB, its header inside the text. */
static void build_multiboot_elf(void)
{
    static const struct seg_spec segs[] = { { PT_LOAD, 0x1000, 0xc0100000u, 0x100000, 0x1000, 0x4000 } };
    uint32_t h[3] = { MULTIBOOT_HEADER_MAGIC, 0x3, 0u - (MULTIBOOT_HEADER_MAGIC + 0x3) };

    build_elf(32, 0x100010, segs, 1, 0x2000);
    memcpy(img.bytes + 0x1004, h, sizeof(h));
}

/* A multiboot kernel that is an ELF (no a.out kludge): the header inside its text. */
static void test_multiboot_elf(void)
{
    uint32_t h[3] = { MULTIBOOT_HEADER_MAGIC, 0x3, 0u - (MULTIBOOT_HEADER_MAGIC + 0x3) };
    struct guest_image gi;
    const char *why;

    build_multiboot_elf();
    CU_ASSERT_EQUAL_FATAL(parse(&gi, &why), 0);
    CU_ASSERT_EQUAL(gi.kind, GUEST_IMAGE_MULTIBOOT);
    CU_ASSERT_EQUAL(gi.elf_class, 32);
    CU_ASSERT_EQUAL(gi.entry, 0x100010);
    CU_ASSERT_EQUAL(gi.multiboot_flags, 3);
    /* The same in ELF64, and above 4 GiB: refused for multiboot. */
    {
        static const struct seg_spec high[] = {
            { PT_LOAD, 0x1000, 0x100000000ull, 0x100000000ull, 0x1000, 0x1000 },
        };

        build_elf(64, 0x100000010ull, high, 1, 0x2000);
        memcpy(img.bytes + 0x1004, h, sizeof(h));
        CU_ASSERT_EQUAL(parse_exact(img.bytes, img.size, 8ull << 30, &gi, &why), -E_INVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(why, "below 4 GiB"));
        /* Without the header it is a plain ELF64 and fine there. */
        build_elf(64, 0x100000010ull, high, 1, 0x2000);
        CU_ASSERT_EQUAL(parse_exact(img.bytes, img.size, 8ull << 30, &gi, &why), 0);
        CU_ASSERT_EQUAL(gi.kind, GUEST_IMAGE_ELF64);
    }
    /* Multiboot without the kludge must be an ELF. */
    memset(&img, 0, sizeof(img));
    memcpy(img.bytes + 0x100, h, sizeof(h));
    img.size = 0x1000;
    expect_refused("not an ELF");
    /* A plain ELF with the magic in it by chance (bad checksum) is still an ELF. */
    build_model(64);
    memcpy(img.bytes + 0x1100, h, 8);
    CU_ASSERT_EQUAL(parse(&gi, &why), 0);
    CU_ASSERT_EQUAL(gi.kind, GUEST_IMAGE_ELF64);
}

/* Every accepted image keeps the promises. */
static void check_invariants(const struct guest_image *gi, size_t size, uint64_t mem)
{
    bool entry_inside = false;
    uint64_t end = 0;

    CU_ASSERT(gi->nsegments >= 1 && gi->nsegments <= GUEST_IMAGE_MAX_SEGMENTS);
    for (unsigned i = 0; i < gi->nsegments && i < GUEST_IMAGE_MAX_SEGMENTS; i++) {
        const struct guest_segment *s = &gi->seg[i];

        CU_ASSERT(s->filesz <= s->memsz && s->memsz > 0);
        CU_ASSERT(s->offset <= size && s->filesz <= size - s->offset);
        CU_ASSERT(s->gpa >= 0x1000 && s->memsz <= mem && s->gpa <= mem - s->memsz);
        CU_ASSERT(s->gpa >= 0x100000 || s->gpa + s->memsz <= 0xa0000);
        for (unsigned j = 0; j < i; j++)
            CU_ASSERT(s->gpa >= gi->seg[j].gpa + gi->seg[j].memsz || gi->seg[j].gpa >= s->gpa + s->memsz);
        if (gi->entry >= s->gpa && gi->entry < s->gpa + s->memsz)
            entry_inside = true;
        if (s->gpa + s->memsz > end)
            end = s->gpa + s->memsz;
    }
    CU_ASSERT(entry_inside);
    CU_ASSERT_EQUAL(gi->end_gpa, end);
}

static void test_random_mutations(void)
{
    uint64_t seed = 0x6a09e667f3bcc909ull;
    unsigned accepted = 0;

    for (int round = 0; round < 30000; round++) {
        struct guest_image gi;
        const char *why = NULL;
        unsigned flips;
        size_t size;
        int r;

        switch (round % 4) {
        case 0: build_model(64); break;
        case 1: build_model(32); break;
        case 2: build_aout(0x40, 0x10003, 0, 0x110000, 0x100080, 0x1000); break;
        default: build_multiboot_elf(); break;
        }
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        flips = 1 + seed % 4;
        for (unsigned f = 0; f < flips; f++) {
            size_t at;

            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            /* Mostly the headers, sometimes anywhere. */
            at = (seed >> 8) & 1 ? (seed >> 16) % 0x140 : (seed >> 16) % img.size;
            if ((round % 4) == 2 && ((seed >> 9) & 1))
                at = 0x40 + (seed >> 16) % 32;
            img.bytes[at] = (seed >> 40) & 1 ? (uint8_t)(seed >> 48) : img.bytes[at] ^ (uint8_t)(1u << ((seed >> 48) & 7));
        }
        size = (seed >> 56) & 1 ? img.size : (size_t)((seed >> 20) % (img.size + 1));
        r = parse_exact(img.bytes, size, MEM, &gi, &why);
        CU_ASSERT(r == 0 || r == -E_INVAL);
        CU_ASSERT_PTR_NOT_NULL(why);
        if (r == 0) {
            accepted++;
            check_invariants(&gi, size, MEM);
        }
    }
    CU_ASSERT(accepted > 1000);
}

static uint32_t get32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

static uint64_t get64v(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

static void test_multiboot_info(void)
{
    uint8_t buf[512];
    const uint64_t gpa = 0x9000;
    long n;
    uint32_t flags;
    const uint8_t *mm;

    memset(buf, 0xee, sizeof(buf));
    n = guest_multiboot_info(buf, sizeof(buf), gpa, 64ull << 20, "console=ttyS0 quiet");
    CU_ASSERT_FATAL(n > 116 && n < (long)sizeof(buf));
    CU_ASSERT_EQUAL(buf[n], 0xee);                             /* nothing written past the size */
    flags = get32(buf);
    CU_ASSERT_EQUAL(flags, (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9));
    CU_ASSERT_EQUAL(get32(buf + 4), 639);
    CU_ASSERT_EQUAL(get32(buf + 8), 63 * 1024);
    /* Every pointer lands inside [gpa, gpa + n). */
    CU_ASSERT(get32(buf + 16) >= gpa && get32(buf + 16) < gpa + n);
    CU_ASSERT_STRING_EQUAL((const char *)buf + (get32(buf + 16) - gpa), "console=ttyS0 quiet");
    CU_ASSERT(get32(buf + 64) >= gpa && get32(buf + 64) < gpa + n);
    CU_ASSERT_STRING_EQUAL((const char *)buf + (get32(buf + 64) - gpa), "agora vmm");
    CU_ASSERT_EQUAL(get32(buf + 44), 48);
    CU_ASSERT(get32(buf + 48) >= gpa && get32(buf + 48) + 48 <= gpa + n);
    mm = buf + (get32(buf + 48) - gpa);
    CU_ASSERT_EQUAL(get32(mm), 20);
    CU_ASSERT_EQUAL(get64v(mm + 4), 0);
    CU_ASSERT_EQUAL(get64v(mm + 12), 0x9fc00);
    CU_ASSERT_EQUAL(get32(mm + 20), 1);
    CU_ASSERT_EQUAL(get32(mm + 24), 20);
    CU_ASSERT_EQUAL(get64v(mm + 28), 0x100000);
    CU_ASSERT_EQUAL(get64v(mm + 36), (64ull << 20) - 0x100000);
    CU_ASSERT_EQUAL(get32(mm + 44), 1);
    CU_ASSERT_EQUAL(get32(buf + 20), 0);                       /* no modules */
    /* Every size up to the exact one is too small. */
    for (long cap = 0; cap < n; cap++)
        CU_ASSERT_EQUAL(guest_multiboot_info(buf, (size_t)cap, gpa, 64ull << 20, "console=ttyS0 quiet"), -E_RANGE);
    CU_ASSERT_EQUAL(guest_multiboot_info(buf, (size_t)n, gpa, 64ull << 20, "console=ttyS0 quiet"), n);
    /* No command line; little memory (one map entry, no upper memory). */
    n = guest_multiboot_info(buf, sizeof(buf), gpa, 512ull << 10, NULL);
    CU_ASSERT_FATAL(n > 0);
    CU_ASSERT_EQUAL(get32(buf) & (1u << 2), 0);
    CU_ASSERT_EQUAL(get32(buf + 4), 512);
    CU_ASSERT_EQUAL(get32(buf + 8), 0);
    CU_ASSERT_EQUAL(get32(buf + 44), 24);
    mm = buf + (get32(buf + 48) - gpa);
    CU_ASSERT_EQUAL(get64v(mm + 12), 512ull << 10);
    /* More than 4 GiB of RAM: mem_upper stops at 4 GiB, the map does not. */
    n = guest_multiboot_info(buf, sizeof(buf), gpa, 6ull << 30, "");
    CU_ASSERT_FATAL(n > 0);
    CU_ASSERT_EQUAL(get32(buf + 8), ((4ull << 30) - 0x100000) / 1024);
    mm = buf + (get32(buf + 48) - gpa);
    CU_ASSERT_EQUAL(get64v(mm + 36), (6ull << 30) - 0x100000);
    /* The 32-bit pointers must reach it. */
    CU_ASSERT_EQUAL(guest_multiboot_info(buf, sizeof(buf), 0xffffff80ull, 64ull << 20, NULL), -E_INVAL);
    CU_ASSERT_EQUAL(guest_multiboot_info(buf, sizeof(buf), 0x100000000ull - 178, 64ull << 20, NULL), 178);
    CU_ASSERT_EQUAL(guest_multiboot_info(buf, sizeof(buf), 1ull << 32, 64ull << 20, NULL), -E_INVAL);
}

int test_vmm_image_register(void)
{
    CU_pSuite s = CU_add_suite("vmm guest images", NULL, NULL);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "ELF64", test_elf64) || !CU_add_test(s, "ELF32", test_elf32) ||
        !CU_add_test(s, "higher-half entry", test_higher_half) || !CU_add_test(s, "truncated", test_truncated) ||
        !CU_add_test(s, "hostile ELF", test_hostile_elf) ||
        !CU_add_test(s, "multiboot a.out kludge", test_multiboot_aout) ||
        !CU_add_test(s, "hostile multiboot", test_multiboot_hostile) ||
        !CU_add_test(s, "multiboot ELF", test_multiboot_elf) ||
        !CU_add_test(s, "random mutations", test_random_mutations) ||
        !CU_add_test(s, "multiboot information", test_multiboot_info))
        return CU_get_error();
    return CUE_SUCCESS;
}
