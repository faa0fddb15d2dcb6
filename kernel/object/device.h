/* Device access objects: IRQ lines (delivered as notifications), I/O port ranges, the machine. */
#ifndef AGORA_KERNEL_OBJECT_DEVICE_H
#define AGORA_KERNEL_OBJECT_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include "object/kobject.h"
#include "object/notification.h"

#define IRQ_LINES 24   /* the I/O APIC's inputs */

/*
 * IRQ lines as the I/O APIC driver numbers them: 0-15 are ISA IRQs (through the
 * ACPI overrides), 16-23 are GSIs. Line n arrives on vector VECTOR_IRQ_BASE + n.
 */
typedef struct irq {
    kobject_t obj;
    unsigned line;
    unsigned gsi;            /* the I/O APIC input it comes in on */
    notification_t *ntfn;    /* where the interrupt goes, with badge */
    uint64_t badge;
} irq_t;

typedef struct ioport {
    kobject_t obj;
    uint32_t first, count;
} ioport_t;

/* Singletons handed to init. */
extern kobject_t irq_control_object;
extern kobject_t machine_object;

/* An IRQ object for a line: -E_BUSY if one exists, -E_RANGE for no such line. */
int irq_create(unsigned line, irq_t **out);
void irq_destroy(irq_t *irq);
int irq_bind(irq_t *irq, notification_t *n, uint64_t badge);
int irq_ack(irq_t *irq);
/* From the interrupt handler: vector -> line; masks it until acknowledged. */
void irq_deliver(unsigned line);

ioport_t *ioport_create(uint32_t first, uint32_t count);
void ioport_destroy(ioport_t *p);

#endif
