/* Unit tests for kernel/lib/elf.c: a good executable, and hostile images built from the host's <elf.h>. */
#include <CUnit/CUnit.h>
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <agora/boot.h>
#include <agora/errors.h>
#include "lib/elf.h"
#include "suites.h"

/*
 * The model image: three PT_LOAD segments as lib/libagora/user.ld lays them out (text r-x,
 * rodata r--, data+bss rw-), a PT_GNU_STACK, and nothing after the last file byte, so that
 * every truncation cuts something the parser needs.
 */
#define IMG_MAX     0x4000
#define TEXT_VADDR  0x400000ull
#define TEXT_OFF    0x1000ull
#define TEXT_SIZE   0x180ull
#define RO_VADDR    0x401000ull
#define RO_OFF      0x2000ull
#define RO_SIZE     0x40ull
#define DATA_VADDR  0x402000ull
#define DATA_OFF    0x3000ull
#define DATA_FILE   0x10ull
#define DATA_MEM    0x2000ull
#define ENTRY       (TEXT_VADDR + 0x20)
#define NPHDR_MODEL 4

typedef struct image {
    _Alignas(8) uint8_t bytes[IMG_MAX];
    size_t size;
} image_t;

static Elf64_Ehdr *ehdr(image_t *img)
{
    return (Elf64_Ehdr *)img->bytes;
}

static Elf64_Phdr *phdr(image_t *img, unsigned i)
{
    return (Elf64_Phdr *)(img->bytes + ehdr(img)->e_phoff) + i;
}

static void set_phdr(image_t *img, unsigned i, uint32_t type, uint32_t flags, uint64_t off,
                     uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
    Elf64_Phdr *ph = phdr(img, i);

    ph->p_type = type;
    ph->p_flags = flags;
    ph->p_offset = off;
    ph->p_vaddr = vaddr;
    ph->p_paddr = vaddr;
    ph->p_filesz = filesz;
    ph->p_memsz = memsz;
    ph->p_align = 0x1000;
}

