/*
 * Unit tests for vmm-server/pit8254.c: time conversion, the periodic modes Linux and
 * simple guests program (2 and 3), the one-shots (0 4 1 5), access modes, latch and
 * read-back, BCD, port 0x61 and the gate (Linux's TSC calibration loop), IRQ0 edge
 * accounting across reprogramming, and random traffic.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <string.h>

#include "pit8254.h"
#include "suites.h"

static struct pit8254 pit;

#define T0 5000000000ull    /* the guest's clock does not start at 0 */

static void program(unsigned channel, uint8_t control, uint16_t count, uint64_t now)
{
    pit_write(&pit, 0x43, control, now);
    if (((control >> 4) & 3) != 2)
        pit_write(&pit, (uint16_t)(0x40 + channel), (uint8_t)count, now);
    if (((control >> 4) & 3) != 1)
        pit_write(&pit, (uint16_t)(0x40 + channel), (uint8_t)(count >> 8), now);
}

/* Latches channel's count and reads it (lobyte/hibyte access). */
static uint16_t latched(unsigned channel, uint64_t now)
{
    uint16_t lo, hi;

    pit_write(&pit, 0x43, (uint8_t)(channel << 6), now);
    lo = pit_read(&pit, (uint16_t)(0x40 + channel), now);
    hi = pit_read(&pit, (uint16_t)(0x40 + channel), now);
    return (uint16_t)(hi << 8 | lo);
}

static void test_time_conversion(void)
{
    uint64_t seed = 0x1234567887654321ull;

    CU_ASSERT_EQUAL(pit_ticks_to_ns(PIT_HZ), 1000000000ull);
    CU_ASSERT_EQUAL(pit_ns_to_ticks(1000000000ull), PIT_HZ);
    CU_ASSERT_EQUAL(pit_ns_to_ticks(838), 0);                  /* a tick is 838.1 ns */
    CU_ASSERT_EQUAL(pit_ns_to_ticks(839), 1);
    CU_ASSERT_EQUAL(pit_ticks_to_ns(1), 839);
    CU_ASSERT_EQUAL(pit_ns_to_ticks(3600ull * 24 * 365 * 1000000000ull), 3600ull * 24 * 365 * PIT_HZ);
    for (int i = 0; i < 100000; i++) {
        uint64_t ticks;

        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        ticks = 1 + seed % (1ull << 40);
        /* An edge at tick n is seen at ticks_to_ns(n) and not a nanosecond before. */
        CU_ASSERT(pit_ns_to_ticks(pit_ticks_to_ns(ticks)) >= ticks);
        CU_ASSERT(pit_ns_to_ticks(pit_ticks_to_ns(ticks) - 1) < ticks);
    }
}

static void test_unprogrammed(void)
{
    pit_init(&pit);
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0), 0);
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0), UINT64_MAX);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x43, T0), 0xff);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x44, T0), 0xff);
    pit_write(&pit, 0x44, 0x12, T0);
    CU_ASSERT_FALSE(pit_output(&pit, 3, T0));
}

/* Linux with HZ=1000: channel 0, lobyte/hibyte, mode 2, LATCH 1193. */
static void test_mode2_periodic(void)
{
    uint64_t next, period = pit_ticks_to_ns(1193);

    pit_init(&pit);
    program(0, 0x34, 1193, T0);
    next = pit_next_irq0_ns(&pit, T0);
    CU_ASSERT_EQUAL(next, T0 + period);
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, next - 1), 0);
    CU_ASSERT_TRUE(pit_output(&pit, 0, next - 1000));
    CU_ASSERT_FALSE(pit_output(&pit, 0, next - 1));            /* the one low tick before the edge */
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, next), 1);
    CU_ASSERT_TRUE(pit_output(&pit, 0, next));
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, next), 0);            /* counted once */
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, next), T0 + pit_ticks_to_ns(2 * 1193));
    /* One second later: 1000 periods in all (1193182 / 1193 = 1000.15). */
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + 1000000000ull), 999);
    /* The counter runs down from 1193 to 1 and reloads. */
    CU_ASSERT_EQUAL(latched(0, T0), 1193);
    CU_ASSERT_EQUAL(latched(0, T0 + pit_ticks_to_ns(1000)), 193);
    CU_ASSERT_EQUAL(latched(0, T0 + pit_ticks_to_ns(1192)), 1);
    CU_ASSERT_EQUAL(latched(0, T0 + pit_ticks_to_ns(1193)), 1193);
    /* A late caller gets every period it missed. */
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + 11000000000ull), 10001);   /* 13125002 / 1193 = 11001 */
    /* The time wrapping backwards changes nothing. */
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0), 0);
}

