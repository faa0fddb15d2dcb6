/* newlib's <sys/stat.h> plus what it declares only for other targets: lstat (posix/runtime/files.c). */
#ifndef _AGORA_SYS_STAT_H
#define _AGORA_SYS_STAT_H

#include_next <sys/stat.h>

int lstat(const char *__restrict __path, struct stat *__restrict __buf);

#endif
