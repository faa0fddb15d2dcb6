/* agora_printf: kernel/lib/format.c's formatter, line-buffered into SYS_DEBUG_PUTS. */
#include <libagora/printf.h>

#include <libagora/string.h>
#include <libagora/sys.h>

#include "lib/format.h"

#define LINE_MAX 256

/* One line in the making; not thread-safe (one thread per program for now). */
static char line[LINE_MAX];
static size_t line_len;

void agora_flush(void)
{
    if (line_len > 0)
        sys_debug_puts(line, line_len);
    line_len = 0;
}

static void line_sink(char c, void *ctx)
{
    (void)ctx;
    line[line_len++] = c;
    if (c == '\n' || line_len == LINE_MAX)
        agora_flush();
}

int agora_vprintf(const char *fmt, va_list ap)
{
    size_t n = fmt_vformat(line_sink, NULL, fmt, ap);

    return n > (size_t)__INT_MAX__ ? -1 : (int)n;
}

int agora_printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = agora_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int agora_puts(const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; i < n; i++)
        line_sink(s[i], NULL);
    line_sink('\n', NULL);
    return (int)(n + 1);
}

int agora_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    return fmt_vsnprintf(buf, size, fmt, ap);
}

int agora_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
