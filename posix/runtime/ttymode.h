/* termios <-> the tty server's mode (include/agora/proto/tty.h): pure code, unit-tested on the host (tests/unit/test_termios.c). */
#ifndef POSIX_RUNTIME_TTYMODE_H
#define POSIX_RUNTIME_TTYMODE_H

#include <sys/termios.h>

#include <agora/proto/tty.h>

/* The serial line's speed and character size: fixed (drivers/serial/uart.c sets 115200 8N1). */
#define POSIX_TTY_SPEED B115200

/* The whole of *t from the mode (include/sys/termios.h says what is fixed). */
void posix_termios_from_mode(const struct tty_mode *m, struct termios *t);
/* The mode's flags and vmin from *t; the rest of *m (window size, group) stays. */
void posix_termios_to_mode(const struct termios *t, struct tty_mode *m);
/* Whether speed is one of the B* values. */
int posix_termios_speed_ok(speed_t speed);

#endif
