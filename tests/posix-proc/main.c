/*
 * posix-proc: the process calls under pm (servers/pm), run as pid 1 (posix_init=/bin/posix-proc,
 * system test posix-proc.test): fork, exit statuses, wait and WNOHANG, ECHILD, kill, a
 * crashing child, execve with arguments and environment, descriptors shared across fork,
 * getppid, orphans, the process limit, and that a child's memory is its own. Each group
 * prints "posix-proc: ok GROUP"; the last line is "posix-proc: N passed, N failed".
 *
 * Copy-on-write fork (pm shares the pages and copies one when either side writes it):
 * parent and child write the same global, heap and stack variables while both live and
 * each sees its own; a 6 MiB process forks over and over (timed: "posix-proc: fork+exit+
 * wait of a 6 MiB process: N us"), with several children alive at once; and a child whose
 * copies do not fit its quota dies with SIGKILL while its parent goes on. That last one
 * runs in a fresh image ("posix-proc quota", started with execve), whose heap is only what
 * it allocates. Then a fork storm: processes forking as fast as they can for two seconds,
 * refused with EAGAIN at the limit and trying again, after which every slot is free again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK_NAME "posix-proc"
#include "../posix-check.h"

/* Children pid 1 can have at once: pm's limit (16) less itself. */
#define PM_LIMIT_PROBE 15

static void group(const char *name)
{
    check_group_end(name);
}

/* Forks a child that runs fn(arg) and exits with its result. */
static pid_t spawn(int (*fn)(int), int arg)
{
    pid_t pid = fork();

    if (pid == 0)
        _exit(fn(arg));
    return pid;
}

static int exit_with(int code) { return code; }

static int spin(int unused)
{
    for (volatile unsigned long i = 0;; i++)
        ;
    return unused;
}

static int nap(int ms)
{
    usleep((useconds_t)ms * 1000);
    return 7;
}

static int crash(int unused)
{
    *(volatile int *)(unsigned long)unused = 1;     /* page 0: never mapped */
    return 0;
}

static int divide(int zero)
{
    volatile int a = 1;

    return a / zero;
}

static void test_identity(void)
{
    CHECK(getpid() == 1);
    CHECK(getppid() == 0);
    group("getpid, getppid of pid 1");
}

static int report_ids(int parent)
{
    /* The low bits of the pid travel in the status; a wrong parent says 255. */
    return getppid() == parent ? getpid() & 0x7f : 255;
}

static void test_fork_exit(void)
{
    int st = -1;
    pid_t pid = spawn(exit_with, 42), pid2;

    CHECK(pid > 1);
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
    pid = spawn(report_ids, getpid());
    CHECK(wait(&st) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == (pid & 0x7f));
    /* exit() (not _exit) with a status above 255 keeps the low byte. */
    pid2 = fork();
    if (pid2 == 0)
        exit(0x1ff);
    CHECK(waitpid(pid2, &st, 0) == pid2 && WIFEXITED(st) && WEXITSTATUS(st) == 0xff);
    group("fork, _exit, waitpid, getppid in the child");
}

static void test_many(void)
{
    enum { N = 8 };
    pid_t pids[N];
    int seen[N] = { 0 }, st;

    for (int i = 0; i < N; i++)
        pids[i] = spawn(exit_with, 10 + i);
    for (int i = 0; i < N; i++) {
        pid_t pid = wait(&st);

        for (int j = 0; j < N; j++)
            if (pids[j] == pid && WIFEXITED(st) && WEXITSTATUS(st) == 10 + j)
                seen[j]++;
    }
    for (int i = 0; i < N; i++)
        CHECK(seen[i] == 1);
    errno = 0;
    CHECK(wait(&st) == -1 && errno == ECHILD);
    group("many children, each status once");
}

static void test_wnohang_echild(void)
{
    int st;
    pid_t pid = spawn(nap, 300);

    CHECK(waitpid(pid, &st, WNOHANG) == 0);
    CHECK(waitpid(-1, &st, WNOHANG) == 0);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7);
    errno = 0;
    CHECK(waitpid(-1, &st, 0) == -1 && errno == ECHILD);
    errno = 0;
    CHECK(waitpid(pid, &st, WNOHANG) == -1 && errno == ECHILD);
    errno = 0;
    CHECK(waitpid(4242, &st, 0) == -1 && errno == ECHILD);
    errno = 0;
    CHECK(waitpid(-1, &st, 0x4000) == -1 && errno == EINVAL);
    group("WNOHANG, ECHILD");
}

