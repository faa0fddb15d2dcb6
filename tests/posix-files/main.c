/*
 * posix-files: the file calls of the POSIX runtime on the vfs server, with good and bad
 * arguments: open/close/read/write/lseek/ftruncate, stat/fstat/lstat, isatty, mkdir/rmdir/
 * unlink, rename, opendir/readdir, chdir/getcwd, dup/dup2/fcntl, the device nodes, stdio on files,
 * the files of the boot image (images/rootfs), and a line from standard input. Each group prints one "ok" line, each
 * failed check a FAIL line; the last line is "posix-files: N passed, N failed" and the
 * exit status is 0 only if nothing failed (system test posix-files.test).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK_NAME "posix-files"
#include "../posix-check.h"

static void group(void (*fn)(void), const char *name)
{
    group_failed = 0;
    fn();
    check_group_end(name);
}

static const char motd[] = "Welcome to Agora.\n";

static void test_stdio_descriptors(void)
{
    struct stat st;

    CHECK(fstat(0, &st) == 0 && S_ISCHR(st.st_mode));
    CHECK(fstat(1, &st) == 0 && S_ISCHR(st.st_mode));
    CHECK(isatty(0) == 1 && isatty(1) == 1 && isatty(2) == 1);
    FAILS(lseek(1, 0, SEEK_SET), ESPIPE);
    CHECK(write(1, "", 0) == 0);
    FAILS(fstat(77, &st), EBADF);
    errno = 0;
    CHECK(isatty(77) == 0 && errno == EBADF);
}

static void test_boot_image(void)
{
    char buf[128];
    struct stat st;
    int fd;

    fd = open("/etc/motd", O_RDONLY);
    CHECK(fd >= 3);
    CHECK(read(fd, buf, sizeof buf) == (ssize_t)strlen(motd) && memcmp(buf, motd, strlen(motd)) == 0);
    CHECK(read(fd, buf, sizeof buf) == 0);
    CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == (off_t)strlen(motd));
    errno = 0;
    CHECK(isatty(fd) == 0 && errno == ENOTTY);
    CHECK(close(fd) == 0);
    FAILS(close(fd), EBADF);
    CHECK(stat("/etc/hostname", &st) == 0 && st.st_size == 6);
    CHECK(stat("/home/user/README", &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0);
    CHECK(stat("/home/user", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(lstat("//etc//motd", &st) == 0 && st.st_size == (off_t)strlen(motd));
    CHECK(stat("/etc/../etc/./motd", &st) == 0 && S_ISREG(st.st_mode));
    CHECK(stat("/../../etc/motd", &st) == 0);
    CHECK(stat("/etc/", &st) == 0 && S_ISDIR(st.st_mode));
}

static void test_bad_paths(void)
{
    char longpath[300];
    struct stat st;

    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    FAILS(open("/no/such/file", O_RDONLY), ENOENT);
    FAILS(open("/etc/nothing", O_RDONLY), ENOENT);
    FAILS(open("", O_RDONLY), ENOENT);
    FAILS(open(longpath, O_RDONLY), ENAMETOOLONG);
    FAILS(open(longpath, O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
    FAILS(stat(longpath, &st), ENAMETOOLONG);
    FAILS(stat("/etc/motd/x", &st), ENOTDIR);
    FAILS(stat("/etc/motd/", &st), ENOTDIR);
    FAILS(stat("/nothing", &st), ENOENT);
    FAILS(stat("", &st), ENOENT);
    FAILS(open("/etc/motd", O_RDONLY | O_DIRECTORY), ENOTDIR);
    FAILS(open("/etc/motd/", O_RDONLY), ENOTDIR);
    FAILS(open("/etc", O_WRONLY), EISDIR);
    FAILS(open("/etc", O_RDWR), EISDIR);
    FAILS(open("/etc/motd", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
    FAILS(open("/tmp/newdir/", O_RDWR | O_CREAT, 0644), EISDIR);
    FAILS(open("/nothing/file", O_RDWR | O_CREAT, 0644), ENOENT);
    FAILS(open("/etc/motd/file", O_RDWR | O_CREAT, 0644), ENOTDIR);
}

static void test_bad_descriptors(void)
{
    char buf[8];
    int fd;

    FAILS(close(-1), EBADF);
    FAILS(close(63), EBADF);
    FAILS(close(1000), EBADF);
    FAILS(read(50, buf, 1), EBADF);
    FAILS(write(50, "x", 1), EBADF);
    FAILS(lseek(50, 0, SEEK_SET), EBADF);
    FAILS(read(-3, buf, 1), EBADF);
    fd = open("/etc/motd", O_RDONLY);
    CHECK(fd >= 0);
    FAILS(write(fd, "x", 1), EBADF);
    FAILS(lseek(fd, -1, SEEK_SET), EINVAL);
    FAILS(lseek(fd, 0, 99), EINVAL);
    FAILS(ftruncate(fd, 0), EINVAL);
    close(fd);
    fd = open("/tmp/wo", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    FAILS(read(fd, buf, 1), EBADF);
    FAILS(ftruncate(fd, -1), EINVAL);
    close(fd);
    CHECK(unlink("/tmp/wo") == 0);
}

/* Reads count bytes at off, keeping the offset (there is no pread yet). */
static int pread_like(int fd, off_t off, char *buf, size_t count)
{
    off_t was = lseek(fd, 0, SEEK_CUR);
    int n;

    lseek(fd, off, SEEK_SET);
    n = (int)read(fd, buf, count);
    lseek(fd, was, SEEK_SET);
    return n;
}

