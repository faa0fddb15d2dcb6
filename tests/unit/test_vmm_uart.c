/*
 * Unit tests for vmm-server/uart16550.c: registers and the divisor latch, transmit,
 * the receive FIFO and its trigger levels, interrupt priorities and their clearing,
 * OUT2 gating, loopback, and the probe sequences Linux's 8250 driver runs.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "uart16550.h"

/* What the model told its owner. */
struct sink {
    uint8_t tx[256];
    unsigned ntx;
    unsigned irq_changes;
    bool irq;
};

static struct uart16550 uart;
static struct sink sink;

static void sink_tx(void *ctx, uint8_t byte)
{
    struct sink *s = ctx;

    if (s->ntx < sizeof(s->tx))
        s->tx[s->ntx] = byte;
    s->ntx++;
}

static void sink_irq(void *ctx, bool level)
{
    struct sink *s = ctx;

    CU_ASSERT_NOT_EQUAL(level, s->irq);     /* only changes are reported */
    s->irq = level;
    s->irq_changes++;
}

static void fresh(void)
{
    memset(&sink, 0, sizeof(sink));
    uart_init(&uart, sink_tx, sink_irq, &sink);
}

/* The IIR interrupt id (low 4 bits). */
static uint8_t iir_id(void)
{
    return uart_read(&uart, UART_IIR) & 0x0f;
}

static void test_registers(void)
{
    fresh();
    CU_ASSERT_EQUAL(uart_read(&uart, UART_IER), 0);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_IIR), UART_IIR_NONE);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_MSR) & 0xf0, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
    /* Scratch keeps any value; IER only its 4 bits. */
    uart_write(&uart, UART_SCR, 0xa5);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_SCR), 0xa5);
    uart_write(&uart, UART_IER, 0xff);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_IER), 0x0f);
    uart_write(&uart, UART_IER, 0);
    /* DLAB: offsets 0 and 1 become the divisor latch; THR writes do not go out. */
    uart_write(&uart, UART_LCR, 0x83);
    uart_write(&uart, UART_RBR, 0x01);
    uart_write(&uart, UART_IER, 0x02);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_RBR), 0x01);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_IER), 0x02);
    CU_ASSERT_EQUAL(uart_divisor(&uart), 0x201);
    CU_ASSERT_EQUAL(sink.ntx, 0);
    uart_write(&uart, UART_LCR, 0x03);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LCR), 0x03);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_IER), 0);
    /* MCR keeps 5 bits. */
    uart_write(&uart, UART_MCR, 0xff);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_MCR), 0x1f);
    /* Out of range offsets. */
    CU_ASSERT_EQUAL(uart_read(&uart, 8), 0xff);
    uart_write(&uart, 9, 0x55);
    CU_ASSERT_EQUAL(sink.ntx, 0);
}

static void test_transmit(void)
{
    fresh();
    for (int i = 0; i < 40; i++)
        uart_write(&uart, UART_RBR, (uint8_t)('a' + i % 26));
    CU_ASSERT_EQUAL(sink.ntx, 40);
    CU_ASSERT_EQUAL(memcmp(sink.tx, "abcdefghijklmnopqrstuvwxyzabcdefghijklmn", 40), 0);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
    /* No callback: output dropped, no crash. */
    uart_init(&uart, NULL, NULL, NULL);
    uart_write(&uart, UART_RBR, 'x');
    uart_write(&uart, UART_MCR, UART_MCR_OUT2);
    uart_write(&uart, UART_IER, UART_IER_THRE);
    CU_ASSERT_TRUE(uart_irq_level(&uart));
}

static void test_receive_no_fifo(void)
{
    fresh();
    CU_ASSERT_EQUAL(uart_rx_room(&uart), 1);
    CU_ASSERT_TRUE(uart_receive(&uart, 'q'));
    CU_ASSERT_FALSE(uart_receive(&uart, 'r'));     /* one byte deep without the FIFO */
    CU_ASSERT_EQUAL(uart_rx_room(&uart), 0);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_RBR), 'q');
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LSR) & UART_LSR_DR, 0);
    /* Reading an empty RBR gives the last byte again and changes nothing. */
    CU_ASSERT_EQUAL(uart_read(&uart, UART_RBR), 'q');
    CU_ASSERT_TRUE(uart_receive(&uart, 'r'));
    CU_ASSERT_EQUAL(uart_read(&uart, UART_RBR), 'r');
}

