/* Formatted output for the kernel: printf-style formatting into any sink. */
#ifndef AGORA_KERNEL_LIB_FORMAT_H
#define AGORA_KERNEL_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives the formatted characters one at a time. */
typedef void (*fmt_sink_t)(char c, void *ctx);

/*
 * Supported: %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '+' ' ' '#',
 * field width and precision (both may be '*'), length modifiers hh h l ll z t j.
 * A NULL %s prints "(null)". %p prints 0x and lowercase hex digits (0x0 for
 * NULL). An unknown conversion (%n and floating point included) is printed literally.
 * Returns the number of characters sent to the sink.
 */
size_t fmt_vformat(fmt_sink_t sink, void *ctx, const char *fmt, va_list ap);
size_t fmt_format(fmt_sink_t sink, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Like C99 vsnprintf: writes at most size-1 characters and a NUL (when
 * size > 0) and returns the length the full output would have had.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
