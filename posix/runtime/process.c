/*
 * Processes: fork, execve and the exec family, waitpid/wait, _exit, getpid/getppid, kill,
 * through the pm server (include/agora/proto/pm.h) at CAP_PM. A program started without pm
 * (by init, as a boot module) keeps the old behaviour: _exit kills its own task, the other
 * calls fail with ENOSYS.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <agora/objects.h>
#include <agora/proto/pm.h>
#include <libagora/proto.h>
#include <libagora/sys.h>

#include "posix.h"

/* newlib's porting names: the same function under a second name. */
#define POSIX_ALIAS(name) __attribute__((alias(#name), copy(name)))

PROTO_STUBS(PM_MSG_LIST)

static int have_pm = -1;            /* -1: not asked yet */
static pid_t my_pid;                /* 0: not asked yet (a forked child forgets it) */

uint64_t posix_pm_endpoint(void)
{
    if (have_pm < 0) {
        long info = sys_cap_info(CAP_PM);

        have_pm = info >= 0 && AGORA_CAP_INFO_TYPE(info) == OBJ_ENDPOINT;
    }
    return have_pm ? CAP_PM : 0;
}

long posix_pm_brk(uint64_t end, uint64_t *mapped)
{
    struct pm_brk_req rq = { .end = end };
    struct pm_brk_rep rp;
    long r = pm_brk_call(CAP_PM, &rq, &rp, 0);

    if (r == 0)
        *mapped = rp.mapped;
    return r;
}

/* ---- exit ---- */

void _exit(int status)
{
    struct pm_exit_req rq = { .status = status };
    struct pm_exit_rep rp;

    if (posix_pm_endpoint()) {
        pm_exit_call(CAP_PM, &rq, &rp, 0);     /* no reply: pm ends the process */
    } else {
        posix_files_exit();
        sys_task_kill(CAP_SELF_TASK, (uint64_t)(int64_t)status);
    }
    sys_thread_exit();
    for (;;)
        __asm__ volatile("pause");
}

/* pm ends the process with sig (for pid 1, which pm spares, the exit status says it). */
_Noreturn void posix_exit_signal(int sig)
{
    posix_pm_signal_self(sig);
    _exit(128 + sig);
}

/* ---- identity ---- */

pid_t getpid(void)
{
    struct pm_getpid_req rq;
    struct pm_getpid_rep rp;
    long r;

    if (my_pid)
        return my_pid;
    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOSYS);
    if ((r = pm_getpid_call(CAP_PM, &rq, &rp, 0)) < 0)
        return posix_fail(r);
    my_pid = (pid_t)rp.pid;
    return my_pid;
}

pid_t getppid(void)
{
    struct pm_getpid_req rq;
    struct pm_getpid_rep rp;
    long r;

    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOSYS);
    if ((r = pm_getpid_call(CAP_PM, &rq, &rp, 0)) < 0)
        return posix_fail(r);
    return (pid_t)rp.ppid;
}

/* ---- fork ---- */

/* In the child, right after fork: what is per process in the runtime is made again. */
static void fork_child(void)
{
    my_pid = 0;
    posix_files_fork_child();
}

pid_t fork(void)
{
    struct pm_fork_req rq;
    struct pm_fork_rep rp;
    long r;

    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOSYS);
    if ((r = pm_fork_call(CAP_PM, &rq, &rp, 0)) < 0)
        return posix_fail(r);
    /* pm starts the child inside this call, with the registers of a reply saying pid 0. */
    if (rp.pid == 0)
        fork_child();
    return (pid_t)rp.pid;
}

/* No shared address space: vfork is fork (which POSIX allows). */
pid_t vfork(void)
{
    return fork();
}

/* ---- exec ---- */

int execve(const char *path, char *const argv[], char *const envp[])
{
    struct pm_exec_req rq;
    struct pm_exec_rep rp;
    char abs[PM_PATH_MAX];
    long r;

    if (!path)
        return posix_fail_errno(EFAULT);
    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOSYS);
    if (path[0] == '\0')
        return posix_fail_errno(ENOENT);
    /* pm reads files as itself, from the root: a relative path is made absolute here. */
    if (path[0] != '/') {
        size_t n;

        if (!getcwd(abs, sizeof(abs)))
            return -1;
        n = strlen(abs);
        if (n + 1 + strlen(path) >= sizeof(abs))
            return posix_fail_errno(ENAMETOOLONG);
        if (n == 0 || abs[n - 1] != '/')
            abs[n++] = '/';
        strcpy(abs + n, path);
        path = abs;
    }
    rq.path = (uint64_t)(uintptr_t)path;
    rq.argv = (uint64_t)(uintptr_t)argv;
    rq.envp = (uint64_t)(uintptr_t)envp;
    r = pm_exec_call(CAP_PM, &rq, &rp, 0);
    /* Only a failure comes back: the old image goes on. */
    if (r == -E_RANGE)
        return posix_fail_errno(E2BIG);
    if (r == -E_PERM)
        return posix_fail_errno(ENOEXEC);
    return posix_fail(r < 0 ? r : -E_INVAL);
}

