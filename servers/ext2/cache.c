/* The block cache: the only path to the device; LRU eviction, write-back of dirty blocks. */
#include "ext2_int.h"

static uint32_t hash_of(const struct ext2_cache *c, uint64_t blk)
{
    return (uint32_t)((blk * 0x9e3779b97f4a7c15ull) >> 32) % c->nhash;
}

int ext2_cache_init(struct ext2_fs *fs, uint32_t count)
{
    struct ext2_cache *c = &fs->cache;

    if (count < EXT2_CACHE_MIN)
        count = EXT2_CACHE_MIN;
    if (count > EXT2_CACHE_MAX)
        count = EXT2_CACHE_MAX;
    c->count = count;
    c->nhash = count * 2 + 1;
    c->bufs = fs->env.alloc(sizeof(*c->bufs) * count);
    c->hash = fs->env.alloc(sizeof(*c->hash) * c->nhash);
    c->mem = fs->env.alloc((size_t)fs->block_size * count);
    c->cluster = EXT2_CLUSTER_BYTES / fs->block_size;
    if (c->cluster > count / 4)
        c->cluster = count / 4;     /* a run never takes more than a quarter of the cache */
    if (c->cluster < 1 || (!fs->dev.read_blocks && !fs->dev.write_blocks))
        c->cluster = 1;
    c->stage = c->cluster > 1 ? fs->env.alloc((size_t)fs->block_size * c->cluster) : 0;
    c->last_miss = UINT64_MAX - 1;
    if (!c->bufs || !c->hash || !c->mem || (c->cluster > 1 && !c->stage)) {
        ext2_cache_free(fs);
        return -E_NOMEM;
    }
    memset(c->bufs, 0, sizeof(*c->bufs) * count);
    memset(c->hash, 0, sizeof(*c->hash) * c->nhash);
    for (uint32_t i = 0; i < count; i++)
        c->bufs[i].data = c->mem + (size_t)i * fs->block_size;
    c->clock = 0;
    return 0;
}

void ext2_cache_free(struct ext2_fs *fs)
{
    struct ext2_cache *c = &fs->cache;

    if (c->bufs)
        fs->env.free(c->bufs);
    if (c->hash)
        fs->env.free(c->hash);
    if (c->mem)
        fs->env.free(c->mem);
    if (c->stage)
        fs->env.free(c->stage);
    c->bufs = 0;
    c->hash = 0;
    c->mem = 0;
    c->stage = 0;
}

static void unhash(struct ext2_cache *c, struct ext2_buf *b)
{
    struct ext2_buf **pp = &c->hash[hash_of(c, b->blk)];

    while (*pp && *pp != b)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = b->hnext;
    b->hnext = 0;
    b->valid = false;
    b->dirty = false;
}

/* The last line of defence: no block outside the file system or the device is ever touched. */
static bool in_device(const struct ext2_fs *fs, uint64_t blk)
{
    uint64_t bs = fs->block_size;

    return blk < fs->blocks_count && blk <= fs->dev.size / bs && (blk + 1) * bs <= fs->dev.size;
}

static struct ext2_buf *find(struct ext2_cache *c, uint64_t blk)
{
    for (struct ext2_buf *b = c->hash[hash_of(c, blk)]; b; b = b->hnext)
        if (b->blk == blk)
            return b;
    return 0;
}

/*
 * The cached block blk if it may go out with b: dirty, of the same class (file data, or
 * metadata), and not pinned (a function may be changing it and mark it dirty only when
 * done: writing it now and calling it clean would lose the rest, which is why evictions
 * only ever took unpinned buffers).
 */
static struct ext2_buf *run_mate(struct ext2_cache *c, const struct ext2_buf *b, uint64_t blk)
{
    struct ext2_buf *m = find(c, blk);

    return m && m->valid && m->dirty && !m->pins && (m->owner != 0) == (b->owner != 0) ? m : 0;
}

/*
 * Writes b, with the dirty blocks of its class on either side of it on the disk, as one
 * device request when the device takes runs (write_blocks): a file written in order goes
 * out in requests of EXT2_CLUSTER_BYTES. Data and metadata never share a run, so ext2_sync's
 * order (data first) holds.
 */
static int write_out(struct ext2_fs *fs, struct ext2_buf *b)
{
    struct ext2_cache *c = &fs->cache;
    struct ext2_buf *m;
    uint64_t first = b->blk;
    uint32_t n = 1;
    int rc;

    if (!in_device(fs, b->blk))
        return -E_IO;
    if (c->cluster > 1 && fs->dev.write_blocks) {
        while (n < c->cluster && first > 0 && in_device(fs, first - 1) && run_mate(c, b, first - 1)) {
            first--;
            n++;
        }
        while (n < c->cluster && in_device(fs, first + n) && run_mate(c, b, first + n))
            n++;
    }
    if (n == 1) {
        rc = fs->dev.write_block(fs->dev.ctx, b->blk, fs->block_size, b->data);
        if (rc < 0)
            return rc;
        b->dirty = false;
        return 0;
    }
    for (uint32_t i = 0; i < n; i++)
        memcpy(c->stage + (size_t)i * fs->block_size, find(c, first + i)->data, fs->block_size);
    rc = fs->dev.write_blocks(fs->dev.ctx, first, n, fs->block_size, c->stage);
    if (rc < 0)
        return rc;
    for (uint32_t i = 0; i < n; i++)
        if ((m = find(c, first + i)))
            m->dirty = false;
    return 0;
}

