/*
 * tmpfs's handlers (fsops.h): each checks the caller, the inode numbers and every argument
 * first, then performs through ramfs.c, the same tree code vfs uses for its own root.
 */
#include "fsops.h"

#include <agora/errors.h>
#include <libagora/proto.h>
#include <libagora/string.h>

#include "../vfs/heap.h"

long tmpfs_init(struct tmpfs *t)
{
    long r;

    memset(t, 0, sizeof(*t));
    if ((r = ramfs_init(&t->fs)) < 0)
        return r;
    t->fs.root->mode = VFS_S_IFDIR | 01777;
    return 0;
}

void tmpfs_destroy(struct tmpfs *t)
{
    for (unsigned i = 0; i < TMPFS_HASH; i++) {
        struct vfs_node *n, *next;

        for (n = t->held[i]; n; n = next) {
            next = n->next;
            n->fs_refs = 0;
            n->next = 0;
            ramfs_unref(&t->fs, n);
        }
        t->held[i] = 0;
    }
    ramfs_destroy(&t->fs);
}

/* ---- the inodes vfs holds ---- */

static struct vfs_node *held(struct tmpfs *t, uint64_t ino)
{
    for (struct vfs_node *n = t->held[ino % TMPFS_HASH]; n; n = n->next)
        if (n->ino == ino)
            return n;
    return 0;
}

/* One more reference for vfs (the reply names n). */
static void give(struct tmpfs *t, struct vfs_node *n)
{
    if (n->fs_refs++ == 0) {
        n->next = t->held[n->ino % TMPFS_HASH];
        t->held[n->ino % TMPFS_HASH] = n;
        ramfs_ref(n);
        t->nheld++;
    }
}

/* count references fewer; the last frees a node no name holds any more. */
static void put(struct tmpfs *t, struct vfs_node *n, uint64_t count)
{
    struct vfs_node **p;

    n->fs_refs -= (uint32_t)count;
    if (n->fs_refs)
        return;
    for (p = &t->held[n->ino % TMPFS_HASH]; *p != n; p = &(*p)->next)
        ;
    *p = n->next;
    n->next = 0;
    t->nheld--;
    ramfs_unref(&t->fs, n);
}

static void fill_attr(const struct vfs_node *n, struct fs_attr *a)
{
    a->ino = n->ino;
    a->mode = n->mode;
    a->nlink = n->nlink;
    a->size = ramfs_is_reg(n) || ramfs_is_lnk(n) ? n->size : ramfs_is_dir(n) ? n->nentries : 0;
    a->blocks = ramfs_is_reg(n) ? (n->size + 511) / 512 : 0;
    a->rdev = n->rdev;
    a->atime = n->atime;
    a->mtime = n->mtime;
    a->ctime = n->ctime;
}

/* ---- checks every request makes ---- */

/* The caller is vfs, and the file system is mounted (or, for MOUNT, not yet). */
static long caller(void *ctx, bool mount)
{
    struct tmpfs_request *rq = ctx;

    if (rq->badge != FS_BADGE_VFS)
        return -E_PERM;
    if (rq->ncaps || (rq->mem && !rq->mem_taken))
        return -E_RANGE;
    if (mount)
        return rq->t->mounted || rq->t->unmounted ? -E_BUSY : 0;
    return rq->t->mounted ? 0 : -E_STATE;
}

/* A held inode for a request: 0 and *n, or the caller's or the number's error. */
static long inode(void *ctx, uint64_t ino, struct vfs_node **n)
{
    struct tmpfs_request *rq = ctx;
    long r;

    if ((r = caller(ctx, false)) < 0)
        return r;
    return (*n = held(rq->t, ino)) ? 0 : -E_NOENT;
}

static long directory(void *ctx, uint64_t ino, struct vfs_node **n)
{
    long r = inode(ctx, ino, n);

    if (r < 0)
        return r;
    return ramfs_is_dir(*n) ? 0 : -E_NOTDIR;
}

/* A name field: -E_NAMETOOLONG, -E_INVAL (empty, unterminated, NUL or '/' inside). */
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
    return ((struct tmpfs_request *)ctx)->t->rdonly ? -E_PERM : 0;
}

