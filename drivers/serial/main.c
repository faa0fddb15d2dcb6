/* serial: the 16550 driver for COM1, serving the character-device protocol (include/agora/proto/char.h) as "serial". */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/chardriver.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/sys.h>

#include "uart.h"

#define SERIAL_NAME "serial"
#define COM1_BASE   0x3F8        /* what init's CAP_DEVICE_IOPORTS covers (8 ports) */

static struct chardriver dev;
static struct uart uart = { .base = COM1_BASE, .dev = &dev };

static const struct chardriver_ops ops = {
    .write = uart_write,
    .interrupt = uart_interrupt,
};

static long fail(const char *what, long err)
{
    agora_printf("serial: %s: %s: exiting\n", what, agora_error_name(err));
    return 1;
}

int main(uint64_t arg)
{
    long r;

    (void)arg;
    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    if ((r = sys_ioport_enable(CAP_DEVICE_IOPORTS)) < 0)
        return (int)fail("no I/O ports at CAP_DEVICE_IOPORTS", r);
    if ((r = uart_probe(&uart)) < 0)
        return (int)fail("no 16550 at 0x3f8", r);
    if ((r = chardriver_init(&dev, SERIAL_NAME, &ops, &uart)) < 0)
        return (int)fail("no endpoint", r);
    /* The IRQ first, so that the first interrupt the UART raises has somewhere to go. */
    if ((r = chardriver_irq(&dev, CAP_DEVICE_IRQ)) < 0)
        return (int)fail("no IRQ at CAP_DEVICE_IRQ", r);
    uart_start(&uart);
    agora_printf("serial: 16550 at 0x%x, IRQ 4, receive interrupt on\n", COM1_BASE);
    return (int)fail("serving", chardriver_serve(&dev));
}
