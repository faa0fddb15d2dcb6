/*
 * poll, select and pselect on vfs's POLL (include/agora/proto/vfs.h), which says at once
 * what each descriptor is ready for and never waits. Waiting is done here: ask, and while
 * nothing is ready and time is left, sleep POSIX_POLL_US (or what is left) and ask again,
 * as console reads do (vfs holds no replies for readiness yet: servers/vfs/README.md).
 * A sleep that fails (interrupted by a signal) ends the wait with EINTR.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>

#include <libagora/sys.h>
#include <libagora/vfs.h>

#include "posix.h"

#define WAIT_FOREVER (-1)          /* a timeout in microseconds: no end */

/* pm interrupts the sleep to run a handler: EINTR if one ran, else the caller asks again. */
int posix_poll_sleep(uint64_t us)
{
    unsigned long handlers = posix_signal_handlers_run();

    if (sys_sleep(us) < 0 && posix_signal_handlers_run() != handlers)
        return (int)posix_fail_errno(EINTR);
    return 0;
}

/* POSIX events to the protocol's, and the protocol's readiness to the POSIX revents. */
static uint32_t vfs_events(short events)
{
    uint32_t v = 0;

    if (events & (POLLIN | POLLRDNORM))
        v |= VFS_POLLIN;
    if (events & (POLLPRI | POLLRDBAND))
        v |= VFS_POLLPRI;
    if (events & (POLLOUT | POLLWRNORM | POLLWRBAND))
        v |= VFS_POLLOUT;
    return v;
}

static short posix_revents(uint32_t v, short events)
{
    short r = 0;

    if (v & VFS_POLLIN)
        r |= POLLIN | POLLRDNORM;
    if (v & VFS_POLLPRI)
        r |= POLLPRI;
    if (v & VFS_POLLOUT)
        r |= POLLOUT | POLLWRNORM;
    if (v & VFS_POLLERR)
        r |= POLLERR;
    if (v & VFS_POLLHUP)
        r |= POLLHUP;
    if (v & VFS_POLLNVAL)
        r |= POLLNVAL;
    return (short)(r & (events | POLLERR | POLLHUP | POLLNVAL));
}

/*
 * One look at every descriptor, VFS_POLL_MAX to a message: sets each revents (0 for a
 * negative fd) and returns how many are not 0, or -1 with errno.
 */
static int poll_once(uint64_t ep, struct pollfd *fds, nfds_t nfds)
{
    struct vfs_poll_req rq;
    struct vfs_poll_rep rp;
    nfds_t at[VFS_POLL_MAX];
    nfds_t i = 0;
    int ready = 0;

    while (i < nfds) {
        long r;

        rq.count = 0;
        for (; i < nfds && rq.count < VFS_POLL_MAX; i++) {
            fds[i].revents = 0;
            if (fds[i].fd < 0)
                continue;
            at[rq.count] = i;
            rq.fds[rq.count].fd = (uint32_t)fds[i].fd;
            rq.fds[rq.count].events = vfs_events(fds[i].events);
            rq.count++;
        }
        if (rq.count == 0)
            break;
        if ((r = vfs_poll_call(ep, &rq, &rp, 0)) < 0)
            return (int)posix_fail(r);
        for (uint64_t k = 0; k < rq.count; k++) {
            struct pollfd *p = &fds[at[k]];

            p->revents = posix_revents(rp.revents[k], p->events);
            if (p->revents)
                ready++;
        }
    }
    return ready;
}

/*
 * One look for a caller: how many of what it waits for hold (> 0 ends the wait), 0, or -1
 * with errno. poll waits for any revents; select only for those its sets ask for.
 */
typedef int (*look_fn)(uint64_t ep, struct pollfd *fds, nfds_t nfds);

/*
 * Looks until look finds something, with a timeout in microseconds (WAIT_FOREVER, 0: one
 * look). *left_us, if given, gets the time that was left (0 once it ran out).
 */
static int wait_ready(look_fn look, struct pollfd *fds, nfds_t nfds, int64_t timeout_us, int64_t *left_us)
{
    uint64_t ep = posix_vfs_endpoint();
    int64_t now = sys_clock(), deadline = now + timeout_us;
    int ready;

    if (!ep)
        return (int)posix_fail_errno(ENOSYS);
    for (;;) {
        uint64_t nap = POSIX_POLL_US;

        if ((ready = look(ep, fds, nfds)) != 0 || timeout_us == 0)
            break;
        now = sys_clock();
        if (timeout_us != WAIT_FOREVER && now >= deadline)
            break;
        if (timeout_us != WAIT_FOREVER && (uint64_t)(deadline - now) < nap)
            nap = (uint64_t)(deadline - now);
        if (posix_poll_sleep(nap) < 0) {
            ready = -1;
            break;
        }
    }
    if (left_us) {
        now = sys_clock();
        *left_us = timeout_us == WAIT_FOREVER || now >= deadline ? 0 : deadline - now;
    }
    return ready;
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
    if (nfds > SIZE_MAX / sizeof(*fds))
        return (int)posix_fail_errno(EINVAL);
    if (nfds && posix_bad_range(fds, nfds * sizeof(*fds)))
        return (int)posix_fail_errno(EFAULT);
    return wait_ready(poll_once, fds, nfds, timeout < 0 ? WAIT_FOREVER : (int64_t)timeout * 1000, 0);
}

