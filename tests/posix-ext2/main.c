/*
 * posix-ext2: files on /mnt, the ext2 server (servers/ext2) on a virtio-blk disk, through the
 * ordinary POSIX calls (system tests ext2-files.test and ext2-full.test, run as pid 1 under
 * pm). On the disk the Makefile makes from images/disk (build/ext2-test.img): reads what
 * mke2fs put there, writes/appends/overwrites, hundreds of files in a directory, mkdir/rmdir,
 * renames, truncation, a file of 4 MiB, an unlinked file open until its close. On a disk with
 * /before (build/ext2-tiny.img): writes until ENOSPC, then calls sync(). On the first disk it
 * calls no sync: it waits for the server's periodic sync and ends (pm powers off); the
 * case's check: lines read the disk with e2fsck and debugfs. On a disk with /BENCH
 * (build/ext2-bench.img, make bench): sequential write and read of 32 MiB (MB/s), with and
 * without the bulk path, 1,000 files created and removed (files/s), ls -l of them (ms).
 */
#define CHECK_NAME "posix-ext2"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/agora.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../posix-check.h"

#define BIG_SIZE (4u << 20)
#define SYNC_WAIT_S 3
#define BENCH_SIZE (32u << 20)
#define BENCH_FILES 1000

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)((i * 2654435761u) >> 13);
}

static int write_file(const char *path, const char *text, int flags)
{
    int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, text, strlen(text));
    close(fd);
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

