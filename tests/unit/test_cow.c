/* Unit tests of pm's copy-on-write books (servers/pm/cow.c): accounts, objects, page reference counts. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <string.h>

#include <agora/errors.h>
#include <agora/objects.h>

#include "cow.h"
#include "regions.h"
#include "suites.h"

static struct pm_cow c;

/* Objects in the books charged to account a. */
static unsigned objects_of(int a)
{
    unsigned n = 0;

    for (int i = 1; i <= PM_COW_OBJS; i++)
        n += c.obj[i].slot != 0 && c.obj[i].account == a;
    return n;
}

static void test_page_encoding(void)
{
    pm_page_t p = PM_PAGE(PM_COW_OBJS, PM_COW_OBJ_PAGES - 1);

    CU_ASSERT_EQUAL(PM_PAGE_OBJ(p), PM_COW_OBJS);
    CU_ASSERT_EQUAL(PM_PAGE_IDX(p), PM_COW_OBJ_PAGES - 1);
    CU_ASSERT_EQUAL(PM_PAGE(1, 5) + 1, PM_PAGE(1, 6));     /* consecutive pages: one mapping run */
    CU_ASSERT_NOT_EQUAL(PM_PAGE(1, 0), 0);                  /* 0 is no page */
    /* image.c keeps a flag in bit 31 of an image's page: no page reaches it. */
    CU_ASSERT_EQUAL(p & 0x80000000u, 0);
}

static void test_accounts(void)
{
    int a[PM_COW_ACCOUNTS];

    pm_cow_init(&c);
    for (int i = 0; i < PM_COW_ACCOUNTS; i++) {
        a[i] = pm_cow_account_open(&c, 100 + (uint64_t)i);
        CU_ASSERT(a[i] >= 0);
    }
    CU_ASSERT_EQUAL(pm_cow_account_open(&c, 999), -1);
    CU_ASSERT_EQUAL(pm_cow_accounts_used(&c), PM_COW_ACCOUNTS);
    CU_ASSERT_EQUAL(pm_cow_account_of(&c, 103), a[3]);
    CU_ASSERT_EQUAL(pm_cow_account_of(&c, 999), -1);

    /* Closed with nothing charged: free at once, and the old pool no longer finds it. */
    pm_cow_account_close(&c, a[3]);
    CU_ASSERT_EQUAL(pm_cow_account_of(&c, 103), -1);
    CU_ASSERT_EQUAL(pm_cow_accounts_used(&c), PM_COW_ACCOUNTS - 1);
    CU_ASSERT_EQUAL(pm_cow_account_open(&c, 200), a[3]);
    CU_ASSERT_EQUAL(pm_cow_account_of(&c, 200), a[3]);

    /* Closed while an object is charged to it: it lingers until the object goes. */
    int o = pm_cow_obj_add(&c, a[5], 50, 4, 2);
    CU_ASSERT(o > 0);
    pm_cow_account_close(&c, a[5]);
    CU_ASSERT_EQUAL(pm_cow_account_of(&c, 105), -1);
    CU_ASSERT_EQUAL(pm_cow_accounts_used(&c), PM_COW_ACCOUNTS);
    CU_ASSERT_EQUAL(pm_cow_account_open(&c, 300), -1);
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(o, 0)), 0);
    CU_ASSERT_EQUAL(pm_cow_account_open(&c, 300), -1);
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(o, 1)), 50);
    CU_ASSERT_EQUAL(pm_cow_account_open(&c, 300), a[5]);

    pm_cow_account_close(&c, -1);                           /* nothing */
    CU_ASSERT_EQUAL(pm_cow_accounts_used(&c), PM_COW_ACCOUNTS);
}

