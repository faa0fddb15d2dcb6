/*
 * svc-stress: a file workload for the driver supervisor's tests and demo (issue 7).
 *
 *   svc-stress write FILE MIB          writes MIB MiB of a fixed pseudo-random pattern
 *   svc-stress sum FILE                prints the file's size and FNV-1a checksum
 *   svc-stress run FILE MIB [kill N | fault KIND N | none]
 *       writes FILE (MIB MiB of the pattern), reads it back and checks its checksum against
 *       the pattern's. Meanwhile, with kill, a child kills the disk driver (svc kill
 *       virtio-blk) N times, every KILL_GAP_MS; with fault, N faults of KIND (crash, wild,
 *       hang, garbage, or mix: crash, garbage and wild in turn) are armed in the driver,
 *       FAULT_BATCH at a time, topped up as they are used, until all N were used or the
 *       workload ended. Rounds of writing and reading back go on while the killer or
 *       injector is at work (MAX_ROUNDS at most). Prints the time taken, the driver's
 *       restarts and the faults used.
 * Exit status 0 only if every write and read succeeded and the checksums match.
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
#include <time.h>
#include <unistd.h>

#define DRIVER      "virtio-blk"
#define CHUNK       (64 * 1024)
#define KILL_GAP_MS 400
#define FAULT_BATCH 25
#define SEED        0x5356435354524553ull

static uint8_t buf[CHUNK];

struct sum {
    uint64_t fnv, bytes;
};

static void sum_add(struct sum *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s->fnv = (s->fnv ^ p[i]) * 0x100000001B3ull;
    s->bytes += n;
}

static void sum_init(struct sum *s)
{
    s->fnv = 0xCBF29CE484222325ull;
    s->bytes = 0;
}

/* The pattern's chunk at chunk index k (each chunk's words from its own seed: any order works). */
static void pattern(uint64_t k, uint8_t *p)
{
    uint64_t x = SEED ^ (k * 0x9E3779B97F4A7C15ull) ^ 1;

    for (size_t i = 0; i < CHUNK; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
}

static long now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int write_file(const char *path, unsigned mib, struct sum *s)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd < 0) {
        printf("svc-stress: open %s: %s\n", path, strerror(errno));
        return -1;
    }
    sum_init(s);
    for (uint64_t k = 0; k < (uint64_t)mib * 1024 * 1024 / CHUNK; k++) {
        pattern(k, buf);
        sum_add(s, buf, CHUNK);
        if (write(fd, buf, CHUNK) != CHUNK) {
            printf("svc-stress: write %s at %llu: %s\n", path, (unsigned long long)k * CHUNK, strerror(errno));
            close(fd);
            return -1;
        }
    }
    if (close(fd) < 0)
        return -1;
    sync();                      /* everything to the disk, through the dying driver too */
    return 0;
}

static int sum_file(const char *path, struct sum *s)
{
    int fd = open(path, O_RDONLY);
    ssize_t n;

    if (fd < 0) {
        printf("svc-stress: open %s: %s\n", path, strerror(errno));
        return -1;
    }
    sum_init(s);
    while ((n = read(fd, buf, CHUNK)) > 0)
        sum_add(s, buf, (size_t)n);
    if (n < 0)
        printf("svc-stress: read %s at %llu: %s\n", path, (unsigned long long)s->bytes, strerror(errno));
    close(fd);
    return n < 0 ? -1 : 0;
}

static int driver_info(struct agora_svc *out)
{
    for (int i = 0; agora_svc_info(i, out) == 0; i++)
        if (strcmp(out->name, DRIVER) == 0)
            return 0;
    return -1;
}

