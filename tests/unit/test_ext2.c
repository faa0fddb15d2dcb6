/*
 * The ext2 library (servers/ext2) against real images: mke2fs makes them, the library works
 * on them through a file-backed device, e2fsck -fn must find them clean after every change,
 * and debugfs reads back what was written.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <agora/errors.h>

#include "ext2.h"
#include "ext2_util.h"
#include "suites.h"

#define NEED_TOOLS()                   \
    do {                               \
        if (!ext2t_have_tools())       \
            return;                    \
    } while (0)

static const unsigned block_sizes[] = { 1024, 4096, 2048 };
#define NBS (sizeof(block_sizes) / sizeof(block_sizes[0]))

struct session {
    const char *img;
    struct tdev dev;
    ext2_fs_t *fs;
};

/* A fresh image (mke2fs with extra options) mounted read-write. */
static void begin(struct session *s, const char *name, unsigned bs, unsigned kib, const char *extra)
{
    s->img = ext2t_path(0, name);
    CU_ASSERT_EQUAL_FATAL(ext2t_mkfs(s->img, bs, kib, extra), 0);
    CU_ASSERT_EQUAL_FATAL(ext2t_open_file(&s->dev, s->img), 0);
    s->fs = ext2t_mount(&s->dev, false);
}

static void remount(struct session *s)
{
    CU_ASSERT_EQUAL(ext2_unmount(s->fs), 0);
    s->fs = ext2t_mount(&s->dev, false);
}

/* Unmount, close, and e2fsck -fn must be clean. */
static void end(struct session *s)
{
    CU_ASSERT_EQUAL(ext2_unmount(s->fs), 0);
    s->fs = 0;
    ext2t_close(&s->dev);
    CU_ASSERT_EQUAL(ext2t_fsck(s->img), 0);
}

static size_t slen(const char *s)
{
    return strlen(s);
}

/* debugfs cat of path equals want exactly. */
static void expect_cat(const char *img, const char *path, const uint8_t *want, size_t len)
{
    char cmd[600];
    size_t got = 0;
    char *out;

    snprintf(cmd, sizeof(cmd), "cat %s", path);
    out = ext2t_debugfs(img, cmd, &got);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(got, len);
    if (got == len)
        CU_ASSERT(memcmp(out, want, len) == 0);
    free(out);
}

