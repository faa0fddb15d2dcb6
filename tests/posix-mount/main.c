/*
 * posix-mount: files in /tmp, which is tmpfs (servers/tmpfs) mounted by vfs, through the
 * ordinary POSIX calls (system test posix-mount.test, run as pid 1 under pm): create,
 * write and read back files of several MiB, a directory of hundreds of entries, rename
 * within /tmp and EXDEV from / to /tmp, an unlinked file that stays readable until its
 * close, mkdir/rmdir, stat/chmod/ftruncate/lseek, ".." out of /tmp, and a working
 * directory in /tmp across fork and exec. Each group prints "posix-mount: ok GROUP"; the
 * last line is "posix-mount: N passed, N failed".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int passed, failed, group_failed;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        if (cond) {                                                                           \
            passed++;                                                                         \
        } else {                                                                              \
            failed++;                                                                         \
            group_failed++;                                                                   \
            printf("posix-mount: FAIL %s:%d: %s (errno %d)\n", __FILE__, __LINE__, #cond, errno); \
        }                                                                                     \
    } while (0)

static void group(const char *name)
{
    if (!group_failed)
        printf("posix-mount: ok %s\n", name);
    group_failed = 0;
}

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)((i * 2654435761u) >> 13);
}

static void test_basics(void)
{
    struct stat st, root, tmp;
    char buf[64];
    int fd;

    CHECK(stat("/", &root) == 0);
    CHECK(stat("/tmp", &tmp) == 0 && S_ISDIR(tmp.st_mode));
    CHECK((tmp.st_mode & 07777) == 01777);              /* tmpfs's root, not the image's /tmp */
    fd = open("/tmp/a", O_CREAT | O_EXCL | O_RDWR, 0640);
    CHECK(fd >= 0);
    CHECK(write(fd, "hello, tmpfs", 12) == 12);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(read(fd, buf, sizeof(buf)) == 12 && memcmp(buf, "hello, tmpfs", 12) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == 12 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0640);
    CHECK(lseek(fd, 0, SEEK_END) == 12);
    CHECK(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5);
    CHECK(close(fd) == 0);
    CHECK(open("/tmp/a", O_CREAT | O_EXCL | O_RDWR, 0640) == -1 && errno == EEXIST);
    fd = open("/tmp/a", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "++", 2) == 2 && close(fd) == 0);
    CHECK(stat("/tmp/a", &st) == 0 && st.st_size == 7);
    fd = open("/tmp/a", O_RDWR | O_TRUNC);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0 && close(fd) == 0);
    CHECK(chmod("/tmp/a", 0600) == 0 && stat("/tmp/a", &st) == 0 && (st.st_mode & 07777) == 0600);
    CHECK(chmod("/tmp", 01777) == 0);
    CHECK(stat("/tmp/nothing", &st) == -1 && errno == ENOENT);
    CHECK(stat("/tmp/a/", &st) == -1 && errno == ENOTDIR);
    CHECK(unlink("/tmp/a") == 0 && stat("/tmp/a", &st) == -1 && errno == ENOENT);
    /* ".." of /tmp is the root. */
    CHECK(stat("/tmp/..", &st) == 0 && st.st_ino == root.st_ino && st.st_mode == root.st_mode);
    CHECK(stat("/tmp/../etc/motd", &st) == 0);
    CHECK(stat("/tmp/../tmp/.", &st) == 0 && st.st_ino == tmp.st_ino);
    group("create, read, write, stat, chmod, truncate, append, unlink in /tmp");
}

