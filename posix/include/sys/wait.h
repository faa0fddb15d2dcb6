/* newlib's <sys/wait.h> plus the BSD wait3 (posix/runtime/misc.c: waitpid without rusage). */
#ifndef _AGORA_SYS_WAIT_H
#define _AGORA_SYS_WAIT_H

#include_next <sys/wait.h>

struct rusage;
pid_t wait3(int *__status, int __options, struct rusage *__rusage);

#endif
