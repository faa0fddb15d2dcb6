/* The initial stack of a new image: argc, argv, envp and the strings, as on Linux. Pure code (tests/unit/test_pm.c). */
#ifndef PM_STACK_H
#define PM_STACK_H

#include <stdint.h>

/*
 * Lays out, at the top of the stack [top - size, top) whose bytes are buf[0, size):
 *
 *   top      the strings (strs: argc + envc NUL-terminated strings back to back, bytes long),
 *            starting at an 8-byte boundary below top
 *            padding to 16 bytes
 *   rsp ->   argc, argv[0..argc-1], NULL, envp[0..envc-1], NULL, AT_NULL, 0
 *
 * so that rsp is 16-byte aligned. Leaves at least PM_STACK_SPARE bytes below rsp for the
 * program. Returns 0 and *rsp, or -E_RANGE if it does not fit, -E_INVAL if strs does not
 * hold exactly argc + envc strings.
 */
#define PM_STACK_SPARE (16 * 1024ull)

long pm_stack_build(void *buf, uint64_t size, uint64_t top, const char *strs, uint64_t bytes,
                    uint64_t argc, uint64_t envc, uint64_t *rsp);

#endif
