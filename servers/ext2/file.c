/* File contents: read, write (allocating as it goes), truncate. */
#include "ext2_int.h"

static uint64_t max_size(const struct ext2_fs *fs)
{
    uint64_t by_map = ext2_max_lblk(fs) << fs->log_block;
    /* i_blocks counts 512-byte units in 32 bits, indirect blocks included. */
    uint64_t by_blocks = (0xffffffffull << 9) - ((uint64_t)fs->block_size << 10);

    if (fs->sb.s_rev_level == EXT2_GOOD_OLD_REV)
        return 0x7fffffff;
    return by_map < by_blocks ? by_map : by_blocks;
}

static int regular(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    int rc = ext2_iget_live(fs, ino, in);

    if (rc < 0)
        return rc;
    if (ext2_is_dir(in))
        return -E_ISDIR;
    return ext2_is_reg(in) ? 0 : -E_INVAL;
}

long ext2_read(ext2_fs_t *fs, uint32_t ino, uint64_t off, void *buf, size_t count)
{
    uint64_t size, done = 0;
    struct ext2_inode in;
    int rc = regular(fs, ino, &in);

    if (rc < 0)
        return rc;
    size = ext2_isize(&in);
    if (off >= size)
        return 0;
    if (count > size - off)
        count = (size_t)(size - off);
    if (count > 0x7fffffff)
        count = 0x7fffffff;
    while (done < count) {
        uint64_t pos = off + done;
        uint32_t in_blk = (uint32_t)(pos & (fs->block_size - 1)), blk;
        uint32_t n = fs->block_size - in_blk;
        struct ext2_buf *b;

        if (n > count - done)
            n = (uint32_t)(count - done);
        rc = ext2_bmap(fs, ino, &in, pos >> fs->log_block, false, &blk, 0);
        if (rc < 0)
            return done ? (long)done : rc;
        if (blk == 0) {
            memset((uint8_t *)buf + done, 0, n);
        } else {
            rc = ext2_bget(fs, blk, true, &b);
            if (rc < 0)
                return done ? (long)done : rc;
            memcpy((uint8_t *)buf + done, b->data + in_blk, n);
            ext2_bput(fs, b);
        }
        done += n;
    }
    return (long)done;
}

/* Zeroes the bytes of the block holding offset size from there to its end (if it is mapped). */
static int zero_tail(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t size)
{
    uint32_t in_blk = (uint32_t)(size & (fs->block_size - 1)), blk;
    struct ext2_buf *b;
    int rc;

    if (in_blk == 0)
        return 0;
    rc = ext2_bmap(fs, ino, in, size >> fs->log_block, false, &blk, 0);
    if (rc < 0 || blk == 0)
        return rc;
    rc = ext2_bget(fs, blk, true, &b);
    if (rc < 0)
        return rc;
    memset(b->data + in_blk, 0, fs->block_size - in_blk);
    ext2_bdirty(fs, b, ino);
    ext2_bput(fs, b);
    return 0;
}

long ext2_write(ext2_fs_t *fs, uint32_t ino, uint64_t off, const void *buf, size_t count)
{
    uint64_t size, limit = max_size(fs), done = 0;
    struct ext2_inode in;
    int rc;

    if (fs->read_only)
        return -E_ROFS;
    rc = regular(fs, ino, &in);
    if (rc < 0)
        return rc;
    if (count == 0)
        return 0;
    if (off >= limit)
        return -E_FBIG;
    if (count > limit - off)
        count = (size_t)(limit - off);
    if (count > 0x7fffffff)
        count = 0x7fffffff;
    size = ext2_isize(&in);
    if (off > size) {
        rc = zero_tail(fs, ino, &in, size);
        if (rc < 0)
            return rc;
    }
    while (done < count) {
        uint64_t pos = off + done;
        uint32_t in_blk = (uint32_t)(pos & (fs->block_size - 1)), blk;
        uint32_t n = fs->block_size - in_blk;
        struct ext2_buf *b;
        bool fresh;

        if (n > count - done)
            n = (uint32_t)(count - done);
        rc = ext2_bmap(fs, ino, &in, pos >> fs->log_block, true, &blk, &fresh);
        if (rc < 0)
            break;
        rc = ext2_bget(fs, blk, !fresh && n != fs->block_size, &b);
        if (rc < 0)
            break;
        memcpy(b->data + in_blk, (const uint8_t *)buf + done, n);
        ext2_bdirty(fs, b, ino);
        ext2_bput(fs, b);
        done += n;
    }
    if (off + done > size)
        ext2_set_isize(fs, &in, off + done);
    if (done) {
        in.i_mtime = in.i_ctime = ext2_now(fs);
    }
    {
        int rc2 = ext2_iput(fs, ino, &in);

        if (rc2 < 0)
            return rc2;
    }
    return done ? (long)done : rc;
}

int ext2_truncate(ext2_fs_t *fs, uint32_t ino, uint64_t size)
{
    struct ext2_inode in;
    uint64_t old;
    int rc;

    if (fs->read_only)
        return -E_ROFS;
    rc = regular(fs, ino, &in);
    if (rc < 0)
        return rc;
    if (size > max_size(fs))
        return -E_FBIG;
    old = ext2_isize(&in);
    if (size > old) {
        rc = zero_tail(fs, ino, &in, old);
        if (rc < 0)
            return rc;
    } else if (size < old) {
        /* Once blocks are freed the inode must be written, whatever else fails. */
        rc = ext2_bmap_truncate(fs, ino, &in, (size + fs->block_size - 1) >> fs->log_block);
        if (rc == 0)
            rc = zero_tail(fs, ino, &in, size);
    }
    ext2_set_isize(fs, &in, size);
    in.i_mtime = in.i_ctime = ext2_now(fs);
    {
        int rc2 = ext2_iput(fs, ino, &in);

        return rc < 0 ? rc : rc2;
    }
}
