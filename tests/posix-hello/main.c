/*
 * posix-hello: a plain C program built by tools/agora-cc against newlib. Exercises stdio
 * (printf, snprintf, stderr), libm, malloc/free of small and large blocks (the heap grows through
 * sbrk past 1 MiB), string functions, qsort, errno from a pending system call, and exit(0).
 * Each check prints one line; the system test (posix-hello.test) expects them all.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("posix-hello: %s %s\n", ok ? "ok" : "FAIL", what);
    if (!ok)
        failures++;
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

static void test_printf(void)
{
    char buf[128];
    int n;

    n = snprintf(buf, sizeof buf, "%d %u %x %lld %s %c %5d|%-5s|%zu", -42, 42u, 0xbeef,
                 -1234567890123LL, "str", 'c', 7, "ab", sizeof(int));
    check(n == (int)strlen(buf) &&
          strcmp(buf, "-42 42 beef -1234567890123 str c     7|ab   |4") == 0, "snprintf");
    /* volatile: the compiler would see the truncation coming and warn. */
    const char *volatile text = "truncated output";
    n = snprintf(buf, 8, "%s", text);
    check(n == 16 && strcmp(buf, "truncat") == 0, "snprintf truncation");
    snprintf(buf, sizeof buf, "%.3f %g", 3.14159, 0.5);
    check(strcmp(buf, "3.142 0.5") == 0, "snprintf of doubles");
    /* volatile: computed at run time by libm, not folded by the compiler. */
    volatile double two = 2.0;
    snprintf(buf, sizeof buf, "%.6f %.3e", sqrt(two), pow(two, 0.5) * 1e10);
    check(strcmp(buf, "1.414214 1.414e+10") == 0, "libm: sqrt, pow");
}

static void test_malloc(void)
{
    static const size_t sizes[] = { 1, 16, 100, 4096, 65536, 300000, 2u << 20, 5u << 20 };
    void *blocks[sizeof sizes / sizeof sizes[0]];
    int ok = 1;

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        blocks[i] = malloc(sizes[i]);
        if (!blocks[i]) {
            ok = 0;
            continue;
        }
        memset(blocks[i], (int)i + 1, sizes[i]);
    }
    for (size_t i = 0; ok && i < sizeof sizes / sizeof sizes[0]; i++) {
        const unsigned char *p = blocks[i];

        if (p[0] != i + 1 || p[sizes[i] - 1] != i + 1)
            ok = 0;
    }
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        free(blocks[i]);
    check(ok, "malloc and free, 1 byte to 5 MiB");

    /* Many small blocks, freed in a different order, then reused. */
    char *many[1000];
    for (int i = 0; i < 1000; i++) {
        many[i] = malloc((size_t)(i % 97) + 1);
        ok &= many[i] != NULL;
    }
    for (int i = 0; i < 1000; i += 2)
        free(many[i]);
    for (int i = 1; i < 1000; i += 2)
        free(many[i]);
    char *again = calloc(1000, 8);
    ok &= again != NULL && again[0] == 0 && again[7999] == 0;
    again = realloc(again, 3u << 20);
    ok &= again != NULL && again[7999] == 0;
    free(again);
    check(ok, "1000 small blocks, calloc, realloc to 3 MiB");
    check(sbrk(0) != (void *)-1, "sbrk(0)");
}

static void test_strings(void)
{
    char buf[64] = "hello";

    strcat(buf, ", agora");
    check(strcmp(buf, "hello, agora") == 0 && strlen(buf) == 12, "strcat, strlen, strcmp");
    check(strchr(buf, 'a') == buf + 7 && strrchr(buf, 'o') == buf + 9 &&
          strstr(buf, "gor") == buf + 8, "strchr, strrchr, strstr");
    char *dup = strdup(buf);
    check(dup && strncmp(dup, "hello", 5) == 0 && memcmp(dup, buf, 13) == 0, "strdup, memcmp");
    free(dup);
    check(strtol("-0x1f", NULL, 16) == -31 && atoi("123") == 123, "strtol, atoi");

    char words[] = "one two  three";
    int count = 0;
    for (char *t = strtok(words, " "); t; t = strtok(NULL, " "))
        count++;
    check(count == 3, "strtok");
}

static void test_qsort(void)
{
    int v[200];
    int ok = 1;

    for (int i = 0; i < 200; i++)
        v[i] = (i * 7919) % 211 - 100;
    qsort(v, 200, sizeof v[0], compare_ints);
    for (int i = 1; i < 200; i++)
        ok &= v[i - 1] <= v[i];
    int key = v[57];
    check(ok && bsearch(&key, v, 200, sizeof v[0], compare_ints) != NULL, "qsort, bsearch");
}

static void test_system(void)
{
    struct timeval tv;

    int fd;

    /* Booted alone (posix-hello.test) there is no vfs; run from the shell (make run) there is. */
    errno = 0;
    if ((fd = open("/etc/motd", O_RDONLY)) >= 0)
        check(close(fd) == 0, "open and close /etc/motd through vfs");
    else
        check(errno == ENOSYS, "open fails with ENOSYS (no vfs yet)");
    check(gettimeofday(&tv, NULL) == 0 && (tv.tv_sec > 0 || tv.tv_usec > 0), "gettimeofday");
    check(isatty(1) == 1, "isatty(1)");
    fprintf(stderr, "posix-hello: stderr works\n");
}

int main(int argc, char **argv)
{
    printf("posix-hello: hello, world from %s (argc %d)\n", argv[0], argc);
    test_printf();
    test_malloc();
    test_strings();
    test_qsort();
    test_system();
    printf("posix-hello: %d failures\n", failures);
    exit(failures ? 1 : 0);
}
