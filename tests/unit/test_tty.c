/* Unit tests for the tty server's line discipline (servers/tty/ldisc.c): editing, echo, records, modes, output. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "agora/proto/tty.h"
#include "ldisc.h"
#include "suites.h"

static struct ldisc *ld;

static int suite_init(void)
{
    ld = malloc(sizeof(*ld));
    return ld ? 0 : -1;
}

static int suite_clean(void)
{
    free(ld);
    return 0;
}

static void fresh(void)
{
    ldisc_init(ld);
}

/* Types s (n bytes); returns the last signal raised. */
static int type(const char *s, size_t n)
{
    int sig = 0;

    for (size_t i = 0; i < n; i++) {
        int r = ldisc_input(ld, (uint8_t)s[i]);

        if (r)
            sig = r;
        if (ld->echo_len > LDISC_ECHO_BYTES - LDISC_ECHO_PER_INPUT)
            ld->echo_len = 0;
    }
    return sig;
}
#define TYPE(s) type((s), sizeof(s) - 1)

/* The echo so far as a string, and clears it. */
static char echo_buf[LDISC_ECHO_BYTES + 1];
static const char *echo(void)
{
    memcpy(echo_buf, ld->echo, ld->echo_len);
    echo_buf[ld->echo_len] = 0;
    ld->echo_len = 0;
    return echo_buf;
}

/* A READ of max: the bytes as a string, or "<none>" when it could not be answered. */
static char read_buf[LDISC_READY_BYTES + 1];
static const char *rd(size_t max)
{
    size_t n;

    if (!ldisc_readable(ld, max))
        return "<none>";
    n = ldisc_read(ld, (uint8_t *)read_buf, max);
    read_buf[n] = 0;
    return read_buf;
}

static void set_flags(uint64_t flags, uint64_t vmin, bool flush)
{
    struct tty_mode m = ld->mode;

    m.flags = flags;
    m.vmin = vmin;
    ldisc_set_mode(ld, &m, flush);
}

