/* Unit tests for kernel/lib/cmdline.c. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "lib/cmdline.h"
#include "suites.h"

static const char *const line = "console=ttyS0,115200 quiet  loglevel=7\tinit=/sbin/init debug= noapic";

static void test_get_values(void)
{
    char val[32];

    CU_ASSERT_TRUE(cmdline_get(line, "console", val, sizeof(val)));
    CU_ASSERT_STRING_EQUAL(val, "ttyS0,115200");
    CU_ASSERT_TRUE(cmdline_get(line, "loglevel", val, sizeof(val)));
    CU_ASSERT_STRING_EQUAL(val, "7");
    CU_ASSERT_TRUE(cmdline_get(line, "init", val, sizeof(val)));   /* after a tab */
    CU_ASSERT_STRING_EQUAL(val, "/sbin/init");
    CU_ASSERT_TRUE(cmdline_get(line, "debug", val, sizeof(val)));  /* "key=" is an empty value */
    CU_ASSERT_STRING_EQUAL(val, "");
}

static void test_bare_flags(void)
{
    char val[8] = "junk";

    CU_ASSERT_TRUE(cmdline_get(line, "quiet", val, sizeof(val)));
    CU_ASSERT_STRING_EQUAL(val, "");
    CU_ASSERT_TRUE(cmdline_get(line, "noapic", val, sizeof(val)));   /* the last word */
    CU_ASSERT_STRING_EQUAL(val, "");
    CU_ASSERT_TRUE(cmdline_has(line, "quiet"));
    CU_ASSERT_TRUE(cmdline_has(line, "console"));
    CU_ASSERT_TRUE(cmdline_has(line, "debug"));
    CU_ASSERT_TRUE(cmdline_has(line, "noapic"));
}

static void test_absent_and_prefixes(void)
{
    char val[8] = "junk";

    CU_ASSERT_FALSE(cmdline_get(line, "absent", val, sizeof(val)));
    CU_ASSERT_STRING_EQUAL(val, "");
    /* Prefixes and extensions of a word's name are different keys. */
    CU_ASSERT_FALSE(cmdline_has(line, "cons"));
    CU_ASSERT_FALSE(cmdline_has(line, "consoles"));
    CU_ASSERT_FALSE(cmdline_has(line, "quie"));
    CU_ASSERT_FALSE(cmdline_has(line, "quiet2"));
    CU_ASSERT_FALSE(cmdline_has(line, "noapic="));
    /* A value is not a key, and keys holding '=' or spaces match nothing. */
    CU_ASSERT_FALSE(cmdline_has(line, "ttyS0,115200"));
    CU_ASSERT_FALSE(cmdline_has(line, "7"));
    CU_ASSERT_FALSE(cmdline_has(line, "console=ttyS0,115200"));
    CU_ASSERT_FALSE(cmdline_has(line, "quiet loglevel"));
    CU_ASSERT_FALSE(cmdline_has(line, ""));
    CU_ASSERT_FALSE(cmdline_has(line, NULL));
}

static void test_first_match_wins(void)
{
    char val[16];

    CU_ASSERT_TRUE(cmdline_get("a=1 b=2 a=3", "a", val, sizeof(val)));
    CU_ASSERT_STRING_EQUAL(val, "1");
    CU_ASSERT_TRUE(cmdline_get("a a=3", "a", val, sizeof(val)));
    CU_ASSERT_STRING_EQUAL(val, "");
    /* Only the first '=' splits: the value may hold more. */
    CU_ASSERT_TRUE(cmdline_get("root=UUID=1234", "root", val, sizeof(val)));
    CU_ASSERT_STRING_EQUAL(val, "UUID=1234");
}

static void test_value_size(void)
{
    char val[8];

    memset(val, 'Z', sizeof(val));
    CU_ASSERT_TRUE(cmdline_get("k=1234567", "k", val, 8));   /* 7 chars and the NUL: fits */
    CU_ASSERT_STRING_EQUAL(val, "1234567");
    memset(val, 'Z', sizeof(val));
    CU_ASSERT_FALSE(cmdline_get("k=12345678", "k", val, 8));
    CU_ASSERT_STRING_EQUAL(val, "");
    CU_ASSERT_FALSE(cmdline_get("k", "k", val, 0));   /* not even "" fits */
    CU_ASSERT_FALSE(cmdline_get("k", "k", NULL, 0));
    CU_ASSERT_EQUAL(val[0], '\0');
    CU_ASSERT_TRUE(cmdline_get("k", "k", val, 1));
    CU_ASSERT_STRING_EQUAL(val, "");
}

static void test_empty_lines(void)
{
    char val[8] = "junk";

    CU_ASSERT_FALSE(cmdline_get(NULL, "a", val, sizeof(val)));
    CU_ASSERT_STRING_EQUAL(val, "");
    CU_ASSERT_FALSE(cmdline_has(NULL, "a"));
    CU_ASSERT_FALSE(cmdline_has("", "a"));
    CU_ASSERT_FALSE(cmdline_has("   \t\n ", "a"));
    CU_ASSERT_FALSE(cmdline_has("=", "a"));
    CU_ASSERT_TRUE(cmdline_has("  a  ", "a"));
    CU_ASSERT_TRUE(cmdline_get(" \ta=x\r\n", "a", val, sizeof(val)));
    CU_ASSERT_STRING_EQUAL(val, "x");
}

static CU_TestInfo cmdline_tests[] = {
    { "get values", test_get_values },
    { "bare flags", test_bare_flags },
    { "absent keys and prefixes", test_absent_and_prefixes },
    { "first match wins", test_first_match_wins },
    { "value size", test_value_size },
    { "empty lines", test_empty_lines },
    CU_TEST_INFO_NULL,
};

int test_cmdline_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "cmdline", .pTests = cmdline_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
