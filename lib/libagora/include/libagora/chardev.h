/* A character device's client: write, read and status over the protocol of include/agora/proto/char.h. */
#ifndef LIBAGORA_CHARDEV_H
#define LIBAGORA_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

#include <agora/proto/char.h>
#include <libagora/proto.h>

/* char_write_call(ep, &req, &rep, caps), char_read_call, char_status_call: one per message. */
PROTO_STUBS(CHAR_MSG_LIST)

/*
 * ep is a send capability to the driver (names_lookup("serial", &ep)). Each call returns
 * what the protocol says or a negated error: the kernel's (-E_DEAD: the driver died) or
 * the driver's (proto/char.h lists them). They use the calling thread's IPC buffer.
 */

/* Writes all len bytes, CHAR_IO_MAX per message; returns len, or an error (bytes before it went out). */
long chardev_write(uint64_t ep, const void *buf, size_t len);
/* Reads 1 to max bytes (at most CHAR_IO_MAX), waiting for the first; returns the count. */
long chardev_read(uint64_t ep, void *buf, size_t max);
/* As chardev_read, but -E_AGAIN instead of waiting when nothing is buffered. */
long chardev_read_nonblock(uint64_t ep, void *buf, size_t max);
/* The driver's counters (readable bytes, waiting readers, ...). */
long chardev_status(uint64_t ep, struct char_status_rep *rep);

#endif