static void test_objects_and_refs(void)
{
    int a, o;

    pm_cow_init(&c);
    a = pm_cow_account_open(&c, 10);
    CU_ASSERT_EQUAL(pm_cow_obj_add(&c, a, 0, 4, 1), -1);                   /* no slot */
    CU_ASSERT_EQUAL(pm_cow_obj_add(&c, a, 20, 0, 0), -1);
    CU_ASSERT_EQUAL(pm_cow_obj_add(&c, a, 20, PM_COW_OBJ_PAGES + 1, 1), -1);
    CU_ASSERT_EQUAL(pm_cow_obj_add(&c, a, 20, 4, 0), -1);                  /* an unused object */
    CU_ASSERT_EQUAL(pm_cow_obj_add(&c, a, 20, 4, 5), -1);
    CU_ASSERT_EQUAL(pm_cow_obj_add(&c, PM_COW_ACCOUNTS, 20, 4, 1), -1);
    CU_ASSERT_EQUAL(objects_of(a), 0);

    o = pm_cow_obj_add(&c, a, 20, 3, 3);
    CU_ASSERT_FATAL(o > 0);
    CU_ASSERT_EQUAL(pm_cow_slot(&c, PM_PAGE(o, 2)), 20);
    for (unsigned k = 0; k < 3; k++)
        CU_ASSERT_EQUAL(pm_cow_refs(&c, PM_PAGE(o, k)), 1);

    /* fork: page 1 gets a second user; the first to let go leaves it to the other. */
    pm_cow_ref(&c, PM_PAGE(o, 1));
    CU_ASSERT_EQUAL(pm_cow_refs(&c, PM_PAGE(o, 1)), 2);
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(o, 1)), 0);
    CU_ASSERT_EQUAL(pm_cow_refs(&c, PM_PAGE(o, 1)), 1);

    /* The object stays while any page is used, whichever goes last. */
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(o, 0)), 0);
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(o, 2)), 0);
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(o, 0)), 0);                    /* already free: no change */
    CU_ASSERT_EQUAL(objects_of(a), 1);
    CU_ASSERT_EQUAL(pm_cow_objects(&c), 1);
    CU_ASSERT_EQUAL(c.acct[a].objs, 1);
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(o, 1)), 20);
    CU_ASSERT_EQUAL(objects_of(a), 0);
    CU_ASSERT_EQUAL(pm_cow_objects(&c), 0);
    CU_ASSERT_EQUAL(c.acct[a].objs, 0);

    /* A page freed and used again (a free page handed out) counts as used again. */
    o = pm_cow_obj_add(&c, a, 21, 2, 2);
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(o, 0)), 0);
    pm_cow_ref(&c, PM_PAGE(o, 0));
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(o, 1)), 0);
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(o, 0)), 21);
}

static void test_take(void)
{
    int a, b, oa, ob;
    pm_page_t p;

    pm_cow_init(&c);
    a = pm_cow_account_open(&c, 10);
    b = pm_cow_account_open(&c, 11);
    CU_ASSERT_EQUAL(pm_cow_take(&c, a), 0);                 /* nothing yet */
    ob = pm_cow_obj_add(&c, b, 30, 8, 1);
    CU_ASSERT_EQUAL(pm_cow_take(&c, a), 0);                 /* b's free pages are not a's */
    oa = pm_cow_obj_add(&c, a, 31, 3, 1);
    p = pm_cow_take(&c, a);
    CU_ASSERT_EQUAL(PM_PAGE_OBJ(p), (unsigned)oa);
    CU_ASSERT_EQUAL(pm_cow_refs(&c, p), 1);
    CU_ASSERT_NOT_EQUAL(pm_cow_take(&c, a), 0);
    CU_ASSERT_EQUAL(pm_cow_take(&c, a), 0);                 /* all three used */
    /* A page let go is handed out again. */
    CU_ASSERT_EQUAL(pm_cow_unref(&c, p), 0);
    CU_ASSERT_EQUAL(pm_cow_take(&c, a), p);
    p = pm_cow_take(&c, b);
    CU_ASSERT_EQUAL(PM_PAGE_OBJ(p), (unsigned)ob);
    CU_ASSERT_EQUAL(PM_PAGE_IDX(p), 1);
}

/*
 * pid 1 forks a child that exits, over and over, and both write the same pages each time:
 * the pages pid 1 frees are taken again, so its books do not grow.
 */
