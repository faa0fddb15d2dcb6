/* The 16550A UART model: register file, receive FIFO, interrupt priorities, loopback; see uart16550.h. */
#include "uart16550.h"

#include <libagora/string.h>

static const uint8_t trigger_levels[4] = { 1, 4, 8, 14 };

static bool fifo_enabled(const struct uart16550 *u)
{
    return (u->fcr & UART_FCR_ENABLE) != 0;
}

static bool loopback(const struct uart16550 *u)
{
    return (u->mcr & UART_MCR_LOOP) != 0;
}

static unsigned rx_capacity(const struct uart16550 *u)
{
    return fifo_enabled(u) ? UART_FIFO_BYTES : 1;
}

static bool rx_push(struct uart16550 *u, uint8_t byte)
{
    if (u->rx_count >= rx_capacity(u))
        return false;
    u->rx[(u->rx_head + u->rx_count) % UART_FIFO_BYTES] = byte;
    u->rx_count++;
    return true;
}

static uint8_t rx_pop(struct uart16550 *u)
{
    if (u->rx_count == 0)
        return u->last_rbr;
    u->last_rbr = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART_FIFO_BYTES;
    u->rx_count--;
    return u->last_rbr;
}

static void rx_clear(struct uart16550 *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
}

/* The modem status inputs: looped back from MCR, or a terminal that is always there. */
static uint8_t modem_inputs(const struct uart16550 *u)
{
    uint8_t m = 0;

    if (!loopback(u))
        return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    if (u->mcr & UART_MCR_RTS)
        m |= UART_MSR_CTS;
    if (u->mcr & UART_MCR_DTR)
        m |= UART_MSR_DSR;
    if (u->mcr & UART_MCR_OUT1)
        m |= UART_MSR_RI;
    if (u->mcr & UART_MCR_OUT2)
        m |= UART_MSR_DCD;
    return m;
}

/* Takes the inputs again and sets the delta bits for what changed (RI: only its trailing edge). */
static void update_modem_status(struct uart16550 *u)
{
    uint8_t now = modem_inputs(u), before = u->msr & 0xf0, changed = now ^ before, deltas = 0;

    if (changed & UART_MSR_CTS)
        deltas |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR)
        deltas |= UART_MSR_DDSR;
    if (changed & UART_MSR_DCD)
        deltas |= UART_MSR_DDCD;
    if ((before & UART_MSR_RI) && !(now & UART_MSR_RI))
        deltas |= UART_MSR_TERI;
    u->msr = now | (u->msr & 0x0f) | deltas;
}

/* The interrupt IIR reports now, highest priority first: line status, receive, THRE, modem. */
static uint8_t interrupt_id(const struct uart16550 *u)
{
    if ((u->ier & UART_IER_RLS) && u->lsr_errors)
        return UART_IIR_RLS;
    if ((u->ier & UART_IER_RDA) && u->rx_count) {
        if (fifo_enabled(u) && u->rx_count < trigger_levels[u->fcr >> 6])
            return UART_IIR_TIMEOUT;
        return UART_IIR_RDA;
    }
    if ((u->ier & UART_IER_THRE) && u->thre_pending)
        return UART_IIR_THRE;
    if ((u->ier & UART_IER_MS) && (u->msr & 0x0f))
        return UART_IIR_MS;
    return UART_IIR_NONE;
}

bool uart_irq_level(const struct uart16550 *u)
{
    return interrupt_id(u) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2) && !loopback(u);
}

static void update_irq(struct uart16550 *u)
{
    bool level = uart_irq_level(u);

    if (level == u->irq_out)
        return;
    u->irq_out = level;
    if (u->irq)
        u->irq(u->ctx, level);
}

void uart_init(struct uart16550 *u, void (*tx)(void *ctx, uint8_t byte), void (*irq)(void *ctx, bool level), void *ctx)
{
    memset(u, 0, sizeof(*u));
    u->tx = tx;
    u->irq = irq;
    u->ctx = ctx;
    u->msr = modem_inputs(u);
}

static uint8_t read_lsr(struct uart16550 *u)
{
    uint8_t lsr = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors;

    if (u->rx_count)
        lsr |= UART_LSR_DR;
    u->lsr_errors = 0;
    return lsr;
}

static uint8_t read_iir(struct uart16550 *u)
{
    uint8_t id = interrupt_id(u);

    if (id == UART_IIR_THRE)
        u->thre_pending = false;    /* reading IIR that reports THRE clears it */
    return id | (fifo_enabled(u) ? UART_IIR_FIFO : 0);
}

uint8_t uart_read(struct uart16550 *u, unsigned offset)
{
    bool dlab = (u->lcr & UART_LCR_DLAB) != 0;
    uint8_t value;

    switch (offset) {
    case UART_RBR:
        value = dlab ? u->dll : rx_pop(u);
        break;
    case UART_IER:
        value = dlab ? u->dlm : u->ier;
        break;
    case UART_IIR:
        value = read_iir(u);
        break;
    case UART_LCR:
        value = u->lcr;
        break;
    case UART_MCR:
        value = u->mcr;
        break;
    case UART_LSR:
        value = read_lsr(u);
        break;
    case UART_MSR:
        value = u->msr;
        u->msr &= 0xf0;
        break;
    case UART_SCR:
        value = u->scr;
        break;
    default:
        return 0xff;
    }
    update_irq(u);
    return value;
}

static void write_thr(struct uart16550 *u, uint8_t value)
{
    if (loopback(u)) {
        if (!rx_push(u, value))
            u->lsr_errors |= UART_LSR_OE;
    } else if (u->tx) {
        u->tx(u->ctx, value);
    }
    u->thre_pending = true;         /* sent at once: THR is empty again */
}

static void write_fcr(struct uart16550 *u, uint8_t value)
{
    if (!(value & UART_FCR_ENABLE)) {
        if (fifo_enabled(u))
            rx_clear(u);            /* changing the FIFO mode empties it */
        u->fcr = 0;
        return;
    }
    if (!fifo_enabled(u) || (value & UART_FCR_CLEAR_RX))
        rx_clear(u);
    u->fcr = value & 0xc1;
}

void uart_write(struct uart16550 *u, unsigned offset, uint8_t value)
{
    bool dlab = (u->lcr & UART_LCR_DLAB) != 0;

    switch (offset) {
    case UART_RBR:
        if (dlab)
            u->dll = value;
        else
            write_thr(u, value);
        break;
    case UART_IER:
        if (dlab) {
            u->dlm = value;
            break;
        }
        if (!(u->ier & UART_IER_THRE) && (value & UART_IER_THRE))
            u->thre_pending = true; /* enabling THRE with THR empty raises it (Linux's THRE test) */
        u->ier = value & 0x0f;
        break;
    case UART_IIR:
        write_fcr(u, value);
        break;
    case UART_LCR:
        u->lcr = value;
        break;
    case UART_MCR:
        u->mcr = value & 0x1f;
        update_modem_status(u);
        break;
    case UART_SCR:
        u->scr = value;
        break;
    default:
        return;                     /* LSR and MSR are read-only here (factory test writes) */
    }
    update_irq(u);
}

bool uart_receive(struct uart16550 *u, uint8_t byte)
{
    if (loopback(u) || !rx_push(u, byte))
        return false;               /* in loopback the serial input is disconnected */
    update_irq(u);
    return true;
}

unsigned uart_rx_room(const struct uart16550 *u)
{
    return loopback(u) ? 0 : rx_capacity(u) - u->rx_count;
}

unsigned uart_divisor(const struct uart16550 *u)
{
    return (unsigned)u->dlm << 8 | u->dll;
}
