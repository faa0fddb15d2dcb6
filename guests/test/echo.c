/* With "echo" on its command line: after the tests, a line typed on its console (16550 receive interrupts, IRQ 4) is read and echoed back. */
#include "guest.h"

#define COM1 0x3f8
#define LSR_DATA_READY 0x01
#define LINE_MAX 64

static volatile char line[LINE_MAX];
static volatile uint32_t used, done_line, irqs;

static void on_com1(struct trap_frame *f)
{
    irqs++;
    while (inb(COM1 + 5) & LSR_DATA_READY) {
        char c = (char)inb(COM1);

        if (c == '\r' || c == '\n')
            done_line = 1;
        else if (used < LINE_MAX - 1 && !done_line)
            line[used++] = c;
    }
    outb(0x20, 0x20);
}

/* Whether the multiboot command line (flags bit 2, cmdline at offset 16) has word. */
int cmdline_has(uint32_t info, const char *word)
{
    const uint32_t *mb = (const uint32_t *)info;
    const char *s;

    if (!info || !(mb[0] & (1u << 2)) || !mb[4])
        return 0;
    for (s = (const char *)mb[4]; *s; s++) {
        const char *a = s, *b = word;

        while (*b && *a == *b)
            a++, b++;
        if (!*b && (*a == 0 || *a == ' ') && (s == (const char *)mb[4] || s[-1] == ' '))
            return 1;
    }
    return 0;
}

int echo_line(void)
{
    cpu_set_handler(0x24, on_com1);
    outb(COM1 + 1, 0x01);               /* receive-data interrupt */
    outb(COM1 + 4, 0x08);               /* OUT2: the interrupt reaches the PIC */
    outb(0x21, 0xef);                   /* IRQ 4 only */
    con_puts("test guest: type a line\n");
    while (!done_line)
        sti_hlt();
    cli();
    outb(0x21, 0xff);
    outb(COM1 + 1, 0x00);
    line[used] = 0;
    con_puts("test guest: got ");
    con_puts((const char *)line);
    con_puts("\n");
    return irqs == 0;
}
