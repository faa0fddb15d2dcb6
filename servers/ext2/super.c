/* Mount (every superblock and group-descriptor number checked), sync, statfs, unmount. */
#include "ext2_int.h"

uint32_t ext2_now(struct ext2_fs *fs)
{
    return fs->env.now ? fs->env.now(fs->env.ctx) : 0;
}

static bool power_of(uint32_t n, uint32_t base)
{
    while (n > 1 && n % base == 0)
        n /= base;
    return n == 1;
}

bool ext2_group_has_super(const struct ext2_fs *fs, uint32_t group)
{
    if (group <= 1 || !(fs->sb.s_feature_ro_compat & EXT2_RO_COMPAT_SPARSE_SUPER))
        return true;
    return power_of(group, 3) || power_of(group, 5) || power_of(group, 7);
}

static uint32_t group_start(const struct ext2_fs *fs, uint32_t g)
{
    return fs->first_data_block + g * fs->blocks_per_group;
}

static uint32_t group_end(const struct ext2_fs *fs, uint32_t g)
{
    uint64_t end = (uint64_t)group_start(fs, g) + fs->blocks_per_group;

    return end > fs->blocks_count ? fs->blocks_count : (uint32_t)end;
}

/* The first block after a group's superblock copy and descriptor tables. */
static uint32_t group_meta_end(const struct ext2_fs *fs, uint32_t g)
{
    uint32_t start = group_start(fs, g);

    if (!ext2_group_has_super(fs, g))
        return start;
    return start + 1 + fs->gd_blocks + fs->reserved_gdt;
}

bool ext2_block_is_data(const struct ext2_fs *fs, uint32_t blk)
{
    const struct ext2_group_desc *gd;
    uint32_t g;

    if (blk < fs->first_data_block || blk >= fs->blocks_count)
        return false;
    g = (blk - fs->first_data_block) / fs->blocks_per_group;
    gd = &fs->gd[g];
    if (blk < group_meta_end(fs, g) || blk == gd->bg_block_bitmap || blk == gd->bg_inode_bitmap)
        return false;
    return !(blk >= gd->bg_inode_table && blk - gd->bg_inode_table < fs->itable_blocks);
}

static const char *check_geometry(struct ext2_fs *fs)
{
    const struct ext2_super *sb = &fs->sb;
    uint64_t groups, gd_bytes;

    if (sb->s_magic != EXT2_MAGIC)
        return "bad magic number";
    if (sb->s_rev_level > EXT2_DYNAMIC_REV)
        return "unknown revision";
    if (sb->s_log_block_size > 2)
        return "block size other than 1, 2 or 4 KiB";
    fs->log_block = 10 + sb->s_log_block_size;
    fs->block_size = 1u << fs->log_block;
    fs->addr_per_block = fs->block_size / 4;
    if (sb->s_first_data_block != (fs->block_size == 1024 ? 1u : 0u))
        return "bad first data block";
    fs->first_data_block = sb->s_first_data_block;
    fs->blocks_count = sb->s_blocks_count;
    if (fs->blocks_count <= fs->first_data_block + 1)
        return "too few blocks";
    if ((uint64_t)fs->blocks_count * fs->block_size > fs->dev.size)
        return "file system larger than the device";
    fs->blocks_per_group = sb->s_blocks_per_group;
    fs->inodes_per_group = sb->s_inodes_per_group;
    if (fs->blocks_per_group < 8 || fs->blocks_per_group > 8 * fs->block_size ||
        fs->blocks_per_group % 8 != 0)
        return "bad blocks per group";
    if (fs->inodes_per_group == 0 || fs->inodes_per_group > 8 * fs->block_size)
        return "bad inodes per group";
    if (sb->s_rev_level == EXT2_GOOD_OLD_REV) {
        fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
        fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
    } else {
        fs->inode_size = sb->s_inode_size;
        fs->first_ino = sb->s_first_ino;
    }
    if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE || fs->inode_size > fs->block_size ||
        (fs->inode_size & (fs->inode_size - 1)) != 0)
        return "bad inode size";
    groups = ((uint64_t)fs->blocks_count - fs->first_data_block + fs->blocks_per_group - 1) /
             fs->blocks_per_group;
    fs->groups = (uint32_t)groups;
    fs->inodes_count = sb->s_inodes_count;
    if ((uint64_t)fs->inodes_per_group * groups != fs->inodes_count)
        return "inode count does not match the groups";
    if (fs->first_ino <= EXT2_ROOT_INO || fs->first_ino >= fs->inodes_count)
        return "bad first inode";
    if (sb->s_free_blocks_count > fs->blocks_count || sb->s_free_inodes_count > fs->inodes_count ||
        sb->s_r_blocks_count > fs->blocks_count)
        return "bad free or reserved counts";
    gd_bytes = groups * sizeof(struct ext2_group_desc);
    fs->gd_blocks = (uint32_t)((gd_bytes + fs->block_size - 1) / fs->block_size);
    fs->reserved_gdt = (sb->s_feature_compat & EXT2_COMPAT_RESIZE_INODE) ? sb->s_reserved_gdt_blocks : 0;
    if (fs->reserved_gdt > fs->addr_per_block)
        return "bad reserved GDT block count";
    if ((uint64_t)fs->first_data_block + 1 + fs->gd_blocks + fs->reserved_gdt >= fs->blocks_count)
        return "group descriptors beyond the disk";
    fs->itable_blocks = (uint32_t)(((uint64_t)fs->inodes_per_group * fs->inode_size + fs->block_size - 1) /
                                   fs->block_size);
    return 0;
}

