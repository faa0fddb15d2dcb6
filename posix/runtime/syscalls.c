/*
 * The system calls newlib is built on (its MISSING_SYSCALL_NAMES set: write, read, open,
 * ...; each also under newlib's porting name with an underscore, _write etc.).
 *
 * Descriptors and files go to vfs (files.c, dirent.c). Here: time is the kernel's clock,
 * exit kills the task; processes belong to the pm server of the POSIX issue, and until it
 * exists those calls fail with ENOSYS (posix/README.md lists each).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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

/* ---- processes: pending pm ---- */

void _exit(int status)
{
    posix_files_exit();
    sys_task_kill(CAP_SELF_TASK, (uint64_t)(int64_t)status);
    sys_thread_exit();
    for (;;)
        __asm__ volatile("pause");
}

pid_t getpid(void)
{
    return posix_fail_errno(ENOSYS);
}

int kill(pid_t pid, int sig)
{
    return posix_fail_errno(ENOSYS);
}

pid_t fork(void)
{
    return posix_fail_errno(ENOSYS);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    return posix_fail_errno(ENOSYS);
}

pid_t wait(int *status)
{
    return posix_fail_errno(ENOSYS);
}

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

pid_t _getpid(void) POSIX_ALIAS(getpid);
int _kill(pid_t pid, int sig) POSIX_ALIAS(kill);
pid_t _fork(void) POSIX_ALIAS(fork);
int _execve(const char *path, char *const argv[], char *const envp[]) POSIX_ALIAS(execve);
pid_t _wait(int *status) POSIX_ALIAS(wait);
int _gettimeofday(struct timeval *restrict tv, void *restrict tz) POSIX_ALIAS(gettimeofday);
clock_t _times(struct tms *t) POSIX_ALIAS(times);
