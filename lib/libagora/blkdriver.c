/* The block-driver library (libagora/blkdriver.h): receive loop, checks, client buffers, saved replies, IRQ forwarder. */
#include <libagora/blkdriver.h>

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

/* One message as the handlers see it (the void *ctx of blk_dispatch). */
struct request {
    struct blkdriver *d;
    uint64_t badge;
    unsigned ncaps;
    uint64_t recv[BLK_ATTACH_CAPS];
    bool kept;                       /* ATTACH took the received capabilities */
    bool deferred;                   /* the reply was saved: nothing to answer now */
};

static uint64_t recv_slots[BLK_ATTACH_CAPS];

static void drop_slot(uint64_t slot)
{
    sys_cap_delete(slot);
    agora_slot_free(slot);
}

static long new_slot(uint64_t *slot)
{
    long s = agora_slot_alloc();

    if (s < 0)
        return -E_NOMEM;
    *slot = (uint64_t)s;
    return 0;
}

long blkdriver_init(struct blkdriver *d, const char *name, const struct blkdriver_info *info,
                    const struct blkdriver_ops *ops, void *ctx, uint64_t dma)
{
    long r;

    memset(d, 0, sizeof(*d));
    if (!name || !info || !ops || !ops->read || !ops->write || info->sector_size == 0 ||
        info->max_sectors == 0 || info->max_requests == 0)
        return -E_INVAL;
    d->name = name;
    d->info = *info;
    d->ops = ops;
    d->ctx = ctx;
    d->dma = dma;
    if ((r = new_slot(&d->ep)) < 0)
        return r;
    if ((r = sys_endpoint_create(CAP_CHILD_POOL, d->ep)) < 0)
        agora_slot_free(d->ep);
    return r;
}

/* ---- clients ---- */

static bool client_alive(struct blkdriver_client *c)
{
    return sys_poll(c->watch) == -E_AGAIN;
}

static void client_release(struct blkdriver_client *c)
{
    sys_unmap(CAP_SELF_TASK, (uint64_t)c->data, c->pages);
    drop_slot(c->memory);
    sys_task_unwatch(c->task, c->watch);
    drop_slot(c->task);
    drop_slot(c->watch);
    memset(c, 0, sizeof(*c));
}

static struct blkdriver_client *client_of(struct blkdriver *d, uint64_t badge)
{
    for (unsigned i = 0; i < BLKDRIVER_MAX_CLIENTS; i++)
        if (d->clients[i].used && d->clients[i].badge == badge)
            return &d->clients[i];
    return 0;
}

/* A free entry; dead clients with nothing in flight are forgotten to make room. */
static struct blkdriver_client *client_free_entry(struct blkdriver *d)
{
    for (unsigned i = 0; i < BLKDRIVER_MAX_CLIENTS; i++)
        if (!d->clients[i].used)
            return &d->clients[i];
    for (unsigned i = 0; i < BLKDRIVER_MAX_CLIENTS; i++) {
        struct blkdriver_client *c = &d->clients[i];

        if (c->inflight == 0 && !client_alive(c)) {
            client_release(c);
            return c;
        }
    }
    return 0;
}

static long watch_task(uint64_t task, uint64_t *watch)
{
    long r;

    if ((r = new_slot(watch)) < 0)
        return r;
    if ((r = sys_notify_create(CAP_CHILD_POOL, *watch)) < 0) {
        agora_slot_free(*watch);
        return r;
    }
    if ((r = sys_task_watch(task, *watch)) < 0)
        drop_slot(*watch);
    return r;
}

/* Maps the buffer and learns its pages' addresses: 0, or an error with nothing kept. */
static long client_setup(struct blkdriver *d, struct blkdriver_client *c, uint64_t pages)
{
    uint64_t va = BLKDRIVER_BUFFER_AREA + (uint64_t)(c - d->clients) * BLK_BUFFER_MAX_PAGES * PAGE_SIZE;
    long r;

    if ((r = sys_map(CAP_SELF_TASK, c->memory, 0, va, pages, RIGHT_READ | RIGHT_WRITE)) < 0)
        return r;
    for (uint64_t p = 0; p < pages && d->dma; p++) {
        long phys = sys_memory_phys(d->dma, c->memory, p);

        if (phys < 0) {
            sys_unmap(CAP_SELF_TASK, va, pages);
            return phys;
        }
        c->phys[p] = (uint64_t)phys;
    }
    c->data = (uint8_t *)va;
    c->pages = pages;
    return 0;
}

/* ---- the handlers ---- */