static void test_mount_defaults(void)
{
    NEED_TOOLS();
    for (size_t i = 0; i < NBS; i++) {
        struct session s;
        struct ext2_statfs st;
        struct ext2_stat root;
        uint8_t sb[1024];

        begin(&s, "mount.img", block_sizes[i], 8192, 0);
        CU_ASSERT_FALSE(ext2_is_read_only(s.fs));
        CU_ASSERT_EQUAL(ext2_block_size(s.fs), block_sizes[i]);
        /* Mounted: the superblock on disk says "not clean". */
        CU_ASSERT_EQUAL(pread(s.dev.fd, sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
        CU_ASSERT_EQUAL(((struct ext2_super *)sb)->s_state & EXT2_VALID_FS, 0);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &st), 0);
        CU_ASSERT_EQUAL(st.blocks * st.block_size, 8192u * 1024);
        CU_ASSERT(st.free_blocks > 0 && st.free_blocks < st.blocks);
        CU_ASSERT(st.avail_blocks < st.free_blocks);
        CU_ASSERT(st.free_inodes > 0 && st.free_inodes < st.inodes);
        CU_ASSERT_EQUAL(ext2_stat(s.fs, EXT2_ROOT_INO, &root), 0);
        CU_ASSERT_EQUAL(root.mode & EXT2_S_IFMT, EXT2_S_IFDIR);
        CU_ASSERT_EQUAL(root.links, 3);       /* ".", "..", lost+found's ".." */
        CU_ASSERT_NOT_EQUAL(ext2t_lookup(s.fs, "/lost+found"), 0);
        CU_ASSERT_EQUAL(ext2_unmount(s.fs), 0);
        CU_ASSERT_EQUAL(pread(s.dev.fd, sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
        CU_ASSERT_EQUAL(((struct ext2_super *)sb)->s_state & EXT2_VALID_FS, EXT2_VALID_FS);
        CU_ASSERT_EQUAL(((struct ext2_super *)sb)->s_mnt_count, 1);
        /* A file system that was not clean at mount is not called clean at unmount. */
        ((struct ext2_super *)sb)->s_state = 0;
        CU_ASSERT_EQUAL(pwrite(s.dev.fd, sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
        s.fs = ext2t_mount(&s.dev, false);
        CU_ASSERT_EQUAL(ext2_unmount(s.fs), 0);
        CU_ASSERT_EQUAL(pread(s.dev.fd, sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
        CU_ASSERT_EQUAL(((struct ext2_super *)sb)->s_state, 0);
        ((struct ext2_super *)sb)->s_state = EXT2_VALID_FS;
        CU_ASSERT_EQUAL(pwrite(s.dev.fd, sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
        ext2t_close(&s.dev);
        CU_ASSERT_EQUAL(ext2t_fsck(s.img), 0);
    }
}

/* Files mke2fs -d put there read back byte for byte; symlinks; readdir sees them all. */
static void test_read_prefilled(void)
{
    static uint8_t big[300 * 1024];
    char slow[200];
    NEED_TOOLS();
    const char *stage = ext2t_path(1, "stage");
    char p[600];
    FILE *f;

    ext2t_run("rm -rf '%s' && mkdir -p '%s/dir/sub' && printf 'hello, ext2\\n' > '%s/small' && : > '%s/empty'",
              stage, stage, stage, stage);
    ext2t_pattern(big, sizeof(big), 7);
    snprintf(p, sizeof(p), "%s/dir/sub/big", stage);
    f = fopen(p, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(big, 1, sizeof(big), f);
    fclose(f);
    memset(slow, 'x', sizeof(slow) - 1);
    slow[sizeof(slow) - 1] = 0;
    memcpy(slow, "dir/", 4);
    ext2t_run("cd '%s' && ln -s small fast && ln -s '%s' slow && ln -s dir/sub dlink", stage, slow);
    for (size_t i = 0; i < NBS; i++) {
        char extra[600], buf[256];
        struct session s;
        struct ext2_dirent_info e;
        uint64_t cookie = 0;
        uint8_t *back = malloc(sizeof(big));
        uint32_t ino;
        int names = 0;

        snprintf(extra, sizeof(extra), "-d '%s'", stage);
        begin(&s, "pre.img", block_sizes[i], 4096, extra);
        ino = ext2t_lookup(s.fs, "/small");
        CU_ASSERT_NOT_EQUAL_FATAL(ino, 0);
        CU_ASSERT_EQUAL(ext2_read(s.fs, ino, 0, buf, sizeof(buf)), 12);
        CU_ASSERT(memcmp(buf, "hello, ext2\n", 12) == 0);
        CU_ASSERT_EQUAL(ext2_read(s.fs, ino, 5, buf, 3), 3);
        CU_ASSERT(memcmp(buf, ", e", 3) == 0);
        CU_ASSERT_EQUAL(ext2_read(s.fs, ino, 12, buf, 3), 0);
        CU_ASSERT_EQUAL(ext2_read(s.fs, ext2t_lookup(s.fs, "empty"), 0, buf, 3), 0);
        ino = ext2t_lookup(s.fs, "/dir/sub/big");
        CU_ASSERT_EQUAL(ext2_read(s.fs, ino, 0, back, sizeof(big)), (long)sizeof(big));
        CU_ASSERT(memcmp(back, big, sizeof(big)) == 0);
        CU_ASSERT_EQUAL(ext2_read(s.fs, ino, 70000, back, 1000), 1000);
        CU_ASSERT(memcmp(back, big + 70000, 1000) == 0);
        /* Symlinks: followed, or read. */
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/fast"), ext2t_lookup(s.fs, "/small"));
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/dlink/big"), ino);
        CU_ASSERT_EQUAL(ext2_lookup_path(s.fs, EXT2_ROOT_INO, "slow", false, &ino), 0);
        CU_ASSERT_EQUAL(ext2_readlink(s.fs, ino, buf, sizeof(buf)), (long)strlen(slow));
        CU_ASSERT(memcmp(buf, slow, strlen(slow)) == 0);
        CU_ASSERT_EQUAL(ext2_lookup_path(s.fs, EXT2_ROOT_INO, "slow", true, &ino), -E_NOENT);
        CU_ASSERT_EQUAL(ext2_lookup_path(s.fs, EXT2_ROOT_INO, "/dir/sub/../../small", true, &ino), 0);
        CU_ASSERT_EQUAL(ext2_lookup_path(s.fs, EXT2_ROOT_INO, "/small/", true, &ino), -E_NOTDIR);
        CU_ASSERT_EQUAL(ext2_lookup_path(s.fs, EXT2_ROOT_INO, "dlink/", false, &ino), 0);
        CU_ASSERT_EQUAL(ino, ext2t_lookup(s.fs, "/dir/sub"));
        CU_ASSERT_EQUAL(ext2_lookup_path(s.fs, EXT2_ROOT_INO, "fast/", false, &ino), -E_NOTDIR);
        CU_ASSERT_EQUAL(ext2_lookup_path(s.fs, EXT2_ROOT_INO, "/small/x", true, &ino), -E_NOTDIR);
        CU_ASSERT_EQUAL(ext2_read(s.fs, EXT2_ROOT_INO, 0, buf, 1), -E_ISDIR);
        while (ext2_readdir(s.fs, EXT2_ROOT_INO, &cookie, &e) == 1) {
            names++;
            if (strcmp(e.name, "dir") == 0)
                CU_ASSERT_EQUAL(e.type, EXT2_FT_DIR);
            if (strcmp(e.name, "fast") == 0)
                CU_ASSERT_EQUAL(e.type, EXT2_FT_SYMLINK);
        }
        CU_ASSERT_EQUAL(names, 9);    /* . .. lost+found small empty dir fast slow dlink */
        free(back);
        end(&s);
    }
}

/* Write, append, overwrite across block edges; debugfs sees exactly the shadow copy. */
static void test_write_append_overwrite(void)
{
    NEED_TOOLS();
    for (size_t i = 0; i < NBS; i++) {
        static uint8_t shadow[70000], chunk[70000], back[70000];
        struct session s;
        size_t size = 0;
        uint32_t ino;

        begin(&s, "write.img", block_sizes[i], 4096, 0);
        ino = ext2t_create(s.fs, EXT2_ROOT_INO, "f");
        CU_ASSERT_EQUAL(ext2_create(s.fs, EXT2_ROOT_INO, "f", 1, 0644, 0, 0, 0), -E_EXIST);
        CU_ASSERT_EQUAL(ext2_write(s.fs, ino, 0, "hello", 5), 5);
        memcpy(shadow, "hello", 5);
        size = 5;
        for (uint32_t k = 0; k < 20; k++) {         /* appends of odd sizes */
            size_t n = 1 + (k * 977) % 3000;

            ext2t_pattern(chunk, n, k);
            CU_ASSERT_EQUAL(ext2_write(s.fs, ino, size, chunk, n), (long)n);
            memcpy(shadow + size, chunk, n);
            size += n;
        }
        for (uint32_t k = 0; k < 10; k++) {         /* overwrites inside and past the end */
            size_t off = (k * 7919) % size, n = 1 + (k * 3331) % 5000;

            ext2t_pattern(chunk, n, 100 + k);
            CU_ASSERT_EQUAL(ext2_write(s.fs, ino, off, chunk, n), (long)n);
            memcpy(shadow + off, chunk, n);
            if (off + n > size)
                size = off + n;
        }
        CU_ASSERT_EQUAL(ext2_read(s.fs, ino, 0, back, sizeof(back)), (long)size);
        CU_ASSERT(memcmp(back, shadow, size) == 0);
        CU_ASSERT_EQUAL(ext2_write(s.fs, EXT2_ROOT_INO, 0, "x", 1), -E_ISDIR);
        remount(&s);
        CU_ASSERT_EQUAL(ext2_read(s.fs, ino, 0, back, sizeof(back)), (long)size);
        CU_ASSERT(memcmp(back, shadow, size) == 0);
        end(&s);
        expect_cat(s.img, "/f", shadow, size);
    }
}

/* 32 MiB with 1 KiB blocks: double-indirect blocks; checksums agree through debugfs too. */
static void test_big_file(void)
{
    enum { TOTAL = 32 << 20, CHUNK = 1 << 16 };
    uint8_t *chunk = malloc(CHUNK), *all;
    uint64_t want = 1469598103934665603ull, got;
    struct ext2_stat st;
    struct session s;
    size_t len;
    uint32_t ino;
    NEED_TOOLS();

    begin(&s, "big.img", 1024, 64 << 10, "-N 256");
    ino = ext2t_create(s.fs, EXT2_ROOT_INO, "big");
    for (uint32_t off = 0; off < TOTAL; off += CHUNK) {
        ext2t_pattern(chunk, CHUNK, off / CHUNK);
        CU_ASSERT_EQUAL_FATAL(ext2_write(s.fs, ino, off, chunk, CHUNK), CHUNK);
    }
    CU_ASSERT_EQUAL(ext2_stat(s.fs, ino, &st), 0);
    CU_ASSERT_EQUAL(st.size, TOTAL);
    /* data + 1 indirect + 1 double + 127 second-level indirect blocks, in 512-byte units */
    CU_ASSERT_EQUAL(st.blocks, (32768u + 1 + 1 + 127) * 2);
    remount(&s);
    all = malloc(TOTAL);
    CU_ASSERT_EQUAL(ext2_read(s.fs, ino, 0, all, TOTAL), TOTAL);
    for (uint32_t off = 0; off < TOTAL; off += CHUNK) {
        ext2t_pattern(chunk, CHUNK, off / CHUNK);
        CU_ASSERT_FATAL(memcmp(all + off, chunk, CHUNK) == 0);
    }
    want = ext2t_sum(all, TOTAL);
    end(&s);
    free(all);
    all = (uint8_t *)ext2t_debugfs(s.img, "cat /big", &len);
    CU_ASSERT_EQUAL(len, TOTAL);
    got = ext2t_sum(all, len);
    CU_ASSERT_EQUAL(got, want);
    free(all);
    free(chunk);
}

/* Only at 20 MiB (and past 64 MiB: triple indirect with 1 KiB blocks): the rest reads as zeros. */
static void test_sparse(void)
{
    static const uint64_t offs[] = { 20ull << 20, 70ull << 20 };
    uint8_t data[5000], back[8192];
    NEED_TOOLS();

    for (size_t i = 0; i < NBS; i++) {
        for (size_t k = 0; k < 2; k++) {
            struct ext2_statfs before, after;
            struct ext2_stat st;
            struct session s;
            uint64_t off = offs[k];
            uint8_t *all;
            size_t len;
            uint32_t ino;

            begin(&s, "sparse.img", block_sizes[i], 4096, 0);
            CU_ASSERT_EQUAL(ext2_statfs(s.fs, &before), 0);
            ino = ext2t_create(s.fs, EXT2_ROOT_INO, "s");
            ext2t_pattern(data, sizeof(data), 3);
            CU_ASSERT_EQUAL(ext2_write(s.fs, ino, off, data, sizeof(data)), (long)sizeof(data));
            CU_ASSERT_EQUAL(ext2_stat(s.fs, ino, &st), 0);
            CU_ASSERT_EQUAL(st.size, off + sizeof(data));
            CU_ASSERT(st.blocks < 64);
            CU_ASSERT_EQUAL(ext2_read(s.fs, ino, 0, back, sizeof(back)), (long)sizeof(back));
            for (size_t j = 0; j < sizeof(back); j++)
                CU_ASSERT_FATAL(back[j] == 0);
            CU_ASSERT_EQUAL(ext2_read(s.fs, ino, off - 100, back, 5100), 5100);
            for (size_t j = 0; j < 100; j++)
                CU_ASSERT_FATAL(back[j] == 0);
            CU_ASSERT(memcmp(back + 100, data, sizeof(data)) == 0);
            remount(&s);
            end(&s);
            all = (uint8_t *)ext2t_debugfs(s.img, "cat /s", &len);
            CU_ASSERT_EQUAL(len, off + sizeof(data));
            if (len == off + sizeof(data))
                CU_ASSERT(memcmp(all + off, data, sizeof(data)) == 0);
            free(all);
            /* Freeing it gives every block back, indirect ones included. */
            CU_ASSERT_EQUAL_FATAL(ext2t_open_file(&s.dev, s.img), 0);
            s.fs = ext2t_mount(&s.dev, false);
            CU_ASSERT_EQUAL(ext2_unlink(s.fs, EXT2_ROOT_INO, "s", 1), 0);
            CU_ASSERT_EQUAL(ext2_statfs(s.fs, &after), 0);
            CU_ASSERT_EQUAL(after.free_blocks, before.free_blocks);
            CU_ASSERT_EQUAL(after.free_inodes, before.free_inodes);
            end(&s);
        }
    }
}

static void test_truncate(void)
{
    static uint8_t data[300000], back[300000];
    NEED_TOOLS();

    for (size_t i = 0; i < NBS; i++) {
        struct ext2_statfs before, mid, after;
        struct ext2_stat st;
        struct session s;
        uint32_t ino;

        begin(&s, "trunc.img", block_sizes[i], 4096, 0);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &before), 0);
        ino = ext2t_create(s.fs, EXT2_ROOT_INO, "t");
        ext2t_pattern(data, sizeof(data), 9);
        CU_ASSERT_EQUAL(ext2_write(s.fs, ino, 0, data, sizeof(data)), (long)sizeof(data));
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &mid), 0);
        CU_ASSERT(mid.free_blocks < before.free_blocks);
        CU_ASSERT_EQUAL(ext2_truncate(s.fs, ino, 5000), 0);
        CU_ASSERT_EQUAL(ext2_stat(s.fs, ino, &st), 0);
        CU_ASSERT_EQUAL(st.size, 5000);
        CU_ASSERT_EQUAL(st.blocks, (5000 + block_sizes[i] - 1) / block_sizes[i] * (block_sizes[i] / 512));
        /* Extend: a hole; the old tail past 5000 reads as zeros, not the old bytes. */
        CU_ASSERT_EQUAL(ext2_truncate(s.fs, ino, 100000), 0);
        CU_ASSERT_EQUAL(ext2_read(s.fs, ino, 0, back, sizeof(back)), 100000);
        CU_ASSERT(memcmp(back, data, 5000) == 0);
        for (size_t j = 5000; j < 100000; j++)
            CU_ASSERT_FATAL(back[j] == 0);
        memset(data + 5000, 0, 95000);
        CU_ASSERT_EQUAL(ext2_write(s.fs, ino, 99990, "tail", 4), 4);
        memcpy(data + 99990, "tail", 4);
        CU_ASSERT_EQUAL(ext2_truncate(s.fs, ino, 0), 0);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &after), 0);
        CU_ASSERT_EQUAL(after.free_blocks, before.free_blocks);
        CU_ASSERT_EQUAL(ext2_write(s.fs, ino, 0, data, 99994), 99994);
        CU_ASSERT_EQUAL(ext2_truncate(s.fs, ino, 70001), 0);
        CU_ASSERT_EQUAL(ext2_truncate(s.fs, EXT2_ROOT_INO, 0), -E_ISDIR);
        end(&s);
        expect_cat(s.img, "/t", data, 70001);
    }
}

/* Thousands of names in one directory: created, found, listed, removed. */
static void test_many_files(void)
{
    enum { N = 3000 };
    struct ext2_dirent_info e;
    struct ext2_statfs before, after;
    struct ext2_stat st;
    struct session s;
    uint64_t cookie = 0;
    char name[32];
    uint32_t dir, ino;
    int seen = 0;
    NEED_TOOLS();

    begin(&s, "many.img", 1024, 8192, "-N 4096");
    CU_ASSERT_EQUAL(ext2_statfs(s.fs, &before), 0);
    dir = ext2t_mkdir(s.fs, EXT2_ROOT_INO, "d");
    for (int k = 0; k < N; k++) {
        snprintf(name, sizeof(name), "file-%05d-%s", k, k % 3 ? "x" : "a-longer-name");
        CU_ASSERT_EQUAL_FATAL(ext2_create(s.fs, dir, name, slen(name), 0600, 0, 0, &ino), 0);
        if (k % 100 == 0)
            CU_ASSERT_EQUAL(ext2_write(s.fs, ino, 0, name, slen(name)), (long)slen(name));
    }
    CU_ASSERT_EQUAL(ext2_stat(s.fs, dir, &st), 0);
    CU_ASSERT(st.size > 50 * 1024);
    remount(&s);
    while (ext2_readdir(s.fs, dir, &cookie, &e) == 1)
        seen++;
    CU_ASSERT_EQUAL(seen, N + 2);
    snprintf(name, sizeof(name), "file-%05d-%s", 2999, "x");
    CU_ASSERT_EQUAL(ext2_lookup(s.fs, dir, name, slen(name), &ino), 0);
    CU_ASSERT_EQUAL(ext2_unmount(s.fs), 0);
    CU_ASSERT_EQUAL(ext2t_fsck(s.img), 0);
    s.fs = ext2t_mount(&s.dev, false);
    for (int k = 0; k < N; k++) {
        snprintf(name, sizeof(name), "file-%05d-%s", k, k % 3 ? "x" : "a-longer-name");
        CU_ASSERT_EQUAL_FATAL(ext2_unlink(s.fs, dir, name, slen(name)), 0);
    }
    CU_ASSERT_EQUAL(ext2_unlink(s.fs, dir, name, slen(name)), -E_NOENT);
    cookie = 0;
    seen = 0;
    while (ext2_readdir(s.fs, dir, &cookie, &e) == 1)
        seen++;
    CU_ASSERT_EQUAL(seen, 2);
    CU_ASSERT_EQUAL(ext2_rmdir(s.fs, EXT2_ROOT_INO, "d", 1), 0);
    CU_ASSERT_EQUAL(ext2_statfs(s.fs, &after), 0);
    CU_ASSERT_EQUAL(after.free_blocks, before.free_blocks);
    CU_ASSERT_EQUAL(after.free_inodes, before.free_inodes);
    end(&s);
}

static uint32_t links_of(ext2_fs_t *fs, uint32_t ino)
{
    struct ext2_stat st;

    return ext2_stat(fs, ino, &st) == 0 ? st.links : 0;
}

static void test_mkdir_rmdir(void)
{
    NEED_TOOLS();
    for (size_t i = 0; i < NBS; i++) {
        struct ext2_statfs before, after;
        struct session s;
        uint32_t a, b, c, d, f, up;

        begin(&s, "dirs.img", block_sizes[i], 4096, 0);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &before), 0);
        a = ext2t_mkdir(s.fs, EXT2_ROOT_INO, "a");
        b = ext2t_mkdir(s.fs, a, "b");
        c = ext2t_mkdir(s.fs, b, "c");
        d = ext2t_mkdir(s.fs, c, "d");
        f = ext2t_create(s.fs, d, "file");
        CU_ASSERT_EQUAL(ext2_mkdir(s.fs, a, "b", 1, 0755, 0, 0, 0), -E_EXIST);
        CU_ASSERT_EQUAL(ext2_mkdir(s.fs, f, "x", 1, 0755, 0, 0, 0), -E_NOTDIR);
        CU_ASSERT_EQUAL(ext2_mkdir(s.fs, a, "..", 2, 0755, 0, 0, 0), -E_EXIST);
        CU_ASSERT_EQUAL(links_of(s.fs, EXT2_ROOT_INO), 4);
        CU_ASSERT_EQUAL(links_of(s.fs, a), 3);
        CU_ASSERT_EQUAL(links_of(s.fs, d), 2);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/a/b/c/d/file"), f);
        CU_ASSERT_EQUAL(ext2_lookup(s.fs, d, "..", 2, &up), 0);
        CU_ASSERT_EQUAL(up, c);
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, c, "d", 1), -E_NOTEMPTY);
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, a, "b", 1), -E_NOTEMPTY);
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, d, "file", 4), -E_NOTDIR);
        CU_ASSERT_EQUAL(ext2_unlink(s.fs, c, "d", 1), -E_ISDIR);
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, d, ".", 1), -E_INVAL);
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, d, "..", 2), -E_NOTEMPTY);
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, d, "nope", 4), -E_NOENT);
        remount(&s);
        CU_ASSERT_EQUAL(ext2_unlink(s.fs, d, "file", 4), 0);
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, c, "d", 1), 0);
        CU_ASSERT_EQUAL(links_of(s.fs, c), 2);
        CU_ASSERT_EQUAL(ext2_create(s.fs, d, "x", 1, 0644, 0, 0, 0), -E_NOENT);   /* removed */
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, b, "c", 1), 0);
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, a, "b", 1), 0);
        CU_ASSERT_EQUAL(ext2_unmount(s.fs), 0);
        CU_ASSERT_EQUAL(ext2t_fsck(s.img), 0);     /* "a" still there, empty */
        s.fs = ext2t_mount(&s.dev, false);
        CU_ASSERT_EQUAL(links_of(s.fs, a), 2);
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, EXT2_ROOT_INO, "a", 1), 0);
        CU_ASSERT_EQUAL(links_of(s.fs, EXT2_ROOT_INO), 3);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &after), 0);
        CU_ASSERT_EQUAL(after.free_blocks, before.free_blocks);
        CU_ASSERT_EQUAL(after.free_inodes, before.free_inodes);
        end(&s);
    }
}

