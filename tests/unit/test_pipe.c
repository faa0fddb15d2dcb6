/* Unit tests for vfs's pipes (servers/vfs/pipe.c): the ring, end counts through fdtable, waiters, part-writes. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "agora/errors.h"
#include "agora/proto/vfs.h"
#include "fdtable.h"
#include "heap.h"
#include "pipe.h"
#include "ramfs.h"
#include "suites.h"

#define ARENA_BYTES (64u << 20)

static char *arena;
static struct ramfs fs;
static struct fdtable fdt;

/* What the hooks saw. */
#define MAX_ANSWERS 256
static struct answer {
    uint64_t token;
    long status;
    uint64_t count;                 /* read or write count (status 0) */
    char data[VFS_IO_MAX];
} answers[MAX_ANSWERS];
static unsigned nanswers, ndiscards;
static uint64_t discarded[MAX_ANSWERS];

static void hook_answer(uint64_t token, long status, const void *rep, uint64_t bytes)
{
    struct answer *a = &answers[nanswers++ % MAX_ANSWERS];

    memset(a, 0, sizeof(*a));
    a->token = token;
    a->status = status;
    if (status == 0 && bytes == sizeof(struct vfs_read_rep)) {
        const struct vfs_read_rep *r = rep;

        a->count = r->count;
        memcpy(a->data, r->data, r->count);
    } else if (status == 0) {
        CU_ASSERT_EQUAL(bytes, sizeof(struct vfs_write_rep));
        a->count = ((const struct vfs_write_rep *)rep)->count;
    }
}

static void hook_discard(uint64_t token)
{
    discarded[ndiscards++ % MAX_ANSWERS] = token;
}

static const struct pipe_hooks hooks = { hook_answer, hook_discard };

static long arena_grow(uintptr_t at, size_t bytes)
{
    (void)at;
    (void)bytes;
    return 0;
}

static int suite_init(void)
{
    arena = aligned_alloc(4096, ARENA_BYTES);
    return arena ? 0 : -1;
}

static int suite_clean(void)
{
    free(arena);
    return 0;
}

static void fresh(void)
{
    heap_init(&vfs_heap, (uintptr_t)arena, (uintptr_t)arena + ARENA_BYTES, arena_grow);
    memset(&fs, 0, sizeof(fs));
    CU_ASSERT_EQUAL_FATAL(ramfs_init(&fs), 0);
    fdt_init(&fdt, &fs);
    fdt.release = pipe_release;
    pipe_init(&hooks);
    nanswers = ndiscards = 0;
}

static void done(void)
{
    CU_ASSERT_EQUAL(pipe_waiters(), 0);
    CU_ASSERT_EQUAL(fdt.nfiles, 0);
    ramfs_destroy(&fs);
    CU_ASSERT_EQUAL(fs.nodes, 0);
    CU_ASSERT_EQUAL(vfs_heap.blocks, 0);
    CU_ASSERT_EQUAL(vfs_heap.in_use, 0);
}

/* What ops.c's PIPE does: two descriptions, two descriptors; returns the pipe. */
static struct vfs_pipe *make_pipe(struct vfs_client *c, long *rfd, long *wfd)
{
    struct vfs_node *n = 0;
    struct vfs_file *rf, *wf;

    CU_ASSERT_EQUAL_FATAL(pipe_new(&fs, &n), 0);
    CU_ASSERT_TRUE(pipe_is(n));
    CU_ASSERT_EQUAL(n->mode & VFS_S_IFMT, VFS_S_IFIFO);
    rf = fdt_file_new(&fdt, n, VFS_O_RDONLY);
    wf = fdt_file_new(&fdt, n, VFS_O_WRONLY);
    CU_ASSERT_FATAL(rf && wf);
    pipe_opened(rf);
    pipe_opened(wf);
    *rfd = fdt_install(c, rf, 0, 0);
    *wfd = fdt_install(c, wf, 0, 0);
    CU_ASSERT_FATAL(*rfd >= 0 && *wfd > *rfd);
    return n->pipe;
}

