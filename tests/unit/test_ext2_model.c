/*
 * The ext2 library against a model: seeded random writes, truncates, renames and unlinks
 * across three directories, with the smallest cache (so blocks are evicted and read back all
 * the time) and remounts; every file must always read as the model says, and the image must
 * be e2fsck-clean at the end, with debugfs agreeing.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <agora/errors.h>

#include "ext2.h"
#include "ext2_util.h"
#include "suites.h"

enum { DIRS = 3, NAMES = 8, CAP = 400 * 1024 };

struct slot {
    bool exists;
    uint8_t *data;
    size_t size;
};

static struct slot model[DIRS][NAMES];
static uint32_t dir_ino[DIRS];
static uint32_t seed;

static uint32_t rnd(uint32_t n)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
}

static void name_of(int n, char *buf)
{
    snprintf(buf, 16, "file-%d", n & 0xffff);
}

static const char *dir_path(int d)
{
    static const char *const paths[DIRS] = { "", "/a", "/a/b" };

    return paths[d];
}

static void check_all(ext2_fs_t *fs)
{
    static uint8_t back[CAP + 100];

    for (int d = 0; d < DIRS; d++) {
        for (int n = 0; n < NAMES; n++) {
            char name[16];
            uint32_t ino;
            int rc;

            name_of(n, name);
            rc = ext2_lookup(fs, dir_ino[d], name, strlen(name), &ino);
            CU_ASSERT_EQUAL_FATAL(rc == 0, model[d][n].exists);
            if (rc != 0)
                continue;
            CU_ASSERT_EQUAL_FATAL(ext2_read(fs, ino, 0, back, sizeof(back)), (long)model[d][n].size);
            CU_ASSERT_FATAL(memcmp(back, model[d][n].data, model[d][n].size) == 0);
        }
    }
}

static void one_op(ext2_fs_t *fs)
{
    static uint8_t buf[40000];
    int d = (int)rnd(DIRS), n = (int)rnd(NAMES), op = (int)rnd(10);
    struct slot *s = &model[d][n];
    char name[16];
    uint32_t ino = 0;

    name_of(n, name);
    if (s->exists)
        CU_ASSERT_EQUAL_FATAL(ext2_lookup(fs, dir_ino[d], name, strlen(name), &ino), 0);
    if (op < 5) {                                           /* write */
        size_t off = rnd((uint32_t)(s->size + 20000)), len = 1 + rnd(sizeof(buf));

        if (off + len > CAP)
            return;
        if (!s->exists) {
            CU_ASSERT_EQUAL_FATAL(ext2_create(fs, dir_ino[d], name, strlen(name), 0644, 0, 0, &ino), 0);
            s->exists = true;
            s->size = 0;
        }
        ext2t_pattern(buf, len, seed);
        CU_ASSERT_EQUAL_FATAL(ext2_write(fs, ino, off, buf, len), (long)len);
        if (off > s->size)
            memset(s->data + s->size, 0, off - s->size);
        memcpy(s->data + off, buf, len);
        if (off + len > s->size)
            s->size = off + len;
    } else if (op < 7 && s->exists) {                       /* truncate */
        size_t size = rnd((uint32_t)(s->size + s->size / 2 + 1000));

        if (size > CAP)
            size = CAP;
        CU_ASSERT_EQUAL_FATAL(ext2_truncate(fs, ino, size), 0);
        if (size > s->size)
            memset(s->data + s->size, 0, size - s->size);
        s->size = size;
    } else if (op < 8 && s->exists) {                       /* unlink */
        CU_ASSERT_EQUAL_FATAL(ext2_unlink(fs, dir_ino[d], name, strlen(name)), 0);
        s->exists = false;
    } else if (s->exists) {                                 /* rename, maybe over another */
        int d2 = (int)rnd(DIRS), n2 = (int)rnd(NAMES);
        struct slot *t = &model[d2][n2], tmp;
        char name2[16];

        name_of(n2, name2);
        CU_ASSERT_EQUAL_FATAL(ext2_rename(fs, dir_ino[d], name, strlen(name), dir_ino[d2], name2,
                                          strlen(name2)), 0);
        if (t == s)
            return;
        tmp = *t;
        *t = *s;
        *s = tmp;
        s->exists = false;
    }
}

