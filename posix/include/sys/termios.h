/*
 * Terminal modes for newlib's <termios.h> (which includes this; newlib has none for this
 * target), with Linux's names, layout and values. The POSIX runtime (posix/runtime/
 * termios.c) maps them onto the tty server's modes (include/agora/proto/tty.h) through
 * vfs; what the tty server does not have is reported as fixed and ignored when set:
 *
 *   c_iflag  ICRNL
 *   c_oflag  OPOST: tty's output processing, which is ONLCR alone (so ONLCR always reads
 *            as set; OPOST without ONLCR turns it off as well)
 *   c_lflag  ICANON, ECHO, ISIG, ECHOCTL; ECHOE and ECHOK are always on (erase and kill
 *            echo as on a display), and so is tty's extension, ^W erasing a word in
 *            canonical mode: IEXTEN reads as set while ICANON or ISIG is (so cfmakeraw
 *            and "cbreak" settings read back as made); clearing these changes nothing
 *   c_cflag  B115200, CS8, CREAD, CLOCAL: the serial line's, fixed
 *   c_cc     VMIN (raw mode: a read waits for that many bytes); the keys are fixed:
 *            VINTR ^C, VQUIT ^\, VERASE DEL (and BS), VKILL ^U, VEOF ^D, VSUSP ^Z,
 *            VWERASE ^W; VTIME is 0 (there is no read timer)
 */
#ifndef _AGORA_SYS_TERMIOS_H
#define _AGORA_SYS_TERMIOS_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef unsigned char cc_t;
typedef unsigned int speed_t;
typedef unsigned int tcflag_t;

#define NCCS 32
struct termios {
    tcflag_t c_iflag;       /* input modes */
    tcflag_t c_oflag;       /* output modes */
    tcflag_t c_cflag;       /* control modes */
    tcflag_t c_lflag;       /* local modes */
    cc_t c_line;
    cc_t c_cc[NCCS];        /* special characters */
    speed_t c_ispeed;
    speed_t c_ospeed;
};

/* c_cc indexes. */
#define VINTR    0
#define VQUIT    1
#define VERASE   2
#define VKILL    3
#define VEOF     4
#define VTIME    5
#define VMIN     6
#define VSWTC    7
#define VSTART   8
#define VSTOP    9
#define VSUSP    10
#define VEOL     11
#define VREPRINT 12
#define VDISCARD 13
#define VWERASE  14
#define VLNEXT   15
#define VEOL2    16

/* c_iflag. */
#define IGNBRK  0000001
#define BRKINT  0000002
#define IGNPAR  0000004
#define PARMRK  0000010
#define INPCK   0000020
#define ISTRIP  0000040
#define INLCR   0000100
#define IGNCR   0000200
#define ICRNL   0000400
#define IUCLC   0001000
#define IXON    0002000
#define IXANY   0004000
#define IXOFF   0010000
#define IMAXBEL 0020000
#define IUTF8   0040000

/* c_oflag. */
#define OPOST   0000001
#define OLCUC   0000002
#define ONLCR   0000004
#define OCRNL   0000010
#define ONOCR   0000020
#define ONLRET  0000040
#define OFILL   0000100
#define OFDEL   0000200

/* c_cflag. */
#define CBAUD   0010017
#define CSIZE   0000060
#define CS5     0000000
#define CS6     0000020
#define CS7     0000040
#define CS8     0000060
#define CSTOPB  0000100
#define CREAD   0000200
#define PARENB  0000400
#define PARODD  0001000
#define HUPCL   0002000
#define CLOCAL  0004000
#define CBAUDEX 0010000

/* Speeds (in c_cflag & CBAUD, and c_ispeed, c_ospeed). */
#define B0       0000000
#define B50      0000001
#define B75      0000002
#define B110     0000003
#define B134     0000004
#define B150     0000005
#define B200     0000006
#define B300     0000007
#define B600     0000010
#define B1200    0000011
#define B1800    0000012
#define B2400    0000013
#define B4800    0000014
#define B9600    0000015
#define B19200   0000016
#define B38400   0000017
#define B57600   0010001
#define B115200  0010002
#define B230400  0010003
#define B460800  0010004
#define B500000  0010005
#define B576000  0010006
#define B921600  0010007
#define B1000000 0010010
#define B1152000 0010011
#define B1500000 0010012
#define B2000000 0010013
#define B2500000 0010014
#define B3000000 0010015
#define B3500000 0010016
#define B4000000 0010017

/* c_lflag. */
#define ISIG    0000001
#define ICANON  0000002
#define XCASE   0000004
#define ECHO    0000010
#define ECHOE   0000020
#define ECHOK   0000040
#define ECHONL  0000100
#define NOFLSH  0000200
#define TOSTOP  0000400
#define ECHOCTL 0001000
#define ECHOPRT 0002000
#define ECHOKE  0004000
#define FLUSHO  0010000
#define PENDIN  0040000
#define IEXTEN  0100000

/* tcsetattr's when. */
#define TCSANOW   0
#define TCSADRAIN 1
#define TCSAFLUSH 2

/* tcflush's queue. */
#define TCIFLUSH  0
#define TCOFLUSH  1
#define TCIOFLUSH 2

/* tcflow's action (declared for programs that name them; tcflow itself is not provided). */
#define TCOOFF 0
#define TCOON  1
#define TCIOFF 2
#define TCION  3

int tcgetattr(int __fd, struct termios *__t);
int tcsetattr(int __fd, int __when, const struct termios *__t);
int tcflush(int __fd, int __queue);
int tcdrain(int __fd);
void cfmakeraw(struct termios *__t);
speed_t cfgetispeed(const struct termios *__t);
speed_t cfgetospeed(const struct termios *__t);
int cfsetispeed(struct termios *__t, speed_t __speed);
int cfsetospeed(struct termios *__t, speed_t __speed);
int cfsetspeed(struct termios *__t, speed_t __speed);
/* The session of the terminal's controlling process: pm's, where process groups are kept. */
pid_t tcgetsid(int __fd);

#ifdef __cplusplus
}
#endif

#endif
