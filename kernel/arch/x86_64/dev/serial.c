/* COM1 16550 UART, polled: the kernel log and panic output. */
#include "arch/x86_64/dev/serial.h"
#include "arch/x86_64/cpu/cpu.h"

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

void serial_init(void)
{
    outb(COM1 + REG_IER, 0x00);      /* no interrupts: the kernel polls */
    outb(COM1 + REG_LCR, 0x80);      /* DLAB on to set the divisor */
    outb(COM1 + REG_DATA, 0x01);     /* 115200 baud */
    outb(COM1 + REG_IER, 0x00);
    outb(COM1 + REG_LCR, 0x03);      /* 8N1, DLAB off */
    outb(COM1 + REG_FCR, 0xC7);      /* FIFOs on and cleared */
    outb(COM1 + REG_MCR, 0x03);      /* DTR, RTS */
}

static void serial_put_raw(char c)
{
    /* Bounded wait: a missing UART must not hang the kernel. */
    for (int spins = 0; spins < 100000; spins++) {
        if (inb(COM1 + REG_LSR) & LSR_THR_EMPTY)
            break;
        cpu_pause();
    }
    outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_putc(char c)
{
    if (c == '\n')
        serial_put_raw('\r');
    serial_put_raw(c);
}

int serial_try_getc(void)
{
    if (!(inb(COM1 + REG_LSR) & LSR_DATA_READY))
        return -1;
    return inb(COM1 + REG_DATA);
}
