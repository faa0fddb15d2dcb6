/*
 * The guest loaders' parsing half: which bytes of an image file go where in guest-physical
 * memory, and where the guest starts; plus the multiboot (v1) information structure. The
 * VMM copies the bytes with what guest_image_parse returns. Pure logic: no allocation.
 *
 * Accepted: ELF64 (x86_64) and ELF32 (i386) executables, loaded at their physical addresses
 * (p_paddr); multiboot v1 kernels (the header in the first 8192 bytes, 4-byte aligned, with
 * a good checksum): with flag bit 16 by the header's a.out-kludge addresses, else by the ELF
 * inside. The entry is a guest-physical address: an ELF entry inside a segment's virtual
 * range is moved into its physical range as GRUB does (higher-half kernels link their
 * entry at a virtual address); entry_vaddr keeps the ELF's own.
 *
 * Refused, with a reason: anything outside guest memory [0, mem_bytes), in the first 4 KiB
 * page or the VGA/BIOS hole [0xA0000, 0x100000); file bytes past the end of the file; more
 * than GUEST_IMAGE_MAX_SEGMENTS loadable segments; overlapping segments; an entry outside
 * the loaded segments; required multiboot flags other than bits 0, 1 and 2 (2, video mode,
 * is ignored); a multiboot kernel above 4 GiB. PT_LOAD segments with p_memsz 0 are skipped.
 */
#ifndef VMM_GUEST_IMAGE_H
#define VMM_GUEST_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_IMAGE_MAX_SEGMENTS 8

/* The holes an image must leave: the first page (real-mode IVT, BDA) and the VGA/BIOS range. */
#define GUEST_IMAGE_LOW_HOLE_END 0x1000ull
#define GUEST_VGA_BIOS_HOLE      0xa0000ull
#define GUEST_VGA_BIOS_HOLE_END  0x100000ull

/* The multiboot v1 magic numbers: in the kernel's header, and in EAX at the guest's entry. */
#define MULTIBOOT_HEADER_MAGIC     0x1badb002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define MULTIBOOT_SEARCH_BYTES     8192u

enum guest_image_kind { GUEST_IMAGE_ELF64 = 1, GUEST_IMAGE_ELF32, GUEST_IMAGE_MULTIBOOT };

/* Copy filesz bytes from file offset to gpa, then zero up to memsz. */
struct guest_segment { uint64_t gpa, offset, filesz, memsz; };

struct guest_image {
    enum guest_image_kind kind;
    uint64_t entry;
    unsigned nsegments;
    struct guest_segment seg[GUEST_IMAGE_MAX_SEGMENTS];
    uint64_t end_gpa; /* first byte after the highest segment */
    /* Added. */
    uint64_t entry_vaddr;       /* the ELF's e_entry as linked (= entry for a.out-kludge kernels) */
    unsigned elf_class;         /* 32 or 64: the ELF inside (also for multiboot); 0 for the a.out kludge */
    uint32_t multiboot_flags;   /* the header's flags, for GUEST_IMAGE_MULTIBOOT */
};

/* 0, or -E_INVAL (and *why, a static string) when the image is refused. */
int guest_image_parse(const uint8_t *file, size_t size, uint64_t mem_bytes, struct guest_image *out, const char **why);

/*
 * Builds a multiboot v1 information structure (flags: mem_lower/mem_upper, cmdline, mmap
 * with the RAM [0,0x9FC00) and [1 MiB, mem_bytes) as available, boot loader name "agora
 * vmm") in buf, which the guest will see at gpa; returns its size or -E_RANGE when cap is
 * too small (-E_INVAL when the structure would not lie below 4 GiB, where its 32-bit
 * pointers reach). The structure's own pointers are gpas inside [gpa, gpa+size). cmdline
 * may be NULL (no cmdline flag).
 */
long guest_multiboot_info(uint8_t *buf, size_t cap, uint64_t gpa, uint64_t mem_bytes, const char *cmdline);

#endif