static struct tmpfs *fs_of(void *ctx)
{
    return ((struct tmpfs_request *)ctx)->t;
}

/* ---- the handlers ---- */

static long do_mount(void *ctx, const struct fs_mount_req *rq, struct fs_mount_rep *rp)
{
    struct tmpfs *t = fs_of(ctx);
    long r;

    if ((r = caller(ctx, true)) < 0)
        return r;
    if (rq->flags & ~(uint64_t)FS_MOUNT_RDONLY)
        return -E_INVAL;
    t->mounted = true;
    t->rdonly = rq->flags & FS_MOUNT_RDONLY;
    give(t, t->fs.root);
    rp->root = t->fs.root->ino;
    rp->name_max = FS_NAME_MAX;
    rp->io_max = FS_IO_MAX;
    rp->flags = rq->flags;
    fill_attr(t->fs.root, &rp->attr);
    return 0;
}

static long do_unmount(void *ctx, const struct fs_unmount_req *rq, struct fs_unmount_rep *rp)
{
    struct tmpfs *t = fs_of(ctx);
    long r;

    (void)rq;
    (void)rp;
    if ((r = caller(ctx, false)) < 0)
        return r;
    for (unsigned i = 0; i < TMPFS_HASH; i++)
        while (t->held[i])
            put(t, t->held[i], t->held[i]->fs_refs);
    t->mounted = false;
    t->unmounted = true;
    t->bulk = 0;                    /* vfs revokes the mapping */
    t->bulk_bytes = 0;            /* the contents stay until the server exits: nothing to write back */
    return 0;
}

static long do_lookup(void *ctx, const struct fs_lookup_req *rq, struct fs_lookup_rep *rp)
{
    struct vfs_node *dir, *n;
    long r;

    if ((r = directory(ctx, rq->dir, &dir)) < 0 || (r = check_name(&rq->name)) < 0)
        return r;
    if (rq->name.len == 1 && rq->name.bytes[0] == '.')
        n = dir;
    else if (is_dots(&rq->name))
        n = dir->parent;            /* the root's is itself; a removed directory's NULL */
    else
        n = ramfs_lookup(dir, rq->name.bytes, rq->name.len);
    if (!n)
        return -E_NOENT;
    give(fs_of(ctx), n);
    fill_attr(n, &rp->attr);
    return 0;
}

static long do_getattr(void *ctx, const struct fs_getattr_req *rq, struct fs_getattr_rep *rp)
{
    struct vfs_node *n;
    long r;

    if ((r = inode(ctx, rq->ino, &n)) < 0)
        return r;
    fill_attr(n, &rp->attr);
    return 0;
}

static long do_setattr(void *ctx, const struct fs_setattr_req *rq, struct fs_setattr_rep *rp)
{
    struct tmpfs *t = fs_of(ctx);
    struct vfs_node *n;
    long r;

    if ((r = inode(ctx, rq->ino, &n)) < 0 || (r = writable(ctx)) < 0)
        return r;
    if ((rq->which & ~(uint64_t)FS_SET_ALL) || ((rq->which & FS_SET_MODE) && (rq->mode & ~(uint64_t)VFS_S_PERM)))
        return -E_INVAL;
    if (rq->which & FS_SET_SIZE) {
        if (ramfs_is_dir(n))
            return -E_ISDIR;
        if (!ramfs_is_reg(n))
            return -E_INVAL;
        if (rq->size > VFS_FILE_MAX)
            return -E_FBIG;
        if ((r = ramfs_truncate(&t->fs, n, rq->size)) < 0)   /* the one step that can fail: first */
            return r;
    }
    if (rq->which & FS_SET_MODE)
        n->mode = (n->mode & ~(uint32_t)VFS_S_PERM) | (uint32_t)rq->mode;
    if (rq->which & FS_SET_ATIME)
        n->atime = rq->atime;
    if (rq->which & FS_SET_MTIME)
        n->mtime = rq->mtime;
    n->ctime = t->fs.now;           /* uid and gid: tmpfs keeps none (there are no users yet) */
    fill_attr(n, &rp->attr);
    return 0;
}