static void test_ring(void)
{
    struct vfs_client *c;
    struct vfs_pipe *p;
    struct vfs_file *rf, *wf;
    char in[VFS_IO_MAX], out[VFS_IO_MAX];
    long rfd, wfd;
    uint64_t written = 0, read = 0;

    fresh();
    c = fdt_client(&fdt, 7, true);
    p = make_pipe(c, &rfd, &wfd);
    rf = fdt_get(c, (uint64_t)rfd);
    wf = fdt_get(c, (uint64_t)wfd);
    CU_ASSERT_EQUAL(p->readers, 1);
    CU_ASSERT_EQUAL(p->writers, 1);
    CU_ASSERT_EQUAL(pipe_read(rf, out, 10), -E_AGAIN);     /* empty, a writer: wait */
    CU_ASSERT_EQUAL(pipe_read(rf, out, 0), 0);
    CU_ASSERT_EQUAL(pipe_write(wf, 7, in, 0, 0), 0);
    /* Many odd-sized passes around the ring: bytes come out in order. */
    for (unsigned round = 0; round < 200; round++) {
        uint64_t n = 1 + (round * 37) % VFS_IO_MAX;

        for (uint64_t i = 0; i < n; i++)
            in[i] = (char)(written + i);
        while (pipe_write(wf, 7, in, n, 0) == -E_AGAIN) {
            long r = pipe_read(rf, out, 1 + (round * 53) % VFS_IO_MAX);

            CU_ASSERT_FATAL(r > 0);
            for (long i = 0; i < r; i++)
                CU_ASSERT_EQUAL_FATAL(out[i], (char)(read + (uint64_t)i));
            read += (uint64_t)r;
        }
        written += n;
        CU_ASSERT_EQUAL(p->count, written - read);
        CU_ASSERT(p->count <= VFS_PIPE_CAP);
    }
    /* Full: a write that does not fit whole waits, even if part would fit. */
    while (p->count + VFS_IO_MAX <= VFS_PIPE_CAP)
        CU_ASSERT_EQUAL(pipe_write(wf, 7, in, VFS_IO_MAX, 0), VFS_IO_MAX);
    CU_ASSERT_EQUAL(pipe_write(wf, 7, in, VFS_IO_MAX, 0), -E_AGAIN);
    CU_ASSERT_EQUAL(pipe_write(wf, 7, in, VFS_IO_MAX + 1, 0), -E_INVAL);
    /* The writer closes: what is left is read, then end of file. */
    fdt_close(&fdt, c, (uint64_t)wfd);
    CU_ASSERT_EQUAL(p->writers, 0);
    while (pipe_read(rf, out, VFS_IO_MAX) > 0)
        ;
    CU_ASSERT_EQUAL(p->count, 0);
    CU_ASSERT_EQUAL(pipe_read(rf, out, VFS_IO_MAX), 0);
    fdt_client_drop(&fdt, c);
    done();
}

static void test_epipe_and_sharing(void)
{
    struct vfs_client *parent, *child;
    struct vfs_file *wf, *rf;
    char buf[8];
    long rfd, wfd, dupfd;

    fresh();
    parent = fdt_client(&fdt, 1, true);
    make_pipe(parent, &rfd, &wfd);
    rf = fdt_get(parent, (uint64_t)rfd);
    wf = fdt_get(parent, (uint64_t)wfd);
    /* dup and fork share the descriptions: the ends stay open until the last goes. */
    dupfd = fdt_install(parent, wf, 0, 0);
    CU_ASSERT(dupfd > wfd);
    CU_ASSERT_EQUAL(fdt_client_fork(&fdt, parent, 2), 0);
    child = fdt_client(&fdt, 2, false);
    fdt_close(&fdt, parent, (uint64_t)wfd);
    fdt_close(&fdt, parent, (uint64_t)dupfd);
    CU_ASSERT_EQUAL(wf->node->pipe->writers, 1);
    CU_ASSERT_EQUAL(pipe_read(rf, buf, 1), -E_AGAIN);      /* the child still has the write end */
    fdt_close(&fdt, child, (uint64_t)rfd);
    CU_ASSERT_EQUAL(pipe_write(fdt_get(child, (uint64_t)wfd), 2, "x", 1, 0), 1);
    CU_ASSERT_EQUAL(pipe_read(rf, buf, 8), 1);
    fdt_client_drop(&fdt, child);                           /* exit: end of file */
    CU_ASSERT_EQUAL(pipe_read(rf, buf, 1), 0);
    /* No reader: -E_PIPE. */
    make_pipe(parent, &rfd, &wfd);
    fdt_close(&fdt, parent, (uint64_t)rfd);
    CU_ASSERT_EQUAL(pipe_write(fdt_get(parent, (uint64_t)wfd), 1, "x", 1, 0), -E_PIPE);
    fdt_client_drop(&fdt, parent);
    done();
}

