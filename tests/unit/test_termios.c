/* Unit tests for the POSIX runtime's termios mapping (posix/runtime/ttymode.c) onto the tty server's modes. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "suites.h"
#include "ttymode.h"

/* Linux's values: programs built elsewhere must mean the same bits (include/sys/termios.h). */
static void test_linux_values(void)
{
    CU_ASSERT_EQUAL(ICRNL, 0400);
    CU_ASSERT_EQUAL(OPOST, 01);
    CU_ASSERT_EQUAL(ONLCR, 04);
    CU_ASSERT_EQUAL(ISIG, 01);
    CU_ASSERT_EQUAL(ICANON, 02);
    CU_ASSERT_EQUAL(ECHO, 010);
    CU_ASSERT_EQUAL(ECHOE, 020);
    CU_ASSERT_EQUAL(ECHOK, 040);
    CU_ASSERT_EQUAL(ECHOCTL, 01000);
    CU_ASSERT_EQUAL(IEXTEN, 0100000);
    CU_ASSERT_EQUAL(VINTR, 0);
    CU_ASSERT_EQUAL(VQUIT, 1);
    CU_ASSERT_EQUAL(VERASE, 2);
    CU_ASSERT_EQUAL(VKILL, 3);
    CU_ASSERT_EQUAL(VEOF, 4);
    CU_ASSERT_EQUAL(VTIME, 5);
    CU_ASSERT_EQUAL(VMIN, 6);
    CU_ASSERT_EQUAL(VSUSP, 10);
    CU_ASSERT_EQUAL(NCCS, 32);
    CU_ASSERT_EQUAL(B9600, 015);
    CU_ASSERT_EQUAL(B38400, 017);
    CU_ASSERT_EQUAL(B115200, 010002);
    CU_ASSERT_EQUAL(TCSANOW, 0);
    CU_ASSERT_EQUAL(TCSADRAIN, 1);
    CU_ASSERT_EQUAL(TCSAFLUSH, 2);
    CU_ASSERT_EQUAL(sizeof(struct termios), 60);
}

static void test_default_mode(void)
{
    struct tty_mode m = { .flags = TTY_FLAGS_DEFAULT, .vmin = 1, .rows = 24, .cols = 80, .pgrp = 7 };
    struct termios t;

    memset(&t, 0xAA, sizeof(t));
    posix_termios_from_mode(&m, &t);
    CU_ASSERT_EQUAL(t.c_iflag, ICRNL);
    CU_ASSERT_EQUAL(t.c_oflag, OPOST | ONLCR);
    CU_ASSERT_EQUAL(t.c_lflag, ICANON | ECHO | ISIG | ECHOCTL | ECHOE | ECHOK | IEXTEN);
    m.flags = 0;
    posix_termios_from_mode(&m, &t);
    CU_ASSERT_EQUAL(t.c_lflag, ECHOE | ECHOK);                 /* no IEXTEN without ICANON or ISIG */
    CU_ASSERT_EQUAL(t.c_oflag, ONLCR);                         /* no OPOST: no output processing */
    m.flags = TTY_FLAGS_DEFAULT;
    posix_termios_from_mode(&m, &t);
    CU_ASSERT_EQUAL(t.c_cflag, B115200 | CS8 | CREAD | CLOCAL);
    CU_ASSERT_EQUAL(t.c_ispeed, B115200);
    CU_ASSERT_EQUAL(t.c_ospeed, B115200);
    CU_ASSERT_EQUAL(t.c_line, 0);
    CU_ASSERT_EQUAL(t.c_cc[VINTR], 3);
    CU_ASSERT_EQUAL(t.c_cc[VQUIT], 034);
    CU_ASSERT_EQUAL(t.c_cc[VERASE], 0177);
    CU_ASSERT_EQUAL(t.c_cc[VKILL], 025);
    CU_ASSERT_EQUAL(t.c_cc[VEOF], 4);
    CU_ASSERT_EQUAL(t.c_cc[VSUSP], 032);
    CU_ASSERT_EQUAL(t.c_cc[VMIN], 1);
    CU_ASSERT_EQUAL(t.c_cc[VTIME], 0);
    CU_ASSERT_EQUAL(t.c_cc[VSTART], 0);
    /* Back: the same flags and vmin; the window size and the group are not termios's. */
    m = (struct tty_mode){ .rows = 24, .cols = 80, .pgrp = 7 };
    posix_termios_to_mode(&t, &m);
    CU_ASSERT_EQUAL(m.flags, TTY_FLAGS_DEFAULT);
    CU_ASSERT_EQUAL(m.vmin, 1);
    CU_ASSERT_EQUAL(m.rows, 24);
    CU_ASSERT_EQUAL(m.cols, 80);
    CU_ASSERT_EQUAL(m.pgrp, 7);
}

/* Sets t through the mapping and reads it back: whether all of it came back as it was. */
static int round_trips(const struct termios *t, uint64_t want_flags)
{
    struct tty_mode m = { .flags = ~0ull };
    struct termios back;

    posix_termios_to_mode(t, &m);
    CU_ASSERT_EQUAL(m.flags, want_flags);
    posix_termios_from_mode(&m, &back);
    return back.c_iflag == t->c_iflag && back.c_oflag == t->c_oflag && back.c_lflag == t->c_lflag &&
           back.c_cflag == t->c_cflag && memcmp(back.c_cc, t->c_cc, NCCS) == 0;
}

