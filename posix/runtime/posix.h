/* The POSIX runtime's internal interface: errno from Agora errors, the heap, start-up. */
#ifndef POSIX_RUNTIME_POSIX_H
#define POSIX_RUNTIME_POSIX_H

#include <stdint.h>

/* The errno value for an Agora error code (negated or not); EIO for one it does not know. */
int posix_errno(long agora_err);

/* Sets errno from an Agora error code and returns -1: `return posix_fail(r);`. */
long posix_fail(long agora_err);

/* Sets errno to err and returns -1: for calls that fail before reaching the kernel. */
long posix_fail_errno(int err);

/* The task's pool (from its starter) and the first capability slot the runtime may use. */
#define POSIX_CAP_POOL        3
#define POSIX_FIRST_FREE_SLOT 16

/* A free capability slot for the runtime, or a negated Agora error. */
long posix_slot_alloc(void);

#endif