static void build_model(image_t *img)
{
    Elf64_Ehdr *eh = ehdr(img);

    memset(img, 0, sizeof(*img));
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = ENTRY;
    eh->e_phoff = sizeof(Elf64_Ehdr);
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = NPHDR_MODEL;
    set_phdr(img, 0, PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_VADDR, TEXT_SIZE, TEXT_SIZE);
    set_phdr(img, 1, PT_LOAD, PF_R, RO_OFF, RO_VADDR, RO_SIZE, RO_SIZE);
    set_phdr(img, 2, PT_LOAD, PF_R | PF_W, DATA_OFF, DATA_VADDR, DATA_FILE, DATA_MEM);
    set_phdr(img, 3, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
    memset(img->bytes + TEXT_OFF, 0xcc, TEXT_SIZE);
    img->size = DATA_OFF + DATA_FILE;
}

/* Parses an exact-size heap copy, so AddressSanitizer sees any read past the end. */
static int parse_exact(const image_t *img, size_t size, elf_info_t *out)
{
    uint8_t *copy = malloc(size ? size : 1);
    int r;

    CU_ASSERT_FATAL(copy != NULL);
    memcpy(copy, img->bytes, size);
    r = elf_parse(copy, size, out);
    free(copy);
    return r;
}

static int parse(const image_t *img)
{
    elf_info_t info;

    return parse_exact(img, img->size, &info);
}

static void test_model_accepted(void)
{
    image_t img;
    elf_info_t info;

    build_model(&img);
    CU_ASSERT_EQUAL_FATAL(parse_exact(&img, img.size, &info), 0);
    CU_ASSERT_EQUAL(info.entry, ENTRY);
    CU_ASSERT_EQUAL_FATAL(info.nsegments, 3);
    CU_ASSERT_EQUAL(info.segments[0].vaddr, TEXT_VADDR);
    CU_ASSERT_EQUAL(info.segments[0].offset, TEXT_OFF);
    CU_ASSERT_EQUAL(info.segments[0].filesz, TEXT_SIZE);
    CU_ASSERT_EQUAL(info.segments[0].memsz, TEXT_SIZE);
    CU_ASSERT_EQUAL(info.segments[0].flags, ELF_SEG_READ | ELF_SEG_EXEC);
    CU_ASSERT_EQUAL(info.segments[1].vaddr, RO_VADDR);
    CU_ASSERT_EQUAL(info.segments[1].flags, ELF_SEG_READ);
    CU_ASSERT_EQUAL(info.segments[2].vaddr, DATA_VADDR);
    CU_ASSERT_EQUAL(info.segments[2].offset, DATA_OFF);
    CU_ASSERT_EQUAL(info.segments[2].filesz, DATA_FILE);
    CU_ASSERT_EQUAL(info.segments[2].memsz, DATA_MEM);
    CU_ASSERT_EQUAL(info.segments[2].flags, ELF_SEG_READ | ELF_SEG_WRITE);
    /* The flags are the memory rights a loader maps with. */
    CU_ASSERT_EQUAL(ELF_SEG_READ | ELF_SEG_WRITE | ELF_SEG_EXEC, RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC);
}

static void test_unaligned_image(void)
{
    image_t img;
    elf_info_t info;
    uint8_t *buf;

    build_model(&img);
    buf = malloc(img.size + 1);
    CU_ASSERT_FATAL(buf != NULL);
    memcpy(buf + 1, img.bytes, img.size);
    CU_ASSERT_EQUAL(elf_parse(buf + 1, img.size, &info), 0);
    CU_ASSERT_EQUAL(info.nsegments, 3);
    CU_ASSERT_EQUAL(info.entry, ENTRY);
    free(buf);
}

static void test_every_truncation_rejected(void)
{
    image_t img;
    elf_info_t info;

    build_model(&img);
    for (size_t n = 0; n < img.size; n++) {
        int r = parse_exact(&img, n, &info);
        if (r != -E_RANGE) {
            CU_FAIL("a truncated image was not rejected with -E_RANGE");
            break;
        }
    }
}

static void test_null_arguments(void)
{
    image_t img;
    elf_info_t info;

    build_model(&img);
    CU_ASSERT_EQUAL(elf_parse(NULL, img.size, &info), -E_INVAL);
    CU_ASSERT_EQUAL(elf_parse(img.bytes, img.size, NULL), -E_INVAL);
}

static void test_output_untouched_on_error(void)
{
    image_t img;
    elf_info_t info, before;

    build_model(&img);
    phdr(&img, 2)->p_flags = PF_R | PF_W | PF_X;
    memset(&info, 0xa5, sizeof(info));
    before = info;
    CU_ASSERT_EQUAL(parse_exact(&img, img.size, &info), -E_PERM);
    CU_ASSERT(memcmp(&info, &before, sizeof(info)) == 0);
}

/* Each identification byte and header field, one at a time. */
static void test_bad_identification(void)
{
    static const struct { unsigned index; uint8_t value; } bad[] = {
        { EI_MAG0, 0x7e }, { EI_MAG1, 'e' }, { EI_MAG2, 'l' }, { EI_MAG3, 'f' },
        { EI_CLASS, ELFCLASS32 }, { EI_CLASS, ELFCLASSNONE }, { EI_CLASS, 3 },
        { EI_DATA, ELFDATA2MSB }, { EI_DATA, ELFDATANONE },
        { EI_VERSION, EV_NONE }, { EI_VERSION, 2 },
        { EI_OSABI, ELFOSABI_FREEBSD }, { EI_OSABI, 0xff },
    };
    image_t img;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        build_model(&img);
        img.bytes[bad[i].index] = bad[i].value;
        CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    }
    build_model(&img);
    img.bytes[EI_OSABI] = ELFOSABI_GNU;        /* what binutils writes when IFUNCs are used */
    CU_ASSERT_EQUAL(parse(&img), 0);
}

static void test_bad_header_fields(void)
{
    image_t img;

    build_model(&img);
    ehdr(&img)->e_type = ET_DYN;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_type = ET_REL;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_type = ET_CORE;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);

    build_model(&img);
    ehdr(&img)->e_machine = EM_386;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_machine = EM_AARCH64;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);

    build_model(&img);
    ehdr(&img)->e_version = EV_NONE;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);

    build_model(&img);
    ehdr(&img)->e_ehsize = 52;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);

    build_model(&img);
    ehdr(&img)->e_phentsize = 32;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_phentsize = 0;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_phentsize = 64;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
}

