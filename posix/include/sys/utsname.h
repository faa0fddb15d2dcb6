/* uname, which newlib lacks (posix/runtime/misc.c). */
#ifndef _AGORA_SYS_UTSNAME_H
#define _AGORA_SYS_UTSNAME_H

#define _UTSNAME_LENGTH 65

struct utsname {
    char sysname[_UTSNAME_LENGTH];    /* "Agora" */
    char nodename[_UTSNAME_LENGTH];   /* the host name: /etc/hostname */
    char release[_UTSNAME_LENGTH];
    char version[_UTSNAME_LENGTH];
    char machine[_UTSNAME_LENGTH];    /* "x86_64" */
};

int uname(struct utsname *__name);

#endif
