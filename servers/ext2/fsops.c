/*
 * The ext2 server's handlers (fsops.h): each checks the caller, the inode numbers and every
 * argument first, then performs through the ext2 library. vfs's references are counted per
 * inode here; the last CLOSE of an inode with no name left frees it (ext2_release).
 */
#include "fsops.h"

#include <agora/errors.h>
#include <libagora/proto.h>
#include <libagora/string.h>

#include "../vfs/heap.h"

/* ---- the inodes vfs holds ---- */

static struct ext2srv_held *held(struct ext2srv *s, uint64_t ino)
{
    if (ino == 0 || ino > UINT32_MAX)
        return 0;
    for (struct ext2srv_held *h = s->held[ino % EXT2SRV_HASH]; h; h = h->next)
        if (h->ino == ino)
            return h;
    return 0;
}

bool ext2srv_in_use(void *ctx, uint32_t ino)
{
    return held(ctx, ino) != 0;
}

/* One more reference for vfs: 0 or -E_NOMEM. */
static long give(struct ext2srv *s, uint32_t ino)
{
    struct ext2srv_held *h = held(s, ino);

    if (!h) {
        if (!(h = vfs_alloc(sizeof(*h))))
            return -E_NOMEM;
        h->ino = ino;
        h->next = s->held[ino % EXT2SRV_HASH];
        s->held[ino % EXT2SRV_HASH] = h;
        s->nheld++;
    }
    h->refs++;
    return 0;
}

/* count references fewer; the last releases the inode (frees it if no name is left). */
static void put(struct ext2srv *s, struct ext2srv_held *h, uint64_t count)
{
    struct ext2srv_held **p;
    uint32_t ino = h->ino;

    h->refs -= count;
    if (h->refs)
        return;
    for (p = &s->held[ino % EXT2SRV_HASH]; *p != h; p = &(*p)->next)
        ;
    *p = h->next;
    vfs_free(h);
    s->nheld--;
    if (s->fs) {
        ext2_release(s->fs, ino);
        s->dirty = true;
    }
}

static long fill_attr(struct ext2srv *s, uint32_t ino, struct fs_attr *a)
{
    struct ext2_stat st;
    long r = ext2_stat(s->fs, ino, &st);

    if (r < 0)
        return r;
    a->ino = st.ino;
    a->mode = st.mode;              /* EXT2_S_IF* are VFS_S_IF* */
    a->nlink = st.links;
    a->uid = st.uid;
    a->gid = st.gid;
    a->size = st.size;
    a->blocks = st.blocks;
    a->rdev = ((uint64_t)st.major << 20) | st.minor;
    a->atime = st.atime;
    a->mtime = st.mtime;
    a->ctime = st.ctime;
    return 0;
}

/* ---- checks every request makes ---- */

static struct ext2srv *srv(void *ctx)
{
    return ((struct ext2srv_request *)ctx)->s;
}

static long caller(void *ctx, bool mount)
{
    struct ext2srv_request *rq = ctx;

    if (rq->badge != FS_BADGE_VFS)
        return -E_PERM;
    if (rq->ncaps || (rq->mem && !rq->mem_taken))
        return -E_RANGE;
    if (mount)
        return rq->s->mounted || rq->s->unmounted || !rq->s->fs ? -E_BUSY : 0;
    return rq->s->mounted ? 0 : -E_STATE;
}

static long inode(void *ctx, uint64_t ino)
{
    long r;

    if ((r = caller(ctx, false)) < 0)
        return r;
    return held(srv(ctx), ino) ? 0 : -E_NOENT;
}

static uint32_t type_of(void *ctx, uint32_t ino)
{
    struct ext2_stat st;

    return ext2_stat(srv(ctx)->fs, ino, &st) < 0 ? 0 : st.mode & EXT2_S_IFMT;
}

static long directory(void *ctx, uint64_t ino)
{
    long r = inode(ctx, ino);

    if (r < 0)
        return r;
    return type_of(ctx, (uint32_t)ino) == EXT2_S_IFDIR ? 0 : -E_NOTDIR;
}