static void test_phnum_bounds(void)
{
    image_t img;

    build_model(&img);
    ehdr(&img)->e_phnum = 0;
    CU_ASSERT_EQUAL(parse(&img), -E_RANGE);
    ehdr(&img)->e_phnum = 0xffff;          /* PN_XNUM: the real count would be elsewhere */
    CU_ASSERT_EQUAL(parse(&img), -E_RANGE);
    ehdr(&img)->e_phnum = ELF_MAX_PHDRS + 1;
    CU_ASSERT_EQUAL(parse(&img), -E_RANGE);

    /* The maximum is accepted when the table fits (the extra entries are PT_NULL). */
    build_model(&img);
    ehdr(&img)->e_phoff = 0x3000 - ELF_MAX_PHDRS * sizeof(Elf64_Phdr);
    memset(img.bytes + ehdr(&img)->e_phoff, 0, ELF_MAX_PHDRS * sizeof(Elf64_Phdr));
    set_phdr(&img, 0, PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_VADDR, TEXT_SIZE, TEXT_SIZE);
    ehdr(&img)->e_phnum = ELF_MAX_PHDRS;
    CU_ASSERT_EQUAL(parse(&img), 0);
}

static void test_phdrs_outside_image(void)
{
    static const uint64_t offsets[] = {
        IMG_MAX, DATA_OFF + DATA_FILE, DATA_OFF + DATA_FILE - 1, UINT64_MAX,
        UINT64_MAX - sizeof(Elf64_Phdr) + 1, UINT64_MAX - NPHDR_MODEL * sizeof(Elf64_Phdr) + 2,
        1ull << 63,
    };
    image_t img;

    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        build_model(&img);
        ehdr(&img)->e_phoff = offsets[i];
        CU_ASSERT_EQUAL(parse(&img), -E_RANGE);
    }
    /* The table's last entry ends one byte past the image. */
    build_model(&img);
    ehdr(&img)->e_phoff = img.size - NPHDR_MODEL * sizeof(Elf64_Phdr) + 1;
    CU_ASSERT_EQUAL(parse(&img), -E_RANGE);
}

static void test_segment_file_range(void)
{
    image_t img;

    build_model(&img);
    phdr(&img, 1)->p_offset = 0x4000;          /* congruent with the address, past the end */
    CU_ASSERT_EQUAL(parse(&img), -E_RANGE);

    build_model(&img);
    phdr(&img, 2)->p_filesz = DATA_FILE + 1;   /* one byte past the end */
    CU_ASSERT_EQUAL(parse(&img), -E_RANGE);

    /* offset + filesz wraps around to a small number. */
    build_model(&img);
    phdr(&img, 2)->p_filesz = UINT64_MAX - DATA_OFF + 2;
    phdr(&img, 2)->p_memsz = phdr(&img, 2)->p_filesz;
    CU_ASSERT_EQUAL(parse(&img), -E_RANGE);

    /* An offset near 2^64, congruent with the address. */
    build_model(&img);
    phdr(&img, 1)->p_offset = 0xfffffffffffff000ull;
    CU_ASSERT_EQUAL(parse(&img), -E_RANGE);

    build_model(&img);
    phdr(&img, 0)->p_filesz = TEXT_SIZE + 1;   /* more file bytes than memory */
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
}

static void test_overlapping_segments(void)
{
    image_t img;

    /* The same page. */
    build_model(&img);
    phdr(&img, 2)->p_vaddr = RO_VADDR;
    CU_ASSERT_EQUAL(parse(&img), -E_OVERLAP);

    /* Text's last byte on rodata's first page. */
    build_model(&img);
    phdr(&img, 0)->p_memsz = RO_VADDR - TEXT_VADDR + 1;
    CU_ASSERT_EQUAL(parse(&img), -E_OVERLAP);

    /* Different bytes, same page: each page can have only one protection. */
    build_model(&img);
    phdr(&img, 1)->p_vaddr = TEXT_VADDR + 0x800;
    phdr(&img, 1)->p_offset = 0x1800;
    CU_ASSERT_EQUAL(parse(&img), -E_OVERLAP);

    /* One segment around the others. */
    build_model(&img);
    phdr(&img, 2)->p_vaddr = TEXT_VADDR - 0x1000;
    phdr(&img, 2)->p_memsz = 0x10000;
    CU_ASSERT_EQUAL(parse(&img), -E_OVERLAP);

    /* Touching page boundaries is fine. */
    build_model(&img);
    phdr(&img, 0)->p_memsz = RO_VADDR - TEXT_VADDR;
    CU_ASSERT_EQUAL(parse(&img), 0);
}