/* The BIOS default: mode 3, count 0 (65536): 18.2 Hz, output high for the first half. */
static void test_mode3_square(void)
{
    uint64_t half = pit_ticks_to_ns(32768);

    pit_init(&pit);
    program(0, 0x36, 0, T0);
    CU_ASSERT_TRUE(pit_output(&pit, 0, T0));
    CU_ASSERT_TRUE(pit_output(&pit, 0, T0 + half - 1));
    CU_ASSERT_FALSE(pit_output(&pit, 0, T0 + half));
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0 + half), T0 + pit_ticks_to_ns(65536));
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + pit_ticks_to_ns(65536) - 1), 0);
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + pit_ticks_to_ns(65536)), 1);
    CU_ASSERT_TRUE(pit_output(&pit, 0, T0 + pit_ticks_to_ns(65536)));
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + 1000000000ull), 17);   /* 18.2 in the first second */
    /* It counts down by two in each half. */
    CU_ASSERT_EQUAL(latched(0, T0 + pit_ticks_to_ns(10)), 65536 - 20);
    /* Odd counts: high one tick longer than low. */
    program(0, 0x36, 5, T0);
    CU_ASSERT_TRUE(pit_output(&pit, 0, T0 + pit_ticks_to_ns(2)));
    CU_ASSERT_FALSE(pit_output(&pit, 0, T0 + pit_ticks_to_ns(3)));
    CU_ASSERT_FALSE(pit_output(&pit, 0, T0 + pit_ticks_to_ns(4)));
    CU_ASSERT_TRUE(pit_output(&pit, 0, T0 + pit_ticks_to_ns(5)));
}

static void test_mode0_one_shot(void)
{
    uint64_t end = T0 + pit_ticks_to_ns(1000);

    pit_init(&pit);
    pit_write(&pit, 0x43, 0x30, T0);
    CU_ASSERT_FALSE(pit_output(&pit, 0, T0));                  /* low from the control word on */
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0), UINT64_MAX);   /* no count yet */
    pit_write(&pit, 0x40, 1000 & 0xff, T0);
    pit_write(&pit, 0x40, 1000 >> 8, T0);
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0), end);
    CU_ASSERT_FALSE(pit_output(&pit, 0, end - 1));
    CU_ASSERT_TRUE(pit_output(&pit, 0, end));
    CU_ASSERT_EQUAL(latched(0, T0 + pit_ticks_to_ns(400)), 600);
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, end + 5000000), 1);
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, end + 50000000), 0);  /* once only */
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, end + 50000000), UINT64_MAX);
    CU_ASSERT_EQUAL(latched(0, end + pit_ticks_to_ns(1)), 0xffff);   /* it counts on through 0 */
    /* The first byte of a new count stops it and drives OUT low again. */
    pit_write(&pit, 0x40, 10, end + 1000000);
    CU_ASSERT_FALSE(pit_output(&pit, 0, end + 2000000));
    pit_write(&pit, 0x40, 0, end + 2000000);
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, end + 2000000), end + 2000000 + pit_ticks_to_ns(10));
}

