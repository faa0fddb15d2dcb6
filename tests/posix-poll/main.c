/*
 * posix-poll: readiness, terminal modes and permission bits through vfs, run as pid 1
 * under pm (posix_init=/bin/posix-poll; system tests posix-poll.test without a terminal,
 * posix-poll-tty.test with serial and tty): poll and select on pipes (empty, data, hang-up,
 * no reader, full), their timeouts and an endless wait a child ends, bad descriptors and
 * pointers; tcgetattr/tcsetattr/ioctl on files and pipes (ENOTTY) and on the console
 * (round trip with tty, ENOTTY without); chmod/fchmod/stat/access; umask on open and
 * mkdir, inherited by a forked child and kept across exec. Each group prints
 * "posix-poll: ok GROUP"; the last line is "posix-poll: N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define CHECK_NAME "posix-poll"
#include "../posix-check.h"

/* An address in the kernel half: never user memory. */
#define KERNEL_ADDR ((void *)0xffff800000001000ull)

static void group(void (*fn)(void), const char *name)
{
    group_failed = 0;
    fn();
    check_group_end(name);
}

static long now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, 0);
    return (long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* A child's exit status: its code, or 1000 + what went wrong. */
static int status_of(pid_t pid)
{
    int st;

    if (waitpid(pid, &st, 0) != pid)
        return 1000;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 2000 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* poll of one descriptor: its revents, or -1 - errno when poll failed, -1000 if it answered not 0 or 1. */
static int poll1(int fd, short events, int timeout)
{
    struct pollfd p = { .fd = fd, .events = events, .revents = 0x7fff };
    int r = poll(&p, 1, timeout);

    if (r < 0)
        return -1 - errno;
    if (r != (p.revents != 0))
        return -1000;
    return p.revents;
}

/* ---- poll on pipes ---- */

static void test_poll_pipe(void)
{
    struct pollfd two[2];
    char buf[1024];
    int p[2], q[2];

    CHECK(pipe(p) == 0);
    CHECK(poll1(p[0], POLLIN, 0) == 0);                     /* empty: not readable */
    CHECK(poll1(p[1], POLLOUT, 0) == POLLOUT);
    CHECK(poll1(p[1], POLLIN, 0) == 0);                     /* the write end is never readable */
    CHECK(write(p[1], "x", 1) == 1);
    CHECK(poll1(p[0], POLLIN, 0) == POLLIN);
    CHECK(poll1(p[0], POLLIN | POLLRDNORM, 0) == (POLLIN | POLLRDNORM));
    CHECK(poll1(p[0], POLLOUT | POLLPRI, 0) == 0);          /* asked for nothing it has */
    two[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
    two[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
    CHECK(poll(two, 2, 0) == 2 && two[0].revents == POLLIN && two[1].revents == POLLOUT);
    /* A negative descriptor is skipped. */
    two[1].fd = -1;
    CHECK(poll(two, 2, 0) == 1 && two[0].revents == POLLIN && two[1].revents == 0);
    /* The writer goes: data and hang-up, then hang-up alone (asked for or not), then end of file. */
    CHECK(close(p[1]) == 0);
    CHECK(poll1(p[0], POLLIN, 0) == (POLLIN | POLLHUP));
    CHECK(read(p[0], buf, sizeof buf) == 1);
    CHECK(poll1(p[0], POLLIN, 0) == POLLHUP);
    CHECK(poll1(p[0], 0, 0) == POLLHUP);
    CHECK(read(p[0], buf, sizeof buf) == 0);
    CHECK(close(p[0]) == 0);
    /* No reader: POLLERR for the writer (POLLOUT too: a write would not wait). */
    CHECK(pipe(q) == 0 && close(q[0]) == 0);
    CHECK(poll1(q[1], POLLOUT, 0) == (POLLOUT | POLLERR));
    CHECK(close(q[1]) == 0);
    /* Full: not writable until room for PIPE_BUF bytes comes back. */
    CHECK(pipe(p) == 0 && fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
    memset(buf, 'f', sizeof buf);
    while (write(p[1], buf, 100) == 100)
        ;
    CHECK(errno == EAGAIN);
    CHECK(poll1(p[1], POLLOUT, 0) == 0);
    CHECK(poll1(p[0], POLLIN, 0) == POLLIN);
    CHECK(read(p[0], buf, 400) == 400);
    CHECK(poll1(p[1], POLLOUT, 0) == 0);                    /* 4096 - 4000 + 400: not 512 */
    CHECK(read(p[0], buf, 100) == 100);
    CHECK(poll1(p[1], POLLOUT, 0) == POLLOUT);
    while (read(p[0], buf, sizeof buf) > 0 && poll1(p[0], POLLIN, 0) == POLLIN)
        ;
    CHECK(poll1(p[0], POLLIN, 0) == 0);
    CHECK(close(p[0]) == 0 && close(p[1]) == 0);
}

/* ---- waiting ---- */

static void test_poll_wait(void)
{
    struct pollfd pfd;
    long t0, dt;
    char c;
    int p[2];
    pid_t pid;

    CHECK(pipe(p) == 0);
    /* A timeout of 100 ms with nothing ready waits at least that long. */
    t0 = now_ms();
    CHECK(poll1(p[0], POLLIN, 100) == 0);
    dt = now_ms() - t0;
    CHECK(dt >= 100 && dt < 3000);
    /* No descriptors: a plain sleep. */
    t0 = now_ms();
    CHECK(poll(0, 0, 50) == 0);
    dt = now_ms() - t0;
    CHECK(dt >= 50 && dt < 3000);
    /* Data before the timeout ends it early. */
    CHECK(write(p[1], "y", 1) == 1);
    t0 = now_ms();
    CHECK(poll1(p[0], POLLIN, 5000) == POLLIN);
    CHECK(now_ms() - t0 < 1000);
    CHECK(read(p[0], &c, 1) == 1);
    /* Waiting for ever: a child writes after 200 ms. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        usleep(200000);
        _exit(write(p[1], "z", 1) == 1 ? 0 : 1);
    }
    CHECK(pid > 0);
    t0 = now_ms();
    pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
    CHECK(poll(&pfd, 1, -1) == 1 && pfd.revents == POLLIN);
    CHECK(now_ms() - t0 >= 100);
    CHECK(read(p[0], &c, 1) == 1 && c == 'z');
    CHECK(status_of(pid) == 0);
    /* The child's write end went with it: the parent still holds one, so no hang-up yet. */
    CHECK(poll1(p[0], POLLIN, 0) == 0);
    CHECK(close(p[1]) == 0);
    CHECK(poll1(p[0], POLLIN, -1) == POLLHUP);             /* at once, not for ever */
    CHECK(close(p[0]) == 0);
}

/* ---- select ---- */

static void test_select(void)
{
    struct timeval tv;
    fd_set r, w, e;
    long t0, dt;
    char c;
    int p[2];

    CHECK(pipe(p) == 0);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    FD_SET(p[0], &e);
    tv = (struct timeval){ 0, 0 };
    CHECK(select(p[1] + 1, &r, &w, &e, &tv) == 1);
    CHECK(!FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w) && !FD_ISSET(p[0], &e));
    CHECK(write(p[1], "a", 1) == 1);
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    CHECK(select(p[1] + 1, &r, &w, 0, &tv) == 2 && FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
    CHECK(read(p[0], &c, 1) == 1);
    /* A timeout: at least 100 ms, and the timeval tells what was left (nothing). */
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv = (struct timeval){ 0, 100000 };
    t0 = now_ms();
    CHECK(select(p[0] + 1, &r, 0, 0, &tv) == 0);
    dt = now_ms() - t0;
    CHECK(dt >= 100 && dt < 3000);
    CHECK(!FD_ISSET(p[0], &r) && tv.tv_sec == 0 && tv.tv_usec == 0);
    /* End of file is readable. */
    CHECK(close(p[1]) == 0);
    FD_SET(p[0], &r);
    CHECK(select(p[0] + 1, &r, 0, 0, 0) == 1 && FD_ISSET(p[0], &r));
    /* Its hang-up is no answer to a set that did not ask to read: the timeout runs out. */
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(p[0], &w);
    FD_SET(p[0], &e);
    tv = (struct timeval){ 0, 100000 };
    t0 = now_ms();
    CHECK(select(p[0] + 1, 0, &w, &e, &tv) == 0 && now_ms() - t0 >= 100);
    CHECK(!FD_ISSET(p[0], &w) && !FD_ISSET(p[0], &e));
    /* Descriptors in no set, and beyond nfds, are not looked at. */
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(40, &r);
    tv = (struct timeval){ 0, 0 };
    CHECK(select(p[0] + 1, &r, 0, 0, &tv) == 1 && FD_ISSET(p[0], &r) && !FD_ISSET(40, &r));
    /* A descriptor that is not open: EBADF. Bad nfds, timeouts, pointers. */
    FD_ZERO(&r);
    FD_SET(40, &r);
    FAILS(select(41, &r, 0, 0, &tv), EBADF);
    FD_ZERO(&r);
    FAILS(select(-1, &r, 0, 0, &tv), EINVAL);
    FAILS(select(FD_SETSIZE + 1, &r, 0, 0, &tv), EINVAL);
    tv = (struct timeval){ 0, 1000000 };
    FAILS(select(1, &r, 0, 0, &tv), EINVAL);
    tv = (struct timeval){ -1, 0 };
    FAILS(select(1, &r, 0, 0, &tv), EINVAL);
    tv = (struct timeval){ 0, 0 };
    FAILS(select(1, KERNEL_ADDR, 0, 0, &tv), EFAULT);
    FAILS(select(1, &r, 0, 0, KERNEL_ADDR), EFAULT);
    /* No descriptors at all: a sleep. */
    tv = (struct timeval){ 0, 50000 };
    t0 = now_ms();
    CHECK(select(0, 0, 0, 0, &tv) == 0 && now_ms() - t0 >= 50);
    CHECK(close(p[0]) == 0);
}

/* ---- bad descriptors and pointers ---- */

static void test_poll_bad(void)
{
    static struct pollfd many[150];
    struct termios t;
    struct winsize ws;
    int p[2], fd, ok;

    CHECK(poll1(50, POLLIN, 0) == POLLNVAL);
    CHECK(poll1(63, POLLOUT, 0) == POLLNVAL);
    CHECK(poll1(64, POLLIN, 0) == POLLNVAL);
    CHECK(poll1(100000, POLLIN, 0) == POLLNVAL);
    CHECK(poll1(50, 0, 0) == POLLNVAL);
    FAILS(poll(0, 1, 0), EFAULT);
    FAILS(poll(KERNEL_ADDR, 1, 0), EFAULT);
    FAILS(poll((struct pollfd *)0x00007ffffffffff8ull, 2, 0), EFAULT);    /* runs into the kernel half */
    /* More than one message holds (63): every entry answered, in place. */
    CHECK(pipe(p) == 0 && write(p[1], "m", 1) == 1);
    for (int i = 0; i < 150; i++)
        many[i] = (struct pollfd){ .fd = i % 3 == 0 ? p[0] : i % 3 == 1 ? 50 : -1, .events = POLLIN };
    CHECK(poll(many, 150, 0) == 100);
    ok = 1;
    for (int i = 0; i < 150; i++)
        ok &= many[i].revents == (i % 3 == 0 ? POLLIN : i % 3 == 1 ? POLLNVAL : 0);
    CHECK(ok);
    /* Not terminals: a pipe, a file, /dev/null; bad descriptors; bad arguments. */
    memset(&t, 0, sizeof t);
    FAILS(tcgetattr(p[0], &t), ENOTTY);
    FAILS(tcsetattr(p[1], TCSANOW, &t), ENOTTY);
    FAILS(ioctl(p[0], TIOCGWINSZ, &ws), ENOTTY);
    FAILS(ioctl(p[0], 0x12345678, 0), ENOTTY);
    FAILS(tcflush(p[0], TCIFLUSH), ENOTTY);
    FAILS(tcdrain(p[0]), ENOTTY);
    fd = open("/etc/motd", O_RDONLY);
    CHECK(fd >= 0);
    FAILS(tcgetattr(fd, &t), ENOTTY);
    close(fd);
    fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0);
    FAILS(tcgetattr(fd, &t), ENOTTY);
    CHECK(poll1(fd, POLLIN | POLLOUT, 0) == (POLLIN | POLLOUT));
    close(fd);
    FAILS(tcgetattr(50, &t), EBADF);
    FAILS(tcgetattr(-1, &t), EBADF);
    FAILS(tcsetattr(50, TCSANOW, &t), EBADF);
    FAILS(ioctl(50, TIOCGWINSZ, &ws), EBADF);
    FAILS(tcgetattr(0, 0), EFAULT);
    FAILS(tcgetattr(0, KERNEL_ADDR), EFAULT);
    FAILS(tcsetattr(0, TCSANOW, 0), EFAULT);
    FAILS(tcsetattr(0, 99, &t), EINVAL);
    FAILS(tcflush(0, 99), EINVAL);
    FAILS(ioctl(0, TIOCGWINSZ, KERNEL_ADDR), EFAULT);
    memset(&t, 0, sizeof t);
    FAILS(cfsetospeed(&t, 12345), EINVAL);
    FAILS(cfsetispeed(&t, 9600), EINVAL);
    CHECK(cfsetospeed(&t, B9600) == 0 && cfgetospeed(&t) == B9600);
    CHECK(cfsetispeed(&t, B0) == 0 && cfgetispeed(&t) == B9600);     /* 0: as the output speed */
    CHECK(close(p[0]) == 0 && close(p[1]) == 0);
}

/* ---- the console ---- */

/* Whether a and b are the same settings (all flags and special characters). */
static int same_mode(const struct termios *a, const struct termios *b)
{
    return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_cflag == b->c_cflag &&
           a->c_lflag == b->c_lflag && memcmp(a->c_cc, b->c_cc, NCCS) == 0;
}

/* With the tty server: the modes round trip, the window size is kept, a typed line is readable. */
static void test_console_tty(void)
{
    struct termios orig, raw, back;
    struct winsize ws, ws2;
    char line[64];
    ssize_t n;

    CHECK(isatty(0) == 1);
    CHECK(tcgetattr(0, &orig) == 0);
    CHECK((orig.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG));
    CHECK((orig.c_iflag & ICRNL) && (orig.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR));
    CHECK(cfgetospeed(&orig) == B115200 && cfgetispeed(&orig) == B115200 && (orig.c_cflag & CSIZE) == CS8);
    CHECK(orig.c_cc[VINTR] == 3 && orig.c_cc[VEOF] == 4 && orig.c_cc[VERASE] == 0177);
    /* Raw and back, through every descriptor of the console (0 and 2 share it). */
    raw = orig;
    cfmakeraw(&raw);
    raw.c_cc[VMIN] = 3;
    CHECK(tcsetattr(0, TCSANOW, &raw) == 0);
    CHECK(tcgetattr(2, &back) == 0);
    CHECK(same_mode(&back, &raw));
    CHECK(!(back.c_lflag & (ICANON | ECHO | ISIG)) && !(back.c_oflag & OPOST) && !(back.c_iflag & ICRNL));
    CHECK(back.c_cc[VMIN] == 3);
    raw.c_lflag |= ECHO;
    CHECK(tcsetattr(0, TCSADRAIN, &raw) == 0 && tcgetattr(0, &back) == 0 && (back.c_lflag & ECHO) &&
          same_mode(&back, &raw));
    CHECK(tcsetattr(0, TCSAFLUSH, &orig) == 0);
    CHECK(tcgetattr(0, &back) == 0 && same_mode(&back, &orig));
    /* The same through ioctl. */
    CHECK(ioctl(0, TCGETS, &back) == 0 && same_mode(&back, &orig));
    CHECK(ioctl(0, TCSETS, &orig) == 0);
    /* The window size: set, read back, restored. */
    CHECK(ioctl(1, TIOCGWINSZ, &ws) == 0);
    ws2 = (struct winsize){ .ws_row = 30, .ws_col = 100 };
    CHECK(ioctl(1, TIOCSWINSZ, &ws2) == 0);
    memset(&ws2, 0, sizeof ws2);
    CHECK(ioctl(0, TIOCGWINSZ, &ws2) == 0 && ws2.ws_row == 30 && ws2.ws_col == 100);
    CHECK(tcgetattr(0, &back) == 0 && same_mode(&back, &orig));     /* modes untouched */
    CHECK(ioctl(1, TIOCSWINSZ, &ws) == 0);
    FAILS(ioctl(0, 0x5490, 0), ENOTTY);                     /* a request we do not know */
    CHECK(tcdrain(1) == 0 && tcflush(0, TCOFLUSH) == 0 && tcflush(0, TCIOFLUSH) == 0);
    /* Nothing typed yet: writable, not readable. */
    CHECK(poll1(0, POLLIN | POLLOUT, 0) == POLLOUT);
    /* A typed line makes it readable (the system test types it at the prompt). */
    printf("posix-poll: type a line\n");
    fflush(stdout);
    CHECK(poll1(0, POLLIN, 20000) == POLLIN);
    n = read(0, line, sizeof line - 1);
    CHECK(n > 0);
    line[n > 0 ? n : 0] = '\0';
    printf("posix-poll: read %d bytes: %s", (int)n, line);
    CHECK(poll1(0, POLLIN, 0) == 0);
}

/* Without the tty server (and here without any console device): a terminal for isatty, but no modes. */
static void test_console_plain(void)
{
    struct termios t;
    struct winsize ws;

    CHECK(isatty(0) == 1);
    FAILS(tcgetattr(0, &t), ENOTTY);
    FAILS(tcsetattr(0, TCSANOW, &t), ENOTTY);
    FAILS(ioctl(1, TIOCGWINSZ, &ws), ENOTTY);
    CHECK(poll1(0, POLLIN | POLLOUT, 0) == (POLLIN | POLLOUT));     /* end of file, the kernel log */
}

/* ---- permission bits ---- */

static int mode_of(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static void test_chmod(void)
{
    struct stat st;
    int fd, p[2];

    fd = open("/tmp/m", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(mode_of("/tmp/m") == 0644);
    CHECK(chmod("/tmp/m", 0600) == 0 && mode_of("/tmp/m") == 0600);
    CHECK(chmod("/tmp/m", S_IFDIR | 0755) == 0 && stat("/tmp/m", &st) == 0 && S_ISREG(st.st_mode) &&
          (st.st_mode & 07777) == 0755);
    CHECK(chmod("/tmp/m", 04711) == 0 && mode_of("/tmp/m") == 04711);
    CHECK(fchmod(fd, 0640) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0640 && S_ISREG(st.st_mode));
    CHECK(chmod("/tmp/../tmp//m", 0) == 0 && mode_of("/tmp/m") == 0);
    /* root: read and write whatever the bits; execute only with some x bit. */
    CHECK(access("/tmp/m", R_OK | W_OK) == 0);
    FAILS(access("/tmp/m", X_OK), EACCES);
    CHECK(chmod("/tmp/m", 0001) == 0 && access("/tmp/m", X_OK) == 0);
    CHECK(chmod("/tmp/m", 0644) == 0);
    FAILS(access("/tmp/m", R_OK | X_OK), EACCES);
    CHECK(close(fd) == 0 && unlink("/tmp/m") == 0);
    /* Directories; a pipe. */
    CHECK(mkdir("/tmp/md", 0755) == 0 && chmod("/tmp/md", 0700) == 0);
    CHECK(stat("/tmp/md", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
    CHECK(chmod("/tmp/md", 0) == 0 && access("/tmp/md", X_OK) == 0);     /* root searches any directory */
    CHECK(rmdir("/tmp/md") == 0);
    CHECK(pipe(p) == 0 && fchmod(p[0], 0640) == 0 && fstat(p[1], &st) == 0 && S_ISFIFO(st.st_mode) &&
          (st.st_mode & 07777) == 0640);
    CHECK(close(p[0]) == 0 && close(p[1]) == 0);
    /* Failures. */
    FAILS(chmod("/tmp/nothing", 0644), ENOENT);
    FAILS(chmod("/nothing/at/all", 0644), ENOENT);
    FAILS(chmod("", 0644), ENOENT);
    FAILS(chmod(0, 0644), EFAULT);
    FAILS(chmod("/etc/motd/x", 0644), ENOTDIR);
    FAILS(fchmod(50, 0644), EBADF);
    FAILS(fchmod(-1, 0644), EBADF);
    FAILS(fchmod(64, 0644), EBADF);
}

/* The umask check after exec (main's "umask-check" argument): exit 0 if the mask is want. */
static int umask_check(const char *want)
{
    mode_t m = umask(0);

    return m == (mode_t)strtol(want, 0, 8) ? 0 : 1;
}

static void test_umask(void)
{
    pid_t pid;

    CHECK(umask(027) == 022);                                /* the default */
    CHECK(umask(027) == 027);
    CHECK(close(open("/tmp/u1", O_WRONLY | O_CREAT | O_EXCL, 0666)) == 0 && mode_of("/tmp/u1") == 0640);
    CHECK(mkdir("/tmp/ud", 0777) == 0 && mode_of("/tmp/ud") == 0750);
    /* An existing file keeps its mode; O_CREAT's mode is not a chmod. */
    CHECK(close(open("/tmp/u1", O_WRONLY | O_CREAT, 0600)) == 0 && mode_of("/tmp/u1") == 0640);
    /* A forked child starts with the parent's mask; its own change stays in it. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        int bad = umask(0) != 027;

        bad |= close(open("/tmp/u2", O_WRONLY | O_CREAT | O_EXCL, 0666)) != 0 || mode_of("/tmp/u2") != 0666;
        _exit(bad);
    }
    CHECK(pid > 0 && status_of(pid) == 0);
    CHECK(mode_of("/tmp/u2") == 0666);
    CHECK(umask(027) == 027);
    /* exec keeps the mask: a child sets it and runs this program again to look. */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        umask(0055);
        execl("/bin/posix-poll", "posix-poll", "umask-check", "055", (char *)0);
        _exit(2);
    }
    CHECK(pid > 0 && status_of(pid) == 0);
    /* Only the 0777 bits count. */
    CHECK(umask(07777) == 027 && umask(022) == 0777);
    CHECK(unlink("/tmp/u1") == 0 && unlink("/tmp/u2") == 0 && rmdir("/tmp/ud") == 0);
}

int main(int argc, char **argv)
{
    struct termios t;
    int tty;

    if (argc == 3 && strcmp(argv[1], "umask-check") == 0)
        return umask_check(argv[2]);
    tty = tcgetattr(0, &t) == 0;
    printf("posix-poll: console %s\n", tty ? "is the tty server" : "has no terminal modes");
    group(test_poll_pipe, "poll on pipes: empty, data, hang-up, no reader, full");
    group(test_poll_wait, "poll waits: 100 ms timeout, no descriptors, woken by a child");
    group(test_select, "select on pipes: readiness, timeout, EBADF, EINVAL, EFAULT");
    group(test_poll_bad, "POLLNVAL, EFAULT, many descriptors; ENOTTY, EBADF, EINVAL for terminal calls");
    if (tty)
        group(test_console_tty, "terminal modes on the console: round trip, window size, readable input");
    else
        group(test_console_plain, "the console without tty: ENOTTY, always ready");
    group(test_chmod, "chmod, fchmod, stat, access");
    group(test_umask, "umask on open and mkdir, inherited by fork, kept by exec");
    printf("posix-poll: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
