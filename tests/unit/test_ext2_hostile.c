/*
 * The ext2 library against hostile images: targeted bad superblock, descriptor, inode and
 * directory fields, then seeded loops of random byte mutations of each metadata region.
 * Every case must give an error or a valid result: never a crash (ASan and UBSan watch), a
 * hang, or a read or write outside the device.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <agora/errors.h>

#include "ext2.h"
#include "ext2_util.h"
#include "suites.h"

struct base {
    uint8_t *img;
    uint64_t size;
    uint32_t bs;
    uint64_t itable;            /* byte offset of group 0's inode table */
    uint32_t isize;
    uint64_t gdt, bbitmap, ibitmap, rootdir;
    uint64_t ind, dind, manydir;   /* /d/big's indirect blocks, /many's directory block */
};

static struct base bases[2];
static uint8_t *work;

static uint32_t rng;
static unsigned mounted, refused;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void le32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

/* Where debugfs says /d/big's indirect blocks and /many's first block are. */
static bool find_blocks(struct base *b, const char *img)
{
    size_t len;
    char *out = ext2t_debugfs(img, "stat /d/big", &len), *p;

    if (!out)
        return false;
    p = strstr(out, "(IND):");
    b->ind = p ? strtoull(p + 6, 0, 10) * b->bs : 0;
    p = strstr(out, "(DIND):");
    b->dind = p ? strtoull(p + 7, 0, 10) * b->bs : b->ind;
    free(out);
    out = ext2t_debugfs(img, "blocks /many", &len);
    if (!out)
        return false;
    b->manydir = strtoull(out, 0, 10) * b->bs;
    free(out);
    return b->ind != 0 && b->manydir != 0 && b->ind < b->size && b->dind < b->size && b->manydir < b->size;
}

/* The populated image both loops start from: files of every size class, dirs, links. */
static bool make_base(struct base *b, unsigned bs)
{
    const char *stage = ext2t_path(1, "hostile-stage"), *img = ext2t_path(2, "hostile.img");
    char extra[600];
    const struct ext2_group_desc *gd;
    const struct ext2_inode *root;

    ext2t_run("rm -rf '%s' && mkdir -p '%s/d/e/f' '%s/many' && cd '%s' && printf small > s && "
              "head -c 40000 /dev/urandom > m && head -c 300000 /dev/urandom > d/big && ln -s s fast && "
              "ln -s d/e/f/../../../d/e/f/../../big slowlink_target_name_that_is_long_enough_yes_it_is && "
              "ln -s $(printf 'x%%.0s' $(seq 100)) slow && : > d/e/f/empty && "
              "for i in $(seq 60); do echo $i > many/entry-$i; done && ln s hard",
              stage, stage, stage, stage);
    snprintf(extra, sizeof(extra), "-N 128 -d '%s'", stage);
    if (ext2t_mkfs(img, bs, 2048, extra) != 0)
        return false;
    b->img = ext2t_load(img, &b->size);
    if (!b->img)
        return false;
    b->bs = bs;
    b->gdt = (uint64_t)(bs == 1024 ? 2 : 1) * bs;
    gd = (const struct ext2_group_desc *)(b->img + b->gdt);
    b->itable = (uint64_t)gd->bg_inode_table * bs;
    b->bbitmap = (uint64_t)gd->bg_block_bitmap * bs;
    b->ibitmap = (uint64_t)gd->bg_inode_bitmap * bs;
    b->isize = ((const struct ext2_super *)(b->img + 1024))->s_inode_size;
    root = (const struct ext2_inode *)(b->img + b->itable + b->isize);
    b->rootdir = (uint64_t)root->i_block[0] * bs;
    return find_blocks(b, img);
}

static int suite_init(void)
{
    if (!ext2t_setup())
        return 1;
    if (!ext2t_have_tools())
        return 0;
    if (!make_base(&bases[0], 1024) || !make_base(&bases[1], 4096))
        return 1;
    work = malloc(bases[0].size > bases[1].size ? bases[0].size : bases[1].size);
    return work ? 0 : 1;
}

