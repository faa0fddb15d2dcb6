/*
 * svc-demo: shows the driver supervisor at work (README.md, "Drivers that die"). In DIR (an
 * ext2 directory; default /mnt): makes an 8 MiB file of a pseudo-random pattern, starts
 * `cp` copying it, kills the disk driver twice while the copy runs (svc kill virtio-blk),
 * waits for cp, and compares both files' checksums.
 *
 *   svc-demo [DIR]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/agora.h>
#include <sys/wait.h>
#include <unistd.h>

#define DRIVER  "virtio-blk"
#define MIB     8
#define CHUNK   (64 * 1024)

static uint8_t buf[CHUNK];

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}

static int make_source(const char *path)
{
    uint64_t x = 0x5356432D44454D4Full;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd < 0)
        return -1;
    for (int k = 0; k < MIB * 1024 * 1024 / CHUNK; k++) {
        for (size_t i = 0; i < CHUNK; i += 8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            memcpy(buf + i, &x, 8);
        }
        if (write(fd, buf, CHUNK) != CHUNK) {
            if (errno == 0)
                errno = ENOSPC;      /* a short write: the disk is full */
            close(fd);
            return -1;
        }
    }
    return close(fd);
}

static int checksum(const char *path, uint64_t *sum, long *bytes)
{
    int fd = open(path, O_RDONLY);
    ssize_t n;

    if (fd < 0)
        return -1;
    *sum = 0xCBF29CE484222325ull;
    *bytes = 0;
    while ((n = read(fd, buf, CHUNK)) > 0) {
        *sum = fnv(*sum, buf, (size_t)n);
        *bytes += n;
    }
    close(fd);
    return n < 0 ? -1 : 0;
}

static void kill_driver(int which)
{
    struct agora_svc s;

    sleep(1);
    if (agora_svc_control(DRIVER, AGORA_SVC_KILL, 0, 0) < 0) {
        printf("svc-demo: svc kill %s: %s\n", DRIVER, strerror(errno));
        return;
    }
    printf("svc-demo: killed the disk driver (%d of 2) while cp runs\n", which);
    for (int i = 0; agora_svc_info(i, &s) == 0; i++)
        if (strcmp(s.name, DRIVER) == 0)
            printf("svc-demo: %s now pid %d, %lu restarts\n", s.name, (int)s.pid, s.restarts);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/mnt";
    char src[256], dst[256];
    uint64_t a, b;
    long na, nb;
    int status;
    pid_t cp;

    setvbuf(stdout, 0, _IOLBF, 0);
    snprintf(src, sizeof(src), "%s/svc-demo.src", dir);
    snprintf(dst, sizeof(dst), "%s/svc-demo.dst", dir);
    printf("svc-demo: writing %d MiB to %s\n", MIB, src);
    if (make_source(src) < 0) {
        printf("svc-demo: %s: %s\n", src, strerror(errno));
        return 1;
    }
    sync();
    printf("svc-demo: cp %s %s, and the disk driver killed twice meanwhile\n", src, dst);
    if ((cp = fork()) == 0) {
        /* /bin/cp is a one-line script for the shell (tools/mkrootfs.sh): busybox itself. */
        execl("/bin/busybox", "cp", src, dst, (char *)0);
        printf("svc-demo: exec /bin/busybox cp: %s\n", strerror(errno));
        _exit(127);
    }
    kill_driver(1);
    kill_driver(2);
    if (cp < 0 || waitpid(cp, &status, 0) < 0) {
        printf("svc-demo: cp: %s\n", strerror(errno));
        return 1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("svc-demo: cp failed (wait status 0x%x)\n", status);
        return 1;
    }
    sync();
    if (checksum(src, &a, &na) < 0 || checksum(dst, &b, &nb) < 0) {
        printf("svc-demo: reading back: %s\n", strerror(errno));
        return 1;
    }
    printf("svc-demo: %s %016llx %ld bytes\n", src, (unsigned long long)a, na);
    printf("svc-demo: %s %016llx %ld bytes\n", dst, (unsigned long long)b, nb);
    printf("svc-demo: %s\n", a == b && na == nb ? "the copy is intact" : "THE COPY DIFFERS");
    unlink(dst);
    unlink(src);
    return a == b && na == nb ? 0 : 1;
}