static void test_mode4_strobe(void)
{
    pit_init(&pit);
    program(0, 0x38, 100, T0);
    CU_ASSERT_TRUE(pit_output(&pit, 0, T0));
    CU_ASSERT_FALSE(pit_output(&pit, 0, T0 + pit_ticks_to_ns(100)));
    CU_ASSERT_TRUE(pit_output(&pit, 0, T0 + pit_ticks_to_ns(101)));
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0), T0 + pit_ticks_to_ns(101));
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + pit_ticks_to_ns(100)), 0);
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + pit_ticks_to_ns(101)), 1);
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0 + pit_ticks_to_ns(101)), UINT64_MAX);
}

static void test_access_modes(void)
{
    pit_init(&pit);
    program(1, 0x54, 0x20, T0);                                /* channel 1, lobyte only, mode 2 */
    CU_ASSERT_EQUAL(pit_read(&pit, 0x41, T0), 0x20);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x41, T0 + pit_ticks_to_ns(5)), 0x1b);
    program(1, 0x64, 0x0100, T0);                              /* hibyte only: 256 */
    CU_ASSERT_EQUAL(pit_read(&pit, 0x41, T0), 0x01);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x41, T0 + pit_ticks_to_ns(1)), 0x00);
    /* Lobyte/hibyte reads alternate; a latch holds its value across time until both bytes are read. */
    program(1, 0x74, 0x1234, T0);
    pit_write(&pit, 0x43, 0x40, T0 + pit_ticks_to_ns(0x34));
    CU_ASSERT_EQUAL(pit_read(&pit, 0x41, T0 + 9000000), 0x00);
    pit_write(&pit, 0x43, 0x40, T0 + 10000000);                /* latched already: ignored */
    CU_ASSERT_EQUAL(pit_read(&pit, 0x41, T0 + 9000000), 0x12);
    /* Unlatched reads follow the live counter, low byte first. */
    CU_ASSERT_EQUAL(pit_read(&pit, 0x41, T0 + pit_ticks_to_ns(0x10)), 0x24);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x41, T0 + pit_ticks_to_ns(0x10)), 0x12);
    /* Modes 6 and 7 are 2 and 3. */
    pit_write(&pit, 0x43, 0x7c, T0);
    pit_write(&pit, 0x43, 0xe4, T0);                           /* read back channel 1's status */
    CU_ASSERT_EQUAL(pit_read(&pit, 0x41, T0), 0x80 | 0x40 | 0x34);   /* out high, null count, lohi, mode 2 */
}

static void test_read_back(void)
{
    pit_init(&pit);
    pit_write(&pit, 0x43, 0x34, T0);
    pit_write(&pit, 0x43, 0xe2, T0);                           /* status of channel 0 */
    CU_ASSERT_EQUAL(pit_read(&pit, 0x40, T0), 0x80 | 0x40 | 0x34);   /* out high, null count, lohi, mode 2 */
    pit_write(&pit, 0x40, 0x00, T0);
    pit_write(&pit, 0x40, 0x10, T0);                           /* 4096 */
    pit_write(&pit, 0x43, 0xc2, T0 + pit_ticks_to_ns(256));    /* count and status */
    CU_ASSERT_EQUAL(pit_read(&pit, 0x40, T0 + 500000000), 0x80 | 0x34);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x40, T0 + 500000000), 0x00);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x40, T0 + 500000000), 0x0f);
    pit_write(&pit, 0x43, 0xd2, T0 + pit_ticks_to_ns(4095));   /* count only */
    CU_ASSERT_EQUAL(pit_read(&pit, 0x40, T0), 0x01);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x40, T0), 0x00);
    pit_write(&pit, 0x43, 0xe2, T0 + pit_ticks_to_ns(4095));   /* status only: the output's low tick */
    CU_ASSERT_EQUAL(pit_read(&pit, 0x40, T0) & 0x80, 0);
}

static void test_bcd(void)
{
    pit_init(&pit);
    program(0, 0x31, 0x1000, T0);                              /* mode 0, BCD 1000 */
    CU_ASSERT_EQUAL(latched(0, T0 + pit_ticks_to_ns(1)), 0x0999);
    CU_ASSERT_EQUAL(latched(0, T0 + pit_ticks_to_ns(999)), 0x0001);
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0), T0 + pit_ticks_to_ns(1000));
    program(0, 0x35, 0x0000, T0);                              /* mode 2, BCD 0 = 10000 */
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0), T0 + pit_ticks_to_ns(10000));
    CU_ASSERT_EQUAL(latched(0, T0 + pit_ticks_to_ns(1)), 0x9999);
}