static long check_name(const fs_name_t *name)
{
    long r = PROTO_STR_CHECK(*name);

    if (r < 0)
        return r == -E_RANGE ? -E_NAMETOOLONG : r;
    for (uint64_t i = 0; i < name->len; i++)
        if (name->bytes[i] == '/')
            return -E_INVAL;
    return 0;
}

static bool is_dots(const fs_name_t *name)
{
    return (name->len == 1 && name->bytes[0] == '.') ||
           (name->len == 2 && name->bytes[0] == '.' && name->bytes[1] == '.');
}

static long writable(void *ctx)
{
    struct ext2srv *s = srv(ctx);

    if (s->rdonly)
        return -E_PERM;
    s->dirty = true;
    return 0;
}

/* The library's errors as fs.h's: a read-only file system is -E_PERM there. */
static long err(long r)
{
    return r == -E_ROFS ? -E_PERM : r;
}

/* ---- the handlers ---- */

static long do_mount(void *ctx, const struct fs_mount_req *rq, struct fs_mount_rep *rp)
{
    struct ext2srv *s = srv(ctx);
    long r;

    if ((r = caller(ctx, true)) < 0)
        return r;
    if (rq->flags & ~(uint64_t)FS_MOUNT_RDONLY)
        return -E_INVAL;
    s->rdonly = (rq->flags & FS_MOUNT_RDONLY) || ext2_is_read_only(s->fs);
    if ((r = fill_attr(s, EXT2_ROOT_INO, &rp->attr)) < 0 || (r = give(s, EXT2_ROOT_INO)) < 0)
        return r;
    s->mounted = true;
    rp->root = EXT2_ROOT_INO;
    rp->name_max = FS_NAME_MAX;
    rp->io_max = FS_IO_MAX;
    rp->flags = s->rdonly ? FS_MOUNT_RDONLY : 0;
    return 0;
}

static long do_unmount(void *ctx, const struct fs_unmount_req *rq, struct fs_unmount_rep *rp)
{
    struct ext2srv *s = srv(ctx);
    long r;

    (void)rq;
    (void)rp;
    if ((r = caller(ctx, false)) < 0)
        return r;
    for (unsigned i = 0; i < EXT2SRV_HASH; i++)
        while (s->held[i])
            put(s, s->held[i], s->held[i]->refs);
    r = ext2_unmount(s->fs);        /* syncs and marks the file system clean */
    s->fs = 0;
    s->mounted = false;
    s->unmounted = true;
    s->dirty = false;
    s->bulk = 0;                    /* vfs revokes the mapping */
    s->bulk_bytes = 0;
    return r;
}

static long do_lookup(void *ctx, const struct fs_lookup_req *rq, struct fs_lookup_rep *rp)
{
    struct ext2srv *s = srv(ctx);
    uint32_t ino;
    long r;

    if ((r = directory(ctx, rq->dir)) < 0 || (r = check_name(&rq->name)) < 0)
        return r;
    if ((r = ext2_lookup(s->fs, (uint32_t)rq->dir, rq->name.bytes, rq->name.len, &ino)) < 0)
        return err(r);
    if ((r = fill_attr(s, ino, &rp->attr)) < 0)
        return r;
    return give(s, ino);
}

static long do_getattr(void *ctx, const struct fs_getattr_req *rq, struct fs_getattr_rep *rp)
{
    long r;

    if ((r = inode(ctx, rq->ino)) < 0)
        return r;
    return fill_attr(srv(ctx), (uint32_t)rq->ino, &rp->attr);
}