static long do_read(void *ctx, const struct fs_read_req *rq, struct fs_read_rep *rp)
{
    struct vfs_node *n;
    long r;

    if ((r = inode(ctx, rq->ino, &n)) < 0)
        return r;
    if (rq->max > FS_IO_MAX)
        return -E_RANGE;
    if (ramfs_is_dir(n))
        return -E_ISDIR;
    if (!ramfs_is_reg(n))
        return -E_INVAL;
    rp->count = ramfs_read(n, rq->offset, rp->data, rq->max);
    return 0;
}

static long do_write(void *ctx, const struct fs_write_req *rq, struct fs_write_rep *rp)
{
    struct tmpfs *t = fs_of(ctx);
    struct vfs_node *n;
    uint64_t off;
    long r;

    if ((r = inode(ctx, rq->ino, &n)) < 0 || (r = writable(ctx)) < 0)
        return r;
    if (rq->count > FS_IO_MAX)
        return -E_RANGE;
    if (ramfs_is_dir(n))
        return -E_ISDIR;
    if (!ramfs_is_reg(n))
        return -E_INVAL;
    off = rq->offset == FS_APPEND ? n->size : rq->offset;
    if ((r = ramfs_write(&t->fs, n, off, rq->data, rq->count)) < 0)
        return r;
    rp->count = (uint64_t)r;
    rp->offset = off;
    rp->size = n->size;
    return 0;
}

/* CREATE and MKDIR. */
static long create(void *ctx, uint64_t dino, const fs_name_t *name, uint32_t mode, struct fs_attr *a)
{
    struct tmpfs *t = fs_of(ctx);
    struct vfs_node *dir, *n;
    long r;

    if ((r = directory(ctx, dino, &dir)) < 0 || (r = check_name(name)) < 0 || (r = writable(ctx)) < 0)
        return r;
    if ((r = ramfs_create(&t->fs, dir, name->bytes, name->len, mode, 0, &n)) < 0)
        return r;
    give(t, n);
    fill_attr(n, a);
    return 0;
}

static long do_create(void *ctx, const struct fs_create_req *rq, struct fs_create_rep *rp)
{
    if ((rq->mode & ~(uint64_t)VFS_S_PERM) != VFS_S_IFREG)
        return caller(ctx, false) < 0 ? caller(ctx, false) : -E_INVAL;
    return create(ctx, rq->dir, &rq->name, (uint32_t)rq->mode, &rp->attr);
}

static long do_mkdir(void *ctx, const struct fs_mkdir_req *rq, struct fs_mkdir_rep *rp)
{
    if (rq->mode & ~(uint64_t)VFS_S_PERM)
        return caller(ctx, false) < 0 ? caller(ctx, false) : -E_INVAL;
    return create(ctx, rq->dir, &rq->name, VFS_S_IFDIR | (uint32_t)rq->mode, &rp->attr);
}

/* UNLINK and RMDIR. */
static long remove(void *ctx, uint64_t dino, const fs_name_t *name, bool want_dir)
{
    struct vfs_node *dir;
    long r;

    if ((r = directory(ctx, dino, &dir)) < 0 || (r = check_name(name)) < 0 || (r = writable(ctx)) < 0)
        return r;
    if (is_dots(name))
        return want_dir ? -E_INVAL : -E_NOENT;
    return ramfs_remove(&fs_of(ctx)->fs, dir, name->bytes, name->len, want_dir);
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
    struct vfs_node *odir, *ndir;
    long r;

    (void)rp;
    if ((r = directory(ctx, rq->odir, &odir)) < 0 || (r = directory(ctx, rq->ndir, &ndir)) < 0 ||
        (r = check_name(&rq->oname)) < 0 || (r = check_name(&rq->nname)) < 0 || (r = writable(ctx)) < 0)
        return r;
    if (is_dots(&rq->oname) || is_dots(&rq->nname))
        return -E_INVAL;
    return ramfs_rename(&fs_of(ctx)->fs, odir, rq->oname.bytes, rq->oname.len, ndir, rq->nname.bytes,
                        rq->nname.len);
}

