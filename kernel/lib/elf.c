/* ELF64 executable validation: every field a loader relies on is checked before it is used. */
#include "lib/elf.h"

#include <agora/boot.h>
#include <agora/errors.h>

/* The ELF constants we need (System V gABI and the x86_64 psABI). */
#define EI_NIDENT      16
#define ELFCLASS64     2
#define ELFDATA2LSB    1
#define EV_CURRENT     1
#define ELFOSABI_SYSV  0
#define ELFOSABI_GNU   3
#define ET_EXEC        2
#define EM_X86_64      62
#define EHDR_SIZE      64
#define PHDR_SIZE      56
#define PT_LOAD        1
#define PT_DYNAMIC     2
#define PT_INTERP      3
#define PF_X           1u
#define PF_W           2u
#define PF_R           4u

/* Byte offsets in the ELF header and in a program header. */
#define EH_TYPE        16
#define EH_MACHINE     18
#define EH_VERSION     20
#define EH_ENTRY       24
#define EH_PHOFF       32
#define EH_EHSIZE      52
#define EH_PHENTSIZE   54
#define EH_PHNUM       56
#define PH_TYPE        0
#define PH_FLAGS       4
#define PH_OFFSET      8
#define PH_VADDR       16
#define PH_FILESZ      32
#define PH_MEMSZ       40

static uint64_t rd_le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = bytes; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static int elf_check_header(const uint8_t *eh, size_t size)
{
    static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
    uint64_t phoff, phnum;

    if (size < EHDR_SIZE)
        return -E_RANGE;
    for (unsigned i = 0; i < sizeof(magic); i++)
        if (eh[i] != magic[i])
            return -E_INVAL;
    if (eh[4] != ELFCLASS64 || eh[5] != ELFDATA2LSB || eh[6] != EV_CURRENT)
        return -E_INVAL;
    if (eh[7] != ELFOSABI_SYSV && eh[7] != ELFOSABI_GNU)
        return -E_INVAL;
    if (rd_le(eh + EH_TYPE, 2) != ET_EXEC || rd_le(eh + EH_MACHINE, 2) != EM_X86_64 ||
        rd_le(eh + EH_VERSION, 4) != EV_CURRENT)
        return -E_INVAL;
    if (rd_le(eh + EH_EHSIZE, 2) != EHDR_SIZE || rd_le(eh + EH_PHENTSIZE, 2) != PHDR_SIZE)
        return -E_INVAL;

    phoff = rd_le(eh + EH_PHOFF, 8);
    phnum = rd_le(eh + EH_PHNUM, 2);
    if (phnum == 0 || phnum > ELF_MAX_PHDRS)
        return -E_RANGE;
    /* phnum * PHDR_SIZE is small (<= 64 * 56), so only phoff can overflow: compare by subtraction. */
    if (phoff > size || phnum * PHDR_SIZE > size - phoff)
        return -E_RANGE;
    return 0;
}

static int elf_check_segment(size_t size, const elf_segment_t *seg)
{
    if (!(seg->flags & ELF_SEG_READ))
        return -E_INVAL;
    if ((seg->flags & ELF_SEG_WRITE) && (seg->flags & ELF_SEG_EXEC))
        return -E_PERM;
    if (seg->filesz > seg->memsz)
        return -E_INVAL;
    if (seg->offset > size || seg->filesz > size - seg->offset)
        return -E_RANGE;
    if (seg->vaddr < ELF_USER_MIN || seg->vaddr >= AGORA_USER_TOP ||
        seg->memsz > AGORA_USER_TOP - seg->vaddr)
        return -E_RANGE;
    /* Congruent addresses let a loader map file pages directly, as the gABI requires. */
    if ((seg->vaddr - seg->offset) % ELF_PAGE_SIZE != 0)
        return -E_INVAL;
    return 0;
}