int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

/* Tries file in each directory of PATH (default /bin:/usr/bin) unless it has a '/'. */
int execvpe(const char *file, char *const argv[], char *const envp[])
{
    const char *dirs, *p;
    char buf[PM_PATH_MAX];
    bool denied = false;

    if (!file || !*file)
        return posix_fail_errno(ENOENT);
    if (strchr(file, '/'))
        return execve(file, argv, envp);
    dirs = getenv("PATH");
    if (!dirs)
        dirs = "/bin:/usr/bin";
    for (p = dirs;; p++) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n + 1 + strlen(file) < sizeof(buf)) {
            memcpy(buf, p, n);
            if (n == 0)
                buf[n++] = '.';
            buf[n] = '/';
            strcpy(buf + n + 1, file);
            execve(buf, argv, envp);
            if (errno == EACCES || errno == ENOEXEC)
                denied = true;
            else if (errno != ENOENT && errno != ENOTDIR)
                return -1;
        }
        if (!end)
            break;
        p = end;
    }
    return posix_fail_errno(denied ? EACCES : ENOENT);
}

int execvp(const char *file, char *const argv[])
{
    return execvpe(file, argv, environ);
}

/* The argument list of execl/execlp as a vector (at most 255 arguments). */
#define EXECL_MAX 256
#define EXECL_COLLECT(first, ap, argv, n)                       \
    do {                                                        \
        (argv)[0] = (char *)(first);                            \
        for ((n) = 1; (argv)[(n) - 1] && (n) < EXECL_MAX; (n)++) \
            (argv)[n] = va_arg(ap, char *);                     \
    } while (0)

int execl(const char *path, const char *arg, ...)
{
    char *argv[EXECL_MAX];
    va_list ap;
    int n;

    va_start(ap, arg);
    EXECL_COLLECT(arg, ap, argv, n);
    va_end(ap);
    if (argv[n - 1])
        return posix_fail_errno(E2BIG);
    return execve(path, argv, environ);
}

int execlp(const char *file, const char *arg, ...)
{
    char *argv[EXECL_MAX];
    va_list ap;
    int n;

    va_start(ap, arg);
    EXECL_COLLECT(arg, ap, argv, n);
    va_end(ap);
    if (argv[n - 1])
        return posix_fail_errno(E2BIG);
    return execvp(file, argv);
}

/* ---- wait ---- */

/* pid as POSIX (-1 any, 0 the caller's group, < -1 group -pid); WUNTRACED reports stops. */
pid_t waitpid(pid_t pid, int *status, int options)
{
    struct pm_wait_req rq = { .pid = pid };
    struct pm_wait_rep rp;
    long r;

    if (options & ~(WNOHANG | WUNTRACED))
        return posix_fail_errno(EINVAL);
    if (!posix_pm_endpoint())
        return posix_fail_errno(ECHILD);
    rq.options = ((options & WNOHANG) ? PM_WNOHANG : 0) | ((options & WUNTRACED) ? PM_WUNTRACED : 0);
    POSIX_RESTARTING(r, pm_wait_call(CAP_PM, &rq, &rp, 0));
    if (r < 0)
        return posix_fail(r);
    if (rp.pid > 0 && status)
        *status = (int)rp.status;
    return (pid_t)rp.pid;
}

pid_t wait(int *status)
{
    return waitpid(-1, status, 0);
}

/* ---- signals to processes: pm (proto/pm.h "Signals"); to itself: signal.c ---- */

int kill(pid_t pid, int sig)
{
    struct pm_kill_req rq = { .pid = pid, .sig = sig };
    struct pm_kill_rep rp;
    long r;

    if (sig < 0 || sig >= PM_NSIG)
        return posix_fail_errno(EINVAL);
    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOSYS);
    /*
     * A signal to itself alone runs its action here (signal.c), at once, as POSIX wants for
     * an unblocked one; SIGKILL and SIGSTOP always go to pm.
     */
    if (pid == getpid() && sig != 0 && sig != SIGKILL && sig != SIGSTOP) {
        posix_signal_post(sig);
        return 0;
    }
    if ((r = pm_kill_call(CAP_PM, &rq, &rp, 0)) < 0)
        return posix_fail(r);
    return 0;
}

void posix_pm_signal_self(int sig)
{
    struct pm_kill_req rq = { .pid = getpid(), .sig = sig };
    struct pm_kill_rep rp;

    if (posix_pm_endpoint() && rq.pid > 0)
        pm_kill_call(CAP_PM, &rq, &rp, 0);
}

/*
 * ---- sleeping: the kernel's SYS_SLEEP (at most an hour per call) ----
 * Weak: they are not process calls, and a time module of the runtime may take them over.
 */
