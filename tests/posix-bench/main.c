/*
 * posix-bench: micro-benchmarks of the POSIX layer, run as pid 1 under pm
 * (tools/bench.sh, `make bench`; booted like tests/posix-proc with
 * posix_init=/bin/posix-bench). Each figure is the median over batches of operations,
 * timed with rdtsc, divided by the batch's size, printed as raw TSC ticks:
 *   bench: NAME TICKS tsc
 * bench.sh turns them into instructions (under QEMU -icount shift=0 one tick is one guest
 * instruction) or ns (without icount, through the TSC rate in the kernel's log). The last
 * line is "posix-bench: done" or "posix-bench: FAIL ..."; then pid 1 exits and pm powers
 * the machine off.
 *   posix_getpid            the PM_GETPID call to pm and its reply, through getppid(): the
 *                           runtime's getpid() asks pm once and then answers from memory
 *   posix_pipe_round_trip   one byte to a child through a pipe and one byte back
 *   posix_fork_exit_wait    fork, the child _exit(0)s, waitpid
 *   posix_fork_exec_wait    fork, the child execs /bin/posix-bench-true, waitpid
 *   posix_signal_handler    kill(0, SIGUSR2) through pm to its own group: pm answers, stops
 *                           the thread, writes the frame, runs the handler, SIGRETURN
 *   posix_signal_ping_pong  SIGUSR1 to a child waiting in sigsuspend, whose handler sends
 *                           SIGUSR1 back to the parent waiting in sigsuspend
 *   posix_read_4k_{root,tmp}   lseek to 0 and read 4 KiB of a 4 KiB file: in vfs's own tree
 *                           (/home/user) and on /tmp, tmpfs, a file-system server behind vfs
 *   posix_write_4k_{root,tmp}  lseek to 0 and write 4 KiB over it
 *   posix_stat_{root,tmp}      stat of that file (tmp: LOOKUP, GETATTR and CLOSE to tmpfs)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_BATCHES 64

static uint64_t samples[MAX_BATCHES];
static int failed;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static void fail(const char *what)
{
    printf("posix-bench: FAIL %s (errno %d)\n", what, errno);
    fflush(stdout);
    exit(1);
}

/* Runs op() `warmup` times untimed, then `batches` batches of `batch`; prints the median. */
static void bench(const char *name, void (*op)(void), int warmup, int batches, int batch)
{
    for (int i = 0; i < warmup; i++)
        op();
    for (int b = 0; b < batches; b++) {
        uint64_t t0 = rdtsc();
        for (int i = 0; i < batch; i++)
            op();
        samples[b] = (rdtsc() - t0) / (uint64_t)batch;
    }
    qsort(samples, (size_t)batches, sizeof samples[0], cmp_u64);
    printf("bench: %s %llu tsc\n", name, (unsigned long long)samples[(batches - 1) / 2]);
    fflush(stdout);
}

static void op_getpid(void)
{
    if (getppid() != 0)
        fail("getppid");
}

/* The pipe round trip: parent -> to_child -> child (echo) -> to_parent -> parent. */
static int to_child[2], to_parent[2];

static void op_pipe(void)
{
    char c = 'x';

    if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1 || c != 'x')
        fail("pipe round trip");
}

static void wait_ok(pid_t pid)
{
    int status;

    if (pid < 0)
        fail("fork");
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail("waitpid");
}

static void op_fork_exit(void)
{
    pid_t pid = fork();

    if (pid == 0)
        _exit(0);
    wait_ok(pid);
}

static void op_fork_exec(void)
{
    pid_t pid = fork();

    if (pid == 0) {
        char *argv[] = { "posix-bench-true", NULL };
        char *envp[] = { NULL };

        execve("/bin/posix-bench-true", argv, envp);
        _exit(127);
    }
    wait_ok(pid);
}

static volatile sig_atomic_t signals_seen;
static pid_t signal_peer;
static sigset_t waiting_mask;

static void on_signal(int sig)
{
    (void)sig;
    signals_seen++;
}

static void op_signal_self(void)
{
    int before = signals_seen;

    if (kill(0, SIGUSR2) != 0 || signals_seen != before + 1)
        fail("kill(0, SIGUSR2) ran no handler");
}