void elf_segment_pages(const elf_segment_t *seg, uint64_t *start, uint64_t *end)
{
    /* Cannot overflow for a validated segment: vaddr + memsz <= AGORA_USER_TOP, page aligned. */
    *start = seg->vaddr & ~(ELF_PAGE_SIZE - 1);
    *end = (seg->vaddr + seg->memsz + ELF_PAGE_SIZE - 1) & ~(ELF_PAGE_SIZE - 1);
}

/* Half-open page spans [a0, a1) and [b0, b1) intersect. */
static bool spans_meet(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
    return a0 < b1 && b0 < a1;
}

bool elf_range_free(const elf_info_t *info, uint64_t vaddr, uint64_t size)
{
    uint64_t r0, r1, s0, s1;

    if (size == 0)
        return true;
    if (size > UINT64_MAX - vaddr || vaddr + size > UINT64_MAX - (ELF_PAGE_SIZE - 1))
        return false;
    r0 = vaddr & ~(ELF_PAGE_SIZE - 1);
    r1 = (vaddr + size + ELF_PAGE_SIZE - 1) & ~(ELF_PAGE_SIZE - 1);
    for (unsigned i = 0; i < info->nsegments; i++) {
        elf_segment_pages(&info->segments[i], &s0, &s1);
        if (spans_meet(r0, r1, s0, s1))
            return false;
    }
    return true;
}

static void elf_read_segment(const uint8_t *ph, elf_segment_t *seg)
{
    uint32_t pf = (uint32_t)rd_le(ph + PH_FLAGS, 4);

    seg->vaddr = rd_le(ph + PH_VADDR, 8);
    seg->memsz = rd_le(ph + PH_MEMSZ, 8);
    seg->offset = rd_le(ph + PH_OFFSET, 8);
    seg->filesz = rd_le(ph + PH_FILESZ, 8);
    seg->flags = ((pf & PF_R) ? ELF_SEG_READ : 0) | ((pf & PF_W) ? ELF_SEG_WRITE : 0) |
                 ((pf & PF_X) ? ELF_SEG_EXEC : 0);
}

/* Reads and checks every program header into *info (entry not yet checked). */
static int elf_collect_segments(const uint8_t *image, size_t size, elf_info_t *info)
{
    uint64_t phoff = rd_le(image + EH_PHOFF, 8);
    unsigned phnum = (unsigned)rd_le(image + EH_PHNUM, 2);
    elf_segment_t seg;
    int err;

    info->nsegments = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = image + phoff + (uint64_t)i * PHDR_SIZE;
        uint32_t type = (uint32_t)rd_le(ph + PH_TYPE, 4);

        if (type == PT_INTERP || type == PT_DYNAMIC)
            return -E_INVAL;
        if (type != PT_LOAD)
            continue;
        elf_read_segment(ph, &seg);
        if (seg.memsz == 0) {
            if (seg.filesz != 0)
                return -E_INVAL;
            continue;
        }
        err = elf_check_segment(size, &seg);
        if (err < 0)
            return err;
        if (!elf_range_free(info, seg.vaddr, seg.memsz))
            return -E_OVERLAP;
        if (info->nsegments == ELF_MAX_SEGMENTS)
            return -E_RANGE;
        info->segments[info->nsegments++] = seg;
    }
    return info->nsegments == 0 ? -E_RANGE : 0;
}

static bool elf_entry_ok(const elf_info_t *info)
{
    for (unsigned i = 0; i < info->nsegments; i++) {
        const elf_segment_t *s = &info->segments[i];

        if ((s->flags & ELF_SEG_EXEC) && info->entry >= s->vaddr &&
            info->entry - s->vaddr < s->memsz)
            return true;
    }
    return false;
}

int elf_parse(const void *image, size_t size, elf_info_t *out)
{
    const uint8_t *p = image;
    elf_info_t info;
    int err;

    if (image == NULL || out == NULL)
        return -E_INVAL;
    err = elf_check_header(p, size);
    if (err < 0)
        return err;
    err = elf_collect_segments(p, size, &info);
    if (err < 0)
        return err;
    info.entry = rd_le(p + EH_ENTRY, 8);
    if (!elf_entry_ok(&info))
        return -E_INVAL;
    *out = info;
    return 0;
}
