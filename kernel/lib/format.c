/* printf-style formatting into a character sink, with no libc and no floating point. */
#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

enum fmt_flag {
    FMT_LEFT  = 1u << 0,   /* '-' */
    FMT_ZERO  = 1u << 1,   /* '0' */
    FMT_PLUS  = 1u << 2,   /* '+' */
    FMT_SPACE = 1u << 3,   /* ' ' */
    FMT_ALT   = 1u << 4,   /* '#' */
};

enum fmt_length {
    FMT_LEN_INT,
    FMT_LEN_CHAR,          /* hh */
    FMT_LEN_SHORT,         /* h */
    FMT_LEN_LONG,          /* l */
    FMT_LEN_LLONG,         /* ll */
    FMT_LEN_SIZE,          /* z */
    FMT_LEN_PTRDIFF,       /* t */
    FMT_LEN_INTMAX,        /* j */
};

/* Widths and precisions are clamped here so that parsing a huge number cannot overflow. */
#define FMT_MAX_FIELD 0x7fffffff

typedef struct fmt_spec {
    unsigned flags;
    int width;             /* 0 when absent */
    int precision;         /* -1 when absent */
    enum fmt_length length;
    char conv;
} fmt_spec_t;

typedef struct fmt_out {
    fmt_sink_t sink;
    void *ctx;
    size_t count;
} fmt_out_t;

static void fmt_putc(fmt_out_t *out, char c)
{
    out->sink(c, out->ctx);
    out->count++;
}

static void fmt_repeat(fmt_out_t *out, char c, size_t n)
{
    while (n-- > 0)
        fmt_putc(out, c);
}

static void fmt_write(fmt_out_t *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fmt_putc(out, s[i]);
}

/* Reads a decimal number at *p, advancing past it; saturates at FMT_MAX_FIELD. */
static int fmt_parse_number(const char **p)
{
    int64_t n = 0;

    while (**p >= '0' && **p <= '9') {
        n = n * 10 + (**p - '0');
        if (n > FMT_MAX_FIELD)
            n = FMT_MAX_FIELD;
        (*p)++;
    }
    return (int)n;
}

/* Parses flags, width, precision and length after a '%'; leaves *p on the conversion. */
static void fmt_parse_spec(const char **p, va_list *ap, fmt_spec_t *spec)
{
    spec->flags = 0;
    spec->width = 0;
    spec->precision = -1;
    spec->length = FMT_LEN_INT;

    for (;; (*p)++) {
        if (**p == '-')
            spec->flags |= FMT_LEFT;
        else if (**p == '0')
            spec->flags |= FMT_ZERO;
        else if (**p == '+')
            spec->flags |= FMT_PLUS;
        else if (**p == ' ')
            spec->flags |= FMT_SPACE;
        else if (**p == '#')
            spec->flags |= FMT_ALT;
        else
            break;
    }

    if (**p == '*') {
        int w = va_arg(*ap, int);
        (*p)++;
        /* A negative '*' width means '-' with its absolute value (C11 7.21.6.1). */
        if (w < 0) {
            spec->flags |= FMT_LEFT;
            w = (w < -FMT_MAX_FIELD) ? FMT_MAX_FIELD : -w;
        }
        spec->width = w;
    } else {
        spec->width = fmt_parse_number(p);
    }

    if (**p == '.') {
        (*p)++;
        if (**p == '*') {
            int prec = va_arg(*ap, int);
            (*p)++;
            /* A negative '*' precision counts as no precision at all. */
            spec->precision = prec < 0 ? -1 : prec;
        } else {
            spec->precision = fmt_parse_number(p);
        }
    }

    switch (**p) {
    case 'h':
        (*p)++;
        spec->length = FMT_LEN_SHORT;
        if (**p == 'h') {
            (*p)++;
            spec->length = FMT_LEN_CHAR;
        }
        break;
    case 'l':
        (*p)++;
        spec->length = FMT_LEN_LONG;
        if (**p == 'l') {
            (*p)++;
            spec->length = FMT_LEN_LLONG;
        }
        break;
    case 'z':
        (*p)++;
        spec->length = FMT_LEN_SIZE;
        break;
    case 't':
        (*p)++;
        spec->length = FMT_LEN_PTRDIFF;
        break;
    case 'j':
        (*p)++;
        spec->length = FMT_LEN_INTMAX;
        break;
    default:
        break;
    }
    spec->conv = **p;
}

