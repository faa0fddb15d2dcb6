/*
 * The orphan list: inodes with no link left that the server still has open. They are chained
 * through i_dtime from s_last_orphan (as ext3 and e2fsck know it), so a mount after a crash
 * frees what the last close never did.
 */
#include "ext2_int.h"

int ext2_orphan_add(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    in->i_dtime = fs->sb.s_last_orphan;
    fs->sb.s_last_orphan = ino;
    fs->super_dirty = true;
    return ext2_iput(fs, ino, in);
}

static bool orphan_ino_ok(const struct ext2_fs *fs, uint32_t ino)
{
    return ino >= fs->first_ino && ino <= fs->inodes_count;
}

/* Unchains ino (0 when it was not on the list). The walk is bounded: a corrupt list may loop. */
int ext2_orphan_remove(struct ext2_fs *fs, uint32_t ino)
{
    uint32_t prev = 0, cur = fs->sb.s_last_orphan;
    struct ext2_inode in, pin;
    int rc;

    for (uint32_t steps = 0; cur != 0 && steps < fs->inodes_count; steps++) {
        if (!orphan_ino_ok(fs, cur))
            return -E_CORRUPT;
        rc = ext2_iget(fs, cur, &in);
        if (rc < 0)
            return rc;
        if (cur == ino) {
            if (prev == 0) {
                fs->sb.s_last_orphan = in.i_dtime;
                fs->super_dirty = true;
                return 0;
            }
            rc = ext2_iget(fs, prev, &pin);
            if (rc < 0)
                return rc;
            pin.i_dtime = in.i_dtime;
            return ext2_iput(fs, prev, &pin);
        }
        prev = cur;
        cur = in.i_dtime;
    }
    return 0;
}

/* At a read-write mount: every inode left on the list is freed, and the list emptied. */
int ext2_orphan_cleanup(struct ext2_fs *fs)
{
    uint32_t cur = fs->sb.s_last_orphan;
    int rc = 0;

    for (uint32_t steps = 0; cur != 0 && steps < fs->inodes_count && orphan_ino_ok(fs, cur); steps++) {
        struct ext2_inode in;
        uint32_t next;

        rc = ext2_iget(fs, cur, &in);
        if (rc < 0)
            break;
        next = in.i_dtime;
        if (in.i_links_count == 0 && ext2_inode_allocated(fs, cur) == 1)
            rc = ext2_inode_destroy(fs, cur, &in);
        if (rc < 0)
            break;
        cur = next;
    }
    fs->sb.s_last_orphan = 0;
    fs->super_dirty = true;
    return rc;
}
