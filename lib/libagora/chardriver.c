/* The character-driver library (libagora/chardriver.h): receive loop, dispatch, receive ring, waiting readers, IRQ forwarder. */
#include <libagora/chardriver.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/names.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/svcdriver.h>
#include <libagora/sys.h>

#define PAGE_SIZE 4096

/* One request as the handlers see it (the void *ctx of char_dispatch). */
struct request {
    struct chardriver *d;
    bool deferred;           /* the handler saved the reply: nothing to answer now */
};

static long new_slot_with(long (*create)(uint64_t pool, uint64_t dst), uint64_t *slot)
{
    long s = agora_slot_alloc(), r;

    if (s < 0)
        return s;
    if ((r = create(CAP_CHILD_POOL, (uint64_t)s)) < 0) {
        agora_slot_free((uint64_t)s);
        return r;
    }
    *slot = (uint64_t)s;
    return 0;
}

static long endpoint_create(uint64_t pool, uint64_t dst) { return sys_endpoint_create(pool, dst); }
static long notify_create(uint64_t pool, uint64_t dst) { return sys_notify_create(pool, dst); }

static void drop_slot(uint64_t slot)
{
    sys_cap_delete(slot);
    agora_slot_free(slot);
}

long chardriver_init(struct chardriver *d, const char *name, const struct chardriver_ops *ops, void *ctx)
{
    memset(d, 0, sizeof(*d));
    if (!name || !ops || !ops->write)
        return -E_INVAL;
    d->name = name;
    d->ops = ops;
    d->ctx = ctx;
    return new_slot_with(endpoint_create, &d->ep);
}

/* ---- the receive ring ---- */

void chardriver_rx_push(struct chardriver *d, uint8_t byte)
{
    if (d->rx_count == CHARDRIVER_RX_BYTES) {
        d->dropped++;
        return;
    }
    d->rx[(d->rx_head + d->rx_count) % CHARDRIVER_RX_BYTES] = byte;
    d->rx_count++;
    d->received++;
}

void chardriver_rx_lost(struct chardriver *d, uint64_t n)
{
    d->dropped += n;
}

/* Copies up to max of the oldest bytes into out without taking them; returns the count. */
static uint64_t rx_peek(const struct chardriver *d, uint8_t *out, uint64_t max)
{
    uint64_t n = d->rx_count < max ? d->rx_count : max;

    for (uint64_t i = 0; i < n; i++)
        out[i] = d->rx[(d->rx_head + i) % CHARDRIVER_RX_BYTES];
    return n;
}

static void rx_consume(struct chardriver *d, uint64_t n)
{
    d->rx_head = (d->rx_head + n) % CHARDRIVER_RX_BYTES;
    d->rx_count -= n;
}

/* ---- waiting readers ---- */

/* Answers waiting readers, oldest first, while there are bytes. Uses the IPC buffer's words. */
static void serve_readers(struct chardriver *d)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();

    while (d->nreaders > 0 && d->rx_count > 0) {
        struct chardriver_reader *r = &d->readers[d->reader_head];
        struct char_read_rep rep;
        struct agora_msg m;
        long err;

        memset(&rep, 0, sizeof(rep));
        rep.len = rx_peek(d, rep.bytes, r->max);
        proto_reply_pack(&m, b, 0, &rep, sizeof(rep), 0);
        err = sys_reply_to(r->reply, &m);
        if (err == 0) {
            agora_slot_free(r->reply);      /* SYS_REPLY_TO deleted the capability */
            rx_consume(d, rep.len);
        } else {
            /* Its caller died (-E_DEAD) or cannot take the reply: the bytes stay for the next. */
            drop_slot(r->reply);
        }
        d->reader_head = (d->reader_head + 1) % CHARDRIVER_MAX_READERS;
        d->nreaders--;
    }
}

/* ---- the handlers ---- */

static long do_write(void *ctx, const struct char_write_req *rq, struct char_write_rep *rp)
{
    struct chardriver *d = ((struct request *)ctx)->d;
    long n;

    if (rq->len == 0)
        return -E_INVAL;
    if (rq->len > CHAR_IO_MAX)
        return -E_RANGE;
    n = d->ops->write(d->ctx, rq->bytes, rq->len);
    if (n < 0)
        return n;
    if (n == 0)
        return -E_BUSY;
    if ((uint64_t)n > rq->len)          /* a driver bug: never claim more than was given */
        n = (long)rq->len;
    d->written += (uint64_t)n;
    rp->count = (uint64_t)n;
    return 0;
}

static long do_read(void *ctx, const struct char_read_req *rq, struct char_read_rep *rp)
{
    struct request *req = ctx;
    struct chardriver *d = req->d;
    uint64_t max = rq->max < CHAR_IO_MAX ? rq->max : CHAR_IO_MAX;
    struct chardriver_reader *r;
    long slot, err;

    if (rq->max == 0 || (rq->flags & ~(uint64_t)CHAR_READ_FLAGS))
        return -E_INVAL;
    /* Bytes there and nobody ahead (serve_readers leaves no reader while bytes remain). */
    if (d->rx_count > 0 && d->nreaders == 0) {
        rp->len = rx_peek(d, rp->bytes, max);
        rx_consume(d, rp->len);
        return 0;
    }
    if (rq->flags & CHAR_READ_NONBLOCK)
        return -E_AGAIN;
    if (d->nreaders == CHARDRIVER_MAX_READERS || (slot = agora_slot_alloc()) < 0)
        return -E_NOMEM;
    if ((err = sys_reply_save((uint64_t)slot)) < 0) {
        agora_slot_free((uint64_t)slot);
        return err;
    }
    r = &d->readers[(d->reader_head + d->nreaders) % CHARDRIVER_MAX_READERS];
    r->reply = (uint64_t)slot;
    r->max = max;
    d->nreaders++;
    req->deferred = true;
    return 0;
}

