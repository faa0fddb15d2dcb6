/* The test guest's descriptor tables: flat kernel and user segments, a TSS for ring 3 -> 0, the IDT. */
#include "guest.h"

struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt, iomap;
} __attribute__((packed));

static uint64_t gdt[6];
static uint32_t idt[256 * 2];
static struct tss tss;
static trap_handler_t *handlers[256];
static uint8_t trap_stack[8192] __attribute__((aligned(16)));
extern const uint32_t trap_stubs[256];

static uint64_t segment(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (uint64_t)(limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xF) << 48) | ((uint64_t)(flags & 0xF) << 52) |
           ((uint64_t)(base >> 24) << 56);
}

static void gate(unsigned v, uint32_t handler, unsigned dpl)
{
    idt[v * 2] = (handler & 0xFFFF) | (0x08u << 16);
    idt[v * 2 + 1] = (handler & 0xFFFF0000u) | 0x8E00u | (dpl << 13);
}

void cpu_init(void)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr, idtr;

    gdt[1] = segment(0, 0xFFFFF, 0x9A, 0xC);           /* 0x08 kernel code */
    gdt[2] = segment(0, 0xFFFFF, 0x92, 0xC);           /* 0x10 kernel data */
    gdt[3] = segment(0, 0xFFFFF, 0xFA, 0xC);           /* 0x18 user code (DPL 3) */
    gdt[4] = segment(0, 0xFFFFF, 0xF2, 0xC);           /* 0x20 user data (DPL 3) */
    tss.ss0 = 0x10;
    tss.esp0 = (uint32_t)(trap_stack + sizeof(trap_stack));
    tss.iomap = sizeof(tss);
    gdt[5] = segment((uint32_t)&tss, sizeof(tss) - 1, 0x89, 0x0);   /* 0x28 TSS */
    for (unsigned v = 0; v < 256; v++)
        gate(v, trap_stubs[v], v == 0x80 ? 3 : 0);
    gdtr.limit = sizeof(gdt) - 1;
    gdtr.base = (uint32_t)gdt;
    idtr.limit = sizeof(idt) - 1;
    idtr.base = (uint32_t)idt;
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp $0x08, $1f\n"
                     "1:\n\t"
                     "mov $0x10, %%ax\n\t"
                     "mov %%ax, %%ds\n\t"
                     "mov %%ax, %%es\n\t"
                     "mov %%ax, %%ss\n\t"
                     "mov %%ax, %%fs\n\t"
                     "mov %%ax, %%gs\n\t"
                     "mov $0x28, %%ax\n\t"
                     "ltr %%ax\n\t"
                     "lidt %1"
                     :: "m"(gdtr), "m"(idtr) : "eax", "memory");
}

void cpu_set_handler(unsigned vector, trap_handler_t *h)
{
    handlers[vector & 0xFF] = h;
}

void trap(struct trap_frame *f)
{
    trap_handler_t *h = handlers[f->vector & 0xFF];

    if (h) {
        h(f);
        return;
    }
    con_puts("test guest: unexpected trap ");
    con_putu(f->vector);
    con_puts(" at ");
    con_putx(f->eip);
    con_puts(" error ");
    con_putx(f->error);
    con_puts("\n");
    hypercall(HC_SHUTDOWN, 99, 0, 0, 0);
    for (;;)
        __asm__ volatile("cli; hlt");
}