static void test_read_write(void)
{
    static char out[1500], in[1500];
    struct stat st;
    int fd;

    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (char)('a' + i % 26);
    fd = open("/tmp/data", O_RDWR | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, out, sizeof out) == (ssize_t)sizeof out);     /* several messages */
    CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)sizeof out);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(read(fd, in, sizeof in) == (ssize_t)sizeof in && memcmp(in, out, sizeof in) == 0);
    CHECK(read(fd, in, sizeof in) == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)sizeof out && (st.st_mode & 0777) == 0644);
    CHECK(lseek(fd, -10, SEEK_END) == (off_t)sizeof out - 10);
    CHECK(read(fd, in, 100) == 10 && memcmp(in, out + sizeof out - 10, 10) == 0);
    /* A write past the end leaves a hole of zeros. */
    CHECK(lseek(fd, 2000, SEEK_SET) == 2000 && write(fd, "Z", 1) == 1);
    CHECK(pread_like(fd, 1700, in, 4) == 4 && memcmp(in, "\0\0\0\0", 4) == 0);
    CHECK(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, in, 100) == 5 && memcmp(in, "abcde", 5) == 0);
    CHECK(close(fd) == 0);
    /* O_TRUNC, O_APPEND. */
    fd = open("/tmp/data", O_WRONLY | O_TRUNC);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0);
    CHECK(write(fd, "one ", 4) == 4);
    close(fd);
    fd = open("/tmp/data", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 && write(fd, "two", 3) == 3);
    close(fd);
    fd = open("/tmp/data", O_RDONLY);
    CHECK(read(fd, in, sizeof in) == 7 && memcmp(in, "one two", 7) == 0);
    /* Unlinked while open: the name goes, the file stays for its descriptors. */
    CHECK(unlink("/tmp/data") == 0);
    FAILS(stat("/tmp/data", &st), ENOENT);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, in, sizeof in) == 7);
    CHECK(close(fd) == 0);
    FAILS(unlink("/tmp/data"), ENOENT);
}

static void test_image_copy_on_write(void)
{
    char buf[64];
    int fd = open("/etc/hostname", O_RDWR);

    CHECK(fd >= 0);
    CHECK(write(fd, "AG", 2) == 2);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, sizeof buf) == 6 && memcmp(buf, "AGora\n", 6) == 0);
    close(fd);
}

/* Lists path; returns how many entries, and whether want[] were all found. */
static int list(const char *path, const char *const *want, int nwant, int *found)
{
    struct dirent *e;
    int n = 0;
    DIR *d = opendir(path);

    *found = 0;
    if (!d)
        return -1;
    errno = 0;
    while ((e = readdir(d))) {
        n++;
        for (int i = 0; i < nwant; i++)
            if (strcmp(e->d_name, want[i]) == 0)
                ++*found;
    }
    if (errno)
        n = -1;
    closedir(d);
    return n;
}

