/* Kernel logging to the debug console, with uptime stamps, and panic. */
#ifndef AGORA_KERNEL_LIB_LOG_H
#define AGORA_KERNEL_LIB_LOG_H

#include <stdarg.h>
#include <stdnoreturn.h>

/* Unadorned output. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);

/* One log line: "[    1.234567] tag: message\n". */
void log_line(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the message, a backtrace of the caller, and stops the machine. */
noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define KASSERT(expr)                                                           \
    do {                                                                        \
        if (__builtin_expect(!(expr), 0))                                       \
            panic("assertion failed: %s at %s:%d", #expr, __FILE__, __LINE__);  \
    } while (0)

#endif