static long do_setattr(void *ctx, const struct fs_setattr_req *rq, struct fs_setattr_rep *rp)
{
    struct ext2srv *s = srv(ctx);
    uint32_t ino = (uint32_t)rq->ino, type;
    struct ext2_stat st;
    long r;

    if ((r = inode(ctx, rq->ino)) < 0)
        return r;
    if ((rq->which & ~(uint64_t)FS_SET_ALL) || ((rq->which & FS_SET_MODE) && (rq->mode & ~(uint64_t)VFS_S_PERM)))
        return -E_INVAL;
    if ((rq->which & (FS_SET_UID | FS_SET_GID)) && ((rq->uid > UINT32_MAX) || rq->gid > UINT32_MAX))
        return -E_INVAL;
    if ((r = writable(ctx)) < 0 || (r = ext2_stat(s->fs, ino, &st)) < 0)
        return r;
    type = st.mode & EXT2_S_IFMT;
    if (rq->which & FS_SET_SIZE) {
        if (type == EXT2_S_IFDIR)
            return -E_ISDIR;
        if (type != EXT2_S_IFREG)
            return -E_INVAL;
        if ((r = ext2_truncate(s->fs, ino, rq->size)) < 0)   /* the step that can fail: first */
            return err(r);
    }
    if ((rq->which & FS_SET_MODE) && (r = ext2_chmod(s->fs, ino, (uint32_t)rq->mode)) < 0)
        return err(r);
    if (rq->which & (FS_SET_UID | FS_SET_GID)) {
        uint32_t uid = rq->which & FS_SET_UID ? (uint32_t)rq->uid : st.uid;
        uint32_t gid = rq->which & FS_SET_GID ? (uint32_t)rq->gid : st.gid;

        if ((r = ext2_chown(s->fs, ino, uid, gid)) < 0)
            return err(r);
    }
    if (rq->which & (FS_SET_ATIME | FS_SET_MTIME)) {
        uint32_t at = rq->which & FS_SET_ATIME ? (uint32_t)rq->atime : st.atime;
        uint32_t mt = rq->which & FS_SET_MTIME ? (uint32_t)rq->mtime : st.mtime;

        if ((r = ext2_utimes(s->fs, ino, at, mt)) < 0)
            return err(r);
    }
    return fill_attr(s, ino, &rp->attr);
}

/* READ and WRITE: a regular file (-E_ISDIR, -E_INVAL otherwise). */
static long regular(void *ctx, uint64_t ino)
{
    long r;
    uint32_t type;

    if ((r = inode(ctx, ino)) < 0)
        return r;
    type = type_of(ctx, (uint32_t)ino);
    return type == EXT2_S_IFREG ? 0 : type == EXT2_S_IFDIR ? -E_ISDIR : -E_INVAL;
}

static long do_read(void *ctx, const struct fs_read_req *rq, struct fs_read_rep *rp)
{
    long r;

    if ((r = regular(ctx, rq->ino)) < 0)
        return r;
    if (rq->max > FS_IO_MAX)
        return -E_RANGE;
    if ((r = ext2_read(srv(ctx)->fs, (uint32_t)rq->ino, rq->offset, rp->data, rq->max)) < 0)
        return err(r);
    rp->count = (uint64_t)r;
    return 0;
}

static long do_write(void *ctx, const struct fs_write_req *rq, struct fs_write_rep *rp)
{
    struct ext2srv *s = srv(ctx);
    struct ext2_stat st;
    uint64_t off;
    long r;

    if ((r = regular(ctx, rq->ino)) < 0)
        return r;
    if (rq->count > FS_IO_MAX)
        return -E_RANGE;
    if ((r = writable(ctx)) < 0 || (r = ext2_stat(s->fs, rq->ino, &st)) < 0)
        return r;
    off = rq->offset == FS_APPEND ? st.size : rq->offset;
    if ((r = ext2_write(s->fs, rq->ino, off, rq->data, rq->count)) < 0)
        return err(r);
    rp->count = (uint64_t)r;
    rp->offset = off;
    if ((r = ext2_stat(s->fs, rq->ino, &st)) < 0)
        return r;
    rp->size = st.size;
    return 0;
}

/* CREATE and MKDIR. */
static long create(void *ctx, uint64_t dir, const fs_name_t *name, uint32_t perm, bool is_dir,
                   struct fs_attr *a)
{
    struct ext2srv *s = srv(ctx);
    uint32_t ino;
    long r;

    if ((r = directory(ctx, dir)) < 0 || (r = check_name(name)) < 0 || (r = writable(ctx)) < 0)
        return r;
    if (is_dots(name))
        return -E_EXIST;
    r = is_dir ? ext2_mkdir(s->fs, (uint32_t)dir, name->bytes, name->len, perm, 0, 0, &ino)
               : ext2_create(s->fs, (uint32_t)dir, name->bytes, name->len, perm, 0, 0, &ino);
    if (r < 0)
        return err(r);
    if ((r = fill_attr(s, ino, a)) < 0)
        return r;
    return give(s, ino);
}

