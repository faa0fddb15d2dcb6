/* The kernel's own function symbols, linked in by a second link pass, for backtraces. */
#ifndef AGORA_KERNEL_LIB_SYMBOLS_H
#define AGORA_KERNEL_LIB_SYMBOLS_H

#include <stdint.h>

/* Name of the function holding addr and the offset into it, or NULL when unknown. */
const char *symbol_lookup(uint64_t addr, uint64_t *offset);

#endif