static void test_kill(void)
{
    int st;
    pid_t pid = spawn(nap, 60000);

    CHECK(kill(pid, 0) == 0);
    CHECK(kill(pid, SIGTERM) == 0);
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    errno = 0;
    CHECK(kill(pid, SIGTERM) == -1 && errno == ESRCH);
    pid = spawn(spin, 0);
    CHECK(kill(pid, SIGKILL) == 0);
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    errno = 0;
    CHECK(kill(4242, SIGKILL) == -1 && errno == ESRCH);
    errno = 0;
    CHECK(kill(2, 99) == -1 && errno == EINVAL);
    group("kill a sleeping and a running child");
}

static void test_crash(void)
{
    int st;
    pid_t pid = spawn(crash, 0);

    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    pid = spawn(divide, 0);
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGFPE);
    group("a crashing child: SIGSEGV, SIGFPE");
}

/* A child that forks a grandchild, records its pid in a file, and waits for it forever. */
static int parent_of_spinner(int unused)
{
    int st, fd;
    pid_t gc = spawn(nap, 60000);
    char buf[16];

    fd = open("/tmp/grandchild", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    snprintf(buf, sizeof(buf), "%d\n", (int)gc);
    write(fd, buf, strlen(buf));
    close(fd);
    waitpid(gc, &st, 0);
    return unused;
}

static void test_orphans(void)
{
    int st = 0, fd;
    char buf[16] = { 0 };
    pid_t pid = spawn(parent_of_spinner, 0), gc = 0;

    for (int i = 0; i < 200 && gc <= 0; i++) {
        usleep(10000);
        fd = open("/tmp/grandchild", O_RDONLY);
        if (fd >= 0) {
            if (read(fd, buf, sizeof(buf) - 1) > 0 && strchr(buf, '\n'))
                gc = atoi(buf);
            close(fd);
        }
    }
    CHECK(gc > 1);
    /* The child is blocked in waitpid: killing it drops its held reply. */
    CHECK(kill(pid, SIGINT) == 0);
    CHECK(waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
    /* Its child is ours now (we are pid 1). */
    CHECK(kill(gc, SIGKILL) == 0);
    CHECK(waitpid(gc, &st, 0) == gc && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    unlink("/tmp/grandchild");
    group("orphans go to pid 1; killing a waiting parent");
}

static void test_exec(void)
{
    char pidbuf[16], keptbuf[16], cloexecbuf[16];
    int st, kept, cloexec;
    pid_t pid;

    kept = open("/tmp/kept", O_RDWR | O_CREAT | O_TRUNC, 0644);
    cloexec = open("/tmp/kept", O_RDONLY | O_CLOEXEC);
    CHECK(kept >= 3 && cloexec > kept);
    CHECK(write(kept, "abc", 3) == 3);
    pid = fork();
    if (pid == 0) {
        char *argv[] = { "posix-proc-exec", "alpha", "beta gamma", pidbuf, keptbuf, cloexecbuf, NULL };
        char *envp[] = { "FOO=bar", "EMPTY=", NULL };

        snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
        snprintf(keptbuf, sizeof(keptbuf), "%d", kept);
        snprintf(cloexecbuf, sizeof(cloexecbuf), "%d", cloexec);
        execve("/bin/posix-proc-exec", argv, envp);
        _exit(100 + errno);
    }
    CHECK(waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("posix-proc: exec child status 0x%x\n", st);
    close(kept);
    close(cloexec);
    unlink("/tmp/kept");

    /* Failures come back, and the caller goes on. */
    char *none[] = { "x", NULL };
    errno = 0;
    CHECK(execve("/bin/no-such-program", none, none) == -1 && errno == ENOENT);
    errno = 0;
    CHECK(execve("/etc", none, none) == -1 && errno == ENOEXEC);
    errno = 0;
    volatile unsigned long bad = 8;
    CHECK(execve("/bin/posix-proc-exec", (char **)bad, none) == -1 && errno == EFAULT);
    errno = 0;
    CHECK(execvp("no-such-program", none) == -1 && errno == ENOENT);
    group("execve: argv, envp, pid, descriptors, close-on-exec; failures");
}

static void test_shared_offset(void)
{
    int fd = open("/tmp/shared", O_RDWR | O_CREAT | O_TRUNC, 0644), st;
    pid_t pid;

    CHECK(fd >= 0);
    pid = fork();
    if (pid == 0)
        _exit(write(fd, "hello", 5) == 5 ? 0 : 1);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(lseek(fd, 0, SEEK_CUR) == 5);
    CHECK(write(fd, "!", 1) == 1);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    char buf[8] = { 0 };
    CHECK(read(fd, buf, sizeof(buf)) == 6 && memcmp(buf, "hello!", 6) == 0);
    close(fd);
    unlink("/tmp/shared");
    group("descriptors shared across fork (one offset)");
}

static int global = 1;

static void test_isolation(void)
{
    size_t big = 1 << 20;
    unsigned char *heap = malloc(big);
    int st;
    pid_t pid;

    CHECK(heap != NULL);
    memset(heap, 0x5a, big);
    pid = fork();
    if (pid == 0) {
        int ok = global == 1 && heap[0] == 0x5a && heap[big - 1] == 0x5a;
        unsigned char *more = malloc(4 << 20);   /* the child's heap grows on its own */

        global = 2;
        memset(heap, 0xa5, big);
        if (more)
            memset(more, 1, 4 << 20);
        _exit(ok && more ? 0 : 1);
    }
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(global == 1);
    CHECK(heap[0] == 0x5a && heap[big / 2] == 0x5a && heap[big - 1] == 0x5a);
    free(heap);
    group("a child's writes stay in the child");
}

/* ---- copy-on-write ---- */

static int cow_global = 10;

/* Sends one byte on fd and waits for one on the other: a step both sides take in turn. */
static int handshake(int out, int in)
{
    char c = 's';

    return write(out, &c, 1) == 1 && read(in, &c, 1) == 1 ? 0 : -1;
}

static void test_cow_isolation(void)
{
    int to_child[2], to_parent[2], st;
    volatile int on_stack = 10;
    int *heap = malloc(64 * 1024);
    pid_t pid;

    CHECK(heap != NULL && pipe(to_child) == 0 && pipe(to_parent) == 0);
    if (!heap)
        return;
    for (int i = 0; i < 64 * 1024 / (int)sizeof(int); i++)
        heap[i] = 10;
    cow_global = 10;
    pid = fork();
    if (pid == 0) {
        int bad = 0;

        /* The child writes first, while the parent still holds every page too. */
        cow_global = 20;
        heap[0] = 20;
        heap[10000] = 20;
        on_stack = 20;
        if (handshake(to_parent[1], to_child[0]) < 0)
            _exit(90);
        /* The parent wrote 30 meanwhile: not here. */
        bad |= cow_global != 20;
        bad |= (heap[0] != 20) << 1;
        bad |= (heap[10000] != 20) << 2;
        bad |= (heap[1] != 10) << 3;
        bad |= (on_stack != 20) << 4;
        _exit(bad);
    }
    CHECK(pid > 0);
    char c;
    CHECK(read(to_parent[0], &c, 1) == 1);
    /* The child wrote 20 to each: not here. */
    CHECK(cow_global == 10 && heap[0] == 10 && heap[10000] == 10 && on_stack == 10);
    cow_global = 30;
    heap[0] = 30;
    heap[10000] = 30;
    on_stack = 30;
    CHECK(write(to_child[1], "g", 1) == 1);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("posix-proc: cow child status 0x%x\n", st);
    CHECK(cow_global == 30 && heap[0] == 30 && heap[10000] == 30 && heap[1] == 10 && on_stack == 30);

    /* The other order: the parent writes before the child runs its checks. */
    pid = fork();
    if (pid == 0) {
        char x;

        if (read(to_child[0], &x, 1) != 1)
            _exit(90);
        _exit(cow_global == 30 && heap[0] == 30 && on_stack == 30 ? 0 : 1);
    }
    cow_global = 40;
    heap[0] = 40;
    on_stack = 40;
    CHECK(write(to_child[1], "g", 1) == 1);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(cow_global == 40 && heap[0] == 40 && on_stack == 40);
    close(to_child[0]);
    close(to_child[1]);
    close(to_parent[0]);
    close(to_parent[1]);
    free(heap);
    group("copy-on-write: global, heap and stack each side's own");
}

static long now_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return tv.tv_sec * 1000000L + tv.tv_usec;
}

enum { BIG = 6 << 20, BIG_FORKS = 32, BIG_ALIVE = 6 };

/* A child of the 6 MiB process: its bytes are the parent's, and a write of its own stays its own. */
static int big_child(unsigned char *big, int i)
{
    if (big[0] != 0x3c || big[BIG / 2] != 0x3c || big[BIG - 1] != 0x3c)
        return 1;
    big[(size_t)i * 4096] = (unsigned char)i;
    return big[(size_t)i * 4096] == (unsigned char)i ? 0 : 2;
}

static void test_big_fork(void)
{
    unsigned char *big = malloc(BIG);
    int st, ok = 0, to_child[2];
    pid_t pids[BIG_ALIVE];
    long t0, t1;

    CHECK(big != NULL);
    if (!big)
        return;
    memset(big, 0x3c, BIG);
    t0 = now_us();
    for (int i = 0; i < BIG_FORKS; i++) {
        pid_t pid = fork();

        if (pid == 0)
            _exit(big_child(big, i));
        ok += pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    t1 = now_us();
    CHECK(ok == BIG_FORKS);
    printf("posix-proc: fork+exit+wait of a 6 MiB process: %ld us (%d times)\n",
           (t1 - t0) / BIG_FORKS, BIG_FORKS);

    /* Several children share every page at once, each writes its own page, then all end. */
    CHECK(pipe(to_child) == 0);
    for (int i = 0; i < BIG_ALIVE; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            char c;
            int r = big_child(big, 100 + i);

            if (read(to_child[0], &c, 1) != 1)
                _exit(90);
            /* The others wrote their pages meanwhile: not here. */
            for (int j = 0; j < BIG_ALIVE; j++)
                if (j != i && big[(size_t)(100 + j) * 4096] != 0x3c)
                    r = 3;
            _exit(r);
        }
        CHECK(pids[i] > 0);
    }
    big[BIG - 1] = 0x11;                /* the parent writes too, while all share */
    for (int i = 0; i < BIG_ALIVE; i++)
        CHECK(write(to_child[1], "g", 1) == 1);
    ok = 0;
    for (int i = 0; i < BIG_ALIVE; i++)
        ok += waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    CHECK(ok == BIG_ALIVE);
    close(to_child[0]);
    close(to_child[1]);
    /* Nothing any child wrote reached the parent. */
    ok = big[BIG - 1] == 0x11;
    for (size_t k = 0; k < BIG - 1; k++)
        if (big[k] != 0x3c) {
            ok = 0;
            break;
        }
    CHECK(ok);
    free(big);
    group("copy-on-write: a 6 MiB process forked many times");
}

/*
 * "posix-proc quota", in a fresh image: a 4 MiB buffer, then a child that spends its quota
 * on heap of its own and then writes the buffer: its first copy that does not fit ends it
 * (SIGKILL). The parent's buffer is intact and it forks again. Exits 0, or the number of
 * the check that failed.
 */
static int quota_main(void)
{
    enum { BUF = 4 << 20, CHUNK = 256 << 10 };
    unsigned char *buf = malloc(BUF);
    int st;
    pid_t pid;

    if (!buf)
        return 10;
    memset(buf, 0x77, BUF);
    pid = fork();
    if (pid == 0) {
        unsigned char *more;
        size_t own = 0;

        while ((more = malloc(CHUNK)) != NULL) {
            memset(more, 1, CHUNK);
            own += CHUNK;
        }
        printf("posix-proc: quota child: %zu KiB of heap of its own, now writes its parent's 4 MiB\n",
               own >> 10);
        fflush(stdout);
        for (size_t k = 0; k < BUF; k += 4096)
            buf[k] = 2;
        _exit(1);                       /* every copy fitted: not what the test wants */
    }
    if (pid < 0)
        return 11;
    if (waitpid(pid, &st, 0) != pid)
        return 12;
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
        printf("posix-proc: quota child status 0x%x\n", st);
        return 13;
    }
    for (size_t k = 0; k < BUF; k++)
        if (buf[k] != 0x77)
            return 14;
    pid = fork();
    if (pid == 0)
        _exit(5);
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 5)
        return 15;
    return 0;
}

static void test_quota(void)
{
    int st;
    pid_t pid = fork();

    if (pid == 0) {
        char *argv[] = { "/bin/posix-proc", "quota", NULL };
        char *envp[] = { NULL };

        execve("/bin/posix-proc", argv, envp);
        _exit(100 + errno);
    }
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        printf("posix-proc: quota process status 0x%x\n", st);
    group("copy-on-write: a child over its quota dies, its parent goes on");
}

/*
 * A fork storm for STORM_MS: every member forks as fast as it can, retrying after EAGAIN;
 * each child is a member too, writes its pid into a global and the heap (copy-on-write
 * under pressure), and ends after a short random life or at the deadline, having waited for
 * its own children. Each member sends (forks made, refused, 1 if its memory was wrong) on a
 * pipe; pid 1 reads until every member has closed it.
 */
enum { STORM_MS = 2000 };

struct storm_record {
    uint32_t made, refused, bad, unused;
};

static pid_t storm_owner;
static unsigned storm_seed;

static unsigned storm_rand(void)
{
    storm_seed = storm_seed * 1103515245u + 12345u;
    return storm_seed >> 16;
}

static void storm_member(int out, long deadline, int *heap_word)
{
    struct storm_record rec;
    long end;
    pid_t pid;
    int st;

become:
    /* The storm's first member, or a child that just became one. */
    rec = (struct storm_record){ 0, 0, 0, 0 };
    storm_owner = getpid();
    *heap_word = (int)storm_owner;
    storm_seed ^= (unsigned)storm_owner * 2654435761u;
    end = now_us() + 20000 + (long)(storm_rand() % 200) * 1000;
    if (end > deadline)
        end = deadline;
    while (now_us() < end) {
        while (waitpid(-1, &st, WNOHANG) > 0)
            ;
        pid = fork();
        if (pid == 0)
            goto become;
        if (pid > 0)
            rec.made++;
        else if (errno == EAGAIN) {
            rec.refused++;
            usleep(2000);
        } else
            rec.bad |= 2;
        if (storm_owner != getpid() || *heap_word != (int)storm_owner)
            rec.bad |= 1;                   /* a child's write reached us */
    }
    while (wait(NULL) > 0)
        ;
    if (storm_owner != getpid() || *heap_word != (int)storm_owner)
        rec.bad |= 1;
    if (write(out, &rec, sizeof(rec)) != (ssize_t)sizeof(rec))
        _exit(3);
}

static void test_fork_storm(void)
{
    int p[2], st, n = 0;
    struct storm_record rec, sum = { 0, 0, 0, 0 };
    int *heap_word = malloc(sizeof(int));
    pid_t root, pids[PM_LIMIT_PROBE];
    long t0 = now_us();
    ssize_t got;

    CHECK(heap_word != NULL && pipe(p) == 0);
    root = fork();
    if (root == 0) {
        close(p[0]);
        storm_seed = 1;
        storm_member(p[1], t0 + STORM_MS * 1000L, heap_word);
        _exit(0);
    }
    CHECK(root > 0);
    close(p[1]);
    while ((got = read(p[0], &rec, sizeof(rec))) == (ssize_t)sizeof(rec)) {
        sum.made += rec.made;
        sum.refused += rec.refused;
        sum.bad |= rec.bad;
        n++;
    }
    CHECK(got == 0);
    close(p[0]);
    CHECK(waitpid(root, &st, 0) == root && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    errno = 0;
    CHECK(wait(&st) == -1 && errno == ECHILD);     /* every member waited for its own */
    printf("posix-proc: fork storm: %u forks, %u refused (EAGAIN), %d processes in %ld ms\n",
           sum.made, sum.refused, n, (now_us() - t0) / 1000);
    CHECK((unsigned)n == sum.made + 1);
    CHECK(sum.made > PM_LIMIT_PROBE && sum.refused > 0 && sum.bad == 0);
    /* Every slot and quota came back: as many children as before the storm. */
    for (int i = 0; i < PM_LIMIT_PROBE; i++)
        pids[i] = spawn(nap, 1000);
    for (int i = 0; i < PM_LIMIT_PROBE; i++)
        CHECK(pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 7);
    free(heap_word);
    group("a fork storm: EAGAIN for a while, then every slot back");
}

static void test_limit(void)
{
    enum { MAX = 64 };
    pid_t pids[MAX];
    int n = 0, st, reaped = 0;
    pid_t pid;

    errno = 0;
    while (n < MAX) {
        pid = spawn(nap, 60000);
        if (pid < 0)
            break;
        pids[n++] = pid;
    }
    CHECK(n > 0 && n < MAX && errno == EAGAIN);
    printf("posix-proc: %d children before EAGAIN\n", n);
    for (int i = 0; i < n; i++)
        CHECK(kill(pids[i], SIGKILL) == 0);
    while ((pid = wait(&st)) > 0)
        reaped++;
    CHECK(reaped == n);
    /* The system is still fine: fork works again. */
    pid = spawn(exit_with, 3);
    CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3);
    group("fork until EAGAIN, then fork again");
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "quota") == 0)
        return quota_main();
    CHECK(argc == 1 && strcmp(argv[0], "/bin/posix-proc") == 0);
    CHECK(getenv("PATH") && strcmp(getenv("PATH"), "/bin") == 0);
    group("argv and environment from pm");
    test_identity();
    test_fork_exit();
    test_many();
    test_wnohang_echild();
    test_kill();
    test_crash();
    test_orphans();
    test_exec();
    test_shared_offset();
    test_isolation();
    test_cow_isolation();
    test_big_fork();
    test_quota();
    test_fork_storm();
    test_limit();
    printf("posix-proc: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
