/* Pipes (pipe.h): a ring buffer per pipe and one table of waiting requests. */
#include "pipe.h"

#include <agora/errors.h>
#include <libagora/string.h>

#include "heap.h"

struct pipe_waiter {
    bool used;
    bool write;
    uint64_t token;
    uint64_t badge;
    uint64_t seq;                   /* arrival order */
    struct vfs_file *file;
    uint64_t count;                 /* READ: max; WRITE: bytes in data */
    uint64_t total;                 /* WRITE_PART: the whole write; else 0 */
    char data[VFS_IO_MAX];
};

static struct pipe_waiter waiters[PIPE_MAX_WAITERS];
static unsigned nwaiters;
static uint64_t next_seq;
static struct pipe_hooks hooks;

void pipe_init(const struct pipe_hooks *h)
{
    memset(waiters, 0, sizeof(waiters));
    nwaiters = 0;
    next_seq = 0;
    hooks = *h;
}

long pipe_new(struct ramfs *fs, struct vfs_node **out)
{
    struct vfs_pipe *p = vfs_alloc(sizeof(*p));
    struct vfs_node *n;

    if (!p)
        return -E_NOMEM;
    if (!(n = ramfs_anon(fs, VFS_S_IFIFO | 0600))) {
        vfs_free(p);
        return -E_NOMEM;
    }
    n->pipe = p;
    *out = n;
    return 0;
}

static bool reads(const struct vfs_file *f)
{
    return (f->flags & VFS_O_ACCMODE) != VFS_O_WRONLY;
}

static bool writes(const struct vfs_file *f)
{
    return (f->flags & VFS_O_ACCMODE) != VFS_O_RDONLY;
}

void pipe_opened(struct vfs_file *f)
{
    struct vfs_pipe *p = f->node->pipe;

    if (reads(f))
        p->readers++;
    if (writes(f))
        p->writers++;
}

static void waiter_free(struct pipe_waiter *w)
{
    w->used = false;
    nwaiters--;
}

static void answer_status(struct pipe_waiter *w, long status)
{
    uint64_t token = w->token;

    waiter_free(w);
    hooks.answer(token, status, 0, 0);
}

void pipe_release(struct fdtable *t, struct vfs_file *f)
{
    struct vfs_pipe *p;

    (void)t;
    if (!pipe_is(f->node))
        return;
    p = f->node->pipe;
    for (unsigned i = 0; i < PIPE_MAX_WAITERS; i++)
        if (waiters[i].used && waiters[i].file == f)
            answer_status(&waiters[i], -E_BADF);
    if (reads(f) && p->readers)
        p->readers--;
    if (writes(f) && p->writers) {
        if (--p->writers == 0)
            p->resv_left = 0;
    }
}

/* ---- the ring ---- */

static uint64_t ring_get(struct vfs_pipe *p, void *buf, uint64_t max)
{
    uint64_t n = max < p->count ? max : p->count, first = VFS_PIPE_CAP - p->head;

    if (first > n)
        first = n;
    memcpy(buf, p->buf + p->head, first);
    memcpy((char *)buf + first, p->buf, n - first);
    p->head = (uint32_t)((p->head + n) % VFS_PIPE_CAP);
    p->count -= (uint32_t)n;
    return n;
}

static void ring_put(struct vfs_pipe *p, const void *buf, uint64_t n)
{
    uint64_t tail = (p->head + p->count) % VFS_PIPE_CAP, first = VFS_PIPE_CAP - tail;

    if (first > n)
        first = n;
    memcpy(p->buf + tail, buf, first);
    memcpy(p->buf, (const char *)buf + first, n - first);
    p->count += (uint32_t)n;
}

/* Whether a waiter of this pipe and direction is queued. */
static bool queued(const struct vfs_pipe *p, bool write)
{
    for (unsigned i = 0; i < PIPE_MAX_WAITERS; i++)
        if (waiters[i].used && waiters[i].write == write && waiters[i].file->node->pipe == p)
            return true;
    return false;
}

long pipe_read(struct vfs_file *f, void *buf, uint64_t max)
{
    struct vfs_pipe *p = f->node->pipe;

    if (max == 0)
        return 0;
    if (p->count)
        return (long)ring_get(p, buf, max);
    return p->writers ? -E_AGAIN : 0;
}

/* The write itself, once the queue and readers are checked. */
static long try_write(struct vfs_pipe *p, uint64_t badge, const void *buf, uint64_t count, uint64_t total)
{
    if (p->resv_left) {
        if (p->resv_badge != badge)
            return -E_AGAIN;
        if (total == 0 && count <= p->resv_left) {
            ring_put(p, buf, count);    /* the room was kept: it is there */
            p->resv_left -= (uint32_t)count;
            return (long)count;
        }
        p->resv_left = 0;           /* anything else ends the caller's part-write */
    }
    if (VFS_PIPE_CAP - p->count < (total ? total : count))
        return -E_AGAIN;
    ring_put(p, buf, count);
    if (total) {
        p->resv_left = (uint32_t)(total - count);
        p->resv_badge = badge;
    }
    return (long)count;
}

