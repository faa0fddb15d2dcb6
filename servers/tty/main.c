/* tty: the terminal server. The line discipline (ldisc.c) between the "serial" driver and programs, served as "tty". */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/char.h>
#include <agora/proto/init.h>
#include <agora/proto/pm.h>
#include <agora/proto/svc.h>
#include <agora/proto/tty.h>
#include <libagora/chardev.h>
#include <libagora/names.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "ldisc.h"

#define PAGE_SIZE     4096
#define TTY_NAME      "tty"
#define DEVICE_NAME   "serial"
/* The driver may still be starting: ask names again for up to this long. */
#define LOOKUP_TRIES  500
#define LOOKUP_US     10000
/* The input thread's messages: a badge names never mints (its badges are module indexes). */
#define INPUT_BADGE   (1ull << 48)
#define INPUT_LABEL   PROTO_LABEL(PROTO_ID_TTY, 0)
/* The input thread's READ failed (the driver died): mr0 = the device_gen it read with. */
#define RECONNECT_LABEL PROTO_LABEL(PROTO_ID_TTY, 0xFFFF)
/* Waiting for the supervisor to restart the driver: names is asked this often, this long. */
#define RECONNECT_US      5000
#define RECONNECT_WAIT_US 30000000
/* The input thread's IPC buffer (one page), then its stack. */
#define THREAD_AREA   0x0000000020000000ull
#define THREAD_PAGES  3
#define MAX_READERS   16
/* Flush the echo once less than this is left for the next input byte. */
#define ECHO_FLUSH_AT (LDISC_ECHO_BYTES - LDISC_ECHO_PER_INPUT)

_Static_assert(LDISC_ECHO_BYTES > LDISC_ECHO_PER_INPUT, "echo buffer holds one input's echo");

struct reader {
    uint64_t reply;          /* saved reply capability */
    uint64_t max;            /* at most CHAR_IO_MAX */
};

static struct ldisc ld;
static uint64_t device;      /* send capability to the serial driver (the main thread's) */
static uint64_t device_gen;  /* how many times device was looked up again */
static uint64_t in_device;   /* the input thread's copy, renewed by the main thread */
static uint64_t endpoint;    /* ours, all rights */
static uint64_t input_ep;    /* the input thread's copy, badged INPUT_BADGE */
static struct reader readers[MAX_READERS];    /* waiting READs, FIFO */
static unsigned reader_head, nreaders;
static uint64_t signals_raised;
static uint64_t pm_ep;       /* "pm", looked up at the first signal; 0: none yet */
static uint64_t batch_signals;   /* signals the current input batch raised: bit n = signal n */

/* One request as the handlers see it. */
struct request {
    bool deferred;           /* the reply was saved: nothing to answer now */
};

/* ---- output to the device ---- */

/*
 * The driver died (the supervisor restarts it): look "serial" up again, waiting for the
 * new one to register. 0, or the error when it did not come back in time.
 */
static long device_reconnect(void)
{
    long r = -E_NOCAP, start = sys_clock();

    sys_cap_delete(device);
    agora_slot_free(device);
    device = 0;
    while ((r = names_lookup(DEVICE_NAME, &device)) == -E_NOCAP && sys_clock() - start < RECONNECT_WAIT_US)
        sys_sleep(RECONNECT_US);
    if (r < 0) {
        device = 0;
        return r;
    }
    device_gen++;
    return 0;
}

/*
 * Writes to the driver, CHAR_IO_MAX bytes per message. When it dies, the message it died on
 * is sent again to its successor: output is repeated rather than lost (at most one message).
 */
static long device_write(const uint8_t *bytes, size_t n)
{
    size_t done = 0;

    while (done < n) {
        struct char_write_req rq;
        struct char_write_rep rp;
        size_t k = n - done < CHAR_IO_MAX ? n - done : CHAR_IO_MAX;
        long r;

        rq.len = k;
        memcpy(rq.bytes, bytes + done, k);
        memset(rq.bytes + k, 0, CHAR_IO_MAX - k);
        r = device ? char_write_call(device, &rq, &rp, 0) : -E_DEAD;
        if (r == -E_DEAD || SVC_STATUS_IS_GARBAGE(r)) {
            if (r == -E_DEAD && device_reconnect() < 0)
                return -E_DEAD;
            continue;
        }
        if (r < 0)
            return r;
        if (rp.count == 0 || rp.count > k)
            return -E_RANGE;
        done += rp.count;
    }
    return (long)n;
}

