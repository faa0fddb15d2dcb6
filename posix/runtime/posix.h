/* The POSIX runtime's internal interface: errno from Agora errors, the heap, start-up. */
#ifndef POSIX_RUNTIME_POSIX_H
#define POSIX_RUNTIME_POSIX_H

#include <stddef.h>
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
/* files.c: in a forked child, reaches vfs again under the child's own identity. */
void posix_files_fork_child(void);

/*
 * How often a call that waits on something vfs cannot hold a reply for asks again: a
 * console read with nothing typed, a write while vfs's waiter table is full, poll and
 * select until something is ready (the one interval for all of them).
 */
#define POSIX_POLL_US 10000

/*
 * poll.c: sleeps us microseconds in such a wait: 0, or -1 with errno EINTR when the sleep
 * failed (a sleep that a signal interrupts ends the wait, as EINTR does on Unix).
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
 * signal.c: the hook for signals from outside the process. pm's client code calls
 * posix_signal_post(sig) for each signal pm reports; it runs the action at once unless the
 * signal is blocked (then it stays pending until unblocked). posix_signal_wait() is weak:
 * pm's runtime replaces it with a wait for its next signal message (sigsuspend calls it).
 */
void posix_signal_post(int sig);
void posix_signal_wait(void);

#endif
