/*
 * Unit tests for vmm-server/pic8259.c: the BIOS state, Linux's initialization sequence,
 * priorities and nesting, EOI kinds and rotation, edge and level (ELCR), the cascade,
 * spurious IRQ 7 and 15, auto-EOI, poll, special mask and special fully nested modes.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <string.h>

#include "pic8259.h"
#include "suites.h"

static struct pic_pair pic;

/* What Linux's init_8259A does: vectors 0x30 and 0x38, 8086 mode, then all unmasked. */
static void linux_init(uint8_t icw4)
{
    pic_init(&pic);
    pic_write(&pic, 0x21, 0xff);
    pic_write(&pic, 0xa1, 0xff);
    pic_write(&pic, 0x20, 0x11);
    pic_write(&pic, 0x21, 0x30);
    pic_write(&pic, 0x21, 0x04);
    pic_write(&pic, 0x21, icw4);
    pic_write(&pic, 0xa0, 0x11);
    pic_write(&pic, 0xa1, 0x38);
    pic_write(&pic, 0xa1, 0x02);
    pic_write(&pic, 0xa1, icw4 & ~0x10);
    pic_write(&pic, 0x21, 0x00);
    pic_write(&pic, 0xa1, 0x00);
}

static uint8_t read_isr(uint16_t cmd_port)
{
    pic_write(&pic, cmd_port, 0x0b);
    return pic_read(&pic, cmd_port);
}

static uint8_t read_irr(uint16_t cmd_port)
{
    pic_write(&pic, cmd_port, 0x0a);
    return pic_read(&pic, cmd_port);
}

static void eoi(uint16_t cmd_port)
{
    pic_write(&pic, cmd_port, 0x20);
}

/* A rising then falling edge. */
static void pulse(unsigned irq)
{
    pic_set_irq(&pic, irq, true);
    pic_set_irq(&pic, irq, false);
}

static void test_bios_state(void)
{
    pic_init(&pic);
    CU_ASSERT_EQUAL(pic_read(&pic, 0x21), 0xfb);
    CU_ASSERT_EQUAL(pic_read(&pic, 0xa1), 0xff);
    CU_ASSERT_EQUAL(pic_read(&pic, 0x4d0), 0);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), -1);
    pulse(0);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);                     /* masked */
    pic_write(&pic, 0x21, 0xfa);
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x08);                   /* the BIOS vectors: 0x08 ... */
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x08);
    eoi(0x20);
    pic_write(&pic, 0xa1, 0xfe);
    pulse(8);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x70);               /* ... and 0x70 */
    CU_ASSERT_TRUE(pic_port(0x4d1));
    CU_ASSERT_FALSE(pic_port(0x22));
}

static void test_nesting_and_eoi(void)
{
    linux_init(0x01);
    pulse(1);
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x31);
    CU_ASSERT_EQUAL(read_irr(0x20), 0x02);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x31);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x02);
    CU_ASSERT_EQUAL(read_irr(0x20), 0x00);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    pulse(3);                                                   /* lower priority: waits */
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    pulse(0);                                                   /* higher: nests */
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x30);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x30);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x03);
    eoi(0x20);                                                  /* non-specific: the highest, IRQ 0 */
    CU_ASSERT_EQUAL(read_isr(0x20), 0x02);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    pic_write(&pic, 0x20, 0x60 | 1);                            /* specific EOI for IRQ 1 */
    CU_ASSERT_EQUAL(read_isr(0x20), 0x00);
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x33);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x33);
    eoi(0x20);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), -1);                 /* INT never rose since: no INTA */
}

static void test_edge_latch(void)
{
    linux_init(0x01);
    pic_set_irq(&pic, 4, true);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x34);
    eoi(0x20);
    pic_set_irq(&pic, 4, true);                                 /* still high: no new edge */
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    pic_set_irq(&pic, 4, false);
    pic_set_irq(&pic, 4, true);
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x34);
    pic_set_irq(&pic, 4, false);                                /* the edge stays latched */
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x34);
    eoi(0x20);
    /* Masked edges stay in IRR and come when unmasked. */
    pic_write(&pic, 0x21, 0x20);
    pulse(5);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    CU_ASSERT_EQUAL(read_irr(0x20), 0x20);
    pic_write(&pic, 0x21, 0x00);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x35);
}

