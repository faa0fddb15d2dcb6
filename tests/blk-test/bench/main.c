/* blk-bench: sequential read and write (with its FLUSH) throughput of the raw block device, 64 KiB requests, 8 in flight (make bench). */
#include <agora/errors.h>
#include <agora/proto/blk.h>
#include <agora/proto/init.h>
#include <libagora/blkdev.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/sys.h>

#include "../io.h"
#include "../pattern.h"
#include "../setup.h"

#define BENCH_BYTES   (8ull << 20)
#define REQUEST_SECTORS 128          /* 64 KiB */
#define NREQUESTS     (BENCH_BYTES / (REQUEST_SECTORS * DISK_SECTOR))
#define BUFFER_PAGES  BLK_BUFFER_MAX_PAGES
#define SLOTS         (BUFFER_PAGES * 4096 / (REQUEST_SECTORS * DISK_SECTOR))
#define NWORKERS      8

static struct blk_job jobs[NREQUESTS];

/* One pass over BENCH_BYTES from sector first; microseconds, or a negated error. */
static long pass(uint32_t label, uint64_t first)
{
    long t0, t1;

    for (unsigned j = 0; j < NREQUESTS; j++)
        jobs[j] = (struct blk_job){ label, first + (uint64_t)j * REQUEST_SECTORS, REQUEST_SECTORS,
                                    (j % SLOTS) * REQUEST_SECTORS * DISK_SECTOR, 1 };
    t0 = sys_clock();
    io_run(jobs, NREQUESTS);
    t1 = sys_clock();
    for (unsigned j = 0; j < NREQUESTS; j++)
        if (jobs[j].result != 0)
            return jobs[j].result;
    return t1 - t0;
}

/* "bench: NAME MB/s" with one decimal: bytes per microsecond is MB/s. */
static void report(const char *name, long us)
{
    uint64_t tenths = BENCH_BYTES * 10 / (uint64_t)(us > 0 ? us : 1);

    agora_printf("bench: %s %lu.%lu MB/s\n", name, (unsigned long)(tenths / 10), (unsigned long)(tenths % 10));
}

int main(uint64_t arg)
{
    struct blkdev dev;
    uint64_t ep;
    long r, read_us, write_us;

    (void)arg;
    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    /* Waits for the driver to register; then the client library's connection (libagora/blkdev.h). */
    if ((r = setup_lookup(&ep)) < 0 || (r = blkdev_open(&dev, BLK_SERVICE, BUFFER_PAGES, BUFFER_VADDR)) < 0 ||
        (r = io_start(dev.ep, NWORKERS)) < 0)
        goto out_fail;
    if (dev.info.sectors < 2 * BENCH_BYTES / DISK_SECTOR) {
        r = -E_RANGE;
        goto out_fail;
    }
    if ((read_us = pass(BLK_READ, 0)) < 0) {
        r = read_us;
        goto out_fail;
    }
    /* Writes count until FLUSH says they are on stable storage (the host's fsync). */
    long t0 = sys_clock();
    if ((write_us = pass(BLK_WRITE, BENCH_BYTES / DISK_SECTOR)) < 0) {
        r = write_us;
        goto out_fail;
    }
    if ((r = blkdev_flush(&dev)) < 0)
        goto out_fail;
    write_us = sys_clock() - t0;
    report("blk_seq_read_wall", read_us);
    report("blk_seq_write_wall", write_us);
    agora_printf("blk-bench: done\n");
    agora_flush();
    sys_machine_halt(CAP_CHILD_MACHINE, 0);
    return 0;

out_fail:
    agora_printf("blk-bench: FAIL: %s\n", agora_error_name(r));
    agora_flush();
    sys_machine_halt(CAP_CHILD_MACHINE, 1);
    return 1;
}
