/*
 * The system calls newlib is built on (its MISSING_SYSCALL_NAMES set: write, read, open,
 * ...; each also under newlib's porting name with an underscore, _write etc.).
 *
 * Descriptors and files go to vfs (files.c, dirent.c), processes to pm (process.c). Here:
 * time is the kernel's clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <agora/objects.h>
#include <libagora/sys.h>

#include "posix.h"

/* newlib's porting names: the same function under a second name. */
#define POSIX_ALIAS(name) __attribute__((alias(#name), copy(name)))

/* Processes (_exit, fork, execve, wait, getpid, kill) are in process.c, through pm. */

/* ---- time: the kernel's clock, microseconds since boot (no RTC yet: the epoch is boot) ---- */

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    long us = sys_clock();

    if (us < 0)
        return posix_fail(us);
    if (tv) {
        tv->tv_sec = us / 1000000;
        tv->tv_usec = us % 1000000;
    }
    return 0;
}

/*
 * Every clock is the kernel's: realtime and monotonic both count from boot (no RTC yet),
 * and until pm accounts per process the CPU-time clocks are the same count.
 */
static bool clock_known(clockid_t id)
{
    return id == CLOCK_REALTIME || id == CLOCK_MONOTONIC || id == CLOCK_PROCESS_CPUTIME_ID ||
           id == CLOCK_THREAD_CPUTIME_ID;
}

int clock_gettime(clockid_t id, struct timespec *tp)
{
    long us;

    if (!clock_known(id))
        return posix_fail_errno(EINVAL);
    if ((us = sys_clock()) < 0)
        return posix_fail(us);
    tp->tv_sec = us / 1000000;
    tp->tv_nsec = (us % 1000000) * 1000;
    return 0;
}

int clock_getres(clockid_t id, struct timespec *res)
{
    if (!clock_known(id))
        return posix_fail_errno(EINVAL);
    if (res)
        *res = (struct timespec){ 0, 1000 };     /* microseconds */
    return 0;
}

/*
 * In CLOCKS_PER_SEC units (newlib's clock() adds the fields up): all the time since boot
 * counts as the process's user time until pm accounts per process.
 */
clock_t times(struct tms *t)
{
    long us = sys_clock();
    clock_t ticks;

    if (us < 0)
        return (clock_t)posix_fail(us);
    ticks = (clock_t)(us / (1000000 / CLOCKS_PER_SEC));
    if (t)
        *t = (struct tms){ .tms_utime = ticks };
    return ticks;
}

int _gettimeofday(struct timeval *restrict tv, void *restrict tz) POSIX_ALIAS(gettimeofday);
clock_t _times(struct tms *t) POSIX_ALIAS(times);