/* LINK, SYMLINK and READLINK: ramfs's hard links and symbolic links (a node holding its target). */
static long do_link(void *ctx, const struct fs_link_req *rq, struct fs_link_rep *rp)
{
    struct vfs_node *dir, *n;
    long r;

    (void)rp;
    if ((r = directory(ctx, rq->dir, &dir)) < 0 || (r = inode(ctx, rq->ino, &n)) < 0 ||
        (r = check_name(&rq->name)) < 0 || (r = writable(ctx)) < 0)
        return r;
    if (ramfs_is_dir(n))
        return -E_PERM;
    return ramfs_link(&fs_of(ctx)->fs, dir, rq->name.bytes, rq->name.len, n);
}

static long do_symlink(void *ctx, const struct fs_symlink_req *rq, struct fs_symlink_rep *rp)
{
    struct vfs_node *dir, *n;
    long r;

    (void)rp;
    if ((r = directory(ctx, rq->dir, &dir)) < 0 || (r = check_name(&rq->name)) < 0)
        return r;
    if ((r = PROTO_STR_CHECK(rq->target)) < 0)
        return r == -E_RANGE ? -E_NAMETOOLONG : r;
    if ((r = writable(ctx)) < 0)
        return r;
    return ramfs_symlink(&fs_of(ctx)->fs, dir, rq->name.bytes, rq->name.len, rq->target.bytes, rq->target.len, &n);
}

static long do_readlink(void *ctx, const struct fs_readlink_req *rq, struct fs_readlink_rep *rp)
{
    struct vfs_node *n;
    long r;

    if ((r = inode(ctx, rq->ino, &n)) < 0)
        return r;
    if (!ramfs_is_lnk(n))
        return -E_INVAL;
    if (n->size == 0 || n->size >= sizeof(rp->target.bytes))
        return -E_RANGE;            /* ramfs_symlink makes none such */
    memcpy(rp->target.bytes, n->data, n->size);
    rp->target.bytes[n->size] = '\0';
    rp->target.len = n->size;
    return 0;
}

static uint8_t dtype(const struct vfs_node *n)
{
    switch (n->mode & VFS_S_IFMT) {
    case VFS_S_IFDIR:
        return VFS_DT_DIR;
    case VFS_S_IFREG:
        return VFS_DT_REG;
    case VFS_S_IFLNK:
        return VFS_DT_LNK;
    default:
        return VFS_DT_UNKNOWN;
    }
}

/* The cookie is the entry index (ramfs_dirent): "." 0, ".." 1, then the entries in order. */
static long do_getdents(void *ctx, const struct fs_getdents_req *rq, struct fs_getdents_rep *rp)
{
    char *buf = (char *)rp->buf;
    struct vfs_node *dir, *n;
    uint64_t cookie = rq->cookie, len;
    const char *name;
    long r;

    if ((r = directory(ctx, rq->dir, &dir)) < 0)
        return r;
    while (ramfs_dirent(dir, cookie, &name, &len, &n)) {
        uint64_t reclen = (VFS_DIRENT_HEADER + len + 1 + 7) & ~7ull;
        struct vfs_dirent *d = (struct vfs_dirent *)(buf + rp->bytes);

        if (reclen > FS_DENTS_BYTES - rp->bytes)
            break;
        d->ino = n->ino;
        d->reclen = (uint16_t)reclen;
        d->type = dtype(n);
        memcpy(d->name, name, len);
        d->name[len] = '\0';
        rp->bytes += reclen;
        rp->count++;
        cookie++;
    }
    rp->next = cookie;
    return 0;
}

static long do_sync(void *ctx, const struct fs_sync_req *rq, struct fs_sync_rep *rp)
{
    (void)rq;
    (void)rp;
    return caller(ctx, false);      /* everything is in memory already */
}

static long do_fsync(void *ctx, const struct fs_fsync_req *rq, struct fs_fsync_rep *rp)
{
    struct vfs_node *n;

    (void)rp;
    return inode(ctx, rq->ino, &n);
}

