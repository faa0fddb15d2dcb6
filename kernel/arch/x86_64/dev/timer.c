/* Calibrates the LAPIC timer and TSC against the PIT, counts ticks, keeps uptime. */
#include "arch/x86_64/dev/timer.h"
#include "arch/x86_64/dev/apic.h"
#include "arch/x86_64/dev/pit.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/cpu/idt.h"
#include "lib/log.h"

#define CALIBRATION_MS 50
#define CALIBRATION_ROUNDS 3

static uint64_t tsc_at_boot;
static uint64_t tsc_khz;            /* 0 until calibrated */
static uint32_t lapic_per_tick;
static volatile uint64_t ticks;

void timer_early_init(void)
{
    tsc_at_boot = rdtsc();
}

/* One calibration round: LAPIC counts (divide 16) and TSC cycles over CALIBRATION_MS. */
static void calibrate_once(uint64_t *lapic_counts, uint64_t *tsc_cycles)
{
    uint16_t pit_count = (uint16_t)(PIT_HZ * CALIBRATION_MS / 1000);
    pit_oneshot_start(pit_count);
    apic_timer_start_countdown(0xFFFFFFFFu);
    uint64_t t0 = rdtsc();
    while (!pit_oneshot_done())
        cpu_pause();
    uint32_t left = apic_timer_current();
    uint64_t t1 = rdtsc();
    apic_timer_stop();
    *lapic_counts = 0xFFFFFFFFu - left;
    *tsc_cycles = t1 - t0;
}

static uint64_t median3(uint64_t a, uint64_t b, uint64_t c)
{
    if (a > b) { uint64_t t = a; a = b; b = t; }
    if (b > c) { uint64_t t = b; b = c; c = t; }
    if (a > b) { uint64_t t = a; a = b; b = t; }
    return b;
}

void timer_init(void)
{
    uint64_t lapic[CALIBRATION_ROUNDS], tsc[CALIBRATION_ROUNDS];
    for (int i = 0; i < CALIBRATION_ROUNDS; i++)
        calibrate_once(&lapic[i], &tsc[i]);
    uint64_t lapic_counts = median3(lapic[0], lapic[1], lapic[2]);
    uint64_t tsc_cycles = median3(tsc[0], tsc[1], tsc[2]);

    uint64_t per_tick = lapic_counts * 1000 / CALIBRATION_MS / TIMER_HZ;
    if (per_tick == 0 || per_tick > 0xFFFFFFFFu)
        panic("LAPIC timer calibration failed: %lu counts in %d ms",
              (unsigned long)lapic_counts, CALIBRATION_MS);
    lapic_per_tick = (uint32_t)per_tick;
    tsc_khz = tsc_cycles / CALIBRATION_MS;
    if (tsc_khz == 0)
        panic("TSC calibration failed");

    log_line("timer", "LAPIC timer %lu kHz (/16), TSC %lu.%03lu MHz, %d Hz tick = %u counts",
             (unsigned long)(lapic_counts / CALIBRATION_MS), (unsigned long)(tsc_khz / 1000),
             (unsigned long)(tsc_khz % 1000), TIMER_HZ, lapic_per_tick);
    apic_timer_start_periodic(VECTOR_TIMER, lapic_per_tick);
}

void timer_tick(void)
{
    ticks++;
}

uint64_t timer_ticks(void) { return ticks; }
uint64_t timer_tsc_khz(void) { return tsc_khz; }
uint64_t timer_lapic_ticks_per_tick(void) { return lapic_per_tick; }

uint64_t timer_uptime_us(void)
{
    if (tsc_khz == 0)
        return 0;
    return (rdtsc() - tsc_at_boot) * 1000 / tsc_khz;
}

void timer_delay_us(uint64_t us)
{
    KASSERT(tsc_khz != 0);
    uint64_t end = rdtsc() + us * tsc_khz / 1000;
    while (rdtsc() < end)
        cpu_pause();
}
