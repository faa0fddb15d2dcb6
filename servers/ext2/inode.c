/* Inodes: reading and writing them in the inode tables, stat and the attribute calls, freeing. */
#include "ext2_int.h"

#define EXT2_XATTR_MAGIC 0xea020000u
#define EXT2_EXTRA_ISIZE 32u      /* the extra inode fields we fill: up to i_projid */
#define EXT2_CRTIME_OFFSET 16u    /* i_crtime, from the end of the old inode */

static int locate(struct ext2_fs *fs, uint32_t ino, uint32_t *blk, uint32_t *off)
{
    uint32_t g, idx;
    uint64_t byte;

    if (ino == 0 || ino > fs->inodes_count)
        return -E_CORRUPT;
    g = (ino - 1) / fs->inodes_per_group;
    idx = (ino - 1) % fs->inodes_per_group;
    byte = (uint64_t)idx * fs->inode_size;
    *blk = fs->gd[g].bg_inode_table + (uint32_t)(byte >> fs->log_block);
    *off = (uint32_t)(byte & (fs->block_size - 1));
    return 0;
}

int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out)
{
    uint32_t blk, off;
    struct ext2_buf *b;
    int rc = locate(fs, ino, &blk, &off);

    if (rc < 0)
        return rc;
    rc = ext2_bget(fs, blk, true, &b);
    if (rc < 0)
        return rc;
    memcpy(out, b->data + off, sizeof(*out));
    ext2_bput(fs, b);
    return 0;
}

static int write_inode(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in, bool fresh)
{
    uint32_t blk, off;
    struct ext2_buf *b;
    int rc = locate(fs, ino, &blk, &off);

    if (rc < 0)
        return rc;
    rc = ext2_bget(fs, blk, true, &b);
    if (rc < 0)
        return rc;
    if (fresh)
        memset(b->data + off, 0, fs->inode_size);
    memcpy(b->data + off, in, sizeof(*in));
    if (fresh && fs->inode_size >= EXT2_GOOD_OLD_INODE_SIZE + EXT2_EXTRA_ISIZE) {
        /* As mke2fs makes them: the extra fields in use, the creation time set. */
        uint8_t *extra = b->data + off + EXT2_GOOD_OLD_INODE_SIZE;
        uint16_t isize = EXT2_EXTRA_ISIZE;

        memcpy(extra, &isize, sizeof(isize));
        memcpy(extra + EXT2_CRTIME_OFFSET, &in->i_ctime, sizeof(in->i_ctime));
    }
    ext2_bdirty(fs, b, 0);
    ext2_bput(fs, b);
    return 0;
}

int ext2_iput(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
    return write_inode(fs, ino, in, false);
}

int ext2_inew(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in)
{
    return write_inode(fs, ino, in, true);
}

uint64_t ext2_isize(const struct ext2_inode *in)
{
    if (ext2_is_reg(in))
        return in->i_size | ((uint64_t)in->i_size_high << 32);
    return in->i_size;
}

void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size)
{
    in->i_size = (uint32_t)size;
    if (!ext2_is_reg(in))
        return;
    in->i_size_high = (uint32_t)(size >> 32);
    if (size > 0x7fffffffu && !(fs->sb.s_feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE)) {
        fs->sb.s_feature_ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
        fs->super_dirty = true;
    }
}

uint32_t ext2_mode_type(uint32_t mode)
{
    switch (mode & EXT2_S_IFMT) {
    case EXT2_S_IFREG: return EXT2_FT_REG_FILE;
    case EXT2_S_IFDIR: return EXT2_FT_DIR;
    case EXT2_S_IFCHR: return EXT2_FT_CHRDEV;
    case EXT2_S_IFBLK: return EXT2_FT_BLKDEV;
    case EXT2_S_IFIFO: return EXT2_FT_FIFO;
    case EXT2_S_IFSOCK: return EXT2_FT_SOCK;
    case EXT2_S_IFLNK: return EXT2_FT_SYMLINK;
    default: return EXT2_FT_UNKNOWN;
    }
}

/* An inode in use: a known type (its links may be 0 while the server keeps it open). */
int ext2_iget_live(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out)
{
    int rc = ext2_iget(fs, ino, out);

    if (rc < 0)
        return rc;
    if (out->i_links_count == 0 && ext2_inode_allocated(fs, ino) != 1)
        return -E_NOENT;        /* deleted (with links but free: a corrupt bitmap, let it be) */
    if (ext2_mode_type(out->i_mode) == EXT2_FT_UNKNOWN)
        return -E_CORRUPT;
    if (ext2_is_dir(out))
        return ext2_dir_check(fs, out);
    return 0;
}

static int release_xattr(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    uint32_t blk = in->i_file_acl, *hdr;
    struct ext2_buf *b;
    int rc;

    in->i_file_acl = 0;
    if (blk == 0 || !ext2_block_is_data(fs, blk))
        return 0;
    rc = ext2_bget(fs, blk, true, &b);
    if (rc < 0)
        return rc;
    hdr = (uint32_t *)b->data;
    if (hdr[0] != EXT2_XATTR_MAGIC || hdr[1] == 0) {
        ext2_bput(fs, b);
        return 0;
    }
    if (hdr[1] > 1) {
        hdr[1]--;
        ext2_bdirty(fs, b, 0);
        ext2_bput(fs, b);
        return 0;
    }
    ext2_bput(fs, b);
    (void)ino;
    return ext2_free_block(fs, blk);
}

