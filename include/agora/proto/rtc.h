/* The real-time clock protocol (drivers/rtc): the wall-clock time, for time(2) and file times. */
#ifndef AGORA_PROTO_RTC_H
#define AGORA_PROTO_RTC_H

#include <stdint.h>

#include <agora/proto/proto.h>

/*
 * The driver registers as "rtc" with names. It reads the PC's CMOS clock (UTC, as QEMU and
 * Linux keep it) once at start and answers from the kernel's clock after that, so every
 * answer agrees with sys_clock() (the clock the kernel keeps from the TSC since boot).
 *
 * GET() -> offset_us, read_at_us, epoch_s: the wall-clock time is sys_clock() + offset_us
 *   (microseconds since 1970-01-01 00:00:00 UTC); the CMOS clock said epoch_s seconds when
 *   the kernel's clock said read_at_us. Anyone may ask; no capabilities, no errors but the
 *   protocol's own (-E_NOSYS unknown label, -E_RANGE wrong size).
 */
#define RTC_MSG_LIST(X, F)                                                               \
    X(RTC_GET, rtc_get, 1, (),                                                           \
      (F(uint64_t, offset_us) F(uint64_t, read_at_us) F(uint64_t, epoch_s)))

enum rtc_msg {
#define RTC_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_RTC, num),
    RTC_MSG_LIST(RTC_MSG_ENUM, PROTO_FIELD_DECL)
#undef RTC_MSG_ENUM
};

PROTO_STRUCTS(RTC_MSG_LIST)
PROTO_HANDLERS(RTC_MSG_LIST, rtc_handlers);
PROTO_DISPATCH(RTC_MSG_LIST, rtc_handlers, rtc_dispatch)

#endif
