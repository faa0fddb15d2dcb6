/* The 8254 PIT and port 0x61, computed from the caller's clock; see pit8254.h. */
#include "pit8254.h"

#include <libagora/string.h>

#define NS_PER_S 1000000000ull
#define REFRESH_TOGGLE_NS 15085ull

#define PORT61_GATE2   0x01
#define PORT61_OUT2    0x20
#define PORT61_REFRESH 0x10

uint64_t pit_ns_to_ticks(uint64_t ns)
{
    return (ns / NS_PER_S) * PIT_HZ + (ns % NS_PER_S) * PIT_HZ / NS_PER_S;
}

uint64_t pit_ticks_to_ns(uint64_t ticks)
{
    return (ticks / PIT_HZ) * NS_PER_S + ((ticks % PIT_HZ) * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static uint32_t modulus(const struct pit_channel *c)
{
    return c->bcd ? 10000 : 65536;
}

static uint16_t to_bcd(uint32_t v)
{
    return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10));
}

/* A written count as a period: BCD digits read as decimal (bad digits count as 9), 0 the largest. */
static uint32_t count_to_reload(const struct pit_channel *c, uint16_t value)
{
    uint32_t v = value;

    if (c->bcd) {
        v = 0;
        for (int shift = 12; shift >= 0; shift -= 4) {
            uint32_t digit = (value >> shift) & 0xf;

            v = v * 10 + (digit > 9 ? 9 : digit);
        }
    }
    return v == 0 ? modulus(c) : v;
}

/* Ticks counted since the count began (frozen while paused). */
static uint64_t elapsed(const struct pit_channel *c, uint64_t now_ns)
{
    if (!c->counting)
        return 0;
    if (c->paused)
        return c->paused_ticks;
    return c->paused_ticks + (now_ns > c->start_ns ? pit_ns_to_ticks(now_ns - c->start_ns) : 0);
}

/* The counting element's value now (binary). */
static uint32_t counter_value(const struct pit_channel *c, uint64_t now_ns)
{
    uint32_t n = c->reload, m = modulus(c), k;
    uint64_t d = elapsed(c, now_ns);

    if (!c->counting || n == 0)
        return n % m;
    switch (c->mode) {
    case 2:
        return (n - (uint32_t)(d % n)) % m;
    case 3:
        k = (uint32_t)(d % n);
        if (k >= (n + 1) / 2)
            k -= (n + 1) / 2;
        return (n - 2 * k) % m;
    default:                        /* 0 1 4 5: down through 0 and around */
        return (uint32_t)((n + m - d % m) % m);
    }
}

bool pit_output(const struct pit8254 *t, unsigned channel, uint64_t now_ns)
{
    const struct pit_channel *c;
    uint64_t d, n;

    if (channel > 2)
        return false;
    c = &t->ch[channel];
    if (!c->counting)
        return c->out_initial;
    d = elapsed(c, now_ns);
    n = c->reload;
    switch (c->mode) {
    case 0: case 1:
        return d >= n;
    case 2:
        return !c->gate || d % n != n - 1;
    case 3:
        return !c->gate || d % n < (n + 1) / 2;
    default:                        /* 4 5: one tick low at the terminal count */
        return d != n;
    }
}

/* Rising edges of the output since the count began. */
static uint64_t edges(const struct pit_channel *c, uint64_t now_ns)
{
    uint64_t d = elapsed(c, now_ns), n = c->reload;

    if (!c->counting || n == 0)
        return 0;
    switch (c->mode) {
    case 0: case 1:
        return d >= n;
    case 2: case 3:
        return d / n;
    default:
        return d >= n + 1;
    }
}

/* Channel 0 is about to start over: keep the edges it made and nobody took yet. */
static void irq0_settle(struct pit8254 *t, unsigned channel, uint64_t now_ns)
{
    uint64_t e;

    if (channel != 0)
        return;
    e = edges(&t->ch[0], now_ns);
    if (e > t->irq0_reported)
        t->irq0_carry += e - t->irq0_reported;
    t->irq0_reported = 0;
}

static void start_counting(struct pit_channel *c, uint64_t now_ns)
{
    c->counting = true;
    c->null_count = false;
    c->start_ns = now_ns;
    c->paused_ticks = 0;
    /* Without the gate, modes 0 and 4 wait; 2 and 3 hold their output high until it rises. */
    c->paused = !c->gate;
}

