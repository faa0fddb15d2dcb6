/* The system clock: the local APIC timer ticking at TIMER_HZ, the TSC for uptime. */
#ifndef AGORA_KERNEL_ARCH_TIMER_H
#define AGORA_KERNEL_ARCH_TIMER_H

#include <stdint.h>

#define TIMER_HZ 100

/* Records the TSC at boot; uptime counts from here. Call first thing. */
void timer_early_init(void);
/* Calibrates the LAPIC timer and the TSC against the PIT, then starts periodic ticks. */
void timer_init(void);
/* Called from the timer interrupt. */
void timer_tick(void);

uint64_t timer_ticks(void);
uint64_t timer_uptime_us(void);
uint64_t timer_tsc_khz(void);
uint64_t timer_lapic_ticks_per_tick(void);

/* Busy-waits with interrupts as they are; needs calibration. */
void timer_delay_us(uint64_t us);

#endif
