/* Kernel log output: the formatter writing to the serial console. */
#include "lib/log.h"
#include "lib/format.h"
#include "arch/x86_64/dev/serial.h"
#include "arch/x86_64/dev/timer.h"

static void log_sink(char c, void *ctx)
{
    (void)ctx;
    serial_putc(c);
}

void kvprintf(const char *fmt, va_list ap)
{
    fmt_vformat(log_sink, 0, fmt, ap);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

void log_line(const char *tag, const char *fmt, ...)
{
    uint64_t us = timer_uptime_us();
    kprintf("[%5lu.%06lu] %s: ", (unsigned long)(us / 1000000), (unsigned long)(us % 1000000), tag);
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    serial_putc('\n');
}