static void test_level_and_elcr(void)
{
    linux_init(0x01);
    pic_write(&pic, 0x4d0, 0xff);
    CU_ASSERT_EQUAL(pic_read(&pic, 0x4d0), 0xf8);               /* IRQ 0 1 2 stay edge */
    pic_write(&pic, 0x4d1, 0xff);
    CU_ASSERT_EQUAL(pic_read(&pic, 0x4d1), 0xde);               /* IRQ 8 and 13 too */
    pic_write(&pic, 0x4d0, 0x00);
    pic_write(&pic, 0x4d1, 0x04);                               /* IRQ 10 level */
    pic_set_irq(&pic, 10, true);
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x3a);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x3a);
    CU_ASSERT_EQUAL(read_isr(0xa0), 0x04);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x04);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    eoi(0xa0);
    eoi(0x20);
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x3a);                   /* the line is still high */
    pic_set_irq(&pic, 10, false);
    CU_ASSERT_EQUAL(read_irr(0xa0), 0);                         /* level: the request went with the line */
    /* The master latched the slave's INT edge on IR2: what comes now is the slave's spurious IRQ 15. */
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x3f);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x3f);
    eoi(0x20);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    /* Lines high when ELCR switches to level are requests at once. */
    pic_write(&pic, 0x4d1, 0x00);
    pic_set_irq(&pic, 11, true);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x3b);
    eoi(0xa0);
    eoi(0x20);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    pic_write(&pic, 0x4d1, 0x08);
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x3b);
}

static void test_spurious(void)
{
    linux_init(0x01);
    /* IRQ 3 level, gone before INTA: spurious 7, nothing in service. */
    pic_write(&pic, 0x4d0, 0x08);
    pic_set_irq(&pic, 3, true);
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x33);
    pic_set_irq(&pic, 3, false);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x37);
    CU_ASSERT_EQUAL(read_isr(0x20), 0);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), -1);
    /* Masked after it was raised: spurious too. */
    pulse(6);
    pic_write(&pic, 0x21, 0x40);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x37);
    pic_write(&pic, 0x21, 0x00);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x36);
    eoi(0x20);
    /* On the slave: IRQ 12 level, gone: spurious 15, the master's IR2 in service. */
    pic_write(&pic, 0x4d1, 0x10);
    pic_set_irq(&pic, 12, true);
    pic_set_irq(&pic, 12, false);
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x3f);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x3f);
    CU_ASSERT_EQUAL(read_isr(0xa0), 0);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x04);
    eoi(0x20);
    CU_ASSERT_EQUAL(read_isr(0x20), 0);
}

static void test_cascade_priority(void)
{
    linux_init(0x01);
    pulse(3);
    pulse(9);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x39);               /* IRQ 9 via IR2 ranks above IRQ 3 */
    pulse(8);                                                   /* higher on the slave, but IR2 is in service */
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    eoi(0xa0);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);                     /* still IR2 in service on the master */
    eoi(0x20);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x38);
    eoi(0xa0);
    eoi(0x20);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x33);
    eoi(0x20);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
}

static void test_special_fully_nested(void)
{
    linux_init(0x11);                                           /* SFNM on the master */
    pulse(10);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x3a);
    pulse(8);                                                   /* higher on the slave: gets through */
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x38);
    pulse(11);                                                  /* lower on the slave: the slave holds it */
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    eoi(0xa0);
    eoi(0xa0);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x3b);
}

static void test_rotation(void)
{
    linux_init(0x01);
    pic_write(&pic, 0x20, 0xc0 | 3);                            /* set priority: IR3 lowest, IR4 highest */
    pulse(1);
    pulse(5);
    pulse(4);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x34);
    pic_write(&pic, 0x20, 0xa0);                                /* rotate on non-specific EOI: IR4 lowest */
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x35);
    pic_write(&pic, 0x20, 0xe0 | 5);                            /* rotate on specific EOI 5: IR5 lowest */
    CU_ASSERT_EQUAL(read_isr(0x20), 0);
    pulse(5);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x31);               /* IR6 first now: 1 before 5 */
    eoi(0x20);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x35);
    eoi(0x20);
}

static void test_auto_eoi(void)
{
    linux_init(0x03);                                           /* AEOI on the master */
    pulse(1);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x31);
    CU_ASSERT_EQUAL(read_isr(0x20), 0);
    pulse(1);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x31);               /* no EOI needed */
    pic_write(&pic, 0x20, 0x80);                                /* rotate in AEOI */
    pulse(0);
    pulse(1);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x30);               /* IR0 becomes lowest */
    pulse(0);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x31);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x30);
}

