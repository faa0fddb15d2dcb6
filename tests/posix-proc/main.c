/*
 * posix-proc: the process calls under pm (servers/pm), run as pid 1 (posix_init=/bin/posix-proc,
 * system test posix-proc.test): fork, exit statuses, wait and WNOHANG, ECHILD, kill, a
 * crashing child, execve with arguments and environment, descriptors shared across fork,
 * getppid, orphans, the process limit, and that a child's memory is its own. Each group
 * prints "posix-proc: ok GROUP"; the last line is "posix-proc: N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int passed, failed, group_failed;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (cond) {                                                                          \
            passed++;                                                                        \
        } else {                                                                             \
            failed++;                                                                        \
            group_failed++;                                                                  \
            printf("posix-proc: FAIL %s:%d: %s (errno %d)\n", __FILE__, __LINE__, #cond, errno); \
        }                                                                                    \
    } while (0)

static void group(const char *name)
{
    if (!group_failed)
        printf("posix-proc: ok %s\n", name);
    group_failed = 0;
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
    test_limit();
    printf("posix-proc: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
