/*
 * termios <-> struct tty_mode (ttymode.h). Each tty flag has one termios bit, except
 * TTY_ONLCR, which is OPOST and ONLCR together: tty's output processing is that one
 * translation, so OPOST switches it and ONLCR always reads as set (cfmakeraw, which
 * clears OPOST alone, then reads back as it was set). A mode set and read back compares
 * equal for the bits tty keeps, and for the common changes (cfmakeraw, cbreak) in full.
 */
#include "ttymode.h"

#include <string.h>

/* tty flag, termios field, termios bits: the flag is on when all the bits are. */
#define TTYMODE_MAP(X)                      \
    X(TTY_ICRNL, c_iflag, ICRNL)            \
    X(TTY_ONLCR, c_oflag, OPOST | ONLCR)    \
    X(TTY_ICANON, c_lflag, ICANON)          \
    X(TTY_ECHO, c_lflag, ECHO)              \
    X(TTY_ISIG, c_lflag, ISIG)              \
    X(TTY_ECHOCTL, c_lflag, ECHOCTL)

/* What tty always does, whatever is set. */
#define TTYMODE_FIXED_OFLAG ONLCR
#define TTYMODE_FIXED_LFLAG (ECHOE | ECHOK)

void posix_termios_from_mode(const struct tty_mode *m, struct termios *t)
{
    memset(t, 0, sizeof(*t));
#define TTYMODE_FROM(flag, field, bits) \
    if (m->flags & (flag))              \
        t->field |= (bits);
    TTYMODE_MAP(TTYMODE_FROM)
#undef TTYMODE_FROM
    t->c_oflag |= TTYMODE_FIXED_OFLAG;
    t->c_lflag |= TTYMODE_FIXED_LFLAG;
    /*
     * tty's extension (^W) is always there; IEXTEN reads as set while tty looks at special
     * characters at all (ICANON or ISIG), so the usual changes read back as they were made:
     * cfmakeraw clears all three, "cbreak" (ICANON and ECHO off) keeps ISIG and IEXTEN.
     */
    if (m->flags & (TTY_ICANON | TTY_ISIG))
        t->c_lflag |= IEXTEN;
    t->c_cflag = POSIX_TTY_SPEED | CS8 | CREAD | CLOCAL;
    t->c_ispeed = t->c_ospeed = POSIX_TTY_SPEED;
    t->c_cc[VINTR] = 003;               /* ^C */
    t->c_cc[VQUIT] = 034;               /* ^\ */
    t->c_cc[VERASE] = 0177;             /* DEL; BS erases too */
    t->c_cc[VKILL] = 025;               /* ^U */
    t->c_cc[VEOF] = 004;                /* ^D */
    t->c_cc[VSUSP] = 032;               /* ^Z */
    t->c_cc[VWERASE] = 027;             /* ^W */
    t->c_cc[VTIME] = 0;
    t->c_cc[VMIN] = m->vmin > 255 ? 255 : (cc_t)m->vmin;
}

void posix_termios_to_mode(const struct termios *t, struct tty_mode *m)
{
    m->flags = 0;
#define TTYMODE_TO(flag, field, bits)     \
    if ((t->field & (bits)) == (bits))    \
        m->flags |= (flag);
    TTYMODE_MAP(TTYMODE_TO)
#undef TTYMODE_TO
    m->vmin = t->c_cc[VMIN];
}

int posix_termios_speed_ok(speed_t speed)
{
    return speed <= B38400 || (speed >= B57600 && speed <= B4000000);
}
