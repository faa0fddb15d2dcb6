/* Block and inode allocation: the bitmaps, the group and superblock free counts. */
#include "ext2_int.h"

static bool bit_test(const uint8_t *map, uint32_t bit)
{
    return (map[bit >> 3] >> (bit & 7)) & 1;
}

static void bit_set(uint8_t *map, uint32_t bit)
{
    map[bit >> 3] |= (uint8_t)(1u << (bit & 7));
}

static void bit_clear(uint8_t *map, uint32_t bit)
{
    map[bit >> 3] &= (uint8_t)~(1u << (bit & 7));
}

/* The first clear bit in [from, limit), or limit. */
static uint32_t find_clear(const uint8_t *map, uint32_t from, uint32_t limit)
{
    uint32_t bit = from;

    while (bit < limit) {
        if ((bit & 7) == 0 && map[bit >> 3] == 0xff) {
            bit += 8;
            continue;
        }
        if (!bit_test(map, bit))
            return bit;
        bit++;
    }
    return limit;
}

static uint32_t group_blocks(const struct ext2_fs *fs, uint32_t g)
{
    uint32_t start = fs->first_data_block + g * fs->blocks_per_group;
    uint32_t left = fs->blocks_count - start;

    return left < fs->blocks_per_group ? left : fs->blocks_per_group;
}

/* Takes a clear bit at or after from in group g's block bitmap; -E_NOSPC when there is none. */
static int take_block_in(struct ext2_fs *fs, uint32_t g, uint32_t from, uint32_t *out)
{
    uint32_t limit = group_blocks(fs, g), start = fs->first_data_block + g * fs->blocks_per_group;
    struct ext2_buf *b;
    int rc;

    if (fs->gd[g].bg_free_blocks_count == 0)
        return -E_NOSPC;
    rc = ext2_bget(fs, fs->gd[g].bg_block_bitmap, true, &b);
    if (rc < 0)
        return rc;
    for (uint32_t bit = find_clear(b->data, from, limit); bit < limit;
         bit = find_clear(b->data, bit + 1, limit)) {
        if (!ext2_block_is_data(fs, start + bit))
            continue;           /* a bitmap that calls metadata free: leave it */
        bit_set(b->data, bit);
        ext2_bdirty(fs, b, 0);
        ext2_bput(fs, b);
        fs->gd[g].bg_free_blocks_count--;
        if (fs->sb.s_free_blocks_count)
            fs->sb.s_free_blocks_count--;
        fs->super_dirty = true;
        *out = start + bit;
        return 0;
    }
    ext2_bput(fs, b);
    return -E_NOSPC;
}

int ext2_alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *out)
{
    uint32_t g0 = 0, from = 0;
    int rc;

    if (goal >= fs->first_data_block && goal < fs->blocks_count) {
        g0 = (goal - fs->first_data_block) / fs->blocks_per_group;
        from = (goal - fs->first_data_block) % fs->blocks_per_group;
    }
    for (uint32_t i = 0; i <= fs->groups; i++) {
        uint32_t g = (g0 + i) % fs->groups;

        rc = take_block_in(fs, g, i == 0 ? from : 0, out);
        if (rc != -E_NOSPC)
            return rc;
    }
    return -E_NOSPC;
}

int ext2_free_block(struct ext2_fs *fs, uint32_t blk)
{
    uint32_t g, bit;
    struct ext2_buf *b;
    int rc;

    if (!ext2_block_is_data(fs, blk))
        return -E_CORRUPT;
    g = (blk - fs->first_data_block) / fs->blocks_per_group;
    bit = (blk - fs->first_data_block) % fs->blocks_per_group;
    rc = ext2_bget(fs, fs->gd[g].bg_block_bitmap, true, &b);
    if (rc < 0)
        return rc;
    if (!bit_test(b->data, bit)) {
        ext2_bput(fs, b);
        return -E_CORRUPT;      /* freed twice: a corrupt block map */
    }
    bit_clear(b->data, bit);
    ext2_bdirty(fs, b, 0);
    ext2_bput(fs, b);
    if (fs->gd[g].bg_free_blocks_count < group_blocks(fs, g))
        fs->gd[g].bg_free_blocks_count++;
    if (fs->sb.s_free_blocks_count < fs->blocks_count)
        fs->sb.s_free_blocks_count++;
    fs->super_dirty = true;
    ext2_bforget(fs, blk);
    return 0;
}