static void test_directories(void)
{
    static const char *const etc[] = { ".", "..", "motd", "hostname" };
    static const char *const d[] = { "f1", "f2", "sub" };
    char name[64];
    struct stat st;
    int found, fd;

    CHECK(list("/etc", etc, 4, &found) == 4 && found == 4);
    CHECK(list("/", (const char *const[]){ "dev" }, 1, &found) >= 6 && found == 1);
    CHECK(list("/dev", (const char *const[]){ "null", "zero", "console", "tty" }, 4, &found) == 6 && found == 4);
    errno = 0;
    CHECK(opendir("/etc/motd") == NULL && errno == ENOTDIR);
    errno = 0;
    CHECK(opendir("/nothing") == NULL && errno == ENOENT);

    CHECK(mkdir("/tmp/d", 0755) == 0);
    FAILS(mkdir("/tmp/d", 0755), EEXIST);
    FAILS(mkdir("/tmp/d/", 0755), EEXIST);
    FAILS(mkdir("/", 0755), EEXIST);
    FAILS(mkdir("/nothing/x", 0755), ENOENT);
    FAILS(mkdir("/etc/motd/x", 0755), ENOTDIR);
    FAILS(mkdir("", 0755), ENOENT);
    CHECK(stat("/tmp/d", &st) == 0 && S_ISDIR(st.st_mode) && st.st_nlink == 2);
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "/tmp/d/%s", d[i]);
        fd = open(name, O_WRONLY | O_CREAT, 0644);
        CHECK(fd >= 0 && close(fd) == 0);
    }
    CHECK(mkdir("/tmp/d/sub/", 0700) == 0);
    CHECK(stat("/tmp/d", &st) == 0 && st.st_nlink == 3);
    CHECK(list("/tmp/d", d, 3, &found) == 5 && found == 3);

    FAILS(rmdir("/tmp/d"), ENOTEMPTY);
    FAILS(unlink("/tmp/d/sub"), EISDIR);
    FAILS(unlink("/tmp/d/f1/"), ENOTDIR);
    FAILS(rmdir("/tmp/d/f1"), ENOTDIR);
    FAILS(rmdir("/tmp/d/."), EINVAL);
    FAILS(rmdir("/tmp/d/sub/.."), ENOTEMPTY);
    FAILS(rmdir("/"), EBUSY);
    FAILS(rmdir("/tmp/d/none"), ENOENT);
    CHECK(unlink("/tmp/d/f1") == 0 && unlink("/tmp/d/f2") == 0 && rmdir("/tmp/d/sub") == 0);
    CHECK(list("/tmp/d", d, 3, &found) == 2 && found == 0);
    CHECK(rmdir("/tmp/d") == 0);
    FAILS(stat("/tmp/d", &st), ENOENT);
    FAILS(unlink("/dev/null"), EACCES);
}

/* A new file holding text. */
static int put(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

    return (fd >= 0 && close(fd) == 0 && ok) ? 0 : -1;
}

