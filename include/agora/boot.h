/* What the kernel tells the first task (init) about the machine, in a page mapped read-only. */
#ifndef AGORA_BOOT_H
#define AGORA_BOOT_H

#include <stdint.h>

/*
 * init's starting state: its ELF (boot module 0) loaded, this page mapped read-only at
 * AGORA_BOOT_INFO_VADDR, a stack below AGORA_INIT_STACK_TOP, its IPC buffer at
 * AGORA_INIT_IPC_BUFFER, and its thread started at the ELF entry with rdi =
 * AGORA_BOOT_INFO_VADDR. Its ELF must not overlap these addresses.
 */
#define AGORA_BOOT_INFO_VADDR   0x0000000000200000ull
#define AGORA_INIT_IPC_BUFFER   0x0000000000201000ull
#define AGORA_INIT_STACK_TOP    0x0000000000300000ull
#define AGORA_INIT_STACK_PAGES  16
/* User space ends here; everything above is the kernel's. */
#define AGORA_USER_TOP          0x0000800000000000ull
#define AGORA_BOOT_MAX_MODULES  24

struct agora_boot_module {
    uint64_t size;           /* bytes; the OBJ_MEMORY cap covers whole pages */
    uint64_t cap;            /* slot of its OBJ_MEMORY capability in init's table */
    char name[48];           /* the module's GRUB command line, truncated */
};

struct agora_boot_info {
    uint64_t magic;          /* AGORA_BOOT_MAGIC */
    uint64_t pool_pages;     /* pages in CAP_INIT_POOL */
    uint64_t nmodules;
    uint64_t first_free_slot;/* the lowest slot init may use freely */
    uint64_t tsc_khz;        /* for user-space timing */
    char cmdline[256];       /* the kernel command line */
    struct agora_boot_module modules[AGORA_BOOT_MAX_MODULES];
};
_Static_assert(sizeof(struct agora_boot_info) <= 4096, "boot info fits a page");

#define AGORA_BOOT_MAGIC 0x41474f5241424f4full   /* "AGORABOO" */

#endif