/*
 * Fetches a signed argument of the spec's length as its magnitude and sign, so that
 * the most negative value of every type (INT64_MIN) needs no special case.
 */
static unsigned long long fmt_arg_signed(va_list *ap, enum fmt_length length, bool *negative)
{
    long long v;

    switch (length) {
    case FMT_LEN_CHAR:    v = (signed char)va_arg(*ap, int); break;
    case FMT_LEN_SHORT:   v = (short)va_arg(*ap, int); break;
    case FMT_LEN_LONG:    v = va_arg(*ap, long); break;
    case FMT_LEN_LLONG:   v = va_arg(*ap, long long); break;
    /* The signed type corresponding to size_t has ptrdiff_t's width on every ABI we build for. */
    case FMT_LEN_SIZE:    v = (ptrdiff_t)va_arg(*ap, size_t); break;
    case FMT_LEN_PTRDIFF: v = va_arg(*ap, ptrdiff_t); break;
    case FMT_LEN_INTMAX:  v = va_arg(*ap, intmax_t); break;
    default:              v = va_arg(*ap, int); break;
    }
    *negative = v < 0;
    return *negative ? 0ull - (unsigned long long)v : (unsigned long long)v;
}

static unsigned long long fmt_arg_unsigned(va_list *ap, enum fmt_length length)
{
    switch (length) {
    case FMT_LEN_CHAR:    return (unsigned char)va_arg(*ap, unsigned int);
    case FMT_LEN_SHORT:   return (unsigned short)va_arg(*ap, unsigned int);
    case FMT_LEN_LONG:    return va_arg(*ap, unsigned long);
    case FMT_LEN_LLONG:   return va_arg(*ap, unsigned long long);
    case FMT_LEN_SIZE:    return va_arg(*ap, size_t);
    case FMT_LEN_PTRDIFF: return (size_t)va_arg(*ap, ptrdiff_t);
    case FMT_LEN_INTMAX:  return va_arg(*ap, uintmax_t);
    default:              return va_arg(*ap, unsigned int);
    }
}

/* Writes the digits of v in base into the end of buf; returns how many. */
static size_t fmt_digits(char *buf, size_t size, unsigned long long v, unsigned base, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;

    while (v != 0 && n < size) {
        buf[size - 1 - n] = digits[v % base];
        v /= base;
        n++;
    }
    return n;
}

/*
 * Emits one integer: [spaces] [sign or 0x prefix] [zeros] digits [spaces].
 * prefix is "", "-", "+", " ", "0x" or "0X".
 */
static void fmt_emit_integer(fmt_out_t *out, const fmt_spec_t *spec, unsigned long long v,
                             unsigned base, const char *prefix)
{
    char buf[22];          /* 64-bit octal needs 22 digits, the most of any base */
    size_t ndigits = fmt_digits(buf, sizeof(buf), v, base, spec->conv == 'X');
    size_t nprefix = 0;
    size_t precision;
    size_t zeros;
    size_t body;
    size_t width = (size_t)spec->width;

    while (prefix[nprefix] != '\0')
        nprefix++;

    /* With no precision, at least one digit; an explicit precision 0 prints no digit for 0. */
    precision = spec->precision < 0 ? 1 : (size_t)spec->precision;
    /* '#' with 'o' raises the precision just enough for a leading 0. */
    if (spec->conv == 'o' && (spec->flags & FMT_ALT) && precision <= ndigits)
        precision = ndigits + 1;
    zeros = precision > ndigits ? precision - ndigits : 0;

    /* The '0' flag pads with zeros only when neither '-' nor a precision is given. */
    body = nprefix + zeros + ndigits;
    if ((spec->flags & (FMT_ZERO | FMT_LEFT)) == FMT_ZERO && spec->precision < 0 && width > body) {
        zeros += width - body;
        body = width;
    }

    if (!(spec->flags & FMT_LEFT) && width > body)
        fmt_repeat(out, ' ', width - body);
    fmt_write(out, prefix, nprefix);
    fmt_repeat(out, '0', zeros);
    fmt_write(out, buf + sizeof(buf) - ndigits, ndigits);
    if ((spec->flags & FMT_LEFT) && width > body)
        fmt_repeat(out, ' ', width - body);
}

