/* newlib's <sys/resource.h> (struct rusage, getrusage) plus resource limits (posix/runtime/misc.c). */
#ifndef _AGORA_SYS_RESOURCE_H
#define _AGORA_SYS_RESOURCE_H

#include_next <sys/resource.h>

typedef unsigned long rlim_t;

#define RLIM_INFINITY  (~(rlim_t)0)
#define RLIM_SAVED_MAX RLIM_INFINITY
#define RLIM_SAVED_CUR RLIM_INFINITY

struct rlimit {
    rlim_t rlim_cur;
    rlim_t rlim_max;
};

#define RLIMIT_CPU    0
#define RLIMIT_FSIZE  1
#define RLIMIT_DATA   2
#define RLIMIT_STACK  3
#define RLIMIT_CORE   4
#define RLIMIT_NOFILE 5
#define RLIMIT_AS     6
#define RLIM_NLIMITS  7

int getrlimit(int __resource, struct rlimit *__rlp);
int setrlimit(int __resource, const struct rlimit *__rlp);

#endif