/* A complete count was written. */
static void load_count(struct pit8254 *t, unsigned channel, uint16_t value, uint64_t now_ns)
{
    struct pit_channel *c = &t->ch[channel];

    irq0_settle(t, channel, now_ns);
    c->reload = count_to_reload(c, value);
    if (c->mode == 1 || c->mode == 5) {
        c->counting = false;        /* waits for a gate rising edge */
        c->null_count = true;
        c->out_initial = true;
        return;
    }
    start_counting(c, now_ns);
}

static void set_gate(struct pit8254 *t, unsigned channel, bool gate, uint64_t now_ns)
{
    struct pit_channel *c = &t->ch[channel];
    bool triggered = c->mode == 1 || c->mode == 5;

    if (gate == c->gate)
        return;
    c->gate = gate;
    if (!gate) {
        if (c->counting && !triggered && !c->paused) {
            c->paused_ticks = elapsed(c, now_ns);   /* 0 and 4 pause; 2 and 3 stop, output high */
            c->paused = true;
        }
        return;
    }
    if (c->counting && (c->mode == 0 || c->mode == 4)) {
        c->start_ns = now_ns;       /* counting goes on from paused_ticks */
        c->paused = false;
    } else if ((c->counting && !triggered) || (triggered && c->reload)) {
        irq0_settle(t, channel, now_ns);
        start_counting(c, now_ns);  /* 2 and 3 reload on the rising gate; 1 and 5 (re)trigger */
    }
}

void pit_init(struct pit8254 *t)
{
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0; i < 3; i++) {
        t->ch[i].mode = 3;
        t->ch[i].access = 3;
        t->ch[i].out_initial = true;
        t->ch[i].gate = i != 2;     /* channels 0 and 1 have their gate tied high; 2's is port 0x61 bit 0 */
    }
}

static uint8_t status_byte(const struct pit8254 *t, unsigned channel, uint64_t now_ns)
{
    const struct pit_channel *c = &t->ch[channel];

    return (uint8_t)((pit_output(t, channel, now_ns) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) | c->access << 4 |
                     c->mode << 1 | (c->bcd ? 1 : 0));
}

static uint16_t count_as_read(const struct pit_channel *c, uint64_t now_ns)
{
    uint32_t v = counter_value(c, now_ns);

    return c->bcd ? to_bcd(v) : (uint16_t)v;
}

static void latch_count(struct pit_channel *c, uint64_t now_ns)
{
    if (c->count_latched)
        return;                     /* a second latch before the read changes nothing */
    c->latched_count = count_as_read(c, now_ns);
    c->count_latched = true;
    c->read_high_next = false;
}

/* The read-back command (0xC0 | bits): latch count and/or status of the channels it names. */
static void read_back(struct pit8254 *t, uint8_t value, uint64_t now_ns)
{
    for (unsigned i = 0; i < 3; i++) {
        struct pit_channel *c = &t->ch[i];

        if (!(value & (2u << i)))
            continue;
        if (!(value & 0x20))
            latch_count(c, now_ns);
        if (!(value & 0x10) && !c->status_latched) {
            c->latched_status = status_byte(t, i, now_ns);
            c->status_latched = true;
        }
    }
}

static void write_control(struct pit8254 *t, uint8_t value, uint64_t now_ns)
{
    unsigned channel = value >> 6, access = (value >> 4) & 3, mode = (value >> 1) & 7;
    struct pit_channel *c;

    if (channel == 3) {
        read_back(t, value, now_ns);
        return;
    }
    c = &t->ch[channel];
    if (access == 0) {
        latch_count(c, now_ns);
        return;
    }
    irq0_settle(t, channel, now_ns);
    c->mode = (uint8_t)(mode > 5 ? mode - 4 : mode);
    c->access = (uint8_t)access;
    c->bcd = value & 1;
    c->counting = false;
    c->paused = false;
    c->null_count = true;
    c->write_high_next = false;
    c->read_high_next = false;
    c->count_latched = false;
    c->status_latched = false;
    c->out_initial = c->mode != 0;  /* mode 0 drives OUT low from the control word on */
}

