/* In-kernel self-tests, run when the command line says test=NAME. */
#ifndef AGORA_KERNEL_SELFTEST_H
#define AGORA_KERNEL_SELFTEST_H

#include <stdbool.h>
#include <stdint.h>

typedef struct selftest {
    const char *name;
    bool (*run)(void);
} selftest_t;

/* Defines a self-test; the linker collects them all in .selftests. */
#define SELFTEST(fn)                                                         \
    static bool fn(void);                                                    \
    static const selftest_t selftest_entry_##fn                              \
        __attribute__((used, section(".selftests"), aligned(8))) = { #fn, fn }; \
    static bool fn(void)

/* Prints a failure with its location; evaluates to false so tests can `return CHECK_FAIL(...)`. */
#define SELFTEST_CHECK(cond)                                                 \
    do {                                                                     \
        if (!(cond)) {                                                       \
            kprintf("    check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            return false;                                                    \
        }                                                                    \
    } while (0)

/*
 * For trap_dispatch, on an interrupt vector it does not handle itself: true when the
 * I/O APIC self-test armed that vector and took the interrupt (EOI included).
 */
bool ioapic_selftest_vector_hook(uint64_t vector);

/* Runs the test mode named on the command line; never returns. */
void selftest_main(const char *mode) __attribute__((__noreturn__));

#endif