static void test_rename(void)
{
    NEED_TOOLS();
    for (size_t i = 0; i < NBS; i++) {
        struct ext2_statfs before, after;
        struct session s;
        uint32_t d1, d2, f, g, m, sub, e, up, h;
        char buf[16];

        begin(&s, "rename.img", block_sizes[i], 4096, 0);
        d1 = ext2t_mkdir(s.fs, EXT2_ROOT_INO, "d1");
        d2 = ext2t_mkdir(s.fs, EXT2_ROOT_INO, "d2");
        f = ext2t_create(s.fs, d1, "f");
        CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0, "F", 1), 1);
        g = ext2t_create(s.fs, d1, "g");
        CU_ASSERT_EQUAL(ext2_write(s.fs, g, 0, "G", 1), 1);
        /* Within a directory, then across. */
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d1, "f", 1, d1, "f2", 2), 0);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/d1/f"), 0);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/d1/f2"), f);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d1, "f2", 2, d2, "f", 1), 0);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/d2/f"), f);
        /* File over file: the old g goes, its inode freed. */
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &before), 0);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d2, "f", 1, d1, "g", 1), 0);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &after), 0);
        CU_ASSERT_EQUAL(after.free_inodes, before.free_inodes + 1);
        CU_ASSERT_EQUAL(after.free_blocks, before.free_blocks + 1);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/d1/g"), f);
        CU_ASSERT_EQUAL(ext2_read(s.fs, f, 0, buf, 1), 1);
        CU_ASSERT_EQUAL(buf[0], 'F');
        /* The same node twice (hard links): nothing changes. */
        CU_ASSERT_EQUAL(ext2_link(s.fs, f, d2, "h", 1), 0);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d1, "g", 1, d2, "h", 1), 0);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/d1/g"), f);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/d2/h"), f);
        CU_ASSERT_EQUAL(links_of(s.fs, f), 2);
        /* A directory across directories: ".." and link counts follow. */
        m = ext2t_mkdir(s.fs, d1, "m");
        sub = ext2t_mkdir(s.fs, m, "sub");
        CU_ASSERT_EQUAL(links_of(s.fs, d1), 3);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d1, "m", 1, d2, "m2", 2), 0);
        CU_ASSERT_EQUAL(links_of(s.fs, d1), 2);
        CU_ASSERT_EQUAL(links_of(s.fs, d2), 3);
        CU_ASSERT_EQUAL(ext2_lookup(s.fs, m, "..", 2, &up), 0);
        CU_ASSERT_EQUAL(up, d2);
        /* Into itself or below: refused. */
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d2, "m2", 2, m, "x", 1), -E_INVAL);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d2, "m2", 2, sub, "x", 1), -E_INVAL);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, EXT2_ROOT_INO, "d2", 2, sub, "x", 1), -E_INVAL);
        /* Kinds: dir over file, file over dir, dir over non-empty dir. */
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d2, "m2", 2, d2, "h", 1), -E_NOTDIR);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d2, "h", 1, d2, "m2", 2), -E_ISDIR);
        e = ext2t_mkdir(s.fs, d1, "e");
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d1, "e", 1, d2, "m2", 2), -E_NOTEMPTY);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d1, "nope", 4, d2, "x", 1), -E_NOENT);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d1, ".", 1, d2, "x", 1), -E_INVAL);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d1, "e", 1, d2, "..", 2), -E_INVAL);
        /* Empty dir over empty dir, across: the replaced one is freed, counts right. */
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &before), 0);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, m, "sub", 3, d1, "e", 1), 0);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &after), 0);
        CU_ASSERT_EQUAL(after.free_inodes, before.free_inodes + 1);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/d1/e"), sub);
        CU_ASSERT_EQUAL(links_of(s.fs, d1), 3);
        CU_ASSERT_EQUAL(links_of(s.fs, m), 2);
        (void)e;
        /* Empty dir over empty dir in the same directory. */
        h = ext2t_mkdir(s.fs, d1, "k");
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d1, "k", 1, d1, "e", 1), 0);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/d1/e"), h);
        CU_ASSERT_EQUAL(links_of(s.fs, d1), 3);
        remount(&s);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, d2, "m2", 2, EXT2_ROOT_INO, "top", 3), 0);
        CU_ASSERT_EQUAL(links_of(s.fs, EXT2_ROOT_INO), 6);
        end(&s);
        {
            size_t len;
            char *ls = ext2t_debugfs(s.img, "ls -l /d1", &len);

            CU_ASSERT_PTR_NOT_NULL(strstr(ls, " e"));
            CU_ASSERT_PTR_NOT_NULL(strstr(ls, " g"));
            CU_ASSERT_PTR_NULL(strstr(ls, " m"));
            free(ls);
        }
        expect_cat(s.img, "/d2/h", (const uint8_t *)"F", 1);
    }
}

