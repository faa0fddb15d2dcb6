/* ELF64 executable validation, shared by the kernel (loading init) and user space (agora_spawn). */
#ifndef AGORA_KERNEL_LIB_ELF_H
#define AGORA_KERNEL_LIB_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <agora/objects.h>

/*
 * What elf_parse accepts: a little-endian ELF64 x86_64 static executable (ET_EXEC, no
 * PT_INTERP or PT_DYNAMIC) with 1 to ELF_MAX_SEGMENTS non-empty PT_LOAD segments, each
 *   - readable, and never both writable and executable (W^X),
 *   - with its file bytes inside the image and filesz <= memsz,
 *   - with vaddr congruent to its file offset modulo the page size,
 *   - inside user space: ELF_USER_MIN <= vaddr and vaddr + memsz <= AGORA_USER_TOP,
 *   - sharing no page with another segment (each page gets one set of rights),
 * and an entry point inside an executable segment. Other program headers (PT_NOTE,
 * PT_GNU_STACK, ...) are ignored, as are PT_LOAD entries with memsz 0. Nothing is
 * assumed about the image's alignment: fields are read byte by byte.
 *
 * Errors (negated enum agora_error):
 *   -E_INVAL    not such an executable: bad identification, type, machine, version,
 *               header sizes, a dynamic segment, filesz > memsz, a segment without the
 *               read flag, misaligned vaddr/offset, entry outside every executable segment
 *   -E_RANGE    a count or range out of bounds: the headers or a segment's file bytes
 *               past the end of the image, e_phnum 0 or above ELF_MAX_PHDRS, more than
 *               ELF_MAX_SEGMENTS loadable segments, a segment outside user space
 *   -E_OVERLAP  two loadable segments share a page
 *   -E_PERM     a segment both writable and executable
 */

#define ELF_MAX_SEGMENTS 8
#define ELF_MAX_PHDRS    64          /* program headers of any type */
#define ELF_PAGE_SIZE    4096ull
#define ELF_USER_MIN     0x1000ull   /* page 0 stays unmapped: NULL must fault */

/* Segment flags, equal to the memory rights a loader maps the segment with. */
#define ELF_SEG_READ  RIGHT_READ
#define ELF_SEG_WRITE RIGHT_WRITE
#define ELF_SEG_EXEC  RIGHT_EXEC

typedef struct elf_segment {
    uint64_t vaddr;          /* first byte in the address space (not page aligned) */
    uint64_t memsz;          /* bytes in memory, > 0; [filesz, memsz) are zero */
    uint64_t offset;         /* first byte in the image */
    uint64_t filesz;         /* bytes taken from the image, <= memsz */
    uint32_t flags;          /* ELF_SEG_* */
} elf_segment_t;

typedef struct elf_info {
    uint64_t entry;
    unsigned nsegments;      /* 1..ELF_MAX_SEGMENTS, in program-header order */
    elf_segment_t segments[ELF_MAX_SEGMENTS];
} elf_info_t;

/* Validates image[0, size) and describes it in *out; *out is written only on success. */
int elf_parse(const void *image, size_t size, elf_info_t *out);

/* The page-aligned span a segment occupies: [*start, *end). */
void elf_segment_pages(const elf_segment_t *seg, uint64_t *start, uint64_t *end);

/*
 * True when no segment shares a page with [vaddr, vaddr + size): loaders check their own
 * fixed regions (stack, IPC buffer, boot information) with it. A range that wraps overlaps.
 */
bool elf_range_free(const elf_info_t *info, uint64_t vaddr, uint64_t size);

#endif