static const char *check_features(struct ext2_fs *fs)
{
    struct ext2_super *sb = &fs->sb;

    if (sb->s_rev_level == EXT2_GOOD_OLD_REV) {
        fs->filetype = false;
        return 0;
    }
    if (sb->s_feature_incompat & ~EXT2_INCOMPAT_SUPPORTED)
        return "unsupported incompatible feature (only filetype is known)";
    if (sb->s_feature_ro_compat & ~EXT2_RO_COMPAT_SUPPORTED)
        fs->read_only = true;
    fs->filetype = (sb->s_feature_incompat & EXT2_INCOMPAT_FILETYPE) != 0;
    return 0;
}

/* Each group's bitmaps and inode table inside the group, clear of its sb/gdt copy and each other. */
static const char *check_groups(struct ext2_fs *fs)
{
    uint64_t free_blocks = 0, free_inodes = 0;

    for (uint32_t g = 0; g < fs->groups; g++) {
        const struct ext2_group_desc *gd = &fs->gd[g];
        uint32_t lo = group_meta_end(fs, g), hi = group_end(fs, g);
        uint64_t it_end = (uint64_t)gd->bg_inode_table + fs->itable_blocks;

        if (gd->bg_block_bitmap < lo || gd->bg_block_bitmap >= hi ||
            gd->bg_inode_bitmap < lo || gd->bg_inode_bitmap >= hi ||
            gd->bg_inode_table < lo || it_end > hi)
            return "group metadata outside its group";
        if (gd->bg_block_bitmap == gd->bg_inode_bitmap ||
            (gd->bg_block_bitmap >= gd->bg_inode_table && gd->bg_block_bitmap < it_end) ||
            (gd->bg_inode_bitmap >= gd->bg_inode_table && gd->bg_inode_bitmap < it_end))
            return "group metadata overlaps";
        if (gd->bg_free_blocks_count > hi - group_start(fs, g) ||
            gd->bg_free_inodes_count > fs->inodes_per_group ||
            gd->bg_used_dirs_count > fs->inodes_per_group)
            return "bad group counts";
        free_blocks += gd->bg_free_blocks_count;
        free_inodes += gd->bg_free_inodes_count;
    }
    /* The superblock's totals are only a summary: take the groups' (as e2fsck would). */
    fs->sb.s_free_blocks_count = (uint32_t)free_blocks;
    fs->sb.s_free_inodes_count = (uint32_t)free_inodes;
    return 0;
}

static int read_gd(struct ext2_fs *fs)
{
    size_t bytes = (size_t)fs->groups * sizeof(struct ext2_group_desc);
    size_t done = 0;
    struct ext2_buf *b;
    int rc;

    fs->gd = fs->env.alloc(bytes);
    if (!fs->gd)
        return -E_NOMEM;
    for (uint32_t i = 0; i < fs->gd_blocks; i++) {
        size_t n = bytes - done < fs->block_size ? bytes - done : fs->block_size;

        rc = ext2_bget(fs, fs->first_data_block + 1 + i, true, &b);
        if (rc < 0)
            return rc;
        memcpy((uint8_t *)fs->gd + done, b->data, n);
        ext2_bput(fs, b);
        done += n;
    }
    return 0;
}

int ext2_write_super(struct ext2_fs *fs)
{
    size_t bytes = (size_t)fs->groups * sizeof(struct ext2_group_desc);
    uint64_t sb_blk = EXT2_SUPER_OFFSET / fs->block_size;
    uint32_t sb_off = EXT2_SUPER_OFFSET % fs->block_size;
    size_t done = 0;
    struct ext2_buf *b;
    int rc;

    if (fs->read_only)
        return 0;
    rc = ext2_bget(fs, sb_blk, true, &b);
    if (rc < 0)
        return rc;
    memcpy(b->data + sb_off, &fs->sb, sizeof(fs->sb));
    ext2_bdirty(fs, b, 0);
    ext2_bput(fs, b);
    for (uint32_t i = 0; i < fs->gd_blocks; i++) {
        size_t n = bytes - done < fs->block_size ? bytes - done : fs->block_size;

        rc = ext2_bget(fs, fs->first_data_block + 1 + i, true, &b);
        if (rc < 0)
            return rc;
        memcpy(b->data, (uint8_t *)fs->gd + done, n);
        ext2_bdirty(fs, b, 0);
        ext2_bput(fs, b);
        done += n;
    }
    fs->super_dirty = false;
    return 0;
}

