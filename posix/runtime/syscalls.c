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
#include <libagora/clock.h>
#include <libagora/sys.h>

#include "posix.h"

/* newlib's porting names: the same function under a second name. */
#define POSIX_ALIAS(name) __attribute__((alias(#name), copy(name)))

/* Processes (_exit, fork, execve, wait, getpid, kill) are in process.c, through pm. */

/*
 * ---- time: the kernel's clock, microseconds since boot; the wall clock adds the offset
 * the rtc driver answers (libagora/clock.h; since boot while there is no rtc) ----
 */

static struct agora_clock wall_clock;
static bool wall_clock_started;

static uint64_t realtime_us(void)
{
    if (!wall_clock_started) {
        agora_clock_init(&wall_clock, posix_slot_alloc());
        wall_clock_started = true;
    }
    return agora_clock_realtime_us(&wall_clock);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    uint64_t us = realtime_us();

    if (tv) {
        tv->tv_sec = us / 1000000;
        tv->tv_usec = us % 1000000;
    }
    return 0;
}

/*
 * CLOCK_REALTIME is the wall clock; monotonic counts from boot, and until pm accounts per
 * process the CPU-time clocks are the same count.
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
    if ((us = id == CLOCK_REALTIME ? (long)realtime_us() : sys_clock()) < 0)
        return posix_fail(us);
    tp->tv_sec = us / 1000000;
    tp->tv_nsec = (us % 1000000) * 1000;
    return 0;
}

/* The clock cannot be set yet (rtc answers an offset, nobody may change it): EPERM, as for a non-root caller. */
int clock_settime(clockid_t id, const struct timespec *tp)
{
    (void)tp;
    return posix_fail_errno(clock_known(id) ? EPERM : EINVAL);
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