long pipe_write(struct vfs_file *f, uint64_t badge, const void *buf, uint64_t count, uint64_t total)
{
    struct vfs_pipe *p = f->node->pipe;

    if (count == 0 && total == 0)
        return 0;
    if (count > VFS_IO_MAX || (total && (count >= total || total > VFS_PIPE_BUF)))
        return -E_INVAL;
    if (p->readers == 0)
        return -E_PIPE;
    /* Queued writers go first, unless this is the rest of the caller's part-write. */
    if (!(p->resv_left && p->resv_badge == badge) && queued(p, true))
        return -E_AGAIN;
    return try_write(p, badge, buf, count, total);
}

uint32_t pipe_poll(const struct vfs_file *f, uint64_t badge)
{
    const struct vfs_pipe *p = f->node->pipe;
    uint32_t r = 0;

    if (reads(f)) {
        if (p->count)
            r |= VFS_POLLIN;
        if (p->writers == 0)
            r |= VFS_POLLHUP;
    }
    if (writes(f)) {
        bool own = p->resv_left && p->resv_badge == badge;

        /* The holder of kept room writes its rest first; everyone else waits behind it. */
        if (own || (!p->resv_left && !queued(p, true) && VFS_PIPE_CAP - p->count >= VFS_PIPE_BUF))
            r |= VFS_POLLOUT;
        if (p->readers == 0)
            r |= VFS_POLLERR;
    }
    return r;
}

bool pipe_can_wait(void)
{
    return nwaiters < PIPE_MAX_WAITERS;
}

long pipe_wait(struct vfs_file *f, bool write, uint64_t badge, uint64_t token, const void *data,
               uint64_t count, uint64_t total)
{
    for (unsigned i = 0; i < PIPE_MAX_WAITERS; i++) {
        struct pipe_waiter *w = &waiters[i];

        if (w->used)
            continue;
        *w = (struct pipe_waiter){
            .used = true, .write = write, .token = token, .badge = badge, .seq = next_seq++,
            .file = f, .count = count, .total = total,
        };
        if (write)
            memcpy(w->data, data, count);
        nwaiters++;
        return 0;
    }
    return -E_NOMEM;
}

/* Whether w is the oldest waiter of its pipe and direction. */
static bool first_in_line(const struct pipe_waiter *w)
{
    for (unsigned i = 0; i < PIPE_MAX_WAITERS; i++) {
        const struct pipe_waiter *o = &waiters[i];

        if (o->used && o != w && o->write == w->write && o->file->node == w->file->node && o->seq < w->seq)
            return false;
    }
    return true;
}

/* Answers w if it can be answered now. */
static bool serve(struct pipe_waiter *w)
{
    struct vfs_pipe *p = w->file->node->pipe;
    uint64_t token = w->token;

    if (!w->write) {
        struct vfs_read_rep rep;
        long r;

        memset(&rep, 0, sizeof(rep));
        if ((r = pipe_read(w->file, rep.data, w->count)) == -E_AGAIN)
            return false;
        rep.count = (uint64_t)r;
        waiter_free(w);
        hooks.answer(token, 0, &rep, sizeof(rep));
        return true;
    }
    if (p->readers == 0) {
        answer_status(w, -E_PIPE);
        return true;
    }
    {
        struct vfs_write_rep rep = { 0 };
        long r = try_write(p, w->badge, w->data, w->count, w->total);

        if (r == -E_AGAIN)
            return false;
        rep.count = (uint64_t)r;
        waiter_free(w);
        hooks.answer(token, 0, &rep, sizeof(rep));
        return true;
    }
}

void pipe_run(void)
{
    bool progress = true;

    while (progress && nwaiters) {
        progress = false;
        for (unsigned i = 0; i < PIPE_MAX_WAITERS; i++)
            if (waiters[i].used && first_in_line(&waiters[i]) && serve(&waiters[i]))
                progress = true;
    }
}

void pipe_client_gone(struct vfs_client *c)
{
    for (unsigned i = 0; i < PIPE_MAX_WAITERS; i++) {
        struct pipe_waiter *w = &waiters[i];

        if (w->used && w->badge == c->badge) {
            uint64_t token = w->token;

            waiter_free(w);
            hooks.discard(token);
        }
    }
    for (uint64_t fd = 0; fd < VFS_FD_MAX; fd++) {
        struct vfs_file *f = c->fd[fd];

        if (f && pipe_is(f->node) && f->node->pipe->resv_left && f->node->pipe->resv_badge == c->badge)
            f->node->pipe->resv_left = 0;
    }
}

void pipe_interrupt(uint64_t badge)
{
    for (unsigned i = 0; i < PIPE_MAX_WAITERS; i++)
        if (waiters[i].used && waiters[i].badge == badge)
            answer_status(&waiters[i], -E_INTR);
}

unsigned pipe_waiters(void)
{
    return nwaiters;
}