static long do_create(void *ctx, const struct fs_create_req *rq, struct fs_create_rep *rp)
{
    long r;

    if ((r = caller(ctx, false)) < 0)
        return r;
    if ((rq->mode & ~(uint64_t)VFS_S_PERM) != VFS_S_IFREG)
        return -E_INVAL;
    return create(ctx, rq->dir, &rq->name, (uint32_t)rq->mode & VFS_S_PERM, false, &rp->attr);
}

static long do_mkdir(void *ctx, const struct fs_mkdir_req *rq, struct fs_mkdir_rep *rp)
{
    long r;

    if ((r = caller(ctx, false)) < 0)
        return r;
    if (rq->mode & ~(uint64_t)VFS_S_PERM)
        return -E_INVAL;
    return create(ctx, rq->dir, &rq->name, (uint32_t)rq->mode, true, &rp->attr);
}

static long remove(void *ctx, uint64_t dir, const fs_name_t *name, bool want_dir)
{
    struct ext2srv *s = srv(ctx);
    long r;

    if ((r = directory(ctx, dir)) < 0 || (r = check_name(name)) < 0 || (r = writable(ctx)) < 0)
        return r;
    if (is_dots(name))
        return want_dir ? -E_INVAL : -E_ISDIR;
    r = want_dir ? ext2_rmdir(s->fs, (uint32_t)dir, name->bytes, name->len)
                 : ext2_unlink(s->fs, (uint32_t)dir, name->bytes, name->len);
    return err(r);
}

static long do_unlink(void *ctx, const struct fs_unlink_req *rq, struct fs_unlink_rep *rp)
{
    (void)rp;
    return remove(ctx, rq->dir, &rq->name, false);
}

static long do_rmdir(void *ctx, const struct fs_rmdir_req *rq, struct fs_rmdir_rep *rp)
{
    (void)rp;
    return remove(ctx, rq->dir, &rq->name, true);
}

static long do_rename(void *ctx, const struct fs_rename_req *rq, struct fs_rename_rep *rp)
{
    long r;

    (void)rp;
    if ((r = directory(ctx, rq->odir)) < 0 || (r = directory(ctx, rq->ndir)) < 0 ||
        (r = check_name(&rq->oname)) < 0 || (r = check_name(&rq->nname)) < 0 || (r = writable(ctx)) < 0)
        return r;
    if (is_dots(&rq->oname) || is_dots(&rq->nname))
        return -E_INVAL;
    return err(ext2_rename(srv(ctx)->fs, rq->odir, rq->oname.bytes, rq->oname.len, rq->ndir, rq->nname.bytes,
                           rq->nname.len));
}

static long do_link(void *ctx, const struct fs_link_req *rq, struct fs_link_rep *rp)
{
    long r;

    (void)rp;
    if ((r = directory(ctx, rq->dir)) < 0 || (r = inode(ctx, rq->ino)) < 0 || (r = check_name(&rq->name)) < 0 ||
        (r = writable(ctx)) < 0)
        return r;
    if (type_of(ctx, (uint32_t)rq->ino) == EXT2_S_IFDIR)
        return -E_PERM;
    if (is_dots(&rq->name))
        return -E_EXIST;
    return err(ext2_link(srv(ctx)->fs, (uint32_t)rq->ino, (uint32_t)rq->dir, rq->name.bytes, rq->name.len));
}

static long do_symlink(void *ctx, const struct fs_symlink_req *rq, struct fs_symlink_rep *rp)
{
    uint32_t ino;
    long r;

    (void)rp;
    if ((r = directory(ctx, rq->dir)) < 0 || (r = check_name(&rq->name)) < 0)
        return r;
    if ((r = PROTO_STR_CHECK(rq->target)) < 0)
        return r == -E_RANGE ? -E_NAMETOOLONG : r;
    if ((r = writable(ctx)) < 0)
        return r;
    if (is_dots(&rq->name))
        return -E_EXIST;
    return err(ext2_symlink(srv(ctx)->fs, (uint32_t)rq->dir, rq->name.bytes, rq->name.len, rq->target.bytes,
                            rq->target.len, 0, 0, &ino));
}

