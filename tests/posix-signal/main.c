/*
 * posix-signal: signals between processes, process groups, sessions and the terminal's
 * foreground group, through pm (include/agora/proto/pm.h "Signals"), run as pid 1
 * (system test posix-signal.test). Each group prints "posix-signal: ok GROUP"; the last
 * line is "posix-signal: N passed, N failed". pid 1 gets only signals it handles (as
 * Linux's init), so default actions are tried on children.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK_NAME "posix-signal"
#include "../posix-check.h"

static void group(const char *name)
{
    check_group_end(name);
}

static volatile sig_atomic_t got_usr1, got_chld, got_usr2, got_alrm;

static void on_usr1(int sig) { got_usr1 += sig == SIGUSR1; }
static void on_usr2(int sig) { got_usr2 += sig == SIGUSR2; }
static void on_chld(int sig) { got_chld += sig == SIGCHLD; }
static void on_alrm(int sig) { got_alrm += sig == SIGALRM; }

static void handle(int sig, void (*fn)(int))
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigaction(sig, &sa, 0);
}

static void ms_sleep(int ms)
{
    struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000 };

    while (nanosleep(&t, &t) < 0 && errno == EINTR)
        ;
}

static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int wait_status(pid_t pid)
{
    int st = -1;

    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return st;
}

/* A handler in the parent, run while it sleeps in pause(), for a signal another process sent. */
static void test_handler_from_another_process(void)
{
    pid_t pid;

    handle(SIGUSR1, on_usr1);
    got_usr1 = 0;
    pid = fork();
    if (pid == 0) {
        ms_sleep(50);
        _exit(kill(getppid(), SIGUSR1) == 0 ? 0 : 1);
    }
    CHECK(pause() == -1 && errno == EINTR);
    CHECK(got_usr1 == 1);
    CHECK(wait_status(pid) == 0);
    group("a handler runs for another process's kill; pause returns EINTR");
}

/* The child spins with SSE arithmetic; the handler does its own; neither disturbs the other. */
static volatile double handler_sum;
static void on_usr1_float(int sig)
{
    double s = 0;

    for (int i = 1; i <= 100; i++)
        s += 1.0 / i;
    handler_sum = s;
    got_usr1 += sig == SIGUSR1;
}

static int spin_until_signalled(void)
{
    volatile double x = 0;
    double expect = 0;
    long n = 0;

    got_usr1 = 0;
    handle(SIGUSR1, on_usr1_float);
    while (!got_usr1) {
        x += 0.5;
        n++;
    }
    for (long i = 0; i < n; i++)
        expect += 0.5;
    return x == expect && handler_sum > 5.18 && handler_sum < 5.19 ? 0 : 3;
}

static void test_handler_interrupts_running_code(void)
{
    pid_t pid = fork();

    if (pid == 0)
        _exit(spin_until_signalled());
    ms_sleep(100);
    CHECK(kill(pid, SIGUSR1) == 0);
    CHECK(wait_status(pid) == 0);
    group("a handler interrupts running code; registers and SSE state survive");
}

static int read_interrupted(int fd)
{
    char c;
    ssize_t n;

    got_usr1 = 0;
    handle(SIGUSR1, on_usr1);
    n = read(fd, &c, 1);
    return n == -1 && errno == EINTR && got_usr1 == 1 ? 42 : 1;
}

static int read_blocked_signal(int fd)
{
    sigset_t set, old;
    char c = 0;
    ssize_t n;

    got_usr1 = 0;
    handle(SIGUSR1, on_usr1);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    n = read(fd, &c, 1);            /* SIGUSR1 comes, blocked: the read goes on */
    if (n != 1 || c != 'x' || got_usr1 != 0)
        return 2;
    sigprocmask(SIG_SETMASK, &old, 0);
    return got_usr1 == 1 ? 0 : 3;
}

