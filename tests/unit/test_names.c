/* Unit tests for servers/names/registry.c: the name server's table. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/errors.h"
#include "registry.h"
#include "suites.h"

static struct registry reg;

static long add(const char *name, uint64_t owner, struct names_entry **out)
{
    struct names_entry *e = 0;
    long r = registry_add(&reg, name, strlen(name), owner, &e);

    if (out)
        *out = e;
    return r;
}

static struct names_entry *find(const char *name)
{
    return registry_find(&reg, name, strlen(name));
}

static void test_add_find_remove(void)
{
    struct names_entry *vfs, *pm;

    registry_init(&reg);
    CU_ASSERT_PTR_NULL(find("vfs"));
    CU_ASSERT_EQUAL(add("vfs", 3, &vfs), 0);
    CU_ASSERT_EQUAL(add("pm", 4, &pm), 0);
    CU_ASSERT_EQUAL(reg.count, 2);
    CU_ASSERT_PTR_EQUAL(find("vfs"), vfs);
    CU_ASSERT_PTR_EQUAL(find("pm"), pm);
    CU_ASSERT_EQUAL(vfs->owner, 3);
    CU_ASSERT_EQUAL(vfs->len, 3);
    CU_ASSERT_STRING_EQUAL(vfs->name, "vfs");
    CU_ASSERT_EQUAL(vfs->ep, 0);
    /* Exact matches only: no prefixes, no extensions, case matters. */
    CU_ASSERT_PTR_NULL(find("vf"));
    CU_ASSERT_PTR_NULL(find("vfs2"));
    CU_ASSERT_PTR_NULL(find("VFS"));
    CU_ASSERT_PTR_NULL(registry_find(&reg, "vfs", 4));      /* length counts, not the NUL */
    registry_remove(&reg, vfs);
    CU_ASSERT_EQUAL(reg.count, 1);
    CU_ASSERT_PTR_NULL(find("vfs"));
    registry_remove(&reg, vfs);                              /* twice: nothing happens */
    CU_ASSERT_EQUAL(reg.count, 1);
    CU_ASSERT_PTR_EQUAL(find("pm"), pm);
}

static void test_duplicates_and_lengths(void)
{
    char longest[NAMES_NAME_MAX], name[NAMES_NAME_MAX + 8];

    registry_init(&reg);
    CU_ASSERT_EQUAL(add("net", 1, 0), 0);
    CU_ASSERT_EQUAL(add("net", 2, 0), -E_EXIST);
    CU_ASSERT_EQUAL(reg.count, 1);
    CU_ASSERT_EQUAL(find("net")->owner, 1);
    memset(longest, 'n', sizeof(longest) - 1);
    longest[sizeof(longest) - 1] = 0;
    CU_ASSERT_EQUAL(add(longest, 1, 0), 0);
    CU_ASSERT_PTR_NOT_NULL(find(longest));
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = 0;
    CU_ASSERT_EQUAL(registry_add(&reg, name, NAMES_NAME_MAX, 1, 0), -E_RANGE);
    CU_ASSERT_EQUAL(registry_add(&reg, name, 0, 1, 0), -E_RANGE);
    CU_ASSERT_EQUAL(reg.count, 2);
}

static void test_full_and_reuse(void)
{
    char name[32];
    struct names_entry *e;

    registry_init(&reg);
    for (int i = 0; i < REGISTRY_MAX_ENTRIES; i++) {
        snprintf(name, sizeof(name), "svc.%d", i);
        CU_ASSERT_EQUAL(add(name, (uint64_t)i, 0), 0);
    }
    CU_ASSERT_EQUAL(reg.count, REGISTRY_MAX_ENTRIES);
    CU_ASSERT_EQUAL(add("one.more", 1, 0), -E_NOMEM);
    CU_ASSERT_EQUAL(add("svc.5", 1, 0), -E_EXIST);           /* a duplicate is a duplicate, even when full */
    e = find("svc.17");
    registry_remove(&reg, e);
    CU_ASSERT_EQUAL(add("one.more", 99, &e), 0);
    CU_ASSERT_PTR_EQUAL(e, &reg.entries[17]);                /* the freed entry, cleared */
    CU_ASSERT_EQUAL(e->owner, 99);
    CU_ASSERT_STRING_EQUAL(e->name, "one.more");
    for (size_t i = strlen("one.more"); i < sizeof(e->name); i++)
        CU_ASSERT_EQUAL(e->name[i], 0);
}

static void test_nth(void)
{
    char name[32];

    registry_init(&reg);
    CU_ASSERT_PTR_NULL(registry_nth(&reg, 0));
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        CU_ASSERT_EQUAL(add(name, 0, 0), 0);
    }
    registry_remove(&reg, find("n0"));
    registry_remove(&reg, find("n4"));
    registry_remove(&reg, find("n9"));
    /* The live entries in table order, holes skipped, then NULL. */
    const char *want[] = { "n1", "n2", "n3", "n5", "n6", "n7", "n8" };
    for (unsigned i = 0; i < 7; i++) {
        struct names_entry *e = registry_nth(&reg, i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        CU_ASSERT_STRING_EQUAL(e->name, want[i]);
    }
    CU_ASSERT_PTR_NULL(registry_nth(&reg, 7));
    CU_ASSERT_PTR_NULL(registry_nth(&reg, ~0ull));
}

/* Random operations against a simple model: the table agrees with it after each step. */
static void test_random_against_model(void)
{
    enum { NAMES = 100 };
    bool present[NAMES] = { false };
    unsigned count = 0, ops[3] = { 0, 0, 0 };
    char name[32];

    registry_init(&reg);
    srand(12345);
    for (int step = 0; step < 20000; step++) {
        int i = rand() % NAMES, op = rand() % 3;
        struct names_entry *e;

        snprintf(name, sizeof(name), "r.%d", i);
        e = find(name);
        CU_ASSERT_EQUAL_FATAL(e != 0, present[i]);
        if (op == 0) {
            long r = add(name, (uint64_t)i, 0);
            long want = present[i] ? -E_EXIST : count == REGISTRY_MAX_ENTRIES ? -E_NOMEM : 0;
            CU_ASSERT_EQUAL_FATAL(r, want);
            if (r == 0) {
                present[i] = true;
                count++;
            }
        } else if (op == 1 && e) {
            CU_ASSERT_EQUAL_FATAL(e->owner, (uint64_t)i);
            registry_remove(&reg, e);
            present[i] = false;
            count--;
        }
        ops[op]++;
        CU_ASSERT_EQUAL_FATAL(reg.count, count);
    }
    unsigned walked = 0;
    while (registry_nth(&reg, walked))
        walked++;
    CU_ASSERT_EQUAL(walked, count);
    for (int i = 0; i < 3; i++)
        CU_ASSERT(ops[i] > 1000);
}

static CU_TestInfo names_tests[] = {
    { "add, find, remove", test_add_find_remove },
    { "duplicates and lengths", test_duplicates_and_lengths },
    { "full, then reuse", test_full_and_reuse },
    { "nth in table order", test_nth },
    { "random against model", test_random_against_model },
    CU_TEST_INFO_NULL,
};

int test_names_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "names registry", .pTests = names_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
