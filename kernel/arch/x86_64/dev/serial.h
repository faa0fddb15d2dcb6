/* The kernel's debug console on COM1: polled, always available, even in a panic. */
#ifndef AGORA_KERNEL_ARCH_SERIAL_H
#define AGORA_KERNEL_ARCH_SERIAL_H

#include <stdbool.h>

void serial_init(void);
void serial_putc(char c);
/* Returns the next received character, or -1 when none is waiting. */
int serial_try_getc(void);

#endif