static void test_image(void)
{
    char buf[512];
    struct stat st;

    CHECK(stat("/mnt", &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(read_file("/mnt/home/user/hello.txt", buf, sizeof(buf)) == 20 &&
          strcmp(buf, "hello from the disk\n") == 0);
    CHECK(stat("/mnt/README", &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 100);
    CHECK(read_file("/mnt/README", buf, sizeof(buf)) == st.st_size && strncmp(buf, "This is Agora's disk", 20) == 0);
    CHECK(stat("/mnt/lost+found", &st) == 0 && S_ISDIR(st.st_mode));
    check_group_end("files mke2fs put on the disk read back");
}

static void test_write(void)
{
    char buf[128];
    int fd;

    CHECK(write_file("/mnt/notes.txt", "first line\n", O_EXCL) == 0);
    CHECK(write_file("/mnt/notes.txt", "second line\n", O_APPEND) == 0);
    fd = open("/mnt/notes.txt", O_WRONLY);
    CHECK(fd >= 0 && write(fd, "FIRST", 5) == 5);
    close(fd);
    CHECK(read_file("/mnt/notes.txt", buf, sizeof(buf)) == 23 && strcmp(buf, "FIRST line\nsecond line\n") == 0);
    errno = 0;
    CHECK(open("/mnt/notes.txt", O_CREAT | O_EXCL | O_WRONLY, 0644) == -1 && errno == EEXIST);
    check_group_end("write, append, overwrite");
}

static void test_many(void)
{
    char path[64], buf[64];
    struct dirent *e;
    int n = 0, ok = 1;
    DIR *d;

    CHECK(mkdir("/mnt/many", 0755) == 0);
    for (int i = 0; i < 300 && ok; i++) {
        snprintf(path, sizeof(path), "/mnt/many/file-%03d", i);
        snprintf(buf, sizeof(buf), "file %d\n", i);
        ok = write_file(path, buf, O_EXCL) == 0;
    }
    CHECK(ok);
    CHECK((d = opendir("/mnt/many")) != 0);
    while (d && (e = readdir(d)))
        n++;
    if (d)
        closedir(d);
    CHECK(n == 302);
    for (int i = 0; i < 300 && ok; i++) {
        if (i % 3 == 0)
            continue;
        snprintf(path, sizeof(path), "/mnt/many/file-%03d", i);
        ok = unlink(path) == 0;
    }
    CHECK(ok);
    n = 0;
    CHECK((d = opendir("/mnt/many")) != 0);
    while (d && (e = readdir(d)))
        n++;
    if (d)
        closedir(d);
    CHECK(n == 102);
    CHECK(read_file("/mnt/many/file-297", buf, sizeof(buf)) == 9 && strcmp(buf, "file 297\n") == 0);
    errno = 0;
    CHECK(rmdir("/mnt/many") == -1 && errno == ENOTEMPTY);
    CHECK(mkdir("/mnt/empty", 0700) == 0 && rmdir("/mnt/empty") == 0);
    errno = 0;
    CHECK(stat("/mnt/empty", &(struct stat){ 0 }) == -1 && errno == ENOENT);
    check_group_end("300 files in a directory, 200 removed, mkdir and rmdir");
}

static void test_rename(void)
{
    char buf[64];

    CHECK(mkdir("/mnt/d1", 0755) == 0 && mkdir("/mnt/d2", 0755) == 0);
    CHECK(write_file("/mnt/d1/a", "moved\n", O_EXCL) == 0);
    CHECK(rename("/mnt/d1/a", "/mnt/d1/b") == 0);
    CHECK(rename("/mnt/d1/b", "/mnt/d2/c") == 0);
    CHECK(write_file("/mnt/d2/victim", "replaced\n", O_EXCL) == 0);
    CHECK(rename("/mnt/d2/c", "/mnt/d2/victim") == 0);
    CHECK(read_file("/mnt/d2/victim", buf, sizeof(buf)) == 6 && strcmp(buf, "moved\n") == 0);
    errno = 0;
    CHECK(stat("/mnt/d2/c", &(struct stat){ 0 }) == -1 && errno == ENOENT);
    CHECK(mkdir("/mnt/d1/sub", 0755) == 0 && rename("/mnt/d1/sub", "/mnt/d2/sub") == 0);
    CHECK(rmdir("/mnt/d1") == 0);
    errno = 0;
    CHECK(rename("/mnt/d2/victim", "/tmp/x") == -1 && errno == EXDEV);
    check_group_end("rename within and across directories, over a file, EXDEV to /tmp");
}

static void test_truncate(void)
{
    static char buf[10000];
    struct stat st;
    int fd, ok = 1;

    for (int i = 0; i < 10000; i++)
        buf[i] = (char)pattern(i);
    fd = open("/mnt/trunc", O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0 && write(fd, buf, 10000) == 10000);
    CHECK(ftruncate(fd, 1000) == 0 && fstat(fd, &st) == 0 && st.st_size == 1000);
    CHECK(ftruncate(fd, 5000) == 0 && fstat(fd, &st) == 0 && st.st_size == 5000);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, sizeof(buf)) == 5000);
    for (int i = 0; i < 5000; i++)
        ok &= buf[i] == (i < 1000 ? (char)pattern(i) : 0);
    CHECK(ok);
    close(fd);
    check_group_end("truncate down and up");
}

static void test_big(void)
{
    static uint8_t buf[65536];
    uint32_t sum = 0, back = 0;
    int fd, ok = 1;

    fd = open("/mnt/big.bin", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    for (uint64_t off = 0; off < BIG_SIZE && ok; off += sizeof(buf)) {
        for (size_t i = 0; i < sizeof(buf); i++) {
            buf[i] = pattern(off + i);
            sum = sum * 31 + buf[i];
        }
        ok = write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
    }
    CHECK(ok);
    close(fd);
    fd = open("/mnt/big.bin", O_RDONLY);
    CHECK(fd >= 0);
    for (uint64_t off = 0; off < BIG_SIZE && ok; off += sizeof(buf)) {
        size_t got = 0;
        ssize_t n;

        while (got < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - got)) > 0)
            got += (size_t)n;
        ok = got == sizeof(buf);
        for (size_t i = 0; i < got; i++)
            back = back * 31 + buf[i];
    }
    CHECK(ok && read(fd, buf, 1) == 0);
    close(fd);
    CHECK(sum == back);
    printf("posix-ext2: big.bin checksum %08x\n", (unsigned)sum);
    check_group_end("a file of 4 MiB written and read back");
}

static void test_orphan(void)
{
    char buf[32];
    int fd = open("/mnt/orphan", O_RDWR | O_CREAT | O_EXCL, 0600);

    CHECK(fd >= 0 && write(fd, "still here", 10) == 10);
    CHECK(unlink("/mnt/orphan") == 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, sizeof(buf)) == 10 && memcmp(buf, "still here", 10) == 0);
    CHECK(close(fd) == 0);
    check_group_end("an unlinked file stays readable until its close");
}