static long do_info(void *ctx, const struct blk_info_req *rq, struct blk_info_rep *rp)
{
    struct request *req = ctx;

    (void)rq;
    if (req->ncaps)
        return -E_RANGE;
    rp->sector_size = req->d->info.sector_size;
    rp->sectors = req->d->info.sectors;
    rp->flags = req->d->info.flags;
    rp->max_sectors = req->d->info.max_sectors;
    rp->max_requests = req->d->info.max_requests;
    return 0;
}

/* Checks ATTACH's capabilities: the buffer's page count, or an error. */
static long attach_check(const struct request *req)
{
    long mem = sys_cap_info(req->recv[0]), task = sys_cap_info(req->recv[1]), pages;

    if (req->ncaps != BLK_ATTACH_CAPS)
        return -E_RANGE;
    if (mem < 0 || task < 0)
        return mem < 0 ? mem : task;
    if (AGORA_CAP_INFO_TYPE(mem) != OBJ_MEMORY || AGORA_CAP_INFO_TYPE(task) != OBJ_TASK)
        return -E_TYPE;
    if ((AGORA_CAP_INFO_RIGHTS(mem) & (RIGHT_READ | RIGHT_WRITE)) != (RIGHT_READ | RIGHT_WRITE))
        return -E_PERM;
    pages = sys_memory_info(req->recv[0]);
    if (pages < 0)
        return pages;
    if (pages == 0 || pages > BLK_BUFFER_MAX_PAGES)
        return -E_RANGE;
    return pages;
}

static long do_attach(void *ctx, const struct blk_attach_req *rq, struct blk_attach_rep *rp)
{
    struct request *req = ctx;
    struct blkdriver *d = req->d;
    struct blkdriver_client *c = client_of(d, req->badge);
    long pages = attach_check(req), r;

    (void)rq;
    if (pages < 0)
        return pages;
    if (c && c->inflight)
        return -E_BUSY;
    if (c)
        client_release(c);           /* attaching again replaces the buffer */
    if (!(c = client_free_entry(d)))
        return -E_NOMEM;
    c->memory = req->recv[0];
    c->task = req->recv[1];
    if ((r = watch_task(c->task, &c->watch)) < 0)
        goto out_clear;
    if ((r = client_setup(d, c, (uint64_t)pages)) < 0)
        goto out_unwatch;
    c->used = true;
    c->badge = req->badge;
    req->kept = true;
    rp->pages = (uint64_t)pages;
    return 0;

out_unwatch:
    sys_task_unwatch(c->task, c->watch);
    drop_slot(c->watch);
out_clear:
    memset(c, 0, sizeof(*c));        /* the received capabilities go back to the loop */
    return r;
}

static long do_detach(void *ctx, const struct blk_detach_req *rq, struct blk_detach_rep *rp)
{
    struct request *req = ctx;
    struct blkdriver_client *c = client_of(req->d, req->badge);

    (void)rq;
    (void)rp;
    if (req->ncaps)
        return -E_RANGE;
    if (!c)
        return -E_STATE;
    if (c->inflight)
        return -E_BUSY;
    client_release(c);
    return 0;
}

/* ---- requests the device works on ---- */

static long submit(struct blkdriver *d, struct blkdriver_req *r)
{
    switch (r->op) {
    case BLKDRIVER_READ:
        return d->ops->read(d->ctx, r);
    case BLKDRIVER_WRITE:
        return d->ops->write(d->ctx, r);
    default:
        if (!d->ops->flush) {
            blkdriver_complete(d, r, 0);
            return 0;
        }
        return d->ops->flush(d->ctx, r);
    }
}

static void reply(struct blkdriver_req *r, long status)
{
    struct agora_msg m;

    proto_reply_pack(&m, agora_ipc_buffer(), status, 0, 0, 0);
    if (sys_reply_to(r->reply, &m) == 0)
        agora_slot_free(r->reply);   /* SYS_REPLY_TO deleted the capability */
    else
        drop_slot(r->reply);         /* its caller died meanwhile */
}

void blkdriver_complete(struct blkdriver *d, struct blkdriver_req *r, long status)
{
    if (!r->used || r->waiting)
        return;                      /* a driver bug: never answer twice */
    reply(r, status);
    d->completed++;
    if (status < 0)
        d->errors++;
    if (r->client)
        r->client->inflight--;
    d->inflight--;
    r->used = false;
}