static long do_statfs(void *ctx, const struct fs_statfs_req *rq, struct fs_statfs_rep *rp)
{
    struct tmpfs *t = fs_of(ctx);
    long r;

    (void)rq;
    if ((r = caller(ctx, false)) < 0)
        return r;
    rp->bsize = 4096;
    rp->blocks = (vfs_heap.limit - vfs_heap.base) / 4096;
    rp->bfree = rp->blocks - vfs_heap.in_use / 4096;
    rp->bavail = rp->bfree;
    rp->files = UINT32_MAX;         /* inode numbers are the limit: 32 bits, never reused */
    rp->ffree = UINT32_MAX - t->fs.next_ino;
    rp->name_max = FS_NAME_MAX;
    return 0;
}

static long do_open(void *ctx, const struct fs_open_req *rq, struct fs_open_rep *rp)
{
    struct vfs_node *n;
    long r;

    (void)rp;
    if ((r = inode(ctx, rq->ino, &n)) < 0)
        return r;
    if (n->fs_refs == UINT32_MAX)
        return -E_RANGE;
    give(fs_of(ctx), n);
    return 0;
}

static long do_close(void *ctx, const struct fs_close_req *rq, struct fs_close_rep *rp)
{
    struct vfs_node *n;
    long r;

    (void)rp;
    if ((r = inode(ctx, rq->ino, &n)) < 0)
        return r;
    if (rq->count == 0 || rq->count > n->fs_refs)
        return -E_INVAL;
    put(fs_of(ctx), n, rq->count);
    return 0;
}

/* ---- bulk transfers through vfs's buffer ---- */

static long do_bulk_attach(void *ctx, const struct fs_bulk_attach_req *rq, struct fs_bulk_attach_rep *rp)
{
    struct tmpfs_request *q = ctx;
    struct tmpfs *t = q->t;
    long r;

    if (q->badge != FS_BADGE_VFS)
        return -E_PERM;
    q->mem_taken = true;            /* for caller()'s check; given back below on an error */
    r = caller(ctx, false);
    q->mem_taken = false;
    if (r < 0)
        return r;
    if (t->bulk)
        return -E_BUSY;
    if (!q->mem || rq->pages == 0 || rq->pages > FS_BULK_PAGES || q->mem_pages != rq->pages)
        return -E_RANGE;
    q->mem_taken = true;
    t->bulk = q->mem;
    t->bulk_bytes = rq->pages * 4096;
    rp->bytes = t->bulk_bytes;
    return 0;
}

/* READ_BULK and WRITE_BULK: a held regular file, the buffer, count within it. */
static long bulk_file(void *ctx, uint64_t ino, uint64_t count, struct vfs_node **n)
{
    struct tmpfs *t = fs_of(ctx);
    long r;

    if ((r = inode(ctx, ino, n)) < 0)
        return r;
    if (!t->bulk)
        return -E_STATE;
    if (count > t->bulk_bytes)
        return -E_RANGE;
    if (ramfs_is_dir(*n))
        return -E_ISDIR;
    return ramfs_is_reg(*n) ? 0 : -E_INVAL;
}

static long do_read_bulk(void *ctx, const struct fs_read_bulk_req *rq, struct fs_read_bulk_rep *rp)
{
    struct vfs_node *n;
    long r;

    if ((r = bulk_file(ctx, rq->ino, rq->max, &n)) < 0)
        return r;
    rp->count = ramfs_read(n, rq->offset, fs_of(ctx)->bulk, rq->max);
    return 0;
}

static long do_write_bulk(void *ctx, const struct fs_write_bulk_req *rq, struct fs_write_bulk_rep *rp)
{
    struct tmpfs *t = fs_of(ctx);
    struct vfs_node *n;
    uint64_t off;
    long r;

    if ((r = bulk_file(ctx, rq->ino, rq->count, &n)) < 0 || (r = writable(ctx)) < 0)
        return r;
    off = rq->offset == FS_APPEND ? n->size : rq->offset;
    if ((r = ramfs_write(&t->fs, n, off, t->bulk, rq->count)) < 0)
        return r;
    rp->count = (uint64_t)r;
    rp->offset = off;
    rp->size = n->size;
    return 0;
}

const struct fs_handlers tmpfs_ops = {
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
