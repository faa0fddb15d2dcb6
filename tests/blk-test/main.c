/* blk-test: the virtio-blk driver from a client's side: INFO, pattern reads, concurrent writes, bad requests (tests/system/cases/virtio-blk.test). */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/blk.h>
#include <agora/proto/init.h>
#include <libagora/blkdev.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "io.h"
#include "pattern.h"
#include "setup.h"

#define BUFFER_PAGES  64             /* 256 KiB */
#define WRITE_FIRST   1000           /* the sectors written: the case checks them on the host */
#define WRITE_COUNT   512
#define NWORKERS      8
#define TESTS         7
#define LIB_SECTOR    2000           /* written through libagora/blkdev.h; checked on the host too */
#define LIB_VADDR     0x0000000070000000ull

static uint64_t ep;
static struct blk_info_rep info;
static uint8_t *const buffer = (uint8_t *)BUFFER_VADDR;
static bool check_ok;
static unsigned passed, failed;

static void check_eq(const char *a, const char *b, long va, long vb, int line)
{
    if (va == vb)
        return;
    agora_printf("    check failed: %s == %s (line %d): got %ld (%s), want %ld (%s)\n", a, b, line, va,
                 va < 0 ? agora_error_name(va) : "", vb, vb < 0 ? agora_error_name(vb) : "");
    check_ok = false;
}
#define CHECK_EQ(a, b) check_eq(#a, #b, (long)(a), (long)(b), __LINE__)
#define CHECK(c) CHECK_EQ(!!(c), 1)

static void run(const char *name, bool (*fn)(void))
{
    check_ok = true;
    bool ok = fn() && check_ok;

    agora_printf("blk-test %s: %s\n", name, ok ? "ok" : "FAIL");
    if (ok)
        passed++;
    else
        failed++;
}

static long io(uint32_t label, uint64_t sector, uint64_t count, uint64_t offset)
{
    struct blk_job job = { label, sector, count, offset, 0 };

    io_run(&job, 1);
    return job.result;
}

/* Whether memory at base holds sectors [first, first + count) of seed. */
static bool holds_at(const uint8_t *base, uint64_t first, uint64_t count, unsigned seed)
{
    for (uint64_t s = 0; s < count; s++)
        for (unsigned i = 0; i < DISK_SECTOR; i++)
            if (base[s * DISK_SECTOR + i] != disk_pattern(first + s, i, seed)) {
                agora_printf("    sector %lu byte %u: 0x%02x, want 0x%02x\n", (unsigned long)(first + s), i,
                             base[s * DISK_SECTOR + i], disk_pattern(first + s, i, seed));
                return false;
            }
    return true;
}

/* Whether the test's buffer at offset holds sectors [first, first + count) of seed. */
static bool holds(uint64_t offset, uint64_t first, uint64_t count, unsigned seed)
{
    return holds_at(buffer + offset, first, count, seed);
}

static bool test_info(void)
{
    CHECK_EQ(setup_info(ep, &info), 0);
    CHECK_EQ(info.sector_size, DISK_SECTOR);
    CHECK(info.sectors > WRITE_FIRST + WRITE_COUNT);
    CHECK_EQ(info.flags, 0);
    CHECK(info.max_sectors >= 64);
    CHECK(info.max_requests >= 2);
    agora_printf("blk-test: %lu sectors of %lu bytes, %lu per request, %lu in flight\n",
                 (unsigned long)info.sectors, (unsigned long)info.sector_size, (unsigned long)info.max_sectors,
                 (unsigned long)info.max_requests);
    return check_ok;
}

/* Before ATTACH, and ATTACH with the wrong capabilities. */
static bool test_attach_errors(void)
{
    struct blk_attach_req rq;
    struct blk_attach_rep rp;
    struct proto_caps caps = { .nsend = 2, .send = { 0, CAP_SELF_TASK }, .send_rights = { RIGHTS_ALL, RIGHT_COPY } };
    uint64_t big = (uint64_t)agora_slot_alloc(), ro = (uint64_t)agora_slot_alloc();

    CHECK_EQ(io(BLK_READ, 0, 1, 0), -E_STATE);
    CHECK_EQ(io(BLK_WRITE, 0, 1, 0), -E_STATE);
    CHECK_EQ(blk_detach_call(ep, 0, 0, 0), -E_STATE);
    CHECK_EQ(sys_memory_create(CAP_CHILD_POOL, BLK_BUFFER_MAX_PAGES + 1, big), 0);
    CHECK_EQ(sys_memory_create(CAP_CHILD_POOL, 1, ro), 0);
    caps.send[0] = big;
    CHECK_EQ(blk_attach_call(ep, &rq, &rp, &caps), -E_RANGE);          /* too many pages */
    caps.send[0] = ro;
    caps.send_rights[0] = RIGHT_READ;
    CHECK_EQ(blk_attach_call(ep, &rq, &rp, &caps), -E_PERM);           /* read-only */
    caps.send[0] = CAP_SELF_TASK;
    caps.send_rights[0] = RIGHT_COPY;
    CHECK_EQ(blk_attach_call(ep, &rq, &rp, &caps), -E_TYPE);           /* not memory */
    caps.nsend = 1;
    caps.send[0] = ro;
    caps.send_rights[0] = RIGHTS_ALL;
    CHECK_EQ(blk_attach_call(ep, &rq, &rp, &caps), -E_RANGE);          /* one capability */
    CHECK_EQ(blk_attach_call(ep, &rq, &rp, 0), -E_RANGE);              /* none */
    sys_cap_delete(big);
    sys_cap_delete(ro);
    return check_ok;
}