static void test_poll_and_special_mask(void)
{
    linux_init(0x01);
    pulse(6);
    pic_write(&pic, 0x20, 0x0c);                                /* OCW3 poll */
    CU_ASSERT_EQUAL(pic_read(&pic, 0x20), 0x86);
    CU_ASSERT_EQUAL(read_isr(0x20), 0x40);
    pic_write(&pic, 0x20, 0x0c);
    CU_ASSERT_EQUAL(pic_read(&pic, 0x20), 0x00);                /* nothing to poll */
    eoi(0x20);
    /* Special mask mode: IR1 in service and masked lets IR3 through. */
    pulse(1);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x31);
    pulse(3);
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
    pic_write(&pic, 0x21, 0x02);
    pic_write(&pic, 0x20, 0x68);                                /* set special mask */
    CU_ASSERT_EQUAL(pic_pending(&pic), 0x33);
    pic_write(&pic, 0x20, 0x48);                                /* clear it */
    CU_ASSERT_EQUAL(pic_pending(&pic), -1);
}

static void test_reinit_and_bad_input(void)
{
    linux_init(0x01);
    pulse(5);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x35);
    pulse(7);
    pic_write(&pic, 0x20, 0x11);                                /* ICW1 again: ISR, IMR, edges cleared */
    pic_write(&pic, 0x21, 0x48);
    pic_write(&pic, 0x21, 0x04);
    pic_write(&pic, 0x21, 0x01);
    CU_ASSERT_EQUAL(read_isr(0x20), 0);
    CU_ASSERT_EQUAL(read_irr(0x20), 0);
    CU_ASSERT_EQUAL(pic_read(&pic, 0x21), 0);
    pulse(5);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x4d);
    eoi(0x20);
    /* Single mode without ICW4: ICW2 only. */
    pic_write(&pic, 0x20, 0x12);
    pic_write(&pic, 0x21, 0x80);
    pic_write(&pic, 0x21, 0xfe);                                /* already OCW1 */
    CU_ASSERT_EQUAL(pic_read(&pic, 0x21), 0xfe);
    pulse(0);
    CU_ASSERT_EQUAL(pic_acknowledge(&pic), 0x80);
    /* Ports and lines that are not ours. */
    CU_ASSERT_EQUAL(pic_read(&pic, 0x22), 0xff);
    CU_ASSERT_EQUAL(pic_read(&pic, 0x4d2), 0xff);
    pic_write(&pic, 0x22, 0x11);
    pic_set_irq(&pic, 16, true);
    pic_set_irq(&pic, 2, true);                                 /* the cascade wire is not a device line */
    pic_set_irq(&pic, 1000, true);
    CU_ASSERT_EQUAL(pic_read(&pic, 0x21), 0xfe);
}

/* Random port traffic and lines: never a crash, vectors only from the programmed bases. */
static void test_random(void)
{
    static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x22 };
    uint64_t seed = 0x853c49e6748fea9bull;

    linux_init(0x01);
    for (int i = 0; i < 100000; i++) {
        int v;

        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        switch (seed & 7) {
        case 0:
            pic_write(&pic, ports[(seed >> 8) % 7], (uint8_t)(seed >> 16));
            break;
        case 1:
            pic_read(&pic, ports[(seed >> 8) % 7]);
            break;
        case 2: case 3:
            v = pic_acknowledge(&pic);
            CU_ASSERT(v == -1 || (v >= pic.master.vector_base && v < pic.master.vector_base + 8) ||
                      (v >= pic.slave.vector_base && v < pic.slave.vector_base + 8));
            break;
        default:
            pic_set_irq(&pic, (unsigned)(seed >> 8) % 17, (seed >> 20) & 1);
            break;
        }
        v = pic_pending(&pic);
        CU_ASSERT(v == -1 || (v >= pic.master.vector_base && v < pic.master.vector_base + 8) ||
                  (v >= pic.slave.vector_base && v < pic.slave.vector_base + 8));
    }
}

int test_vmm_pic_register(void)
{
    CU_pSuite s = CU_add_suite("vmm 8259 pic", NULL, NULL);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "BIOS state", test_bios_state) || !CU_add_test(s, "nesting and EOI", test_nesting_and_eoi) ||
        !CU_add_test(s, "edge latch", test_edge_latch) || !CU_add_test(s, "level and ELCR", test_level_and_elcr) ||
        !CU_add_test(s, "spurious 7 and 15", test_spurious) ||
        !CU_add_test(s, "cascade priority", test_cascade_priority) ||
        !CU_add_test(s, "special fully nested", test_special_fully_nested) ||
        !CU_add_test(s, "rotation", test_rotation) || !CU_add_test(s, "auto EOI", test_auto_eoi) ||
        !CU_add_test(s, "poll and special mask", test_poll_and_special_mask) ||
        !CU_add_test(s, "re-init and bad input", test_reinit_and_bad_input) ||
        !CU_add_test(s, "random traffic", test_random))
        return CU_get_error();
    return CUE_SUCCESS;
}
