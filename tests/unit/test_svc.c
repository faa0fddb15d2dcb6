/* Unit tests for the supervisor's pure parts: the service table parser and the restart policy (servers/supervisor). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "agora/errors.h"
#include "agora/proto/svc.h"
#include "policy.h"
#include "suites.h"
#include "table.h"

static struct svc_entry e[SVC_TABLE_MAX];

static long parse(const char *text, unsigned *bad)
{
    *bad = 0;
    return svc_table_parse(text, strlen(text), e, SVC_TABLE_MAX, bad);
}

static void test_boot_table(void)
{
    unsigned bad;

    CU_ASSERT_EQUAL_FATAL(parse(SVC_BOOT_TABLE, &bad), 3);
    CU_ASSERT_STRING_EQUAL(e[0].name, "serial");
    CU_ASSERT_STRING_EQUAL(e[0].image, "serial");
    CU_ASSERT_EQUAL(e[0].first_port, 0x3f8);
    CU_ASSERT_EQUAL(e[0].nports, 8);
    CU_ASSERT_EQUAL(e[0].irq, 4);
    CU_ASSERT_FALSE(e[0].bus);
    CU_ASSERT_EQUAL(e[0].heartbeat_ms, 1000);
    CU_ASSERT_STRING_EQUAL(e[1].name, "pci");
    CU_ASSERT_TRUE(e[1].bus);
    CU_ASSERT_EQUAL(e[1].irq, -1);
    CU_ASSERT_EQUAL(e[1].heartbeat_ms, 0);
    CU_ASSERT_STRING_EQUAL(e[2].name, "virtio-blk");
    CU_ASSERT_EQUAL(e[2].nports, 0);
    CU_ASSERT_EQUAL(e[2].irq, -1);
}

static void test_options(void)
{
    unsigned bad;
    const char *text = "\n  # a comment line\n\t\nrtc ports=112+2 irq=8 arg=0x2a image=/sbin/rtc  # trailing\n"
                       "nic heartbeat=250\r\nlast";

    CU_ASSERT_EQUAL_FATAL(parse(text, &bad), 3);
    CU_ASSERT_STRING_EQUAL(e[0].name, "rtc");
    CU_ASSERT_EQUAL(e[0].first_port, 112);
    CU_ASSERT_EQUAL(e[0].nports, 2);
    CU_ASSERT_EQUAL(e[0].irq, 8);
    CU_ASSERT_EQUAL(e[0].arg, 42);
    CU_ASSERT_STRING_EQUAL(e[0].image, "/sbin/rtc");
    CU_ASSERT_EQUAL(e[1].heartbeat_ms, 250);
    CU_ASSERT_STRING_EQUAL(e[1].image, "nic");
    CU_ASSERT_STRING_EQUAL(e[2].name, "last");
    CU_ASSERT_EQUAL(e[2].heartbeat_ms, SVC_TABLE_HEARTBEAT_MS);
    CU_ASSERT_EQUAL(parse("", &bad), 0);
    CU_ASSERT_EQUAL(parse("# nothing\n\n", &bad), 0);
}

static void test_errors(void)
{
    static const struct {
        const char *text;
        long err;
        unsigned line;
    } cases[] = {
        { "a\nb colour=red\n", -E_INVAL, 2 },
        { "a ports=0x3f8\n", -E_INVAL, 1 },
        { "a ports=0x3f8+0\n", -E_RANGE, 1 },
        { "a ports=0xfff0+0x20\n", -E_RANGE, 1 },
        { "a ports=0x10000+1\n", -E_RANGE, 1 },
        { "a ports=+8\n", -E_INVAL, 1 },
        { "a ports=0x3f8+\n", -E_INVAL, 1 },
        { "a irq=224\n", -E_RANGE, 1 },
        { "a irq=4x\n", -E_INVAL, 1 },
        { "a irq=\n", -E_INVAL, 1 },
        { "a irq=0x\n", -E_INVAL, 1 },
        { "a heartbeat=3600001\n", -E_RANGE, 1 },
        { "a arg=18446744073709551616\n", -E_RANGE, 1 },
        { "a image=\n", -E_INVAL, 1 },
        { "a\n\na\n", -E_EXIST, 3 },
        { "a-name-of-twenty-four-ch\n", -E_RANGE, 1 },
        { "a busy\n", -E_INVAL, 1 },
    };
    unsigned bad;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long r = parse(cases[i].text, &bad);

        if (r != cases[i].err || bad != cases[i].line)
            fprintf(stderr, "\n  table \"%s\": %ld at line %u\n", cases[i].text, r, bad);
        CU_ASSERT_EQUAL(r, cases[i].err);
        CU_ASSERT_EQUAL(bad, cases[i].line);
    }
    /* 23 bytes is the longest name; the table holds SVC_TABLE_MAX entries, no more. */
    CU_ASSERT_EQUAL(parse("a-name-of-twenty-three-\n", &bad), 1);
    char many[SVC_TABLE_MAX * 8 + 16] = "";
    for (int i = 0; i <= SVC_TABLE_MAX; i++)
        sprintf(many + strlen(many), "s%d\n", i);
    CU_ASSERT_EQUAL(parse(many, &bad), -E_RANGE);
    CU_ASSERT_EQUAL(bad, SVC_TABLE_MAX + 1);
    many[strlen(many) - 4] = '\0';        /* drop the last line: exactly full */
    CU_ASSERT_EQUAL(parse(many, &bad), SVC_TABLE_MAX);
}

