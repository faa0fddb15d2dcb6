/*
 * A 16550A UART model (the guest's serial console): registers, divisor latch, 16-byte
 * receive FIFO, interrupts with the 16550A's priorities, loopback. Pure logic: the VMM
 * calls it from its port-I/O exits and feeds it terminal input.
 *
 * Decisions:
 * - Transmission is instantaneous: a THR write goes to tx() at once, THR and the shift
 *   register are always empty (LSR THRE and TEMT set), and the THRE interrupt is raised
 *   again right after each write. There is no transmit FIFO to fill.
 * - Time does not pass inside the model, so the character-timeout interrupt (IIR 0xC) is
 *   reported as soon as the receive FIFO holds bytes below its trigger level; at or above
 *   the trigger it is "received data available" (IIR 0x4). Linux treats both alike.
 * - The interrupt line is gated by MCR.OUT2, as on a PC (the UART's INTR pin reaches the
 *   PIC through a buffer OUT2 enables), and is off in loopback mode. A guest must set OUT2
 *   (Linux and most drivers write MCR = 0x0B) to get interrupts.
 * - Modem inputs outside loopback: CTS, DSR and DCD asserted (a terminal is attached), RI off.
 */
#ifndef VMM_UART16550_H
#define VMM_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define UART_FIFO_BYTES 16

/* Register offsets from the base port (DLAB = LCR bit 7 selects DLL/DLM at 0 and 1). */
#define UART_RBR 0  /* read: receive buffer; write: THR */
#define UART_IER 1
#define UART_IIR 2  /* read: IIR; write: FCR */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDA  0x01
#define UART_IER_THRE 0x02
#define UART_IER_RLS  0x04
#define UART_IER_MS   0x08

#define UART_IIR_NONE    0x01
#define UART_IIR_MS      0x00
#define UART_IIR_THRE    0x02
#define UART_IIR_RDA     0x04
#define UART_IIR_RLS     0x06
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_FIFO    0xc0

#define UART_FCR_ENABLE   0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04

#define UART_LCR_DLAB 0x80

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR   0x01
#define UART_LSR_OE   0x02
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS  0x10
#define UART_MSR_DSR  0x20
#define UART_MSR_RI   0x40
#define UART_MSR_DCD  0x80

struct uart16550 {
    /* The owner's callbacks (tx may be NULL: output dropped; irq may be NULL). */
    void (*tx)(void *ctx, uint8_t byte);
    void (*irq)(void *ctx, bool level);
    void *ctx;
    /* Registers. */
    uint8_t ier, lcr, mcr, scr, dll, dlm;
    uint8_t fcr;                /* the FCR bits that stick: enable and trigger level */
    uint8_t lsr_errors;         /* OE (the only error a model sees), cleared by reading LSR */
    uint8_t msr;                /* the modem status inputs (bits 7:4) and their deltas (3:0) */
    bool thre_pending;          /* THRE interrupt raised, not yet cleared by IIR read or THR write */
    /* The receive FIFO (one byte deep when the FIFO is off). */
    uint8_t rx[UART_FIFO_BYTES];
    unsigned rx_head, rx_count;
    uint8_t last_rbr;           /* what RBR reads when empty */
    bool irq_out;               /* the level last reported to irq() */
};

void uart_init(struct uart16550 *u, void (*tx)(void *ctx, uint8_t byte), void (*irq)(void *ctx, bool level), void *ctx);
uint8_t uart_read(struct uart16550 *u, unsigned offset);          /* offset 0..7 from the base port; others read 0xff */
void uart_write(struct uart16550 *u, unsigned offset, uint8_t value);   /* others ignored */
bool uart_receive(struct uart16550 *u, uint8_t byte);             /* input from the terminal; false: FIFO full (caller keeps it) */
bool uart_irq_level(const struct uart16550 *u);

/* Added: how many more bytes uart_receive takes now (the VMM reads that much from its terminal). */
unsigned uart_rx_room(const struct uart16550 *u);
/* Added: the divisor latch (115200 / divisor is the baud rate the guest chose; 0 before it chose one). */
unsigned uart_divisor(const struct uart16550 *u);

#endif
