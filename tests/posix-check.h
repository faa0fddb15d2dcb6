/*
 * The checks the POSIX test programs (tests/posix-*) share. Define CHECK_NAME (the program's
 * name, "posix-x") before including. A failed check prints "NAME: FAIL function:line: the
 * condition (errno N: text)"; a group of checks with none failed prints "NAME: ok GROUP";
 * the system test cases expect those lines and reject FAIL.
 */
#ifndef TESTS_POSIX_CHECK_H
#define TESTS_POSIX_CHECK_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/agora.h>
#include <unistd.h>

static int passed, failed, group_failed;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (cond) {                                                                          \
            passed++;                                                                        \
        } else {                                                                             \
            failed++;                                                                        \
            group_failed++;                                                                  \
            printf(CHECK_NAME ": FAIL %s:%d: %s (errno %d: %s)\n", __func__, __LINE__, #cond, \
                   errno, strerror(errno));                                                  \
        }                                                                                    \
    } while (0)

/* A call that must fail with errno e. */
#define FAILS(call, e)                                                                       \
    do {                                                                                     \
        errno = 0;                                                                           \
        CHECK((call) == -1 && errno == (e));                                                 \
    } while (0)

/* Ends a group: "NAME: ok GROUP" when none of its checks failed. */
static inline void check_group_end(const char *name)
{
    if (!group_failed)
        printf(CHECK_NAME ": ok %s\n", name);
    group_failed = 0;
    fflush(stdout);
}

/*
 * Waits up to seconds for vfs to list a file system mounted at path (MOUNTS): servers mount
 * themselves while pm starts pid 1, so a test of /mnt must not look before. 0, or -1.
 */
static inline int check_wait_mount(const char *path, int seconds)
{
    for (int i = 0; i < seconds * 100; i++) {
        struct agora_mount m;

        for (int k = 0; agora_mount_at(k, &m) == 0; k++)
            if (strcmp(m.path, path) == 0)
                return 0;
        usleep(10000);
    }
    return -1;
}

#endif
