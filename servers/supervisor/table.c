/* The service table parser (table.h). */
#include "table.h"

#include <agora/errors.h>
#include <libagora/string.h>

struct cursor {
    const char *p, *end;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The next word on the line: [*w, *w + *n); false at the end of the line. */
static bool next_word(struct cursor *c, const char **w, size_t *n)
{
    while (c->p < c->end && is_space(*c->p))
        c->p++;
    if (c->p == c->end || *c->p == '\n' || *c->p == '#')
        return false;
    *w = c->p;
    while (c->p < c->end && !is_space(*c->p) && *c->p != '\n' && *c->p != '#')
        c->p++;
    *n = (size_t)(c->p - *w);
    return true;
}

static void skip_line(struct cursor *c)
{
    while (c->p < c->end && *c->p != '\n')
        c->p++;
    if (c->p < c->end)
        c->p++;
}

/* A number (decimal, or hex after 0x) of exactly n bytes, at most max. */
static long parse_number(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    unsigned base = 10;
    uint64_t v = 0;

    if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        n -= 2;
    }
    if (n == 0)
        return -E_INVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned d;

        if (s[i] >= '0' && s[i] <= '9')
            d = (unsigned)(s[i] - '0');
        else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
            d = (unsigned)(s[i] - 'a' + 10);
        else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
            d = (unsigned)(s[i] - 'A' + 10);
        else
            return -E_INVAL;
        if (v > (max - d) / base)
            return -E_RANGE;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

static long copy_string(char *dst, size_t cap, const char *s, size_t n)
{
    if (n == 0)
        return -E_INVAL;
    if (n >= cap)
        return -E_RANGE;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static bool key_is(const char *w, size_t n, const char *key, const char **value, size_t *vlen)
{
    size_t k = strlen(key);

    if (n < k || memcmp(w, key, k) != 0)
        return false;
    *value = w + k;
    *vlen = n - k;
    return true;
}

static long parse_ports(const char *v, size_t n, struct svc_entry *e)
{
    const char *plus = 0;
    uint64_t first, count;
    long r;

    for (size_t i = 0; i < n && !plus; i++)
        if (v[i] == '+')
            plus = v + i;
    if (!plus)
        return -E_INVAL;
    if ((r = parse_number(v, (size_t)(plus - v), 0xFFFF, &first)) < 0 ||
        (r = parse_number(plus + 1, n - (size_t)(plus + 1 - v), 0x10000, &count)) < 0)
        return r;
    if (count == 0 || first + count > 0x10000)
        return -E_RANGE;
    e->first_port = (uint32_t)first;
    e->nports = (uint32_t)count;
    return 0;
}

static long parse_option(const char *w, size_t n, struct svc_entry *e)
{
    const char *v;
    size_t vn;
    uint64_t x;
    long r;

    if (n == 3 && memcmp(w, "bus", 3) == 0) {
        e->bus = true;
        return 0;
    }
    if (key_is(w, n, "ports=", &v, &vn))
        return parse_ports(v, vn, e);
    if (key_is(w, n, "irq=", &v, &vn)) {
        if ((r = parse_number(v, vn, 223, &x)) < 0)
            return r;
        e->irq = (int)x;
        return 0;
    }
    if (key_is(w, n, "heartbeat=", &v, &vn)) {
        if ((r = parse_number(v, vn, 3600u * 1000, &x)) < 0)
            return r;
        e->heartbeat_ms = (uint32_t)x;
        return 0;
    }
    if (key_is(w, n, "arg=", &v, &vn))
        return parse_number(v, vn, UINT64_MAX, &e->arg);
    if (key_is(w, n, "image=", &v, &vn))
        return copy_string(e->image, sizeof(e->image), v, vn);
    return -E_INVAL;
}

/* One line with a name: its entry in *e. */
static long parse_entry(struct cursor *c, const char *name, size_t nlen, struct svc_entry *e)
{
    const char *w;
    size_t n;
    long r;

    memset(e, 0, sizeof(*e));
    e->irq = -1;
    e->heartbeat_ms = SVC_TABLE_HEARTBEAT_MS;
    if ((r = copy_string(e->name, sizeof(e->name), name, nlen)) < 0)
        return r;
    while (next_word(c, &w, &n))
        if ((r = parse_option(w, n, e)) < 0)
            return r;
    if (!e->image[0])
        memcpy(e->image, e->name, strlen(e->name) + 1);
    return 0;
}

long svc_table_parse(const char *text, size_t len, struct svc_entry *out, unsigned max, unsigned *bad_line)
{
    struct cursor c = { text, text + len };
    unsigned count = 0, line = 0;
    const char *w;
    size_t n;
    long r = 0;

    while (c.p < c.end) {
        line++;
        if (next_word(&c, &w, &n)) {
            struct svc_entry e;

            if ((r = parse_entry(&c, w, n, &e)) < 0)
                goto fail;
            for (unsigned i = 0; i < count; i++)
                if (strcmp(out[i].name, e.name) == 0) {
                    r = -E_EXIST;
                    goto fail;
                }
            if (count == max) {
                r = -E_RANGE;
                goto fail;
            }
            out[count++] = e;
        }
        skip_line(&c);
    }
    return count;

fail:
    if (bad_line)
        *bad_line = line;
    return r;
}
