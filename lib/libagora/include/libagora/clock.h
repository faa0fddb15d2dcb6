/*
 * The wall clock (include/agora/proto/rtc.h): the kernel's clock (sys_clock(), microseconds
 * since boot) plus the offset the "rtc" driver answers, asked once. Until rtc answers (at
 * the first use, then at most once a second while names does not know it: it may start
 * after its first users), the time counts from boot, as it did before rtc existed.
 */
#ifndef LIBAGORA_CLOCK_H
#define LIBAGORA_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct agora_clock {
    uint64_t slot;                  /* a free capability slot the clock uses for rtc's endpoint */
    uint64_t offset_us;             /* wall clock - kernel clock, once known */
    uint64_t next_try_us;           /* when to ask again (kernel clock) */
    bool known;
};

/* Starts c with a capability slot kept free for it (the endpoint is deleted after each GET); < 0: none, never ask. */
void agora_clock_init(struct agora_clock *c, long slot);
/*
 * Microseconds since 1970-01-01 00:00:00 UTC (or since boot while rtc is unknown). Asking
 * rtc is IPC: a server must have unpacked the request it serves first (the IPC buffer).
 */
uint64_t agora_clock_realtime_us(struct agora_clock *c);

#endif