static void test_w_xor_x(void)
{
    image_t img;

    build_model(&img);
    phdr(&img, 0)->p_flags = PF_R | PF_W | PF_X;
    CU_ASSERT_EQUAL(parse(&img), -E_PERM);

    build_model(&img);
    phdr(&img, 2)->p_flags = PF_R | PF_W | PF_X;
    CU_ASSERT_EQUAL(parse(&img), -E_PERM);

    build_model(&img);
    phdr(&img, 2)->p_flags = PF_W | PF_X;
    CU_ASSERT(parse(&img) < 0);

    /* Every segment must be readable (x86 cannot map execute-only or write-only). */
    build_model(&img);
    phdr(&img, 0)->p_flags = PF_X;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    build_model(&img);
    phdr(&img, 1)->p_flags = 0;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);

    /* OS- and processor-specific flag bits are ignored. */
    build_model(&img);
    phdr(&img, 1)->p_flags = PF_R | PF_MASKOS | PF_MASKPROC;
    CU_ASSERT_EQUAL(parse(&img), 0);
}

static void test_user_space_bounds(void)
{
    static const struct { uint64_t vaddr, memsz; } bad[] = {
        { 0xffffffff80000000ull, 0x1000 },                 /* the kernel image */
        { 0xffff800000000000ull, 0x1000 },                 /* the kernel's direct map */
        { AGORA_USER_TOP, 0x1000 },                        /* first non-canonical page */
        { AGORA_USER_TOP - 0x1000, 0x1001 },               /* crosses the top */
        { 0x0, 0x1000 },                                   /* page 0 */
        { DATA_VADDR, UINT64_MAX - DATA_VADDR + 0x1001 },  /* vaddr + memsz wraps to 0x1000 */
        { DATA_VADDR, UINT64_MAX },
        { 0xfffffffffffff000ull, 0x2000 },                 /* wraps from the very top */
    };
    image_t img;
    elf_info_t info;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        build_model(&img);
        phdr(&img, 2)->p_vaddr = bad[i].vaddr;
        phdr(&img, 2)->p_memsz = bad[i].memsz;
        CU_ASSERT_EQUAL(parse(&img), -E_RANGE);
    }

    /* The last user page and the first allowed page are fine. */
    build_model(&img);
    phdr(&img, 2)->p_vaddr = AGORA_USER_TOP - DATA_MEM;
    CU_ASSERT_EQUAL_FATAL(parse_exact(&img, img.size, &info), 0);
    CU_ASSERT_EQUAL(info.segments[2].vaddr + info.segments[2].memsz, AGORA_USER_TOP);
    build_model(&img);
    phdr(&img, 2)->p_vaddr = ELF_USER_MIN;
    CU_ASSERT_EQUAL(parse(&img), 0);
}

static void test_misaligned_segment(void)
{
    image_t img;

    build_model(&img);
    phdr(&img, 1)->p_vaddr = RO_VADDR + 8;   /* offset stays page aligned */
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);

    /* Unaligned but congruent is fine. */
    build_model(&img);
    phdr(&img, 1)->p_vaddr = RO_VADDR + 8;
    phdr(&img, 1)->p_offset = RO_OFF + 8;
    CU_ASSERT_EQUAL(parse(&img), 0);
}

