/* ioctl, which newlib does not declare: the terminal requests the POSIX runtime serves (posix/runtime/termios.c). */
#ifndef _AGORA_SYS_IOCTL_H
#define _AGORA_SYS_IOCTL_H

#ifdef __cplusplus
extern "C" {
#endif

/* The window size (TIOCGWINSZ, TIOCSWINSZ); 0 rows or columns: unknown. */
struct winsize {
    unsigned short ws_row;
    unsigned short ws_col;
    unsigned short ws_xpixel;   /* always 0 */
    unsigned short ws_ypixel;
};

/*
 * Requests (Linux's numbers), on the console alone (another descriptor: ENOTTY). TCGETS
 * and TCSETS* take a struct termios * and are tcgetattr and tcsetattr (TCSANOW, TCSADRAIN,
 * TCSAFLUSH); TIOCGWINSZ and TIOCSWINSZ a struct winsize *, kept by the tty server (which
 * uses it for nothing). Any other request: ENOTTY.
 */
#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414

int ioctl(int __fd, unsigned long __request, ...);

#ifdef __cplusplus
}
#endif

#endif
