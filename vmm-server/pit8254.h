/*
 * The 8254 programmable interval timer (ports 0x40-0x43) and the PC's port 0x61 (channel
 * 2 gate, speaker enable, channel 2 output). Pure logic: time is the caller's, in
 * nanoseconds, and the counters are computed from it (1.193182 MHz) when read, so nothing
 * needs to tick. The VMM asks pit_next_irq0_ns when to wake up and pit_irq0_edges how
 * many IRQ0 edges to deliver.
 *
 * Decisions:
 * - A count takes effect when written completely (both bytes in lobyte/hibyte access),
 *   restarting the period at once, also in modes 2 and 3 (the chip would wait for the
 *   current period's end; guests write the control word first anyway).
 * - Modes 0 2 3 4 are modelled fully with the gate (low: counting pauses in 0 and 4;
 *   output high and the count reloads on the rising edge in 2 and 3); modes 1 and 5 start
 *   on a gate rising edge (so only on channel 2: channels 0 and 1 have their gate tied
 *   high) and then count like 0 and 4.
 * - BCD counting: the count is read and written in BCD; timing uses its value (0 = 10000).
 * - Channel 1 (DRAM refresh on a PC) is a plain channel; port 0x61 bit 4 toggles every
 *   15.085 us as the refresh did, since some code times itself on it.
 */
#ifndef VMM_PIT8254_H
#define VMM_PIT8254_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u

struct pit_channel {
    uint8_t mode;           /* 0..5 */
    uint8_t access;         /* 1 lobyte, 2 hibyte, 3 lobyte then hibyte */
    bool bcd;
    bool counting;          /* a count was written (and, modes 1 and 5, the gate triggered it) */
    bool gate;
    bool paused;            /* modes 0 and 4 with the gate low: elapsed frozen in paused_ticks */
    uint32_t reload;        /* 1..65536 (or 1..10000 BCD): the period in ticks */
    uint64_t start_ns;      /* when the count (or the trigger) began */
    uint64_t paused_ticks;  /* modes 0/4: ticks counted before the gate went low */
    /* Writing a count. */
    bool write_high_next;   /* access 3: the low byte came, the high byte is next */
    uint8_t write_low;
    /* Reading: a latched count and status, and the byte order. */
    bool count_latched, status_latched;
    uint16_t latched_count;
    uint8_t latched_status;
    bool read_high_next;    /* access 3: the next read gives the high byte */
    bool null_count;        /* a count was written that is not yet in the counter */
    bool out_initial;       /* the output level before counting starts */
};

struct pit8254 {
    struct pit_channel ch[3];
    uint8_t port61;         /* bits 0 (gate 2) 1 (speaker) 2 3 as written */
    /* IRQ0 edge accounting (channel 0): edges of the current count already reported, and earlier ones not yet. */
    uint64_t irq0_reported;
    uint64_t irq0_carry;
};

void pit_init(struct pit8254 *t);
uint8_t pit_read(struct pit8254 *t, uint16_t port, uint64_t now_ns);  /* 0x40-0x43, 0x61; others 0xff */
void pit_write(struct pit8254 *t, uint16_t port, uint8_t value, uint64_t now_ns);
unsigned pit_irq0_edges(struct pit8254 *t, uint64_t now_ns);  /* rising edges of channel 0's output since the last call (periodic modes: how many periods passed; a VMM injects at least one) */
uint64_t pit_next_irq0_ns(const struct pit8254 *t, uint64_t now_ns); /* when the next edge comes, UINT64_MAX: none */

/* Added: a channel's output level now (channel 0 is IRQ0's line, channel 2 port 0x61 bit 5). */
bool pit_output(const struct pit8254 *t, unsigned channel, uint64_t now_ns);
/* Added: nanoseconds <-> PIT ticks, exact (floor and ceiling) so that an edge at tick n counts by ticks_to_ns(n). */
uint64_t pit_ns_to_ticks(uint64_t ns);
uint64_t pit_ticks_to_ns(uint64_t ticks);

#endif