/* Fills the pipe to the last byte. */
static void fill(struct vfs_file *wf, uint64_t badge)
{
    static char big[VFS_IO_MAX];

    while (pipe_write(wf, badge, big, VFS_IO_MAX, 0) > 0)
        ;
    while (pipe_write(wf, badge, big, 1, 0) > 0)
        ;
    CU_ASSERT_EQUAL(wf->node->pipe->count, VFS_PIPE_CAP);
}

static void test_waiters(void)
{
    struct vfs_client *a, *b;
    struct vfs_file *rf, *wf;
    static char big[VFS_IO_MAX];
    long rfd, wfd;

    fresh();
    a = fdt_client(&fdt, 1, true);
    make_pipe(a, &rfd, &wfd);
    CU_ASSERT_EQUAL(fdt_client_fork(&fdt, a, 2), 0);
    b = fdt_client(&fdt, 2, false);
    rf = fdt_get(a, (uint64_t)rfd);
    wf = fdt_get(a, (uint64_t)wfd);

    /* Two readers wait; a write of 5 answers the first with all 5; the second waits on. */
    CU_ASSERT_TRUE(pipe_can_wait());
    CU_ASSERT_EQUAL(pipe_wait(rf, false, 1, 101, 0, 100, 0), 0);
    CU_ASSERT_EQUAL(pipe_wait(rf, false, 2, 102, 0, 100, 0), 0);
    pipe_run();
    CU_ASSERT_EQUAL(nanswers, 0);
    CU_ASSERT_EQUAL(pipe_write(wf, 1, "hello", 5, 0), 5);
    pipe_run();
    CU_ASSERT_EQUAL_FATAL(nanswers, 1);
    CU_ASSERT_EQUAL(answers[0].token, 101);
    CU_ASSERT_EQUAL(answers[0].status, 0);
    CU_ASSERT_EQUAL(answers[0].count, 5);
    CU_ASSERT_EQUAL(memcmp(answers[0].data, "hello", 5), 0);
    CU_ASSERT_EQUAL(pipe_waiters(), 1);

    /* Fill the pipe; two writers wait, in order; a reader's read lets the first in. */
    fill(wf, 1);
    CU_ASSERT_EQUAL(nanswers, 1);       /* nothing ran yet: the reader is answered by pipe_run */
    pipe_run();
    CU_ASSERT_EQUAL_FATAL(nanswers, 2);
    CU_ASSERT_EQUAL(answers[1].token, 102);
    CU_ASSERT_EQUAL(answers[1].count, 100);
    fill(wf, 1);
    CU_ASSERT_EQUAL(pipe_wait(wf, true, 1, 201, big, 300, 0), 0);
    CU_ASSERT_EQUAL(pipe_wait(wf, true, 2, 202, big, 10, 0), 0);
    /* A newcomer with room for it still queues behind them. */
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, 1, 0), -E_AGAIN);
    {
        char out[VFS_IO_MAX];

        CU_ASSERT_EQUAL(pipe_read(rf, out, 200), 200);
        pipe_run();
        CU_ASSERT_EQUAL(nanswers, 2);       /* 300 does not fit yet, and 10 waits behind it */
        CU_ASSERT_EQUAL(pipe_read(rf, out, 200), 200);
        pipe_run();
    }
    CU_ASSERT_EQUAL_FATAL(nanswers, 4);
    CU_ASSERT_EQUAL(answers[2].token, 201);
    CU_ASSERT_EQUAL(answers[2].count, 300);
    CU_ASSERT_EQUAL(answers[3].token, 202);
    CU_ASSERT_EQUAL(answers[3].count, 10);

    /* Writers waiting when the last reader goes: -E_PIPE. */
    fill(wf, 1);
    CU_ASSERT_EQUAL(pipe_wait(wf, true, 2, 203, big, 50, 0), 0);
    fdt_close(&fdt, a, (uint64_t)rfd);
    pipe_run();
    CU_ASSERT_EQUAL(nanswers, 4);           /* b still holds the read end */
    fdt_close(&fdt, b, (uint64_t)rfd);
    pipe_run();
    CU_ASSERT_EQUAL_FATAL(nanswers, 5);
    CU_ASSERT_EQUAL(answers[4].token, 203);
    CU_ASSERT_EQUAL(answers[4].status, -E_PIPE);

    /* A client that goes while waiting: its reply is dropped, not answered. */
    CU_ASSERT_EQUAL(pipe_wait(wf, true, 2, 204, big, 50, 0), 0);
    pipe_client_gone(b);
    CU_ASSERT_EQUAL(ndiscards, 1);
    CU_ASSERT_EQUAL(discarded[0], 204);
    fdt_client_drop(&fdt, b);
    fdt_client_drop(&fdt, a);
    CU_ASSERT_EQUAL(nanswers, 5);
    done();
}

