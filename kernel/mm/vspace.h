/* User address spaces: creation, page mapping, and checked access to user memory. */
#ifndef AGORA_KERNEL_MM_VSPACE_H
#define AGORA_KERNEL_MM_VSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USER_TOP 0x0000800000000000ull
#define USER_BOTTOM 0x1000ull

/* A PML4 sharing the kernel half; 0 when out of memory. */
uint64_t vspace_create(void);
/* Frees the user half's page-table pages (not the pages they map) and the PML4. */
void vspace_destroy(uint64_t root);

/* True when [va, va+len) lies inside user space (and does not wrap). */
bool user_range_ok(uint64_t va, uint64_t len);

/*
 * Kernel pointer to user address va in the space `root`, valid up to the end of
 * its page, or NULL when it is not mapped user-accessible (and writable, if asked).
 */
void *user_ptr(uint64_t root, uint64_t va, bool write);

/* Copies between kernel and user memory of `root`: 0 or -E_FAULT (nothing partial is reported). */
int copy_from_user(uint64_t root, void *dst, uint64_t src, size_t n);
int copy_to_user(uint64_t root, uint64_t dst, const void *src, size_t n);

#endif