static void test_links(void)
{
    NEED_TOOLS();
    for (size_t i = 0; i < NBS; i++) {
        struct ext2_statfs before, after;
        struct session s;
        uint32_t f, d;
        char buf[8];

        begin(&s, "links.img", block_sizes[i], 4096, 0);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &before), 0);
        d = ext2t_mkdir(s.fs, EXT2_ROOT_INO, "d");
        f = ext2t_create(s.fs, EXT2_ROOT_INO, "f");
        CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0, "data", 4), 4);
        CU_ASSERT_EQUAL(ext2_link(s.fs, f, d, "l1", 2), 0);
        CU_ASSERT_EQUAL(ext2_link(s.fs, f, d, "l2", 2), 0);
        CU_ASSERT_EQUAL(ext2_link(s.fs, f, d, "l2", 2), -E_EXIST);
        CU_ASSERT_EQUAL(ext2_link(s.fs, d, EXT2_ROOT_INO, "dl", 2), -E_PERM);
        CU_ASSERT_EQUAL(links_of(s.fs, f), 3);
        remount(&s);
        CU_ASSERT_EQUAL(ext2_unmount(s.fs), 0);
        CU_ASSERT_EQUAL(ext2t_fsck(s.img), 0);
        s.fs = ext2t_mount(&s.dev, false);
        CU_ASSERT_EQUAL(ext2_unlink(s.fs, EXT2_ROOT_INO, "f", 1), 0);
        CU_ASSERT_EQUAL(links_of(s.fs, f), 2);
        CU_ASSERT_EQUAL(ext2_read(s.fs, ext2t_lookup(s.fs, "/d/l2"), 0, buf, 4), 4);
        CU_ASSERT(memcmp(buf, "data", 4) == 0);
        CU_ASSERT_EQUAL(ext2_unlink(s.fs, d, "l1", 2), 0);
        CU_ASSERT_EQUAL(ext2_unmount(s.fs), 0);
        CU_ASSERT_EQUAL(ext2t_fsck(s.img), 0);
        s.fs = ext2t_mount(&s.dev, false);
        CU_ASSERT_EQUAL(ext2_unlink(s.fs, d, "l2", 2), 0);
        CU_ASSERT_EQUAL(ext2_rmdir(s.fs, EXT2_ROOT_INO, "d", 1), 0);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &after), 0);
        CU_ASSERT_EQUAL(after.free_blocks, before.free_blocks);
        CU_ASSERT_EQUAL(after.free_inodes, before.free_inodes);
        end(&s);
    }
}

