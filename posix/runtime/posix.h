/* The POSIX runtime's internal interface: errno from Agora errors, the heap, start-up. */
#ifndef POSIX_RUNTIME_POSIX_H
#define POSIX_RUNTIME_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include <agora/errors.h>
#include <agora/proto/vfs.h>

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
/* files.c: in a forked child, reaches vfs again under the child's own identity. */
void posix_files_fork_child(void);
/* files.c: forgets the bulk buffer shared with vfs (a forked child has none mapped). */
void posix_bulk_forget(void);
/* files.c: a path into a request's field: 0, or an errno value (NULL: EFAULT, empty: ENOENT, ENAMETOOLONG). */
int posix_put_path(vfs_path_t *field, const char *path);

/*
 * How often a call that waits on something vfs cannot hold a reply for asks again: a
 * console read with nothing typed, a write while vfs's waiter table is full, poll and
 * select until something is ready (the one interval for all of them).
 */
#define POSIX_POLL_US 10000

/*
 * poll.c: sleeps us microseconds in such a wait: 0, or -1 with errno EINTR when pm
 * interrupted the sleep and a handler ran (as EINTR on Unix); interrupted for a signal the
 * process blocks, the wait just goes on.
 */
int posix_poll_sleep(uint64_t us);

/*
 * Whether [p, p + len) cannot be user memory at all (NULL, wrapping, reaching the kernel
 * half): the EFAULT a runtime can see before asking anyone. An unmapped address in the
 * user half still faults when touched.
 */
static inline int posix_bad_range(const void *p, size_t len)
{
    uintptr_t a = (uintptr_t)p;

    return !p || a + len < a || a + len > 0x0000800000000000ull;
}

/* process.c: pm's endpoint (CAP_PM) when the program runs under pm, else 0. */
uint64_t posix_pm_endpoint(void);
/* process.c: PM_BRK: maps the heap up to at least end; 0 and the mapped end, or an error. */
long posix_pm_brk(uint64_t end, uint64_t *mapped);
/* process.c: ends the process as killed by sig (WIFSIGNALED for its parent); never returns. */
_Noreturn void posix_exit_signal(int sig);

/*
 * signal.c: posix_signal_post(sig) runs sig's action now unless it is blocked (then it
 * stays pending until unblocked): raise, kill of itself, and signals pm reports.
 * posix_signals_init() (at start) takes from pm what exec kept: the ignored signals.
 */
void posix_signal_post(int sig);
void posix_signals_init(void);
/* signal.c: how many handlers have run so far in this process. */
unsigned long posix_signal_handlers_run(void);
/* process.c: asks pm to carry out sig's default action here (a stop; returns after SIGCONT). */
void posix_pm_signal_self(int sig);

/*
 * r = call, repeated while it answers -E_INTR and no handler ran meanwhile: pm interrupts
 * a waiting call to run a handler, and one that the process has blocked does not run (a
 * handler that ran makes the call fail with EINTR, as without SA_RESTART).
 */
#define POSIX_RESTARTING(r, call)                                           \
    do {                                                                    \
        unsigned long posix_handlers_before_ = posix_signal_handlers_run(); \
        (r) = (call);                                                       \
        if ((r) != -E_INTR || posix_signal_handlers_run() != posix_handlers_before_) \
            break;                                                          \
    } while (1)

#endif
