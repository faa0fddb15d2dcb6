/* Primitives 9 and 8: PIT ticks through the virtual 8259 PIC, and an EVENT hypercall that comes back as an interrupt. */
#include "guest.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define PIC_EOI   0x20
#define IRQ_BASE  0x20
#define PIT_CH0   0x40
#define PIT_CMD   0x43
#define PIT_HZ    1193182u
#define TICK_HZ   100u
#define TICKS     20u
#define EVENT_VECTOR 0x41
#define MAX_HALTS 2000u

static volatile uint32_t ticks, spurious, events;

static void on_irq0(struct trap_frame *f) { ticks++; outb(PIC1_CMD, PIC_EOI); }
static void on_other_irq(struct trap_frame *f)
{
    spurious++;
    if (f->vector >= IRQ_BASE + 8)
        outb(PIC2_CMD, PIC_EOI);
    outb(PIC1_CMD, PIC_EOI);
}
static void on_event(struct trap_frame *f) { events++; }

static void pic_init(void)
{
    outb(PIC1_CMD, 0x11);             /* ICW1: edge, cascade, ICW4 */
    outb(PIC2_CMD, 0x11);
    outb(PIC1_DATA, IRQ_BASE);        /* ICW2: vectors */
    outb(PIC2_DATA, IRQ_BASE + 8);
    outb(PIC1_DATA, 0x04);            /* ICW3: slave on IRQ2 */
    outb(PIC2_DATA, 0x02);
    outb(PIC1_DATA, 0x01);            /* ICW4: 8086 mode */
    outb(PIC2_DATA, 0x01);
    outb(PIC1_DATA, 0xfe);            /* only IRQ0 */
    outb(PIC2_DATA, 0xff);
}

static void pit_start(void)
{
    uint32_t divisor = PIT_HZ / TICK_HZ;

    outb(PIT_CMD, 0x34);              /* channel 0, lobyte/hibyte, mode 2 */
    outb(PIT_CH0, (uint8_t)divisor);
    outb(PIT_CH0, (uint8_t)(divisor >> 8));
}

int test_timer(void)
{
    uint32_t halts = 0;

    for (unsigned v = IRQ_BASE; v < IRQ_BASE + 16; v++)
        cpu_set_handler(v, on_other_irq);
    cpu_set_handler(IRQ_BASE, on_irq0);
    pic_init();
    pit_start();
    while (ticks < TICKS && halts++ < MAX_HALTS)
        sti_hlt();
    cli();
    if (ticks < TICKS) {
        report(9, "timer interrupts through the virtual PIC", "too few ticks", ticks);
        return 1;
    }
    report(9, "timer interrupts through the virtual PIC", 0, 0);
    return 0;
}

/* After test_timer: the PIT keeps ticking, so a lost event ends the wait after 3 s. */
int test_event(void)
{
    uint32_t start = ticks;
    int32_t r;
    const char *why = 0;

    cpu_set_handler(EVENT_VECTOR, on_event);
    if ((r = hypercall(HC_EVENT, 5, 100, 0, 0)) != -E_INVAL ||
        (r = hypercall(HC_EVENT, EVENT_VECTOR, HC_EVENT_DELAY_MAX + 1, 0, 0)) != -E_INVAL) {
        why = "a bad EVENT was not refused";
    } else if ((r = hypercall(HC_EVENT, EVENT_VECTOR, 20000, 0, 0)) != 0) {
        why = "EVENT";
    } else {
        while (!events && ticks - start < 3 * TICK_HZ)
            sti_hlt();
        cli();
        r = (int32_t)events;
        if (events != 1)
            why = "no interrupt for the event";
    }
    outb(PIC1_DATA, 0xff);            /* the timer stops bothering the VMM */
    report(8, "event notification as an interrupt", why, (uint32_t)r);
    return why != 0;
}
