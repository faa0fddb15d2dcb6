/*
 * newlib's <time.h> plus what it declares only for targets it knows to have POSIX timers:
 * the clocks (posix/runtime/syscalls.c) and nanosleep (posix/runtime/process.c).
 */
#ifndef _AGORA_TIME_H
#define _AGORA_TIME_H

#include_next <time.h>

#ifndef CLOCK_PROCESS_CPUTIME_ID
#define CLOCK_PROCESS_CPUTIME_ID ((clockid_t)2)
#endif
#ifndef CLOCK_THREAD_CPUTIME_ID
#define CLOCK_THREAD_CPUTIME_ID  ((clockid_t)3)
#endif
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC          ((clockid_t)4)
#endif

int clock_gettime(clockid_t __clock_id, struct timespec *__tp);
int clock_getres(clockid_t __clock_id, struct timespec *__res);
int nanosleep(const struct timespec *__req, struct timespec *__rem);

#endif