/* Unlinked while the server still has it open: kept until ext2_release. */
static void test_unlink_open(void)
{
    struct ext2_statfs before, mid, after;
    struct session s;
    uint32_t f;
    char buf[8];
    NEED_TOOLS();

    begin(&s, "open.img", 1024, 4096, 0);
    CU_ASSERT_EQUAL(ext2_statfs(s.fs, &before), 0);
    f = ext2t_create(s.fs, EXT2_ROOT_INO, "f");
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0, "open", 4), 4);
    ext2t_busy_ino = f;
    CU_ASSERT_EQUAL(ext2_unlink(s.fs, EXT2_ROOT_INO, "f", 1), 0);
    CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/f"), 0);
    CU_ASSERT_EQUAL(links_of(s.fs, f), 0);
    CU_ASSERT_EQUAL(ext2_read(s.fs, f, 0, buf, 4), 4);
    CU_ASSERT(memcmp(buf, "open", 4) == 0);
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 4, "more", 4), 4);
    CU_ASSERT_EQUAL(ext2_link(s.fs, f, EXT2_ROOT_INO, "back", 4), -E_NOENT);
    CU_ASSERT_EQUAL(ext2_statfs(s.fs, &mid), 0);
    CU_ASSERT_EQUAL(mid.free_inodes, before.free_inodes - 1);
    ext2t_busy_ino = 0;
    CU_ASSERT_EQUAL(ext2_release(s.fs, f), 0);
    CU_ASSERT_EQUAL(ext2_release(s.fs, f), 0);          /* twice: nothing more */
    CU_ASSERT_EQUAL(ext2_release(s.fs, EXT2_ROOT_INO), 0);
    CU_ASSERT_EQUAL(ext2_statfs(s.fs, &after), 0);
    CU_ASSERT_EQUAL(after.free_inodes, before.free_inodes);
    CU_ASSERT_EQUAL(after.free_blocks, before.free_blocks);
    /* Two open at "crash" time (no release): on the orphan list, freed by the next mount. */
    f = ext2t_create(s.fs, EXT2_ROOT_INO, "g");
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0, "orphan", 6), 6);
    ext2t_busy_ino = f;
    CU_ASSERT_EQUAL(ext2_unlink(s.fs, EXT2_ROOT_INO, "g", 1), 0);
    f = ext2t_mkdir(s.fs, EXT2_ROOT_INO, "d");
    ext2t_busy_ino = f;
    CU_ASSERT_EQUAL(ext2_rmdir(s.fs, EXT2_ROOT_INO, "d", 1), 0);
    CU_ASSERT_EQUAL(ext2_create(s.fs, f, "x", 1, 0644, 0, 0, 0), -E_NOENT);
    CU_ASSERT_EQUAL(ext2_stat(s.fs, f, &(struct ext2_stat){ 0 }), 0);
    ext2t_busy_ino = 0;
    CU_ASSERT_EQUAL(ext2_unmount(s.fs), 0);
    /* e2fsck reads our list too: -p frees them on a copy, then -n finds it clean. */
    {
        const char *copy = ext2t_path(2, "open-copy.img");

        ext2t_run("cp '%s' '%s'", s.img, copy);
        CU_ASSERT_EQUAL(ext2t_run("%s -fp '%s' >/dev/null 2>&1", ext2t_tool("e2fsck"), copy), 0);
        CU_ASSERT_EQUAL(ext2t_fsck(copy), 0);
    }
    s.fs = ext2t_mount(&s.dev, false);
    CU_ASSERT_EQUAL(ext2_statfs(s.fs, &after), 0);
    CU_ASSERT_EQUAL(after.free_inodes, before.free_inodes);
    CU_ASSERT_EQUAL(after.free_blocks, before.free_blocks);
    CU_ASSERT_EQUAL(ext2_stat(s.fs, f, &(struct ext2_stat){ 0 }), -E_NOENT);
    end(&s);
}

static void test_symlinks(void)
{
    NEED_TOOLS();
    for (size_t i = 0; i < NBS; i++) {
        static const size_t lens[] = { 1, 59, 60, 61, 200, 1023 };
        char target[1100], buf[1100];
        struct session s;
        uint32_t ino, d;
        size_t out;
        char *st;

        begin(&s, "sym.img", block_sizes[i], 4096, 0);
        d = ext2t_mkdir(s.fs, EXT2_ROOT_INO, "dir");
        ext2t_create(s.fs, d, "file");
        for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
            char name[16];

            memset(target, 'a' + (int)k, lens[k]);
            snprintf(name, sizeof(name), "l%zu", lens[k]);
            CU_ASSERT_EQUAL(ext2_symlink(s.fs, EXT2_ROOT_INO, name, slen(name), target, lens[k], 0, 0, &ino), 0);
            CU_ASSERT_EQUAL(ext2_readlink(s.fs, ino, buf, sizeof(buf)), (long)lens[k]);
            CU_ASSERT(memcmp(buf, target, lens[k]) == 0);
        }
        CU_ASSERT_EQUAL(ext2_symlink(s.fs, EXT2_ROOT_INO, "big", 3, target, block_sizes[i], 0, 0, 0),
                        -E_NAMETOOLONG);
        CU_ASSERT_EQUAL(ext2_symlink(s.fs, EXT2_ROOT_INO, "nil", 3, target, 0, 0, 0, 0), -E_NOENT);
        CU_ASSERT_EQUAL(ext2_symlink(s.fs, EXT2_ROOT_INO, "rel", 3, "dir/file", 8, 0, 0, 0), 0);
        CU_ASSERT_EQUAL(ext2_symlink(s.fs, d, "abs", 3, "/dir", 4, 0, 0, 0), 0);
        CU_ASSERT_EQUAL(ext2_symlink(s.fs, EXT2_ROOT_INO, "loop1", 5, "loop2", 5, 0, 0, 0), 0);
        CU_ASSERT_EQUAL(ext2_symlink(s.fs, EXT2_ROOT_INO, "loop2", 5, "loop1", 5, 0, 0, 0), 0);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/rel"), ext2t_lookup(s.fs, "/dir/file"));
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/dir/abs/abs/abs/file"), ext2t_lookup(s.fs, "/dir/file"));
        CU_ASSERT_EQUAL(ext2_lookup_path(s.fs, EXT2_ROOT_INO, "/loop1", true, &ino), -E_LOOP);
        CU_ASSERT_EQUAL(ext2_lookup_path(s.fs, EXT2_ROOT_INO, "/loop1", false, &ino), 0);
        CU_ASSERT_EQUAL(ext2_readlink(s.fs, d, buf, sizeof(buf)), -E_INVAL);
        remount(&s);
        CU_ASSERT_EQUAL(ext2_lookup_path(s.fs, EXT2_ROOT_INO, "/l61", false, &ino), 0);
        CU_ASSERT_EQUAL(ext2_readlink(s.fs, ino, buf, sizeof(buf)), 61);
        CU_ASSERT_EQUAL(ext2_unlink(s.fs, EXT2_ROOT_INO, "l200", 4), 0);
        end(&s);
        st = ext2t_debugfs(s.img, "stat /l59", &out);
        CU_ASSERT_PTR_NOT_NULL(strstr(st, "Fast link dest: \"bbbbbbbb"));
        free(st);
        st = ext2t_debugfs(s.img, "stat /l60", &out);
        CU_ASSERT_PTR_NULL(strstr(st, "Fast link dest"));
        free(st);
        st = ext2t_debugfs(s.img, "cat /rel", &out);
        CU_ASSERT_EQUAL(out, 0);
        free(st);
    }
}

static void test_attributes(void)
{
    struct ext2_stat st;
    struct session s;
    uint32_t f;
    size_t len;
    char *out, want[64];
    NEED_TOOLS();

    begin(&s, "attr.img", 4096, 4096, 0);
    f = ext2t_create(s.fs, EXT2_ROOT_INO, "f");
    CU_ASSERT_EQUAL(ext2_chmod(s.fs, f, 04751), 0);
    CU_ASSERT_EQUAL(ext2_chown(s.fs, f, 1234, 70000), 0);
    CU_ASSERT_EQUAL(ext2_utimes(s.fs, f, 1000000000, 1234567890), 0);
    CU_ASSERT_EQUAL(ext2_stat(s.fs, f, &st), 0);
    CU_ASSERT_EQUAL(st.mode, EXT2_S_IFREG | 04751);
    CU_ASSERT_EQUAL(st.uid, 1234);
    CU_ASSERT_EQUAL(st.gid, 70000);
    CU_ASSERT_EQUAL(st.atime, 1000000000);
    CU_ASSERT_EQUAL(st.mtime, 1234567890);
    CU_ASSERT(st.ctime > 1234567890);
    CU_ASSERT_EQUAL(ext2_chmod(s.fs, EXT2_ROOT_INO, 0700), 0);
    end(&s);
    out = ext2t_debugfs(s.img, "stat /f", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Mode:  04751"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "User:  1234"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Group: 70000"));
    snprintf(want, sizeof(want), "mtime: 0x%08x", 1234567890u);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    snprintf(want, sizeof(want), "atime: 0x%08x", 1000000000u);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    free(out);
    out = ext2t_debugfs(s.img, "stat /", &len);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Mode:  0700"));
    free(out);
}