static void test_policy(void)
{
    struct svc_policy p = { 0 };
    uint64_t t = 1000000, expect = SVC_POLICY_FIRST_DELAY_US;

    for (unsigned i = 0; i < SVC_POLICY_FREE_RESTARTS; i++, t += 1000)
        CU_ASSERT_EQUAL(svc_policy_death(&p, t), 0);
    /* Then each death of the burst doubles the wait, up to the ceiling. */
    for (unsigned i = 0; i < 12; i++, t += 1000) {
        CU_ASSERT_EQUAL(svc_policy_death(&p, t), expect);
        expect = expect * 2 < SVC_POLICY_MAX_DELAY_US ? expect * 2 : SVC_POLICY_MAX_DELAY_US;
    }
    CU_ASSERT_EQUAL(svc_policy_death(&p, t), SVC_POLICY_MAX_DELAY_US);
    /* A service that lived longer than the window starts afresh. */
    t += SVC_POLICY_WINDOW_US + 1;
    CU_ASSERT_EQUAL(svc_policy_death(&p, t), 0);
    CU_ASSERT_EQUAL(p.burst, 1);
    /* Deaths spaced just inside the window keep counting. */
    for (unsigned i = 1; i < SVC_POLICY_FREE_RESTARTS; i++)
        CU_ASSERT_EQUAL(svc_policy_death(&p, t += SVC_POLICY_WINDOW_US), 0);
    CU_ASSERT_EQUAL(svc_policy_death(&p, t += SVC_POLICY_WINDOW_US), SVC_POLICY_FIRST_DELAY_US);
    /* reset (svc restart) forgets the burst; a death at time 0 still counts as a death. */
    svc_policy_reset(&p);
    CU_ASSERT_EQUAL(p.burst, 0);
    CU_ASSERT_EQUAL(svc_policy_death(&p, 0), 0);
    CU_ASSERT_NOT_EQUAL(p.last_death_us, 0);
}

static CU_TestInfo svc_tests[] = {
    { "the boot table", test_boot_table },
    { "every option, comments, blank lines", test_options },
    { "bad tables: error and line", test_errors },
    { "back-off policy", test_policy },
    CU_TEST_INFO_NULL,
};

int test_svc_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "supervisor", .pTests = svc_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
