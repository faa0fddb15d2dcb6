/* newlib's <sys/stat.h> plus what it declares only for other targets: lstat (posix/runtime/files.c), UTIME_NOW and UTIME_OMIT (fsmeta.c). */
#ifndef _AGORA_SYS_STAT_H
#define _AGORA_SYS_STAT_H

#include_next <sys/stat.h>

int lstat(const char *__restrict __path, struct stat *__restrict __buf);

#ifndef UTIME_NOW
/* Special tv_nsec values for futimens and utimensat (Linux's). */
#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)
#endif

#endif