static void test_large(void)
{
    const size_t size = 3u << 20, chunk = 8192 + 123;
    uint8_t *buf = malloc(chunk);
    size_t done, bad = 0;
    struct stat st;
    int fd;

    CHECK(buf != NULL);
    fd = open("/tmp/large", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    CHECK(fd >= 0);
    for (done = 0; done < size; done += chunk) {
        size_t n = size - done < chunk ? size - done : chunk;

        for (size_t i = 0; i < n; i++)
            buf[i] = pattern(done + i);
        if (write(fd, buf, n) != (ssize_t)n) {
            CHECK(!"write");
            break;
        }
    }
    CHECK(close(fd) == 0);
    CHECK(stat("/tmp/large", &st) == 0 && st.st_size == (off_t)size);
    fd = open("/tmp/large", O_RDONLY);
    CHECK(fd >= 0);
    for (done = 0; done < size;) {
        ssize_t n = read(fd, buf, chunk);

        if (n <= 0) {
            CHECK(!"read");
            break;
        }
        for (ssize_t i = 0; i < n; i++)
            bad += buf[i] != pattern(done + (size_t)i);
        done += (size_t)n;
    }
    CHECK(done == size && bad == 0);
    CHECK(read(fd, buf, 1) == 0);
    /* A read in the middle. */
    CHECK(lseek(fd, 1000003, SEEK_SET) == 1000003 && read(fd, buf, 1) == 1 && buf[0] == pattern(1000003));
    CHECK(close(fd) == 0 && unlink("/tmp/large") == 0);
    free(buf);
    group("a file of 3 MiB written and read back");
}

static void test_directory(void)
{
    const int count = 300;
    char name[64];
    int seen = 0, dots = 0, fd;
    struct dirent *d;
    DIR *dir;

    CHECK(mkdir("/tmp/dir", 0755) == 0);
    CHECK(mkdir("/tmp/dir", 0755) == -1 && errno == EEXIST);
    for (int i = 0; i < count; i++) {
        snprintf(name, sizeof(name), "/tmp/dir/entry-%03d", i);
        fd = open(name, O_CREAT | O_WRONLY, 0644);
        CHECK(fd >= 0 && close(fd) == 0);
    }
    dir = opendir("/tmp/dir");
    CHECK(dir != NULL);
    while (dir && (d = readdir(dir))) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
            dots++;
        else if (strncmp(d->d_name, "entry-", 6) == 0)
            seen++;
    }
    CHECK(dir && closedir(dir) == 0);
    CHECK(seen == count && dots == 2);
    CHECK(rmdir("/tmp/dir") == -1 && errno == ENOTEMPTY);
    for (int i = 0; i < count; i++) {
        snprintf(name, sizeof(name), "/tmp/dir/entry-%03d", i);
        CHECK(unlink(name) == 0);
    }
    CHECK(rmdir("/tmp/dir") == 0);
    CHECK(rmdir("/tmp") == -1 && errno == EBUSY);
    CHECK(rmdir("/tmp/nothing") == -1 && errno == ENOENT);
    group("mkdir, 300 entries through readdir, rmdir");
}

static void test_rename(void)
{
    struct stat st;
    char buf[8];
    int fd;

    CHECK(mkdir("/tmp/r", 0755) == 0);
    fd = open("/tmp/r/one", O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0 && write(fd, "1", 1) == 1 && close(fd) == 0);
    CHECK(rename("/tmp/r/one", "/tmp/r/two") == 0);
    CHECK(stat("/tmp/r/one", &st) == -1 && errno == ENOENT);
    CHECK(mkdir("/tmp/s", 0755) == 0);
    CHECK(rename("/tmp/r/two", "/tmp/s/three") == 0);
    CHECK(rename("/tmp/r", "/tmp/s/r") == 0);
    CHECK(rename("/tmp/s", "/tmp/s/r/x") == -1 && errno == EINVAL);
    fd = open("/tmp/s/three", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 1 && buf[0] == '1' && close(fd) == 0);
    /* Across file systems: EXDEV both ways, nothing moves. */
    fd = open("/home/user/moved", O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0 && close(fd) == 0);
    CHECK(rename("/home/user/moved", "/tmp/moved") == -1 && errno == EXDEV);
    CHECK(rename("/tmp/s/three", "/home/user/three") == -1 && errno == EXDEV);
    CHECK(stat("/home/user/moved", &st) == 0 && stat("/tmp/s/three", &st) == 0);
    CHECK(rename("/tmp", "/tmp2") == -1 && errno == EBUSY);
    CHECK(unlink("/home/user/moved") == 0 && unlink("/tmp/s/three") == 0);
    CHECK(rmdir("/tmp/s/r") == 0 && rmdir("/tmp/s") == 0);
    group("rename within /tmp; EXDEV from / to /tmp and back");
}