static long do_readlink(void *ctx, const struct fs_readlink_req *rq, struct fs_readlink_rep *rp)
{
    long r;

    if ((r = inode(ctx, rq->ino)) < 0)
        return r;
    r = ext2_readlink(srv(ctx)->fs, (uint32_t)rq->ino, rp->target.bytes, sizeof(rp->target.bytes) - 1);
    if (r < 0)
        return err(r);
    rp->target.bytes[r] = '\0';
    rp->target.len = (uint64_t)r;
    return 0;
}

static uint8_t dtype(uint8_t ft)
{
    switch (ft) {
    case EXT2_FT_DIR:
        return VFS_DT_DIR;
    case EXT2_FT_REG_FILE:
        return VFS_DT_REG;
    case EXT2_FT_CHRDEV:
        return VFS_DT_CHR;
    case EXT2_FT_FIFO:
        return VFS_DT_FIFO;
    case EXT2_FT_SYMLINK:
        return VFS_DT_LNK;
    default:
        return VFS_DT_UNKNOWN;
    }
}

/* The cookie is the library's byte offset in the directory. */
static long do_getdents(void *ctx, const struct fs_getdents_req *rq, struct fs_getdents_rep *rp)
{
    char *buf = (char *)rp->buf;
    struct ext2_dirent_info e;
    uint64_t cookie = rq->cookie, next;
    long r;

    if ((r = directory(ctx, rq->dir)) < 0)
        return r;
    for (;;) {
        uint64_t reclen;
        struct vfs_dirent *d;

        next = cookie;
        if ((r = ext2_readdir(srv(ctx)->fs, (uint32_t)rq->dir, &next, &e)) < 0) {
            if (rp->count)
                break;              /* what was read so far; the error comes next time */
            return err(r);
        }
        if (r == 0)
            break;
        reclen = (VFS_DIRENT_HEADER + e.name_len + 1 + 7) & ~7ull;
        if (reclen > FS_DENTS_BYTES - rp->bytes)
            break;                  /* next time, from cookie */
        d = (struct vfs_dirent *)(buf + rp->bytes);
        d->ino = e.ino;
        d->reclen = (uint16_t)reclen;
        d->type = dtype(e.type);
        memcpy(d->name, e.name, e.name_len);
        d->name[e.name_len] = '\0';
        rp->bytes += reclen;
        rp->count++;
        cookie = next;
    }
    rp->next = cookie;
    return 0;
}

long ext2srv_sync_if_dirty(struct ext2srv *s)
{
    if (!s->fs || !s->dirty)
        return 0;
    s->dirty = false;
    return ext2_sync(s->fs);
}

static long do_sync(void *ctx, const struct fs_sync_req *rq, struct fs_sync_rep *rp)
{
    struct ext2srv *s = srv(ctx);
    long r;

    (void)rq;
    (void)rp;
    if ((r = caller(ctx, false)) < 0)
        return r;
    s->dirty = false;
    return err(ext2_sync(s->fs));
}

static long do_fsync(void *ctx, const struct fs_fsync_req *rq, struct fs_fsync_rep *rp)
{
    long r;

    (void)rp;
    if ((r = inode(ctx, rq->ino)) < 0)
        return r;
    return err(ext2_fsync(srv(ctx)->fs, (uint32_t)rq->ino));
}

static long do_statfs(void *ctx, const struct fs_statfs_req *rq, struct fs_statfs_rep *rp)
{
    struct ext2_statfs st;
    long r;

    (void)rq;
    if ((r = caller(ctx, false)) < 0 || (r = ext2_statfs(srv(ctx)->fs, &st)) < 0)
        return r;
    rp->bsize = st.block_size;
    rp->blocks = st.blocks;
    rp->bfree = st.free_blocks;
    rp->bavail = st.avail_blocks;
    rp->files = st.inodes;
    rp->ffree = st.free_inodes;
    rp->name_max = FS_NAME_MAX;
    return 0;
}

static long do_open(void *ctx, const struct fs_open_req *rq, struct fs_open_rep *rp)
{
    long r;

    (void)rp;
    if ((r = inode(ctx, rq->ino)) < 0)
        return r;
    return give(srv(ctx), (uint32_t)rq->ino);
}

