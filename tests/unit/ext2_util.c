/* Helpers of the ext2 tests (ext2_util.h). */
#define _GNU_SOURCE
#include "ext2_util.h"

#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <agora/errors.h>

#include "ext2.h"

static char tmpdir[256];
static char mke2fs[128], e2fsck[128], debugfs[128];
static bool tools;
static bool said_skip;

uint32_t ext2t_busy_ino;

static bool find_tool(const char *name, char *out, size_t cap)
{
    static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin" };

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(out, cap, "%s/%s", dirs[i], name);
        if (access(out, X_OK) == 0)
            return true;
    }
    return false;
}

bool ext2t_setup(void)
{
    tools = find_tool("mke2fs", mke2fs, sizeof(mke2fs)) && find_tool("e2fsck", e2fsck, sizeof(e2fsck)) &&
            find_tool("debugfs", debugfs, sizeof(debugfs));
    if (!tools) {
        if (!said_skip)
            fprintf(stderr, "\next2 tests: SKIPPED: mke2fs/e2fsck/debugfs not found "
                            "(install e2fsprogs: tools/deps.sh)\n");
        said_skip = true;
        return true;
    }
    if (tmpdir[0])
        return true;
    snprintf(tmpdir, sizeof(tmpdir), "%s/agora-ext2-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmpdir)) {
        tmpdir[0] = 0;
        return false;
    }
    return true;
}

void ext2t_cleanup(void)
{
    if (tmpdir[0]) {
        ext2t_run("rm -rf '%s'", tmpdir);
        tmpdir[0] = 0;
    }
}

bool ext2t_have_tools(void)
{
    return tools;
}

const char *ext2t_dir(void)
{
    return tmpdir;
}

const char *ext2t_tool(const char *name)
{
    if (strcmp(name, "mke2fs") == 0)
        return mke2fs;
    if (strcmp(name, "e2fsck") == 0)
        return e2fsck;
    return debugfs;
}

const char *ext2t_path(int slot, const char *name)
{
    static char bufs[4][512];

    snprintf(bufs[slot & 3], sizeof(bufs[0]), "%s/%s", tmpdir, name);
    return bufs[slot & 3];
}

int ext2t_run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    int st;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

int ext2t_mkfs(const char *image, unsigned bs, unsigned size_kib, const char *extra)
{
    unlink(image);
    return ext2t_run("%s -q -F -t ext2 -b %u %s '%s' %uk >/dev/null 2>&1", mke2fs, bs, extra ? extra : "",
                     image, size_kib);
}

int ext2t_fsck(const char *image)
{
    char log[600];
    int rc;

    snprintf(log, sizeof(log), "%s.fsck.log", image);
    rc = ext2t_run("%s -fn '%s' >'%s' 2>&1", e2fsck, image, log);
    if (rc != 0) {
        fprintf(stderr, "\ne2fsck -fn %s: exit %d\n", image, rc);
        ext2t_run("cat '%s' >&2", log);
        return rc;
    }
    rc = ext2t_check_totals(image);
    if (rc != 0)
        fprintf(stderr, "\n%s: the superblock's free totals differ from the groups' sums\n", image);
    return rc;
}

int ext2t_check_totals(const char *image)
{
    uint64_t free_blocks = 0, free_inodes = 0, size;
    uint8_t *img = ext2t_load(image, &size);
    const struct ext2_super *sb;
    uint32_t bs, groups;
    int rc = 0;

    if (!img || size < 4096)
        return -1;
    sb = (const struct ext2_super *)(img + 1024);
    bs = 1024u << sb->s_log_block_size;
    groups = (sb->s_blocks_count - sb->s_first_data_block + sb->s_blocks_per_group - 1) / sb->s_blocks_per_group;
    for (uint32_t g = 0; g < groups; g++) {
        const struct ext2_group_desc *gd =
            (const struct ext2_group_desc *)(img + (uint64_t)(sb->s_first_data_block + 1) * bs) + g;

        free_blocks += gd->bg_free_blocks_count;
        free_inodes += gd->bg_free_inodes_count;
    }
    if (free_blocks != sb->s_free_blocks_count || free_inodes != sb->s_free_inodes_count)
        rc = 98;
    free(img);
    return rc;
}