/* The input thread's driver died: give it a capability to the new one (reconnecting if it is still ours). */
static long input_reconnect(uint64_t gen)
{
    long r;

    if (gen == device_gen && (r = device_reconnect()) < 0)
        return r;
    sys_cap_delete(in_device);
    if ((r = sys_cap_copy(device, in_device, RIGHT_WRITE | RIGHT_GRANT, 0)) < 0)
        return r;
    return (long)device_gen;
}

static void flush_echo(void)
{
    device_write(ld.echo, ld.echo_len);     /* a lost echo is not worth failing anyone */
    ld.echo_len = 0;
}

/*
 * A signal for the foreground process group (pm knows which it is: TCSETPGRP). The input
 * thread sends it (PM_TTY_SIGNAL) once its batch is answered: pm may call vfs, which may be
 * waiting for this thread, so this thread never waits for pm.
 */
static void raise_signal(int sig)
{
    signals_raised++;
    if (!pm_ep && names_lookup("pm", &pm_ep) < 0)
        pm_ep = 0;                  /* no pm (a system without POSIX): the line is discarded all the same */
    if (pm_ep && sig > 0 && sig < 64)
        batch_signals |= 1ull << sig;
}

/* ---- waiting readers ---- */

static void serve_readers(void)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();

    while (nreaders > 0 && ldisc_readable(&ld, readers[reader_head].max)) {
        struct reader *r = &readers[reader_head];
        struct char_read_rep rep;
        struct agora_msg m;

        memset(&rep, 0, sizeof(rep));
        rep.len = ldisc_read(&ld, rep.bytes, r->max);
        proto_reply_pack(&m, b, 0, &rep, sizeof(rep), 0);
        /* A reader that died meanwhile loses what it was given (-E_DEAD; the capability is gone too). */
        if (sys_reply_to(r->reply, &m) < 0)
            sys_cap_delete(r->reply);
        agora_slot_free(r->reply);
        reader_head = (reader_head + 1) % MAX_READERS;
        nreaders--;
    }
}

/* ---- the handlers ---- */

static long do_write(void *ctx, const struct char_write_req *rq, struct char_write_rep *rp)
{
    uint8_t out[CHAR_IO_MAX];
    size_t done = 0;

    (void)ctx;
    if (rq->len == 0)
        return -E_INVAL;
    if (rq->len > CHAR_IO_MAX)
        return -E_RANGE;
    while (done < rq->len) {
        size_t used, n = ldisc_output(&ld, rq->bytes + done, rq->len - done, out, sizeof(out), &used);
        long r = device_write(out, n);

        if (r < 0) {
            if (done == 0)
                return r;
            break;                      /* what went out before the error counts */
        }
        done += used;
    }
    rp->count = done;
    return 0;
}

static long do_read(void *ctx, const struct char_read_req *rq, struct char_read_rep *rp)
{
    struct request *req = ctx;
    uint64_t max = rq->max < CHAR_IO_MAX ? rq->max : CHAR_IO_MAX;
    long slot, err;

    if (rq->max == 0 || (rq->flags & ~(uint64_t)CHAR_READ_FLAGS))
        return -E_INVAL;
    if (nreaders == 0 && ldisc_readable(&ld, max)) {
        rp->len = ldisc_read(&ld, rp->bytes, max);
        return 0;
    }
    if (rq->flags & CHAR_READ_NONBLOCK)
        return -E_AGAIN;
    if (nreaders == MAX_READERS || (slot = agora_slot_alloc()) < 0)
        return -E_NOMEM;
    if ((err = sys_reply_save((uint64_t)slot)) < 0) {
        agora_slot_free((uint64_t)slot);
        return err;
    }
    readers[(reader_head + nreaders) % MAX_READERS] = (struct reader){ (uint64_t)slot, max };
    nreaders++;
    req->deferred = true;
    return 0;
}