/* Whether path holds exactly text. */
static int holds(const char *path, const char *text)
{
    char buf[64];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;

    if (fd >= 0)
        close(fd);
    return n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

static void test_rename(void)
{
    char buf[256];
    struct stat st, st2;
    int fd;

    CHECK(mkdir("/tmp/r", 0755) == 0 && mkdir("/tmp/r/a", 0755) == 0 && mkdir("/tmp/r/b", 0755) == 0);
    /* Files: in one directory, across directories, onto an existing file. */
    CHECK(put("/tmp/r/a/f", "one") == 0 && stat("/tmp/r/a/f", &st) == 0);
    CHECK(rename("/tmp/r/a/f", "/tmp/r/a/g") == 0);
    FAILS(stat("/tmp/r/a/f", &st2), ENOENT);
    CHECK(stat("/tmp/r/a/g", &st2) == 0 && st2.st_ino == st.st_ino && holds("/tmp/r/a/g", "one"));
    CHECK(rename("/tmp/r/a/g", "/tmp/r/b/h") == 0 && holds("/tmp/r/b/h", "one"));
    FAILS(stat("/tmp/r/a/g", &st2), ENOENT);
    CHECK(put("/tmp/r/a/x", "two") == 0);
    fd = open("/tmp/r/b/h", O_RDONLY);              /* the replaced file stays open */
    CHECK(fd >= 0 && rename("/tmp/r/a/x", "/tmp/r/b/h") == 0 && holds("/tmp/r/b/h", "two"));
    CHECK(read(fd, buf, sizeof buf) == 3 && memcmp(buf, "one", 3) == 0 && close(fd) == 0);
    FAILS(stat("/tmp/r/a/x", &st2), ENOENT);
    /* An open descriptor follows its file. */
    fd = open("/tmp/r/b/h", O_RDWR | O_APPEND);
    CHECK(fd >= 0 && rename("/tmp/r/b/h", "/tmp/r/h") == 0);
    CHECK(write(fd, "!", 1) == 1 && fstat(fd, &st) == 0 && st.st_size == 4 && holds("/tmp/r/h", "two!"));
    CHECK(close(fd) == 0);
    /* Onto itself: nothing happens. */
    CHECK(rename("/tmp/r/h", "/tmp/r/h") == 0 && rename("/tmp/r/h", "/tmp/r/../r//h") == 0 && holds("/tmp/r/h", "two!"));
    CHECK(rename("/tmp/r/a", "/tmp/r/a") == 0 && rename("/tmp/r/a", "/tmp/r/a/") == 0);
    /* Directories, with their contents; a working directory inside moves too. */
    CHECK(put("/tmp/r/a/in", "x") == 0 && chdir("/tmp/r/a") == 0);
    CHECK(rename("/tmp/r/a", "/tmp/r/b/a2") == 0 && holds("/tmp/r/b/a2/in", "x") && holds("in", "x"));
    CHECK(getcwd(buf, sizeof buf) && strcmp(buf, "/tmp/r/b/a2") == 0 && chdir("/") == 0);
    CHECK(stat("/tmp/r/b", &st) == 0 && st.st_nlink == 3 && stat("/tmp/r", &st) == 0 && st.st_nlink == 3);
    CHECK(stat("/tmp/r/b/a2/..", &st) == 0 && stat("/tmp/r/b", &st2) == 0 && st.st_ino == st2.st_ino);
    CHECK(rename("/tmp/r/b/a2", "/tmp/r/a/") == 0 && stat("/tmp/r/a/in", &st) == 0);
    /* Onto an empty directory: replaced; onto one with entries: ENOTEMPTY. */
    CHECK(mkdir("/tmp/r/e", 0755) == 0 && rename("/tmp/r/a", "/tmp/r/e") == 0 && holds("/tmp/r/e/in", "x"));
    FAILS(stat("/tmp/r/a", &st), ENOENT);
    CHECK(mkdir("/tmp/r/a", 0755) == 0);
    FAILS(rename("/tmp/r/a", "/tmp/r/e"), ENOTEMPTY);
    CHECK(stat("/tmp/r/a", &st) == 0 && holds("/tmp/r/e/in", "x"));
    /* Type mismatches. */
    FAILS(rename("/tmp/r/h", "/tmp/r/a"), EISDIR);
    FAILS(rename("/tmp/r/a", "/tmp/r/h"), ENOTDIR);
    FAILS(rename("/tmp/r/h/", "/tmp/r/h2"), ENOTDIR);
    FAILS(rename("/tmp/r/h", "/tmp/r/h2/"), ENOTDIR);
    /* A directory into itself or below it. */
    FAILS(rename("/tmp/r/e", "/tmp/r/e/sub"), EINVAL);
    CHECK(mkdir("/tmp/r/e/d", 0755) == 0);
    FAILS(rename("/tmp/r/e", "/tmp/r/e/d/sub"), EINVAL);
    FAILS(rename("/tmp/r", "/tmp/r/e/d/sub"), EINVAL);
    FAILS(rename("/tmp/r/e/.", "/tmp/r/x"), EINVAL);
    FAILS(rename("/tmp/r/e", "/tmp/r/a/.."), EINVAL);
    FAILS(rename("/", "/tmp/r/x"), EINVAL);
    /* Missing source, missing target directory, a file in the target's path. */
    FAILS(rename("/tmp/r/none", "/tmp/r/x"), ENOENT);
    FAILS(rename("/tmp/r/h", "/tmp/r/none/x"), ENOENT);
    FAILS(rename("/tmp/r/h", "/tmp/r/h/x"), ENOTDIR);
    FAILS(rename("", "/tmp/r/x"), ENOENT);
    FAILS(rename("/tmp/r/h", ""), ENOENT);
    FAILS(rename("/dev/null", "/tmp/r/null"), EACCES);
    CHECK(holds("/tmp/r/h", "two!"));
    /* Relative paths, and stdio's name for it. */
    CHECK(chdir("/tmp/r") == 0 && rename("h", "a/h") == 0 && holds("/tmp/r/a/h", "two!") && chdir("/") == 0);
    CHECK(rmdir("/tmp/r/e/d") == 0 && unlink("/tmp/r/e/in") == 0 && rmdir("/tmp/r/e") == 0);
    CHECK(unlink("/tmp/r/a/h") == 0 && rmdir("/tmp/r/a") == 0 && rmdir("/tmp/r/b") == 0 && rmdir("/tmp/r") == 0);
}

static void test_working_directory(void)
{
    char buf[256], small[4], *p;
    struct stat st;
    int fd;

    CHECK(getcwd(buf, sizeof buf) && strcmp(buf, "/") == 0);
    CHECK(mkdir("/tmp/w", 0755) == 0 && chdir("/tmp/w") == 0);
    CHECK(getcwd(buf, sizeof buf) && strcmp(buf, "/tmp/w") == 0);
    fd = open("rel", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0 && close(fd) == 0);
    CHECK(stat("/tmp/w/rel", &st) == 0 && stat("./rel", &st) == 0 && stat("../w/rel", &st) == 0);
    errno = 0;
    CHECK(getcwd(small, sizeof small) == NULL && errno == ERANGE);
    errno = 0;
    CHECK(getcwd(buf, 0) == NULL && errno == EINVAL);
    CHECK((p = getcwd(NULL, 0)) && strcmp(p, "/tmp/w") == 0);
    free(p);
    FAILS(chdir("/etc/motd"), ENOTDIR);
    FAILS(chdir("/nothing"), ENOENT);
    FAILS(chdir(""), ENOENT);
    CHECK(chdir("..") == 0 && getcwd(buf, sizeof buf) && strcmp(buf, "/tmp") == 0);
    CHECK(unlink("w/rel") == 0 && rmdir("w") == 0);
    CHECK(chdir("/") == 0 && getcwd(buf, sizeof buf) && strcmp(buf, "/") == 0);
}

static void test_dup(void)
{
    char buf[8];
    int fd, fd2, fd3;

    fd = open("/etc/motd", O_RDONLY);
    CHECK(fd >= 0);
    fd2 = dup(fd);
    CHECK(fd2 > fd);
    CHECK(read(fd, buf, 3) == 3 && lseek(fd2, 0, SEEK_CUR) == 3);       /* one offset */
    CHECK(dup2(fd, 20) == 20);
    CHECK(read(20, buf, 2) == 2 && lseek(fd, 0, SEEK_CUR) == 5);
    CHECK(dup2(fd, fd) == fd);
    FAILS(dup2(50, 21), EBADF);
    FAILS(dup2(fd, -1), EBADF);
    FAILS(dup2(fd, 64), EBADF);
    FAILS(dup(50), EBADF);
    /* dup2 onto an open descriptor closes what it named. */
    fd3 = open("/etc/hostname", O_RDONLY);
    CHECK(fd3 >= 0 && dup2(fd, fd3) == fd3 && lseek(fd3, 0, SEEK_CUR) == 5);
    CHECK(close(fd) == 0 && read(fd2, buf, 1) == 1 && lseek(20, 0, SEEK_CUR) == 6);
    close(fd2);
    close(20);
    close(fd3);
    /* The lowest free descriptor comes first. */
    fd = open("/etc/motd", O_RDONLY);
    CHECK(fd == 3);
    close(fd);
}

static void test_fcntl(void)
{
    int fd = open("/etc/motd", O_RDONLY), fd2;

    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFD) == 0);
    CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
    fd2 = fcntl(fd, F_DUPFD, 30);
    CHECK(fd2 >= 30 && fcntl(fd2, F_GETFD) == 0);                     /* per descriptor */
    CHECK(fcntl(fd, F_GETFL) == O_RDONLY);
    CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0 && (fcntl(fd2, F_GETFL) & O_NONBLOCK));  /* per description */
    close(fd2);
    fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    CHECK(fd2 > fd && fcntl(fd2, F_GETFD) == FD_CLOEXEC);
    close(fd2);
    FAILS(fcntl(fd, 12345), EINVAL);
    FAILS(fcntl(fd, F_DUPFD, -1), EINVAL);
    FAILS(fcntl(fd, F_DUPFD, 64), EINVAL);
    FAILS(fcntl(50, F_GETFD), EBADF);
    close(fd);
    fd = open("/tmp/cl", O_RDWR | O_CREAT | O_CLOEXEC | O_APPEND, 0600);
    CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC && fcntl(fd, F_GETFL) == (O_RDWR | O_APPEND));
    close(fd);
    unlink("/tmp/cl");
}