/* The usual changes, set and read back, are what was set: cfmakeraw, "cbreak", echo off, no output processing. */
static void test_common_round_trips(void)
{
    struct tty_mode m = { .flags = TTY_FLAGS_DEFAULT, .vmin = 1 };
    struct termios def, t;

    posix_termios_from_mode(&m, &def);
    t = def;
    CU_ASSERT_TRUE(round_trips(&t, TTY_FLAGS_DEFAULT));
    /* cfmakeraw, as the runtime's (termios.c) and Linux's do it. */
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    CU_ASSERT_TRUE(round_trips(&t, TTY_ECHOCTL));
    /* cbreak: one key at a time, no echo, signals still on. */
    t = def;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = 1;
    CU_ASSERT_TRUE(round_trips(&t, TTY_FLAGS_DEFAULT & ~(uint64_t)(TTY_ICANON | TTY_ECHO)));
    /* Echo off for a password. */
    t = def;
    t.c_lflag &= ~(tcflag_t)ECHO;
    CU_ASSERT_TRUE(round_trips(&t, TTY_FLAGS_DEFAULT & ~(uint64_t)TTY_ECHO));
    /* No output processing. */
    t = def;
    t.c_oflag &= ~(tcflag_t)OPOST;
    CU_ASSERT_TRUE(round_trips(&t, TTY_FLAGS_DEFAULT & ~(uint64_t)TTY_ONLCR));
}

/* Every combination of tty flags and some vmin survive the trip through termios. */
static void test_round_trip(void)
{
    for (uint64_t flags = 0; flags <= TTY_FLAGS; flags++) {
        struct tty_mode m = { .flags = flags & TTY_FLAGS, .vmin = flags % 7 }, back = { 0 };
        struct termios t;

        posix_termios_from_mode(&m, &t);
        posix_termios_to_mode(&t, &back);
        CU_ASSERT_EQUAL(back.flags, m.flags);
        CU_ASSERT_EQUAL(back.vmin, m.vmin);
    }
    {
        struct tty_mode m = { .vmin = 1000 };
        struct termios t;

        posix_termios_from_mode(&m, &t);
        CU_ASSERT_EQUAL(t.c_cc[VMIN], 255);          /* a cc_t holds at most 255 */
    }
}

/* termios bits one at a time: each maps to its flag, ONLCR only together with OPOST. */
static void test_bits(void)
{
    static const struct { tcflag_t iflag, oflag, lflag; uint64_t want; } cases[] = {
        { ICRNL, 0, 0, TTY_ICRNL },
        { 0, OPOST | ONLCR, 0, TTY_ONLCR },
        { 0, ONLCR, 0, 0 },                  /* no output processing without OPOST */
        { 0, OPOST, 0, 0 },
        { 0, 0, ICANON, TTY_ICANON },
        { 0, 0, ECHO, TTY_ECHO },
        { 0, 0, ISIG, TTY_ISIG },
        { 0, 0, ECHOCTL, TTY_ECHOCTL },
        { IXON | INLCR | IGNCR, OCRNL, ECHOE | ECHOK | IEXTEN | ECHONL | TOSTOP, 0 },  /* not tty's */
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct termios t;
        struct tty_mode m = { .flags = ~0ull };

        memset(&t, 0, sizeof(t));
        t.c_iflag = cases[i].iflag;
        t.c_oflag = cases[i].oflag;
        t.c_lflag = cases[i].lflag;
        t.c_cc[VMIN] = 5;
        posix_termios_to_mode(&t, &m);
        CU_ASSERT_EQUAL(m.flags, cases[i].want);
        CU_ASSERT_EQUAL(m.vmin, 5);
    }
}

static void test_speeds(void)
{
    CU_ASSERT_TRUE(posix_termios_speed_ok(B0));
    CU_ASSERT_TRUE(posix_termios_speed_ok(B9600));
    CU_ASSERT_TRUE(posix_termios_speed_ok(B38400));
    CU_ASSERT_TRUE(posix_termios_speed_ok(B57600));
    CU_ASSERT_TRUE(posix_termios_speed_ok(B115200));
    CU_ASSERT_TRUE(posix_termios_speed_ok(B4000000));
    CU_ASSERT_FALSE(posix_termios_speed_ok(020));
    CU_ASSERT_FALSE(posix_termios_speed_ok(CBAUDEX));
    CU_ASSERT_FALSE(posix_termios_speed_ok(B4000000 + 1));
    CU_ASSERT_FALSE(posix_termios_speed_ok(9600));       /* a number, not a B constant */
}

int test_termios_register(void)
{
    CU_pSuite s = CU_add_suite("posix termios", 0, 0);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "Linux values", test_linux_values) || !CU_add_test(s, "default mode", test_default_mode) ||
        !CU_add_test(s, "round trip", test_round_trip) || !CU_add_test(s, "termios bits", test_bits) ||
        !CU_add_test(s, "speeds", test_speeds) || !CU_add_test(s, "common changes round trip", test_common_round_trips))
        return CU_get_error();
    return CUE_SUCCESS;
}