static void test_fifo(void)
{
    fresh();
    uart_write(&uart, UART_IIR, UART_FCR_ENABLE | 0xc0);       /* trigger 14 */
    CU_ASSERT_EQUAL(uart_read(&uart, UART_IIR) & 0xc0, UART_IIR_FIFO);
    CU_ASSERT_EQUAL(uart_rx_room(&uart), 16);
    for (int i = 0; i < 16; i++)
        CU_ASSERT_TRUE(uart_receive(&uart, (uint8_t)i));
    CU_ASSERT_FALSE(uart_receive(&uart, 99));
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LSR) & UART_LSR_OE, 0);   /* refused input is no overrun */
    for (int i = 0; i < 16; i++)
        CU_ASSERT_EQUAL(uart_read(&uart, UART_RBR), i);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LSR) & UART_LSR_DR, 0);
    /* Wrap-around keeps the order. */
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 11; i++)
            CU_ASSERT_TRUE(uart_receive(&uart, (uint8_t)(round * 16 + i)));
        for (int i = 0; i < 11; i++)
            CU_ASSERT_EQUAL(uart_read(&uart, UART_RBR), round * 16 + i);
    }
    /* FCR bit 1 empties the FIFO; turning the FIFO off empties it too. */
    uart_receive(&uart, 1);
    uart_receive(&uart, 2);
    uart_write(&uart, UART_IIR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LSR) & UART_LSR_DR, 0);
    uart_receive(&uart, 3);
    uart_write(&uart, UART_IIR, 0);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LSR) & UART_LSR_DR, 0);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_IIR) & 0xc0, 0);
    CU_ASSERT_EQUAL(uart_rx_room(&uart), 1);
}

static void test_receive_interrupts(void)
{
    fresh();
    uart_write(&uart, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
    uart_write(&uart, UART_IIR, UART_FCR_ENABLE | 0x40);       /* trigger 4 */
    uart_write(&uart, UART_IER, UART_IER_RDA);
    CU_ASSERT_FALSE(sink.irq);
    uart_receive(&uart, 'a');
    CU_ASSERT_TRUE(sink.irq);
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_TIMEOUT);               /* below the trigger */
    uart_receive(&uart, 'b');
    uart_receive(&uart, 'c');
    uart_receive(&uart, 'd');
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_RDA);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_RBR), 'a');
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_TIMEOUT);
    uart_read(&uart, UART_RBR);
    uart_read(&uart, UART_RBR);
    CU_ASSERT_TRUE(sink.irq);
    uart_read(&uart, UART_RBR);
    CU_ASSERT_FALSE(sink.irq);
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_NONE);
    /* Disabling the interrupt lowers the line with data still there. */
    uart_receive(&uart, 'e');
    CU_ASSERT_TRUE(sink.irq);
    uart_write(&uart, UART_IER, 0);
    CU_ASSERT_FALSE(sink.irq);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
}

static void test_thre_interrupt(void)
{
    fresh();
    uart_write(&uart, UART_MCR, UART_MCR_OUT2);
    /* Enabling THRE with THR empty raises it; reading IIR that reports it clears it. */
    uart_write(&uart, UART_IER, UART_IER_THRE);
    CU_ASSERT_TRUE(sink.irq);
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_THRE);
    CU_ASSERT_FALSE(sink.irq);
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_NONE);
    /* Each write empties THR again at once: THRE again. */
    uart_write(&uart, UART_RBR, 'x');
    CU_ASSERT_TRUE(sink.irq);
    /* Re-enabling raises it again (Linux's UART_BUG_THRE test expects that). */
    uart_write(&uart, UART_IER, 0);
    CU_ASSERT_FALSE(sink.irq);
    uart_write(&uart, UART_IER, UART_IER_THRE);
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_THRE);
    uart_write(&uart, UART_IER, 0);
    uart_write(&uart, UART_IER, UART_IER_THRE);
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_THRE);
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_NONE);
}