/* Linux's pit_calibrate_tsc and pit_hpet_ptimer_calibrate_cpu: channel 2, mode 0, polling port 0x61 bit 5. */
static void test_channel2_and_port61(void)
{
    uint64_t end, resume;
    uint8_t p61;

    pit_init(&pit);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x61, 0) & 0x01, 0);
    pit_write(&pit, 0x61, (pit_read(&pit, 0x61, T0) & ~0x02) | 0x01, T0);
    program(2, 0xb0, 11932, T0);                               /* 10 ms */
    end = T0 + pit_ticks_to_ns(11932);
    p61 = pit_read(&pit, 0x61, end - 1);
    CU_ASSERT_EQUAL(p61 & 0x20, 0);
    CU_ASSERT_EQUAL(p61 & 0x03, 0x01);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x61, end) & 0x20, 0x20);
    /* The refresh bit toggles. */
    CU_ASSERT_NOT_EQUAL(pit_read(&pit, 0x61, 0) & 0x10, pit_read(&pit, 0x61, 15085) & 0x10);
    /* Gate low pauses mode 0; the count goes on when it rises. */
    program(2, 0xb0, 1000, T0);
    pit_write(&pit, 0x61, 0x00, T0 + pit_ticks_to_ns(300));
    CU_ASSERT_EQUAL(latched(2, T0 + pit_ticks_to_ns(900)), 700);
    resume = T0 + pit_ticks_to_ns(900);
    pit_write(&pit, 0x61, 0x01, resume);
    CU_ASSERT_EQUAL(latched(2, resume + pit_ticks_to_ns(100)), 600);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x61, resume + pit_ticks_to_ns(699)) & 0x20, 0);
    CU_ASSERT_EQUAL(pit_read(&pit, 0x61, resume + pit_ticks_to_ns(700)) & 0x20, 0x20);
    /* Mode 3 with the gate low: output high, and the rising gate reloads. */
    program(2, 0xb6, 100, T0);
    CU_ASSERT_FALSE(pit_output(&pit, 2, T0 + pit_ticks_to_ns(60)));
    pit_write(&pit, 0x61, 0x00, T0 + pit_ticks_to_ns(60));
    CU_ASSERT_TRUE(pit_output(&pit, 2, T0 + pit_ticks_to_ns(70)));
    resume = T0 + pit_ticks_to_ns(1000);
    pit_write(&pit, 0x61, 0x01, resume);
    CU_ASSERT_EQUAL(latched(2, resume), 100);
    CU_ASSERT_TRUE(pit_output(&pit, 2, resume + pit_ticks_to_ns(49)));
    CU_ASSERT_FALSE(pit_output(&pit, 2, resume + pit_ticks_to_ns(50)));
    /* Mode 1 waits for the gate's rising edge, then is a one-shot with OUT low. */
    pit_write(&pit, 0x61, 0x00, T0);
    program(2, 0xb2, 50, T0);
    CU_ASSERT_TRUE(pit_output(&pit, 2, T0 + pit_ticks_to_ns(100)));
    resume = T0 + pit_ticks_to_ns(100);
    pit_write(&pit, 0x61, 0x01, resume);
    CU_ASSERT_FALSE(pit_output(&pit, 2, resume));
    CU_ASSERT_FALSE(pit_output(&pit, 2, resume + pit_ticks_to_ns(49)));
    CU_ASSERT_TRUE(pit_output(&pit, 2, resume + pit_ticks_to_ns(50)));
    /* Mode 5: one low tick, 50 ticks after the trigger. */
    pit_write(&pit, 0x61, 0x00, T0);
    program(2, 0xba, 50, T0);
    resume = T0 + pit_ticks_to_ns(10);
    pit_write(&pit, 0x61, 0x01, resume);
    CU_ASSERT_TRUE(pit_output(&pit, 2, resume + pit_ticks_to_ns(49)));
    CU_ASSERT_FALSE(pit_output(&pit, 2, resume + pit_ticks_to_ns(50)));
    CU_ASSERT_TRUE(pit_output(&pit, 2, resume + pit_ticks_to_ns(51)));
    /* Channel 2 makes no IRQ0 edges. */
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + 1000000000ull), 0);
}