/* Emits n characters of s padded to the field width. */
static void fmt_emit_padded(fmt_out_t *out, const fmt_spec_t *spec, const char *s, size_t n)
{
    size_t width = (size_t)spec->width;
    size_t pad = width > n ? width - n : 0;

    if (!(spec->flags & FMT_LEFT))
        fmt_repeat(out, ' ', pad);
    fmt_write(out, s, n);
    if (spec->flags & FMT_LEFT)
        fmt_repeat(out, ' ', pad);
}

static void fmt_emit_string(fmt_out_t *out, const fmt_spec_t *spec, const char *s)
{
    size_t n = 0;

    if (s == NULL)
        s = "(null)";
    /* With a precision, never read past it: the array need not be NUL-terminated. */
    while ((spec->precision < 0 || n < (size_t)spec->precision) && s[n] != '\0')
        n++;
    fmt_emit_padded(out, spec, s, n);
}

/* Formats one conversion; returns false when the conversion is not one we know. */
static bool fmt_convert(fmt_out_t *out, const fmt_spec_t *spec, va_list *ap)
{
    unsigned long long v;
    bool negative;
    char c;

    switch (spec->conv) {
    case 'd':
    case 'i':
        v = fmt_arg_signed(ap, spec->length, &negative);
        fmt_emit_integer(out, spec, v, 10,
                         negative ? "-" :
                         (spec->flags & FMT_PLUS) ? "+" :
                         (spec->flags & FMT_SPACE) ? " " : "");
        return true;
    case 'u':
        fmt_emit_integer(out, spec, fmt_arg_unsigned(ap, spec->length), 10, "");
        return true;
    case 'o':
        fmt_emit_integer(out, spec, fmt_arg_unsigned(ap, spec->length), 8, "");
        return true;
    case 'x':
    case 'X':
        v = fmt_arg_unsigned(ap, spec->length);
        /* As in C, '#' adds 0x only to a nonzero value. */
        fmt_emit_integer(out, spec, v, 16,
                         (spec->flags & FMT_ALT) && v != 0 ? (spec->conv == 'X' ? "0X" : "0x") : "");
        return true;
    case 'p':
        /* Always 0x and lowercase hex, NULL included, so every pointer reads alike. */
        fmt_emit_integer(out, spec, (uintptr_t)va_arg(*ap, void *), 16, "0x");
        return true;
    case 's':
        fmt_emit_string(out, spec, va_arg(*ap, const char *));
        return true;
    case 'c':
        c = (char)va_arg(*ap, int);
        fmt_emit_padded(out, spec, &c, 1);
        return true;
    case '%':
        fmt_putc(out, '%');
        return true;
    default:
        return false;
    }
}

size_t fmt_vformat(fmt_sink_t sink, void *ctx, const char *fmt, va_list ap)
{
    fmt_out_t out = { .sink = sink, .ctx = ctx, .count = 0 };
    fmt_spec_t spec;
    va_list args;

    /* A copy, so the helpers can share it by pointer whatever va_list's type is. */
    va_copy(args, ap);
    while (*fmt != '\0') {
        const char *start = fmt;

        if (*fmt != '%') {
            fmt_putc(&out, *fmt++);
            continue;
        }
        fmt++;
        fmt_parse_spec(&fmt, &args, &spec);
        if (fmt_convert(&out, &spec, &args)) {
            fmt++;
            continue;
        }
        /* Unknown (or missing, at the end of fmt) conversion: show the text as written. */
        if (*fmt != '\0')
            fmt++;
        fmt_write(&out, start, (size_t)(fmt - start));
    }
    va_end(args);
    return out.count;
}

size_t fmt_format(fmt_sink_t sink, void *ctx, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = fmt_vformat(sink, ctx, fmt, ap);
    va_end(ap);
    return n;
}

typedef struct fmt_buffer {
    char *buf;
    size_t size;
    size_t len;            /* characters stored so far, always < size */
} fmt_buffer_t;

static void fmt_buffer_sink(char c, void *ctx)
{
    fmt_buffer_t *b = ctx;

    /* Keep the last byte for the NUL; the rest of the output is only counted. */
    if (b->len + 1 < b->size)
        b->buf[b->len++] = c;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    fmt_buffer_t b = { .buf = buf, .size = size, .len = 0 };
    size_t n = fmt_vformat(fmt_buffer_sink, &b, fmt, ap);

    if (size > 0)
        buf[b.len] = '\0';
    /* C leaves the result for an int-overflowing length as a negative value. */
    return n > (size_t)__INT_MAX__ ? -1 : (int)n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
