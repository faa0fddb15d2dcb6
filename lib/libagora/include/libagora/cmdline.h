/*
 * The kernel command line, for the modules init hands it to at CAP_CMDLINE (pm, ext2:
 * include/agora/proto/init.h): one read-only page, NUL-terminated, mapped at
 * AGORA_CMDLINE_VADDR at the first use. Words are key=value (kernel/lib/cmdline.h parses).
 */
#ifndef LIBAGORA_CMDLINE_H
#define LIBAGORA_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define AGORA_CMDLINE_VADDR 0x00007a0000000000ull

/* The command line, or "" when this task was given none. */
const char *agora_cmdline(void);
/* The value of key=VALUE copied into val (size bytes): false when absent, empty or too long. */
bool agora_cmdline_get(const char *key, char *val, size_t size);

#endif