static bool test_read_pattern(void)
{
    uint64_t mem;
    struct blk_job jobs[] = {
        { BLK_READ, 0, 1, 0, 1 },
        { BLK_READ, 1, 7, 512, 1 },                   /* into the first page and across into the second */
        { BLK_READ, 8, 128, 8 * 512, 1 },             /* a whole request: 64 KiB */
        { BLK_READ, 136, 120, 136 * 512, 1 },
        { BLK_READ, 256, 3, 33 * 4096 + 512 * 5, 1 }, /* never page aligned, after the others */
    };

    CHECK_EQ(setup_attach(ep, BUFFER_PAGES, &mem), 0);
    memset(buffer, 0xEE, BUFFER_PAGES * 4096);
    for (unsigned j = 0; j < sizeof(jobs) / sizeof(jobs[0]); j++) {
        jobs[j].result = io(jobs[j].label, jobs[j].sector, jobs[j].count, jobs[j].offset);
        CHECK_EQ(jobs[j].result, 0);
    }
    CHECK(holds(0, 0, 256, SEED_HOST));
    CHECK(holds(33 * 4096 + 512 * 5, 256, 3, SEED_HOST));
    /* The last sector is there; the one after it is not. */
    CHECK_EQ(io(BLK_READ, info.sectors - 1, 1, 0), 0);
    CHECK(holds(0, info.sectors - 1, 1, SEED_HOST));
    return check_ok;
}

/* WRITE_COUNT sectors in requests of 16, NWORKERS in flight, then read back by another 32 requests. */
static bool test_concurrent_write(void)
{
    struct blk_job jobs[WRITE_COUNT / 16];
    const unsigned n = WRITE_COUNT / 16;

    for (unsigned s = 0; s < WRITE_COUNT; s++)
        for (unsigned i = 0; i < DISK_SECTOR; i++)
            buffer[s * DISK_SECTOR + i] = disk_pattern(WRITE_FIRST + s, i, SEED_TEST);
    for (unsigned j = 0; j < n; j++)
        jobs[j] = (struct blk_job){ BLK_WRITE, WRITE_FIRST + 16 * j, 16, 16 * j * DISK_SECTOR, 1 };
    io_run(jobs, n);
    for (unsigned j = 0; j < n; j++)
        CHECK_EQ(jobs[j].result, 0);
    CHECK_EQ(blk_flush_call(ep, 0, 0, 0), 0);
    memset(buffer, 0, WRITE_COUNT * DISK_SECTOR);
    for (unsigned j = 0; j < n; j++)
        jobs[j] = (struct blk_job){ BLK_READ, WRITE_FIRST + 16 * j, 16, 16 * j * DISK_SECTOR, 1 };
    io_run(jobs, n);
    for (unsigned j = 0; j < n; j++)
        CHECK_EQ(jobs[j].result, 0);
    CHECK(holds(0, WRITE_FIRST, WRITE_COUNT, SEED_TEST));
    /* The sectors around it are untouched. */
    CHECK_EQ(io(BLK_READ, WRITE_FIRST - 1, 1, 0), 0);
    CHECK(holds(0, WRITE_FIRST - 1, 1, SEED_HOST));
    CHECK_EQ(io(BLK_READ, WRITE_FIRST + WRITE_COUNT, 1, 0), 0);
    CHECK(holds(0, WRITE_FIRST + WRITE_COUNT, 1, SEED_HOST));
    return check_ok;
}

