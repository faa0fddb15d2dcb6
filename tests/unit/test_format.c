/* Unit tests for kernel/lib/format.c, with the host's vsnprintf as the oracle where C defines the result. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "lib/format.h"
#include "suites.h"

#define BUF_SIZE 1024

/* Formats with both implementations and reports a difference at the caller's line. */
static void check_oracle(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check_oracle(int line, const char *fmt, ...)
{
    char want[BUF_SIZE], got[BUF_SIZE], msg[3 * BUF_SIZE];
    va_list ap, aq;
    int nwant, ngot;
    bool same;

    memset(got, 0x5a, sizeof(got));
    va_start(ap, fmt);
    va_copy(aq, ap);
    nwant = vsnprintf(want, sizeof(want), fmt, ap);
    ngot = fmt_vsnprintf(got, sizeof(got), fmt, aq);
    va_end(aq);
    va_end(ap);

    /* Compare as byte arrays: a %c of '\0' puts a NUL inside the output. */
    same = nwant == ngot && nwant >= 0 && nwant < BUF_SIZE &&
           memcmp(want, got, (size_t)nwant + 1) == 0;
    snprintf(msg, sizeof(msg), "format \"%s\": want \"%s\" (%d), got \"%.*s\" (%d)",
             fmt, want, nwant, ngot >= 0 && ngot < BUF_SIZE ? ngot : 0, got, ngot);
    CU_assertImplementation(same, (unsigned)line, msg, __FILE__, "", CU_FALSE);
}

#define CHECK(...) check_oracle(__LINE__, __VA_ARGS__)

/* For results C leaves to the implementation (NULL %p and %s): compare with a literal. */
static void check_literal(int line, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check_literal(int line, const char *want, const char *fmt, ...)
{
    char got[BUF_SIZE], msg[3 * BUF_SIZE];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = fmt_vsnprintf(got, sizeof(got), fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof(msg), "format \"%s\": want \"%s\", got \"%s\" (%d)", fmt, want, got, n);
    CU_assertImplementation(strcmp(want, got) == 0 && n == (int)strlen(want),
                            (unsigned)line, msg, __FILE__, "", CU_FALSE);
}

#define CHECK_LITERAL(...) check_literal(__LINE__, __VA_ARGS__)

static void test_plain_text(void)
{
    CHECK("%s", "");
    CHECK("hello, world");
    CHECK("100%% sure, %%%%");
    CHECK("tab\there\nnewline");
}

static void test_signed_decimal(void)
{
    CHECK("%d %d %d %d", 0, 1, -1, 42);
    CHECK("%d %d", INT_MAX, INT_MIN);
    CHECK("%i %i", -12345, 67890);
    CHECK("[%5d] [%-5d] [%05d]", 42, 42, 42);
    CHECK("[%5d] [%-5d] [%05d]", -42, -42, -42);
    CHECK("[%+d] [%+d] [% d] [% d]", 5, -5, 5, -5);
    CHECK("[%+05d] [% 05d] [%+-6d]", 7, 7, 7);
    CHECK("[%.3d] [%.3d] [%8.3d] [%-8.3d]", 7, -7, 7, -7);
    CHECK("[%.0d] [%5.0d] [%+.0d] [%.0d]", 0, 0, 0, 1);
    CHECK("[%1d] [%2d]", 12345, -1);   /* width smaller than the number */
}

static void test_unsigned_conversions(void)
{
    CHECK("%u %u %u", 0u, 1u, UINT_MAX);
    CHECK("%x %X %x %X", 0xdeadbeefu, 0xdeadbeefu, 0u, 0xabcu);
    CHECK("[%#x] [%#X] [%#x] [%#o] [%#o]", 0x1fu, 0x1fu, 0u, 8u, 0u);
    CHECK("[%#.0o] [%.0o] [%#.0x] [%#5o] [%#.5o]", 0u, 0u, 0u, 8u, 8u);
    CHECK("[%#010x] [%#-10x] [%010X] [%#.6x] [%#12.6x]", 0xbeefu, 0xbeefu, 0xbeefu, 0xbeu, 0xbeu);
    CHECK("%o %o %o", 0u, 7u, 01234567u);
}

/* Flags C defines as ignored in these combinations; gcc rightly warns about writing them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
static void test_ignored_flags(void)
{
    CHECK("[%-05d] [%-08d] [%0-8x]", 42, -7, 0xabu);   /* '-' beats '0' */
    CHECK("[%+ d] [% +d] [%+ d]", 5, 5, -5);          /* '+' beats ' ' */
    CHECK("[%08.3d] [%08.0d] [%08.3x]", 7, 0, 0xau);   /* a precision cancels '0' */
    CHECK("[%+u] [% u] [%+x] [% o]", 5u, 5u, 5u, 5u);  /* no sign for unsigned */
}
#pragma GCC diagnostic pop

static void test_length_modifiers(void)
{
    CHECK("%hhd %hhd %hhu %hhx", 300, -129, 300, 0x1ff);
    CHECK("%hd %hd %hu %hx", 70000, -32769, 70000, 0x1ffff);
    CHECK("%ld %lu %lx", LONG_MIN, ULONG_MAX, ULONG_MAX);
    CHECK("%lld %lld %llu %llx %llo", LLONG_MIN, LLONG_MAX, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
    CHECK("%zu %zx %zd %zd", SIZE_MAX, SIZE_MAX, (ssize_t)-1, (ssize_t)SSIZE_MAX);
    CHECK("%td %td %tx", (ptrdiff_t)PTRDIFF_MIN, (ptrdiff_t)-3, (ptrdiff_t)255);
    CHECK("%jd %jd %ju %jx", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX, UINTMAX_MAX);
    CHECK("%" PRId64 " %" PRIu64 " %" PRIx64, INT64_MIN, UINT64_MAX, UINT64_MAX);
    CHECK("[%25lld] [%-25lld] [%025lld] [%+lld]", LLONG_MIN, LLONG_MIN, LLONG_MIN, LLONG_MAX);
    CHECK("[%#llo] [%#llx] [%.30llu]", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
}

static void test_star_arguments(void)
{
    CHECK("[%*d] [%-*d] [%*d]", 6, 42, 6, 42, -6, 42);   /* negative width means '-' */
    CHECK("[%.*d] [%.*d] [%*.*d]", 4, 42, -1, 42, 8, 4, -42);   /* negative precision: none */
    CHECK("[%.*s] [%*s] [%-*.*s]", 3, "abcdef", 5, "ab", 6, 2, "xyz");
    CHECK("[%*d] [%-*d] [%0*d]", 0, 5, -4, 1, 5, -3);
}

static void test_chars(void)
{
    CHECK("%c%c%c", 'a', 'b', 'c');
    CHECK("[%3c] [%-3c] [%c]", 'x', 'y', 255);
    CHECK("a%cb", '\0');   /* the NUL is output and counted */
}

static void test_strings(void)
{
    static const char unterminated[4] = { 'a', 'b', 'c', 'd' };
    const char *volatile none = NULL;   /* hidden from gcc, which warns about a literal NULL */

    CHECK("%s %s", "hello", "world");
    CHECK("[%10s] [%-10s] [%.2s] [%10.2s] [%-10.2s] [%.0s]", "abc", "abc", "abc", "abc", "abc", "abc");
    CHECK("[%.10s] [%2s]", "abc", "abcdef");
    /* A precision bounds the read: the array need not be terminated (ASan checks that). */
    CHECK("[%.4s] [%.3s]", unterminated, unterminated);
    CHECK_LITERAL("(null)", "%s", none);
    CHECK_LITERAL("[  (null)] [(null)  ] [(nu]", "[%8s] [%-8s] [%.3s]", none, none, none);
}

static void test_pointers(void)
{
    int x;

    /* glibc prints a non-NULL %p as %#lx, our chosen form. */
    CHECK("%p %p", (void *)&x, (void *)0x1234);
    CHECK("[%20p] [%-20p]", (void *)0xffff800000001000ull, (void *)0xffff800000001000ull);
    CHECK_LITERAL("0x0", "%p", NULL);
    CHECK_LITERAL("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
}

static void test_mixed(void)
{
    CHECK("%s=%d (%#x) %c %lu%% [%-4s|%4s] %p",
          "answer", 42, 42u, '!', 99ul, "l", "r", (void *)0xcafe);
    CHECK("%d %s %lld %c %u %x %o %zu %p %hhd %s %d %d %d %d %d %d %d",
          1, "two", 3ll, '4', 5u, 6u, 7u, (size_t)8, (void *)9, (signed char)10, "eleven",
          12, 13, 14, 15, 16, 17, 18);
    CHECK("[%300d]", -1);   /* a long field */
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
static void test_unknown_conversion(void)
{
    CHECK_LITERAL("%y", "%y");
    CHECK_LITERAL("a%-5yb", "a%-5yb");
    CHECK_LITERAL("trailing %", "trailing %");
    CHECK_LITERAL("%n is refused", "%n is refused");
    CHECK_LITERAL("%q 7", "%q %d", 7);   /* arguments after an unknown one stay in order */
    CHECK_LITERAL("%Lf", "%Lf");          /* no floating point in the kernel */
}
#pragma GCC diagnostic pop

static void test_snprintf_truncation(void)
{
    char buf[16];

    memset(buf, 'Z', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 5, "hello %s", "world"), 11);
    CU_ASSERT_STRING_EQUAL(buf, "hell");
    CU_ASSERT_EQUAL(buf[5], 'Z');   /* nothing past size */

    memset(buf, 'Z', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 6, "%s", "hello"), 5);   /* exactly fits */
    CU_ASSERT_STRING_EQUAL(buf, "hello");

    memset(buf, 'Z', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 5, "%s", "hello"), 5);   /* one too many */
    CU_ASSERT_STRING_EQUAL(buf, "hell");

    memset(buf, 'Z', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 1, "%d", 12345), 5);
    CU_ASSERT_EQUAL(buf[0], '\0');
    CU_ASSERT_EQUAL(buf[1], 'Z');

    memset(buf, 'Z', sizeof(buf));
    CU_ASSERT_EQUAL(fmt_snprintf(buf, 0, "%d", 12345), 5);
    CU_ASSERT_EQUAL(buf[0], 'Z');   /* size 0 writes nothing, not even the NUL */
    CU_ASSERT_EQUAL(fmt_snprintf(NULL, 0, "%s%s", "abc", "def"), 6);

    CU_ASSERT_EQUAL(fmt_snprintf(buf, sizeof(buf), "%s", ""), 0);
    CU_ASSERT_STRING_EQUAL(buf, "");
}

/* A sink that records what it receives, to test fmt_format without snprintf. */
typedef struct capture {
    char text[64];
    size_t calls;
} capture_t;

static void capture_sink(char c, void *ctx)
{
    capture_t *cap = ctx;

    if (cap->calls < sizeof(cap->text))
        cap->text[cap->calls] = c;
    cap->calls++;
}

static void test_sink(void)
{
    capture_t cap = { .calls = 0 };
    size_t n = fmt_format(capture_sink, &cap, "[%-4d|%s|%c]", 7, "ok", '\0');

    CU_ASSERT_EQUAL(n, 11);
    CU_ASSERT_EQUAL(cap.calls, 11);
    CU_ASSERT_EQUAL(memcmp(cap.text, "[7   |ok|\0]", 11), 0);

    cap.calls = 0;
    CU_ASSERT_EQUAL(fmt_format(capture_sink, &cap, "%s", ""), 0);
    CU_ASSERT_EQUAL(cap.calls, 0);
}

static CU_TestInfo format_tests[] = {
    { "plain text", test_plain_text },
    { "signed decimal", test_signed_decimal },
    { "unsigned, hex, octal", test_unsigned_conversions },
    { "ignored flags", test_ignored_flags },
    { "length modifiers", test_length_modifiers },
    { "star width and precision", test_star_arguments },
    { "chars", test_chars },
    { "strings", test_strings },
    { "pointers", test_pointers },
    { "mixed", test_mixed },
    { "unknown conversion", test_unknown_conversion },
    { "snprintf truncation", test_snprintf_truncation },
    { "sink", test_sink },
    CU_TEST_INFO_NULL,
};

int test_format_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "format", .pTests = format_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