static void test_entry_point(void)
{
    image_t img;

    build_model(&img);
    ehdr(&img)->e_entry = 0x500000;          /* outside every segment */
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_entry = RO_VADDR;          /* readable, not executable */
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_entry = DATA_VADDR + 4;    /* writable, not executable */
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_entry = 0;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_entry = TEXT_VADDR + TEXT_SIZE;   /* one past the end */
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_entry = TEXT_VADDR - 1;
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    ehdr(&img)->e_entry = TEXT_VADDR + TEXT_SIZE - 1;
    CU_ASSERT_EQUAL(parse(&img), 0);
    ehdr(&img)->e_entry = TEXT_VADDR;
    CU_ASSERT_EQUAL(parse(&img), 0);
}

static void test_dynamic_rejected(void)
{
    image_t img;

    build_model(&img);
    set_phdr(&img, 3, PT_INTERP, PF_R, RO_OFF, RO_VADDR, 0x10, 0x10);
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    build_model(&img);
    set_phdr(&img, 3, PT_DYNAMIC, PF_R | PF_W, DATA_OFF, DATA_VADDR, 0x10, 0x10);
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);
    /* Notes and others are ignored. */
    build_model(&img);
    set_phdr(&img, 3, PT_NOTE, PF_R, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX);
    CU_ASSERT_EQUAL(parse(&img), 0);
}

static void test_segment_counts(void)
{
    image_t img;
    elf_info_t info;

    /* No PT_LOAD at all. */
    build_model(&img);
    for (unsigned i = 0; i < 3; i++)
        set_phdr(&img, i, PT_NOTE, PF_R, 0, 0, 0, 0);
    CU_ASSERT_EQUAL(parse(&img), -E_RANGE);

    /* Empty PT_LOADs are skipped, but not empty ones that claim file bytes. */
    build_model(&img);
    set_phdr(&img, 3, PT_LOAD, PF_R, 0, 0, 0, 0);
    CU_ASSERT_EQUAL_FATAL(parse_exact(&img, img.size, &info), 0);
    CU_ASSERT_EQUAL(info.nsegments, 3);
    set_phdr(&img, 3, PT_LOAD, PF_R, 0, 0x800000, 1, 0);
    CU_ASSERT_EQUAL(parse(&img), -E_INVAL);

    /* ELF_MAX_SEGMENTS one-page segments fit; one more does not. */
    for (unsigned n = ELF_MAX_SEGMENTS; n <= ELF_MAX_SEGMENTS + 1; n++) {
        build_model(&img);
        ehdr(&img)->e_phnum = (Elf64_Half)n;
        set_phdr(&img, 0, PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_VADDR, TEXT_SIZE, TEXT_SIZE);
        for (unsigned i = 1; i < n; i++)
            set_phdr(&img, i, PT_LOAD, PF_R, RO_OFF, RO_VADDR + (i - 1) * 0x1000ull, 8, 8);
        CU_ASSERT_EQUAL(parse(&img), n <= ELF_MAX_SEGMENTS ? 0 : -E_RANGE);
    }
}

static void test_range_free(void)
{
    image_t img;
    elf_info_t info;

    build_model(&img);
    CU_ASSERT_EQUAL_FATAL(parse_exact(&img, img.size, &info), 0);
    /* Segments cover pages [0x400000, 0x404000). */
    CU_ASSERT_TRUE(elf_range_free(&info, 0x200000, 0x100000));
    CU_ASSERT_TRUE(elf_range_free(&info, 0x3ff000, 0x1000));
    CU_ASSERT_TRUE(elf_range_free(&info, 0x404000, 0x1000));
    CU_ASSERT_TRUE(elf_range_free(&info, 0x400000, 0));
    CU_ASSERT_FALSE(elf_range_free(&info, 0x3ff000, 0x1001));
    CU_ASSERT_FALSE(elf_range_free(&info, 0x403fff, 1));       /* bss's last page */
    CU_ASSERT_FALSE(elf_range_free(&info, 0x400fff, 1));       /* text's page, past its bytes */
    CU_ASSERT_FALSE(elf_range_free(&info, 0x1000, UINT64_MAX - 0x1000));
    CU_ASSERT_FALSE(elf_range_free(&info, UINT64_MAX - 10, 20));   /* wraps */
}

