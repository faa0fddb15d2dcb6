/* The test guest: a small multiboot kernel that exercises the hypervisor primitives of DESIGN.md §6 and reports each on its serial port. */
#include "guest.h"

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u

void guest_main(uint32_t magic, uint32_t info);

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
    failed += test_user_mode();
    failed += test_resources();
    failed += test_paging();
    failed += test_timer();
    failed += test_event();
    con_puts("test guest: done\n");
    hypercall(HC_SHUTDOWN, (uint32_t)failed, 0, 0, 0);
    for (;;)
        __asm__ volatile("cli; hlt");
}
