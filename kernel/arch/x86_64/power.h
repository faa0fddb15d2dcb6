/* Stopping the machine: a clean halt, power off, and the test exit channel. */
#ifndef AGORA_KERNEL_ARCH_POWER_H
#define AGORA_KERNEL_ARCH_POWER_H

#include <stdbool.h>
#include <stdnoreturn.h>

/* Codes written to QEMU's isa-debug-exit device; QEMU exits with (code << 1) | 1. */
enum exit_code {
    EXIT_PASS = 0,
    EXIT_FAIL = 1,
    EXIT_PANIC = 2,
};

/* Enables the isa-debug-exit channel (only when the command line asks for a test). */
void power_set_test_mode(bool on);

/* Reports code on the test channel (if enabled), powers off through ACPI, else halts forever. */
noreturn void machine_halt(enum exit_code code);

#endif