static void test_line_and_echo(void)
{
    fresh();
    TYPE("hello");
    CU_ASSERT_STRING_EQUAL(rd(100), "<none>");          /* no line yet */
    CU_ASSERT_EQUAL(ldisc_available(ld), 0);
    TYPE("\n");
    CU_ASSERT_STRING_EQUAL(echo(), "hello\r\n");         /* ONLCR on the echo */
    CU_ASSERT_EQUAL(ldisc_available(ld), 6);
    CU_ASSERT_STRING_EQUAL(rd(100), "hello\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "<none>");
    /* \r ends a line too (ICRNL); two lines typed at once come one per READ. */
    TYPE("a\rbc\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "a\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "bc\n");
    /* Without ICRNL, \r is an ordinary byte. */
    set_flags(TTY_FLAGS_DEFAULT & ~TTY_ICRNL, 1, false);
    TYPE("x\ry\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "x\ry\n");
}

static void test_erase(void)
{
    fresh();
    TYPE("hellx\x7fo\n");
    CU_ASSERT_STRING_EQUAL(echo(), "hellx\b \bo\r\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "hello\n");
    TYPE("ab\bc\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "ac\n");
    /* Erase on an empty line does nothing, and echoes nothing. */
    echo();
    TYPE("\x7f\x7f\b");
    CU_ASSERT_STRING_EQUAL(echo(), "");
    TYPE("z\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "z\n");
    /* A control character shows as ^A and is erased as two columns. */
    echo();
    TYPE("a\x01\x7f\n");
    CU_ASSERT_STRING_EQUAL(echo(), "a^A\b \b\b \b\r\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "a\n");
}

static void test_kill_and_werase(void)
{
    fresh();
    TYPE("garbage\x15kept\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "kept\n");
    TYPE("one two  \x17three\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "one three\n");
    echo();
    TYPE("ab \x17");
    CU_ASSERT_STRING_EQUAL(echo(), "ab \b \b\b \b\b \b");
    TYPE("\x17\x15\n");                                  /* on an empty line: nothing */
    CU_ASSERT_STRING_EQUAL(rd(100), "\n");
}

static void test_eof(void)
{
    fresh();
    /* ^D at the start of a line: a READ of 0 bytes, once. */
    TYPE("\x04");
    CU_ASSERT_TRUE(ldisc_readable(ld, 10));
    CU_ASSERT_STRING_EQUAL(rd(10), "");
    CU_ASSERT_STRING_EQUAL(rd(10), "<none>");
    /* Mid-line: the line without a newline, and no echo of the ^D. */
    echo();
    TYPE("part\x04");
    CU_ASSERT_STRING_EQUAL(echo(), "part");
    CU_ASSERT_STRING_EQUAL(rd(10), "part");
    /* Two EOFs after a line: line, EOF, EOF. */
    TYPE("x\n\x04\x04");
    CU_ASSERT_STRING_EQUAL(rd(10), "x\n");
    CU_ASSERT_STRING_EQUAL(rd(10), "");
    CU_ASSERT_STRING_EQUAL(rd(10), "");
    CU_ASSERT_STRING_EQUAL(rd(10), "<none>");
}

static void test_signals(void)
{
    fresh();
    TYPE("old\n");
    CU_ASSERT_EQUAL(TYPE("discard\x03"), TTY_SIGINT);
    CU_ASSERT_STRING_EQUAL(echo(), "old\r\ndiscard^C");
    CU_ASSERT_STRING_EQUAL(rd(100), "<none>");          /* input flushed, the line too */
    TYPE("after\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "after\n");
    CU_ASSERT_EQUAL(TYPE("\x1c"), TTY_SIGQUIT);
    CU_ASSERT_EQUAL(TYPE("\x1a"), TTY_SIGTSTP);
    /* Without ISIG, ^C is a byte like any other. */
    set_flags(TTY_FLAGS_DEFAULT & ~TTY_ISIG, 1, false);
    CU_ASSERT_EQUAL(TYPE("a\x03\n"), 0);
    CU_ASSERT_STRING_EQUAL(rd(100), "a\x03\n");
    /* Raw mode keeps ISIG when asked. */
    set_flags(TTY_ISIG, 1, false);
    CU_ASSERT_EQUAL(TYPE("\x03"), TTY_SIGINT);
}

static void test_partial_reads(void)
{
    fresh();
    TYPE("abcdef\nxy\n");
    CU_ASSERT_STRING_EQUAL(rd(4), "abcd");
    CU_ASSERT_STRING_EQUAL(rd(100), "ef\n");             /* the rest of the line, not more */
    CU_ASSERT_STRING_EQUAL(rd(100), "xy\n");
}

static void test_raw(void)
{
    fresh();
    set_flags(0, 1, false);
    echo();
    TYPE("a\x7f\x15\n");                                 /* no editing, no echo */
    CU_ASSERT_STRING_EQUAL(echo(), "");
    CU_ASSERT_EQUAL(ldisc_available(ld), 4);
    CU_ASSERT_STRING_EQUAL(rd(2), "a\x7f");
    CU_ASSERT_STRING_EQUAL(rd(10), "\x15\n");
    CU_ASSERT_STRING_EQUAL(rd(10), "<none>");
    /* vmin 3: a READ waits for 3 bytes (or max, if smaller). */
    set_flags(0, 3, false);
    TYPE("xy");
    CU_ASSERT_STRING_EQUAL(rd(10), "<none>");
    CU_ASSERT_STRING_EQUAL(rd(2), "xy");
    TYPE("123z");
    CU_ASSERT_STRING_EQUAL(rd(10), "123z");
    /* vmin 0: answered at once, possibly with nothing. */
    set_flags(0, 0, false);
    CU_ASSERT_STRING_EQUAL(rd(10), "");
    /* Raw with echo: bytes echoed as they come, control characters as ^X. */
    set_flags(TTY_ECHO | TTY_ECHOCTL | TTY_ONLCR, 1, false);
    TYPE("q\x01\n");
    CU_ASSERT_STRING_EQUAL(echo(), "q^A\r\n");
    CU_ASSERT_STRING_EQUAL(rd(10), "q\x01\n");
}

static void test_mode_switch(void)
{
    fresh();
    /* Leaving canonical mode makes the line being edited readable. */
    TYPE("done\npend");
    set_flags(0, 1, false);
    CU_ASSERT_STRING_EQUAL(rd(100), "done\npend");
    /* Entering it: unread raw bytes read as one line; new input is edited again. */
    TYPE("raw");
    set_flags(TTY_FLAGS_DEFAULT, 1, false);
    TYPE("ab\x7f\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "raw");
    CU_ASSERT_STRING_EQUAL(rd(100), "a\n");
    /* A flushing set drops everything unread. */
    TYPE("x\ny");
    set_flags(TTY_FLAGS_DEFAULT, 1, true);
    CU_ASSERT_STRING_EQUAL(rd(100), "<none>");
    TYPE("\n");
    CU_ASSERT_STRING_EQUAL(rd(100), "\n");
}

static void test_limits(void)
{
    char big[3 * TTY_LINE_MAX];
    size_t lines = 0;

    fresh();
    /* An overlong line keeps TTY_LINE_MAX - 1 bytes and its newline. */
    memset(big, 'a', sizeof(big));
    type(big, sizeof(big));
    TYPE("\n");
    CU_ASSERT_EQUAL(ldisc_available(ld), TTY_LINE_MAX);
    CU_ASSERT_EQUAL(strlen(rd(1000)), TTY_LINE_MAX);
    CU_ASSERT_EQUAL(ld->dropped, sizeof(big) - (TTY_LINE_MAX - 1));
    /* ^U of a full line of control characters fits the echo room promised. */
    set_flags(TTY_FLAGS_DEFAULT & ~TTY_ISIG, 1, false);
    echo();
    memset(big, 0x01, sizeof(big));
    type(big, TTY_LINE_MAX - 1);
    echo();
    ldisc_input(ld, 0x15);
    CU_ASSERT_EQUAL(ld->echo_len, 3 * 2 * (TTY_LINE_MAX - 1));
    CU_ASSERT_TRUE(ld->echo_len <= LDISC_ECHO_PER_INPUT);
    echo();
    /* More lines than records, more bytes than the ring: the excess is dropped, never overrun. */
    for (int i = 0; i < 2 * LDISC_RECORDS; i++)
        TYPE("line\n");
    CU_ASSERT_EQUAL(ld->nrec, LDISC_RECORDS);
    while (strcmp(rd(100), "<none>") != 0)
        lines++;
    CU_ASSERT_EQUAL(lines, LDISC_RECORDS);
    set_flags(0, 1, false);
    memset(big, 'r', sizeof(big));
    for (int i = 0; i < 8; i++)
        type(big, sizeof(big));
    CU_ASSERT_EQUAL(ldisc_available(ld), LDISC_READY_BYTES);
    CU_ASSERT_EQUAL(strlen(rd(LDISC_READY_BYTES)), LDISC_READY_BYTES);
}

/* Random bytes in random modes: the invariants hold and nothing overruns (ASan watches). */
static void test_random(void)
{
    uint8_t buf[LDISC_READY_BYTES];

    srand(1234);
    fresh();
    for (int i = 0; i < 200000; i++) {
        int what = rand() % 100;

        if (what == 0) {
            struct tty_mode m = ld->mode;

            m.flags = (uint64_t)rand() & TTY_FLAGS;
            m.vmin = (uint64_t)(rand() % 5);
            ldisc_set_mode(ld, &m, rand() % 4 == 0);
        } else if (what < 20) {
            size_t max = 1 + (size_t)(rand() % 300);

            if (ldisc_readable(ld, max))
                CU_ASSERT_TRUE(ldisc_read(ld, buf, max) <= max);
        } else {
            /* Mostly printable, some controls and newlines. */
            uint8_t c = (uint8_t)(rand() % 4 ? 'a' + rand() % 26 : rand() % 256);

            ldisc_input(ld, c);
            if (ld->echo_len > LDISC_ECHO_BYTES - LDISC_ECHO_PER_INPUT)
                ld->echo_len = 0;
        }
        size_t sum = 0;
        for (size_t r = 0; r < ld->nrec; r++)
            sum += ld->rec[(ld->rec_head + r) % LDISC_RECORDS];
        if (sum != ld->count || ld->count > LDISC_READY_BYTES || ld->len >= TTY_LINE_MAX ||
            ld->nrec > LDISC_RECORDS) {
            CU_FAIL("ldisc invariant broken");
            return;
        }
    }
}

static void test_output(void)
{
    uint8_t out[8];
    size_t used, n;

    fresh();
    n = ldisc_output(ld, (const uint8_t *)"a\nb", 3, out, sizeof(out), &used);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(used, 3);
    CU_ASSERT_EQUAL(memcmp(out, "a\r\nb", 4), 0);
    /* A \n whose \r\n does not fit stays for the next call. */
    n = ldisc_output(ld, (const uint8_t *)"abc\n", 4, out, 4, &used);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(used, 3);
    set_flags(TTY_FLAGS_DEFAULT & ~TTY_ONLCR, 1, false);
    n = ldisc_output(ld, (const uint8_t *)"\n\n", 2, out, sizeof(out), &used);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(used, 2);
}

int test_tty_register(void)
{
    CU_pSuite s = CU_add_suite("tty line discipline", suite_init, suite_clean);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "lines and echo", test_line_and_echo) || !CU_add_test(s, "erase", test_erase) ||
        !CU_add_test(s, "kill and word erase", test_kill_and_werase) || !CU_add_test(s, "end of file", test_eof) ||
        !CU_add_test(s, "signals", test_signals) || !CU_add_test(s, "partial reads", test_partial_reads) ||
        !CU_add_test(s, "raw mode and vmin", test_raw) || !CU_add_test(s, "mode switches", test_mode_switch) ||
        !CU_add_test(s, "limits", test_limits) || !CU_add_test(s, "random input", test_random) ||
        !CU_add_test(s, "output processing", test_output))
        return CU_get_error();
    return CUE_SUCCESS;
}