static void test_fork_exit_cycles_do_not_grow(void)
{
    enum { PAGES = 5 };
    pm_page_t parent[PAGES], child[PAGES];
    int a, o;

    pm_cow_init(&c);
    a = pm_cow_account_open(&c, 10);
    o = pm_cow_obj_add(&c, a, 40, PAGES, PAGES);
    for (unsigned k = 0; k < PAGES; k++)
        parent[k] = PM_PAGE(o, k);
    for (int cycle = 0; cycle < 100; cycle++) {
        int b = pm_cow_account_open(&c, 11);

        CU_ASSERT_FATAL(b >= 0);
        for (unsigned k = 0; k < PAGES; k++) {
            child[k] = parent[k];
            pm_cow_ref(&c, child[k]);
        }
        /* The parent writes first: it copies into a page of its own... */
        for (unsigned k = 0; k < PAGES; k++) {
            pm_page_t q = pm_cow_take(&c, a);

            if (!q) {
                int n = pm_cow_obj_add(&c, a, 1000 + (uint64_t)cycle * 10 + k,
                                       pm_cow_arena_pages(&c, a), 1);
                CU_ASSERT_FATAL(n > 0);
                q = PM_PAGE(n, 0);
            }
            CU_ASSERT_EQUAL(pm_cow_refs(&c, parent[k]), 2);
            CU_ASSERT_EQUAL(pm_cow_unref(&c, parent[k]), 0);
            parent[k] = q;
        }
        /* ...then the child writes: the last user, it keeps the page; then it exits. */
        for (unsigned k = 0; k < PAGES; k++) {
            CU_ASSERT_EQUAL(pm_cow_refs(&c, child[k]), 1);
            pm_cow_unref(&c, child[k]);
        }
        pm_cow_account_close(&c, b);
        CU_ASSERT_EQUAL(pm_cow_accounts_used(&c), 1);
    }
    CU_ASSERT(objects_of(a) <= 2);
    for (unsigned k = 0; k < PAGES; k++)
        CU_ASSERT_EQUAL(pm_cow_refs(&c, parent[k]), 1);
}

static void test_arena_pages_and_full_table(void)
{
    int a, b, o = 0;
    unsigned n = 0;

    pm_cow_init(&c);
    a = pm_cow_account_open(&c, 10);
    CU_ASSERT_EQUAL(pm_cow_arena_pages(&c, a), PM_COW_ARENA_MIN);
    CU_ASSERT_EQUAL(pm_cow_arena_pages(&c, a), 2 * PM_COW_ARENA_MIN);
    for (int i = 0; i < 10; i++)
        CU_ASSERT(pm_cow_arena_pages(&c, a) <= PM_COW_OBJ_PAGES);
    CU_ASSERT_EQUAL(pm_cow_arena_pages(&c, a), PM_COW_OBJ_PAGES);
    /* A reopened account starts small again. */
    pm_cow_account_close(&c, a);
    b = pm_cow_account_open(&c, 12);
    CU_ASSERT_EQUAL(pm_cow_arena_pages(&c, b), PM_COW_ARENA_MIN);

    while ((o = pm_cow_obj_add(&c, b, 100 + n, 1, 1)) > 0)
        n++;
    CU_ASSERT_EQUAL(n, PM_COW_OBJS);
    CU_ASSERT_EQUAL(pm_cow_unref(&c, PM_PAGE(7, 0)), 106);      /* object 7 was the 7th added */
    CU_ASSERT_EQUAL(pm_cow_obj_add(&c, b, 5000, 1, 1), 7);        /* its entry is free again */
}

static struct pm_image img;

/* An image of three regions: text r-x at 0x400000 (2 pages), data rw- right after (3), and a stack rw- apart (2). */
static void image_setup(void)
{
    memset(&img, 0, sizeof(img));
    img.r[0] = (struct pm_region){ 0x400000, 2, RIGHT_READ | RIGHT_EXEC, 0, 0 };
    img.r[1] = (struct pm_region){ 0x402000, 3, RIGHT_READ | RIGHT_WRITE, 2, 0 };
    img.r[2] = (struct pm_region){ 0x2c0000, 2, RIGHT_READ | RIGHT_WRITE, 5, 0 };
    img.n = 3;
    img.npages = 7;
    for (unsigned j = 0; j < 7; j++)
        img.page[j] = PM_PAGE(1 + j / 2, j % 2);
}

