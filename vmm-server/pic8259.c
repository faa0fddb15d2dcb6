/* The cascaded 8259A pair: initialization words, masks, EOIs, priorities, cascade, ELCR; see pic8259.h. */
#include "pic8259.h"

#include <libagora/string.h>

#define PIC_CASCADE_IRQ 2

/* The ELCR bits a PIIX implements: IRQ 0, 1, 2, 8 and 13 are always edge. */
#define ELCR_MASTER_MASK 0xf8
#define ELCR_SLAVE_MASK  0xde

/* The rank (0 highest .. 7) of the first IR set in mask, 8 when none: the IR after lowest_priority ranks first. */
static unsigned priority_of_first(const struct pic8259 *c, uint8_t mask)
{
    unsigned highest = (c->lowest_priority + 1u) & 7;

    for (unsigned prio = 0; prio < 8; prio++) {
        if (mask & (1u << ((prio + highest) & 7)))
            return prio;
    }
    return 8;
}

static unsigned irq_of_priority(const struct pic8259 *c, unsigned prio)
{
    return (prio + c->lowest_priority + 1u) & 7;
}

/* The IR this chip would signal now: requested, unmasked, and above everything in service; or -1. */
static int chip_request(const struct pic8259 *c, bool is_master)
{
    uint8_t in_service = c->isr;
    unsigned prio = priority_of_first(c, c->irr & ~c->imr);

    if (prio == 8)
        return -1;
    if (c->special_mask)
        in_service &= ~c->imr;      /* masked levels in service do not block lower ones */
    if (is_master && c->special_fully_nested)
        in_service &= ~(1u << PIC_CASCADE_IRQ);   /* the slave ranks its own requests */
    if (prio >= priority_of_first(c, in_service))
        return -1;
    return (int)irq_of_priority(c, prio);
}

static void chip_set_line(struct pic8259 *c, unsigned ir, bool level)
{
    uint8_t bit = (uint8_t)(1u << ir);

    if (c->elcr & bit) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= ~bit;
    } else if (level && !(c->line & bit)) {
        c->irr |= bit;              /* edge: latch the rising edge */
    }
    if (level)
        c->line |= bit;
    else
        c->line &= ~bit;
}

/* INTA on one chip: the request goes in service (or, with auto-EOI, is done at once). */
static void chip_acknowledge(struct pic8259 *c, unsigned ir)
{
    uint8_t bit = (uint8_t)(1u << ir);

    if (!(c->elcr & bit))
        c->irr &= ~bit;
    if (!c->auto_eoi)
        c->isr |= bit;
    else if (c->rotate_on_auto_eoi)
        c->lowest_priority = (uint8_t)ir;
}

/* Wires the slave's INT to the master's IRQ2 and notes when the master's INT rises. */
static void update(struct pic_pair *p)
{
    if (!p->master.single)
        chip_set_line(&p->master, PIC_CASCADE_IRQ, chip_request(&p->slave, false) >= 0);
    if (chip_request(&p->master, true) >= 0)
        p->int_raised = true;
}

/* The state a BIOS leaves: vectors programmed, cascade on, every line but the cascade masked. */
static void chip_bios_state(struct pic8259 *c, uint8_t vector_base, uint8_t icw3, uint8_t imr, uint8_t elcr_mask)
{
    memset(c, 0, sizeof(*c));
    c->vector_base = vector_base;
    c->icw3 = icw3;
    c->imr = imr;
    c->lowest_priority = 7;
    c->icw4_needed = true;
    c->elcr_mask = elcr_mask;
}

void pic_init(struct pic_pair *p)
{
    chip_bios_state(&p->master, 0x08, 1u << PIC_CASCADE_IRQ, (uint8_t)~(1u << PIC_CASCADE_IRQ), ELCR_MASTER_MASK);
    chip_bios_state(&p->slave, 0x70, PIC_CASCADE_IRQ, 0xff, ELCR_SLAVE_MASK);
    p->int_raised = false;
}

bool pic_port(uint16_t port)
{
    return port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 || port == 0x4d0 || port == 0x4d1;
}

/* ICW1: the chip starts over and waits for ICW2 (ICW3 and ICW4 as ICW1 says). */
static void write_icw1(struct pic8259 *c, uint8_t value)
{
    c->irr = c->line & c->elcr;     /* the edge latches are cleared: edges must come anew */
    c->isr = 0;
    c->imr = 0;
    c->lowest_priority = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->auto_eoi = false;
    c->rotate_on_auto_eoi = false;
    c->special_fully_nested = false;
    c->icw4_needed = (value & 0x01) != 0;
    c->single = (value & 0x02) != 0;
    c->init_step = 2;
}

static void write_ocw2(struct pic8259 *c, uint8_t value)
{
    unsigned ir = value & 7, prio;

    switch (value >> 5) {
    case 0:                         /* clear rotate in auto-EOI */
    case 4:                         /* set rotate in auto-EOI */
        c->rotate_on_auto_eoi = (value >> 5) == 4;
        break;
    case 1:                         /* non-specific EOI */
    case 5:                         /* rotate on non-specific EOI */
        prio = priority_of_first(c, c->isr);
        if (prio == 8)
            break;
        ir = irq_of_priority(c, prio);
        c->isr &= ~(1u << ir);
        if ((value >> 5) == 5)
            c->lowest_priority = (uint8_t)ir;
        break;
    case 3:                         /* specific EOI */
        c->isr &= ~(1u << ir);
        break;
    case 7:                         /* rotate on specific EOI */
        c->isr &= ~(1u << ir);
        c->lowest_priority = (uint8_t)ir;
        break;
    case 6:                         /* set priority */
        c->lowest_priority = (uint8_t)ir;
        break;
    default:                        /* 2: no operation */
        break;
    }
}

