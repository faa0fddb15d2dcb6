/* The self-test runner and the deliberate-fault tests that must end in a panic report. */
#include "selftest/selftest.h"
#include "arch/x86_64/power.h"
#include "lib/log.h"
#include "lib/string.h"
#include <stdint.h>

extern const selftest_t kernel_selftests_start[], kernel_selftests_end[];

/* Kept out of line and volatile so the compiler cannot fold away the faults. */
static volatile uint64_t fault_address = 0xdead000;
static volatile uint8_t data_bytes[16] = { 0xc3 };   /* a `ret` that must never run */
static volatile int divisor;

static void __attribute__((noinline)) selftest_page_fault(void)
{
    log_line("selftest", "reading unmapped address 0x%lx", (unsigned long)fault_address);
    (void)*(volatile uint64_t *)fault_address;
}

static void __attribute__((noinline)) selftest_write_text(void)
{
    log_line("selftest", "writing to kernel text at %p", (void *)selftest_write_text);
    *(volatile uint8_t *)(void *)selftest_write_text = 0x90;
}

static void __attribute__((noinline)) selftest_exec_data(void)
{
    log_line("selftest", "jumping into kernel data at %p", (void *)data_bytes);
    ((void (*)(void))(uintptr_t)data_bytes)();
}

static void __attribute__((noinline)) selftest_divide(void)
{
    log_line("selftest", "dividing by zero");
    /* In assembly: C's 1/x is undefined for 0, and gcc rewrites it without a div. */
    uint32_t lo = 1, hi = 0, d = (uint32_t)divisor;
    __asm__ volatile("divl %2" : "+a"(lo), "+d"(hi) : "r"(d));
}

static const struct {
    const char *mode;
    void (*provoke)(void);
} fault_tests[] = {
    { "pagefault", selftest_page_fault },
    { "wx", selftest_write_text },
    { "nx", selftest_exec_data },
    { "divide", selftest_divide },
};

static noreturn void run_all(void)
{
    int passed = 0, failed = 0;
    int total = (int)(kernel_selftests_end - kernel_selftests_start);
    log_line("selftest", "running %d kernel self-tests", total);
    for (const selftest_t *t = kernel_selftests_start; t < kernel_selftests_end; t++) {
        bool ok = t->run();
        kprintf("selftest %s: %s\n", t->name, ok ? "ok" : "FAIL");
        if (ok)
            passed++;
        else
            failed++;
    }
    /* The runner checks itself: every registered test reported. */
    if (passed + failed != total || total == 0) {
        kprintf("selftest: ran %d of %d tests\n", passed + failed, total);
        failed++;
    }
    kprintf("selftest: %d passed, %d failed\n", passed, failed);
    machine_halt(failed ? EXIT_FAIL : EXIT_PASS);
}

noreturn void selftest_main(const char *mode)
{
    if (strcmp(mode, "selftest") == 0)
        run_all();
    for (size_t i = 0; i < sizeof fault_tests / sizeof fault_tests[0]; i++) {
        if (strcmp(mode, fault_tests[i].mode) == 0) {
            fault_tests[i].provoke();
            kprintf("selftest: FAIL: %s test returned without a fault\n", mode);
            machine_halt(EXIT_FAIL);
        }
    }
    kprintf("selftest: unknown test mode '%s'\n", mode);
    machine_halt(EXIT_FAIL);
}