static void test_region_entry(void)
{
    image_setup();
    CU_ASSERT_EQUAL(pm_region_entry(&img, 0x400000, RIGHT_READ), 0);
    CU_ASSERT_EQUAL(pm_region_entry(&img, 0x401fff, RIGHT_READ | RIGHT_EXEC), 1);
    CU_ASSERT_EQUAL(pm_region_entry(&img, 0x402000, RIGHT_WRITE), 2);
    CU_ASSERT_EQUAL(pm_region_entry(&img, 0x404abc, RIGHT_READ | RIGHT_WRITE), 4);
    CU_ASSERT_EQUAL(pm_region_entry(&img, 0x2c1000, RIGHT_WRITE), 6);
    CU_ASSERT_EQUAL(pm_region_entry(&img, 0x400000, RIGHT_WRITE), -1);        /* text is not writable */
    CU_ASSERT_EQUAL(pm_region_entry(&img, 0x402000, RIGHT_EXEC), -1);
    CU_ASSERT_EQUAL(pm_region_entry(&img, 0x405000, RIGHT_READ), -1);         /* just past the data */
    CU_ASSERT_EQUAL(pm_region_entry(&img, 0x3fffff, RIGHT_READ), -1);
    CU_ASSERT_EQUAL(pm_region_entry(&img, 0, 0), -1);
}

/* The check pm_image_write makes before it changes anything. */
static void test_region_check(void)
{
    image_setup();
    CU_ASSERT_EQUAL(pm_region_check(&img, 0x402000, 3 * 4096, RIGHT_WRITE), 0);
    CU_ASSERT_EQUAL(pm_region_check(&img, 0x402ffc, 8, RIGHT_WRITE), 0);       /* across two pages */
    CU_ASSERT_EQUAL(pm_region_check(&img, 0x404fff, 1, RIGHT_WRITE), 0);
    CU_ASSERT_EQUAL(pm_region_check(&img, 0x404fff, 2, RIGHT_WRITE), -E_FAULT); /* one byte past */
    CU_ASSERT_EQUAL(pm_region_check(&img, 0x401ff0, 32, RIGHT_WRITE), -E_FAULT); /* starts in the text */
    CU_ASSERT_EQUAL(pm_region_check(&img, 0x401ff0, 32, RIGHT_READ), 0);
    CU_ASSERT_EQUAL(pm_region_check(&img, 0x2c1000, 0x200000, RIGHT_READ), -E_FAULT); /* a gap */
    CU_ASSERT_EQUAL(pm_region_check(&img, 0x402000, UINT64_MAX, RIGHT_READ), -E_FAULT); /* wraps */
    CU_ASSERT_EQUAL(pm_region_check(&img, 0x10, 0, RIGHT_WRITE), 0);          /* nothing to write */
}

static void test_region_runs(void)
{
    image_setup();
    /* Pages 0..6 are pages 0,1 of objects 1, 2, 3 and page 0 of object 4. */
    CU_ASSERT_EQUAL(pm_region_run(&img, 0, 7), 2);
    CU_ASSERT_EQUAL(pm_region_run(&img, 1, 7), 1);
    CU_ASSERT_EQUAL(pm_region_run(&img, 0, 1), 1);                           /* at most max */
    img.page[2] = PM_PAGE(9, 10);
    img.page[3] = PM_PAGE(9, 11);
    img.page[4] = PM_PAGE(9, 12);
    CU_ASSERT_EQUAL(pm_region_run(&img, 2, 3), 3);
    img.page[3] |= PM_IMAGE_WRITABLE;                                          /* mapped otherwise */
    CU_ASSERT_EQUAL(pm_region_run(&img, 2, 3), 1);
    img.page[2] |= PM_IMAGE_WRITABLE;
    img.page[4] |= PM_IMAGE_WRITABLE;
    CU_ASSERT_EQUAL(pm_region_run(&img, 2, 3), 3);
    /* A run never crosses into the next object, even where the numbers would follow on. */
    img.page[5] = PM_PAGE(9, PM_COW_OBJ_PAGES - 1);
    img.page[6] = PM_PAGE(10, 0);
    CU_ASSERT_EQUAL(img.page[6], img.page[5] + 1);
    CU_ASSERT_EQUAL(pm_region_run(&img, 5, 2), 1);
}

static CU_TestInfo cow_tests[] = {
    { "page encoding", test_page_encoding },
    { "accounts: open, close, linger, reuse", test_accounts },
    { "objects and page reference counts", test_objects_and_refs },
    { "free pages taken by their account only", test_take },
    { "fork and exit cycles do not grow the books", test_fork_exit_cycles_do_not_grow },
    { "arena sizes, full object table", test_arena_pages_and_full_table },
    { "image: the page at an address, with rights", test_region_entry },
    { "image: a range to write is checked first", test_region_check },
    { "image: mapping runs", test_region_runs },
    CU_TEST_INFO_NULL,
};

int test_cow_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "pm copy-on-write books", .pTests = cow_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
