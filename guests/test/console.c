/* The test guest's console: polled output on the 16550 at 0x3f8. */
#include "guest.h"

#define COM1 0x3f8
#define LSR_THR_EMPTY 0x20

void con_init(void)
{
    outb(COM1 + 1, 0x00);      /* no interrupts */
    outb(COM1 + 3, 0x80);      /* DLAB */
    outb(COM1 + 0, 0x01);      /* 115200 */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);      /* 8N1 */
}

static void con_putc(char c)
{
    for (unsigned spins = 0; !(inb(COM1 + 5) & LSR_THR_EMPTY) && spins < 100000; spins++)
        ;
    outb(COM1, (uint8_t)c);
}

void con_puts(const char *s)
{
    while (*s)
        con_putc(*s++);
}

void con_putu(uint32_t v)
{
    char buf[11];
    int n = 0;

    do
        buf[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0)
        con_putc(buf[--n]);
}

void con_putx(uint32_t v)
{
    con_puts("0x");
    for (int shift = 28; shift >= 0; shift -= 4)
        con_putc("0123456789abcdef"[(v >> shift) & 0xF]);
}

void report(int n, const char *name, const char *why, uint32_t detail)
{
    con_puts("primitive ");
    con_putu((uint32_t)n);
    con_puts(" ");
    con_puts(name);
    if (!why) {
        con_puts(": ok\n");
        return;
    }
    con_puts(": FAIL ");
    con_puts(why);
    con_puts(" (");
    con_putx(detail);
    con_puts(")\n");
}