static void test_full(void)
{
    static char buf[4096];
    char text[128], path[32];
    ssize_t n = 0;
    long total = 0;
    int fd, i;

    CHECK(read_file("/mnt/before", text, sizeof(text)) > 0 &&
          strcmp(text, "a file written before the disk filled up\n") == 0);
    memset(buf, 'x', sizeof(buf));
    fd = open("/mnt/fill", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0);
    errno = 0;
    while (fd >= 0 && (n = write(fd, buf, sizeof(buf))) > 0)
        total += n;
    CHECK(n == -1 && errno == ENOSPC);
    CHECK(total > 500 * 1024);
    CHECK(close(fd) == 0);
    printf("posix-ext2: %ld bytes written before ENOSPC\n", total);
    /* Inodes run out too: 64 on this disk. */
    errno = 0;
    for (i = 0; i < 100; i++) {
        snprintf(path, sizeof(path), "/mnt/empty-%d", i);
        if (write_file(path, "", O_EXCL) < 0)
            break;
    }
    CHECK(i < 100 && errno == ENOSPC);
    CHECK(read_file("/mnt/before", text, sizeof(text)) > 0 &&
          strcmp(text, "a file written before the disk filled up\n") == 0);
    /* Room again after a removal. */
    CHECK(unlink("/mnt/empty-0") == 0 && write_file("/mnt/after", "", O_EXCL) == 0);
    check_group_end("writing until ENOSPC, earlier files intact");
}

static uint64_t now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

/* MB/s (10^6 bytes) with two decimals, as "bench: NAME VALUE MB/s" (make bench). */
static void report(const char *name, uint64_t bytes, uint64_t us)
{
    uint64_t centi = us ? bytes * 100 / us : 0;     /* bytes/us = MB/s */

    printf("bench: %s %llu.%02llu MB/s\n", name, (unsigned long long)(centi / 100), (unsigned long long)(centi % 100));
}

/*
 * What "ls -l" does for a directory of BENCH_FILES entries (busybox's ls -l: readdir, then
 * lstat of every name, then a line each), timed in ms; the lines go nowhere (the console
 * would time the serial port).
 */
static void bench_ls(void)
{
    char path[300], line[400];
    uint64_t t0 = now_us(), sum = 0;
    struct dirent *e;
    struct stat st;
    long entries = 0;
    DIR *d = opendir("/mnt/many");

    CHECK(d != NULL);
    while (d && (e = readdir(d))) {
        snprintf(path, sizeof(path), "/mnt/many/%s", e->d_name);
        if (lstat(path, &st) == 0) {
            sum += (uint64_t)snprintf(line, sizeof(line), "%o %lu %lu %lld %s", (unsigned)st.st_mode,
                                      (unsigned long)st.st_nlink, (unsigned long)st.st_uid, (long long)st.st_size,
                                      e->d_name);
            entries++;
        }
    }
    if (d)
        closedir(d);
    CHECK(entries == BENCH_FILES + 2 && sum > 0);
    printf("bench: ext2_ls_l_1000_wall %llu ms\n", (unsigned long long)((now_us() - t0) / 1000));
}