static void write_command(struct pic8259 *c, uint8_t value)
{
    if (value & 0x10) {
        write_icw1(c, value);
    } else if (value & 0x08) {      /* OCW3 */
        if (value & 0x04)
            c->poll = true;
        if (value & 0x02)
            c->read_isr = (value & 0x01) != 0;
        if (value & 0x40)
            c->special_mask = (value & 0x20) != 0;
    } else {
        write_ocw2(c, value);
    }
}

static void write_data(struct pic8259 *c, uint8_t value)
{
    switch (c->init_step) {
    case 2:                         /* ICW2: the vector base */
        c->vector_base = value & 0xf8;
        c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3:                         /* ICW3: cascade wiring */
        c->icw3 = value;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    case 4:                         /* ICW4 */
        c->auto_eoi = (value & 0x02) != 0;
        c->special_fully_nested = (value & 0x10) != 0;
        c->init_step = 0;
        break;
    default:                        /* OCW1: the mask */
        c->imr = value;
        break;
    }
}

static void write_elcr(struct pic8259 *c, uint8_t value)
{
    c->elcr = value & c->elcr_mask;
    c->irr = (uint8_t)((c->irr & ~c->elcr) | (c->line & c->elcr));
}

void pic_write(struct pic_pair *p, uint16_t port, uint8_t value)
{
    switch (port) {
    case 0x20:
        write_command(&p->master, value);
        if (value & 0x10)
            p->int_raised = false;
        break;
    case 0x21:
        write_data(&p->master, value);
        break;
    case 0xa0:
        write_command(&p->slave, value);
        break;
    case 0xa1:
        write_data(&p->slave, value);
        break;
    case 0x4d0:
        write_elcr(&p->master, value);
        break;
    case 0x4d1:
        write_elcr(&p->slave, value);
        break;
    default:
        return;
    }
    update(p);
}

/* A read after OCW3's poll bit: the highest request, acknowledged, as 0x80 | IR; 0 when none. */
static uint8_t poll_chip(struct pic_pair *p, struct pic8259 *c, bool is_master)
{
    int ir = chip_request(c, is_master);

    c->poll = false;
    if (is_master)
        p->int_raised = false;      /* the poll read is the master's INTA */
    if (ir < 0)
        return 0;
    chip_acknowledge(c, (unsigned)ir);
    update(p);
    return (uint8_t)(0x80 | ir);
}

static uint8_t read_command(struct pic_pair *p, struct pic8259 *c, bool is_master)
{
    if (c->poll)
        return poll_chip(p, c, is_master);
    return c->read_isr ? c->isr : c->irr;
}

uint8_t pic_read(struct pic_pair *p, uint16_t port)
{
    switch (port) {
    case 0x20:
        return read_command(p, &p->master, true);
    case 0x21:
        return p->master.imr;
    case 0xa0:
        return read_command(p, &p->slave, false);
    case 0xa1:
        return p->slave.imr;
    case 0x4d0:
        return p->master.elcr;
    case 0x4d1:
        return p->slave.elcr;
    default:
        return 0xff;
    }
}

void pic_set_irq(struct pic_pair *p, unsigned irq, bool level)
{
    if (irq > 15 || irq == PIC_CASCADE_IRQ)
        return;                     /* IRQ2 is the cascade wire (an ISA IRQ2 device is IRQ9 on a PC) */
    if (irq < 8)
        chip_set_line(&p->master, irq, level);
    else
        chip_set_line(&p->slave, irq - 8, level);
    update(p);
}

int pic_pending(const struct pic_pair *p)
{
    int ir = chip_request(&p->master, true), slave_ir;

    if (ir < 0)
        return -1;
    if (ir != PIC_CASCADE_IRQ || p->master.single)
        return p->master.vector_base + ir;
    slave_ir = chip_request(&p->slave, false);
    return p->slave.vector_base + (slave_ir >= 0 ? slave_ir : 7);
}

int pic_acknowledge(struct pic_pair *p)
{
    int ir = chip_request(&p->master, true), slave_ir, vector;

    if (ir < 0) {
        if (!p->int_raised)
            return -1;
        p->int_raised = false;
        return p->master.vector_base + 7;   /* spurious: nothing goes in service */
    }
    chip_acknowledge(&p->master, (unsigned)ir);
    if (ir == PIC_CASCADE_IRQ && !p->master.single) {
        slave_ir = chip_request(&p->slave, false);
        if (slave_ir >= 0) {
            chip_acknowledge(&p->slave, (unsigned)slave_ir);
            vector = p->slave.vector_base + slave_ir;
        } else {
            vector = p->slave.vector_base + 7;  /* spurious on the slave: the master's IR2 stays in service */
        }
    } else {
        vector = p->master.vector_base + ir;
    }
    p->int_raised = false;
    update(p);
    return vector;
}