/* Past 2 GiB on a file system made without large_file: the feature is turned on. */
static void test_large_file(void)
{
    static const uint64_t off = 3ull << 30;
    struct ext2_super sb;
    struct ext2_stat st;
    struct session s;
    uint8_t back[8];
    uint32_t f;
    size_t len;
    char *out;
    NEED_TOOLS();

    /* mke2fs always sets large_file (the resize inode is large): clear it by hand. */
    s.img = ext2t_path(0, "large.img");
    CU_ASSERT_EQUAL_FATAL(ext2t_mkfs(s.img, 4096, 8192, "-O ^resize_inode"), 0);
    CU_ASSERT_EQUAL_FATAL(ext2t_open_file(&s.dev, s.img), 0);
    CU_ASSERT_EQUAL(pread(s.dev.fd, &sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
    sb.s_feature_ro_compat &= ~EXT2_RO_COMPAT_LARGE_FILE;
    CU_ASSERT_EQUAL(pwrite(s.dev.fd, &sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
    CU_ASSERT_EQUAL(ext2t_fsck(s.img), 0);
    s.fs = ext2t_mount(&s.dev, false);
    CU_ASSERT_EQUAL(pread(s.dev.fd, &sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
    CU_ASSERT_EQUAL(sb.s_feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE, 0);
    f = ext2t_create(s.fs, EXT2_ROOT_INO, "huge");
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, off, "3GiB", 4), 4);
    CU_ASSERT_EQUAL(ext2_stat(s.fs, f, &st), 0);
    CU_ASSERT_EQUAL(st.size, off + 4);
    CU_ASSERT_EQUAL(ext2_read(s.fs, f, off - 4, back, 8), 8);
    CU_ASSERT(memcmp(back, "\0\0\0\0" "3GiB", 8) == 0);
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 1ull << 42, "x", 1), -E_FBIG);
    CU_ASSERT_EQUAL(ext2_truncate(s.fs, f, 1ull << 42), -E_FBIG);
    remount(&s);
    CU_ASSERT_EQUAL(ext2_stat(s.fs, f, &st), 0);
    CU_ASSERT_EQUAL(st.size, off + 4);
    CU_ASSERT_EQUAL(ext2_unmount(s.fs), 0);
    CU_ASSERT_EQUAL(pread(s.dev.fd, &sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
    CU_ASSERT_NOT_EQUAL(sb.s_feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE, 0);
    ext2t_close(&s.dev);
    CU_ASSERT_EQUAL(ext2t_fsck(s.img), 0);
    out = ext2t_debugfs(s.img, "stat /huge", &len);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Size: 3221225476"));
    free(out);
}

/* Device nodes (old and new number forms), fifos, sockets. */
static void test_mknod(void)
{
    struct ext2_stat st;
    struct session s;
    uint32_t a, b, c, fifo, maj, min;
    size_t len;
    char *out;
    NEED_TOOLS();

    begin(&s, "nodes.img", 1024, 2048, 0);
    CU_ASSERT_EQUAL(ext2_mknod(s.fs, EXT2_ROOT_INO, "tty", 3, EXT2_S_IFCHR | 0620, 4, 64, 0, 5, &a), 0);
    CU_ASSERT_EQUAL(ext2_mknod(s.fs, EXT2_ROOT_INO, "sda1", 4, EXT2_S_IFBLK | 0660, 8, 1, 0, 6, &b), 0);
    CU_ASSERT_EQUAL(ext2_mknod(s.fs, EXT2_ROOT_INO, "big", 3, EXT2_S_IFCHR | 0600, 300, 70000, 0, 0, &c), 0);
    CU_ASSERT_EQUAL(ext2_mknod(s.fs, EXT2_ROOT_INO, "fifo", 4, EXT2_S_IFIFO | 0644, 0, 0, 0, 0, &fifo), 0);
    CU_ASSERT_EQUAL(ext2_mknod(s.fs, EXT2_ROOT_INO, "sock", 4, EXT2_S_IFSOCK | 0755, 0, 0, 0, 0, 0), 0);
    CU_ASSERT_EQUAL(ext2_mknod(s.fs, EXT2_ROOT_INO, "reg", 3, EXT2_S_IFREG | 0644, 0, 0, 0, 0, 0), -E_INVAL);
    CU_ASSERT_EQUAL(ext2_mknod(s.fs, EXT2_ROOT_INO, "x", 1, EXT2_S_IFCHR, 4096, 0, 0, 0, 0), -E_INVAL);
    CU_ASSERT_EQUAL(ext2_device_of(s.fs, a, &maj, &min), 0);
    CU_ASSERT(maj == 4 && min == 64);
    CU_ASSERT_EQUAL(ext2_device_of(s.fs, c, &maj, &min), 0);
    CU_ASSERT(maj == 300 && min == 70000);
    CU_ASSERT_EQUAL(ext2_device_of(s.fs, fifo, &maj, &min), -E_INVAL);
    CU_ASSERT_EQUAL(ext2_stat(s.fs, b, &st), 0);
    CU_ASSERT_EQUAL(st.mode, EXT2_S_IFBLK | 0660);
    CU_ASSERT_EQUAL(st.gid, 6);
    CU_ASSERT(st.major == 8 && st.minor == 1);
    CU_ASSERT_EQUAL(ext2_read(s.fs, fifo, 0, &maj, 1), -E_INVAL);
    CU_ASSERT_EQUAL(ext2_truncate(s.fs, a, 0), -E_INVAL);
    end(&s);
    out = ext2t_debugfs(s.img, "stat /tty", &len);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Type: character special"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Device major/minor number: 04:64"));
    free(out);
    out = ext2t_debugfs(s.img, "stat /big", &len);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Device major/minor number: 300:70000"));
    free(out);
    out = ext2t_debugfs(s.img, "ls -l /", &len);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "fifo"));
    free(out);
    CU_ASSERT_EQUAL_FATAL(ext2t_open_file(&s.dev, s.img), 0);
    s.fs = ext2t_mount(&s.dev, false);
    CU_ASSERT_EQUAL(ext2_unlink(s.fs, EXT2_ROOT_INO, "tty", 3), 0);
    CU_ASSERT_EQUAL(ext2_rename(s.fs, EXT2_ROOT_INO, "fifo", 4, EXT2_ROOT_INO, "sock", 4), 0);
    end(&s);
}

/* A full disk: a short write, then ENOSPC; what was written stays, the image stays clean. */
static void test_enospc(void)
{
    NEED_TOOLS();
    for (size_t i = 0; i < NBS; i++) {
        enum { CHUNK = 3000 };
        struct ext2_statfs st, st2;
        struct session s;
        uint8_t chunk[CHUNK];
        uint8_t *shadow = malloc(4 << 20), *back;
        uint64_t total = 0;
        uint32_t f, g;
        long n = 0;

        begin(&s, "full.img", block_sizes[i], block_sizes[i] == 1024 ? 1024 : 2048, 0);
        f = ext2t_create(s.fs, EXT2_ROOT_INO, "fill");
        for (uint32_t k = 0;; k++) {
            ext2t_pattern(chunk, CHUNK, k);
            n = ext2_write(s.fs, f, total, chunk, CHUNK);
            if (n <= 0)
                break;
            memcpy(shadow + total, chunk, (size_t)n);
            total += (uint64_t)n;
            CU_ASSERT_FATAL(total < (4u << 20));
        }
        CU_ASSERT_EQUAL(n, -E_NOSPC);
        CU_ASSERT(total > 500 * 1024);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &st), 0);
        CU_ASSERT_EQUAL(st.free_blocks, 0);
        /* Nothing fits now: a new file is made (its inode needs no block), but not its data or a dir. */
        g = ext2t_create(s.fs, EXT2_ROOT_INO, "g");
        CU_ASSERT_EQUAL(ext2_write(s.fs, g, 0, "x", 1), -E_NOSPC);
        CU_ASSERT_EQUAL(ext2_mkdir(s.fs, EXT2_ROOT_INO, "dd", 2, 0755, 0, 0, 0), -E_NOSPC);
        CU_ASSERT_EQUAL(ext2_symlink(s.fs, EXT2_ROOT_INO, "sl", 2, (const char *)shadow, 100, 0, 0, 0),
                        -E_NOSPC);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &st2), 0);
        CU_ASSERT_EQUAL(st2.free_inodes, st.free_inodes - 1);  /* only g */
        CU_ASSERT_EQUAL(ext2_stat(s.fs, g, &(struct ext2_stat){ 0 }), 0);
        back = malloc(total);
        CU_ASSERT_EQUAL(ext2_read(s.fs, f, 0, back, total), (long)total);
        CU_ASSERT(memcmp(back, shadow, total) == 0);
        free(back);
        end(&s);
        expect_cat(s.img, "/fill", shadow, total);
        free(shadow);
    }
}