static int sleep_interrupted(int unused)
{
    struct timespec t = { 5, 0 }, rem = { 0, 0 };
    int r;

    (void)unused;
    got_usr1 = 0;
    handle(SIGUSR1, on_usr1);
    r = nanosleep(&t, &rem);
    return r == -1 && errno == EINTR && rem.tv_sec >= 3 && got_usr1 == 1 ? 0 : 4;
}

static void test_interrupted_calls(void)
{
    int fds[2];
    pid_t pid;
    long t0;

    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0)
        _exit(read_interrupted(fds[0]));
    ms_sleep(100);
    CHECK(kill(pid, SIGUSR1) == 0);
    CHECK(wait_status(pid) == (42 << 8));

    pid = fork();
    if (pid == 0)
        _exit(read_blocked_signal(fds[0]));
    ms_sleep(100);
    CHECK(kill(pid, SIGUSR1) == 0);
    ms_sleep(50);
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK(wait_status(pid) == 0);
    close(fds[0]);
    close(fds[1]);

    t0 = now_ms();
    pid = fork();
    if (pid == 0)
        _exit(sleep_interrupted(0));
    ms_sleep(100);
    CHECK(kill(pid, SIGUSR1) == 0);
    CHECK(wait_status(pid) == 0);
    CHECK(now_ms() - t0 < 2000);
    group("EINTR after a handler; a blocked signal's call goes on; nanosleep's remainder");
}

static void test_sigchld(void)
{
    sigset_t set, old;
    pid_t pid;
    int st;

    handle(SIGCHLD, on_chld);
    got_chld = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, &old);
    pid = fork();
    if (pid == 0)
        _exit(5);
    while (!got_chld)
        sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, 0);
    CHECK(got_chld == 1);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 5);
    handle(SIGCHLD, SIG_DFL);
    group("SIGCHLD to the parent; sigsuspend wakes for it");
}

static _Noreturn void pause_forever(void)
{
    for (;;)
        pause();
}

static void test_default_actions(void)
{
    pid_t pid;
    int st;

    pid = fork();
    if (pid == 0)
        pause_forever();
    ms_sleep(20);
    CHECK(kill(pid, SIGTERM) == 0);
    st = wait_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);

    pid = fork();
    if (pid == 0) {
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
        pause_forever();
    }
    ms_sleep(50);
    CHECK(kill(pid, SIGTERM) == 0);
    CHECK(kill(pid, SIGINT) == 0);
    CHECK(kill(pid, SIGCHLD) == 0);         /* default: ignored */
    ms_sleep(50);
    CHECK(waitpid(pid, &st, WNOHANG) == 0); /* still there */
    CHECK(kill(pid, SIGKILL) == 0);
    st = wait_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    /* A child's own SIGSEGV by raise: the parent sees the signal, not an exit status. */
    pid = fork();
    if (pid == 0) {
        raise(SIGUSR2);
        _exit(0);
    }
    st = wait_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR2);

    CHECK(kill(1, 99) == -1 && errno == EINVAL);
    CHECK(kill(-1, -1) == -1 && errno == EINVAL);
    CHECK(kill(12345, SIGTERM) == -1 && errno == ESRCH);
    CHECK(kill(-12345, SIGTERM) == -1 && errno == ESRCH);
    CHECK(kill(getpid(), 0) == 0);
    group("default actions: terminate, ignore; SIG_IGN; SIGKILL; errors");
}

static void test_stop_continue(void)
{
    int fds[2], st;
    pid_t pid;
    char c;

    pid = fork();
    if (pid == 0)
        for (;;)
            ;
    CHECK(kill(pid, SIGSTOP) == 0);
    CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK(waitpid(pid, &st, WUNTRACED | WNOHANG) == 0);    /* reported once */
    CHECK(kill(pid, SIGCONT) == 0);
    CHECK(kill(pid, SIGKILL) == 0);
    st = wait_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

    /* Stopped while it waits in a pipe read: the read is not disturbed. */
    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
        close(fds[1]);
        _exit(read(fds[0], &c, 1) == 1 ? (unsigned char)c : 99);
    }
    close(fds[0]);
    ms_sleep(50);
    CHECK(kill(pid, SIGSTOP) == 0);
    CHECK(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st));
    CHECK(write(fds[1], "A", 1) == 1);
    ms_sleep(50);
    CHECK(waitpid(pid, &st, WNOHANG) == 0);    /* stopped: it has not finished */
    CHECK(kill(pid, SIGCONT) == 0);
    CHECK(wait_status(pid) == ('A' << 8));
    close(fds[1]);
    group("SIGSTOP, WUNTRACED, SIGCONT; a stopped read is not interrupted");
}