static bool test_bad_requests(void)
{
    const uint64_t end = BUFFER_PAGES * 4096;
    struct agora_msg m = { .info = IPC_INFO(BLK_READ, 2, 0, 0), .mr = { 0, 1 } };

    CHECK_EQ(io(BLK_READ, 0, 0, 0), -E_INVAL);
    CHECK_EQ(io(BLK_READ, 0, info.max_sectors + 1, 0), -E_RANGE);
    CHECK_EQ(io(BLK_READ, info.sectors, 1, 0), -E_RANGE);
    CHECK_EQ(io(BLK_READ, info.sectors - 1, 2, 0), -E_RANGE);
    CHECK_EQ(io(BLK_WRITE, ~0ull, 2, 0), -E_RANGE);
    CHECK_EQ(io(BLK_READ, 0, 1, 100), -E_ALIGN);
    CHECK_EQ(io(BLK_READ, 0, 1, end), -E_RANGE);
    CHECK_EQ(io(BLK_READ, 0, 2, end - 512), -E_RANGE);
    CHECK_EQ(io(BLK_WRITE, 0, 1, ~0ull - 511), -E_RANGE);
    CHECK_EQ(io(BLK_READ, 0, 1, end - 512), 0);
    CHECK_EQ(sys_call(ep, &m), 0);                            /* two words: the wrong size */
    CHECK_EQ(PROTO_LABEL_STATUS(IPC_LABEL(m.info)), -E_RANGE);
    m = (struct agora_msg){ .info = IPC_INFO(PROTO_LABEL(PROTO_ID_BLK, 99), 0, 0, 0) };
    CHECK_EQ(sys_call(ep, &m), 0);
    CHECK_EQ(PROTO_LABEL_STATUS(IPC_LABEL(m.info)), -E_NOSYS);
    return check_ok;
}

/* Attach again (replaces), detach, and requests fail until the next attach. */
static bool test_detach(void)
{
    uint64_t mem;

    CHECK_EQ(blk_detach_call(ep, 0, 0, 0), 0);
    CHECK_EQ(io(BLK_READ, 0, 1, 0), -E_STATE);
    CHECK_EQ(sys_unmap(CAP_SELF_TASK, BUFFER_VADDR, BUFFER_PAGES), BUFFER_PAGES);
    CHECK_EQ(setup_attach(ep, 1, &mem), 0);
    CHECK_EQ(io(BLK_READ, 5, 8, 0), 0);
    CHECK(holds(0, 5, 8, SEED_HOST));
    CHECK_EQ(io(BLK_READ, 5, 9, 0), -E_RANGE);                /* 4 KiB of buffer now */
    return check_ok;
}

/* The client library (libagora/blkdev.h): open (replacing our buffer), read, write, flush, reconnect. */
static bool test_client_library(void)
{
    struct blkdev d;

    CHECK_EQ(blkdev_open(&d, BLK_SERVICE, 4, LIB_VADDR), 0);
    CHECK_EQ(d.info.sectors, info.sectors);
    CHECK_EQ(blkdev_read(&d, 0, 32, 0), 0);
    CHECK((uint8_t *)LIB_VADDR == d.data);
    CHECK(holds_at(d.data, 0, 32, SEED_HOST));
    for (unsigned i = 0; i < DISK_SECTOR; i++)
        d.data[i] = disk_pattern(LIB_SECTOR, i, SEED_TEST);
    CHECK_EQ(blkdev_write(&d, LIB_SECTOR, 1, 0), 0);
    CHECK_EQ(blkdev_flush(&d), 0);
    CHECK_EQ(blkdev_reconnect(&d), 0);       /* the driver lives: the same buffer, attached again */
    memset(d.data, 0, 4096);
    CHECK_EQ(blkdev_read(&d, LIB_SECTOR, 1, 0), 0);
    CHECK(holds_at(d.data, LIB_SECTOR, 1, SEED_TEST));
    CHECK_EQ(blkdev_read(&d, 0, 33, 0), -E_RANGE);  /* a 4-page buffer holds 32 sectors */
    return check_ok;
}

int main(uint64_t arg)
{
    long r;

    (void)arg;
    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    if ((r = setup_lookup(&ep)) < 0 || (r = io_start(ep, NWORKERS)) < 0) {
        agora_printf("blk-test: no driver or no workers: %s\n", agora_error_name(r));
        sys_machine_halt(CAP_CHILD_MACHINE, 1);
        return 1;
    }
    agora_printf("blk-test: ready\n");
    run("info", test_info);
    run("attach_errors", test_attach_errors);
    run("read_pattern", test_read_pattern);
    run("concurrent_write", test_concurrent_write);
    run("bad_requests", test_bad_requests);
    run("detach", test_detach);
    run("client_library", test_client_library);
    agora_printf("blk-test: %u passed, %u failed\n", passed, failed);
    sys_machine_halt(CAP_CHILD_MACHINE, failed == 0 && passed == TESTS ? 0 : 1);
    return 1;
}
