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

static void run_model(unsigned bs, uint32_t first_seed)
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
        run_model(1024, 42);
}

static void test_model_4k(void)
{
    if (ext2t_have_tools())
        run_model(4096, 4242);
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
        !CU_add_test(s, "random operations, 4 KiB blocks, 16-block cache", test_model_4k))
        return CU_get_error();
    return CUE_SUCCESS;
}
