/* ioctl, which newlib does not declare: device controls go to the server behind a descriptor. */
#ifndef _AGORA_SYS_IOCTL_H
#define _AGORA_SYS_IOCTL_H

/*
 * No device answers an ioctl request yet: the call fails with ENOTTY (posix/runtime/misc.c,
 * a weak definition the tty server's client code replaces). Request numbers (TIOCGWINSZ ...)
 * come with the tty server.
 */
int ioctl(int __fd, unsigned long __request, ...);

#endif
