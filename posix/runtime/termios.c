/*
 * Terminal modes: tcgetattr, tcsetattr, tcflush, tcdrain, the cf* helpers and the
 * terminal ioctl requests, on vfs's TCGET/TCSET (include/agora/proto/vfs.h), which hand
 * the console's mode to and from the tty server. The flag mapping is ttymode.c; what
 * tty does not keep is fixed (include/sys/termios.h). Process groups (tcgetpgrp,
 * tcsetpgrp, tcgetsid) are pm's and not here.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#include <libagora/vfs.h>

#include "posix.h"
#include "ttymode.h"

/* fd's terminal mode: 0, or -1 with errno (EBADF, ENOTTY: not the console, or no tty server). */
static int mode_get(int fd, struct tty_mode *m)
{
    struct vfs_tcget_req rq = { .fd = (uint64_t)fd };
    struct vfs_tcget_rep rp;
    uint64_t ep = posix_vfs_endpoint();
    long r;

    if (fd < 0)
        return (int)posix_fail_errno(EBADF);
    if (!ep)
        return (int)posix_fail_errno(ENOTTY);   /* the console without vfs is the kernel log */
    if ((r = vfs_tcget_call(ep, &rq, &rp, 0)) < 0)
        return (int)posix_fail(r);
    *m = rp.mode;
    return 0;
}

static int mode_set(int fd, const struct tty_mode *m, uint64_t how)
{
    struct vfs_tcset_req rq = { .fd = (uint64_t)fd, .how = how, .mode = *m };
    struct vfs_tcset_rep rp;
    long r = vfs_tcset_call(posix_vfs_endpoint(), &rq, &rp, 0);

    return r < 0 ? (int)posix_fail(r) : 0;
}

int tcgetattr(int fd, struct termios *t)
{
    struct tty_mode m;

    if (posix_bad_range(t, sizeof(*t)))
        return (int)posix_fail_errno(EFAULT);
    if (mode_get(fd, &m) < 0)
        return -1;
    posix_termios_from_mode(&m, t);
    return 0;
}

/* TCSADRAIN is TCSANOW: tty writes output out before it answers, nothing is queued. */
int tcsetattr(int fd, int when, const struct termios *t)
{
    struct tty_mode m;

    if (when != TCSANOW && when != TCSADRAIN && when != TCSAFLUSH)
        return (int)posix_fail_errno(EINVAL);
    if (posix_bad_range(t, sizeof(*t)))
        return (int)posix_fail_errno(EFAULT);
    if (mode_get(fd, &m) < 0)               /* the window size stays as it is */
        return -1;
    posix_termios_to_mode(t, &m);
    return mode_set(fd, &m, when == TCSAFLUSH ? TTY_SET_FLUSH : TTY_SET_NOW);
}

/* Unread input goes (TCIFLUSH, TCIOFLUSH); output is never queued, so TCOFLUSH has nothing to do. */
int tcflush(int fd, int queue)
{
    struct tty_mode m;

    if (queue != TCIFLUSH && queue != TCOFLUSH && queue != TCIOFLUSH)
        return (int)posix_fail_errno(EINVAL);
    if (mode_get(fd, &m) < 0)
        return -1;
    return queue == TCOFLUSH ? 0 : mode_set(fd, &m, TTY_SET_FLUSH);
}

int tcdrain(int fd)
{
    struct tty_mode m;

    return mode_get(fd, &m);
}

void cfmakeraw(struct termios *t)
{
    t->c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t->c_oflag &= ~(tcflag_t)OPOST;
    t->c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t->c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t->c_cflag |= CS8;
    t->c_cc[VMIN] = 1;
    t->c_cc[VTIME] = 0;
}

/* Speeds are stored as Linux does (c_cflag & CBAUD) and kept in c_ispeed, c_ospeed; the line's stays 115200. */
speed_t cfgetospeed(const struct termios *t)
{
    return t->c_cflag & CBAUD;
}

speed_t cfgetispeed(const struct termios *t)
{
    return t->c_cflag & CBAUD;
}

int cfsetospeed(struct termios *t, speed_t speed)
{
    if (!posix_termios_speed_ok(speed))
        return (int)posix_fail_errno(EINVAL);
    t->c_cflag = (t->c_cflag & ~(tcflag_t)CBAUD) | speed;
    t->c_ospeed = speed;
    return 0;
}

/* Input speed 0: the same as the output speed (POSIX). */
int cfsetispeed(struct termios *t, speed_t speed)
{
    if (!posix_termios_speed_ok(speed))
        return (int)posix_fail_errno(EINVAL);
    if (speed != B0) {
        t->c_cflag = (t->c_cflag & ~(tcflag_t)CBAUD) | speed;
        t->c_ispeed = speed;
    }
    return 0;
}

int cfsetspeed(struct termios *t, speed_t speed)
{
    if (cfsetospeed(t, speed) < 0)
        return -1;
    return cfsetispeed(t, speed);
}

/* ---- ioctl: the terminal requests ---- */

static int winsize_get(int fd, struct winsize *ws)
{
    struct tty_mode m;

    if (posix_bad_range(ws, sizeof(*ws)))
        return (int)posix_fail_errno(EFAULT);
    if (mode_get(fd, &m) < 0)
        return -1;
    *ws = (struct winsize){
        .ws_row = m.rows > 0xFFFF ? 0xFFFF : (unsigned short)m.rows,
        .ws_col = m.cols > 0xFFFF ? 0xFFFF : (unsigned short)m.cols,
    };
    return 0;
}

static int winsize_set(int fd, const struct winsize *ws)
{
    struct tty_mode m;

    if (posix_bad_range(ws, sizeof(*ws)))
        return (int)posix_fail_errno(EFAULT);
    if (mode_get(fd, &m) < 0)
        return -1;
    m.rows = ws->ws_row;
    m.cols = ws->ws_col;
    return mode_set(fd, &m, TTY_SET_NOW);
}

int ioctl(int fd, unsigned long request, ...)
{
    struct tty_mode m;
    va_list ap;
    void *arg;

    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    switch (request) {
    case TCGETS:
        return tcgetattr(fd, arg);
    case TCSETS:
        return tcsetattr(fd, TCSANOW, arg);
    case TCSETSW:
        return tcsetattr(fd, TCSADRAIN, arg);
    case TCSETSF:
        return tcsetattr(fd, TCSAFLUSH, arg);
    case TIOCGWINSZ:
        return winsize_get(fd, arg);
    case TIOCSWINSZ:
        return winsize_set(fd, arg);
    default:
        /* A bad descriptor is EBADF; any request we do not know is ENOTTY, as on Linux. */
        if (mode_get(fd, &m) < 0 && errno != ENOTTY)
            return -1;
        return (int)posix_fail_errno(ENOTTY);
    }
}