/* No link left and nobody has it open: its blocks and the inode go back to the bitmaps. */
int ext2_inode_destroy(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    bool dir = ext2_is_dir(in);
    int rc = 0, rc2;

    if (ext2_has_data_blocks(in))
        rc = ext2_bmap_truncate(fs, ino, in, 0);
    rc2 = release_xattr(fs, ino, in);
    if (rc == 0)
        rc = rc2;
    in->i_links_count = 0;
    in->i_dtime = ext2_now(fs);
    if (in->i_dtime == 0)
        in->i_dtime = 1;        /* e2fsck reads dtime 0 as "still in use" */
    ext2_set_isize(fs, in, 0);
    in->i_blocks = 0;
    rc2 = ext2_iput(fs, ino, in);
    if (rc == 0)
        rc = rc2;
    rc2 = ext2_free_inode(fs, ino, dir);
    return rc == 0 ? rc2 : rc;
}

static bool still_open(struct ext2_fs *fs, uint32_t ino)
{
    return fs->env.in_use && fs->env.in_use(fs->env.ctx, ino);
}

/* One link fewer (a directory losing its name loses all); the last one frees unless still open. */
int ext2_drop_link(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    if (ext2_is_dir(in))
        in->i_links_count = 0;
    else if (in->i_links_count)
        in->i_links_count--;
    in->i_ctime = ext2_now(fs);
    if (in->i_links_count > 0)
        return ext2_iput(fs, ino, in);
    if (still_open(fs, ino))
        return ext2_orphan_add(fs, ino, in);
    return ext2_inode_destroy(fs, ino, in);
}

int ext2_release(ext2_fs_t *fs, uint32_t ino)
{
    struct ext2_inode in;
    int rc;

    if (fs->read_only)
        return 0;
    rc = ext2_iget(fs, ino, &in);
    if (rc < 0)
        return rc;
    if (in.i_links_count > 0 || in.i_mode == 0 || ext2_inode_allocated(fs, ino) != 1)
        return 0;
    rc = ext2_orphan_remove(fs, ino);
    if (rc < 0)
        return rc;
    return ext2_inode_destroy(fs, ino, &in);
}

/*
 * A device number in i_block as Linux keeps it: the old 8+8-bit form in i_block[0] when it
 * fits, else the new form (12-bit major, 20-bit minor) in i_block[1].
 */
void ext2_set_device(struct ext2_inode *in, uint32_t major, uint32_t minor)
{
    if (major < 256 && minor < 256)
        in->i_block[0] = major << 8 | minor;
    else
        in->i_block[1] = (minor & 0xff) | (major & 0xfff) << 8 | (minor & ~0xffu) << 12;
}

void ext2_get_device(const struct ext2_inode *in, uint32_t *major, uint32_t *minor)
{
    if (in->i_block[0]) {
        *major = in->i_block[0] >> 8 & 0xff;
        *minor = in->i_block[0] & 0xff;
    } else {
        *major = in->i_block[1] >> 8 & 0xfff;
        *minor = (in->i_block[1] & 0xff) | (in->i_block[1] >> 12 & 0xfff00);
    }
}

int ext2_stat(ext2_fs_t *fs, uint32_t ino, struct ext2_stat *out)
{
    struct ext2_inode in;
    int rc = ext2_iget_live(fs, ino, &in);

    if (rc < 0)
        return rc;
    memset(out, 0, sizeof(*out));
    out->ino = ino;
    out->mode = in.i_mode;
    out->uid = in.i_uid | ((uint32_t)in.i_uid_high << 16);
    out->gid = in.i_gid | ((uint32_t)in.i_gid_high << 16);
    out->links = in.i_links_count;
    out->size = ext2_isize(&in);
    out->blocks = in.i_blocks;
    out->atime = in.i_atime;
    out->mtime = in.i_mtime;
    out->ctime = in.i_ctime;
    out->block_size = fs->block_size;
    if ((in.i_mode & EXT2_S_IFMT) == EXT2_S_IFCHR || (in.i_mode & EXT2_S_IFMT) == EXT2_S_IFBLK)
        ext2_get_device(&in, &out->major, &out->minor);
    return 0;
}

static int attr_begin(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    if (fs->read_only)
        return -E_ROFS;
    return ext2_iget_live(fs, ino, in);
}

int ext2_chmod(ext2_fs_t *fs, uint32_t ino, uint32_t mode)
{
    struct ext2_inode in;
    int rc = attr_begin(fs, ino, &in);

    if (rc < 0)
        return rc;
    in.i_mode = (uint16_t)((in.i_mode & EXT2_S_IFMT) | (mode & EXT2_S_PERM));
    in.i_ctime = ext2_now(fs);
    return ext2_iput(fs, ino, &in);
}

int ext2_chown(ext2_fs_t *fs, uint32_t ino, uint32_t uid, uint32_t gid)
{
    struct ext2_inode in;
    int rc = attr_begin(fs, ino, &in);

    if (rc < 0)
        return rc;
    in.i_uid = (uint16_t)uid;
    in.i_uid_high = (uint16_t)(uid >> 16);
    in.i_gid = (uint16_t)gid;
    in.i_gid_high = (uint16_t)(gid >> 16);
    in.i_ctime = ext2_now(fs);
    return ext2_iput(fs, ino, &in);
}

int ext2_utimes(ext2_fs_t *fs, uint32_t ino, uint32_t atime, uint32_t mtime)
{
    struct ext2_inode in;
    int rc = attr_begin(fs, ino, &in);

    if (rc < 0)
        return rc;
    in.i_atime = atime;
    in.i_mtime = mtime;
    in.i_ctime = ext2_now(fs);
    return ext2_iput(fs, ino, &in);
}