static void test_groups_and_sessions(void)
{
    pid_t pid, pgid;
    int st, fds[2];

    CHECK(getpgrp() == getpid());
    CHECK(getsid(0) == getpid());
    CHECK(setsid() == -1 && errno == EPERM);            /* it leads a group */
    CHECK(setpgid(-1, 0) == -1 && errno == EINVAL);
    CHECK(setpgid(12345, 0) == -1 && errno == ESRCH);
    CHECK(getpgid(12345) == -1 && errno == ESRCH);

    /* A child in its own group; the group gets a signal. */
    pid = fork();
    if (pid == 0)
        pause_forever();
    CHECK(setpgid(pid, pid) == 0);
    CHECK(getpgid(pid) == pid);
    CHECK(setpgid(pid, 777) == -1 && errno == EPERM);
    CHECK(kill(-pid, SIGTERM) == 0);
    st = wait_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);

    /* waitpid(-pgid) and waitpid(0). */
    pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        _exit(9);
    }
    CHECK(waitpid(-pid, &st, 0) == pid || (errno == ECHILD));
    pid = fork();
    if (pid == 0)
        _exit(8);
    CHECK(waitpid(0, &st, 0) == pid && WEXITSTATUS(st) == 8);

    /* setsid in a child: its own session and group, without the terminal. */
    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
        pid_t sid = setsid();
        int ok = sid == getpid() && getpgrp() == getpid() && getsid(0) == sid &&
                 tcgetpgrp(0) == -1 && errno == ENOTTY;
        _exit(ok ? 0 : 1);
    }
    CHECK(wait_status(pid) == 0);

    /* The terminal's foreground group. */
    pgid = tcgetpgrp(0);
    CHECK(pgid == getpgrp());
    CHECK(tcgetpgrp(fds[0]) == -1 && errno == ENOTTY);
    CHECK(tcsetpgrp(0, 4242) == -1 && errno == EPERM);
    pid = fork();
    if (pid == 0)
        pause_forever();
    CHECK(setpgid(pid, pid) == 0);
    CHECK(tcsetpgrp(0, pid) == 0);
    CHECK(tcgetpgrp(0) == pid);
    CHECK(tcsetpgrp(0, getpgrp()) == 0);
    CHECK(kill(pid, SIGKILL) == 0);
    wait_status(pid);
    close(fds[0]);
    close(fds[1]);
    group("process groups, sessions, the terminal's foreground group");
}

static void test_own_signals(void)
{
    handle(SIGUSR2, on_usr2);
    got_usr2 = 0;
    CHECK(raise(SIGUSR2) == 0 && got_usr2 == 1);
    CHECK(kill(0, SIGUSR2) == 0);           /* through pm: its own group */
    CHECK(got_usr2 == 2);
    handle(SIGUSR2, SIG_DFL);
    /* In a group of its own (pid 1's group is 1, and kill(-1) means everyone else). */
    pid_t pid = fork();
    if (pid == 0) {
        got_usr2 = 0;
        handle(SIGUSR2, on_usr2);
        _exit(setpgid(0, 0) == 0 && kill(-getpid(), SIGUSR2) == 0 && got_usr2 == 1 ? 0 : 1);
    }
    CHECK(wait_status(pid) == 0);
    group("its own signals: raise, kill(0), kill(-pgrp) run the handler before kill returns");
}