static void run_model(unsigned bs, uint32_t first_seed, bool runs)
{
    struct tdev dev;
    ext2_fs_t *fs;
    const char *img = ext2t_path(0, "model.img");

    seed = first_seed;
    memset(model, 0, sizeof(model));
    for (int d = 0; d < DIRS; d++)
        for (int n = 0; n < NAMES; n++)
            model[d][n].data = malloc(CAP);
    CU_ASSERT_EQUAL_FATAL(ext2t_mkfs(img, bs, 16384, 0), 0);
    CU_ASSERT_EQUAL_FATAL(ext2t_open_file(&dev, img), 0);
    if (runs)
        ext2t_enable_runs(&dev);
    fs = ext2t_mount_cache(&dev, false, 16);
    dir_ino[0] = EXT2_ROOT_INO;
    CU_ASSERT_EQUAL(ext2_mkdir(fs, dir_ino[0], "a", 1, 0755, 0, 0, &dir_ino[1]), 0);
    CU_ASSERT_EQUAL(ext2_mkdir(fs, dir_ino[1], "b", 1, 0755, 0, 0, &dir_ino[2]), 0);
    for (int i = 0; i < 1500; i++) {
        one_op(fs);
        if (i % 250 == 249) {
            check_all(fs);
            CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
            fs = ext2t_mount_cache(&dev, false, 16 + (uint32_t)i / 50);
        }
    }
    check_all(fs);
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    if (runs)
        CU_ASSERT(dev.run_reads > 0 && dev.run_writes > 0);
    ext2t_close(&dev);
    CU_ASSERT_EQUAL(ext2t_fsck(img), 0);
    for (int d = 0; d < DIRS; d++) {
        for (int n = 0; n < NAMES; n += 3) {
            char cmd[64];
            size_t len;
            char *out;

            if (!model[d][n].exists)
                continue;
            snprintf(cmd, sizeof(cmd), "cat %s/file-%d", dir_path(d), n);
            out = ext2t_debugfs(img, cmd, &len);
            CU_ASSERT_EQUAL(len, model[d][n].size);
            CU_ASSERT(len == model[d][n].size && memcmp(out, model[d][n].data, len) == 0);
            free(out);
        }
    }
    for (int d = 0; d < DIRS; d++)
        for (int n = 0; n < NAMES; n++)
            free(model[d][n].data);
}

static void test_model_1k(void)
{
    if (ext2t_have_tools())
        run_model(1024, 42, false);
}

static void test_model_4k(void)
{
    if (ext2t_have_tools())
        run_model(4096, 4242, false);
}

/* The same with a device that takes runs: read-ahead and clustered writes in the mix. */
static void test_model_runs_1k(void)
{
    if (ext2t_have_tools())
        run_model(1024, 4343, true);
}

static void test_model_runs_4k(void)
{
    if (ext2t_have_tools())
        run_model(4096, 4444, true);
}

/*
 * A file of 2 MiB written in order goes out in runs and reads back in runs (a 256-block
 * cache: runs of 64 blocks of 1 KiB), its contents intact; a reader that jumps reads
 * single blocks. e2fsck finds the result clean.
 */
static void test_runs(void)
{
    const uint32_t size = 2u << 20, chunk = 5000;
    uint8_t *data = malloc(size), *back = malloc(size);
    const char *img = ext2t_path(0, "runs.img");
    unsigned long reads;
    struct tdev dev;
    ext2_fs_t *fs;
    uint32_t ino;

    if (!ext2t_have_tools() || !data || !back)
        goto out;
    ext2t_pattern(data, size, 99);
    CU_ASSERT_EQUAL_FATAL(ext2t_mkfs(img, 1024, 8192, 0), 0);
    CU_ASSERT_EQUAL_FATAL(ext2t_open_file(&dev, img), 0);
    ext2t_enable_runs(&dev);
    fs = ext2t_mount_cache(&dev, false, 256);
    ino = ext2t_create(fs, EXT2_ROOT_INO, "big");
    for (uint32_t off = 0; off < size; off += chunk)
        CU_ASSERT_EQUAL(ext2_write(fs, ino, off, data + off, off + chunk > size ? size - off : chunk),
                        (long)(off + chunk > size ? size - off : chunk));
    CU_ASSERT_EQUAL(ext2_sync(fs), 0);
    CU_ASSERT(dev.run_writes > 0 && dev.run_writes < size / 1024 / 8);
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    fs = ext2t_mount_cache(&dev, false, 256);
    dev.run_reads = 0;
    reads = dev.reads;
    for (uint32_t off = 0; off < size; off += chunk)
        CU_ASSERT_EQUAL(ext2_read(fs, ino, off, back + off, chunk), (long)(off + chunk > size ? size - off : chunk));
    CU_ASSERT_EQUAL(memcmp(data, back, size), 0);
    CU_ASSERT(dev.run_reads > 0 && dev.run_reads < size / 1024 / 16);
    CU_ASSERT(dev.reads - reads >= size / 1024);            /* every block came from the disk once */
    /* Backwards, block by block, after a remount: no run is read. */
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    fs = ext2t_mount_cache(&dev, false, 256);
    dev.run_reads = 0;
    for (uint32_t off = size; off >= 4096; off -= 4096)
        CU_ASSERT_EQUAL(ext2_read(fs, ino, off - 4096, back, 1024), 1024);
    CU_ASSERT_EQUAL(dev.run_reads, 0);
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    ext2t_close(&dev);
    CU_ASSERT_EQUAL(ext2t_fsck(img), 0);
out:
    free(data);
    free(back);
}

static int suite_init(void)
{
    return ext2t_setup() ? 0 : 1;
}

static int suite_clean(void)
{
    ext2t_cleanup();
    return 0;
}

int test_ext2_model_register(void)
{
    CU_pSuite s = CU_add_suite("ext2 against a model", suite_init, suite_clean);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "random operations, 1 KiB blocks, 16-block cache", test_model_1k) ||
        !CU_add_test(s, "random operations, 4 KiB blocks, 16-block cache", test_model_4k) ||
        !CU_add_test(s, "random operations, 1 KiB blocks, a device that takes runs", test_model_runs_1k) ||
        !CU_add_test(s, "random operations, 4 KiB blocks, a device that takes runs", test_model_runs_4k) ||
        !CU_add_test(s, "read-ahead and clustered writes of a 2 MiB file", test_runs))
        return CU_get_error();
    return CUE_SUCCESS;
}