static void test_priorities(void)
{
    fresh();
    uart_write(&uart, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
    uart_write(&uart, UART_IER, 0x0f);
    /* Loopback: 2 bytes into the 1-byte receiver overrun it. */
    uart_write(&uart, UART_RBR, 1);
    uart_write(&uart, UART_RBR, 2);
    /* modem deltas from entering loopback, THRE, data, and the overrun: RLS first */
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_RLS);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE | UART_LSR_DR);
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_RDA);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_RBR), 1);
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_THRE);                  /* reporting THRE clears it */
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_MS);
    CU_ASSERT_NOT_EQUAL(uart_read(&uart, UART_MSR) & 0x0f, 0);
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_NONE);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_MSR) & 0x0f, 0);
}

static void test_out2_gates_the_line(void)
{
    fresh();
    uart_write(&uart, UART_IER, UART_IER_RDA);
    uart_receive(&uart, 'z');
    CU_ASSERT_EQUAL(iir_id(), UART_IIR_RDA);                   /* pending inside the UART ... */
    CU_ASSERT_FALSE(uart_irq_level(&uart));                    /* ... but OUT2 is off */
    CU_ASSERT_FALSE(sink.irq);
    uart_write(&uart, UART_MCR, UART_MCR_OUT2);
    CU_ASSERT_TRUE(uart_irq_level(&uart));
    CU_ASSERT_TRUE(sink.irq);
    uart_write(&uart, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
    CU_ASSERT_FALSE(sink.irq);                                 /* loopback disconnects it */
    uart_write(&uart, UART_MCR, UART_MCR_OUT2);
    CU_ASSERT_TRUE(sink.irq);
    CU_ASSERT_EQUAL(sink.irq_changes, 3);
}

static void test_loopback(void)
{
    uint8_t msr;

    fresh();
    uart_write(&uart, UART_IIR, UART_FCR_ENABLE);
    uart_write(&uart, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
    msr = uart_read(&uart, UART_MSR);
    CU_ASSERT_EQUAL(msr & 0xf0, UART_MSR_CTS | UART_MSR_DCD);
    CU_ASSERT_EQUAL(msr & 0x0f, UART_MSR_DDSR);                /* DSR fell; CTS and DCD stayed */
    uart_write(&uart, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
    msr = uart_read(&uart, UART_MSR);
    CU_ASSERT_EQUAL(msr & 0xf0, UART_MSR_DSR | UART_MSR_RI);
    CU_ASSERT_EQUAL(msr & 0x0f, UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
    uart_write(&uart, UART_MCR, UART_MCR_LOOP);
    msr = uart_read(&uart, UART_MSR);
    CU_ASSERT_EQUAL(msr & 0xf0, 0);
    CU_ASSERT_EQUAL(msr & 0x0f, UART_MSR_DDSR | UART_MSR_TERI);
    /* Bytes written come back; none go out; terminal input waits. */
    uart_write(&uart, UART_RBR, 'L');
    uart_write(&uart, UART_RBR, 'B');
    CU_ASSERT_EQUAL(sink.ntx, 0);
    CU_ASSERT_FALSE(uart_receive(&uart, 't'));
    CU_ASSERT_EQUAL(uart_rx_room(&uart), 0);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_RBR), 'L');
    CU_ASSERT_EQUAL(uart_read(&uart, UART_RBR), 'B');
    uart_write(&uart, UART_MCR, UART_MCR_OUT2);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_MSR) & 0xf0, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
    CU_ASSERT_TRUE(uart_receive(&uart, 't'));
    uart_write(&uart, UART_RBR, 'o');
    CU_ASSERT_EQUAL(sink.ntx, 1);
}

/* The register sequences of Linux's drivers/tty/serial/8250/8250_port.c autoconfig and startup. */
static void test_linux_probe(void)
{
    uint8_t scratch, scratch2, scratch3, iir1, iir;

    fresh();
    /* autoconfig: IER test */
    scratch = uart_read(&uart, UART_IER);
    uart_write(&uart, UART_IER, 0);
    scratch2 = uart_read(&uart, UART_IER) & 0x0f;
    uart_write(&uart, UART_IER, 0x0f);
    scratch3 = uart_read(&uart, UART_IER) & 0x0f;
    uart_write(&uart, UART_IER, scratch);
    CU_ASSERT_EQUAL(scratch2, 0);
    CU_ASSERT_EQUAL(scratch3, 0x0f);
    /* loopback test: MCR = LOOP | 0x0A, MSR status must be DCD | CTS */
    uart_write(&uart, UART_MCR, UART_MCR_LOOP | 0x0a);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_MSR) & 0xf0, UART_MSR_DCD | UART_MSR_CTS);
    uart_write(&uart, UART_MCR, 0);
    /* FIFO type: IIR >> 6 == 3 is a 16550A */
    uart_write(&uart, UART_IIR, UART_FCR_ENABLE);
    CU_ASSERT_EQUAL(uart_read(&uart, UART_IIR) >> 6, 3);
    /* EFR probe with LCR 0xBF reads IIR here, not 0: no EFR, so no 16650 */
    uart_write(&uart, UART_LCR, 0xbf);
    CU_ASSERT_NOT_EQUAL(uart_read(&uart, UART_IIR), 0);
    uart_write(&uart, UART_LCR, 0);
    /* 16750 probe: IIR bit 5 stays clear with the 64-byte bit */
    uart_write(&uart, UART_IIR, UART_FCR_ENABLE | 0x20);
    CU_ASSERT_EQUAL((uart_read(&uart, UART_IIR) >> 5) & 1, 0);
    /* startup: THRE test (iir1 must show an interrupt, iir too, or Linux sets UART_BUG_THRE) */
    uart_write(&uart, UART_IIR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
    uart_write(&uart, UART_LCR, 0x03);
    uart_write(&uart, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
    CU_ASSERT_NOT_EQUAL(uart_read(&uart, UART_LSR), 0xff);
    uart_write(&uart, UART_IER, UART_IER_THRE);
    iir1 = uart_read(&uart, UART_IIR);
    uart_write(&uart, UART_IER, 0);
    uart_write(&uart, UART_IER, UART_IER_THRE);
    iir = uart_read(&uart, UART_IIR);
    uart_write(&uart, UART_IER, 0);
    CU_ASSERT_EQUAL(iir1 & UART_IIR_NONE, 0);
    CU_ASSERT_EQUAL(iir & UART_IIR_NONE, 0);
    CU_ASSERT_FALSE(sink.irq);
}

/* Random register traffic: the FIFO never holds more than it can, IIR and the line always agree. */
static void test_random(void)
{
    uint64_t seed = 0x2545f4914f6cdd1dull;

    fresh();
    for (int i = 0; i < 100000; i++) {
        unsigned op, off;
        uint8_t val;

        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        op = seed & 3;
        off = (seed >> 8) % 9;
        val = (uint8_t)(seed >> 16);
        if (op == 0)
            uart_write(&uart, off, val);
        else if (op == 1)
            uart_read(&uart, off);
        else
            uart_receive(&uart, val);
        CU_ASSERT(uart.rx_count <= UART_FIFO_BYTES);
        CU_ASSERT_EQUAL(uart_irq_level(&uart), sink.irq);
        if (uart_irq_level(&uart))
            CU_ASSERT_NOT_EQUAL(uart.mcr & UART_MCR_OUT2, 0);
    }
}

int test_vmm_uart_register(void)
{
    CU_pSuite s = CU_add_suite("vmm 16550 uart", NULL, NULL);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "registers and divisor latch", test_registers) ||
        !CU_add_test(s, "transmit", test_transmit) || !CU_add_test(s, "receive without FIFO", test_receive_no_fifo) ||
        !CU_add_test(s, "receive FIFO", test_fifo) || !CU_add_test(s, "receive interrupts", test_receive_interrupts) ||
        !CU_add_test(s, "THRE interrupt", test_thre_interrupt) || !CU_add_test(s, "priorities", test_priorities) ||
        !CU_add_test(s, "OUT2 gates the line", test_out2_gates_the_line) ||
        !CU_add_test(s, "loopback", test_loopback) || !CU_add_test(s, "Linux 8250 probe", test_linux_probe) ||
        !CU_add_test(s, "random traffic", test_random))
        return CU_get_error();
    return CUE_SUCCESS;
}