/* Readers waiting when the last writer goes get end of file; a waiter's own description going: -E_BADF. */
static void test_waiters_eof(void)
{
    struct vfs_client *a;
    long rfd, wfd, rfd2;

    fresh();
    a = fdt_client(&fdt, 1, true);
    make_pipe(a, &rfd, &wfd);
    CU_ASSERT_EQUAL(pipe_wait(fdt_get(a, (uint64_t)rfd), false, 1, 301, 0, 10, 0), 0);
    fdt_close(&fdt, a, (uint64_t)wfd);
    pipe_run();
    CU_ASSERT_EQUAL_FATAL(nanswers, 1);
    CU_ASSERT_EQUAL(answers[0].status, 0);
    CU_ASSERT_EQUAL(answers[0].count, 0);
    fdt_close(&fdt, a, (uint64_t)rfd);

    make_pipe(a, &rfd2, &wfd);
    CU_ASSERT_EQUAL(pipe_wait(fdt_get(a, (uint64_t)rfd2), false, 1, 302, 0, 10, 0), 0);
    fdt_close(&fdt, a, (uint64_t)rfd2);
    CU_ASSERT_EQUAL_FATAL(nanswers, 2);
    CU_ASSERT_EQUAL(answers[1].token, 302);
    CU_ASSERT_EQUAL(answers[1].status, -E_BADF);
    fdt_client_drop(&fdt, a);
    done();
}

