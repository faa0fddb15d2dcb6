/* The terminal protocol: the tty server's mode controls, beside the char protocol it also serves. */
#ifndef AGORA_PROTO_TTY_H
#define AGORA_PROTO_TTY_H

#include <stdint.h>

#include <agora/proto/proto.h>

/*
 * servers/tty registers "tty" with names. Its endpoint answers two protocols:
 *
 * - char (proto/char.h), for the data: WRITE goes out through the line discipline's
 *   output processing (ONLCR: \n becomes \r\n); READ gets cooked input: in canonical mode
 *   at most one line per READ (a line ends in \n, or is what ^D pushed without one; a
 *   READ that finds ^D at the start of a line answers len 0: end of file, which the char
 *   protocol otherwise never sends); in raw mode (TTY_ICANON clear) what has arrived, once
 *   min(vmin, max) bytes are there (vmin 0: at once, possibly len 0). A READ that cannot
 *   be answered waits (saved reply), several waiting READs in the order they came;
 *   CHAR_READ_NONBLOCK answers -E_AGAIN instead. STATUS's readable counts bytes a READ
 *   could take now (complete lines only, in canonical mode).
 * - tty (below), for the modes. None of the messages carries capabilities or memory.
 *
 * TTY_GET() -> mode: the current flags, vmin, window size, foreground process group.
 * TTY_SET(mode, how) -> (): sets flags and vmin (and rows, cols, pgrp: the window size and
 *   foreground group are only stored for TTY_GET; nothing uses them yet).
 *   how = TTY_SET_NOW, or TTY_SET_FLUSH to also discard unread input (TCSAFLUSH).
 *   Leaving canonical mode makes the line being edited readable at once; entering it ends
 *   the raw bytes not yet read as one line. Errors: -E_INVAL unknown flags or how.
 *
 * Input processing (servers/tty/ldisc.c, the line discipline), in canonical mode:
 *   erase (DEL 0x7f, BS 0x08) removes a character and echoes "\b \b" (twice for one shown
 *   as ^X); kill (^U) the whole line; word erase (^W) the last word and the blanks after
 *   it; EOF (^D) ends the line without a newline (at the start of a line: end of file);
 *   \n ends a line; \r is \n with TTY_ICRNL. Lines longer than TTY_LINE_MAX - 1 bytes
 *   lose the excess (the newline always fits).
 * In both modes with TTY_ISIG: ^C (SIGINT), ^\ (SIGQUIT), ^Z (SIGTSTP) discard the line
 *   and unread input, echo "^C" etc. (no newline, as Linux: the shell starts the next
 *   line), and go to the foreground process group: tty sends PM_TTY_SIGNAL to "pm", which
 *   keeps the foreground group (proto/pm.h TCSETPGRP).
 * TTY_ECHO echoes input (control characters as ^X with TTY_ECHOCTL); TTY_ONLCR applies to
 *   WRITE and to the echo.
 */
#define TTY_ICANON  0x01u     /* canonical mode: line editing, whole lines */
#define TTY_ECHO    0x02u     /* echo input */
#define TTY_ISIG    0x04u     /* ^C ^\ ^Z are signals */
#define TTY_ICRNL   0x08u     /* input \r becomes \n */
#define TTY_ONLCR   0x10u     /* output \n becomes \r\n */
#define TTY_ECHOCTL 0x20u     /* echo control characters as ^X */
#define TTY_FLAGS   (TTY_ICANON | TTY_ECHO | TTY_ISIG | TTY_ICRNL | TTY_ONLCR | TTY_ECHOCTL)
#define TTY_FLAGS_DEFAULT TTY_FLAGS

#define TTY_SET_NOW   0       /* TCSANOW (and TCSADRAIN: output is never queued) */
#define TTY_SET_FLUSH 1       /* TCSAFLUSH: also discard unread input */

#define TTY_LINE_MAX  256     /* bytes of one canonical line, with its newline */

/* The signals tty raises (newlib's numbers, as proto/pm.h's). */
#define TTY_SIGINT  2
#define TTY_SIGQUIT 3
#define TTY_SIGTSTP 18

struct tty_mode {
    uint64_t flags;           /* TTY_* above */
    uint64_t vmin;            /* raw mode: a READ waits for min(vmin, max) bytes */
    uint64_t rows, cols;      /* window size; 0: unknown */
    uint64_t pgrp;            /* foreground process group; 0: none */
};

#define TTY_MSG_LIST(X, F)                                                                     \
    X(TTY_GET, tty_get, 1, (), (F(struct tty_mode, mode)))                                     \
    X(TTY_SET, tty_set, 2, (F(struct tty_mode, mode) F(uint64_t, how)), ())

enum tty_msg {
#define TTY_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_TTY, num),
    TTY_MSG_LIST(TTY_MSG_ENUM, PROTO_FIELD_DECL)
#undef TTY_MSG_ENUM
};

PROTO_STRUCTS(TTY_MSG_LIST)
/* struct tty_handlers { tty_get, tty_set } and tty_dispatch(). */
PROTO_HANDLERS(TTY_MSG_LIST, tty_handlers);
PROTO_DISPATCH(TTY_MSG_LIST, tty_handlers, tty_dispatch)

#endif