static void op_signal_ping_pong(void)
{
    int before = signals_seen;

    if (kill(signal_peer, SIGUSR1) != 0)
        fail("kill");
    while (signals_seen == before)
        sigsuspend(&waiting_mask);
}

static void bench_signals(void)
{
    struct sigaction sa;
    sigset_t block;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    bench("posix_signal_handler", op_signal_self, 20, 21, 20);

    /* SIGUSR1 is blocked outside sigsuspend on both sides: no signal is lost between. */
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &waiting_mask);
    signal_peer = fork();
    if (signal_peer == 0) {
        signal_peer = getppid();
        for (;;) {
            int before = signals_seen;

            while (signals_seen == before)
                sigsuspend(&waiting_mask);
            if (kill(signal_peer, SIGUSR1) != 0)
                _exit(1);
        }
    }
    if (signal_peer < 0)
        fail("fork");
    bench("posix_signal_ping_pong", op_signal_ping_pong, 20, 21, 20);
    kill(signal_peer, SIGKILL);
    waitpid(signal_peer, NULL, 0);
    sigprocmask(SIG_SETMASK, &waiting_mask, NULL);
}

/* ---- files: vfs's own tree against a mounted file-system server ---- */

static int bench_fd;
static const char *bench_path;
static char bench_buf[4096];

static void op_read_4k(void)
{
    if (lseek(bench_fd, 0, SEEK_SET) != 0 || read(bench_fd, bench_buf, sizeof(bench_buf)) != sizeof(bench_buf))
        fail("read 4 KiB");
}

static void op_write_4k(void)
{
    if (lseek(bench_fd, 0, SEEK_SET) != 0 || write(bench_fd, bench_buf, sizeof(bench_buf)) != sizeof(bench_buf))
        fail("write 4 KiB");
}

static void op_stat(void)
{
    struct stat st;

    if (stat(bench_path, &st) != 0 || st.st_size != sizeof(bench_buf))
        fail("stat");
}

static void bench_files(const char *where, const char *path)
{
    char name[64];

    bench_path = path;
    if ((bench_fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644)) < 0)
        fail("open a file to time");
    memset(bench_buf, 'b', sizeof(bench_buf));
    op_write_4k();
    snprintf(name, sizeof(name), "posix_read_4k_%s", where);
    bench(name, op_read_4k, 10, 21, 10);
    snprintf(name, sizeof(name), "posix_write_4k_%s", where);
    bench(name, op_write_4k, 10, 21, 10);
    snprintf(name, sizeof(name), "posix_stat_%s", where);
    bench(name, op_stat, 10, 21, 20);
    close(bench_fd);
    unlink(path);
}

int main(void)
{
    struct stat st;

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("posix-bench: pid %d\n", (int)getpid());

    bench("posix_getpid", op_getpid, 200, 21, 100);

    if (pipe(to_child) || pipe(to_parent))
        fail("pipe");
    pid_t echo = fork();
    if (echo == 0) {
        char c;

        close(to_child[1]);
        close(to_parent[0]);
        while (read(to_child[0], &c, 1) == 1)
            if (write(to_parent[1], &c, 1) != 1)
                _exit(1);
        _exit(0);
    }
    if (echo < 0)
        fail("fork");
    close(to_child[0]);
    close(to_parent[1]);
    bench("posix_pipe_round_trip", op_pipe, 50, 21, 20);
    close(to_child[1]);
    wait_ok(echo);
    close(to_parent[0]);

    bench("posix_fork_exit_wait", op_fork_exit, 2, 11, 1);
    bench("posix_fork_exec_wait", op_fork_exec, 2, 11, 1);
    bench_signals();

    /* tmpfs mounts itself at /tmp as we start: wait for its root (01777). */
    for (int i = 0; i < 500 && (stat("/tmp", &st) != 0 || (st.st_mode & 07777) != 01777); i++)
        usleep(10000);
    if ((st.st_mode & 07777) != 01777)
        fail("no tmpfs at /tmp");
    bench_files("root", "/home/user/bench");
    bench_files("tmp", "/tmp/bench");

    printf("posix-bench: done\n");
    return failed;
}
