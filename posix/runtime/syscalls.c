/*
 * The system calls newlib is built on (its MISSING_SYSCALL_NAMES set: write, read, open,
 * ...; each also under newlib's porting name with an underscore, _write etc.).
 *
 * What Agora offers today carries some of them: the console (descriptors 0-2) is the
 * kernel log, time is the kernel's clock, exit kills the task. Descriptors, files and
 * processes belong to the pm and vfs servers of the POSIX issue; until they exist, those
 * calls fail with ENOSYS (posix/README.md lists each).
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

/* SYS_DEBUG_PUTS takes at most this much per call. */
#define DEBUG_PUTS_MAX 4096

/* Standard input, output and error: the console until vfs gives descriptors. */
static int is_console(int fd)
{
    return fd >= 0 && fd <= 2;
}

/* ---- the console ---- */

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t count)
{
    const char *p = buf;
    size_t done = 0;

    if (fd == 0 || !is_console(fd))
        return posix_fail_errno(EBADF);
    while (done < count) {
        size_t n = count - done < DEBUG_PUTS_MAX ? count - done : DEBUG_PUTS_MAX;
        long r = sys_debug_puts(p + done, n);

        if (r < 0)
            return done ? (_READ_WRITE_RETURN_TYPE)done : posix_fail(r);
        done += n;
    }
    return (_READ_WRITE_RETURN_TYPE)done;
}

/* Pending vfs (and a console server): there is no input yet. */
_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t count)
{
    return posix_fail_errno(is_console(fd) ? ENOSYS : EBADF);
}

int isatty(int fd)
{
    if (!is_console(fd)) {
        errno = EBADF;
        return 0;
    }
    return 1;
}

/* The console is a character device: newlib then line-buffers stdout. */
int fstat(int fd, struct stat *st)
{
    if (!is_console(fd))
        return posix_fail_errno(EBADF);
    *st = (struct stat){ .st_mode = S_IFCHR | 0620, .st_blksize = 1024 };
    return 0;
}

off_t lseek(int fd, off_t offset, int whence)
{
    return posix_fail_errno(is_console(fd) ? ESPIPE : EBADF);
}

int close(int fd)
{
    return is_console(fd) ? 0 : posix_fail_errno(EBADF);
}

/* ---- files: pending vfs ---- */

int open(const char *path, int flags, ...)
{
    return posix_fail_errno(ENOSYS);
}

int stat(const char *restrict path, struct stat *restrict st)
{
    return posix_fail_errno(ENOSYS);
}

int link(const char *old, const char *new)
{
    return posix_fail_errno(ENOSYS);
}

int unlink(const char *path)
{
    return posix_fail_errno(ENOSYS);
}

/* ---- processes: pending pm ---- */

void _exit(int status)
{
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

_READ_WRITE_RETURN_TYPE _write(int fd, const void *buf, size_t count) POSIX_ALIAS(write);
_READ_WRITE_RETURN_TYPE _read(int fd, void *buf, size_t count) POSIX_ALIAS(read);
int _isatty(int fd) POSIX_ALIAS(isatty);
int _fstat(int fd, struct stat *st) POSIX_ALIAS(fstat);
off_t _lseek(int fd, off_t offset, int whence) POSIX_ALIAS(lseek);
int _close(int fd) POSIX_ALIAS(close);
int _open(const char *path, int flags, ...) POSIX_ALIAS(open);
int _stat(const char *restrict path, struct stat *restrict st) POSIX_ALIAS(stat);
int _link(const char *old, const char *new) POSIX_ALIAS(link);
int _unlink(const char *path) POSIX_ALIAS(unlink);
pid_t _getpid(void) POSIX_ALIAS(getpid);
int _kill(pid_t pid, int sig) POSIX_ALIAS(kill);
pid_t _fork(void) POSIX_ALIAS(fork);
int _execve(const char *path, char *const argv[], char *const envp[]) POSIX_ALIAS(execve);
pid_t _wait(int *status) POSIX_ALIAS(wait);
int _gettimeofday(struct timeval *restrict tv, void *restrict tz) POSIX_ALIAS(gettimeofday);
clock_t _times(struct tms *t) POSIX_ALIAS(times);