static void test_devices(void)
{
    char buf[600];
    int fd;

    fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0 && write(fd, "gone", 4) == 4 && read(fd, buf, sizeof buf) == 0);
    CHECK(lseek(fd, 100, SEEK_SET) == 0);
    errno = 0;
    CHECK(isatty(fd) == 0 && errno == ENOTTY);
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 'x', sizeof buf);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == (ssize_t)sizeof buf && buf[0] == 0 && buf[599] == 0);
    close(fd);
    fd = open("/dev/console", O_WRONLY);
    CHECK(fd >= 0 && isatty(fd) == 1 && write(fd, "posix-files: console write\n", 27) == 27);
    close(fd);
}

static void test_stdio_files(void)
{
    char line[64];
    FILE *f = fopen("/tmp/stdio.txt", "w");
    int n = 0;

    CHECK(f != NULL);
    for (int i = 0; i < 100; i++)
        fprintf(f, "line %d\n", i);
    CHECK(fclose(f) == 0);
    f = fopen("/tmp/stdio.txt", "r");
    CHECK(f != NULL);
    while (f && fgets(line, sizeof line, f))
        n++;
    CHECK(n == 100 && strcmp(line, "line 99\n") == 0);
    if (f)
        fclose(f);
    errno = 0;
    CHECK(fopen("/nothing/x", "r") == NULL && errno == ENOENT);
    CHECK(unlink("/tmp/stdio.txt") == 0);
}

