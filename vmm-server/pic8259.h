/*
 * The PC's cascaded 8259A interrupt controllers (master 0x20/0x21, slave 0xa0/0xa1 on the
 * master's IRQ2) with the PIIX edge/level control registers (ELCR, 0x4d0/0x4d1). Pure
 * logic: the VMM forwards port I/O here, raises device lines with pic_set_irq, and asks
 * pic_pending/pic_acknowledge what to inject.
 *
 * Decisions:
 * - pic_init leaves both chips as a PC BIOS does (nothing else programs them before a
 *   BIOS-less guest runs): master vectors 0x08-0x0f, slave 0x70-0x77, 8086 mode, cascade
 *   on IRQ2, every line masked but the cascade. Guests re-initialize with ICW1-4.
 * - Edge mode latches a rising edge in IRR and keeps it until acknowledged, even if the
 *   line falls first (so a device model may pulse a line); level mode (ELCR) follows the
 *   line. ICW1's LTIM bit is ignored: on a PIIX the ELCR decides.
 * - The slave's INT output drives the master's IRQ2 input (edge), re-evaluated after every
 *   change, as the wires do.
 * - INTA: pic_acknowledge moves the request from IRR to ISR (not with auto-EOI) and gives
 *   its vector. When the master's INT output was raised since the last INTA but nothing is
 *   requested any more (the line fell, the request was masked), it gives the spurious
 *   vector (IRQ 7, or 15 when it vanished on the slave) without setting ISR; when INT was
 *   never raised since, it gives -1 and changes nothing.
 * - Not modelled: 8080 mode (ICW4 bit 0 clear acts as 8086 mode), buffered mode bits.
 */
#ifndef VMM_PIC8259_H
#define VMM_PIC8259_H

#include <stdbool.h>
#include <stdint.h>

/* One 8259A. */
struct pic8259 {
    uint8_t irr, isr, imr;
    uint8_t line;               /* the input lines' levels now (edge detection) */
    uint8_t elcr;               /* 1: level-triggered */
    uint8_t elcr_mask;          /* the ELCR bits this chip allows */
    uint8_t vector_base;        /* ICW2 & 0xf8 */
    uint8_t icw3;
    uint8_t lowest_priority;    /* rotation: the IR with the lowest priority (7 after init) */
    uint8_t init_step;          /* 0: operational; 2, 3, 4: expecting ICW2, ICW3, ICW4 */
    bool icw4_needed, single, auto_eoi, rotate_on_auto_eoi, special_fully_nested;
    bool special_mask, read_isr, poll;
};

struct pic_pair {
    struct pic8259 master, slave;
    bool int_raised;            /* the master's INT output went high since the last INTA */
};

void pic_init(struct pic_pair *p);
uint8_t pic_read(struct pic_pair *p, uint16_t port);              /* 0x20 0x21 0xa0 0xa1 0x4d0 0x4d1; others read 0xff */
void pic_write(struct pic_pair *p, uint16_t port, uint8_t value);  /* others ignored */
void pic_set_irq(struct pic_pair *p, unsigned irq, bool level);  /* irq 0..15 but 2, the cascade (others ignored); edge mode latches the rising edge */
int pic_pending(const struct pic_pair *p);   /* the vector the INTR line would deliver now, or -1 */
int pic_acknowledge(struct pic_pair *p);     /* INTA: the vector (IRR->ISR, spurious 7/15 when it vanished), or -1 */

/* Added: whether port is one of the PIC pair's (0x20 0x21 0xa0 0xa1 0x4d0 0x4d1). */
bool pic_port(uint16_t port);

#endif