static long do_status(void *ctx, const struct char_status_req *rq, struct char_status_rep *rp)
{
    struct char_status_rep dev;

    (void)ctx;
    (void)rq;
    if (!device || chardev_status(device, &dev) < 0)
        memset(&dev, 0, sizeof(dev));
    rp->readable = ldisc_available(&ld);
    rp->readers = nreaders;
    rp->received = dev.received;
    rp->dropped = dev.dropped + ld.dropped;
    rp->written = dev.written;
    return 0;
}

static long do_get(void *ctx, const struct tty_get_req *rq, struct tty_get_rep *rp)
{
    (void)ctx;
    (void)rq;
    rp->mode = ld.mode;
    return 0;
}

static long do_set(void *ctx, const struct tty_set_req *rq, struct tty_set_rep *rp)
{
    (void)ctx;
    (void)rp;
    if ((rq->mode.flags & ~(uint64_t)TTY_FLAGS) || rq->how > TTY_SET_FLUSH)
        return -E_INVAL;
    ldisc_set_mode(&ld, &rq->mode, rq->how == TTY_SET_FLUSH);
    return 0;
}

static const struct char_handlers char_ops = {
    .char_write = do_write,
    .char_read = do_read,
    .char_status = do_status,
};

static const struct tty_handlers tty_ops = {
    .tty_get = do_get,
    .tty_set = do_set,
};

/* ---- input from the device ---- */

static void input(const struct char_read_rep *in)
{
    uint64_t n = in->len < CHAR_IO_MAX ? in->len : CHAR_IO_MAX;

    for (uint64_t i = 0; i < n; i++) {
        int sig;

        if (ld.echo_len > ECHO_FLUSH_AT)
            flush_echo();
        if ((sig = ldisc_input(&ld, in->bytes[i])) != 0)
            raise_signal(sig);
    }
    flush_echo();
}

/*
 * The input thread: reads the driver (blocking, through its own IPC buffer) and hands
 * each batch to the main thread as a call on our endpoint, so all state stays on one
 * thread (as libagora's chardriver forwards IRQs). It prints nothing (agora_printf is not
 * thread-safe). If the driver dies, it asks the main thread (RECONNECT_LABEL) for a
 * capability to the restarted one, and reads on.
 */
static noreturn void input_thread(uint64_t arg)
{
    struct agora_ipc_buffer *b = (struct agora_ipc_buffer *)THREAD_AREA;
    struct char_read_req rq = { .max = CHAR_IO_MAX };
    struct char_read_rep rep;
    struct agora_msg m;
    uint64_t gen = arg;

    for (;;) {
        uint64_t sigs;

        proto_pack(&m, b, CHAR_READ, &rq, sizeof(rq), 0);
        if (sys_call(in_device, &m) < 0) {
            m = (struct agora_msg){ .info = IPC_INFO(RECONNECT_LABEL, 1, 0, 0), .mr = { gen } };
            if (sys_call(input_ep, &m) < 0)
                break;
            if (PROTO_LABEL_STATUS(IPC_LABEL(m.info)) < 0)
                sys_sleep(RECONNECT_WAIT_US / 30);      /* no driver yet: try again later */
            else
                gen = m.mr[0];
            continue;
        }
        if (PROTO_LABEL_STATUS(IPC_LABEL(m.info)) != 0 || proto_unpack(&m, b, &rep, sizeof(rep)) < 0) {
            sys_sleep(10000);           /* a refusal (-E_NOMEM: too many readers): try again */
            continue;
        }
        proto_pack(&m, b, INPUT_LABEL, &rep, sizeof(rep), 0);
        if (sys_call(input_ep, &m) < 0)
            break;
        /* The answer: the signals the batch raised, for pm. */
        sigs = IPC_WORDS(m.info) >= 1 ? m.mr[0] : 0;
        for (int sig = 1; sig < 64 && pm_ep; sig++) {
            struct pm_tty_signal_req srq = { .sig = sig };

            if (!(sigs & (1ull << sig)))
                continue;
            proto_pack(&m, b, PM_TTY_SIGNAL, &srq, sizeof(srq), 0);
            sys_call(pm_ep, &m);        /* a refusal changes nothing for the terminal */
        }
    }
    sys_thread_exit();
    for (;;)
        sys_yield();
}

