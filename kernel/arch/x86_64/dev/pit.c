/* PIT channel 2 one-shot countdown, polled through port 0x61. */
#include "arch/x86_64/dev/pit.h"
#include "arch/x86_64/cpu/cpu.h"

#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B  0x61
#define PORT_B_GATE2   0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2    0x20

void pit_oneshot_start(uint16_t count)
{
    uint8_t b = inb(PORT_B) & (uint8_t)~(PORT_B_GATE2 | PORT_B_SPEAKER);
    outb(PORT_B, b);                       /* gate low: counter held */
    outb(PIT_CMD, 0xB0);                   /* channel 2, lo/hi byte, mode 0, binary */
    outb(PIT_CH2, count & 0xff);
    outb(PIT_CH2, count >> 8);
    outb(PORT_B, b | PORT_B_GATE2);        /* gate high: counting starts */
}

int pit_oneshot_done(void)
{
    return (inb(PORT_B) & PORT_B_OUT2) != 0;
}
