/* Formatted output to the kernel log (SYS_DEBUG_PUTS) and into strings. */
#ifndef LIBAGORA_PRINTF_H
#define LIBAGORA_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * The conversions of kernel/lib/format.c: %d %i %u %x %X %o %p %s %c %%, flags - 0 + space
 * #, width and precision (also *), lengths hh h l ll z t j; no floating point.
 *
 * agora_printf buffers one line and hands it to the kernel when it ends ('\n'), when the
 * buffer is full, or on agora_flush(): lines from different tasks never interleave inside
 * a line. Returns the number of characters formatted. Not thread-safe.
 */
int agora_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int agora_vprintf(const char *fmt, va_list ap);
/* Writes s and a newline, like puts. */
int agora_puts(const char *s);
/* Hands what is buffered to the kernel. */
void agora_flush(void);

/* C99 snprintf: at most size-1 characters and a NUL; returns the full length. */
int agora_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int agora_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