static long do_close(void *ctx, const struct fs_close_req *rq, struct fs_close_rep *rp)
{
    struct ext2srv_held *h;
    long r;

    (void)rp;
    if ((r = inode(ctx, rq->ino)) < 0)
        return r;
    h = held(srv(ctx), rq->ino);
    if (rq->count == 0 || rq->count > h->refs)
        return -E_INVAL;
    put(srv(ctx), h, rq->count);
    return 0;
}

/* ---- bulk transfers through vfs's buffer ---- */

static long do_bulk_attach(void *ctx, const struct fs_bulk_attach_req *rq, struct fs_bulk_attach_rep *rp)
{
    struct ext2srv_request *q = ctx;
    struct ext2srv *s = q->s;
    long r;

    if (q->badge != FS_BADGE_VFS)
        return -E_PERM;
    q->mem_taken = true;            /* for caller()'s check; given back below on an error */
    r = caller(ctx, false);
    q->mem_taken = false;
    if (r < 0)
        return r;
    if (s->bulk)
        return -E_BUSY;
    if (!q->mem || rq->pages == 0 || rq->pages > FS_BULK_PAGES || q->mem_pages != rq->pages)
        return -E_RANGE;
    q->mem_taken = true;
    s->bulk = q->mem;
    s->bulk_bytes = rq->pages * 4096;
    rp->bytes = s->bulk_bytes;
    return 0;
}

/* READ_BULK and WRITE_BULK: a held regular file, the buffer, count within it. */
static long bulk_file(void *ctx, uint64_t ino, uint64_t count)
{
    struct ext2srv *s = srv(ctx);
    long r;

    if ((r = regular(ctx, ino)) < 0)
        return r;
    if (!s->bulk)
        return -E_STATE;
    return count > s->bulk_bytes ? -E_RANGE : 0;
}

static long do_read_bulk(void *ctx, const struct fs_read_bulk_req *rq, struct fs_read_bulk_rep *rp)
{
    struct ext2srv *s = srv(ctx);
    long r;

    if ((r = bulk_file(ctx, rq->ino, rq->max)) < 0)
        return r;
    if ((r = ext2_read(s->fs, (uint32_t)rq->ino, rq->offset, s->bulk, rq->max)) < 0)
        return err(r);
    rp->count = (uint64_t)r;
    return 0;
}

static long do_write_bulk(void *ctx, const struct fs_write_bulk_req *rq, struct fs_write_bulk_rep *rp)
{
    struct ext2srv *s = srv(ctx);
    struct ext2_stat st;
    uint64_t off;
    long r;

    if ((r = bulk_file(ctx, rq->ino, rq->count)) < 0)
        return r;
    if ((r = writable(ctx)) < 0 || (r = ext2_stat(s->fs, (uint32_t)rq->ino, &st)) < 0)
        return r;
    off = rq->offset == FS_APPEND ? st.size : rq->offset;
    if ((r = ext2_write(s->fs, (uint32_t)rq->ino, off, s->bulk, rq->count)) < 0)
        return err(r);
    rp->count = (uint64_t)r;
    rp->offset = off;
    if ((r = ext2_stat(s->fs, (uint32_t)rq->ino, &st)) < 0)
        return r;
    rp->size = st.size;
    return 0;
}

const struct fs_handlers ext2srv_ops = {
    .fs_bulk_attach = do_bulk_attach,
    .fs_read_bulk = do_read_bulk,
    .fs_write_bulk = do_write_bulk,
    .fs_mount = do_mount,
    .fs_unmount = do_unmount,
    .fs_lookup = do_lookup,
    .fs_getattr = do_getattr,
    .fs_setattr = do_setattr,
    .fs_read = do_read,
    .fs_write = do_write,
    .fs_create = do_create,
    .fs_mkdir = do_mkdir,
    .fs_unlink = do_unlink,
    .fs_rmdir = do_rmdir,
    .fs_rename = do_rename,
    .fs_link = do_link,
    .fs_symlink = do_symlink,
    .fs_readlink = do_readlink,
    .fs_getdents = do_getdents,
    .fs_sync = do_sync,
    .fs_fsync = do_fsync,
    .fs_statfs = do_statfs,
    .fs_open = do_open,
    .fs_close = do_close,
};
