/* The 16550 UART: probe, start, polled transmit, interrupt-driven receive. */
#include "uart.h"

#include <agora/errors.h>

#define REG_DATA 0               /* RBR (read) / THR (write) */
#define REG_IER  1
#define REG_IIR  2               /* read; FCR on write */
#define REG_FCR  2
#define REG_MCR  4
#define REG_LSR  5
#define REG_MSR  6
#define REG_SCR  7

#define IER_RX_DATA     0x01     /* received data available (and the FIFO timeout) */
#define IIR_NONE        0x01     /* no interrupt pending */
#define IIR_ID(v)       (((v) >> 1) & 0x7)
#define IIR_ID_MSR      0
#define IIR_ID_THRE     1
#define IIR_ID_RX       2
#define IIR_ID_LSR      3
#define IIR_ID_TIMEOUT  6
#define FCR_ENABLE_TRIG14 0xC1   /* FIFOs on, trigger at 14 bytes; not cleared (keeps typed-ahead bytes) */
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_DATA_READY  0x01
#define LSR_OVERRUN     0x02
#define LSR_THR_EMPTY   0x20

/* Bounds on every wait and loop: a missing or wedged UART must not hang the driver. */
#define TX_SPINS        100000
#define IRQ_ROUNDS      64
#define RX_DRAIN_MAX    (16 * IRQ_ROUNDS)

static inline uint8_t in8(uint16_t port)
{
    uint8_t v;

    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void out8(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

long uart_probe(struct uart *u)
{
    out8(u->base + REG_SCR, 0x5a);
    if (in8(u->base + REG_SCR) != 0x5a)
        return -E_NOCAP;
    out8(u->base + REG_SCR, 0xa5);
    return in8(u->base + REG_SCR) == 0xa5 ? 0 : -E_NOCAP;
}

/* Moves every byte the UART holds into the ring; notes an overrun. */
static void drain_rx(struct uart *u)
{
    for (int i = 0; i < RX_DRAIN_MAX; i++) {
        uint8_t lsr = in8(u->base + REG_LSR);

        if (lsr & LSR_OVERRUN) {
            u->overruns++;
            chardriver_rx_lost(u->dev, 1);
        }
        if (!(lsr & LSR_DATA_READY))
            return;
        chardriver_rx_push(u->dev, in8(u->base + REG_DATA));
    }
}

/*
 * The line settings (115200 8N1) are the kernel's: changing them needs the divisor latch
 * (LCR.DLAB), and a kernel log line written meanwhile would land in the divisor.
 */
void uart_start(struct uart *u)
{
    out8(u->base + REG_FCR, FCR_ENABLE_TRIG14);
    out8(u->base + REG_MCR, MCR_DTR_RTS_OUT2);
    out8(u->base + REG_IER, IER_RX_DATA);
    drain_rx(u);
}

long uart_write(void *ctx, const uint8_t *bytes, size_t len)
{
    struct uart *u = ctx;
    size_t done;

    for (done = 0; done < len; done++) {
        int spins = 0;
        uint8_t lsr;

        /* Receive while we wait: input is not lost to a long write. */
        while (!((lsr = in8(u->base + REG_LSR)) & LSR_THR_EMPTY) && spins++ < TX_SPINS) {
            if (lsr & LSR_DATA_READY)
                drain_rx(u);
            __asm__ volatile("pause");
        }
        if (!(lsr & LSR_THR_EMPTY))
            break;
        out8(u->base + REG_DATA, bytes[done]);
    }
    return (long)done;
}

void uart_interrupt(void *ctx)
{
    struct uart *u = ctx;

    for (int i = 0; i < IRQ_ROUNDS; i++) {
        uint8_t iir = in8(u->base + REG_IIR);

        if (iir & IIR_NONE)
            break;
        switch (IIR_ID(iir)) {
        case IIR_ID_RX:
        case IIR_ID_TIMEOUT:
        case IIR_ID_LSR:               /* reading LSR (drain_rx does) clears it */
            drain_rx(u);
            break;
        case IIR_ID_MSR:
            (void)in8(u->base + REG_MSR);
            break;
        case IIR_ID_THRE:              /* reading IIR cleared it; we never enable it */
        default:
            break;
        }
    }
    /* Bytes can arrive without a pending interrupt yet (below the trigger level). */
    drain_rx(u);
}