/* Offers waiting requests to the device, oldest first, until it is full. */
static void offer_waiting(struct blkdriver *d)
{
    while (d->nwaiting > 0) {
        struct blkdriver_req *r = &d->reqs[d->order[0]];
        long err;

        r->waiting = false;
        err = submit(d, r);
        if (err == -E_AGAIN) {
            r->waiting = true;
            return;
        }
        memmove(d->order, d->order + 1, (d->nwaiting - 1) * sizeof(d->order[0]));
        d->nwaiting--;
        if (err < 0)
            blkdriver_complete(d, r, err);
    }
}

/* Saves the reply and queues a request for the device: 0 (deferred) or an error. */
static long enqueue(struct request *req, enum blkdriver_op op, uint64_t sector, uint64_t count,
                    uint64_t offset, struct blkdriver_client *c)
{
    struct blkdriver *d = req->d;
    struct blkdriver_req *r = 0;
    uint64_t slot;
    long err;

    for (unsigned i = 0; i < BLKDRIVER_MAX_REQUESTS && !r; i++)
        if (!d->reqs[i].used)
            r = &d->reqs[i];
    if (!r)
        return -E_BUSY;
    if ((err = new_slot(&slot)) < 0)
        return err;
    if ((err = sys_reply_save(slot)) < 0) {
        agora_slot_free(slot);
        return err;
    }
    *r = (struct blkdriver_req){ .op = op, .sector = sector, .count = count, .offset = offset,
                                 .client = c, .used = true, .waiting = true, .reply = slot };
    if (c)
        c->inflight++;
    d->inflight++;
    if (d->inflight > d->peak) {
        d->peak = d->inflight;
        if (d->peak > 1)
            agora_printf("%s: peak of %u requests in flight\n", d->name, d->peak);
    }
    d->order[d->nwaiting++] = (unsigned)(r - d->reqs);
    req->deferred = true;
    offer_waiting(d);
    return 0;
}

static long transfer(struct request *req, bool write, uint64_t sector, uint64_t count, uint64_t offset)
{
    struct blkdriver_client *c = client_of(req->d, req->badge);
    long err;

    if (req->ncaps)
        return -E_RANGE;
    if ((err = blkdriver_check(&req->d->info, write, sector, count, offset, c ? c->pages : 0)) < 0)
        return err;
    return enqueue(req, write ? BLKDRIVER_WRITE : BLKDRIVER_READ, sector, count, offset, c);
}

static long do_read(void *ctx, const struct blk_read_req *rq, struct blk_read_rep *rp)
{
    (void)rp;
    return transfer(ctx, false, rq->sector, rq->count, rq->offset);
}

static long do_write(void *ctx, const struct blk_write_req *rq, struct blk_write_rep *rp)
{
    (void)rp;
    return transfer(ctx, true, rq->sector, rq->count, rq->offset);
}

static long do_flush(void *ctx, const struct blk_flush_req *rq, struct blk_flush_rep *rp)
{
    struct request *req = ctx;

    (void)rq;
    (void)rp;
    if (req->ncaps)
        return -E_RANGE;
    return enqueue(req, BLKDRIVER_FLUSH, 0, 0, 0, client_of(req->d, req->badge));
}

static const struct blk_handlers handlers = {
    .blk_info = do_info,
    .blk_attach = do_attach,
    .blk_read = do_read,
    .blk_write = do_write,
    .blk_flush = do_flush,
    .blk_detach = do_detach,
};

/* ---- what the driver asks ---- */

void *blkdriver_data(const struct blkdriver *d, const struct blkdriver_req *r)
{
    (void)d;
    return r->client ? r->client->data + r->offset : 0;
}

long blkdriver_segments(const struct blkdriver *d, const struct blkdriver_req *r,
                        struct blkdriver_segment *segs, unsigned max)
{
    if (!d->dma || !r->client)
        return -E_NOSYS;
    return blkdriver_split(r->client->phys, r->offset, r->count * d->info.sector_size, segs, max);
}

/* ---- interrupts ---- */

/*
 * The forwarder: each wake-up of the IRQ's notification becomes one register-only call on
 * the driver's endpoint. It never uses the program's IPC buffer pointer nor prints.
 */
static noreturn void forwarder(uint64_t arg)
{
    const struct blkdriver *d = (const struct blkdriver *)arg;

    for (;;) {
        struct agora_msg m = { .info = IPC_INFO(BLKDRIVER_IRQ_LABEL, 0, 0, 0) };

        if (sys_wait(d->notification) < 0 || sys_call(d->irq_ep, &m) < 0)
            break;
    }
    sys_thread_exit();
    for (;;)
        sys_yield();
}

static long start_forwarder(struct blkdriver *d)
{
    return agora_thread_spawn(BLKDRIVER_THREAD_AREA, 1 + BLKDRIVER_THREAD_STACK_PAGES, forwarder, (uint64_t)d, 0);
}

