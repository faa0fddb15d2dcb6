/* Interrupt vectors and the IDT. */
#ifndef AGORA_KERNEL_ARCH_IDT_H
#define AGORA_KERNEL_ARCH_IDT_H

#define VECTOR_PIC_BASE   0x20   /* 0x20-0x2f: the masked 8259s' vectors, never expected */
#define VECTOR_TIMER      0x30
#define VECTOR_IRQ_BASE   0x40   /* 0x40 + I/O APIC input: device interrupts */
#define VECTOR_IRQ_LAST   0x57
#define VECTOR_APIC_ERROR 0xFE
#define VECTOR_SPURIOUS   0xFF

void idt_init(void);

#endif
