/* The test guest: a small multiboot kernel that exercises the hypervisor primitives of DESIGN.md §6 and reports each on its serial port. */
#include "guest.h"

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u

#define BENCH_CALLS 200

void guest_main(uint32_t magic, uint32_t info);

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* make bench's figure: the TSC ticks of one INFO hypercall answered by vmm-server (the mean over BENCH_CALLS). */
static void bench_hypercall(void)
{
    uint64_t start = rdtsc();

    for (int i = 0; i < BENCH_CALLS; i++)
        hc_info(HC_INFO_ABI);
    con_puts("test guest: hypercall round trip ");
    con_putu((uint32_t)((rdtsc() - start) / BENCH_CALLS));
    con_puts(" tsc\n");
}

void guest_main(uint32_t magic, uint32_t info)
{
    int failed = 0;

    con_init();
    con_puts("test guest: started\n");
    if (magic != MULTIBOOT_LOADER_MAGIC || info == 0) {
        con_puts("test guest: FAIL not started by a multiboot loader\n");
        failed++;
    }
    cpu_init();
    /* With "reset": the first boot asks the VMM to start it again (RESET), the second goes on. */
    if (cmdline_has(info, "reset") && hc_info(HC_INFO_BOOTS) == 1) {
        con_puts("test guest: resetting\n");
        hypercall(HC_RESET, 0, 0, 0, 0);
        con_puts("test guest: FAIL RESET returned\n");
    }
    if (cmdline_has(info, "reset"))
        con_puts(hc_info(HC_INFO_BOOTS) == 2 ? "test guest: second boot\n" : "test guest: FAIL boots\n");
    /* Before the tests: paging off, no timer, as kbench's vm_exit_round_trip guest runs. */
    bench_hypercall();
    failed += test_user_mode();
    failed += test_resources();
    failed += test_paging();
    failed += test_timer();
    failed += test_event();
    if (cmdline_has(info, "echo"))
        failed += echo_line();
    con_puts("test guest: done\n");
    hypercall(HC_SHUTDOWN, (uint32_t)failed, 0, 0, 0);
    for (;;)
        __asm__ volatile("cli; hlt");
}