static int take_inode_in(struct ext2_fs *fs, uint32_t g, bool dir, uint32_t *out)
{
    struct ext2_buf *b;
    int rc;

    if (fs->gd[g].bg_free_inodes_count == 0)
        return -E_NOSPC;
    rc = ext2_bget(fs, fs->gd[g].bg_inode_bitmap, true, &b);
    if (rc < 0)
        return rc;
    for (uint32_t bit = find_clear(b->data, 0, fs->inodes_per_group); bit < fs->inodes_per_group;
         bit = find_clear(b->data, bit + 1, fs->inodes_per_group)) {
        uint32_t ino = g * fs->inodes_per_group + bit + 1;

        if (ino < fs->first_ino)
            continue;           /* reserved inodes are never handed out */
        bit_set(b->data, bit);
        ext2_bdirty(fs, b, 0);
        ext2_bput(fs, b);
        fs->gd[g].bg_free_inodes_count--;
        if (dir)
            fs->gd[g].bg_used_dirs_count++;
        if (fs->sb.s_free_inodes_count)
            fs->sb.s_free_inodes_count--;
        fs->super_dirty = true;
        *out = ino;
        return 0;
    }
    ext2_bput(fs, b);
    return -E_NOSPC;
}

/* Files go near their directory; a directory to the group with the most free inodes. */
int ext2_alloc_inode(struct ext2_fs *fs, uint32_t parent, bool dir, uint32_t *out)
{
    uint32_t g0 = parent ? (parent - 1) / fs->inodes_per_group : 0;
    int rc;

    if (g0 >= fs->groups)
        g0 = 0;
    if (dir) {
        for (uint32_t g = 0; g < fs->groups; g++)
            if (fs->gd[g].bg_free_inodes_count > fs->gd[g0].bg_free_inodes_count)
                g0 = g;
    }
    for (uint32_t i = 0; i < fs->groups; i++) {
        rc = take_inode_in(fs, (g0 + i) % fs->groups, dir, out);
        if (rc != -E_NOSPC)
            return rc;
    }
    return -E_NOSPC;
}

int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool dir)
{
    uint32_t g, bit;
    struct ext2_buf *b;
    int rc;

    if (ino < fs->first_ino || ino > fs->inodes_count)
        return -E_CORRUPT;
    g = (ino - 1) / fs->inodes_per_group;
    bit = (ino - 1) % fs->inodes_per_group;
    rc = ext2_bget(fs, fs->gd[g].bg_inode_bitmap, true, &b);
    if (rc < 0)
        return rc;
    if (!bit_test(b->data, bit)) {
        ext2_bput(fs, b);
        return -E_CORRUPT;
    }
    bit_clear(b->data, bit);
    ext2_bdirty(fs, b, 0);
    ext2_bput(fs, b);
    if (fs->gd[g].bg_free_inodes_count < fs->inodes_per_group)
        fs->gd[g].bg_free_inodes_count++;
    if (dir && fs->gd[g].bg_used_dirs_count)
        fs->gd[g].bg_used_dirs_count--;
    if (fs->sb.s_free_inodes_count < fs->inodes_count)
        fs->sb.s_free_inodes_count++;
    fs->super_dirty = true;
    return 0;
}

int ext2_inode_allocated(struct ext2_fs *fs, uint32_t ino)
{
    struct ext2_buf *b;
    uint32_t g, bit;
    int rc, set;

    if (ino == 0 || ino > fs->inodes_count)
        return -E_CORRUPT;
    g = (ino - 1) / fs->inodes_per_group;
    bit = (ino - 1) % fs->inodes_per_group;
    rc = ext2_bget(fs, fs->gd[g].bg_inode_bitmap, true, &b);
    if (rc < 0)
        return rc;
    set = bit_test(b->data, bit);
    ext2_bput(fs, b);
    return set;
}
