/*
 * The hostile guest: everything a guest should not do, then a triple fault. Only its own
 * vmm-server may end (tests/system/cases/vm-hostile.test): random ports (string I/O too),
 * MMIO loads and stores where there is no RAM (also into registers the exit does not
 * carry, and an instruction the VMM cannot emulate), random and malformed hypercalls, RAM
 * it released and memory far beyond its RAM, an interrupt storm (the PIT at its fastest,
 * EVENTs as fast as they are taken), and at the end an IDT of limit 0 and int3. It reports
 * what it saw; any line with FAIL is a wrong answer of the VMM.
 */
#include "../test/guest.h"

#define MMIO_NOTHING 0xfee00000u          /* no local APIC here: nothing at all */
#define MEM_RELEASED_PAGES 16u

static uint32_t seed = 12345;
static volatile uint32_t ud_skip, ud_count, storm_irqs, storm_events;

static uint32_t rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed >> 1;
}

static void fail(const char *what, uint32_t detail)
{
    con_puts("hostile: FAIL ");
    con_puts(what);
    con_puts(" ");
    con_putx(detail);
    con_puts("\n");
}

static void on_ud(struct trap_frame *f) { ud_count++; f->eip += ud_skip; }
static void on_storm_irq(struct trap_frame *f) { storm_irqs++; outb(0x20, 0x20); }
static void on_storm_event(struct trap_frame *f) { storm_events++; }
static void on_anything(struct trap_frame *f) { }

/* Not the console, the exit port or the interrupt controllers and timer (the storm's). */
static int modelled(uint16_t port)
{
    return (port >= 0x3f8 && port < 0x400) || (port >= HC_EXIT_PORT && port < HC_EXIT_PORT + 4) ||
           (port >= 0x20 && port < 0x22) || (port >= 0xa0 && port < 0xa2) || (port >= 0x40 && port < 0x44) ||
           port == 0x61 || port == 0x4d0 || port == 0x4d1;
}

static void ports(void)
{
    static uint8_t buf[64];

    for (int i = 0; i < 3000; i++) {
        uint16_t port = (uint16_t)rnd();

        if (modelled(port) || modelled((uint16_t)(port + 1)) || modelled((uint16_t)(port + 2)) ||
            modelled((uint16_t)(port + 3)))
            continue;
        switch (rnd() % 4) {
        case 0: outb(port, (uint8_t)rnd()); break;
        case 1: if (inb(port) != 0xff) fail("an unknown port did not read all ones", port); break;
        case 2: { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); if (v != 0xffffffffu) fail("inl", port); } break;
        default:
            __asm__ volatile("rep outsb" : : "S"(buf), "c"(sizeof(buf)), "d"(port) : "memory");
            __asm__ volatile("rep insb" : : "D"(buf), "c"(sizeof(buf)), "d"(port) : "memory");
            break;
        }
    }
    con_puts("hostile: random ports done\n");
}

static void mmio(void)
{
    volatile uint32_t *nothing = (volatile uint32_t *)MMIO_NOTHING;
    uint32_t v, esi_val;
    uint16_t w;

    if ((v = nothing[0]) != 0xffffffffu)
        fail("MMIO load", v);
    nothing[1] = 0x12345678u;
    if ((v = nothing[1]) != 0xffffffffu)
        fail("MMIO after a store", v);
    __asm__ volatile("movzwl (%1), %0" : "=r"(v) : "r"(MMIO_NOTHING + 8));
    if (v != 0xffff)
        fail("MMIO movzx", v);
    __asm__ volatile("movw (%1), %0" : "=r"(w) : "r"(MMIO_NOTHING + 16));
    if (w != 0xffff)
        fail("MMIO 16-bit", w);
    __asm__ volatile("mov (%1), %%esi" : "=S"(esi_val) : "r"(MMIO_NOTHING + 32));
    if (esi_val != 0xffffffffu)
        fail("MMIO into esi", esi_val);
    /* add %eax, (MMIO) (01 05 disp32): not emulated: #UD, 6 bytes. */
    ud_skip = 6;
    __asm__ volatile(".byte 0x01, 0x05; .long 0xfee00040" ::: "memory");
    if (ud_count != 1)
        fail("an access the VMM cannot emulate was not #UD", ud_count);
    /* Far beyond RAM: a gigabyte up, and the last page below 4 GiB. */
    if ((v = *(volatile uint32_t *)0x40000000u) != 0xffffffffu)
        fail("beyond RAM", v);
    if ((v = *(volatile uint32_t *)0xfffff000u) != 0xffffffffu)
        fail("below 4 GiB", v);
    con_puts("hostile: MMIO done\n");
}