/* A handler that makes calls of its own (pm and vfs) while the code it interrupted is making its own. */
static void on_usr1_busy(int sig)
{
    static const char junk[600] = "handler's bytes";

    got_usr1 += sig == SIGUSR1;
    (void)getppid();
    (void)!write(3, junk, sizeof(junk));
}

/* Reads /etc/motd again and again and checks every byte while signals keep coming; 0 if all matched. */
static int read_under_fire(const char *expect, size_t len)
{
    char buf[1024];
    int bad = 0;

    got_usr1 = 0;
    handle(SIGUSR1, on_usr1_busy);
    if (open("/dev/null", O_WRONLY) != 3)
        return 2;
    while (got_usr1 < 100) {
        int fd = open("/etc/motd", O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

        if (fd < 0 || n != (ssize_t)len || memcmp(buf, expect, len) != 0 || getppid() <= 0)
            bad++;
        close(fd);
    }
    return bad ? 1 : 0;
}

static void test_calls_under_fire(void)
{
    char expect[1024];
    int fd = open("/etc/motd", O_RDONLY);
    ssize_t len = fd < 0 ? -1 : read(fd, expect, sizeof(expect));
    pid_t pid;

    close(fd);
    CHECK(len > 0 && len < (ssize_t)sizeof(expect));
    pid = fork();
    if (pid == 0)
        _exit(read_under_fire(expect, (size_t)len));
    for (int i = 0; i < 400 && kill(pid, SIGUSR1) == 0; i++)
        usleep(500);
    CHECK(wait_status(pid) == 0);
    group("calls interrupted by handlers that make calls: requests and replies intact");
}

static void test_alarm(void)
{
    struct itimerval it = { { 0, 50000 }, { 0, 50000 } }, old;
    sigset_t set, mask;
    long t0;
    pid_t pid;
    int st;

    handle(SIGALRM, on_alrm);
    got_alrm = 0;
    t0 = now_ms();
    CHECK(alarm(1) == 0);
    while (!got_alrm)
        pause();
    CHECK(now_ms() - t0 >= 900 && now_ms() - t0 < 3000);
    CHECK(alarm(5) == 0);
    CHECK(alarm(0) >= 4);                      /* what was left, rounded up; and cancelled */

    /* An interval timer: three ticks 50 ms apart, waited for in sigsuspend. */
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, &mask);
    got_alrm = 0;
    t0 = now_ms();
    CHECK(setitimer(ITIMER_REAL, &it, 0) == 0);
    CHECK(getitimer(ITIMER_REAL, &old) == 0 && old.it_interval.tv_usec == 50000 && old.it_value.tv_sec == 0);
    while (got_alrm < 3)
        sigsuspend(&mask);
    CHECK(now_ms() - t0 >= 140 && now_ms() - t0 < 2000);
    it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
    CHECK(setitimer(ITIMER_REAL, &it, &old) == 0 && old.it_interval.tv_usec == 50000);
    sigprocmask(SIG_SETMASK, &mask, 0);
    CHECK(getitimer(ITIMER_REAL, &old) == 0 && old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);

    /* The default action ends a child. */
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(1);
        pause_forever();
    }
    st = wait_status(pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM);

    it.it_value.tv_usec = 1000000;
    CHECK(setitimer(ITIMER_REAL, &it, 0) == -1 && errno == EINVAL);
    CHECK(setitimer(ITIMER_VIRTUAL, &it, 0) == -1 && errno == ENOSYS);
    CHECK(setitimer(99, &it, 0) == -1 && errno == EINVAL);
    handle(SIGALRM, SIG_DFL);
    group("alarm and setitimer: SIGALRM on time, intervals, cancel, default action, errors");
}

int main(void)
{
    setvbuf(stdout, 0, _IONBF, 0);
    test_handler_from_another_process();
    test_handler_interrupts_running_code();
    test_interrupted_calls();
    test_sigchld();
    test_default_actions();
    test_stop_continue();
    test_groups_and_sessions();
    test_own_signals();
    test_alarm();
    test_calls_under_fire();
    printf("posix-signal: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
