/* Unit tests for drivers/rtc/cmos_time.c: CMOS registers to seconds since 1970, against the host's timegm. */
#define _DEFAULT_SOURCE
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <time.h>

#include "cmos_time.h"
#include "suites.h"

static uint8_t bcd(int v)
{
    return (uint8_t)((v / 10) << 4 | (v % 10));
}

/* The registers a PC clock in BCD 24-hour mode (QEMU's default) holds for a date. */
static struct cmos_regs regs_bcd(int year, int month, int day, int h, int m, int s)
{
    return (struct cmos_regs){ bcd(s), bcd(m), bcd(h), bcd(day), bcd(month), bcd(year % 100), bcd(year / 100),
                               CMOS_B_24HOUR };
}

static int64_t host_epoch(int year, int month, int day, int h, int m, int s)
{
    struct tm t = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = h, .tm_min = m,
                    .tm_sec = s };

    return (int64_t)timegm(&t);
}

static void test_bcd_24h(void)
{
    struct cmos_regs r = regs_bcd(2026, 11, 26, 16, 40, 12);

    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(2026, 11, 26, 16, 40, 12));
    r = regs_bcd(1970, 1, 1, 0, 0, 0);
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), 0);
    r = regs_bcd(2099, 12, 31, 23, 59, 59);
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(2099, 12, 31, 23, 59, 59));
}

static void test_binary_and_12h(void)
{
    struct cmos_regs r = { 12, 40, 16, 26, 11, 26, 20, CMOS_B_24HOUR | CMOS_B_BINARY };

    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(2026, 11, 26, 16, 40, 12));
    /* 12-hour: bit 7 of the hours is PM; 12 AM is midnight, 12 PM noon. */
    r = (struct cmos_regs){ 0, 0, 0x80 | 4, 26, 11, 26, 20, CMOS_B_BINARY };
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(2026, 11, 26, 16, 0, 0));
    r.hours = 12;
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(2026, 11, 26, 0, 0, 0));
    r.hours = 0x80 | 12;
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(2026, 11, 26, 12, 0, 0));
    r.hours = 0;                                    /* no hour 0 on a 12-hour clock */
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = regs_bcd(2026, 11, 26, 0, 0, 0);            /* BCD 12-hour: 0x92 is 12 PM */
    r.status_b = 0;
    r.hours = 0x92;
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(2026, 11, 26, 12, 0, 0));
}

static void test_century(void)
{
    struct cmos_regs r = regs_bcd(2026, 1, 2, 3, 4, 5);

    r.century = 0;                                  /* no century register: 20xx */
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(2026, 1, 2, 3, 4, 5));
    r.century = 0xFF;                               /* garbage: 20xx as well */
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(2026, 1, 2, 3, 4, 5));
    r = regs_bcd(1999, 12, 31, 23, 59, 59);
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(1999, 12, 31, 23, 59, 59));
    r = regs_bcd(1969, 12, 31, 23, 59, 59);         /* before the epoch */
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
}

static void test_bad_fields(void)
{
    struct cmos_regs good = regs_bcd(2024, 2, 29, 10, 0, 0), r;

    CU_ASSERT_EQUAL(cmos_to_epoch(&good), host_epoch(2024, 2, 29, 10, 0, 0));   /* a leap day */
    r = regs_bcd(2025, 2, 29, 10, 0, 0);
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = regs_bcd(2100, 2, 29, 10, 0, 0);            /* 2100 is no leap year, 2000 was */
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = regs_bcd(2000, 2, 29, 10, 0, 0);
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), host_epoch(2000, 2, 29, 10, 0, 0));
    r = good, r.seconds = 0x1A;                     /* not a BCD digit */
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = good, r.seconds = 0x60;
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = good, r.minutes = 0x60;
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = good, r.hours = 0x24;
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = good, r.month = 0x13;
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = good, r.month = 0;
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = good, r.day = 0;
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = regs_bcd(2026, 4, 31, 0, 0, 0);
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
    r = good, r.status_b |= CMOS_B_BINARY, r.year = 100;
    CU_ASSERT_EQUAL(cmos_to_epoch(&r), -1);
}

/* Every day from 1970 to 2400 there and back, and random register bytes never crash. */
static void test_days_and_noise(void)
{
    int64_t year;
    unsigned month, day;

    for (int64_t d = 0; d < 157000; d++) {
        civil_from_days(d, &year, &month, &day);
        if (days_from_civil(year, month, day) != d) {
            CU_FAIL("civil_from_days and days_from_civil disagree");
            break;
        }
    }
    civil_from_days(20418, &year, &month, &day);
    CU_ASSERT_TRUE(year == 2025 && month == 11 && day == 26);
    srand(7);
    for (int i = 0; i < 100000; i++) {
        struct cmos_regs r = { (uint8_t)rand(), (uint8_t)rand(), (uint8_t)rand(), (uint8_t)rand(),
                               (uint8_t)rand(), (uint8_t)rand(), (uint8_t)rand(), (uint8_t)rand() };
        int64_t e = cmos_to_epoch(&r);

        CU_ASSERT_TRUE_FATAL(e == -1 || (e >= 0 && e < host_epoch(2200, 1, 1, 0, 0, 0)));
    }
}

int test_rtc_register(void)
{
    CU_pSuite s = CU_add_suite("rtc", 0, 0);

    if (!s || !CU_add_test(s, "BCD, 24-hour", test_bcd_24h) ||
        !CU_add_test(s, "binary and 12-hour", test_binary_and_12h) ||
        !CU_add_test(s, "the century", test_century) ||
        !CU_add_test(s, "fields out of range", test_bad_fields) ||
        !CU_add_test(s, "day counts both ways, random registers", test_days_and_noise))
        return CU_get_error();
    return CUE_SUCCESS;
}