static int suite_clean(void)
{
    free(bases[0].img);
    free(bases[1].img);
    free(work);
    ext2t_cleanup();
    return 0;
}

/* Reads everything reachable (bounded), as a server answering clients would. */
static void walk(ext2_fs_t *fs, uint32_t dir, int depth, int *budget)
{
    static uint8_t buf[65536];
    struct ext2_dirent_info e;
    uint64_t cookie = 0;
    int rc;

    while (*budget > 0 && (rc = ext2_readdir(fs, dir, &cookie, &e)) == 1) {
        struct ext2_stat st;
        uint32_t ino;

        (*budget)--;
        CU_ASSERT(e.name_len <= 255 && strlen(e.name) <= e.name_len);
        if (strcmp(e.name, ".") == 0 || strcmp(e.name, "..") == 0)
            continue;
        if (ext2_lookup(fs, dir, e.name, e.name_len, &ino) != 0 || ext2_stat(fs, ino, &st) != 0)
            continue;
        switch (st.mode & EXT2_S_IFMT) {
        case EXT2_S_IFREG:
            ext2_read(fs, ino, 0, buf, sizeof(buf));
            ext2_read(fs, ino, st.size > 10 ? st.size - 10 : 0, buf, 100);
            ext2_read(fs, ino, 300000, buf, 5000);
            break;
        case EXT2_S_IFLNK:
            CU_ASSERT(ext2_readlink(fs, ino, (char *)buf, 4096) <= 4096);
            ext2_lookup_path(fs, dir, e.name, true, &ino);
            break;
        case EXT2_S_IFDIR:
            if (depth < 4)
                walk(fs, ino, depth + 1, budget);
            break;
        }
    }
}

/* Changes of every kind; each may fail, none may crash. */
static void mutate(ext2_fs_t *fs)
{
    static uint8_t buf[20000];
    uint32_t f = 0, d = 0, ino;
    struct ext2_statfs sf;

    memset(buf, 'q', sizeof(buf));
    ext2_statfs(fs, &sf);
    /* Paths through links and dots, cookies in the middle of entries. */
    ext2_lookup_path(fs, EXT2_ROOT_INO, "/d/../fast/", true, &ino);
    ext2_lookup_path(fs, EXT2_ROOT_INO, "d/e/f/../../big", true, &ino);
    ext2_lookup_path(fs, EXT2_ROOT_INO, "slowlink_target_name_that_is_long_enough_yes_it_is", true, &ino);
    for (uint64_t cookie = 5; cookie < 5000; cookie += 333) {
        struct ext2_dirent_info e;
        uint64_t c = cookie;

        ext2_readdir(fs, EXT2_ROOT_INO, &c, &e);
    }
    if (ext2_create(fs, EXT2_ROOT_INO, "new", 3, 0644, 0, 0, &f) == 0) {
        ext2_write(fs, f, 0, buf, sizeof(buf));
        ext2_write(fs, f, 300000, buf, 100);
        ext2_truncate(fs, f, 1000);
    }
    if (ext2_mkdir(fs, EXT2_ROOT_INO, "nd", 2, 0755, 0, 0, &d) == 0)
        ext2_create(fs, d, "x", 1, 0644, 0, 0, 0);
    ext2_rename(fs, EXT2_ROOT_INO, "new", 3, d ? d : EXT2_ROOT_INO, "new2", 4);
    ext2_rename(fs, EXT2_ROOT_INO, "d", 1, d ? d : EXT2_ROOT_INO, "moved", 5);
    ext2_rename(fs, EXT2_ROOT_INO, "m", 1, EXT2_ROOT_INO, "s", 1);
    ext2_symlink(fs, EXT2_ROOT_INO, "sl", 2, (const char *)buf, 300, 0, 0, 0);
    if (ext2_lookup_path(fs, EXT2_ROOT_INO, "/hard", false, &ino) == 0) {
        ext2_link(fs, ino, EXT2_ROOT_INO, "hard2", 5);
        ext2_write(fs, ino, 5000, buf, 3000);
        ext2_chmod(fs, ino, 0600);
        ext2_chown(fs, ino, 1, 2);
        ext2_utimes(fs, ino, 3, 4);
    }
    if (ext2_lookup_path(fs, EXT2_ROOT_INO, "/d/big", false, &ino) == 0 ||
        ext2_lookup_path(fs, EXT2_ROOT_INO, "/nd/moved/big", false, &ino) == 0)
        ext2_truncate(fs, ino, 12345);
    ext2_unlink(fs, EXT2_ROOT_INO, "fast", 4);
    ext2_unlink(fs, EXT2_ROOT_INO, "slow", 4);
    for (int i = 1; i <= 60; i += 7) {
        char name[32];

        snprintf(name, sizeof(name), "many/entry-%d", i);
        if (ext2_lookup_path(fs, EXT2_ROOT_INO, "/many", false, &d) == 0)
            ext2_unlink(fs, d, name + 5, strlen(name + 5));
    }
    ext2_rmdir(fs, EXT2_ROOT_INO, "many", 4);
    ext2_rmdir(fs, EXT2_ROOT_INO, "nd", 2);
    if (f) {
        ext2_fsync(fs, f);
        ext2_release(fs, f);
    }
    ext2_mknod(fs, EXT2_ROOT_INO, "dev", 3, EXT2_S_IFCHR | 0600, 1, 3, 0, 0, 0);
    ext2_sync(fs);
}