/* ---- select ---- */

/* Whether each of the three sets is readable and writable where select will touch it. */
static bool sets_ok(fd_set *r, fd_set *w, fd_set *e)
{
    return (!r || !posix_bad_range(r, sizeof(*r))) && (!w || !posix_bad_range(w, sizeof(*w))) &&
           (!e || !posix_bad_range(e, sizeof(*e)));
}

static bool in_set(const fd_set *s, int fd)
{
    return s && FD_ISSET(fd, s);
}

/*
 * What select counts, as Linux: end of file, hang-up and errors are readable, errors
 * writable, urgent data exceptional; each set's bit once.
 */
static bool select_read(const struct pollfd *p)
{
    return (p->events & POLLIN) && (p->revents & (POLLIN | POLLHUP | POLLERR));
}

static bool select_write(const struct pollfd *p)
{
    return (p->events & POLLOUT) && (p->revents & (POLLOUT | POLLERR));
}

static bool select_except(const struct pollfd *p)
{
    return (p->events & POLLPRI) && (p->revents & POLLPRI);
}

/* select's look: the bits it would set (a descriptor that is not open ends the wait too: EBADF). */
static int select_look(uint64_t ep, struct pollfd *fds, nfds_t n)
{
    int r = poll_once(ep, fds, n), count = 0;

    if (r <= 0)
        return r;
    for (nfds_t i = 0; i < n; i++) {
        if (fds[i].revents & POLLNVAL)
            return 1;
        count += select_read(&fds[i]) + select_write(&fds[i]) + select_except(&fds[i]);
    }
    return count;
}

/* select with a timeout in microseconds (WAIT_FOREVER: none); *left_us as wait_ready's. */
static int select_us(int nfds, fd_set *r, fd_set *w, fd_set *e, int64_t timeout_us, int64_t *left_us)
{
    struct pollfd fds[FD_SETSIZE];
    nfds_t n = 0;
    int ready, count = 0;

    if (nfds < 0 || nfds > FD_SETSIZE)
        return (int)posix_fail_errno(EINVAL);
    if (!sets_ok(r, w, e))
        return (int)posix_fail_errno(EFAULT);
    for (int fd = 0; fd < nfds; fd++) {
        short events = (short)((in_set(r, fd) ? POLLIN : 0) | (in_set(w, fd) ? POLLOUT : 0) |
                               (in_set(e, fd) ? POLLPRI : 0));

        if (events)
            fds[n++] = (struct pollfd){ .fd = fd, .events = events };
    }
    if ((ready = wait_ready(select_look, fds, n, timeout_us, left_us)) < 0)
        return -1;
    for (nfds_t i = 0; i < n; i++)
        if (fds[i].revents & POLLNVAL)
            return (int)posix_fail_errno(EBADF);
    /* As Linux: the answer replaces the sets' words up to nfds whole (bits past nfds in them too). */
    for (size_t i = 0; i < (size_t)(nfds + NFDBITS - 1) / NFDBITS; i++) {
        if (r)
            r->fds_bits[i] = 0;
        if (w)
            w->fds_bits[i] = 0;
        if (e)
            e->fds_bits[i] = 0;
    }
    for (nfds_t i = 0; i < n && ready > 0; i++) {
        if (select_read(&fds[i])) {
            FD_SET(fds[i].fd, r);
            count++;
        }
        if (select_write(&fds[i])) {
            FD_SET(fds[i].fd, w);
            count++;
        }
        if (select_except(&fds[i])) {
            FD_SET(fds[i].fd, e);
            count++;
        }
    }
    return count;
}

/* A valid timeout of sec seconds and us microseconds; one the clock never reaches is capped. */
static int64_t timeout_of(int64_t sec, int64_t us)
{
    return sec >= INT64_MAX / 2000000 ? INT64_MAX / 2 : sec * 1000000 + us;
}

/* Linux's select: the timeval gets the time that was left. */
int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    int64_t us = WAIT_FOREVER, left = 0;
    int n;

    if (tv) {
        if (posix_bad_range(tv, sizeof(*tv)))
            return (int)posix_fail_errno(EFAULT);
        if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
            return (int)posix_fail_errno(EINVAL);
        us = timeout_of(tv->tv_sec, tv->tv_usec);
    }
    n = select_us(nfds, r, w, e, us, tv ? &left : 0);
    if (tv && n >= 0) {
        tv->tv_sec = (time_t)(left / 1000000);
        tv->tv_usec = (suseconds_t)(left % 1000000);
    }
    return n;
}

/* Signals are delivered at unblocking (runtime/signal.c): the mask holds for the wait. */
int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *ts, const sigset_t *mask)
{
    int64_t us = WAIT_FOREVER;
    sigset_t old;
    int n, err;

    if (ts) {
        if (posix_bad_range(ts, sizeof(*ts)))
            return (int)posix_fail_errno(EFAULT);
        if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
            return (int)posix_fail_errno(EINVAL);
        us = timeout_of(ts->tv_sec, (ts->tv_nsec + 999) / 1000);
    }
    if (mask && sigprocmask(SIG_SETMASK, mask, &old) < 0)
        return -1;
    n = select_us(nfds, r, w, e, us, 0);
    err = errno;
    if (mask)
        sigprocmask(SIG_SETMASK, &old, 0);
    errno = err;
    return n;
}