static void test_reprogram_keeps_edges(void)
{
    pit_init(&pit);
    program(0, 0x34, 1000, T0);
    /* Three periods pass unseen, then the guest reprograms: those edges are still delivered. */
    program(0, 0x34, 2000, T0 + pit_ticks_to_ns(3500));
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + pit_ticks_to_ns(3500)), 3);
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0 + pit_ticks_to_ns(3500)),
                    T0 + pit_ticks_to_ns(3500) + pit_ticks_to_ns(2000));
    program(0, 0x34, 2000, T0 + pit_ticks_to_ns(6000));        /* one more, then reprogrammed */
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0 + pit_ticks_to_ns(6000)), T0 + pit_ticks_to_ns(6000));
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + pit_ticks_to_ns(6000)), 1);
    /* Masking by a new control word with no count: no more edges. */
    pit_write(&pit, 0x43, 0x34, T0 + pit_ticks_to_ns(7000));
    CU_ASSERT_EQUAL(pit_irq0_edges(&pit, T0 + 1000000000ull), 0);
    CU_ASSERT_EQUAL(pit_next_irq0_ns(&pit, T0 + 1000000000ull), UINT64_MAX);
}

/* Random port traffic at increasing times: no crash; next_irq0 never lies about an edge that has come. */
static void test_random(void)
{
    static const uint16_t ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61, 0x44 };
    uint64_t seed = 0xdeadbeefcafef00dull, now = T0;

    pit_init(&pit);
    for (int i = 0; i < 100000; i++) {
        uint64_t next;

        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        now += (seed >> 40) % 200000;
        if (seed & 1)
            pit_write(&pit, ports[(seed >> 8) % 6], (uint8_t)(seed >> 16), now);
        else
            pit_read(&pit, ports[(seed >> 8) % 6], now);
        next = pit_next_irq0_ns(&pit, now);
        if (next == now) {
            CU_ASSERT(pit_irq0_edges(&pit, now) >= 1);
        } else if (next != UINT64_MAX && next - now < 100000000) {
            /* Nothing is due before next, something at next, and then it is not due again. */
            CU_ASSERT_EQUAL(pit_irq0_edges(&pit, now), 0);
            now = next;
            CU_ASSERT(pit_irq0_edges(&pit, now) >= 1);
            CU_ASSERT(pit_next_irq0_ns(&pit, now) > now);
            CU_ASSERT_EQUAL(pit_irq0_edges(&pit, now), 0);
        }
    }
}

int test_vmm_pit_register(void)
{
    CU_pSuite s = CU_add_suite("vmm 8254 pit", NULL, NULL);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "time conversion", test_time_conversion) ||
        !CU_add_test(s, "unprogrammed", test_unprogrammed) ||
        !CU_add_test(s, "mode 2 periodic", test_mode2_periodic) ||
        !CU_add_test(s, "mode 3 square wave", test_mode3_square) ||
        !CU_add_test(s, "mode 0 one-shot", test_mode0_one_shot) ||
        !CU_add_test(s, "mode 4 strobe", test_mode4_strobe) || !CU_add_test(s, "access modes", test_access_modes) ||
        !CU_add_test(s, "read-back", test_read_back) || !CU_add_test(s, "BCD", test_bcd) ||
        !CU_add_test(s, "channel 2 and port 0x61", test_channel2_and_port61) ||
        !CU_add_test(s, "reprogramming keeps edges", test_reprogram_keeps_edges) ||
        !CU_add_test(s, "random traffic", test_random))
        return CU_get_error();
    return CUE_SUCCESS;
}
