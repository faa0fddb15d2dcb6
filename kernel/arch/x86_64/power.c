/* Clean halt: QEMU's isa-debug-exit in tests, ACPI soft-off otherwise, hlt as a last resort. */
#include "arch/x86_64/power.h"
#include "arch/x86_64/cpu/cpu.h"

#define DEBUG_EXIT_PORT 0xf4
/* PM1a control block where SeaBIOS places it on QEMU's pc and q35 machines; SLP_EN | S5. */
#define QEMU_PM1A_CNT 0x604
#define PM1_SLP_S5 0x2000

static bool test_mode;

void power_set_test_mode(bool on)
{
    test_mode = on;
}

noreturn void machine_halt(enum exit_code code)
{
    cpu_disable_interrupts();
    if (test_mode)
        outl(DEBUG_EXIT_PORT, code);
    outw(QEMU_PM1A_CNT, PM1_SLP_S5);
    for (;;)
        cpu_halt();
}
