/* Block maps: file block to device block through direct and 1-, 2-, 3-level indirect blocks. */
#include "ext2_int.h"

uint64_t ext2_max_lblk(const struct ext2_fs *fs)
{
    uint64_t apb = fs->addr_per_block;

    return EXT2_NDIR_BLOCKS + apb + apb * apb + apb * apb * apb;
}

bool ext2_has_data_blocks(const struct ext2_inode *in)
{
    if (ext2_is_reg(in) || ext2_is_dir(in))
        return true;
    return ext2_is_lnk(in) && ext2_isize(in) >= sizeof(in->i_block);
}

/* idx[0]: the i_block slot; idx[1..depth]: the entries in each indirect block on the way. */
static int path_of(const struct ext2_fs *fs, uint64_t lblk, uint32_t idx[4], int *depth)
{
    uint64_t apb = fs->addr_per_block;

    if (lblk < EXT2_NDIR_BLOCKS) {
        idx[0] = (uint32_t)lblk;
        *depth = 0;
        return 0;
    }
    lblk -= EXT2_NDIR_BLOCKS;
    if (lblk < apb) {
        idx[0] = EXT2_IND_BLOCK;
        idx[1] = (uint32_t)lblk;
        *depth = 1;
        return 0;
    }
    lblk -= apb;
    if (lblk < apb * apb) {
        idx[0] = EXT2_DIND_BLOCK;
        idx[1] = (uint32_t)(lblk / apb);
        idx[2] = (uint32_t)(lblk % apb);
        *depth = 2;
        return 0;
    }
    lblk -= apb * apb;
    if (lblk < apb * apb * apb) {
        idx[0] = EXT2_TIND_BLOCK;
        idx[1] = (uint32_t)(lblk / (apb * apb));
        idx[2] = (uint32_t)(lblk / apb % apb);
        idx[3] = (uint32_t)(lblk % apb);
        *depth = 3;
        return 0;
    }
    return -E_FBIG;
}

static int read_entry(struct ext2_fs *fs, uint32_t blk, uint32_t i, uint32_t *out)
{
    struct ext2_buf *b;
    int rc = ext2_bget(fs, blk, true, &b);

    if (rc < 0)
        return rc;
    *out = ((uint32_t *)b->data)[i];
    ext2_bput(fs, b);
    return 0;
}

static int write_entry(struct ext2_fs *fs, uint32_t ino, uint32_t blk, uint32_t i, uint32_t val)
{
    struct ext2_buf *b;
    int rc = ext2_bget(fs, blk, true, &b);

    if (rc < 0)
        return rc;
    ((uint32_t *)b->data)[i] = val;
    ext2_bdirty(fs, b, ino);
    ext2_bput(fs, b);
    return 0;
}

/* n new blocks, all or none, each zeroed in the cache and owned by ino. */
static int alloc_chain(struct ext2_fs *fs, uint32_t ino, uint32_t goal, int n, uint32_t *blks)
{
    struct ext2_buf *b;
    int rc = 0, got;

    for (got = 0; got < n; got++) {
        rc = ext2_alloc_block(fs, goal, &blks[got]);
        if (rc < 0)
            break;
        goal = blks[got];
        rc = ext2_bget(fs, blks[got], false, &b);
        if (rc < 0) {
            got++;
            break;
        }
        memset(b->data, 0, fs->block_size);  /* a stale copy may still be cached */
        ext2_bdirty(fs, b, ino);
        ext2_bput(fs, b);
    }
    if (rc == 0)
        return 0;
    while (got-- > 0)
        ext2_free_block(fs, blks[got]);
    return rc;
}

