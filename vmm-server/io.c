/*
 * Port I/O: the 16550 at 0x3f8 (IRQ 4) on the console, the 8259 pair at 0x20/0xa0 (and
 * 0x4d0/0x4d1), the 8254 at 0x40-0x43 with port 0x61, and the exit port (hypercall.h
 * HC_EXIT_PORT). Other ports read as all ones; writes to them are dropped.
 */
#include <string.h>

#include <agora/hypercall.h>
#include <agora/proto/vmm.h>
#include <libagora/sys.h>

#include "pic8259.h"
#include "pit8254.h"
#include "uart16550.h"
#include "vmm.h"

#define COM1_BASE 0x3f8
#define COM1_IRQ  4

static struct pic_pair pic;
static struct pit8254 pit;
static struct uart16550 com1;

static void com1_tx(void *ctx, uint8_t byte) { console_put(ctx, byte); }
static void com1_irq(void *ctx, bool level) { pic_set_irq(&pic, COM1_IRQ, level); }

void io_init(struct vmm *v)
{
    pic_init(&pic);
    pit_init(&pit);
    uart_init(&com1, com1_tx, com1_irq, v);
}

static uint64_t now_ns(void) { return (uint64_t)sys_clock() * 1000; }

static uint8_t port_in(struct vmm *v, uint16_t port)
{
    if (port >= COM1_BASE && port < COM1_BASE + 8)
        return uart_read(&com1, port - COM1_BASE);
    if (pic_port(port))
        return pic_read(&pic, port);
    if ((port >= 0x40 && port <= 0x43) || port == 0x61)
        return pit_read(&pit, port, now_ns());
    return 0xff;
}

static void port_out(struct vmm *v, uint16_t port, uint8_t value)
{
    if (port >= COM1_BASE && port < COM1_BASE + 8)
        uart_write(&com1, port - COM1_BASE, value);
    else if (pic_port(port))
        pic_write(&pic, port, value);
    else if ((port >= 0x40 && port <= 0x43) || port == 0x61)
        pit_write(&pit, port, value, now_ns());
    else if (port == HC_EXIT_PORT)
        vmm_end(v, value > 250 ? 250 : value, NULL);
}

void io_exit(struct vmm *v, struct vmm_exit *e)
{
    uint64_t info = e->w[VCPU_MR_INFO1];
    uint16_t port = VCPU_IO_PORT(info);
    unsigned size = info & VCPU_IO_SIZE32 ? 4 : info & VCPU_IO_SIZE16 ? 2 : 1;
    uint64_t mask = size == 4 ? 0xffffffffull : size == 2 ? 0xffffull : 0xffull, value = 0;

    e->mask |= VCPU_SET_RIP;
    e->rip = e->w[VCPU_MR_INFO2];
    /* String I/O (ins/outs) is not modelled: skipped, nothing read or written. */
    if (info & VCPU_IO_STRING)
        return;
    if (info & VCPU_IO_IN) {
        for (unsigned i = 0; i < size; i++)
            value |= (uint64_t)port_in(v, (uint16_t)(port + i)) << (8 * i);
        e->mask |= VCPU_SET_RAX;
        /* A 32-bit in zero-extends into rax; 8 and 16 bits merge. */
        e->rax = size == 4 ? value : (e->w[VCPU_MR_RAX] & ~mask) | value;
    } else {
        for (unsigned i = 0; i < size; i++)
            port_out(v, (uint16_t)(port + i), (uint8_t)(e->w[VCPU_MR_RAX] >> (8 * i)));
    }
}

uint64_t io_timer(struct vmm *v, uint64_t now_us)
{
    uint64_t now = now_us * 1000, next;

    /* Each period's edge: the line rises and falls, the PIC latches one request. */
    if (pit_irq0_edges(&pit, now) > 0) {
        pic_set_irq(&pic, 0, true);
        pic_set_irq(&pic, 0, false);
    }
    next = pit_next_irq0_ns(&pit, now);
    return next == UINT64_MAX ? 0 : next / 1000;
}

int io_pic_pending(struct vmm *v) { return pic_pending(&pic); }
int io_pic_acknowledge(struct vmm *v) { return pic_acknowledge(&pic); }

unsigned io_input(struct vmm *v, const uint8_t *bytes, unsigned n)
{
    unsigned taken = 0;

    while (taken < n && uart_receive(&com1, bytes[taken]))
        taken++;
    return taken;
}