/* An unpinned buffer to reuse: an invalid one, else the least recently used (written first). */
static int victim(struct ext2_fs *fs, struct ext2_buf **out)
{
    struct ext2_cache *c = &fs->cache;
    struct ext2_buf *best = 0;
    int rc;

    for (uint32_t i = 0; i < c->count; i++) {
        struct ext2_buf *b = &c->bufs[i];

        if (b->pins)
            continue;
        if (!b->valid) {
            best = b;
            break;
        }
        if (!best || b->lru < best->lru)
            best = b;
    }
    if (!best)
        return -E_NOMEM;
    if (best->valid && best->dirty) {
        rc = write_out(fs, best);
        if (rc < 0)
            return rc;
    }
    if (best->valid)
        unhash(c, best);
    *out = best;
    return 0;
}

/* Makes b the clean cached copy of blk. */
static void install(struct ext2_cache *c, struct ext2_buf *b, uint64_t blk)
{
    b->blk = blk;
    b->valid = true;
    b->dirty = false;
    b->owner = 0;
    b->hnext = c->hash[hash_of(c, blk)];
    c->hash[hash_of(c, blk)] = b;
}

/*
 * A read miss on blk right after one on blk - 1 (a sequential reader): blk and the blocks
 * after it that are not cached, up to a run, in one device request; each goes into a buffer
 * of its own (blk's is b, already taken). Returns the blocks read (0: read blk alone).
 * Blocks read ahead are clean copies of the disk: the callers that take a block for new
 * contents (ext2_bget without read) overwrite or zero what is cached, as they always have.
 */
static uint32_t read_ahead(struct ext2_fs *fs, struct ext2_buf *b, uint64_t blk)
{
    struct ext2_cache *c = &fs->cache;
    struct ext2_buf *bufs[EXT2_CLUSTER_BYTES / 1024];
    uint32_t n = 1, got;

    if (c->cluster <= 1 || !fs->dev.read_blocks || blk != c->last_miss + 1)
        return 0;
    while (n < c->cluster && in_device(fs, blk + n) && !find(c, blk + n))
        n++;
    /* The buffers first (an eviction may write through the stage), each pinned meanwhile. */
    bufs[0] = b;
    b->pins++;
    for (got = 1; got < n && victim(fs, &bufs[got]) == 0; got++)
        bufs[got]->pins++;
    if (got > 1 && fs->dev.read_blocks(fs->dev.ctx, blk, got, fs->block_size, c->stage) < 0)
        got = 1;                    /* blk is read alone below */
    for (uint32_t i = 0; i < n && i < got; i++)
        bufs[i]->pins--;
    if (got == 1)
        return 0;
    for (uint32_t i = 0; i < got; i++) {
        memcpy(bufs[i]->data, c->stage + (size_t)i * fs->block_size, fs->block_size);
        install(c, bufs[i], blk + i);
        bufs[i]->lru = c->clock;    /* as old as the last use: gone first if never read */
    }
    return got;
}

int ext2_bget(struct ext2_fs *fs, uint64_t blk, bool read, struct ext2_buf **out)
{
    struct ext2_cache *c = &fs->cache;
    struct ext2_buf *b;
    int rc;

    if (!in_device(fs, blk))
        return -E_CORRUPT;
    b = find(c, blk);
    if (!b) {
        rc = victim(fs, &b);
        if (rc < 0)
            return rc;
        if (read && read_ahead(fs, b, blk)) {
            c->last_miss = blk;
        } else if (read) {
            rc = fs->dev.read_block(fs->dev.ctx, blk, fs->block_size, b->data);
            if (rc < 0)
                return rc < 0 ? rc : -E_IO;
            c->last_miss = blk;
            install(c, b, blk);
        } else {
            memset(b->data, 0, fs->block_size);
            install(c, b, blk);
        }
    } else if (read && blk == c->last_miss + 1) {
        c->last_miss = blk;         /* a block read ahead: the reader is still sequential */
    }
    b->pins++;
    b->lru = ++c->clock;
    *out = b;
    return 0;
}

void ext2_bput(struct ext2_fs *fs, struct ext2_buf *b)
{
    (void)fs;
    if (b && b->pins)
        b->pins--;
}

void ext2_bdirty(struct ext2_fs *fs, struct ext2_buf *b, uint32_t owner)
{
    (void)fs;
    b->dirty = true;
    b->owner = owner;
}

void ext2_bforget(struct ext2_fs *fs, uint64_t blk)
{
    struct ext2_buf *b = find(&fs->cache, blk);

    if (b && !b->pins)
        unhash(&fs->cache, b);
}

/*
 * Writes dirty blocks: file blocks (owner != 0) first, metadata after, so metadata never
 * points at data not yet on the disk. all: every block; else owner's blocks and all metadata.
 */
int ext2_cache_flush(struct ext2_fs *fs, bool all, uint32_t owner)
{
    struct ext2_cache *c = &fs->cache;
    int rc, first = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < c->count; i++) {
            struct ext2_buf *b = &c->bufs[i];

            if (!b->valid || !b->dirty)
                continue;
            if (pass == 0 && (b->owner == 0 || (!all && b->owner != owner)))
                continue;
            if (pass == 1 && b->owner != 0)
                continue;
            rc = write_out(fs, b);
            if (rc < 0 && first == 0)
                first = rc;
        }
    }
    if (first == 0 && fs->dev.flush)
        first = fs->dev.flush(fs->dev.ctx);
    return first;
}