long blkdriver_irq(struct blkdriver *d, uint64_t irq)
{
    long r;

    if (d->irq)
        return -E_BUSY;
    if ((r = new_slot(&d->notification)) < 0 || (r = sys_notify_create(CAP_CHILD_POOL, d->notification)) < 0)
        return r;
    if ((r = new_slot(&d->irq_ep)) < 0 ||
        (r = sys_cap_copy(d->ep, d->irq_ep, RIGHT_WRITE, BLKDRIVER_IRQ_BADGE)) < 0 ||
        (r = sys_irq_bind(irq, d->notification)) < 0)
        return r;
    d->irq = irq;
    return start_forwarder(d);
}

static bool is_interrupt(const struct blkdriver *d, const struct agora_msg *m)
{
    return d->irq != 0 && m->badge == BLKDRIVER_IRQ_BADGE && IPC_LABEL(m->info) == BLKDRIVER_IRQ_LABEL;
}

static void interrupt(struct blkdriver *d)
{
    d->interrupts++;
    if (d->ops->interrupt)
        d->ops->interrupt(d->ctx);
    sys_irq_ack(d->irq);
    if (d->ops->interrupt)
        d->ops->interrupt(d->ctx);
    offer_waiting(d);
}

/* ---- the receive loop ---- */

static void arm(struct agora_ipc_buffer *b)
{
    agora_ipc_accept_nothing(b);
    for (unsigned i = 0; i < BLK_ATTACH_CAPS; i++)
        b->recv_cap_slots[i] = recv_slots[i];
}

/* Empties received capabilities nobody kept; new slots for kept ones. */
static bool rearm(const struct request *req)
{
    for (unsigned i = 0; i < req->ncaps && i < BLK_ATTACH_CAPS; i++) {
        if (!req->kept) {
            sys_cap_delete(recv_slots[i]);
            continue;
        }
        if (new_slot(&recv_slots[i]) < 0)
            return false;
    }
    arm(agora_ipc_buffer());
    return true;
}

/* Turns the message in *m into its reply; false: no reply now (saved, or an interrupt's later). */
static bool handle(struct blkdriver *d, struct agora_msg *m, struct request *req)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS];
    uint64_t in_bytes, out_bytes = 0;
    long status;

    memset(req, 0, sizeof(*req));
    req->d = d;
    if (is_interrupt(d, m)) {
        interrupt(d);
        *m = (struct agora_msg){ .info = IPC_INFO(0, 0, 0, 0) };
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
    req->badge = m->badge;
    req->ncaps = IPC_CAPS(m->info) < BLK_ATTACH_CAPS ? IPC_CAPS(m->info) : BLK_ATTACH_CAPS;
    for (unsigned i = 0; i < BLK_ATTACH_CAPS; i++)
        req->recv[i] = i < req->ncaps ? recv_slots[i] : 0;
    memset(out, 0, sizeof(out));
    in_bytes = proto_unpack_any(m, b, in);
    status = blk_dispatch(&handlers, req, IPC_LABEL(m->info), in, in_bytes, out, &out_bytes);
    if (req->deferred && status == 0)
        return false;
    proto_reply_pack(m, b, status, out, out_bytes, 0);
    return true;
}

long blkdriver_serve(struct blkdriver *d)
{
    struct request req;
    struct agora_msg m;
    long r;

    for (unsigned i = 0; i < BLK_ATTACH_CAPS; i++)
        if ((r = new_slot(&recv_slots[i])) < 0)
            return r;
    if ((r = names_register(d->name, d->ep)) < 0) {
        agora_printf("%s: cannot register with names: %s\n", d->name, agora_error_name(r));
        return r;
    }
    if ((r = svcdriver_ready(d->ep)) < 0 && r != -E_NOCAP)
        agora_printf("%s: the supervisor refused READY: %s\n", d->name, agora_error_name(r));
    arm(agora_ipc_buffer());
    agora_printf("%s: serving\n", d->name);
    r = sys_recv(d->ep, &m);
    for (;;) {
        bool answer;

        if (r < 0) {
            agora_printf("%s: receiving failed: %s\n", d->name, agora_error_name(r));
            return r;
        }
        answer = handle(d, &m, &req);
        if (!rearm(&req)) {
            agora_printf("%s: out of capability slots\n", d->name);
            return -E_NOMEM;
        }
        r = answer ? sys_reply_recv(d->ep, &m) : sys_recv(d->ep, &m);
    }
}