/* The child of `run ... kill N`: kills the driver N times, KILL_GAP_MS apart. */
static void killer(unsigned n)
{
    for (unsigned i = 0; i < n;) {
        usleep(KILL_GAP_MS * 1000);
        if (agora_svc_control(DRIVER, AGORA_SVC_KILL, 0, 0) == 0)
            i++;                 /* else it is between incarnations: try again */
    }
    _exit(0);
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

/*
 * The child of `run ... fault KIND N`: arms FAULT_BATCH faults whenever none is left, until
 * N were armed and used (or SIGTERM: the workload gave up waiting); then reports how many
 * were used and cancels the rest.
 */
static void injector(int kind, unsigned n)
{
    static const int mix[] = { AGORA_SVC_FAULT_CRASH, AGORA_SVC_FAULT_GARBAGE, AGORA_SVC_FAULT_WILD };
    unsigned long armed = 0, left = 0;
    unsigned turn = 0;
    struct agora_svc s;

    signal(SIGTERM, on_term);
    while (!stop) {
        if (driver_info(&s) == 0 && s.state == AGORA_SVC_RUNNING && s.faults == 0) {
            unsigned k = n - armed < FAULT_BATCH ? n - armed : FAULT_BATCH;
            int which = kind ? kind : mix[turn++ % 3];

            if (k == 0)
                break;           /* all armed, all used */
            if (agora_svc_control(DRIVER, AGORA_SVC_FAULT, which, k) == 0)
                armed += k;
        }
        usleep(20 * 1000);
    }
    if (driver_info(&s) == 0)
        left = s.faults;
    agora_svc_control(DRIVER, AGORA_SVC_FAULT, 0, 0);
    printf("svc-stress: %lu faults injected into %s (%lu armed, %lu unused)\n", armed - left, DRIVER, armed, left);
    _exit(0);
}

static int parse_kind(const char *s)
{
    static const char *const kinds[] = { "mix", "crash", "wild", "hang", "garbage" };

    for (int k = 0; k < 5; k++)
        if (strcmp(s, kinds[k]) == 0)
            return k;
    return -1;
}

/* One round: the file written and read back; 0 when the checksums match. */
static int round_trip(const char *path, unsigned mib, long *t_write, long *t_read)
{
    struct sum wrote, read_back;
    long start = now_ms();
    int match;

    if (write_file(path, mib, &wrote) < 0)
        return -1;
    *t_write += now_ms() - start;
    start = now_ms();
    if (sum_file(path, &read_back) < 0)
        return -1;
    *t_read += now_ms() - start;
    match = wrote.fnv == read_back.fnv && wrote.bytes == read_back.bytes;
    printf("svc-stress: checksum written %016llx, read %016llx (%llu bytes): %s\n",
           (unsigned long long)wrote.fnv, (unsigned long long)read_back.fnv,
           (unsigned long long)read_back.bytes, match ? "match" : "MISMATCH");
    return match ? 0 : -1;
}

/* Rounds go on while the killer or injector is still at work, up to MAX_ROUNDS. */
#define MAX_ROUNDS 40

static int run(const char *path, unsigned mib, int argc, char **argv)
{
    struct agora_svc before = { 0 }, after = { 0 };
    long t_write = 0, t_read = 0;
    pid_t child = 0;
    int status, kind = -1, rounds = 0, r;
    unsigned n = 0;

    if (argc >= 2 && strcmp(argv[0], "kill") == 0)
        n = (unsigned)strtoul(argv[1], 0, 10);
    else if (argc >= 3 && strcmp(argv[0], "fault") == 0 && (kind = parse_kind(argv[1])) >= 0)
        n = (unsigned)strtoul(argv[2], 0, 10);
    else if (argc != 0 && !(argc == 1 && strcmp(argv[0], "none") == 0))
        return 2;
    driver_info(&before);
    if (n && (child = fork()) == 0) {
        if (kind < 0)
            killer(n);
        injector(kind, n);
    }
    do {
        if ((r = round_trip(path, mib, &t_write, &t_read)) < 0)
            break;
        rounds++;
    } while (child > 0 && waitpid(child, &status, WNOHANG) == 0 && rounds < MAX_ROUNDS);
    if (child > 0) {
        kill(child, SIGTERM);
        waitpid(child, &status, 0);
    }
    driver_info(&after);
    printf("svc-stress: %d round(s) of %u MiB: written in %ld ms, read back in %ld ms\n", rounds, mib, t_write, t_read);
    printf("svc-stress: %s restarted %lu times during the run\n", DRIVER, after.restarts - before.restarts);
    return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct sum s;

    setvbuf(stdout, 0, _IOLBF, 0);
    if (argc >= 4 && strcmp(argv[1], "run") == 0) {
        int r = run(argv[2], (unsigned)strtoul(argv[3], 0, 10), argc - 4, argv + 4);

        if (r == 2)
            fprintf(stderr, "usage: svc-stress run FILE MIB [kill N | fault crash|wild|hang|garbage|mix N | none]\n");
        return r;
    }
    if (argc == 4 && strcmp(argv[1], "write") == 0) {
        if (write_file(argv[2], (unsigned)strtoul(argv[3], 0, 10), &s) < 0)
            return 1;
        printf("%016llx %llu %s\n", (unsigned long long)s.fnv, (unsigned long long)s.bytes, argv[2]);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "sum") == 0) {
        if (sum_file(argv[2], &s) < 0)
            return 1;
        printf("%016llx %llu %s\n", (unsigned long long)s.fnv, (unsigned long long)s.bytes, argv[2]);
        return 0;
    }
    fprintf(stderr, "usage: svc-stress write FILE MIB | sum FILE | run FILE MIB [kill N | fault KIND N | none]\n");
    return 2;
}
