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

/* files.c: finds vfs and opens descriptors 0-2 on /dev/console (before main). */
void posix_files_init(void);
/* files.c: tells vfs the program is gone (from _exit). */
void posix_files_exit(void);
/* files.c: the vfs endpoint's slot; 0 without vfs. */
uint64_t posix_vfs_endpoint(void);

#endif
