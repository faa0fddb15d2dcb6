/* Fills the IDT with the 256 assembly entry stubs of isr.S. */
#include "arch/x86_64/cpu/idt.h"
#include "arch/x86_64/cpu/gdt.h"
#include <stdint.h>

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

struct idt_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define GATE_INTERRUPT 0x8E   /* present, DPL 0, 64-bit interrupt gate */
#define VECTOR_NMI 2
#define VECTOR_DOUBLE_FAULT 8

extern const uint64_t isr_stub_table[256];
static struct idt_gate idt[256];

void idt_init(void)
{
    for (int v = 0; v < 256; v++) {
        uint64_t addr = isr_stub_table[v];
        idt[v].offset_lo = addr & 0xFFFF;
        idt[v].selector = SEL_KERNEL_CODE;
        idt[v].ist = v == VECTOR_DOUBLE_FAULT ? IST_DOUBLE_FAULT : v == VECTOR_NMI ? IST_NMI : 0;
        idt[v].type_attr = GATE_INTERRUPT;
        idt[v].offset_mid = (addr >> 16) & 0xFFFF;
        idt[v].offset_hi = addr >> 32;
        idt[v].reserved = 0;
    }
    struct idt_ptr ptr = { sizeof idt - 1, (uint64_t)idt };
    __asm__ volatile("lidt %0" :: "m"(ptr));
}
