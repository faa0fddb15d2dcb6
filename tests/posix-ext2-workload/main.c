/*
 * posix-ext2-workload: a scripted workload on ext2 at /mnt through the ordinary POSIX calls
 * (system test ext2-workload.test, pid 1 under pm, on a fresh 64 MiB disk): 3,000 files in
 * six directories (one with 2,000 entries), a 32 MiB file with a known pattern written and
 * read back, renames within and across directories and over existing names, deletes, hard
 * links and symbolic links (relative, absolute, through a mount and back, a loop), then
 * sync(). Each step prints its time; the case's check: lines read the disk afterwards with
 * e2fsck and debugfs and compare what this program says it wrote.
 */
#define CHECK_NAME "posix-ext2-workload"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../posix-check.h"

#define TOP        "/mnt/w"
#define LARGE      TOP "/large.bin"
#define LARGE_SIZE (32u << 20)
#define CHUNK      (64u << 10)
#define BIG_DIR    TOP "/big"
#define BIG_FILES  2000
#define SMALL_DIRS 5
#define SMALL_EACH 200          /* 5 x 200 + 2000 = 3000 files */

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)((i * 2654435761u) >> 13);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, text, strlen(text));
    if (close(fd) < 0)
        return -1;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static ssize_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    ssize_t n, total = 0;

    if (fd < 0)
        return -1;
    while (total < (ssize_t)cap - 1 && (n = read(fd, buf + total, cap - 1 - total)) > 0)
        total += n;
    buf[total] = '\0';
    close(fd);
    return total;
}

/* Whether path holds exactly text. */
static int holds(const char *path, const char *text)
{
    char buf[128];

    return read_file(path, buf, sizeof(buf)) == (ssize_t)strlen(text) && strcmp(buf, text) == 0;
}

/* The live entries of dir other than "." and "..". */
static long count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void step_done(const char *what, double t0)
{
    printf(CHECK_NAME ": time %s %.1f s\n", what, now_s() - t0);
    check_group_end(what);
}

static void many_files(void)
{
    char path[96], text[48];
    int bad = 0;
    double t0 = now_s();

    CHECK(mkdir(TOP, 0755) == 0);
    CHECK(mkdir(BIG_DIR, 0755) == 0);
    for (int i = 0; i < BIG_FILES; i++) {
        snprintf(path, sizeof(path), BIG_DIR "/file-%04d", i);
        snprintf(text, sizeof(text), "big %d\n", i);
        bad += write_file(path, text) < 0;
    }
    for (int d = 0; d < SMALL_DIRS; d++) {
        snprintf(path, sizeof(path), TOP "/d%d", d);
        CHECK(mkdir(path, 0755) == 0);
        for (int i = 0; i < SMALL_EACH; i++) {
            snprintf(path, sizeof(path), TOP "/d%d/s%d", d, i);
            snprintf(text, sizeof(text), "small %d/%d\n", d, i);
            bad += write_file(path, text) < 0;
        }
    }
    CHECK(bad == 0);
    CHECK(count_entries(BIG_DIR) == BIG_FILES);
    CHECK(count_entries(TOP "/d4") == SMALL_EACH);
    CHECK(holds(BIG_DIR "/file-1999", "big 1999\n"));
    CHECK(holds(TOP "/d3/s7", "small 3/7\n"));
    step_done("3000 files in 6 directories", t0);
}