/* Out of inodes, and names of 255 (fine) and 256 bytes (too long). */
static void test_inodes_and_names(void)
{
    struct ext2_statfs st;
    struct session s;
    char name[300];
    int made = 0, rc;
    uint32_t ino;
    NEED_TOOLS();

    begin(&s, "inodes.img", 1024, 2048, "-N 64");
    for (int k = 0; k < 200; k++) {
        snprintf(name, sizeof(name), "n%d", k);
        rc = ext2_create(s.fs, EXT2_ROOT_INO, name, slen(name), 0644, 0, 0, &ino);
        if (rc == -E_NOSPC)
            break;
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        made++;
    }
    CU_ASSERT(made > 30 && made < 64);
    CU_ASSERT_EQUAL(ext2_statfs(s.fs, &st), 0);
    CU_ASSERT_EQUAL(st.free_inodes, 0);
    CU_ASSERT_EQUAL(ext2_mkdir(s.fs, EXT2_ROOT_INO, "d", 1, 0755, 0, 0, 0), -E_NOSPC);
    CU_ASSERT_EQUAL(ext2_symlink(s.fs, EXT2_ROOT_INO, "s", 1, "t", 1, 0, 0, 0), -E_NOSPC);
    CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/d"), 0);
    CU_ASSERT_EQUAL(ext2_unlink(s.fs, EXT2_ROOT_INO, "n0", 2), 0);
    memset(name, 'N', 256);
    CU_ASSERT_EQUAL(ext2_create(s.fs, EXT2_ROOT_INO, name, 256, 0644, 0, 0, 0), -E_NAMETOOLONG);
    CU_ASSERT_EQUAL(ext2_lookup(s.fs, EXT2_ROOT_INO, name, 256, &ino), -E_NAMETOOLONG);
    CU_ASSERT_EQUAL(ext2_create(s.fs, EXT2_ROOT_INO, name, 255, 0644, 0, 0, &ino), 0);
    CU_ASSERT_EQUAL(ext2_lookup(s.fs, EXT2_ROOT_INO, name, 255, &ino), 0);
    CU_ASSERT_EQUAL(ext2_create(s.fs, EXT2_ROOT_INO, "a/b", 3, 0644, 0, 0, 0), -E_INVAL);
    CU_ASSERT_EQUAL(ext2_create(s.fs, EXT2_ROOT_INO, "", 0, 0644, 0, 0, 0), -E_NOENT);
    CU_ASSERT_EQUAL(ext2_rename(s.fs, EXT2_ROOT_INO, name, 255, EXT2_ROOT_INO, name, 256), -E_NAMETOOLONG);
    end(&s);
    {
        size_t len;
        char *ls = ext2t_debugfs(s.img, "ls /", &len);

        name[255] = 0;
        CU_ASSERT_PTR_NOT_NULL(strstr(ls, name));
        free(ls);
    }
}

/* readdir's cookie survives entries removed between calls. */
static void test_readdir_cookie(void)
{
    struct ext2_dirent_info e;
    struct session s;
    uint64_t cookie = 0;
    char name[32];
    int seen = 0;
    uint32_t d;
    NEED_TOOLS();

    begin(&s, "rd.img", 1024, 4096, 0);
    d = ext2t_mkdir(s.fs, EXT2_ROOT_INO, "d");
    for (int k = 0; k < 200; k++) {
        snprintf(name, sizeof(name), "entry%d", k);
        ext2t_create(s.fs, d, name);
    }
    while (ext2_readdir(s.fs, d, &cookie, &e) == 1) {
        seen++;
        if (strcmp(e.name, ".") && strcmp(e.name, ".."))
            CU_ASSERT_EQUAL(ext2_unlink(s.fs, d, e.name, e.name_len), 0);
        CU_ASSERT_FATAL(seen < 1000);
    }
    CU_ASSERT_EQUAL(seen, 202);
    CU_ASSERT_EQUAL(ext2_readdir(s.fs, d, &cookie, &e), 0);
    cookie = 1;                 /* not at an entry: the next one after it */
    CU_ASSERT_EQUAL(ext2_readdir(s.fs, d, &cookie, &e), 1);
    CU_ASSERT_STRING_EQUAL(e.name, "..");
    CU_ASSERT_EQUAL(ext2_readdir(s.fs, EXT2_ROOT_INO + 0, &(uint64_t){ 1u << 30 }, &e), 0);
    end(&s);
}

/* fsync writes one file's blocks and the metadata: debugfs sees it before unmount. */
static void test_fsync(void)
{
    uint8_t data[20000];
    struct session s;
    uint32_t f, g;
    size_t len;
    char *out;
    NEED_TOOLS();

    begin(&s, "fsync.img", 1024, 4096, 0);
    f = ext2t_create(s.fs, EXT2_ROOT_INO, "f");
    ext2t_pattern(data, sizeof(data), 5);
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0, data, sizeof(data)), (long)sizeof(data));
    g = ext2t_create(s.fs, EXT2_ROOT_INO, "g");
    CU_ASSERT_EQUAL(ext2_write(s.fs, g, 0, "other", 5), 5);
    CU_ASSERT_EQUAL(ext2_fsync(s.fs, f), 0);
    expect_cat(s.img, "/f", data, sizeof(data));
    /* Per file: g's name and inode (metadata) are on disk, its data block is not yet. */
    out = ext2t_debugfs(s.img, "cat /g", &len);
    CU_ASSERT_EQUAL(len, 5);
    CU_ASSERT(memcmp(out, "other", 5) != 0);
    free(out);
    CU_ASSERT_EQUAL(ext2_fsync(s.fs, g), 0);
    expect_cat(s.img, "/g", (const uint8_t *)"other", 5);
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0, "Z", 1), 1);
    data[0] = 'Z';
    CU_ASSERT_EQUAL(ext2_sync(s.fs), 0);
    expect_cat(s.img, "/f", data, sizeof(data));
    end(&s);
}

/* Features: ext4 refused, an unknown ro_compat feature mounts read-only, revision 0 works. */
static void test_features(void)
{
    struct ext2_mount_opts opts = { 0 };
    struct ext2_super sb;
    const char *why = 0;
    ext2_fs_t *fs = 0;
    struct session s;
    struct tdev d;
    uint32_t f;
    char buf[4];
    NEED_TOOLS();

    s.img = ext2t_path(0, "ext4.img");
    unlink(s.img);
    CU_ASSERT_EQUAL_FATAL(ext2t_run("%s -q -F -t ext4 '%s' 4096 >/dev/null 2>&1", ext2t_tool("mke2fs"), s.img), 0);
    CU_ASSERT_EQUAL_FATAL(ext2t_open_file(&d, s.img), 0);
    CU_ASSERT_EQUAL(ext2_mount(&d.dev, &ext2t_env, &opts, &fs, &why), -E_NOSYS);
    CU_ASSERT_PTR_NOT_NULL(why);
    CU_ASSERT_EQUAL(d.writes, 0);
    ext2t_close(&d);

    begin(&s, "rocompat.img", 1024, 4096, 0);
    f = ext2t_create(s.fs, EXT2_ROOT_INO, "f");
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0, "ro", 2), 2);
    CU_ASSERT_EQUAL(ext2_unmount(s.fs), 0);
    CU_ASSERT_EQUAL(pread(s.dev.fd, &sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
    sb.s_feature_ro_compat |= 0x4000;    /* not one we know */
    CU_ASSERT_EQUAL(pwrite(s.dev.fd, &sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
    s.dev.writes = 0;
    s.fs = ext2t_mount(&s.dev, false);
    CU_ASSERT_TRUE(ext2_is_read_only(s.fs));
    CU_ASSERT_EQUAL(ext2_read(s.fs, f, 0, buf, 2), 2);
    CU_ASSERT_EQUAL(ext2_create(s.fs, EXT2_ROOT_INO, "g", 1, 0644, 0, 0, 0), -E_ROFS);
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0, "x", 1), -E_ROFS);
    CU_ASSERT_EQUAL(ext2_unlink(s.fs, EXT2_ROOT_INO, "f", 1), -E_ROFS);
    CU_ASSERT_EQUAL(ext2_rename(s.fs, EXT2_ROOT_INO, "f", 1, EXT2_ROOT_INO, "h", 1), -E_ROFS);
    CU_ASSERT_EQUAL(ext2_chmod(s.fs, f, 0), -E_ROFS);
    CU_ASSERT_EQUAL(ext2_unmount(s.fs), 0);
    CU_ASSERT_EQUAL(s.dev.writes, 0);
    ext2t_close(&s.dev);

    /* Revision 0: 128-byte inodes, no filetype in directory entries. */
    begin(&s, "rev0.img", 1024, 4096, "-r 0");
    f = ext2t_mkdir(s.fs, EXT2_ROOT_INO, "d");
    f = ext2t_create(s.fs, f, "f");
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0, "rev0", 4), 4);
    CU_ASSERT_EQUAL(ext2_symlink(s.fs, EXT2_ROOT_INO, "l", 1, "d/f", 3, 0, 0, 0), 0);
    CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/l"), f);
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0x80000000u, "x", 1), -E_FBIG);
    end(&s);
    expect_cat(s.img, "/d/f", (const uint8_t *)"rev0", 4);

    /* A read-only mount writes nothing at all. */
    CU_ASSERT_EQUAL_FATAL(ext2t_open_file(&d, s.img), 0);
    fs = ext2t_mount(&d, true);
    CU_ASSERT_EQUAL(ext2_unmount(fs), 0);
    CU_ASSERT_EQUAL(d.writes, 0);
    ext2t_close(&d);
}

