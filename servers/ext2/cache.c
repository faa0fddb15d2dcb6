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
    if (!c->bufs || !c->hash || !c->mem) {
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
    c->bufs = 0;
    c->hash = 0;
    c->mem = 0;
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

static int write_out(struct ext2_fs *fs, struct ext2_buf *b)
{
    int rc;

    if (!in_device(fs, b->blk))
        return -E_IO;
    rc = fs->dev.write_block(fs->dev.ctx, b->blk, fs->block_size, b->data);
    if (rc < 0)
        return rc;
    b->dirty = false;
    return 0;
}

static struct ext2_buf *find(struct ext2_cache *c, uint64_t blk)
{
    for (struct ext2_buf *b = c->hash[hash_of(c, blk)]; b; b = b->hnext)
        if (b->blk == blk)
            return b;
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
        if (read) {
            rc = fs->dev.read_block(fs->dev.ctx, blk, fs->block_size, b->data);
            if (rc < 0)
                return rc < 0 ? rc : -E_IO;
        } else {
            memset(b->data, 0, fs->block_size);
        }
        b->blk = blk;
        b->valid = true;
        b->dirty = false;
        b->owner = 0;
        b->hnext = c->hash[hash_of(c, blk)];
        c->hash[hash_of(c, blk)] = b;
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
