/* The PC CMOS clock's registers as a time: pure code (tests/unit/test_rtc.c). */
#ifndef RTC_CMOS_TIME_H
#define RTC_CMOS_TIME_H

#include <stdbool.h>
#include <stdint.h>

/* CMOS registers (port 0x70 selects, 0x71 reads). */
#define CMOS_SECONDS  0x00
#define CMOS_MINUTES  0x02
#define CMOS_HOURS    0x04
#define CMOS_DAY      0x07
#define CMOS_MONTH    0x08
#define CMOS_YEAR     0x09
#define CMOS_STATUS_A 0x0A
#define CMOS_STATUS_B 0x0B
#define CMOS_CENTURY  0x32          /* where the PC (and QEMU) keeps it; ACPI's FADT names it */

#define CMOS_A_UPDATING 0x80        /* status A: an update is in progress, the others are not stable */
#define CMOS_B_24HOUR   0x02        /* status B: 24-hour hours (else 12-hour with bit 7 = PM) */
#define CMOS_B_BINARY   0x04        /* status B: binary values (else BCD) */

/* The registers as read (one snapshot while no update was in progress). */
struct cmos_regs {
    uint8_t seconds, minutes, hours, day, month, year, century, status_b;
};

/*
 * Seconds since 1970-01-01 00:00:00 UTC of the snapshot, honouring BCD or binary and 12- or
 * 24-hour hours; the century register when it holds 19-21, else 20xx (year < 70: 20xx is
 * the only reading a PC clock set this century gives). -1: a field out of range (a bad BCD
 * digit, month 13, day 32, February 30, hour 24, ...).
 */
int64_t cmos_to_epoch(const struct cmos_regs *r);

/* Days from 1970-01-01 to the date (proleptic Gregorian; any year from 1970). */
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
/* The date of a day count from 1970-01-01 (days_from_civil backwards; days >= 0). */
void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

#endif