static long do_status(void *ctx, const struct char_status_req *rq, struct char_status_rep *rp)
{
    struct chardriver *d = ((struct request *)ctx)->d;

    (void)rq;
    rp->readable = d->rx_count;
    rp->readers = d->nreaders;
    rp->received = d->received;
    rp->dropped = d->dropped;
    rp->written = d->written;
    return 0;
}

static const struct char_handlers handlers = {
    .char_write = do_write,
    .char_read = do_read,
    .char_status = do_status,
};

/* ---- interrupts ---- */

static bool is_interrupt(const struct chardriver *d, const struct agora_msg *m)
{
    return d->irq != 0 && m->badge == CHARDRIVER_IRQ_BADGE && IPC_LABEL(m->info) == CHARDRIVER_IRQ_LABEL;
}

static void interrupt(struct chardriver *d, struct agora_msg *m)
{
    d->interrupts++;
    if (d->ops->interrupt)
        d->ops->interrupt(d->ctx);
    sys_irq_ack(d->irq);
    if (d->ops->interrupt)
        d->ops->interrupt(d->ctx);
    serve_readers(d);
    *m = (struct agora_msg){ .info = IPC_INFO(0, 0, 0, 0) };
}

/*
 * The forwarder thread: each wake-up of the IRQ's notification becomes one call on the
 * driver's endpoint. Register-only messages: it never touches the program's IPC buffer
 * pointer (agora_ipc_buffer() is the main thread's), and it prints nothing (agora_printf
 * is not thread-safe). If the driver's loop is gone, it ends.
 */
static noreturn void forwarder(uint64_t arg)
{
    const struct chardriver *d = (const struct chardriver *)arg;

    for (;;) {
        struct agora_msg m = { .info = IPC_INFO(CHARDRIVER_IRQ_LABEL, 0, 0, 0) };

        if (sys_wait(d->notification) < 0 || sys_call(d->irq_ep, &m) < 0)
            break;
    }
    sys_thread_exit();
    for (;;)
        sys_yield();
}

static long start_forwarder(struct chardriver *d)
{
    return agora_thread_spawn(CHARDRIVER_THREAD_AREA, 1 + CHARDRIVER_THREAD_STACK_PAGES, forwarder, (uint64_t)d, 0);
}

long chardriver_irq(struct chardriver *d, uint64_t irq)
{
    long r, s;

    if (d->irq)
        return -E_BUSY;
    if ((r = new_slot_with(notify_create, &d->notification)) < 0)
        return r;
    if ((s = agora_slot_alloc()) < 0)
        return s;
    d->irq_ep = (uint64_t)s;
    if ((r = sys_cap_copy(d->ep, d->irq_ep, RIGHT_WRITE, CHARDRIVER_IRQ_BADGE)) < 0 ||
        (r = sys_irq_bind(irq, d->notification)) < 0)
        return r;
    d->irq = irq;
    return start_forwarder(d);
}

/* ---- the receive loop ---- */

/* Turns the message in *m into its reply (in *m and the IPC buffer); false: no reply now. */
static bool handle(struct chardriver *d, struct agora_msg *m)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS];
    uint64_t in_bytes, out_bytes = 0;
    struct request req = { .d = d };
    long status;

    if (is_interrupt(d, m)) {
        interrupt(d, m);
        return true;
    }
    if (svcdriver_is_control(m)) {
        svcdriver_control(m);
        return true;
    }
    if (svcdriver_fault()) {
        proto_reply_pack(m, b, svcdriver_garbage_status(), 0, 0, 0);
        return true;
    }
    memset(out, 0, sizeof(out));
    in_bytes = proto_unpack_any(m, b, in);
    status = char_dispatch(&handlers, &req, IPC_LABEL(m->info), in, in_bytes, out, &out_bytes);
    /* Before the reply is packed: answering readers uses the IPC buffer's words too. */
    serve_readers(d);
    if (req.deferred)
        return false;
    proto_reply_pack(m, b, status, out, out_bytes, 0);
    return true;
}

long chardriver_serve(struct chardriver *d)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct agora_msg m;
    long r;

    agora_ipc_accept_nothing(b);
    if ((r = names_register(d->name, d->ep)) < 0) {
        agora_printf("%s: cannot register with names: %s\n", d->name, agora_error_name(r));
        return r;
    }
    agora_printf("%s: serving\n", d->name);
    if ((r = svcdriver_ready(d->ep)) < 0 && r != -E_NOCAP)
        agora_printf("%s: the supervisor refused READY: %s\n", d->name, agora_error_name(r));
    r = sys_recv(d->ep, &m);
    for (;;) {
        if (r < 0) {
            agora_printf("%s: receiving failed: %s\n", d->name, agora_error_name(r));
            return r;
        }
        r = handle(d, &m) ? sys_reply_recv(d->ep, &m) : sys_recv(d->ep, &m);
    }
}
