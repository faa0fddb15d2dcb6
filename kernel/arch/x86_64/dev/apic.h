/* The local APIC (xAPIC, memory-mapped): enable, timer, end of interrupt. */
#ifndef AGORA_KERNEL_ARCH_APIC_H
#define AGORA_KERNEL_ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

void apic_init(void);
uint32_t apic_id(void);
void apic_eoi(void);

/* The vector waits in the request register: accepted by the APIC, not yet by the CPU. */
bool apic_irr_pending(uint8_t vector);
/* The vector is in service: the CPU took it and no EOI has been sent yet. */
bool apic_isr_in_service(uint8_t vector);

/* Timer with divide-by-16: masked countdown (for calibration) and periodic mode. */
void apic_timer_start_countdown(uint32_t initial);
uint32_t apic_timer_current(void);
void apic_timer_start_periodic(uint8_t vector, uint32_t initial);
void apic_timer_stop(void);

#endif
