/* The CMOS clock's registers as seconds since 1970 (cmos_time.h). */
#include "cmos_time.h"

int64_t days_from_civil(int64_t year, unsigned month, unsigned day)
{
    /* March-based years put the leap day last (H. Hinnant's algorithm). */
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;

    *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

static bool leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* A register's value: BCD decoded unless binary; -1 for a bad BCD digit. */
static int value(uint8_t raw, bool binary)
{
    if (binary)
        return raw;
    if ((raw & 0x0F) > 9 || (raw >> 4) > 9)
        return -1;
    return (raw >> 4) * 10 + (raw & 0x0F);
}

int64_t cmos_to_epoch(const struct cmos_regs *r)
{
    static const uint8_t month_days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool binary = r->status_b & CMOS_B_BINARY;
    bool pm = !(r->status_b & CMOS_B_24HOUR) && (r->hours & 0x80);
    int sec = value(r->seconds, binary), min = value(r->minutes, binary);
    int hour = value(r->status_b & CMOS_B_24HOUR ? r->hours : r->hours & 0x7F, binary);
    int day = value(r->day, binary), month = value(r->month, binary), yy = value(r->year, binary);
    int century = value(r->century, binary);
    int64_t year;

    if (sec < 0 || sec > 59 || min < 0 || min > 59 || hour < 0 || day < 1 || month < 1 || month > 12 ||
        yy < 0 || yy > 99)
        return -1;
    if (!(r->status_b & CMOS_B_24HOUR)) {
        if (hour < 1 || hour > 12)
            return -1;
        hour = hour % 12 + (pm ? 12 : 0);     /* 12 AM is 0, 12 PM is 12 */
    } else if (hour > 23) {
        return -1;
    }
    year = century >= 19 && century <= 21 ? century * 100 + yy : 2000 + yy;
    if (year < 1970)
        return -1;
    if (day > month_days[month - 1] + (month == 2 && leap(year)))
        return -1;
    return days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 + hour * 3600 + min * 60 + sec;
}