static void hypercalls(void)
{
    int32_t mem = hc_info(HC_INFO_MEM_BYTES), r;

    for (int i = 0; i < 2000; i++) {
        uint32_t fn = rnd() % 24, a = rnd(), b = rnd(), c = rnd(), d = rnd();

        if (fn == HC_SHUTDOWN || fn == HC_RESET || fn == HC_MEM_RELEASE)
            continue;
        if (fn == HC_PAGE_FLIP || fn == HC_CONSOLE_WRITE)
            a = 0xfffff000u | (a & 1);          /* never its own pages: only refusals */
        if (fn == HC_EVENT)
            a &= 31;                            /* vectors below 32: refused */
        if (fn == HC_MEM_REQUEST)
            a |= 0x100000;                      /* always too much */
        r = hypercall(fn, a, b, c, d);
        if (fn == HC_INFO ? (a < HC_INFO_FIELDS) != (r >= 0) : r >= 0)
            fail("a bad hypercall was taken", fn);
    }
    if (hypercall(HC_MEM_RELEASE, (uint32_t)mem - MEM_RELEASED_PAGES * PAGE, MEM_RELEASED_PAGES, 0, 0) != 0)
        fail("MEM_RELEASE", 0);
    if ((r = *(volatile int32_t *)(mem - PAGE)) != -1)
        fail("released RAM still reads", (uint32_t)r);
    con_puts("hostile: bad hypercalls done\n");
}

static void storm(void)
{
    uint32_t halts = 0;

    for (unsigned v = 32; v < 256; v++)
        cpu_set_handler(v, on_anything);
    cpu_set_handler(0x20, on_storm_irq);
    cpu_set_handler(0x50, on_storm_event);
    outb(0x20, 0x11); outb(0xa0, 0x11); outb(0x21, 0x20); outb(0xa1, 0x28);
    outb(0x21, 0x04); outb(0xa1, 0x02); outb(0x21, 0x01); outb(0xa1, 0x01);
    outb(0x21, 0xfe); outb(0xa1, 0xff);
    outb(0x43, 0x34); outb(0x40, 2); outb(0x40, 0);      /* the fastest the PIT goes */
    for (int i = 0; i < 2000; i++) {
        hypercall(HC_EVENT, 0x50, 0, 0, 0);
        sti();
        cli();
    }
    while (storm_irqs < 200 && halts++ < 5000)
        sti_hlt();
    cli();
    outb(0x21, 0xff);
    con_puts("hostile: interrupt storm done (");
    con_putu(storm_irqs);
    con_puts(" timer interrupts, ");
    con_putu(storm_events);
    con_puts(" events)\n");
}

static _Noreturn void triple_fault(void)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) none = { 0, 0 };

    con_puts("hostile: triple fault now\n");
    __asm__ volatile("lidt %0; int3" :: "m"(none));
    for (;;)
        ;
}

void guest_main(uint32_t magic, uint32_t info);

void guest_main(uint32_t magic, uint32_t info)
{
    con_init();
    con_puts("hostile: started\n");
    cpu_init();
    for (unsigned v = 0; v < 32; v++)
        cpu_set_handler(v, on_anything);
    cpu_set_handler(6, on_ud);
    ports();
    mmio();
    hypercalls();
    storm();
    triple_fault();
}