int ext2_bmap(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t lblk, bool alloc,
              uint32_t *out, bool *fresh)
{
    uint32_t idx[4], blks[4], parent = 0, slot, ptr, goal, per = fs->block_size / 512;
    int depth, level = 0, n, rc;

    *out = 0;
    if (fresh)
        *fresh = false;
    rc = path_of(fs, lblk, idx, &depth);
    if (rc < 0)
        return rc;
    slot = idx[0];
    ptr = in->i_block[slot];
    goal = fs->first_data_block + (ino - 1) / fs->inodes_per_group * fs->blocks_per_group;
    if (depth == 0 && slot > 0 && in->i_block[slot - 1])
        goal = in->i_block[slot - 1];
    while (ptr != 0) {
        if (!ext2_block_is_data(fs, ptr))
            return -E_CORRUPT;
        if (level == depth) {
            *out = ptr;
            return 0;
        }
        parent = ptr;
        slot = idx[level + 1];
        goal = ptr;
        rc = read_entry(fs, ptr, slot, &ptr);
        if (rc < 0)
            return rc;
        level++;
    }
    if (!alloc)
        return 0;
    n = depth - level + 1;
    if ((uint64_t)in->i_blocks + (uint64_t)n * per > 0xffffffffu)
        return -E_FBIG;
    rc = alloc_chain(fs, ino, goal, n, blks);
    if (rc < 0)
        return rc;
    for (int i = 0; i + 1 < n; i++) {
        rc = write_entry(fs, ino, blks[i], idx[level + i + 1], blks[i + 1]);
        if (rc < 0)
            goto out_free;
    }
    if (parent == 0) {
        in->i_block[slot] = blks[0];
    } else {
        rc = write_entry(fs, ino, parent, slot, blks[0]);
        if (rc < 0)
            goto out_free;
    }
    in->i_blocks += (uint32_t)n * per;
    *out = blks[n - 1];
    if (fresh)
        *fresh = true;
    return 0;

out_free:
    for (int i = 0; i < n; i++)
        ext2_free_block(fs, blks[i]);
    return rc;
}

struct trunc {
    uint32_t ino;
    uint32_t freed;
};

static void free_one(struct ext2_fs *fs, struct trunc *t, uint32_t blk)
{
    if (ext2_free_block(fs, blk) == 0)
        t->freed++;
}

/*
 * Frees the entries of indirect block blk (level 1: it holds data blocks) from relative
 * file block start on, and blk itself when start is 0.
 */
static int trunc_tree(struct ext2_fs *fs, struct trunc *t, uint32_t blk, int level, uint64_t start)
{
    uint64_t span = 1;
    uint32_t first, *ent;
    struct ext2_buf *b;
    int rc;

    if (!ext2_block_is_data(fs, blk))
        return -E_CORRUPT;
    for (int i = 1; i < level; i++)
        span *= fs->addr_per_block;
    first = (uint32_t)(start / span);
    rc = ext2_bget(fs, blk, true, &b);
    if (rc < 0)
        return rc;
    ent = (uint32_t *)b->data;
    for (uint32_t i = first; i < fs->addr_per_block; i++) {
        uint64_t child_start = i == first ? start % span : 0;

        if (ent[i] == 0)
            continue;
        if (level == 1)
            free_one(fs, t, ent[i]);
        else
            trunc_tree(fs, t, ent[i], level - 1, child_start);
        if (child_start == 0) {
            ent[i] = 0;
            ext2_bdirty(fs, b, t->ino);
        }
    }
    ext2_bput(fs, b);
    if (start == 0)
        free_one(fs, t, blk);
    return 0;
}

int ext2_bmap_truncate(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t first)
{
    uint64_t apb = fs->addr_per_block, base = EXT2_NDIR_BLOCKS, span = apb;
    struct trunc t = { .ino = ino, .freed = 0 };
    uint32_t per = fs->block_size / 512;
    int rc = 0;

    for (uint64_t i = first; i < EXT2_NDIR_BLOCKS; i++) {
        if (in->i_block[i] && ext2_block_is_data(fs, in->i_block[i]))
            free_one(fs, &t, in->i_block[i]);
        in->i_block[i] = 0;
    }
    for (int level = 1; level <= 3; level++) {
        uint32_t *slot = &in->i_block[EXT2_IND_BLOCK + level - 1];

        if (*slot && first < base + span) {
            uint64_t start = first > base ? first - base : 0;
            int r = trunc_tree(fs, &t, *slot, level, start);

            if (r < 0 && rc == 0)
                rc = r;
            if (start == 0)
                *slot = 0;
        }
        base += span;
        span *= apb;
    }
    in->i_blocks = in->i_blocks > t.freed * per ? in->i_blocks - t.freed * per : 0;
    return rc == -E_CORRUPT ? 0 : rc;
}
