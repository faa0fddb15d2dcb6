/* Parsing of the kernel command line: space-separated words, key=value or bare flags. */
#ifndef AGORA_KERNEL_LIB_CMDLINE_H
#define AGORA_KERNEL_LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Finds the first word "key=value" (or a bare "key") on the command line.
 * On success copies the value (empty for a bare key) into val, NUL-terminated,
 * and returns true. Returns false when the key is absent, or when the value
 * does not fit in val_size (val then holds an empty string).
 * A NULL cmdline is treated as empty.
 */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t val_size);

/* True when "key" or "key=..." appears on the command line. */
bool cmdline_has(const char *cmdline, const char *key);

#endif