static void test_unlinked_open(void)
{
    char buf[32];
    struct stat st;
    int fd, fd2;

    fd = open("/tmp/ghost", O_CREAT | O_RDWR, 0644);
    CHECK(fd >= 0 && write(fd, "still here", 10) == 10);
    CHECK(unlink("/tmp/ghost") == 0);
    CHECK(stat("/tmp/ghost", &st) == -1 && errno == ENOENT);
    CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0 && st.st_size == 10);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, sizeof(buf)) == 10 && memcmp(buf, "still here", 10) == 0);
    CHECK(write(fd, "!", 1) == 1);
    /* A new file of the same name is another file. */
    fd2 = open("/tmp/ghost", O_CREAT | O_EXCL | O_RDWR, 0644);
    CHECK(fd2 >= 0 && fstat(fd2, &st) == 0 && st.st_size == 0);
    CHECK(close(fd2) == 0 && unlink("/tmp/ghost") == 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, sizeof(buf)) == 11);
    CHECK(close(fd) == 0);
    group("an unlinked file stays readable until its close");
}

static int run_child_in_cwd(void)
{
    char cwd[128];
    struct stat st;

    if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/tmp/work/sub") != 0) {
        printf("posix-mount: child's cwd is %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
        return 1;
    }
    if (stat("marker", &st) != 0 || stat("../../../etc/motd", &st) != 0)
        return 2;
    return 0;
}

static void test_cwd(const char *self)
{
    char cwd[128];
    int st, fd;
    pid_t pid;

    CHECK(mkdir("/tmp/work", 0755) == 0 && mkdir("/tmp/work/sub", 0755) == 0);
    CHECK(chdir("/tmp/work/sub") == 0);
    CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/tmp/work/sub") == 0);
    fd = open("marker", O_CREAT | O_WRONLY, 0644);
    CHECK(fd >= 0 && close(fd) == 0);
    CHECK(access("/tmp/work/sub/marker", F_OK) == 0);
    /* A forked child has the working directory, and so has what it execs. */
    pid = fork();
    if (pid == 0)
        _exit(run_child_in_cwd());
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    pid = fork();
    if (pid == 0) {
        char *argv[] = { (char *)self, "cwd", NULL };
        char *envp[] = { NULL };

        execve(self, argv, envp);
        _exit(99);
    }
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* Up and out of the mount by "..". */
    CHECK(chdir("../..") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/tmp") == 0);
    CHECK(chdir("..") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0);
    CHECK(chdir("tmp/work") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/tmp/work") == 0);
    /* A removed working directory. */
    CHECK(unlink("sub/marker") == 0 && chdir("sub") == 0 && rmdir("/tmp/work/sub") == 0);
    CHECK(getcwd(cwd, sizeof(cwd)) == NULL && errno == ENOENT);
    CHECK(open("new", O_CREAT | O_WRONLY, 0644) == -1 && errno == ENOENT);
    CHECK(chdir("/") == 0 && rmdir("/tmp/work") == 0);
    group("working directory in /tmp across fork and exec; .. out of /tmp");
}

int main(int argc, char **argv)
{
    struct stat st;

    if (argc == 2 && strcmp(argv[1], "cwd") == 0)
        return run_child_in_cwd();
    /* tmpfs mounts itself while pm starts us: wait for its root (01777) to cover /tmp. */
    for (int i = 0; i < 500 && (stat("/tmp", &st) != 0 || (st.st_mode & 07777) != 01777); i++)
        usleep(10000);
    test_basics();
    test_large();
    test_directory();
    test_rename();
    test_unlinked_open();
    test_cwd(argv[0]);
    printf("posix-mount: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
