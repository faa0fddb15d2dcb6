/* IRQ and I/O port objects: hardware access handed out as capabilities. */
#include "object/device.h"
#include "agora/errors.h"
#include "arch/x86_64/cpu/idt.h"
#include "arch/x86_64/dev/ioapic.h"
#include "lib/log.h"
#include "mm/kheap.h"

kobject_t irq_control_object = { .type = OBJ_IRQ_CONTROL, .refs = 1 };
kobject_t machine_object = { .type = OBJ_MACHINE, .refs = 1 };

static irq_t *lines[IRQ_LINES];

int irq_create(unsigned line, irq_t **out)
{
    if (line >= IRQ_LINES || line >= ioapic_gsi_count())
        return -E_RANGE;
    if (lines[line])
        return -E_BUSY;
    acpi_irq_route_t route;
    int err = ioapic_lookup_irq(line, &route);
    if (err)
        return err;
    irq_t *irq = kzalloc(sizeof *irq);
    if (!irq)
        return -E_NOMEM;
    kobject_init(&irq->obj, OBJ_IRQ);
    irq->line = line;
    irq->gsi = route.gsi;
    lines[line] = irq;
    *out = irq;
    return 0;
}

void irq_destroy(irq_t *irq)
{
    if (irq->ntfn)
        ioapic_unroute(irq->gsi);
    lines[irq->line] = 0;
    if (irq->ntfn)
        kobject_unref(&irq->ntfn->obj);
    kfree(irq);
}

int irq_bind(irq_t *irq, notification_t *n, uint64_t badge)
{
    if (irq->ntfn)
        return -E_BUSY;
    int err = ioapic_route_irq(irq->line, (uint8_t)(VECTOR_IRQ_BASE + irq->line));
    if (err)
        return -E_INVAL;
    irq->ntfn = n;
    irq->badge = badge ? badge : 1;
    kobject_ref(&n->obj);
    ioapic_mask(irq->gsi, false);
    return 0;
}

int irq_ack(irq_t *irq)
{
    if (!irq->ntfn)
        return -E_STATE;
    ioapic_mask(irq->gsi, false);
    return 0;
}

void irq_deliver(unsigned line)
{
    irq_t *irq = line < IRQ_LINES ? lines[line] : 0;
    if (!irq || !irq->ntfn)
        return;
    /* Level-triggered lines would fire again at once: keep it masked until the driver acks. */
    ioapic_mask(irq->gsi, true);
    notification_signal(irq->ntfn, irq->badge);
}

ioport_t *ioport_create(uint32_t first, uint32_t count)
{
    ioport_t *p = kzalloc(sizeof *p);
    if (p) {
        kobject_init(&p->obj, OBJ_IOPORT);
        p->first = first;
        p->count = count;
    }
    return p;
}

void ioport_destroy(ioport_t *p)
{
    kfree(p);
}
