/* Self-tests of interrupts, exceptions, the timer and the kernel's own support code. */
#include "selftest/selftest.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/boot/layout.h"
#include "arch/x86_64/cpu/trap.h"
#include "arch/x86_64/dev/timer.h"
#include "lib/format.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/symbols.h"

void kmain(uint32_t magic, uint64_t info_phys);

static volatile uint64_t hook_vector = ~0ull;
static volatile uint64_t hook_rip;

static void record_breakpoint(trap_frame_t *tf)
{
    hook_vector = tf->vector;
    hook_rip = tf->rip;          /* int3 is a trap: rip is already past it */
}

static void skip_ud2(trap_frame_t *tf)
{
    hook_vector = tf->vector;
    hook_rip = tf->rip;
    tf->rip += 2;                /* ud2 is a fault: skip the two-byte instruction */
}

SELFTEST(exception_returns_through_idt)
{
    hook_vector = ~0ull;
    trap_expect(3, record_breakpoint);
    __asm__ volatile("int3");
    SELFTEST_CHECK(hook_vector == 3);
    hook_vector = ~0ull;
    trap_expect(6, skip_ud2);
    __asm__ volatile("ud2");
    SELFTEST_CHECK(hook_vector == 6);
    SELFTEST_CHECK(hook_rip >= KERNEL_VMA_BASE);
    return true;
}

SELFTEST(timer_ticking)
{
    SELFTEST_CHECK(read_rflags() & (1u << 9));   /* interrupts on */
    uint64_t t0 = timer_ticks(), us0 = timer_uptime_us();
    while (timer_ticks() < t0 + 20)
        cpu_wait_for_interrupt();
    uint64_t elapsed = timer_uptime_us() - us0;
    log_line("selftest", "20 ticks took %lu us by the TSC", (unsigned long)elapsed);
    /* 200 ms expected; emulation jitters, so allow a wide band but catch a wrong calibration. */
    SELFTEST_CHECK(elapsed > 100000 && elapsed < 600000);
    return true;
}

SELFTEST(format_output)
{
    char buf[64];
    int n = fmt_snprintf(buf, sizeof buf, "%s=%d %#x %05u %-3c|%lx", "v", -42, 255, 7u, 'z', 0xfeedul);
    SELFTEST_CHECK(strcmp(buf, "v=-42 0xff 00007 z  |feed") == 0);
    SELFTEST_CHECK(n == (int)strlen(buf));
    SELFTEST_CHECK(fmt_snprintf(buf, 4, "%s", "truncated") == 9 && strcmp(buf, "tru") == 0);
    return true;
}

SELFTEST(symbols_resolve)
{
    uint64_t off = ~0ull;
    const char *name = symbol_lookup((uint64_t)kmain + 3, &off);
    SELFTEST_CHECK(name && strcmp(name, "kmain") == 0 && off == 3);
    SELFTEST_CHECK(symbol_lookup(0x1000, &off) == 0);
    return true;
}