/* A directory e2fsck -D gave a hashed index: read linearly, changed, the index flag dropped. */
static void test_dir_index(void)
{
    const char *stage = ext2t_path(1, "stage-idx");
    char extra[600], name[64];
    struct session s;
    uint32_t d, ino;
    size_t len;
    char *out;
    NEED_TOOLS();

    ext2t_run("rm -rf '%s' && mkdir -p '%s/big' && cd '%s/big' && for i in $(seq 1 400); do "
              ": > a-rather-long-file-name-number-$i; done", stage, stage, stage);
    snprintf(extra, sizeof(extra), "-d '%s'", stage);
    s.img = ext2t_path(0, "idx.img");
    CU_ASSERT_EQUAL_FATAL(ext2t_mkfs(s.img, 1024, 4096, extra), 0);
    ext2t_run("%s -fyD '%s' >/dev/null 2>&1", ext2t_tool("e2fsck"), s.img);
    out = ext2t_debugfs(s.img, "stat /big", &len);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Flags: 0x1000"));
    free(out);
    CU_ASSERT_EQUAL_FATAL(ext2t_open_file(&s.dev, s.img), 0);
    s.fs = ext2t_mount(&s.dev, false);
    d = ext2t_lookup(s.fs, "/big");
    for (int k = 1; k <= 400; k++) {
        snprintf(name, sizeof(name), "a-rather-long-file-name-number-%d", k);
        CU_ASSERT_EQUAL_FATAL(ext2_lookup(s.fs, d, name, slen(name), &ino), 0);
    }
    for (int k = 1; k <= 400; k += 2) {
        snprintf(name, sizeof(name), "a-rather-long-file-name-number-%d", k);
        CU_ASSERT_EQUAL(ext2_unlink(s.fs, d, name, slen(name)), 0);
    }
    for (int k = 0; k < 300; k++) {
        snprintf(name, sizeof(name), "new-%d", k);
        ext2t_create(s.fs, d, name);
    }
    end(&s);
    out = ext2t_debugfs(s.img, "stat /big", &len);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Flags: 0x0"));
    free(out);
}

/* The harness checks itself: e2fsck does fail on a broken image, debugfs does read. */
static void test_harness(void)
{
    struct session s;
    struct ext2_super sb;
    uint32_t f;
    NEED_TOOLS();

    begin(&s, "harness.img", 1024, 2048, 0);
    f = ext2t_create(s.fs, EXT2_ROOT_INO, "f");
    CU_ASSERT_EQUAL(ext2_write(s.fs, f, 0, "abc", 3), 3);
    end(&s);
    expect_cat(s.img, "/f", (const uint8_t *)"abc", 3);
    CU_ASSERT_EQUAL_FATAL(ext2t_open_file(&s.dev, s.img), 0);
    CU_ASSERT_EQUAL(pread(s.dev.fd, &sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
    /* e2fsck takes the superblock's totals as hints; ext2t_fsck compares them with the groups. */
    sb.s_free_inodes_count += 5;
    CU_ASSERT_EQUAL(pwrite(s.dev.fd, &sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
    CU_ASSERT_EQUAL(ext2t_run("%s -fn '%s' >/dev/null 2>&1", ext2t_tool("e2fsck"), s.img), 0);
    CU_ASSERT_NOT_EQUAL(ext2t_check_totals(s.img), 0);
    sb.s_free_inodes_count -= 5;
    CU_ASSERT_EQUAL(pwrite(s.dev.fd, &sb, sizeof(sb), 1024), (ssize_t)sizeof(sb));
    CU_ASSERT_EQUAL(ext2t_check_totals(s.img), 0);
    /* A group's free count off by one: e2fsck fails. */
    {
        struct ext2_group_desc gd;

        CU_ASSERT_EQUAL(pread(s.dev.fd, &gd, sizeof(gd), 2048), (ssize_t)sizeof(gd));
        gd.bg_free_blocks_count++;
        CU_ASSERT_EQUAL(pwrite(s.dev.fd, &gd, sizeof(gd), 2048), (ssize_t)sizeof(gd));
    }
    ext2t_close(&s.dev);
    CU_ASSERT_NOT_EQUAL(ext2t_run("%s -fn '%s' >/dev/null 2>&1", ext2t_tool("e2fsck"), s.img), 0);
}

/* The disk fills while a directory needs a new block: the new inode is given back. */
static void test_enospc_directory(void)
{
    NEED_TOOLS();
    for (size_t i = 0; i < NBS; i++) {
        struct ext2_statfs st, st2;
        struct session s;
        char name[256];
        uint32_t f, d;
        uint8_t buf[4096] = { 0 };
        int rc = 0, made = 0;

        begin(&s, "fulldir.img", block_sizes[i], block_sizes[i] == 1024 ? 1024 : 2048, 0);
        d = ext2t_mkdir(s.fs, EXT2_ROOT_INO, "d");
        f = ext2t_create(s.fs, EXT2_ROOT_INO, "fill");
        for (uint64_t off = 0; ext2_write(s.fs, f, off, buf, sizeof(buf)) > 0; off += sizeof(buf))
            ;
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &st), 0);
        CU_ASSERT_EQUAL(st.free_blocks, 0);
        memset(name, 'n', sizeof(name));
        for (int k = 0; k < 100; k++) {
            snprintf(name + 200, 50, "%d", k);
            rc = ext2_create(s.fs, d, name, strlen(name), 0644, 0, 0, 0);
            if (rc != 0)
                break;
            made++;
        }
        CU_ASSERT_EQUAL(rc, -E_NOSPC);
        CU_ASSERT(made >= 1);
        CU_ASSERT_EQUAL(ext2_statfs(s.fs, &st2), 0);
        CU_ASSERT_EQUAL(st2.free_inodes, st.free_inodes - (uint64_t)made);
        CU_ASSERT_EQUAL(ext2_rename(s.fs, EXT2_ROOT_INO, "fill", 4, d, name, strlen(name)), -E_NOSPC);
        CU_ASSERT_EQUAL(ext2t_lookup(s.fs, "/fill"), f);
        /* Space again: the same name goes in. */
        CU_ASSERT_EQUAL(ext2_truncate(s.fs, f, 0), 0);
        CU_ASSERT_EQUAL(ext2_create(s.fs, d, name, strlen(name), 0644, 0, 0, 0), 0);
        end(&s);
    }
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

int test_ext2_register(void)
{
    CU_pSuite s = CU_add_suite("ext2", suite_init, suite_clean);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "harness: e2fsck catches a broken image", test_harness) ||
        !CU_add_test(s, "mount: mke2fs defaults, clean/dirty state", test_mount_defaults) ||
        !CU_add_test(s, "read files, symlinks, readdir from mke2fs -d", test_read_prefilled) ||
        !CU_add_test(s, "write, append, overwrite", test_write_append_overwrite) ||
        !CU_add_test(s, "32 MiB file, double indirect, checksum", test_big_file) ||
        !CU_add_test(s, "sparse at 20 MiB and past 64 MiB (triple indirect)", test_sparse) ||
        !CU_add_test(s, "truncate shrink and extend", test_truncate) ||
        !CU_add_test(s, "3000 files in one directory", test_many_files) ||
        !CU_add_test(s, "mkdir, rmdir, link counts", test_mkdir_rmdir) ||
        !CU_add_test(s, "rename: every case", test_rename) ||
        !CU_add_test(s, "hard links", test_links) ||
        !CU_add_test(s, "unlink while open, release", test_unlink_open) ||
        !CU_add_test(s, "fast and slow symlinks, ELOOP", test_symlinks) ||
        !CU_add_test(s, "chmod, chown, utimes seen by debugfs", test_attributes) ||
        !CU_add_test(s, "device nodes, fifos, sockets", test_mknod) ||
        !CU_add_test(s, "past 2 GiB: large_file", test_large_file) ||
        !CU_add_test(s, "ENOSPC keeps what was written", test_enospc) ||
        !CU_add_test(s, "ENOSPC growing a directory", test_enospc_directory) ||
        !CU_add_test(s, "out of inodes; 255- and 256-byte names", test_inodes_and_names) ||
        !CU_add_test(s, "readdir cookies", test_readdir_cookie) ||
        !CU_add_test(s, "fsync and sync reach the disk", test_fsync) ||
        !CU_add_test(s, "features: ext4 refused, ro_compat, revision 0", test_features) ||
        !CU_add_test(s, "dir_index directories", test_dir_index))
        return CU_get_error();
    return CUE_SUCCESS;
}