static void large_file(void)
{
    uint8_t *buf = malloc(CHUNK);
    uint64_t sum = 0, sum2 = 0;
    double t0 = now_s(), tw;
    int fd, bad = 0;
    ssize_t n;

    CHECK(buf != NULL);
    if (!buf)
        return;
    CHECK((fd = open(LARGE, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
    for (uint64_t off = 0; off < LARGE_SIZE; off += CHUNK) {
        for (uint32_t i = 0; i < CHUNK; i++) {
            buf[i] = pattern(off + i);
            sum = sum * 31 + buf[i];
        }
        bad += write(fd, buf, CHUNK) != (ssize_t)CHUNK;
    }
    CHECK(bad == 0);
    CHECK(fsync(fd) == 0);
    CHECK(close(fd) == 0);
    tw = now_s() - t0;
    CHECK((fd = open(LARGE, O_RDONLY)) >= 0);
    for (uint64_t off = 0; (n = read(fd, buf, CHUNK)) > 0; off += (uint64_t)n)
        for (ssize_t i = 0; i < n; i++) {
            bad += buf[i] != pattern(off + (uint64_t)i);
            sum2 = sum2 * 31 + buf[i];
        }
    CHECK(n == 0 && bad == 0);
    CHECK(sum == sum2);
    close(fd);
    free(buf);
    printf(CHECK_NAME ": 32 MiB written in %.1f s (%.2f MB/s), read back in %.1f s\n", tw, LARGE_SIZE / 1e6 / tw,
           now_s() - t0 - tw);
    step_done("a 32 MiB file written, fsync'd and read back", t0);
}

static void renames_and_deletes(void)
{
    char from[96], to[96];
    int bad = 0;
    double t0 = now_s();

    /* Within a directory: file-0000..0099 -> renamed-0000..0099. */
    for (int i = 0; i < 100; i++) {
        snprintf(from, sizeof(from), BIG_DIR "/file-%04d", i);
        snprintf(to, sizeof(to), BIG_DIR "/renamed-%04d", i);
        bad += rename(from, to) < 0;
    }
    /* Across directories: d0/s0..s49 -> d1/from0-0..49. */
    for (int i = 0; i < 50; i++) {
        snprintf(from, sizeof(from), TOP "/d0/s%d", i);
        snprintf(to, sizeof(to), TOP "/d1/from0-%d", i);
        bad += rename(from, to) < 0;
    }
    /* Over existing names: d2/s0..s9 replace d2/s100..s109, d3/s1 replaces d4/s1. */
    for (int i = 0; i < 10; i++) {
        snprintf(from, sizeof(from), TOP "/d2/s%d", i);
        snprintf(to, sizeof(to), TOP "/d2/s%d", 100 + i);
        bad += rename(from, to) < 0;
    }
    CHECK(rename(TOP "/d3/s1", TOP "/d4/s1") == 0);
    /* A directory across directories. */
    CHECK(mkdir(TOP "/d0/sub", 0755) == 0 && write_file(TOP "/d0/sub/inner", "inner\n") == 0);
    CHECK(rename(TOP "/d0/sub", TOP "/d1/sub") == 0);
    CHECK(bad == 0);
    /* Deletes: file-1000..1499 from the big directory, d0's remaining 150. */
    for (int i = 1000; i < 1500; i++) {
        snprintf(from, sizeof(from), BIG_DIR "/file-%04d", i);
        bad += unlink(from) < 0;
    }
    for (int i = 50; i < SMALL_EACH; i++) {
        snprintf(from, sizeof(from), TOP "/d0/s%d", i);
        bad += unlink(from) < 0;
    }
    CHECK(bad == 0);
    CHECK(rmdir(TOP "/d0") == 0);
    CHECK(count_entries(BIG_DIR) == BIG_FILES - 500);
    CHECK(count_entries(TOP "/d1") == SMALL_EACH + 50 + 1);
    CHECK(count_entries(TOP "/d2") == SMALL_EACH - 10);
    CHECK(holds(BIG_DIR "/renamed-0042", "big 42\n"));
    CHECK(holds(TOP "/d1/from0-7", "small 0/7\n"));
    CHECK(holds(TOP "/d2/s105", "small 2/5\n"));
    CHECK(holds(TOP "/d4/s1", "small 3/1\n"));
    CHECK(holds(TOP "/d1/sub/inner", "inner\n"));
    FAILS(access(BIG_DIR "/file-1234", F_OK), ENOENT);
    step_done("renames within, across and over, 650 deletes", t0);
}

static void links(void)
{
    char buf[256];
    struct stat st, lst;
    double t0 = now_s();
    ssize_t n;

    /* Hard links: the large file twice more, a small file across directories. */
    CHECK(link(LARGE, TOP "/d1/large-link") == 0);
    CHECK(link(LARGE, TOP "/large-2") == 0);
    CHECK(stat(LARGE, &st) == 0 && st.st_nlink == 3 && st.st_size == LARGE_SIZE);
    CHECK(link(TOP "/d2/s50", TOP "/d4/hard-s50") == 0);
    CHECK(unlink(TOP "/d2/s50") == 0 && holds(TOP "/d4/hard-s50", "small 2/50\n"));
    FAILS(link(TOP "/d1", TOP "/d1-link"), EPERM);
    FAILS(link(LARGE, TOP "/d4/s2"), EEXIST);
    FAILS(link(LARGE, "/tmp/large"), EXDEV);
    /* Symbolic links: relative, absolute, to a directory, into /tmp and back, dangling, a loop. */
    CHECK(symlink("../large.bin", TOP "/d4/rel") == 0);
    CHECK(symlink(LARGE, TOP "/abs") == 0);
    CHECK(symlink("d1/sub", TOP "/dirlink") == 0);
    CHECK(symlink("/mnt/w/d4", "/tmp/to-d4") == 0);
    CHECK(symlink("/tmp/to-d4/s3", TOP "/via-tmp") == 0);
    CHECK(symlink("nowhere", TOP "/dangling") == 0);
    CHECK(symlink("loop-b", TOP "/loop-a") == 0 && symlink("loop-a", TOP "/loop-b") == 0);
    CHECK((n = readlink(TOP "/d4/rel", buf, sizeof(buf))) == 12 && memcmp(buf, "../large.bin", 12) == 0);
    CHECK(stat(TOP "/d4/rel", &st) == 0 && st.st_size == LARGE_SIZE && S_ISREG(st.st_mode));
    CHECK(lstat(TOP "/d4/rel", &lst) == 0 && S_ISLNK(lst.st_mode) && lst.st_size == 12);
    CHECK(stat(TOP "/abs", &st) == 0 && st.st_size == LARGE_SIZE);
    CHECK(holds(TOP "/dirlink/inner", "inner\n"));
    CHECK(holds(TOP "/via-tmp", "small 4/3\n"));
    CHECK(holds("/tmp/to-d4/../d2/s60", "small 2/60\n"));
    FAILS(open(TOP "/dangling", O_RDONLY), ENOENT);
    FAILS(open(TOP "/loop-a", O_RDONLY), ELOOP);
    FAILS(open(TOP "/abs", O_RDONLY | O_NOFOLLOW), ELOOP);
    FAILS(readlink(LARGE, buf, sizeof(buf)), EINVAL);
    /* Through a dangling link, O_CREAT makes the target; unlink removes the link only. */
    CHECK(write_file(TOP "/dangling", "now here\n") == 0 && holds(TOP "/nowhere", "now here\n"));
    CHECK(unlink(TOP "/abs") == 0 && stat(LARGE, &st) == 0);
    CHECK(chdir(TOP "/dirlink") == 0 && holds("inner", "inner\n") && chdir("/") == 0);
    step_done("hard links and symbolic links", t0);
}

/* The new calls with good and bad arguments, on ext2 and tmpfs: figures, fsync, times, links. */
static void calls_and_errors(void)
{
    struct timespec ts[2] = { { .tv_sec = 1000000000, .tv_nsec = 5 }, { .tv_sec = 1000000001, .tv_nsec = 0 } };
    struct statvfs sv;
    struct stat st, lst;
    char buf[16];
    double t0 = now_s();
    int fd;

    CHECK(statvfs("/tmp", &sv) == 0 && sv.f_bsize == 4096 && sv.f_bfree <= sv.f_blocks);
    CHECK(statvfs(TOP "/d4/rel", &sv) == 0 && sv.f_blocks == 65536);   /* through a link, to ext2 */
    FAILS(statvfs("/nowhere/x", &sv), ENOENT);
    FAILS(fstatvfs(99, &sv), EBADF);
    FAILS(fsync(-1), EBADF);
    FAILS(fsync(60), EBADF);
    CHECK((fd = open("/tmp/t", O_RDWR | O_CREAT, 0600)) >= 0);
    CHECK(fsync(fd) == 0 && fdatasync(fd) == 0 && fstatvfs(fd, &sv) == 0 && sv.f_bsize == 4096);
    /* Times: set both, keep one with UTIME_OMIT, reject a bad nanosecond count. */
    CHECK(futimens(fd, ts) == 0 && fstat(fd, &st) == 0 && st.st_atime == 1000000000 && st.st_mtime == 1000000001);
    ts[0].tv_nsec = UTIME_OMIT;
    ts[1].tv_sec = 1234;
    CHECK(utimensat(AT_FDCWD, TOP "/d4/s3", ts, 0) == 0 && stat(TOP "/d4/s3", &st) == 0 && st.st_mtime == 1234);
    ts[0].tv_nsec = 1000000000;
    FAILS(futimens(fd, ts), EINVAL);
    FAILS(utimensat(AT_FDCWD, TOP "/d4/s3", ts, 0), EINVAL);
    FAILS(utimensat(AT_FDCWD, TOP "/d4/s3", NULL, 0x4000), EINVAL);
    FAILS(utimes(TOP "/missing", NULL), ENOENT);
    FAILS(futimens(77, NULL), EBADF);
    CHECK(close(fd) == 0 && unlink("/tmp/t") == 0);
    /* The link's own times, not its target's (given times of its own first). */
    ts[0] = (struct timespec){ .tv_sec = 500000, .tv_nsec = 0 };
    ts[1] = (struct timespec){ .tv_sec = 600000, .tv_nsec = 0 };
    CHECK(utimensat(AT_FDCWD, TOP "/d4/rel", ts, 0) == 0);
    ts[0].tv_sec = 7;
    ts[1].tv_sec = 8;
    CHECK(utimensat(AT_FDCWD, TOP "/d4/rel", ts, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(lstat(TOP "/d4/rel", &lst) == 0 && lst.st_mtime == 8 && lst.st_atime == 7);
    CHECK(stat(TOP "/d4/rel", &st) == 0 && st.st_mtime == 600000 && st.st_atime == 500000);
    /* Links: bad arguments. */
    FAILS(symlink("", TOP "/empty"), ENOENT);
    FAILS(symlink("x", TOP "/d1"), EEXIST);
    FAILS(symlink("x", TOP "/nodir/x"), ENOENT);
    FAILS(readlink(TOP "/d4/rel", buf, 0), EINVAL);
    CHECK(readlink(TOP "/d4/rel", buf, 4) == 4 && memcmp(buf, "../l", 4) == 0);    /* cut short */
    FAILS(readlink(TOP "/missing", buf, sizeof(buf)), ENOENT);
    FAILS(open(TOP "/d4/rel", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    FAILS(link(TOP "/missing", TOP "/x"), ENOENT);
    FAILS(link(TOP "/d4/s4", TOP "/nodir/x"), ENOENT);
    FAILS(open(TOP "/d4/rel/", O_RDONLY), ENOTDIR);
    CHECK(lstat(TOP "/dangling", &lst) == 0 && S_ISLNK(lst.st_mode));
    step_done("statvfs, fsync, times, links: good and bad arguments", t0);
}

static void synced(void)
{
    struct statvfs sv;
    double t0 = now_s();

    CHECK(statvfs("/mnt", &sv) == 0 && sv.f_blocks == 65536 && sv.f_bfree < sv.f_blocks);
    sync();
    printf(CHECK_NAME ": used %lu of %lu blocks\n", (unsigned long)(sv.f_blocks - sv.f_bfree),
           (unsigned long)sv.f_blocks);
    step_done("sync", t0);
}

int main(void)
{
    double t0 = now_s();

    setvbuf(stdout, NULL, _IOLBF, 0);
    CHECK(check_wait_mount("/mnt", 10) == 0);     /* ext2 may still be mounting */
    many_files();
    large_file();
    renames_and_deletes();
    links();
    calls_and_errors();
    synced();
    printf(CHECK_NAME ": total %.1f s\n", now_s() - t0);
    printf(CHECK_NAME ": %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