static void fs_free(struct ext2_fs *fs)
{
    void (*release)(void *) = fs->env.free;

    ext2_cache_free(fs);
    if (fs->gd)
        release(fs->gd);
    release(fs);
}

static int fail(struct ext2_fs *fs, const char **why, const char *msg, int err)
{
    if (why)
        *why = msg;
    fs_free(fs);
    return err;
}

int ext2_mount(const struct ext2_dev *dev, const struct ext2_env *env,
               const struct ext2_mount_opts *opts, ext2_fs_t **out, const char **why)
{
    uint8_t raw[EXT2_SUPER_SIZE];
    struct ext2_inode root;
    struct ext2_fs *fs;
    const char *msg;
    int rc;

    if (why)
        *why = 0;
    if (!dev || !env || !env->alloc || !env->free || !dev->read_block || !dev->write_block || !out)
        return -E_INVAL;
    if (dev->size < EXT2_SUPER_OFFSET + EXT2_SUPER_SIZE) {
        if (why)
            *why = "device too small";
        return -E_CORRUPT;
    }
    rc = dev->read_block(dev->ctx, 1, EXT2_SUPER_SIZE, raw);
    if (rc < 0)
        return rc;
    fs = env->alloc(sizeof(*fs));
    if (!fs)
        return -E_NOMEM;
    memset(fs, 0, sizeof(*fs));
    fs->dev = *dev;
    fs->env = *env;
    fs->read_only = opts && opts->read_only;
    memcpy(&fs->sb, raw, sizeof(fs->sb));
    msg = check_geometry(fs);
    if (msg)
        return fail(fs, why, msg, -E_CORRUPT);
    msg = check_features(fs);
    if (msg)
        return fail(fs, why, msg, -E_NOSYS);
    rc = ext2_cache_init(fs, opts && opts->cache_blocks ? opts->cache_blocks : EXT2_CACHE_DEFAULT);
    if (rc < 0)
        return fail(fs, why, "out of memory", rc);
    rc = read_gd(fs);
    if (rc < 0)
        return fail(fs, why, "cannot read the group descriptors", rc);
    msg = check_groups(fs);
    if (msg)
        return fail(fs, why, msg, -E_CORRUPT);
    rc = ext2_iget(fs, EXT2_ROOT_INO, &root);
    if (rc < 0)
        return fail(fs, why, "cannot read the root inode", rc);
    if (!ext2_is_dir(&root) || root.i_links_count == 0 || ext2_dir_check(fs, &root) < 0)
        return fail(fs, why, "the root is not a directory", -E_CORRUPT);
    if (!fs->read_only) {
        fs->was_clean = (fs->sb.s_state & (EXT2_VALID_FS | EXT2_ERROR_FS)) == EXT2_VALID_FS;
        fs->sb.s_state &= (uint16_t)~EXT2_VALID_FS;
        fs->sb.s_mnt_count++;
        fs->sb.s_mtime = ext2_now(fs);
        rc = ext2_orphan_cleanup(fs);
        if (rc == -E_CORRUPT)
            rc = 0;             /* a list e2fsck must sort out; the mount goes on */
        if (rc == 0)
            rc = ext2_sync(fs);
        if (rc < 0)
            return fail(fs, why, "cannot write the superblock", rc);
    }
    *out = fs;
    return 0;
}

int ext2_sync(ext2_fs_t *fs)
{
    int rc;

    if (fs->read_only)
        return 0;
    fs->sb.s_wtime = ext2_now(fs);
    rc = ext2_write_super(fs);
    if (rc < 0)
        return rc;
    return ext2_cache_flush(fs, true, 0);
}

int ext2_fsync(ext2_fs_t *fs, uint32_t ino)
{
    int rc;

    if (fs->read_only)
        return 0;
    if (ino == 0 || ino > fs->inodes_count)
        return -E_INVAL;
    rc = ext2_write_super(fs);
    if (rc < 0)
        return rc;
    return ext2_cache_flush(fs, false, ino);
}

int ext2_unmount(ext2_fs_t *fs)
{
    int rc = 0;

    if (!fs->read_only) {
        if (fs->was_clean)
            fs->sb.s_state |= EXT2_VALID_FS;
        rc = ext2_sync(fs);
    }
    fs_free(fs);
    return rc;
}

bool ext2_is_read_only(const ext2_fs_t *fs)
{
    return fs->read_only;
}

uint32_t ext2_block_size(const ext2_fs_t *fs)
{
    return fs->block_size;
}

int ext2_statfs(ext2_fs_t *fs, struct ext2_statfs *out)
{
    uint32_t free = fs->sb.s_free_blocks_count, r = fs->sb.s_r_blocks_count;

    out->block_size = fs->block_size;
    out->blocks = fs->blocks_count;
    out->free_blocks = free;
    out->avail_blocks = free > r ? free - r : 0;
    out->inodes = fs->inodes_count;
    out->free_inodes = fs->sb.s_free_inodes_count;
    out->name_max = EXT2_NAME_MAX;
    return 0;
}