/* WRITE_PART keeps room for the rest of a PIPE_BUF write; others wait until it is written. */
static void test_part_write(void)
{
    struct vfs_client *a;
    struct vfs_file *rf, *wf;
    struct vfs_pipe *p;
    static char big[VFS_IO_MAX], out[VFS_IO_MAX];
    long rfd, wfd;

    fresh();
    a = fdt_client(&fdt, 1, true);
    p = make_pipe(a, &rfd, &wfd);
    rf = fdt_get(a, (uint64_t)rfd);
    wf = fdt_get(a, (uint64_t)wfd);
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, VFS_WRITE_PART_MAX, VFS_PIPE_BUF + 1), -E_INVAL);
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, 10, 10), -E_INVAL);
    /* Room for 488 but not 512: it waits. */
    for (int i = 0; i < 7; i++)
        CU_ASSERT_EQUAL(pipe_write(wf, 1, big, VFS_IO_MAX, 0), VFS_IO_MAX);
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, 100, 0), 100);   /* 3572 used, 524 free */
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, 20, 0), 20);     /* 504 free */
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, VFS_WRITE_PART_MAX, VFS_PIPE_BUF), -E_AGAIN);
    CU_ASSERT_EQUAL(pipe_read(rf, out, 8), 8);              /* 512 free */
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, VFS_WRITE_PART_MAX, VFS_PIPE_BUF), VFS_WRITE_PART_MAX);
    CU_ASSERT_EQUAL(p->resv_left, VFS_PIPE_BUF - VFS_WRITE_PART_MAX);
    /* Another writer (badge 2) waits, even for one byte and after a read made room. */
    CU_ASSERT_EQUAL(pipe_read(rf, out, 100), 100);
    CU_ASSERT_EQUAL(pipe_write(wf, 2, big, 1, 0), -E_AGAIN);
    CU_ASSERT_EQUAL(pipe_wait(wf, true, 2, 401, big, 1, 0), 0);
    pipe_run();
    CU_ASSERT_EQUAL(nanswers, 0);
    /* The rest goes first, past the queue; then the queue moves. */
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, VFS_PIPE_BUF - VFS_WRITE_PART_MAX, 0), VFS_PIPE_BUF - VFS_WRITE_PART_MAX);
    CU_ASSERT_EQUAL(p->resv_left, 0);
    pipe_run();
    CU_ASSERT_EQUAL_FATAL(nanswers, 1);
    CU_ASSERT_EQUAL(answers[0].token, 401);
    CU_ASSERT_EQUAL(answers[0].count, 1);
    /* A part-writer that goes away frees the room it held. */
    while (pipe_read(rf, out, VFS_IO_MAX) > 0)
        ;
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, VFS_WRITE_PART_MAX, VFS_PIPE_BUF), VFS_WRITE_PART_MAX);
    CU_ASSERT_EQUAL(pipe_write(wf, 2, big, 1, 0), -E_AGAIN);
    pipe_client_gone(a);
    CU_ASSERT_EQUAL(p->resv_left, 0);
    CU_ASSERT_EQUAL(pipe_write(wf, 2, big, 1, 0), 1);
    fdt_client_drop(&fdt, a);
    done();
}

/* The waiter table fills up: pipe_can_wait says so (vfs then answers -E_AGAIN). */
static void test_waiter_table(void)
{
    struct vfs_client *a;
    long rfd, wfd;
    unsigned n = 0;

    fresh();
    a = fdt_client(&fdt, 1, true);
    make_pipe(a, &rfd, &wfd);
    while (pipe_can_wait())
        CU_ASSERT_EQUAL_FATAL(pipe_wait(fdt_get(a, (uint64_t)rfd), false, 1, 1000 + n++, 0, 1, 0), 0);
    CU_ASSERT_EQUAL(n, PIPE_MAX_WAITERS);
    CU_ASSERT_EQUAL(pipe_wait(fdt_get(a, (uint64_t)rfd), false, 1, 5000, 0, 1, 0), -E_NOMEM);
    pipe_client_gone(a);
    CU_ASSERT_EQUAL(ndiscards, PIPE_MAX_WAITERS);
    fdt_client_drop(&fdt, a);
    done();
}

