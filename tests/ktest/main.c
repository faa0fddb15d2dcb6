/* ktest's runner: runs every KTEST, checks itself, and reports through SYS_MACHINE_HALT (0 pass, 1 fail). */
#include "ktest.h"

#include <libagora/string.h>

extern const ktest_t __start_ktests[], __stop_ktests[];

static const struct agora_boot_info *boot;

/* The slots the running test took: deleted and freed after it. */
#define MAX_TEST_SLOTS 64
static uint64_t test_slots[MAX_TEST_SLOTS];
static unsigned ntest_slots;

const struct agora_boot_info *ktest_boot(void)
{
    return boot;
}

uint64_t ktest_slot(void)
{
    long slot;

    if (ntest_slots == MAX_TEST_SLOTS)
        return CAP_NULL;
    slot = agora_slot_alloc();
    if (slot < 0)
        return CAP_NULL;
    test_slots[ntest_slots++] = (uint64_t)slot;
    return (uint64_t)slot;
}

static void release_test_slots(void)
{
    for (unsigned i = 0; i < ntest_slots; i++) {
        sys_cap_delete(test_slots[i]);       /* -E_NOCAP for slots the test emptied itself */
        agora_slot_free(test_slots[i]);
    }
    ntest_slots = 0;
}

void ktest_report_check(const char *cond, const char *file, int line)
{
    agora_printf("    check failed: %s (%s:%d)\n", cond, file, line);
}

static void print_value(long v)
{
    if (v < 0 && v > -AGORA_ERROR_COUNT)
        agora_printf("%ld (-%s)", v, agora_error_name(v));
    else
        agora_printf("%ld (0x%lx)", v, (unsigned long)v);
}

void ktest_report_eq(const char *a, const char *b, long va, long vb, const char *file, int line)
{
    agora_printf("    check failed: %s == %s (%s:%d)\n      got ", a, b, file, line);
    print_value(va);
    agora_printf(", want ");
    print_value(vb);
    agora_printf("\n");
}

void ktest_report_error(const char *expr, long err, const char *file, int line)
{
    agora_printf("    check failed: %s returned %ld (%s: %s) (%s:%d)\n", expr, err,
                 agora_error_name(err), agora_strerror(err), file, line);
}

/* Two tests with one name would make a report ambiguous. */
static bool names_unique(const ktest_t *first, const ktest_t *end)
{
    bool ok = true;

    for (const ktest_t *a = first; a < end; a++)
        for (const ktest_t *b = a + 1; b < end; b++)
            if (strcmp(a->name, b->name) == 0) {
                agora_printf("ktest: two tests named %s (%s, %s)\n", a->name, a->file, b->file);
                ok = false;
            }
    return ok;
}

/* The kernel's figures and the pool's, to compare before and after all tests. */
typedef struct snapshot {
    long pool_pages;
    long stats_result;
    struct agora_kernel_stats stats;
} snapshot_t;

static void take_snapshot(snapshot_t *s)
{
    memset(s, 0, sizeof(*s));
    s->pool_pages = sys_pool_info(CAP_INIT_POOL);
    s->stats_result = sys_kernel_stats(CAP_INIT_MACHINE, &s->stats);
}

/*
 * Leak and consistency check: once every test's capabilities are deleted, the pool has all
 * its pages back and the kernel holds as many tasks, threads and mappings as before, and
 * its own bookkeeping check finds nothing. Free frames and heap bytes are printed only:
 * page tables and caches may stay allocated.
 */
static bool compare_snapshots(const snapshot_t *a, const snapshot_t *b)
{
    bool ok = true;

    agora_printf("ktest: pool pages %ld -> %ld; free frames %lu -> %lu, kernel heap %lu -> %lu bytes\n",
                 a->pool_pages, b->pool_pages, (unsigned long)a->stats.free_frames,
                 (unsigned long)b->stats.free_frames, (unsigned long)a->stats.heap_bytes,
                 (unsigned long)b->stats.heap_bytes);
    if (a->pool_pages < 0 || a->pool_pages != b->pool_pages) {
        agora_printf("ktest: the tests leaked %ld pool pages\n", a->pool_pages - b->pool_pages);
        ok = false;
    }
    if (a->stats_result < 0 || b->stats_result < 0) {
        agora_printf("ktest: SYS_KERNEL_STATS failed: %s\n",
                     agora_error_name(a->stats_result < 0 ? a->stats_result : b->stats_result));
        return false;
    }
    if (a->stats.tasks != b->stats.tasks || a->stats.threads != b->stats.threads ||
        a->stats.mappings != b->stats.mappings) {
        agora_printf("ktest: tasks %lu -> %lu, threads %lu -> %lu, mappings %lu -> %lu: leaked\n",
                     (unsigned long)a->stats.tasks, (unsigned long)b->stats.tasks,
                     (unsigned long)a->stats.threads, (unsigned long)b->stats.threads,
                     (unsigned long)a->stats.mappings, (unsigned long)b->stats.mappings);
        ok = false;
    }
    if (a->stats.check_errors != 0 || b->stats.check_errors != 0) {
        agora_printf("ktest: the kernel's consistency check found %lu errors\n",
                     (unsigned long)b->stats.check_errors);
        ok = false;
    }
    return ok;
}

