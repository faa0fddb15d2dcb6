/* The 16550 UART's registers, as the serial driver drives them. */
#ifndef SERIAL_UART_H
#define SERIAL_UART_H

#include <stddef.h>
#include <stdint.h>

#include <libagora/chardriver.h>

struct uart {
    uint16_t base;               /* first of its 8 I/O ports */
    struct chardriver *dev;      /* where received bytes go */
    uint64_t overruns;           /* LSR overrun errors seen (bytes the UART lost) */
};

/* 0 if a UART answers at base (scratch register round trip), else -E_NOCAP. */
long uart_probe(struct uart *u);
/* FIFOs on, OUT2 (the IRQ line's gate on a PC), the receive interrupt on; drains what is there. */
void uart_start(struct uart *u);
/* chardriver_ops.write: polled, see README.md; returns how many bytes went out. */
long uart_write(void *ctx, const uint8_t *bytes, size_t len);
/* chardriver_ops.interrupt: reads what the UART says is pending until it says nothing is. */
void uart_interrupt(void *ctx);

#endif
