/* poll, which newlib lacks: readiness of descriptors through vfs (posix/runtime/poll.c). Linux's names and values. */
#ifndef _AGORA_POLL_H
#define _AGORA_POLL_H

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned long nfds_t;

struct pollfd {
    int fd;                 /* negative: ignored (revents 0) */
    short events;           /* what to wait for */
    short revents;          /* what holds: events, and POLLERR, POLLHUP, POLLNVAL always */
};

#define POLLIN     0x001    /* a read would not wait (data, or end of file) */
#define POLLPRI    0x002    /* urgent data: never, on Agora */
#define POLLOUT    0x004    /* a write would not wait */
#define POLLERR    0x008    /* an error: a pipe's write end with no reader */
#define POLLHUP    0x010    /* hung up: a pipe's read end with no writer */
#define POLLNVAL   0x020    /* fd is not an open descriptor */
#define POLLRDNORM 0x040    /* as POLLIN */
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100    /* as POLLOUT */
#define POLLWRBAND 0x200

/* timeout in milliseconds; -1 (any negative) waits for ever, 0 only asks. */
int poll(struct pollfd *__fds, nfds_t __nfds, int __timeout);

#ifdef __cplusplus
}
#endif

#endif