static void test_limits(void)
{
    int fds[64], n = 0, fd;

    while (n < 64 && (fd = open("/etc/motd", O_RDONLY)) >= 0)
        fds[n++] = fd;
    CHECK(n == 64 - 3 && errno == EMFILE);
    while (n > 0)
        close(fds[--n]);
    fd = open("/etc/motd", O_RDONLY);
    CHECK(fd == 3);
    close(fd);
}

/*
 * Standard input is /dev/console: with the serial driver a typed line (the system test
 * types it after the prompt), without it end of file at once.
 */
static void test_stdin(void)
{
    char line[64];
    size_t n = 0;
    ssize_t r = 1;

    printf("posix-files: reading stdin\n");
    fflush(stdout);
    while (n < sizeof line - 1 && (n == 0 || line[n - 1] != '\n') &&
           (r = read(0, line + n, sizeof line - 1 - n)) > 0)
        n += (size_t)r;
    CHECK(r >= 0);
    line[n] = '\0';
    if (n && line[n - 1] == '\n')
        line[--n] = '\0';
    printf("posix-files: stdin: %zu bytes: %s\n", n, line);
}

int main(void)
{
    group(test_stdio_descriptors, "standard descriptors on /dev/console");
    group(test_boot_image, "files of the boot image");
    group(test_bad_paths, "bad paths");
    group(test_bad_descriptors, "bad descriptors");
    group(test_read_write, "create, write, read back, truncate, append, unlink");
    group(test_image_copy_on_write, "writing a file of the image");
    group(test_directories, "mkdir, readdir, rmdir, unlink");
    group(test_working_directory, "chdir, getcwd, relative paths");
    group(test_rename, "rename");
    group(test_dup, "dup, dup2 share the offset");
    group(test_fcntl, "fcntl");
    group(test_devices, "/dev/null, /dev/zero, /dev/console");
    group(test_stdio_files, "stdio on files");
    group(test_limits, "descriptor table limit");
    group(test_stdin, "standard input");
    printf("posix-files: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
