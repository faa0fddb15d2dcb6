/* The character-device protocol: byte streams in and out of a device driver (drivers/serial, ...). */
#ifndef AGORA_PROTO_CHAR_H
#define AGORA_PROTO_CHAR_H

#include <stdint.h>

#include <agora/proto/proto.h>

/* Bytes per WRITE or READ message: the whole message but the length word. */
#define CHAR_IO_MAX (PROTO_MAX_BYTES - 8)

/* READ flags. */
#define CHAR_READ_NONBLOCK 0x1u     /* nothing buffered: -E_AGAIN instead of waiting */
#define CHAR_READ_FLAGS    CHAR_READ_NONBLOCK

/*
 * The messages (proto.h explains the list and the wire format). A driver registers its
 * endpoint with names under its device's name ("serial"); none of the messages carries
 * capabilities or memory (the driver offers no receive slot or window, so the kernel fails
 * such a call with -E_NOWINDOW). Bytes travel in the message words, up to
 * CHAR_IO_MAX per message: callers loop (libagora/chardev.h does).
 *
 * WRITE(len, bytes) -> count: the driver has taken bytes[0, count) (1 <= count <= len; it
 *   may take fewer, the caller sends the rest again). Errors: -E_INVAL len 0; -E_RANGE len
 *   > CHAR_IO_MAX; -E_BUSY the device would not take a byte (a dead or missing UART).
 * READ(max, flags) -> len, bytes: 1 to min(max, CHAR_IO_MAX) received bytes, oldest first.
 *   When nothing is buffered the caller waits (the driver keeps its reply with
 *   SYS_REPLY_SAVE and goes on serving others) until bytes arrive; several waiting readers
 *   are answered in the order they asked, each with what is there when its turn comes.
 *   A max above CHAR_IO_MAX counts as CHAR_IO_MAX. Errors: -E_INVAL max 0 or an unknown
 *   flag; -E_AGAIN nothing buffered and CHAR_READ_NONBLOCK; -E_NOMEM too many readers
 *   waiting already (CHARDRIVER_MAX_READERS in libagora/chardriver.h).
 * STATUS() -> what a poll/select needs, and counters: readable (bytes buffered now),
 *   readers (waiting READs), received and dropped (bytes since start; dropped ones came
 *   while the buffer was full, or were lost by the device), written (bytes taken by WRITE).
 * Bytes pass unchanged in both directions: no echo, no line editing, no newline
 * translation (that is the terminal server's work, above the driver).
 */
#define CHAR_MSG_LIST(X, F)                                                                     \
    X(CHAR_WRITE,  char_write,  1, (F(uint64_t, len) F(uint8_t, bytes[CHAR_IO_MAX])),           \
      (F(uint64_t, count)))                                                                     \
    X(CHAR_READ,   char_read,   2, (F(uint64_t, max) F(uint64_t, flags)),                       \
      (F(uint64_t, len) F(uint8_t, bytes[CHAR_IO_MAX])))                                        \
    X(CHAR_STATUS, char_status, 3, (),                                                          \
      (F(uint64_t, readable) F(uint64_t, readers) F(uint64_t, received) F(uint64_t, dropped)    \
       F(uint64_t, written)))

enum char_msg {
#define CHAR_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_CHAR, num),
    CHAR_MSG_LIST(CHAR_MSG_ENUM, PROTO_FIELD_DECL)
#undef CHAR_MSG_ENUM
};

PROTO_STRUCTS(CHAR_MSG_LIST)
/* struct char_handlers { char_write, char_read, char_status } and char_dispatch(). */
PROTO_HANDLERS(CHAR_MSG_LIST, char_handlers);
PROTO_DISPATCH(CHAR_MSG_LIST, char_handlers, char_dispatch)

_Static_assert(sizeof(struct char_write_req) == PROTO_MAX_BYTES, "WRITE fills one message");
_Static_assert(sizeof(struct char_read_rep) == PROTO_MAX_BYTES, "READ's reply fills one message");

#endif
