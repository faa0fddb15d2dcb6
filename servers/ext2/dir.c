/* Directories: linear search of the entries, adding (new blocks as needed), removing, readdir. */
#include "ext2_int.h"

int ext2_check_name(const char *name, size_t len)
{
    if (len == 0)
        return -E_NOENT;
    if (len > EXT2_NAME_MAX)
        return -E_NAMETOOLONG;
    for (size_t i = 0; i < len; i++)
        if (name[i] == '/' || name[i] == 0)
            return -E_INVAL;
    return 0;
}

int ext2_dir_check(struct ext2_fs *fs, const struct ext2_inode *din)
{
    if (din->i_size == 0 || (din->i_size & (fs->block_size - 1)) != 0)
        return -E_CORRUPT;
    if ((uint64_t)din->i_size >> fs->log_block > ext2_max_lblk(fs))
        return -E_CORRUPT;
    return 0;
}

static bool is_dot(const struct ext2_dirent *d)
{
    const char *n = (const char *)(d + 1);

    return (d->name_len == 1 && n[0] == '.') || (d->name_len == 2 && n[0] == '.' && n[1] == '.');
}

/* The entry at off in a directory block, checked against the block and the file system. */
static struct ext2_dirent *entry_at(struct ext2_fs *fs, uint8_t *data, uint32_t off)
{
    struct ext2_dirent *d;

    if (off + sizeof(*d) > fs->block_size)
        return 0;
    d = (struct ext2_dirent *)(data + off);
    if (d->rec_len < 8 || (d->rec_len & 3) || off + d->rec_len > fs->block_size)
        return 0;
    if (!fs->filetype && d->file_type != 0)
        return 0;               /* the high byte of a 16-bit name_len: over 255 */
    if (8u + d->name_len > d->rec_len || d->inode > fs->inodes_count)
        return 0;
    if (d->inode != 0 && d->name_len == 0)
        return 0;
    return d;
}

struct walk {
    struct ext2_buf *b;
    uint64_t lblk;
    uint32_t off;
    struct ext2_dirent *d, *prev;
};

/* Calls fn on every entry (unused ones too); fn returns 0 to go on, 1 to stop, or an error. */
static int dir_walk(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, uint64_t from_lblk,
                    int (*fn)(struct ext2_fs *, struct walk *, void *), void *arg)
{
    uint64_t nblocks = din->i_size >> fs->log_block;
    struct walk w;
    int rc = ext2_dir_check(fs, din);

    if (rc < 0)
        return rc;
    for (w.lblk = from_lblk; w.lblk < nblocks; w.lblk++) {
        uint32_t blk;

        rc = ext2_bmap(fs, dir, din, w.lblk, false, &blk, 0);
        if (rc < 0)
            return rc;
        if (blk == 0)
            return -E_CORRUPT;  /* directories have no holes */
        rc = ext2_bget(fs, blk, true, &w.b);
        if (rc < 0)
            return rc;
        w.prev = 0;
        for (w.off = 0; w.off < fs->block_size; w.off += w.d->rec_len) {
            w.d = entry_at(fs, w.b->data, w.off);
            if (!w.d) {
                rc = -E_CORRUPT;
                break;
            }
            rc = fn(fs, &w, arg);
            if (rc != 0)
                break;
            w.prev = w.d;
        }
        ext2_bput(fs, w.b);
        if (rc != 0)
            return rc;
    }
    return 0;
}

struct find {
    const char *name;
    size_t len;
    uint32_t ino;
    uint8_t type;
};

static int find_fn(struct ext2_fs *fs, struct walk *w, void *arg)
{
    struct find *f = arg;

    (void)fs;
    if (w->d->inode == 0 || w->d->name_len != f->len || memcmp(w->d + 1, f->name, f->len) != 0)
        return 0;
    f->ino = w->d->inode;
    f->type = w->d->file_type;
    return 1;
}

int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                  uint32_t *ino, uint8_t *type)
{
    struct find f = { .name = name, .len = len };
    int rc = dir_walk(fs, dir, din, 0, find_fn, &f);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return -E_NOENT;
    *ino = f.ino;
    if (type)
        *type = f.type;
    return 0;
}

static void fill(struct ext2_fs *fs, struct ext2_dirent *d, const char *name, size_t len, uint32_t ino,
                 uint32_t mode)
{
    d->inode = ino;
    d->name_len = (uint8_t)len;
    d->file_type = fs->filetype ? (uint8_t)ext2_mode_type(mode) : 0;
    memcpy(d + 1, name, len);
}

/* A changed directory: times, and a hashed index it no longer matches is dropped. */
static int dir_changed(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din)
{
    din->i_flags &= ~EXT2_INDEX_FL;
    din->i_mtime = din->i_ctime = ext2_now(fs);
    return ext2_iput(fs, dir, din);
}

struct add {
    const char *name;
    size_t len;
    uint32_t ino, mode;
};

static int add_fn(struct ext2_fs *fs, struct walk *w, void *arg)
{
    struct add *a = arg;
    uint32_t need = EXT2_DIRENT_SIZE(a->len), used;
    struct ext2_dirent *d = w->d, *n;

    if (d->inode == 0 && d->rec_len >= need) {
        fill(fs, d, a->name, a->len, a->ino, a->mode);
        ext2_bdirty(fs, w->b, 0);
        return 1;
    }
    used = d->inode ? EXT2_DIRENT_SIZE(d->name_len) : 0;
    if (d->inode == 0 || d->rec_len - used < need)
        return 0;
    n = (struct ext2_dirent *)((uint8_t *)d + used);
    n->rec_len = (uint16_t)(d->rec_len - used);
    d->rec_len = (uint16_t)used;
    fill(fs, n, a->name, a->len, a->ino, a->mode);
    ext2_bdirty(fs, w->b, 0);
    return 1;
}