char *ext2t_debugfs(const char *image, const char *cmd, size_t *len)
{
    char line[2048];
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    FILE *p;

    snprintf(line, sizeof(line), "%s -R \"%s\" '%s' 2>/dev/null", debugfs, cmd, image);
    p = popen(line, "r");
    if (!p || !buf) {
        free(buf);
        return 0;
    }
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    pclose(p);
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

static int tdev_read(void *ctx, uint64_t blk, uint32_t bs, void *buf)
{
    struct tdev *d = ctx;

    d->reads++;
    if (blk * bs + bs > d->size || blk * bs / bs != blk) {
        d->out_of_bounds++;
        return -E_IO;
    }
    if (d->mem) {
        memcpy(buf, d->mem + blk * bs, bs);
        return 0;
    }
    return pread(d->fd, buf, bs, (off_t)(blk * bs)) == (ssize_t)bs ? 0 : -E_IO;
}

static int tdev_write(void *ctx, uint64_t blk, uint32_t bs, const void *buf)
{
    struct tdev *d = ctx;

    d->writes++;
    if (blk * bs + bs > d->size || blk * bs / bs != blk) {
        d->out_of_bounds++;
        return -E_IO;
    }
    if (d->fail_writes)
        return -E_IO;
    if (d->mem) {
        memcpy(d->mem + blk * bs, buf, bs);
        return 0;
    }
    return pwrite(d->fd, buf, bs, (off_t)(blk * bs)) == (ssize_t)bs ? 0 : -E_IO;
}

static int tdev_flush(void *ctx)
{
    (void)ctx;
    return 0;                   /* e2fsck reads the same file through the page cache */
}

/* Runs of blocks, block by block through the single-block callbacks (their checks and counts). */
static int tdev_read_blocks(void *ctx, uint64_t first, uint32_t count, uint32_t bs, void *buf)
{
    struct tdev *d = ctx;

    d->run_reads++;
    for (uint32_t i = 0; i < count; i++)
        if (tdev_read(ctx, first + i, bs, (uint8_t *)buf + (size_t)i * bs) < 0)
            return -E_IO;
    return 0;
}

static int tdev_write_blocks(void *ctx, uint64_t first, uint32_t count, uint32_t bs, const void *buf)
{
    struct tdev *d = ctx;

    d->run_writes++;
    for (uint32_t i = 0; i < count; i++)
        if (tdev_write(ctx, first + i, bs, (const uint8_t *)buf + (size_t)i * bs) < 0)
            return -E_IO;
    return 0;
}

void ext2t_enable_runs(struct tdev *d)
{
    d->dev.read_blocks = tdev_read_blocks;
    d->dev.write_blocks = tdev_write_blocks;
}

static void tdev_init(struct tdev *d)
{
    d->dev.ctx = d;
    d->dev.size = d->size;
    d->dev.read_block = tdev_read;
    d->dev.write_block = tdev_write;
    d->dev.flush = tdev_flush;
}

int ext2t_open_file(struct tdev *d, const char *image)
{
    struct stat st;

    memset(d, 0, sizeof(*d));
    d->fd = open(image, O_RDWR);
    if (d->fd < 0 || fstat(d->fd, &st) != 0)
        return -1;
    d->size = (uint64_t)st.st_size;
    tdev_init(d);
    return 0;
}

void ext2t_open_mem(struct tdev *d, uint8_t *mem, uint64_t size)
{
    memset(d, 0, sizeof(*d));
    d->fd = -1;
    d->mem = mem;
    d->size = size;
    tdev_init(d);
}

void ext2t_close(struct tdev *d)
{
    CU_ASSERT_EQUAL(d->out_of_bounds, 0);
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

uint8_t *ext2t_load(const char *image, uint64_t *size)
{
    FILE *f = fopen(image, "rb");
    uint8_t *buf;
    long n;

    if (!f)
        return 0;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = 0;
    }
    fclose(f);
    *size = (uint64_t)n;
    return buf;
}

static uint32_t env_now(void *ctx)
{
    (void)ctx;
    return (uint32_t)time(0);
}

static bool env_in_use(void *ctx, uint32_t ino)
{
    (void)ctx;
    return ext2t_busy_ino != 0 && ino == ext2t_busy_ino;
}

const struct ext2_env ext2t_env = {
    .ctx = 0, .alloc = malloc, .free = free, .now = env_now, .in_use = env_in_use,
};

ext2_fs_t *ext2t_mount(struct tdev *d, bool read_only)
{
    return ext2t_mount_cache(d, read_only, 64);
}

ext2_fs_t *ext2t_mount_cache(struct tdev *d, bool read_only, uint32_t cache_blocks)
{
    struct ext2_mount_opts opts = { .read_only = read_only, .cache_blocks = cache_blocks };
    const char *why = 0;
    ext2_fs_t *fs = 0;
    int rc = ext2_mount(&d->dev, &ext2t_env, &opts, &fs, &why);

    if (rc != 0)
        fprintf(stderr, "\next2_mount: %d (%s)\n", rc, why ? why : "?");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    return fs;
}

uint32_t ext2t_lookup(ext2_fs_t *fs, const char *path)
{
    uint32_t ino = 0;

    return ext2_lookup_path(fs, EXT2_ROOT_INO, path, true, &ino) == 0 ? ino : 0;
}

uint32_t ext2t_create(ext2_fs_t *fs, uint32_t dir, const char *name)
{
    uint32_t ino = 0;
    int rc = ext2_create(fs, dir, name, strlen(name), 0644, 0, 0, &ino);

    CU_ASSERT_EQUAL(rc, 0);
    return ino;
}

uint32_t ext2t_mkdir(ext2_fs_t *fs, uint32_t dir, const char *name)
{
    uint32_t ino = 0;
    int rc = ext2_mkdir(fs, dir, name, strlen(name), 0755, 0, 0, &ino);

    CU_ASSERT_EQUAL(rc, 0);
    return ino;
}

void ext2t_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;

    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
}

uint64_t ext2t_sum(const uint8_t *buf, size_t len)
{
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < len; i++)
        h = (h ^ buf[i]) * 1099511628211ull;
    return h;
}
