/* ktest: the starting state, SYS_DEBUG_PUTS with good and bad buffers, unknown numbers, time. */
#include "ktest.h"

#include <agora/ipc.h>
#include <libagora/string.h>

static bool has_nul(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0')
            return true;
    return false;
}

static bool contains(const char *s, const char *word)
{
    size_t n = strlen(word);

    for (; *s != '\0'; s++)
        if (strncmp(s, word, n) == 0)
            return true;
    return false;
}

KTEST(boot_info_sane)
{
    const struct agora_boot_info *b = ktest_boot();

    KTEST_EQ(b->magic, AGORA_BOOT_MAGIC);
    KTEST_CHECK(b->nmodules >= 1 && b->nmodules <= AGORA_BOOT_MAX_MODULES);
    KTEST_CHECK(b->pool_pages > 0);
    KTEST_CHECK(b->tsc_khz > 0);
    KTEST_CHECK(b->first_free_slot >= CAP_INIT_FIRST_MODULE + b->nmodules);
    KTEST_CHECK(b->first_free_slot < CAP_TABLE_SLOTS);
    KTEST_CHECK(has_nul(b->cmdline, sizeof(b->cmdline)));
    /* This boot: ktest is module 0 and the command line asks for it. */
    KTEST_CHECK(strncmp(b->modules[0].name, "ktest", 5) == 0);
    KTEST_CHECK(contains(b->cmdline, "test=ktest"));
    KTEST_CHECK(b->modules[0].size > 0);
    for (uint64_t i = 0; i < b->nmodules; i++) {
        KTEST_EQ(b->modules[i].cap, CAP_INIT_FIRST_MODULE + i);
        KTEST_CHECK(has_nul(b->modules[i].name, sizeof(b->modules[i].name)));
    }
    return true;
}

/* The stack and the IPC buffer are where boot.h says, and usable. */
KTEST(initial_layout)
{
    volatile uint64_t local = 0x1234;
    uint64_t sp = (uint64_t)&local;
    struct agora_ipc_buffer *ipc = agora_ipc_buffer();

    KTEST_EQ(local, 0x1234);
    KTEST_CHECK(sp < AGORA_INIT_STACK_TOP);
    KTEST_CHECK(sp >= AGORA_INIT_STACK_TOP - AGORA_INIT_STACK_PAGES * 4096ull);
    KTEST_EQ((uint64_t)ipc, AGORA_INIT_IPC_BUFFER);
    ipc->user_tls = 0x5a5a5a5a5a5a5a5aull;
    KTEST_EQ(((volatile struct agora_ipc_buffer *)ipc)->user_tls, 0x5a5a5a5a5a5a5a5aull);
    ipc->user_tls = 0;
    return true;
}

KTEST(debug_puts_good)
{
    static const char msg[] = "ktest: a line through SYS_DEBUG_PUTS\n";

    agora_flush();
    KTEST_OK(sys_debug_puts(msg, sizeof(msg) - 1));
    KTEST_OK(sys_debug_puts(msg, 0));
    /* From the read-only boot information page: reading is all the kernel needs. */
    KTEST_OK(sys_debug_puts((const char *)ktest_boot()->cmdline, 0));
    return true;
}

KTEST(debug_puts_bad_pointers)
{
    char on_stack[8] = "1234567";

    KTEST_EQ(sys_debug_puts(NULL, 5), -E_FAULT);
    KTEST_EQ(sys_debug_puts((const char *)8, 1), -E_FAULT);
    KTEST_EQ(sys_debug_puts((const char *)KTEST_UNMAPPED_VADDR, 8), -E_FAULT);
    /* The kernel half: its image and its direct map are mapped, but not for us. */
    KTEST_EQ(sys_debug_puts((const char *)0xffffffff80000000ull, 8), -E_FAULT);
    KTEST_EQ(sys_debug_puts((const char *)0xffff800000000000ull, 8), -E_FAULT);
    /* Non-canonical, and a range running from the last user page into it. */
    KTEST_EQ(sys_debug_puts((const char *)AGORA_USER_TOP, 8), -E_FAULT);
    KTEST_EQ(sys_debug_puts((const char *)(AGORA_USER_TOP - 4), 8), -E_FAULT);
    /* A good start running off the end of the stack into the unmapped page above it. */
    KTEST_EQ(sys_debug_puts((const char *)(AGORA_INIT_STACK_TOP - 4), 8), -E_FAULT);
    /* A length that wraps the address space, and one far too long. */
    long r = sys_debug_puts(on_stack, UINT64_MAX);
    KTEST_CHECK(r == -E_FAULT || r == -E_RANGE);
    r = sys_debug_puts(on_stack, 1ull << 40);
    KTEST_CHECK(r == -E_FAULT || r == -E_RANGE);
    return true;
}

KTEST(unknown_syscall_numbers)
{
    static const uint64_t bad[] = {
        SYS_COUNT, SYS_COUNT + 1, 1000, 0xffffffffull, UINT64_MAX, 1ull << 63,
        /* Only the low bits are a real call: the kernel must look at all 64. */
        (1ull << 32) | SYS_CLOCK, (1ull << 32) | SYS_YIELD,
    };

    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        KTEST_EQ(agora_syscall6((long)bad[i], 0, 0, 0, 0, 0, 0), -E_NOSYS);
    KTEST_CHECK(agora_syscall_name(SYS_COUNT) == NULL);
    KTEST_CHECK(strcmp(agora_syscall_name(SYS_DEBUG_PUTS), "SYS_DEBUG_PUTS") == 0);
    return true;
}

KTEST(yield_returns)
{
    for (int i = 0; i < 100; i++)
        KTEST_OK(sys_yield());
    return true;
}

KTEST(clock_monotonic)
{
    long prev = sys_clock(), now;

    KTEST_OK(prev);
    for (int i = 0; i < 10000; i++) {
        now = sys_clock();
        KTEST_OK(now);
        KTEST_CHECK(now >= prev);
        prev = now;
    }
    /* It moves: within a second of busy reading under any emulator. */
    long start = sys_clock();
    for (long i = 0; i < 100000000 && sys_clock() == start; i++)
        ;
    KTEST_CHECK(sys_clock() > start);
    return true;
}

/*
 * sys_sleep never returns early. A kernel that counts the sleep from the last timer tick
 * returns early by however far into its tick the call came: so each sleep starts at a
 * chosen point of a tick (just after one, found by sleeping 1 us, plus a busy wait).
 */
KTEST(sleep_duration)
{
    static const long phases[] = { 0, 3000, 6000, 8000, 9500 };

    for (unsigned i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
        long tick, t0, t1;

        KTEST_OK(sys_sleep(1));
        tick = sys_clock();
        KTEST_OK(tick);
        do
            t0 = sys_clock();
        while (t0 - tick < phases[i]);
        KTEST_OK(sys_sleep(15000));
        t1 = sys_clock();
        /* 1 ms of slack between the timer and the clock; late by at most what TCG needs. */
        if (t1 - t0 < 15000 - 1000 || t1 - t0 >= 15000 + 1000000)
            agora_printf("    sys_sleep(15000) took %ld us, %ld us after a tick\n", t1 - t0, phases[i]);
        KTEST_CHECK(t1 - t0 >= 15000 - 1000);
        KTEST_CHECK(t1 - t0 < 15000 + 1000000);
    }
    KTEST_OK(sys_sleep(0));
    /* Over an hour is refused rather than taken literally. */
    KTEST_EQ(sys_sleep(UINT64_MAX), -E_RANGE);
    return true;
}
