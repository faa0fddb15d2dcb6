/* Multiboot2 boot-information parsing: validates the tag list before trusting any of it. */
#ifndef AGORA_KERNEL_BOOT_MULTIBOOT2_H
#define AGORA_KERNEL_BOOT_MULTIBOOT2_H

#include "boot/boot_info.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Tag types we read (Multiboot2 specification, section 3.6). */
#define MB2_TAG_END         0
#define MB2_TAG_CMDLINE     1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE      3
#define MB2_TAG_BASIC_MEM   4
#define MB2_TAG_MMAP        6
#define MB2_TAG_ACPI_OLD    14
#define MB2_TAG_ACPI_NEW    15

enum mb2_error {
    MB2_OK = 0,
    MB2_ERR_NULL,            /* no information structure */
    MB2_ERR_MISALIGNED,      /* structure not 8-byte aligned */
    MB2_ERR_TOTAL_SIZE,      /* total_size too small, too large or not a multiple of 8 */
    MB2_ERR_TAG_SIZE,        /* a tag smaller than its header or running past the end */
    MB2_ERR_NO_END,          /* no end tag inside total_size */
    MB2_ERR_BAD_END,         /* end tag with a size other than 8 */
    MB2_ERR_STRING,          /* a string tag without its NUL inside the tag */
    MB2_ERR_MMAP,            /* bad memory-map entry size or version */
    MB2_ERR_MODULE,          /* module with end before start */
    MB2_ERR_TOO_MANY,        /* more regions or modules than boot_info_t holds */
    MB2_ERR_NO_MMAP,         /* no memory map tag at all */
};

/*
 * Parses the Multiboot2 information at info, which the caller can read for at
 * least max_size bytes. Fills *out (strings point into info). Nothing is
 * followed beyond max_size or beyond the structure's own total_size.
 * Returns MB2_OK or the first problem found; *out is then unspecified.
 */
enum mb2_error mb2_parse(const void *info, size_t max_size, boot_info_t *out);

/* A short English description of an error code, for the boot log. */
const char *mb2_strerror(enum mb2_error err);

#endif
