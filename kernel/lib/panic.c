/* panic(): report and stop. */
#include "lib/log.h"
#include "lib/backtrace.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/power.h"

noreturn void panic(const char *fmt, ...)
{
    cpu_disable_interrupts();
    kprintf("\nKERNEL PANIC: ");
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    /* Start at our caller: its return address, and the frame pointer it saved in our frame. */
    const uint64_t *frame = __builtin_frame_address(0);
    backtrace_print((uint64_t)__builtin_return_address(0) - 1, frame[0], 16);
    kprintf("system halted\n");
    machine_halt(EXIT_PANIC);
}
