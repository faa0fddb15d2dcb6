/* The legacy 8254 PIT, used only as a known clock to calibrate against. */
#ifndef AGORA_KERNEL_ARCH_PIT_H
#define AGORA_KERNEL_ARCH_PIT_H

#include <stdint.h>

#define PIT_HZ 1193182u

/* Starts a one-shot countdown of `count` PIT cycles on channel 2 (gate-controlled, no IRQ). */
void pit_oneshot_start(uint16_t count);
/* True once the countdown started by pit_oneshot_start has reached zero. */
int pit_oneshot_done(void);

#endif