static void write_counter(struct pit8254 *t, unsigned channel, uint8_t value, uint64_t now_ns)
{
    struct pit_channel *c = &t->ch[channel];

    switch (c->access) {
    case 1:
        load_count(t, channel, value, now_ns);
        break;
    case 2:
        load_count(t, channel, (uint16_t)(value << 8), now_ns);
        break;
    default:
        if (!c->write_high_next) {
            c->write_low = value;
            c->write_high_next = true;
            if (c->mode == 0 && c->counting) {
                irq0_settle(t, channel, now_ns);
                c->counting = false;        /* mode 0: the first byte stops the count, OUT low */
                c->out_initial = false;
            }
            break;
        }
        c->write_high_next = false;
        load_count(t, channel, (uint16_t)(value << 8 | c->write_low), now_ns);
        break;
    }
}

static uint8_t read_counter(struct pit8254 *t, unsigned channel, uint64_t now_ns)
{
    struct pit_channel *c = &t->ch[channel];
    uint16_t v;

    if (c->status_latched) {
        c->status_latched = false;
        return c->latched_status;
    }
    v = c->count_latched ? c->latched_count : count_as_read(c, now_ns);
    switch (c->access) {
    case 1:
        c->count_latched = false;
        return (uint8_t)v;
    case 2:
        c->count_latched = false;
        return (uint8_t)(v >> 8);
    default:
        if (!c->read_high_next) {
            c->read_high_next = true;
            return (uint8_t)v;
        }
        c->read_high_next = false;
        c->count_latched = false;
        return (uint8_t)(v >> 8);
    }
}

uint8_t pit_read(struct pit8254 *t, uint16_t port, uint64_t now_ns)
{
    uint8_t v;

    switch (port) {
    case 0x40: case 0x41: case 0x42:
        return read_counter(t, port - 0x40u, now_ns);
    case 0x43:
        return 0xff;                /* the control word register cannot be read */
    case 0x61:
        v = t->port61 & 0x0f;
        if ((now_ns / REFRESH_TOGGLE_NS) & 1)
            v |= PORT61_REFRESH;
        if (pit_output(t, 2, now_ns))
            v |= PORT61_OUT2;
        return v;
    default:
        return 0xff;
    }
}

void pit_write(struct pit8254 *t, uint16_t port, uint8_t value, uint64_t now_ns)
{
    switch (port) {
    case 0x40: case 0x41: case 0x42:
        write_counter(t, port - 0x40u, value, now_ns);
        break;
    case 0x43:
        write_control(t, value, now_ns);
        break;
    case 0x61:
        t->port61 = value & 0x0f;
        set_gate(t, 2, (value & PORT61_GATE2) != 0, now_ns);
        break;
    default:
        break;
    }
}

unsigned pit_irq0_edges(struct pit8254 *t, uint64_t now_ns)
{
    uint64_t e = edges(&t->ch[0], now_ns), fresh = t->irq0_carry;

    if (e > t->irq0_reported)
        fresh += e - t->irq0_reported;
    t->irq0_reported = e > t->irq0_reported ? e : t->irq0_reported;
    t->irq0_carry = 0;
    return fresh > 0xffffffffu ? 0xffffffffu : (unsigned)fresh;
}

uint64_t pit_next_irq0_ns(const struct pit8254 *t, uint64_t now_ns)
{
    const struct pit_channel *c = &t->ch[0];
    uint64_t d, n = c->reload, target, offset;

    if (t->irq0_carry || edges(c, now_ns) > t->irq0_reported)
        return now_ns;
    if (!c->counting || c->paused || n == 0)
        return UINT64_MAX;
    d = elapsed(c, now_ns);
    switch (c->mode) {
    case 0: case 1:
        if (d >= n || t->irq0_reported)
            return UINT64_MAX;
        target = n;
        break;
    case 2: case 3:
        /* the edge after those already reported, should the caller's clock step back */
        target = ((d / n > t->irq0_reported ? d / n : t->irq0_reported) + 1) * n;
        break;
    default:
        if (d >= n + 1 || t->irq0_reported)
            return UINT64_MAX;
        target = n + 1;
        break;
    }
    offset = pit_ticks_to_ns(target - c->paused_ticks);
    return c->start_ns > UINT64_MAX - offset ? UINT64_MAX : c->start_ns + offset;
}
