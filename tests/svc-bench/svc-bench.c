/*
 * svc-bench: make bench's figures for the driver supervisor (tools/bench-svc.sh), run as pid 1
 * with ext2 at /mnt and the supervisor running virtio-blk.
 *
 * - svc_restart_to_served: from `svc kill virtio-blk` to the end of a 64 KiB read of a part
 *   of a file ext2 does not hold in its cache (1 MiB; the file is LAT_MIB), so through the
 *   restarted driver: ext2's request fails with -E_DEAD, it waits for the new driver's name,
 *   attaches, repeats the request. The median of RESTARTS runs, in TSC ticks (under icount
 *   the TSC counts virtual time, with the idle waits skipped: not instructions, so
 *   bench-svc.sh gives only its wall figure; the supervisor's death-to-READY is the
 *   instruction count).
 * - svc_workload_base, svc_workload_faulted: a round of writing a WORK_MIB MiB file, sync(),
 *   reading it back and checking it, without faults and then while a child arms one crash
 *   fault in the driver every FAULT_GAP_MS (the driver fires it at one of its next
 *   requests, one in 8 at random); the faulted round is repeated until it saw faults, and
 *   its fault count is printed (svc_workload_faults). TSC ticks.
 * Prints "svc-bench: done" at the end; any failure prints "svc-bench: FAIL ..." and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/agora.h>
#include <sys/wait.h>
#include <unistd.h>

#define DRIVER       "virtio-blk"
#define RESTARTS     9
#define WORK_MIB     4
#define CHUNK        (64 * 1024)
#define FAULT_GAP_MS 250
#define LAT_MIB      8
#define LAT_STRIDE   (512 * 1024)     /* RESTARTS reads within the first 4.5 MiB: the cache keeps the last written */

static uint8_t buf[CHUNK];

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static int fail(const char *what)
{
    printf("svc-bench: FAIL %s: %s\n", what, strerror(errno));
    exit(1);
}

static void fill(uint64_t k)
{
    for (size_t i = 0; i < CHUNK; i += 8) {
        uint64_t v = (k * CHUNK + i) * 0x9E3779B97F4A7C15ull;

        memcpy(buf + i, &v, 8);
    }
}

static int driver(struct agora_svc *s)
{
    for (int i = 0; agora_svc_info(i, s) == 0; i++)
        if (strcmp(s->name, DRIVER) == 0)
            return 0;
    return -1;
}

/* Waits (up to 10 s) until the driver runs: a restart in progress ends first. */
static void wait_running(void)
{
    struct agora_svc s;

    for (int i = 0; i < 1000; i++) {
        if (driver(&s) == 0 && s.state == AGORA_SVC_RUNNING)
            return;
        usleep(10000);
    }
    errno = ETIMEDOUT;
    fail("virtio-blk never ran again");
}

/* Run i reads the file's chunk i * LAT_STRIDE: never read before, so never in ext2's cache. */
static uint64_t restart_once(int fd, int i)
{
    uint64_t t0;

    wait_running();
    t0 = rdtsc();
    if (agora_svc_control(DRIVER, AGORA_SVC_KILL, 0, 0) < 0)
        fail("svc kill");
    if (lseek(fd, (off_t)i * LAT_STRIDE, SEEK_SET) < 0 || read(fd, buf, CHUNK) != CHUNK)
        fail("read after the kill");
    return rdtsc() - t0;
}

/* The file the restart runs read: LAT_MIB MiB, written and synced (then evicted by the rest). */
static int lat_file(void)
{
    int fd = open("/mnt/svc-bench.lat", O_RDWR | O_CREAT | O_TRUNC, 0644);

    if (fd < 0)
        fail("open /mnt/svc-bench.lat");
    for (uint64_t k = 0; k < LAT_MIB * 1024 * 1024 / CHUNK; k++) {
        fill(k);
        if (write(fd, buf, CHUNK) != CHUNK)
            fail("write /mnt/svc-bench.lat");
    }
    sync();
    return fd;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* One round of the workload: write, sync, read back and check; its TSC ticks. */
static uint64_t workload(void)
{
    uint64_t t0 = rdtsc();
    int fd = open("/mnt/svc-bench.work", O_RDWR | O_CREAT | O_TRUNC, 0644);

    if (fd < 0)
        fail("open the workload's file");
    for (uint64_t k = 0; k < WORK_MIB * 1024 * 1024 / CHUNK; k++) {
        fill(k);
        if (write(fd, buf, CHUNK) != CHUNK)
            fail("workload write");
    }
    sync();
    if (lseek(fd, 0, SEEK_SET) != 0)
        fail("lseek");
    for (uint64_t k = 0; k < WORK_MIB * 1024 * 1024 / CHUNK; k++) {
        static uint8_t got[CHUNK];

        fill(k);
        if (read(fd, got, CHUNK) != CHUNK)
            fail("workload read");
        if (memcmp(got, buf, CHUNK) != 0) {
            errno = EIO;
            fail("workload data differs");
        }
    }
    close(fd);
    return rdtsc() - t0;
}

static _Noreturn void injector(void)
{
    for (;;) {
        usleep(FAULT_GAP_MS * 1000);
        agora_svc_control(DRIVER, AGORA_SVC_FAULT, AGORA_SVC_FAULT_CRASH, 1);
    }
}

int main(void)
{
    uint64_t lat[RESTARTS], base, faulted = 0;
    struct agora_svc before, after;
    unsigned long faults = 0;
    int fd, status;

    setvbuf(stdout, 0, _IOLBF, 0);
    fd = lat_file();
    for (int i = 0; i < RESTARTS; i++) {
        lat[i] = restart_once(fd, i);
        printf("svc-bench: restart %d served after %llu tsc\n", i, (unsigned long long)lat[i]);
    }
    close(fd);
    qsort(lat, RESTARTS, sizeof(lat[0]), cmp_u64);
    printf("bench: svc_restart_to_served %llu tsc\n", (unsigned long long)lat[RESTARTS / 2]);
    wait_running();
    workload();                          /* the file's blocks allocated once, for both rounds alike */
    base = workload();
    for (int round = 0; round < 5 && faults == 0; round++) {
        pid_t child;

        wait_running();
        driver(&before);
        if ((child = fork()) == 0)
            injector();
        faulted = workload();
        kill(child, SIGKILL);
        waitpid(child, &status, 0);
        agora_svc_control(DRIVER, AGORA_SVC_FAULT, 0, 0);
        driver(&after);
        faults = after.restarts - before.restarts;
    }
    printf("bench: svc_workload_base %llu tsc\n", (unsigned long long)base);
    printf("bench: svc_workload_faulted %llu tsc\n", (unsigned long long)faulted);
    printf("bench: svc_workload_faults %lu restarts\n", faults);
    printf("svc-bench: done\n");
    return 0;
}