__attribute__((weak)) int nanosleep(const struct timespec *req, struct timespec *rem)
{
    uint64_t us;

    if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000 || req->tv_sec < 0)
        return posix_fail_errno(EINVAL);
    us = (uint64_t)req->tv_sec * 1000000 + (uint64_t)(req->tv_nsec + 999) / 1000;
    while (us > 0) {
        uint64_t step = us > 3600000000ull ? 3600000000ull : us;
        unsigned long handlers = posix_signal_handlers_run();
        long start = sys_clock(), r = sys_sleep(step), slept = sys_clock() - start;

        if (r == -E_INTR) {
            /* pm interrupted the sleep for a signal: EINTR if a handler ran, else sleep on. */
            step = slept < 0 ? 0 : (uint64_t)slept < step ? (uint64_t)slept : step;
            us -= step;
            if (posix_signal_handlers_run() != handlers) {
                if (rem)
                    *rem = (struct timespec){ (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
                return posix_fail_errno(EINTR);
            }
            continue;
        }
        us -= step;
    }
    if (rem)
        *rem = (struct timespec){ 0, 0 };
    return 0;
}

__attribute__((weak)) int usleep(useconds_t us)
{
    struct timespec t = { us / 1000000, (long)(us % 1000000) * 1000 };

    return nanosleep(&t, 0);
}

__attribute__((weak)) unsigned sleep(unsigned seconds)
{
    struct timespec t = { seconds, 0 }, rem = { 0, 0 };

    if (nanosleep(&t, &rem) < 0 && errno == EINTR)
        return (unsigned)rem.tv_sec + (rem.tv_nsec > 0);
    return 0;
}

pid_t _getpid(void) POSIX_ALIAS(getpid);
int _kill(pid_t pid, int sig) POSIX_ALIAS(kill);
pid_t _fork(void) POSIX_ALIAS(fork);
int _execve(const char *path, char *const argv[], char *const envp[]) POSIX_ALIAS(execve);
pid_t _wait(int *status) POSIX_ALIAS(wait);

/* ---- the real-time interval timer: pm's ALARM (SIGALRM) ---- */

static long pm_alarm(bool set, uint64_t value_us, uint64_t interval_us, uint64_t *old_value,
                     uint64_t *old_interval)
{
    struct pm_alarm_req rq = { .set = set, .value_us = value_us, .interval_us = interval_us };
    struct pm_alarm_rep rp;
    long r;

    if (!posix_pm_endpoint())
        return -E_NOSYS;
    if ((r = pm_alarm_call(CAP_PM, &rq, &rp, 0)) < 0)
        return r;
    *old_value = rp.old_value_us;
    *old_interval = rp.old_interval_us;
    return 0;
}

static bool timeval_ok(const struct timeval *t)
{
    return t->tv_sec >= 0 && t->tv_usec >= 0 && t->tv_usec < 1000000 &&
           (uint64_t)t->tv_sec <= PM_ALARM_MAX_US / 1000000 - 1;
}

static uint64_t timeval_us(const struct timeval *t)
{
    return (uint64_t)t->tv_sec * 1000000 + (uint64_t)t->tv_usec;
}

static struct timeval us_timeval(uint64_t us)
{
    return (struct timeval){ (time_t)(us / 1000000), (suseconds_t)(us % 1000000) };
}

int setitimer(int which, const struct itimerval *restrict value, struct itimerval *restrict old)
{
    uint64_t ov, oi;
    long r;

    if (which != ITIMER_REAL)
        return posix_fail_errno(which == ITIMER_VIRTUAL || which == ITIMER_PROF ? ENOSYS : EINVAL);
    if (!value || !timeval_ok(&value->it_value) || !timeval_ok(&value->it_interval))
        return posix_fail_errno(value ? EINVAL : EFAULT);
    if ((r = pm_alarm(true, timeval_us(&value->it_value), timeval_us(&value->it_interval), &ov, &oi)) < 0)
        return posix_fail(r);
    if (old)
        *old = (struct itimerval){ us_timeval(oi), us_timeval(ov) };
    return 0;
}

int getitimer(int which, struct itimerval *value)
{
    uint64_t ov, oi;
    long r;

    if (which != ITIMER_REAL)
        return posix_fail_errno(which == ITIMER_VIRTUAL || which == ITIMER_PROF ? ENOSYS : EINVAL);
    if (!value)
        return posix_fail_errno(EFAULT);
    if ((r = pm_alarm(false, 0, 0, &ov, &oi)) < 0)
        return posix_fail(r);
    *value = (struct itimerval){ us_timeval(oi), us_timeval(ov) };
    return 0;
}

unsigned alarm(unsigned seconds)
{
    uint64_t ov, oi;

    if (pm_alarm(true, (uint64_t)seconds * 1000000, 0, &ov, &oi) < 0)
        return 0;
    return (unsigned)((ov + 999999) / 1000000);
}

useconds_t ualarm(useconds_t us, useconds_t interval)
{
    uint64_t ov, oi;

    if (pm_alarm(true, us, interval, &ov, &oi) < 0)
        return 0;
    return (useconds_t)ov;
}