/* Sequential write (then sync) and read of BENCH_SIZE bytes in 64 KiB calls: the two figures, named after prefix. */
static void bench_seq(const char *prefix)
{
    static uint8_t buf[65536];
    char name[64];
    uint64_t t0, t1, sum = 0;
    ssize_t n;
    int fd, ok = 1;

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = pattern(i);
    fd = open("/mnt/seq", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    t0 = now_us();
    for (unsigned i = 0; i < BENCH_SIZE / sizeof(buf) && ok; i++)
        ok = write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
    CHECK(ok);
    close(fd);
    sync();
    t1 = now_us();
    snprintf(name, sizeof(name), "%s_write_wall", prefix);
    report(name, BENCH_SIZE, t1 - t0);
    fd = open("/mnt/seq", O_RDONLY);
    CHECK(fd >= 0);
    t0 = now_us();
    while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
        sum += (uint64_t)n;
    t1 = now_us();
    close(fd);
    CHECK(sum == BENCH_SIZE);
    snprintf(name, sizeof(name), "%s_read_wall", prefix);
    report(name, BENCH_SIZE, t1 - t0);
    CHECK(unlink("/mnt/seq") == 0);
    sync();
}

/* 1,000 small files made (each written and closed) and then removed: files per second each way. */
static void bench_files(void)
{
    char path[64];
    uint64_t t0, t1, t2;
    int bad = 0;

    CHECK(mkdir("/mnt/many", 0755) == 0);
    t0 = now_us();
    for (int i = 0; i < BENCH_FILES; i++) {
        int fd;

        snprintf(path, sizeof(path), "/mnt/many/f%04d", i);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        bad += fd < 0 || write(fd, path, 16) != 16;
        if (fd >= 0)
            close(fd);
    }
    t1 = now_us();
    bench_ls();
    t2 = now_us();
    for (int i = 0; i < BENCH_FILES; i++) {
        snprintf(path, sizeof(path), "/mnt/many/f%04d", i);
        bad += unlink(path) < 0;
    }
    CHECK(bad == 0);
    CHECK(rmdir("/mnt/many") == 0);
    printf("bench: ext2_create_1000_wall %llu files/s\n", (unsigned long long)(BENCH_FILES * 1000000ull / (t1 - t0 + 1)));
    printf("bench: ext2_unlink_1000_wall %llu files/s\n", (unsigned long long)(BENCH_FILES * 1000000ull / (now_us() - t2 + 1)));
}

/*
 * make bench (tools/bench.sh, on build/ext2-bench.img: /BENCH): BENCH_SIZE written in 64 KiB
 * writes and synced, then read, through the bulk path (ext2_seq_*) and through 496-byte
 * messages only (ext2_seq_msg_*, agora_bulk_io(0): the path before bulk transfers); 1,000
 * files created and removed; "ls -l" of them.
 */
static void bench(void)
{
    bench_seq("ext2_seq");
    agora_bulk_io(0);
    bench_seq("ext2_seq_msg");
    agora_bulk_io(1);
    bench_files();
    printf("posix-ext2: bench %s\n", failed ? "FAIL" : "done");
}

/* The second boot of ext2-files.test's disk (ext2-reboot.test): what the first boot wrote. */
static void test_second_boot(void)
{
    static uint8_t buf[65536];
    char text[64];
    struct dirent *e;
    uint32_t sum = 0;
    ssize_t n;
    int fd, count = 0;
    DIR *d;

    CHECK(read_file("/mnt/notes.txt", text, sizeof(text)) == 23 && strcmp(text, "FIRST line\nsecond line\n") == 0);
    CHECK(read_file("/mnt/d2/victim", text, sizeof(text)) == 6 && strcmp(text, "moved\n") == 0);
    CHECK(read_file("/mnt/many/file-297", text, sizeof(text)) == 9 && strcmp(text, "file 297\n") == 0);
    CHECK((d = opendir("/mnt/many")) != 0);
    while (d && (e = readdir(d)))
        count++;
    if (d)
        closedir(d);
    CHECK(count == 102);
    errno = 0;
    CHECK(stat("/mnt/d1", &(struct stat){ 0 }) == -1 && errno == ENOENT);
    CHECK((fd = open("/mnt/big.bin", O_RDONLY)) >= 0);
    while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
        for (ssize_t i = 0; i < n; i++)
            sum = sum * 31 + buf[i];
    close(fd);
    printf("posix-ext2: big.bin checksum %08x\n", (unsigned)sum);
    /* And a change on the second boot: the first file grows, a directory goes. */
    CHECK(write_file("/mnt/notes.txt", "third line\n", O_APPEND) == 0);
    CHECK(rmdir("/mnt/d2/sub") == 0);
    check_group_end("a second boot reads what the first wrote");
}

int main(void)
{
    struct stat st;

    setvbuf(stdout, 0, _IOLBF, 0);
    CHECK(check_wait_mount("/mnt", 10) == 0);     /* ext2 may still be mounting */
    if (stat("/mnt/BENCH", &st) == 0) {
        bench();
        return failed != 0;
    }
    if (stat("/mnt/notes.txt", &st) == 0) {
        test_second_boot();
        sync();
        printf("posix-ext2: %d passed, %d failed\n", passed, failed);
        return failed != 0;
    }
    if (stat("/mnt/before", &st) == 0) {
        test_full();
        sync();                     /* sync(2): vfs has every mount's server write back */
        printf("posix-ext2: %d passed, %d failed\n", passed, failed);
        return failed != 0;
    } else {
        test_image();
        test_write();
        test_many();
        test_rename();
        test_truncate();
        test_big();
        test_orphan();
    }
    printf("posix-ext2: waiting %d s for the periodic sync\n", SYNC_WAIT_S);
    fflush(stdout);
    sleep(SYNC_WAIT_S);
    printf("posix-ext2: %d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed != 0;
}
