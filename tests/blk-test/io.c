/* Worker threads: each waits for a batch, takes jobs by an atomic counter and makes register-only calls. */
#include "io.h"

#include <agora/ipc.h>
#include <agora/objects.h>
#include <agora/proto/blk.h>
#include <agora/proto/init.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/sys.h>

/* Each worker's IPC buffer (one page) and stack. */
#define IO_AREA      0x0000000050000000ull
#define IO_PAGES     3
#define PAGE_SIZE    4096

static struct {
    uint64_t ep;
    unsigned nworkers;
    uint64_t go[IO_MAX_WORKERS];     /* a worker waits here for a batch */
    uint64_t done;                   /* workers signal here when the batch ran dry */
    struct blk_job *jobs;
    unsigned njobs;
    unsigned next, finished;         /* atomic */
} pool;

static void run_job(struct blk_job *j)
{
    struct agora_msg m = { .info = IPC_INFO(j->label, 3, 0, 0), .mr = { j->sector, j->count, j->offset } };
    long r = sys_call(pool.ep, &m);

    j->result = r < 0 ? r : PROTO_LABEL_STATUS(IPC_LABEL(m.info));
}

static noreturn void worker(uint64_t arg)
{
    for (;;) {
        if (sys_wait(pool.go[arg]) < 0)
            break;
        for (;;) {
            unsigned i = __atomic_fetch_add(&pool.next, 1, __ATOMIC_SEQ_CST);

            if (i >= pool.njobs)
                break;
            run_job(&pool.jobs[i]);
        }
        __atomic_fetch_add(&pool.finished, 1, __ATOMIC_SEQ_CST);
        sys_signal(pool.done);
    }
    sys_thread_exit();
    for (;;)
        sys_yield();
}

static long new_object(long (*create)(uint64_t, uint64_t), uint64_t *slot)
{
    long s = agora_slot_alloc();

    if (s < 0)
        return s;
    *slot = (uint64_t)s;
    return create(CAP_CHILD_POOL, *slot);
}

static long notify_create(uint64_t pool_cap, uint64_t dst) { return sys_notify_create(pool_cap, dst); }

static long start_worker(unsigned i)
{
    uint64_t area = IO_AREA + i * IO_PAGES * PAGE_SIZE, mem, thread;
    long r, s;

    if ((r = new_object(notify_create, &pool.go[i])) < 0)
        return r;
    if ((s = agora_slot_alloc()) < 0)
        return s;
    mem = (uint64_t)s;
    if ((s = agora_slot_alloc()) < 0)
        return s;
    thread = (uint64_t)s;
    if ((r = sys_memory_create(CAP_CHILD_POOL, IO_PAGES, mem)) < 0 ||
        (r = sys_map(CAP_SELF_TASK, mem, 0, area, IO_PAGES, RIGHT_READ | RIGHT_WRITE)) < 0 ||
        (r = sys_thread_create(CAP_SELF_TASK, CAP_CHILD_POOL, thread)) < 0 ||
        (r = sys_thread_setup(thread, area, CAP_NULL, AGORA_SPAWN_DEFAULT_PRIORITY)) < 0)
        return r;
    return sys_thread_start(thread, (uint64_t)worker, area + IO_PAGES * PAGE_SIZE - 8, i);
}

long io_start(uint64_t ep, unsigned n)
{
    long r;

    pool.ep = ep;
    pool.nworkers = n < IO_MAX_WORKERS ? n : IO_MAX_WORKERS;
    if ((r = new_object(notify_create, &pool.done)) < 0)
        return r;
    for (unsigned i = 0; i < pool.nworkers; i++)
        if ((r = start_worker(i)) < 0)
            return r;
    return 0;
}

void io_run(struct blk_job *jobs, unsigned njobs)
{
    pool.jobs = jobs;
    pool.njobs = njobs;
    __atomic_store_n(&pool.next, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&pool.finished, 0, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < pool.nworkers; i++)
        sys_signal(pool.go[i]);
    while (__atomic_load_n(&pool.finished, __ATOMIC_SEQ_CST) < pool.nworkers)
        sys_wait(pool.done);
}