/* Mounts work (size bytes), reads and changes what it can, unmounts: no crash, nothing outside. */
static void run_image(uint64_t size, bool read_only)
{
    struct ext2_mount_opts opts = { .read_only = read_only, .cache_blocks = 16 };
    const char *why = 0;
    ext2_fs_t *fs = 0;
    struct tdev dev;
    int budget = 400, rc;

    ext2t_open_mem(&dev, work, size);
    rc = ext2_mount(&dev.dev, &ext2t_env, &opts, &fs, &why);
    if (rc == 0) {
        mounted++;
        walk(fs, EXT2_ROOT_INO, 0, &budget);
        if (!ext2_is_read_only(fs))
            mutate(fs);
        budget = 400;
        walk(fs, EXT2_ROOT_INO, 0, &budget);
        ext2_unmount(fs);
    } else {
        refused++;
        CU_ASSERT(rc < 0 && rc > -AGORA_ERROR_COUNT);
    }
    CU_ASSERT_EQUAL(dev.out_of_bounds, 0);
    if (read_only || rc != 0)
        CU_ASSERT_EQUAL(dev.writes, 0);
}

/* The unmutated base works read-write and stays clean (the loops' control case). */
static void test_base_clean(void)
{
    if (!ext2t_have_tools())
        return;
    for (int i = 0; i < 2; i++) {
        const char *img = ext2t_path(0, "base-ctl.img");
        FILE *f;

        memcpy(work, bases[i].img, bases[i].size);
        run_image(bases[i].size, false);
        f = fopen(img, "wb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fwrite(work, 1, bases[i].size, f);
        fclose(f);
        CU_ASSERT_EQUAL(ext2t_fsck(img), 0);
    }
}

/* One field set to a bad value: the mount (or the use) fails with a named error. */
struct patch {
    const char *what;
    int region;                 /* 0: superblock, 1: gdt, 2: root inode, 3: root dir block */
    uint32_t off, width, value;
    int want;                   /* the mount's error, or 0: mount works, later calls fail */
};

static const struct patch patches[] = {
    { "magic", 0, 56, 2, 0x1234, -E_CORRUPT },
    { "revision 7", 0, 76, 4, 7, -E_CORRUPT },
    { "block size 64 KiB", 0, 24, 4, 6, -E_CORRUPT },
    { "block size 2^31", 0, 24, 4, 21, -E_CORRUPT },
    { "blocks count past the device", 0, 4, 4, 0xfffffff0, -E_CORRUPT },
    { "blocks count 0", 0, 4, 4, 0, -E_CORRUPT },
    { "first data block", 0, 20, 4, 7, -E_CORRUPT },
    { "blocks per group 0", 0, 32, 4, 0, -E_CORRUPT },
    { "blocks per group huge", 0, 32, 4, 0x80000000, -E_CORRUPT },
    { "inodes per group 0", 0, 40, 4, 0, -E_CORRUPT },
    { "inodes per group huge", 0, 40, 4, 0x7fffffff, -E_CORRUPT },
    { "inodes count", 0, 0, 4, 5, -E_CORRUPT },
    { "inode size 100", 0, 88, 2, 100, -E_CORRUPT },
    { "inode size 65536-1", 0, 88, 2, 0xffff, -E_CORRUPT },
    { "first inode 0", 0, 84, 4, 0, -E_CORRUPT },
    { "free blocks > blocks", 0, 12, 4, 0xffffffff, -E_CORRUPT },
    { "reserved GDT blocks huge", 0, 206, 2, 0xffff, -E_CORRUPT },
    { "incompat: extents", 0, 96, 4, 0x42, -E_NOSYS },
    { "incompat: journal recovery", 0, 96, 4, 0x06, -E_NOSYS },
    { "block bitmap at 0", 1, 0, 4, 0, -E_CORRUPT },
    { "inode bitmap past the end", 1, 4, 4, 0xffffff00, -E_CORRUPT },
    { "inode table past the end", 1, 8, 4, 0xfffff000, -E_CORRUPT },
    { "inode table over the superblock", 1, 8, 4, 1, -E_CORRUPT },
    { "group free count huge", 1, 12, 2, 0xffff, -E_CORRUPT },
    { "root is a file", 2, 0, 2, 0x81a4, -E_CORRUPT },
    { "root size 0", 2, 4, 4, 0, -E_CORRUPT },
    { "root size odd", 2, 4, 4, 1000, -E_CORRUPT },
    { "root block in the superblock", 2, 40, 4, 0, 0 },
    { "root block past the end", 2, 40, 4, 0xfffffff0, 0 },
    { "root indirect points at the inode table", 2, 88, 4, 5, 0 },
    { "dirent rec_len 0", 3, 4, 2, 0, 0 },
    { "dirent rec_len past the block", 3, 4, 2, 0xfff0, 0 },
    { "dirent rec_len unaligned", 3, 4, 2, 13, 0 },
    { "dirent name_len > rec_len", 3, 6, 1, 250, 0 },
    { "dirent inode huge", 3, 0, 4, 0xffffffff, 0 },
    { "dirent .. to an unused inode", 3, 12, 4, 100, 0 },
};

static void test_patches(void)
{
    if (!ext2t_have_tools())
        return;
    for (int i = 0; i < 2; i++) {
        const struct base *b = &bases[i];

        for (size_t k = 0; k < sizeof(patches) / sizeof(patches[0]); k++) {
            const struct patch *p = &patches[k];
            struct ext2_mount_opts opts = { .cache_blocks = 16 };
            uint64_t at[] = { 1024, b->gdt, b->itable + b->isize, b->rootdir };
            const char *why = 0;
            ext2_fs_t *fs = 0;
            struct tdev dev;
            int rc, budget = 400;

            memcpy(work, b->img, b->size);
            memcpy(work + at[p->region] + p->off, &p->value, p->width);
            ext2t_open_mem(&dev, work, b->size);
            rc = ext2_mount(&dev.dev, &ext2t_env, &opts, &fs, &why);
            if (rc != p->want)
                fprintf(stderr, "\n%u-byte blocks, %s: mount %d, wanted %d (%s)\n", b->bs, p->what, rc,
                        p->want, why ? why : "");
            CU_ASSERT_EQUAL(rc, p->want);
            if (rc == 0) {
                uint32_t ino;

                walk(fs, EXT2_ROOT_INO, 0, &budget);
                rc = ext2_lookup(fs, EXT2_ROOT_INO, "s", 1, &ino);
                CU_ASSERT(rc == 0 || rc == -E_CORRUPT || rc == -E_NOENT);
                mutate(fs);
                ext2_unmount(fs);
            } else {
                CU_ASSERT_PTR_NOT_NULL(why);
                CU_ASSERT_EQUAL(dev.writes, 0);
            }
            CU_ASSERT_EQUAL(dev.out_of_bounds, 0);
        }
    }
}

/* Seeded random mutations of one region per round; odd rounds mount read-only. */
static void fuzz(const struct base *b, int rounds, uint32_t seed)
{
    uint64_t it_len = (uint64_t)b->isize * 32;

    mounted = refused = 0;
    for (int r = 0; r < rounds; r++) {
        struct { uint64_t off, len; } regions[] = {
            { 1024, 1024 }, { b->gdt, 64 }, { b->itable, it_len }, { b->rootdir, b->bs },
            { b->bbitmap, b->bs }, { b->ibitmap, b->bs }, { 0, b->size },
            { b->ind, b->bs }, { b->dind, b->bs }, { b->manydir, b->bs },
        };
        int region = r % 10, n;

        rng = seed + (uint32_t)r * 7919u + 1;
        memcpy(work, b->img, b->size);
        n = 1 + (int)(next() % 8);
        for (int k = 0; k < n; k++) {
            uint64_t at = regions[region].off + next() % regions[region].len;

            switch (next() % 4) {
            case 0: work[at] = (uint8_t)next(); break;
            case 1: work[at] ^= (uint8_t)(1u << (next() % 8)); break;
            case 2: work[at] = next() % 2 ? 0xff : 0; break;
            default: le32(work + (at & ~3ull), rd32(work + (at & ~3ull)) + (next() % 16) - 8); break;
            }
        }
        run_image(b->size, r % 2 == 1);
    }
    printf("(%u-byte blocks: %d rounds, %u mounted, %u refused) ", b->bs, rounds, mounted, refused);
}

static void test_fuzz_1k(void)
{
    if (ext2t_have_tools())
        fuzz(&bases[0], 2000, 1);
}

static void test_fuzz_4k(void)
{
    if (ext2t_have_tools())
        fuzz(&bases[1], 1000, 1000003);
}

/* The device fails every write: errors come back, nothing crashes, memory is freed. */
static void test_failing_device(void)
{
    struct ext2_mount_opts opts = { .cache_blocks = 16 };
    ext2_fs_t *fs = 0;
    struct tdev dev;
    uint8_t buf[8192];
    uint32_t f;
    int rc;

    if (!ext2t_have_tools())
        return;
    memcpy(work, bases[0].img, bases[0].size);
    ext2t_open_mem(&dev, work, bases[0].size);
    dev.fail_writes = true;
    CU_ASSERT_EQUAL(ext2_mount(&dev.dev, &ext2t_env, &opts, &fs, 0), -E_IO);
    dev.fail_writes = false;
    CU_ASSERT_EQUAL_FATAL(ext2_mount(&dev.dev, &ext2t_env, &opts, &fs, 0), 0);
    dev.fail_writes = true;
    memset(buf, 1, sizeof(buf));
    rc = ext2_create(fs, EXT2_ROOT_INO, "f", 1, 0644, 0, 0, &f);
    for (int i = 0; rc == 0 && i < 100; i++)
        ext2_write(fs, f, (uint64_t)i * sizeof(buf), buf, sizeof(buf));   /* evictions fail */
    CU_ASSERT_EQUAL(ext2_sync(fs), -E_IO);
    CU_ASSERT_EQUAL(ext2_unmount(fs), -E_IO);
    CU_ASSERT_EQUAL(dev.out_of_bounds, 0);
}

int test_ext2_hostile_register(void)
{
    CU_pSuite s = CU_add_suite("ext2 hostile images", suite_init, suite_clean);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "control: the unmutated image, e2fsck clean", test_base_clean) ||
        !CU_add_test(s, "bad fields: named errors", test_patches) ||
        !CU_add_test(s, "random mutations, 1 KiB blocks", test_fuzz_1k) ||
        !CU_add_test(s, "random mutations, 4 KiB blocks", test_fuzz_4k) ||
        !CU_add_test(s, "a device whose writes fail", test_failing_device))
        return CU_get_error();
    return CUE_SUCCESS;
}