int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                 uint32_t ino, uint32_t mode)
{
    struct add a = { .name = name, .len = len, .ino = ino, .mode = mode };
    uint64_t lblk = din->i_size >> fs->log_block;
    struct ext2_buf *b;
    uint32_t blk;
    bool fresh;
    int rc = dir_walk(fs, dir, din, 0, add_fn, &a);

    if (rc < 0)
        return rc;
    if (rc == 0) {
        if ((uint64_t)din->i_size + fs->block_size > 0xffffffffu)
            return -E_FBIG;
        rc = ext2_bmap(fs, dir, din, lblk, true, &blk, &fresh);
        if (rc < 0)
            return rc;
        rc = ext2_bget(fs, blk, false, &b);
        if (rc < 0) {
            ext2_bmap_truncate(fs, dir, din, lblk);
            ext2_iput(fs, dir, din);
            return rc;
        }
        memset(b->data, 0, fs->block_size);
        ((struct ext2_dirent *)b->data)->rec_len = (uint16_t)fs->block_size;
        fill(fs, (struct ext2_dirent *)b->data, name, len, ino, mode);
        ext2_bdirty(fs, b, 0);
        ext2_bput(fs, b);
        din->i_size += fs->block_size;
    }
    return dir_changed(fs, dir, din);
}

static int remove_fn(struct ext2_fs *fs, struct walk *w, void *arg)
{
    struct find *f = arg;

    if (w->d->inode == 0 || w->d->name_len != f->len || memcmp(w->d + 1, f->name, f->len) != 0)
        return 0;
    if (w->prev)
        w->prev->rec_len = (uint16_t)(w->prev->rec_len + w->d->rec_len);
    else
        w->d->inode = 0;
    ext2_bdirty(fs, w->b, 0);
    return 1;
}

int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len)
{
    struct find f = { .name = name, .len = len };
    int rc = dir_walk(fs, dir, din, 0, remove_fn, &f);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return -E_NOENT;
    return dir_changed(fs, dir, din);
}

static int set_fn(struct ext2_fs *fs, struct walk *w, void *arg)
{
    struct add *a = arg;

    if (w->d->inode == 0 || w->d->name_len != a->len || memcmp(w->d + 1, a->name, a->len) != 0)
        return 0;
    w->d->inode = a->ino;
    w->d->file_type = fs->filetype ? (uint8_t)ext2_mode_type(a->mode) : 0;
    ext2_bdirty(fs, w->b, 0);
    return 1;
}

int ext2_dir_set(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                 uint32_t ino, uint32_t mode)
{
    struct add a = { .name = name, .len = len, .ino = ino, .mode = mode };
    int rc = dir_walk(fs, dir, din, 0, set_fn, &a);

    if (rc < 0)
        return rc;
    if (rc == 0)
        return -E_NOENT;
    return dir_changed(fs, dir, din);
}

static int empty_fn(struct ext2_fs *fs, struct walk *w, void *arg)
{
    (void)fs;
    (void)arg;
    return w->d->inode != 0 && !is_dot(w->d);
}

/* 1 when only "." and ".." are left, 0 when not, or an error. */
int ext2_dir_is_empty(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din)
{
    int rc = dir_walk(fs, dir, din, 0, empty_fn, 0);

    return rc < 0 ? rc : rc == 0;
}

struct rd {
    uint64_t start_lblk;
    uint32_t want;              /* in block start_lblk, the first offset to consider */
    uint64_t next;
    struct ext2_dirent_info *out;
};

static int readdir_fn(struct ext2_fs *fs, struct walk *w, void *arg)
{
    struct rd *r = arg;

    if (w->lblk == r->start_lblk && w->off < r->want)
        return 0;
    if (w->d->inode == 0)
        return 0;
    r->out->ino = w->d->inode;
    r->out->type = fs->filetype && w->d->file_type <= EXT2_FT_SYMLINK ? w->d->file_type : 0;
    r->out->name_len = w->d->name_len;
    memcpy(r->out->name, w->d + 1, w->d->name_len);
    r->out->name[w->d->name_len] = 0;
    r->next = (w->lblk << fs->log_block) + w->off + w->d->rec_len;
    return 1;
}

int ext2_readdir(ext2_fs_t *fs, uint32_t dir, uint64_t *cookie, struct ext2_dirent_info *out)
{
    struct ext2_inode din;
    struct rd r = { .out = out };
    int rc = ext2_iget_live(fs, dir, &din);

    if (rc < 0)
        return rc;
    if (!ext2_is_dir(&din))
        return -E_NOTDIR;
    if (*cookie >= din.i_size)
        return 0;
    r.want = (uint32_t)(*cookie & (fs->block_size - 1));
    r.start_lblk = *cookie >> fs->log_block;
    rc = dir_walk(fs, dir, &din, *cookie >> fs->log_block, readdir_fn, &r);
    if (rc <= 0)
        return rc;
    *cookie = r.next;
    return 1;
}