static long start_input_thread(void)
{
    return agora_thread_spawn(THREAD_AREA, THREAD_PAGES, input_thread, device_gen, 0);
}

/* ---- the receive loop ---- */

/* Turns the message in *m into its reply (in *m and the IPC buffer); false: no reply now. */
static bool handle(struct agora_msg *m)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS];
    uint64_t in_bytes, out_bytes = 0;
    uint32_t label = IPC_LABEL(m->info);
    struct request req = { 0 };
    long status;

    memset(out, 0, sizeof(out));
    if (m->badge == INPUT_BADGE && label == RECONNECT_LABEL) {
        long r = input_reconnect(m->mr[0]);

        *m = (struct agora_msg){ .info = IPC_INFO(PROTO_STATUS_LABEL(r < 0 ? r : 0), 1, 0, 0),
                                 .mr = { r < 0 ? 0 : (uint64_t)r } };
        return true;
    }
    in_bytes = proto_unpack_any(m, b, in);
    if (m->badge == INPUT_BADGE && label == INPUT_LABEL) {
        batch_signals = 0;
        if (in_bytes == sizeof(struct char_read_rep))
            input((const struct char_read_rep *)in);
        serve_readers();
        *m = (struct agora_msg){ .info = IPC_INFO(0, 1, 0, 0), .mr = { batch_signals } };
        return true;
    }
    if (PROTO_LABEL_ID(label) == PROTO_ID_TTY)
        status = tty_dispatch(&tty_ops, &req, label, in, in_bytes, out, &out_bytes);
    else
        status = char_dispatch(&char_ops, &req, label, in, in_bytes, out, &out_bytes);
    /* Before the reply is packed: answering readers uses the IPC buffer's words too. */
    serve_readers();
    if (req.deferred)
        return false;
    proto_reply_pack(m, b, status, out, out_bytes, 0);
    return true;
}

static long start(void)
{
    long slot, r = -E_NOCAP;

    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    ldisc_init(&ld);
    for (int i = 0; i < LOOKUP_TRIES && (r = names_lookup(DEVICE_NAME, &device)) == -E_NOCAP; i++)
        sys_sleep(LOOKUP_US);
    if (r < 0)
        return r;
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    endpoint = (uint64_t)slot;
    if ((r = sys_endpoint_create(CAP_CHILD_POOL, endpoint)) < 0)
        return r;
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    input_ep = (uint64_t)slot;
    if ((r = sys_cap_copy(endpoint, input_ep, RIGHT_WRITE, INPUT_BADGE)) < 0)
        return r;
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    in_device = (uint64_t)slot;
    if ((r = sys_cap_copy(device, in_device, RIGHT_WRITE | RIGHT_GRANT, 0)) < 0)
        return r;
    if ((r = start_input_thread()) < 0)
        return r;
    return names_register(TTY_NAME, endpoint);
}

int main(uint64_t arg)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct agora_msg m;
    long r;

    (void)arg;
    if ((r = start()) < 0) {
        agora_printf("tty: cannot start on \"%s\": %s: exiting\n", DEVICE_NAME, agora_error_name(r));
        return 1;
    }
    agora_ipc_accept_nothing(b);
    agora_printf("tty: serving on \"%s\"\n", DEVICE_NAME);
    r = sys_recv(endpoint, &m);
    for (;;) {
        if (r < 0) {
            agora_printf("tty: receiving failed: %s: exiting\n", agora_error_name(r));
            return 1;
        }
        r = handle(&m) ? sys_reply_recv(endpoint, &m) : sys_recv(endpoint, &m);
    }
}