/* POLL's readiness: data, room for PIPE_BUF, queued writers, kept room, the ends going. */
static void test_poll(void)
{
    struct vfs_client *a;
    struct vfs_file *rf, *wf;
    struct vfs_pipe *p;
    static char big[VFS_IO_MAX], out[VFS_IO_MAX];
    long rfd, wfd;
    uint64_t n;

    fresh();
    a = fdt_client(&fdt, 1, true);
    p = make_pipe(a, &rfd, &wfd);
    rf = fdt_get(a, (uint64_t)rfd);
    wf = fdt_get(a, (uint64_t)wfd);
    /* Empty: the reader is not ready, the writer is. */
    CU_ASSERT_EQUAL(pipe_poll(rf, 1), 0);
    CU_ASSERT_EQUAL(pipe_poll(wf, 1), VFS_POLLOUT);
    CU_ASSERT_EQUAL(pipe_write(wf, 1, "x", 1, 0), 1);
    CU_ASSERT_EQUAL(pipe_poll(rf, 1), VFS_POLLIN);
    /* Room for exactly PIPE_BUF bytes: writable; one byte less: not. */
    while (p->count + VFS_IO_MAX <= VFS_PIPE_CAP - VFS_PIPE_BUF)
        CU_ASSERT_EQUAL(pipe_write(wf, 1, big, VFS_IO_MAX, 0), VFS_IO_MAX);
    n = VFS_PIPE_CAP - VFS_PIPE_BUF - p->count;
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, n, 0), (long)n);
    CU_ASSERT_EQUAL(p->count, VFS_PIPE_CAP - VFS_PIPE_BUF);
    CU_ASSERT_EQUAL(pipe_poll(wf, 1), VFS_POLLOUT);
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, 1, 0), 1);
    CU_ASSERT_EQUAL(pipe_poll(wf, 1), 0);
    CU_ASSERT_EQUAL(pipe_poll(rf, 1), VFS_POLLIN);
    /* Read it all: writable again, unless a writer is queued first. */
    while (pipe_read(rf, out, VFS_IO_MAX) > 0)
        ;
    CU_ASSERT_EQUAL(pipe_poll(rf, 1), 0);
    CU_ASSERT_EQUAL(pipe_poll(wf, 1), VFS_POLLOUT);
    CU_ASSERT_EQUAL(pipe_wait(wf, true, 2, 501, big, 10, 0), 0);
    CU_ASSERT_EQUAL(pipe_poll(wf, 1), 0);
    pipe_run();                                             /* the queued write goes in */
    CU_ASSERT_EQUAL_FATAL(nanswers, 1);
    CU_ASSERT_EQUAL(pipe_poll(wf, 1), VFS_POLLOUT);
    CU_ASSERT_EQUAL(pipe_poll(rf, 1), VFS_POLLIN);
    while (pipe_read(rf, out, VFS_IO_MAX) > 0)
        ;
    /* Room kept for badge 1's part-write: badge 1 may go on, badge 2 waits. */
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, VFS_WRITE_PART_MAX, VFS_PIPE_BUF), VFS_WRITE_PART_MAX);
    CU_ASSERT_EQUAL(pipe_poll(wf, 1), VFS_POLLOUT);
    CU_ASSERT_EQUAL(pipe_poll(wf, 2), 0);
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, VFS_PIPE_BUF - VFS_WRITE_PART_MAX, 0), VFS_PIPE_BUF - VFS_WRITE_PART_MAX);
    CU_ASSERT_EQUAL(pipe_poll(wf, 2), VFS_POLLOUT);
    /* The write end goes: the reader sees its data and the hang-up, then the hang-up alone. */
    fdt_close(&fdt, a, (uint64_t)wfd);
    CU_ASSERT_EQUAL(pipe_poll(rf, 1), VFS_POLLIN | VFS_POLLHUP);
    while (pipe_read(rf, out, VFS_IO_MAX) > 0)
        ;
    CU_ASSERT_EQUAL(pipe_poll(rf, 1), VFS_POLLHUP);
    fdt_close(&fdt, a, (uint64_t)rfd);
    /* The read end goes: the writer gets ERR (and OUT: a write would not wait, it fails). */
    make_pipe(a, &rfd, &wfd);
    wf = fdt_get(a, (uint64_t)wfd);
    fdt_close(&fdt, a, (uint64_t)rfd);
    CU_ASSERT_EQUAL(pipe_poll(wf, 1), VFS_POLLOUT | VFS_POLLERR);
    CU_ASSERT_EQUAL(pipe_write(wf, 1, big, 1, 0), -E_PIPE);
    fdt_client_drop(&fdt, a);
    done();
}

int test_pipe_register(void)
{
    CU_pSuite s = CU_add_suite("vfs pipes", suite_init, suite_clean);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "ring", test_ring) || !CU_add_test(s, "EPIPE, sharing", test_epipe_and_sharing) ||
        !CU_add_test(s, "waiters", test_waiters) || !CU_add_test(s, "waiters at end of file", test_waiters_eof) ||
        !CU_add_test(s, "part-writes", test_part_write) || !CU_add_test(s, "waiter table", test_waiter_table) ||
        !CU_add_test(s, "poll readiness", test_poll))
        return CU_get_error();
    return CUE_SUCCESS;
}