/* Random byte changes to the model: whatever is accepted must satisfy every promise. */
static void test_mutations_keep_invariants(void)
{
    image_t img;
    elf_info_t info;
    unsigned seed = 12345, accepted = 0;

    for (unsigned round = 0; round < 20000; round++) {
        build_model(&img);
        for (unsigned k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            /* Mostly the headers, where the decisions are made. */
            size_t at = (seed >> 8) % (64 + NPHDR_MODEL * sizeof(Elf64_Phdr));
            seed = seed * 1103515245u + 12345u;
            img.bytes[at] = (uint8_t)(seed >> 16);
        }
        if (parse_exact(&img, img.size, &info) != 0)
            continue;
        accepted++;
        CU_ASSERT_FATAL(info.nsegments >= 1 && info.nsegments <= ELF_MAX_SEGMENTS);
        bool entry_ok = false;
        for (unsigned i = 0; i < info.nsegments; i++) {
            const elf_segment_t *s = &info.segments[i];
            uint64_t s0, s1;

            CU_ASSERT_FATAL(s->offset <= img.size && s->filesz <= img.size - s->offset);
            CU_ASSERT_FATAL(s->filesz <= s->memsz && s->memsz > 0);
            CU_ASSERT_FATAL(s->vaddr >= ELF_USER_MIN && s->vaddr < AGORA_USER_TOP);
            CU_ASSERT_FATAL(s->memsz <= AGORA_USER_TOP - s->vaddr);
            CU_ASSERT_FATAL((s->flags & ELF_SEG_READ) != 0);
            CU_ASSERT_FATAL((s->flags & (ELF_SEG_WRITE | ELF_SEG_EXEC)) !=
                            (ELF_SEG_WRITE | ELF_SEG_EXEC));
            elf_segment_pages(s, &s0, &s1);
            for (unsigned j = 0; j < info.nsegments; j++) {
                uint64_t t0, t1;

                if (j == i)
                    continue;
                elf_segment_pages(&info.segments[j], &t0, &t1);
                CU_ASSERT_FATAL(s1 <= t0 || t1 <= s0);
            }
            if ((s->flags & ELF_SEG_EXEC) && info.entry >= s->vaddr &&
                info.entry - s->vaddr < s->memsz)
                entry_ok = true;
        }
        CU_ASSERT_FATAL(entry_ok);
    }
    /* Changes to padding and ignored fields leave the image valid: some must be accepted. */
    CU_ASSERT(accepted > 0);
}

int test_elf_register(void)
{
    CU_pSuite s = CU_add_suite("elf", NULL, NULL);

    if (s == NULL)
        return CU_get_error();
    if (!CU_add_test(s, "the model executable is accepted", test_model_accepted) ||
        !CU_add_test(s, "an unaligned image buffer", test_unaligned_image) ||
        !CU_add_test(s, "every truncation is rejected", test_every_truncation_rejected) ||
        !CU_add_test(s, "NULL arguments", test_null_arguments) ||
        !CU_add_test(s, "output untouched on error", test_output_untouched_on_error) ||
        !CU_add_test(s, "bad identification bytes", test_bad_identification) ||
        !CU_add_test(s, "bad header fields", test_bad_header_fields) ||
        !CU_add_test(s, "e_phnum bounds", test_phnum_bounds) ||
        !CU_add_test(s, "program headers outside the image", test_phdrs_outside_image) ||
        !CU_add_test(s, "segment file ranges", test_segment_file_range) ||
        !CU_add_test(s, "overlapping segments", test_overlapping_segments) ||
        !CU_add_test(s, "W^X and readable segments", test_w_xor_x) ||
        !CU_add_test(s, "segments inside user space", test_user_space_bounds) ||
        !CU_add_test(s, "vaddr congruent with offset", test_misaligned_segment) ||
        !CU_add_test(s, "entry point in an executable segment", test_entry_point) ||
        !CU_add_test(s, "dynamic executables rejected", test_dynamic_rejected) ||
        !CU_add_test(s, "segment counts", test_segment_counts) ||
        !CU_add_test(s, "elf_range_free", test_range_free) ||
        !CU_add_test(s, "random mutations keep the invariants", test_mutations_keep_invariants))
        return CU_get_error();
    return CUE_SUCCESS;
}