/* The tests in source order: the compiler may emit a file's entries in any order. */
#define MAX_TESTS 1024
static const ktest_t *order[MAX_TESTS];

static bool runs_before(const ktest_t *a, const ktest_t *b)
{
    int c = strcmp(a->file, b->file);

    return c < 0 || (c == 0 && a->line < b->line);
}

static int sort_tests(const ktest_t *first, const ktest_t *end)
{
    int n = 0;

    for (const ktest_t *t = first; t < end && n < MAX_TESTS; t++) {
        int i = n++;

        while (i > 0 && runs_before(t, order[i - 1])) {
            order[i] = order[i - 1];
            i--;
        }
        order[i] = t;
    }
    return n;
}

static noreturn void finish(int failed)
{
    long r;

    agora_flush();
    r = sys_machine_halt(CAP_INIT_MACHINE, failed ? 1 : 0);
    agora_printf("ktest: SYS_MACHINE_HALT returned %ld (%s): FAIL\n", r, agora_error_name(r));
    agora_exit(1);
}

int main(uint64_t arg)
{
    const ktest_t *first = __start_ktests, *end = __stop_ktests;
    int total = (int)(end - first), passed = 0, failed = 0;
    snapshot_t before, after;

    boot = (const struct agora_boot_info *)arg;
    agora_printf("ktest: running %d kernel tests from user space\n", total);
    if (arg != AGORA_BOOT_INFO_VADDR || boot->magic != AGORA_BOOT_MAGIC) {
        agora_printf("ktest: no boot information at 0x%lx (argument 0x%lx): FAIL\n",
                     (unsigned long)AGORA_BOOT_INFO_VADDR, (unsigned long)arg);
        finish(1);
    }
    agora_slots_init(boot->first_free_slot);
    take_snapshot(&before);

    int nsorted = sort_tests(first, end);      /* fewer than total only beyond MAX_TESTS */

    for (int i = 0; i < nsorted; i++) {
        const ktest_t *t = order[i];
        bool ok = t->run();

        release_test_slots();
        agora_printf("ktest %s: %s\n", t->name, ok ? "ok" : "FAIL");
        if (ok)
            passed++;
        else
            failed++;
    }

    /* The runner checks itself: every registered test reported, under its own name. */
    if (passed + failed != total || total == 0) {
        agora_printf("ktest: ran %d of %d tests\n", passed + failed, total);
        failed++;
    }
    if (!names_unique(first, end))
        failed++;
    /* Let the kernel finish with what the tests destroyed (dead threads are reaped later). */
    sys_sleep(20000);
    take_snapshot(&after);
    if (!compare_snapshots(&before, &after))
        failed++;

    agora_printf("ktest: %d passed, %d failed\n", passed, failed);
    finish(failed);
}

long ktest_cap_type(uint64_t slot)
{
    long info = sys_cap_info(slot);
    return info < 0 ? info : (long)AGORA_CAP_INFO_TYPE(info);
}

long ktest_cap_rights(uint64_t slot)
{
    long info = sys_cap_info(slot);
    return info < 0 ? info : (long)AGORA_CAP_INFO_RIGHTS(info);
}

uint64_t ktest_new_endpoint(void)
{
    uint64_t ep = ktest_slot();
    return sys_endpoint_create(CAP_INIT_POOL, ep) < 0 ? CAP_NULL : ep;
}

uint64_t ktest_new_notification(void)
{
    uint64_t n = ktest_slot();
    return sys_notify_create(CAP_INIT_POOL, n) < 0 ? CAP_NULL : n;
}

uint64_t ktest_copy_of(uint64_t src, uint64_t rights, uint64_t badge)
{
    uint64_t dst = ktest_slot();
    return sys_cap_copy(src, dst, rights, badge) < 0 ? CAP_NULL : dst;
}
