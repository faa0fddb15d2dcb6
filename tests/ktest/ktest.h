/* ktest: the framework of the user-space kernel test suite; any .c file in tests/ktest adds tests. */
#ifndef AGORA_TESTS_KTEST_H
#define AGORA_TESTS_KTEST_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/boot.h>
#include <agora/errors.h>
#include <agora/objects.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

typedef struct ktest {
    const char *name;
    bool (*run)(void);
    const char *file;
    int line;
} ktest_t;

/*
 * Defines a test: `KTEST(name) { ...; return true; }`. The linker gathers every entry in
 * the `ktests` section (ld defines __start_ktests and __stop_ktests); the runner (main.c)
 * runs them in source order (by file name, then line), prints "ktest NAME: ok" or "ktest NAME: FAIL", and checks that
 * every registered test ran and that no two share a name.
 */
#define KTEST(fn)                                                              \
    static bool fn(void);                                                      \
    static const ktest_t ktest_entry_##fn                                      \
        __attribute__((used, section("ktests"), aligned(8))) = { #fn, fn, __FILE__, __LINE__ }; \
    static bool fn(void)

/* Each prints what went wrong and where, then makes the test return false. */
#define KTEST_CHECK(cond)                                                      \
    do {                                                                       \
        if (!(cond)) {                                                         \
            ktest_report_check(#cond, __FILE__, __LINE__);                     \
            return false;                                                      \
        }                                                                      \
    } while (0)

/* Compares as signed 64-bit values and prints both (with error names for small negatives). */
#define KTEST_EQ(a, b)                                                         \
    do {                                                                       \
        long ktest_a_ = (long)(a), ktest_b_ = (long)(b);                       \
        if (ktest_a_ != ktest_b_) {                                            \
            ktest_report_eq(#a, #b, ktest_a_, ktest_b_, __FILE__, __LINE__);    \
            return false;                                                      \
        }                                                                      \
    } while (0)

/* A system call that must succeed (result >= 0). */
#define KTEST_OK(expr)                                                         \
    do {                                                                       \
        long ktest_r_ = (long)(expr);                                          \
        if (ktest_r_ < 0) {                                                    \
            ktest_report_error(#expr, ktest_r_, __FILE__, __LINE__);           \
            return false;                                                      \
        }                                                                      \
    } while (0)

void ktest_report_check(const char *cond, const char *file, int line);
void ktest_report_eq(const char *a, const char *b, long va, long vb, const char *file, int line);
void ktest_report_error(const char *expr, long err, const char *file, int line);

/* The boot information (ktest runs as init: module 0). */
const struct agora_boot_info *ktest_boot(void);

/*
 * An empty capability slot for this test. The runner deletes whatever the test left in
 * its slots when it ends, so tests need not clean up capabilities (mappings they must).
 * Returns CAP_NULL when the table is full: creating into it fails, so the test does too.
 */
uint64_t ktest_slot(void);

/* An address in user space where nothing is mapped (not the ELF, stack, IPC buffer or boot info). */
#define KTEST_UNMAPPED_VADDR 0x0000000010000000ull
/* A window tests may map into, one test at a time; unmap before returning. */
#define KTEST_SCRATCH_VADDR  0x0000000020000000ull

/* Small helpers shared by the test files (main.c). Slots come from ktest_slot(). */
long ktest_cap_type(uint64_t slot);          /* the object type, or the lookup's error */
long ktest_cap_rights(uint64_t slot);        /* the rights, or the lookup's error */
uint64_t ktest_new_endpoint(void);           /* a new endpoint (all rights), or CAP_NULL */
uint64_t ktest_new_notification(void);       /* a new notification (all rights), or CAP_NULL */
/* A copy of src with those rights and badge in a fresh slot, or CAP_NULL. */
uint64_t ktest_copy_of(uint64_t src, uint64_t rights, uint64_t badge);

#endif
