/*
 * The request handlers (ops.h): each checks every argument first and changes nothing
 * before its last check, then performs; errors are those of include/agora/proto/vfs.h.
 */
#include "ops.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/pm.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "dev.h"
#include "path.h"
#include "pipe.h"
#include "vnode.h"

struct ramfs vfs_fs;
struct fdtable vfs_fdt;

/* The caller's table, made on its first request; NULL: no capabilities allowed, or table full. */
static long client_of(void *ctx, struct vfs_client **out)
{
    struct vfs_request *req = ctx;

    if (req->ncaps)
        return -E_RANGE;
    if (!(*out = fdt_client(&vfs_fdt, req->badge, true)))
        return -E_NOMEM;
    return 0;
}

/* A path field: 0, -E_NAMETOOLONG (no NUL within VFS_PATH_CAP), -E_INVAL (empty, NUL inside). */
static long check_path(const vfs_path_t *p)
{
    long r = PROTO_STR_CHECK(*p);

    return r == -E_RANGE ? -E_NAMETOOLONG : r;
}

static bool is_name(const struct path_last *l, const char *name)
{
    return l->len == strlen(name) && memcmp(l->name, name, l->len) == 0;
}

static bool is_dev(const struct vfs_node *n)
{
    return (n->mode & VFS_S_IFMT) == VFS_S_IFCHR;
}

static bool can_read(const struct vfs_file *f)
{
    return (f->flags & VFS_O_ACCMODE) != VFS_O_WRONLY;
}

static bool can_write(const struct vfs_file *f)
{
    return (f->flags & VFS_O_ACCMODE) != VFS_O_RDONLY;
}

/* Common start of the descriptor calls: the caller's client and the description fd names. */
static long file_of(void *ctx, uint64_t fd, struct vfs_client **c, struct vfs_file **f)
{
    long r = client_of(ctx, c);

    if (r < 0)
        return r;
    return (*f = fdt_get(*c, fd)) ? 0 : -E_BADF;
}

/* ---- opening and closing ---- */

/* Finds or creates the node for OPEN; *created says whether it is new. */
static long open_node(struct vfs_client *c, const struct vfs_open_req *rq, struct vfs_node **n, bool *created)
{
    struct path_last last;
    uint32_t mode;
    long r;

    *created = false;
    if ((r = path_parent(&vfs_fs, c->cwd, rq->path.bytes, rq->path.len, &last)) < 0)
        return r;
    r = path_step(&vfs_fs, last.dir, last.name, last.len, n);
    if (r == 0) {
        if ((rq->flags & VFS_O_CREAT) && (rq->flags & VFS_O_EXCL))
            return -E_EXIST;
        if (last.trailing_slash && !ramfs_is_dir(*n))
            return -E_NOTDIR;
        return 0;
    }
    if (r != -E_NOENT || !(rq->flags & VFS_O_CREAT))
        return r;
    if (last.trailing_slash)
        return -E_ISDIR;
    if ((rq->flags & VFS_O_DIRECTORY))
        return -E_NOENT;
    mode = (uint32_t)rq->mode & VFS_S_PERM & ~c->umask;
    if (vn_remote(last.dir))
        r = vn_create(last.dir, last.name, last.len, VFS_S_IFREG | mode, false, n);
    else
        r = ramfs_create(&vfs_fs, last.dir, last.name, last.len, VFS_S_IFREG | mode, 0, n);
    *created = r == 0;
    return r;
}

static long do_open(void *ctx, const struct vfs_open_req *rq, struct vfs_open_rep *rp)
{
    uint32_t acc = rq->flags & VFS_O_ACCMODE;
    struct vfs_client *c;
    struct vfs_node *n;
    struct vfs_file *f;
    bool created;
    long r, fd;

    if ((r = client_of(ctx, &c)) < 0 || (r = check_path(&rq->path)) < 0)
        return r;
    if ((rq->flags & ~(uint64_t)VFS_O_ALL) || acc == VFS_O_ACCMODE || (rq->mode & ~(uint64_t)VFS_S_PERM))
        return -E_INVAL;
    if ((r = open_node(c, rq, &n, &created)) < 0)
        return r;
    if ((rq->flags & VFS_O_DIRECTORY) && !ramfs_is_dir(n))
        return -E_NOTDIR;
    if (ramfs_is_dir(n) && (acc != VFS_O_RDONLY || (rq->flags & VFS_O_CREAT)))
        return -E_ISDIR;
    /* A remote truncation can fail (the server may be gone): done first, before a descriptor exists. */
    if ((rq->flags & VFS_O_TRUNC) && acc != VFS_O_RDONLY && ramfs_is_reg(n) && vn_remote(n) && n->size &&
        (r = vn_setattr(n, FS_SET_SIZE, 0, 0)) < 0)
        goto out_remove;
    if (!(f = fdt_file_new(&vfs_fdt, n, (uint32_t)(rq->flags & (VFS_O_ACCMODE | VFS_O_APPEND | VFS_O_NONBLOCK))))) {
        r = -E_NFILE;
        goto out_remove;
    }
    fd = fdt_install(c, f, 0, (rq->flags & VFS_O_CLOEXEC) ? VFS_FD_CLOEXEC : 0);
    if (fd < 0) {
        fdt_file_discard(&vfs_fdt, f);
        r = fd;
        goto out_remove;
    }
    /* Cannot fail from here. */
    if ((rq->flags & VFS_O_TRUNC) && acc != VFS_O_RDONLY && ramfs_is_reg(n) && !vn_remote(n))
        ramfs_truncate(&vfs_fs, n, 0);
    rp->fd = (uint64_t)fd;
    return 0;
out_remove:
    if (created) {
        struct path_last last;

        if (path_parent(&vfs_fs, c->cwd, rq->path.bytes, rq->path.len, &last) < 0)
            return r;
        if (vn_remote(last.dir))
            vn_remove(last.dir, last.name, last.len, false);
        else
            ramfs_remove(&vfs_fs, last.dir, last.name, last.len, false);
    }
    return r;
}

static long do_close(void *ctx, const struct vfs_close_req *rq, struct vfs_close_rep *rp)
{
    struct vfs_client *c;
    long r;

    (void)rp;
    if ((r = client_of(ctx, &c)) < 0)
        return r;
    return fdt_close(&vfs_fdt, c, rq->fd);
}

/* ---- data ---- */

/*
 * A pipe request that has to wait: the reply is saved (SYS_REPLY_SAVE) and answered by
 * pipe_run when data, room or the end comes (main.c's hooks). A full waiter table, or no
 * slot for the reply, answers -E_AGAIN: the POSIX runtime then asks again after a while.
 */
static long defer(void *ctx, struct vfs_file *f, bool write, const void *data, uint64_t count, uint64_t total)
{
    struct vfs_request *req = ctx;
    long slot;

    if (!pipe_can_wait() || (slot = agora_slot_alloc()) < 0)
        return -E_AGAIN;
    if (sys_reply_save((uint64_t)slot) < 0) {
        agora_slot_free((uint64_t)slot);
        return -E_AGAIN;
    }
    pipe_wait(f, write, req->badge, (uint64_t)slot, data, count, total);   /* room checked */
    req->deferred = true;
    return 0;
}

static long read_fd(void *ctx, uint64_t fd, uint64_t max, struct vfs_read_rep *rp, bool wait)
{
    struct vfs_client *c;
    struct vfs_file *f;
    long r;

    if ((r = file_of(ctx, fd, &c, &f)) < 0)
        return r;
    if (!can_read(f))
        return -E_BADF;
    if (max > VFS_IO_MAX)
        return -E_RANGE;
    if (ramfs_is_dir(f->node))
        return -E_ISDIR;
    if (pipe_is(f->node)) {
        r = pipe_read(f, rp->data, max);
        if (r == -E_AGAIN && wait && !(f->flags & VFS_O_NONBLOCK))
            return defer(ctx, f, false, 0, max, 0);
        if (r < 0)
            return r;
        rp->count = (uint64_t)r;
        return 0;
    }
    if (is_dev(f->node)) {
        if ((r = dev_read(f->node, rp->data, max)) < 0)
            return r;
        rp->count = (uint64_t)r;
        return 0;
    }
    if (vn_remote(f->node)) {
        if ((r = vn_read(f->node, f->offset, rp->data, max)) < 0)
            return r;
        rp->count = (uint64_t)r;
        f->offset += rp->count;
        return 0;
    }
    rp->count = ramfs_read(f->node, f->offset, rp->data, max);
    f->offset += rp->count;
    f->node->atime = vfs_fs.now;
    return 0;
}

static long do_read(void *ctx, const struct vfs_read_req *rq, struct vfs_read_rep *rp)
{
    return read_fd(ctx, rq->fd, rq->max, rp, true);
}

static long do_read_more(void *ctx, const struct vfs_read_more_req *rq, struct vfs_read_more_rep *rp)
{
    _Static_assert(sizeof(struct vfs_read_more_rep) == sizeof(struct vfs_read_rep), "READ_MORE answers as READ");
    return read_fd(ctx, rq->fd, rq->max, (struct vfs_read_rep *)rp, false);
}

/* WRITE (total 0) and WRITE_PART. */
static long write_fd(void *ctx, uint64_t fd, const char *data, uint64_t count, uint64_t total, uint64_t *written)
{
    struct vfs_request *req = ctx;
    struct vfs_client *c;
    struct vfs_file *f;
    uint64_t off;
    long r;

    if ((r = file_of(ctx, fd, &c, &f)) < 0)
        return r;
    if (!can_write(f))
        return -E_BADF;
    if (count > VFS_IO_MAX)
        return -E_RANGE;
    if (pipe_is(f->node)) {
        r = pipe_write(f, req->badge, data, count, total);
        if (r == -E_AGAIN && !(f->flags & VFS_O_NONBLOCK))
            return defer(ctx, f, true, data, count, total);
        if (r < 0)
            return r;
        *written = (uint64_t)r;
        return 0;
    }
    if (is_dev(f->node)) {
        if ((r = dev_write(f->node, data, count)) < 0)
            return r;
        *written = (uint64_t)r;
        return 0;
    }
    if (vn_remote(f->node)) {
        uint64_t at;

        off = (f->flags & VFS_O_APPEND) ? FS_APPEND : f->offset;
        if ((r = vn_write(f->node, off, data, count, &at)) < 0)
            return r;
        f->offset = at + (uint64_t)r;
        *written = (uint64_t)r;
        return 0;
    }
    off = (f->flags & VFS_O_APPEND) ? f->node->size : f->offset;
    if ((r = ramfs_write(&vfs_fs, f->node, off, data, count)) < 0)
        return r;
    f->offset = off + (uint64_t)r;
    *written = (uint64_t)r;
    return 0;
}

static long do_write(void *ctx, const struct vfs_write_req *rq, struct vfs_write_rep *rp)
{
    return write_fd(ctx, rq->fd, rq->data, rq->count, 0, &rp->count);
}

static long do_write_part(void *ctx, const struct vfs_write_part_req *rq, struct vfs_write_part_rep *rp)
{
    if (rq->count > VFS_WRITE_PART_MAX || rq->count >= rq->total || rq->total > VFS_PIPE_BUF)
        return -E_INVAL;
    return write_fd(ctx, rq->fd, rq->data, rq->count, rq->total, &rp->count);
}

/* PIPE: two descriptions of a new pipe node, installed at the two lowest free descriptors. */
static long do_pipe(void *ctx, const struct vfs_pipe_req *rq, struct vfs_pipe_rep *rp)
{
    uint8_t fd_flags = (rq->flags & VFS_O_CLOEXEC) ? VFS_FD_CLOEXEC : 0;
    uint32_t status = (uint32_t)(rq->flags & VFS_O_NONBLOCK);
    struct vfs_file *rf, *wf;
    struct vfs_client *c;
    struct vfs_node *n;
    long r, rfd, wfd;

    if ((r = client_of(ctx, &c)) < 0)
        return r;
    if (rq->flags & ~(uint64_t)(VFS_O_NONBLOCK | VFS_O_CLOEXEC))
        return -E_INVAL;
    if ((r = pipe_new(&vfs_fs, &n)) < 0)
        return r;
    if (!(rf = fdt_file_new(&vfs_fdt, n, VFS_O_RDONLY | status))) {
        ramfs_ref(n);
        ramfs_unref(&vfs_fs, n);    /* frees it */
        return -E_NFILE;
    }
    pipe_opened(rf);
    if (!(wf = fdt_file_new(&vfs_fdt, n, VFS_O_WRONLY | status))) {
        fdt_file_discard(&vfs_fdt, rf);
        return -E_NFILE;
    }
    pipe_opened(wf);
    if ((rfd = fdt_install(c, rf, 0, fd_flags)) < 0) {
        fdt_file_discard(&vfs_fdt, wf);
        fdt_file_discard(&vfs_fdt, rf);
        return rfd;
    }
    if ((wfd = fdt_install(c, wf, 0, fd_flags)) < 0) {
        fdt_file_discard(&vfs_fdt, wf);
        fdt_close(&vfs_fdt, c, (uint64_t)rfd);
        return wfd;
    }
    rp->rfd = (uint64_t)rfd;
    rp->wfd = (uint64_t)wfd;
    return 0;
}

static long do_lseek(void *ctx, const struct vfs_lseek_req *rq, struct vfs_lseek_rep *rp)
{
    struct vfs_client *c;
    struct vfs_file *f;
    int64_t base;
    long r;

    if ((r = file_of(ctx, rq->fd, &c, &f)) < 0)
        return r;
    if ((is_dev(f->node) && !dev_seekable(f->node)) || pipe_is(f->node))
        return -E_SPIPE;
    if (rq->whence == VFS_SEEK_END && vn_remote(f->node) && (r = vn_getattr(f->node)) < 0)
        return r;
    switch (rq->whence) {
    case VFS_SEEK_SET:
        base = 0;
        break;
    case VFS_SEEK_CUR:
        base = (int64_t)f->offset;
        break;
    case VFS_SEEK_END:
        base = ramfs_is_reg(f->node) ? (int64_t)f->node->size : 0;
        break;
    default:
        return -E_INVAL;
    }
    if ((rq->offset < 0 && base + rq->offset < 0) || (rq->offset > 0 && rq->offset > INT64_MAX - base))
        return -E_INVAL;
    /* null and zero stay at 0, as on Linux. */
    f->offset = is_dev(f->node) ? 0 : (uint64_t)(base + rq->offset);
    rp->offset = (int64_t)f->offset;
    return 0;
}

static long do_ftruncate(void *ctx, const struct vfs_ftruncate_req *rq, struct vfs_ftruncate_rep *rp)
{
    struct vfs_client *c;
    struct vfs_file *f;
    long r;

    (void)rp;
    if ((r = file_of(ctx, rq->fd, &c, &f)) < 0)
        return r;
    if (!ramfs_is_reg(f->node) || !can_write(f) || rq->length < 0)
        return -E_INVAL;
    if (vn_remote(f->node))
        return vn_setattr(f->node, FS_SET_SIZE, 0, (uint64_t)rq->length);
    return ramfs_truncate(&vfs_fs, f->node, (uint64_t)rq->length);
}

/* ---- attributes ---- */

static void fill_stat(const struct vfs_node *n, struct vfs_stat *st)
{
    st->ino = n->ino;
    st->mode = n->mode;
    st->nlink = pipe_is(n) ? 1 : n->nlink;
    st->size = ramfs_is_reg(n) || vn_remote(n) ? n->size : ramfs_is_dir(n) ? n->nentries : 0;
    st->rdev = n->rdev;
    st->blksize = 4096;
    st->blocks = ramfs_is_reg(n) ? (n->size + 511) / 512 : 0;
    st->atime = n->atime;
    st->mtime = n->mtime;
    st->ctime = n->ctime;
}

static long do_fstat(void *ctx, const struct vfs_fstat_req *rq, struct vfs_fstat_rep *rp)
{
    struct vfs_client *c;
    struct vfs_file *f;
    long r;

    if ((r = file_of(ctx, rq->fd, &c, &f)) < 0)
        return r;
    if (vn_remote(f->node) && (r = vn_getattr(f->node)) < 0)
        return r;
    fill_stat(f->node, &rp->st);
    return 0;
}

static long do_stat(void *ctx, const struct vfs_stat_req *rq, struct vfs_stat_rep *rp)
{
    struct vfs_client *c;
    struct vfs_node *n;
    long r;

    if ((r = client_of(ctx, &c)) < 0 || (r = check_path(&rq->path)) < 0 ||
        (r = path_lookup(&vfs_fs, c->cwd, rq->path.bytes, rq->path.len, &n)) < 0)
        return r;
    if (vn_remote(n) && !vn_attr_fresh(n) && (r = vn_getattr(n)) < 0)
        return r;
    fill_stat(n, &rp->st);
    return 0;
}

static long do_isatty(void *ctx, const struct vfs_isatty_req *rq, struct vfs_isatty_rep *rp)
{
    struct vfs_client *c;
    struct vfs_file *f;
    long r;

    (void)rp;
    if ((r = file_of(ctx, rq->fd, &c, &f)) < 0)
        return r;
    return is_dev(f->node) && dev_is_tty(f->node) ? 0 : -E_NOTTY;
}

static uint8_t dtype(const struct vfs_node *n)
{
    switch (n->mode & VFS_S_IFMT) {
    case VFS_S_IFDIR:
        return VFS_DT_DIR;
    case VFS_S_IFREG:
        return VFS_DT_REG;
    case VFS_S_IFCHR:
        return VFS_DT_CHR;
    case VFS_S_IFIFO:
        return VFS_DT_FIFO;
    default:
        return VFS_DT_UNKNOWN;
    }
}

static long do_getdents(void *ctx, const struct vfs_getdents_req *rq, struct vfs_getdents_rep *rp)
{
    char *buf = (char *)rp->buf;
    struct vfs_client *c;
    struct vfs_file *f;
    struct vfs_node *n;
    const char *name;
    uint64_t len;
    long r;

    if ((r = file_of(ctx, rq->fd, &c, &f)) < 0)
        return r;
    if (!ramfs_is_dir(f->node))
        return -E_NOTDIR;
    if (vn_remote(f->node)) {
        if ((r = vn_getdents(f->node, &f->offset, rp->buf, VFS_DENTS_BYTES, &rp->count)) < 0)
            return r;
        rp->bytes = (uint64_t)r;
        return 0;
    }
    while (ramfs_dirent(f->node, f->offset, &name, &len, &n)) {
        uint64_t reclen = (VFS_DIRENT_HEADER + len + 1 + 7) & ~7ull;
        struct vfs_dirent *d = (struct vfs_dirent *)(buf + rp->bytes);

        if (reclen > VFS_DENTS_BYTES - rp->bytes)
            break;
        d->ino = n->ino;
        d->reclen = (uint16_t)reclen;
        d->type = dtype(n);
        memcpy(d->name, name, len);
        d->name[len] = '\0';
        rp->bytes += reclen;
        rp->count++;
        f->offset++;
    }
    return 0;
}

/* ---- descriptors ---- */

static long do_dup(void *ctx, const struct vfs_dup_req *rq, struct vfs_dup_rep *rp)
{
    struct vfs_client *c;
    struct vfs_file *f;
    long r;

    if ((r = file_of(ctx, rq->fd, &c, &f)) < 0)
        return r;
    if (rq->flags & ~(uint64_t)VFS_FD_CLOEXEC)
        return -E_INVAL;
    if ((r = fdt_install(c, f, rq->min, (uint8_t)rq->flags)) < 0)
        return r;
    rp->fd = (uint64_t)r;
    return 0;
}

static long do_dup2(void *ctx, const struct vfs_dup2_req *rq, struct vfs_dup2_rep *rp)
{
    struct vfs_client *c;
    long r;

    if ((r = client_of(ctx, &c)) < 0 || (r = fdt_dup2(&vfs_fdt, c, rq->fd, rq->fd2)) < 0)
        return r;
    rp->fd = (uint64_t)r;
    return 0;
}

static long do_fcntl(void *ctx, const struct vfs_fcntl_req *rq, struct vfs_fcntl_rep *rp)
{
    const uint32_t settable = VFS_O_APPEND | VFS_O_NONBLOCK;
    struct vfs_client *c;
    struct vfs_file *f;
    long r;

    if ((r = file_of(ctx, rq->fd, &c, &f)) < 0)
        return r;
    switch (rq->cmd) {
    case VFS_F_GETFD:
        rp->value = c->fd_flags[rq->fd];
        return 0;
    case VFS_F_SETFD:
        if (rq->arg & ~(uint64_t)VFS_FD_CLOEXEC)
            return -E_INVAL;
        c->fd_flags[rq->fd] = (uint8_t)rq->arg;
        return 0;
    case VFS_F_GETFL:
        rp->value = f->flags;
        return 0;
    case VFS_F_SETFL:
        if (rq->arg & ~(uint64_t)VFS_O_ALL)
            return -E_INVAL;
        f->flags = (f->flags & ~settable) | ((uint32_t)rq->arg & settable);
        return 0;
    default:
        return -E_INVAL;
    }
}

/* ---- the name space ---- */

static long do_mkdir(void *ctx, const struct vfs_mkdir_req *rq, struct vfs_mkdir_rep *rp)
{
    struct vfs_client *c;
    struct path_last last;
    struct vfs_node *n;
    uint32_t mode;
    long r;

    (void)rp;
    if ((r = client_of(ctx, &c)) < 0 || (r = check_path(&rq->path)) < 0)
        return r;
    if (rq->mode & ~(uint64_t)VFS_S_PERM)
        return -E_INVAL;
    if ((r = path_parent(&vfs_fs, c->cwd, rq->path.bytes, rq->path.len, &last)) < 0)
        return r;
    mode = (uint32_t)rq->mode & ~c->umask;
    if (vn_remote(last.dir))
        return vn_create(last.dir, last.name, last.len, mode, true, &n);
    return ramfs_create(&vfs_fs, last.dir, last.name, last.len, VFS_S_IFDIR | mode, 0, &n);
}

/* The parent and the node a path to be removed names. */
static long removal(void *ctx, const vfs_path_t *path, struct path_last *last, struct vfs_node **n)
{
    struct vfs_client *c;
    long r;

    if ((r = client_of(ctx, &c)) < 0 || (r = check_path(path)) < 0 ||
        (r = path_parent(&vfs_fs, c->cwd, path->bytes, path->len, last)) < 0)
        return r;
    return path_step(&vfs_fs, last->dir, last->name, last->len, n);
}

static long do_unlink(void *ctx, const struct vfs_unlink_req *rq, struct vfs_unlink_rep *rp)
{
    struct path_last last;
    struct vfs_node *n;
    long r;

    (void)rp;
    if ((r = removal(ctx, &rq->path, &last, &n)) < 0)
        return r;
    if (ramfs_is_dir(n))
        return -E_ISDIR;
    if (last.trailing_slash)
        return -E_NOTDIR;
    if (n->rdev)
        return -E_PERM;
    if (vn_remote(last.dir))
        return vn_remove(last.dir, last.name, last.len, false);
    return ramfs_remove(&vfs_fs, last.dir, last.name, last.len, false);
}

static long do_rmdir(void *ctx, const struct vfs_rmdir_req *rq, struct vfs_rmdir_rep *rp)
{
    struct path_last last;
    struct vfs_node *n;
    long r;

    (void)rp;
    if ((r = removal(ctx, &rq->path, &last, &n)) < 0)
        return r;
    if (!ramfs_is_dir(n))
        return -E_NOTDIR;
    if (n == vfs_fs.root || vn_is_mount_root(n))
        return -E_BUSY;
    if (is_name(&last, "."))
        return -E_INVAL;
    if (is_name(&last, ".."))
        return -E_NOTEMPTY;
    if (vn_remote(last.dir))
        return vn_remove(last.dir, last.name, last.len, true);
    return ramfs_remove(&vfs_fs, last.dir, last.name, last.len, true);
}

/*
 * RENAME: both paths resolved and checked (trailing slashes, "." and "..", device nodes)
 * here, the tree's rules (types, emptiness, loops) in ramfs_rename, which changes nothing
 * unless all of them hold.
 */
static long do_rename(void *ctx, const struct vfs_rename_req *rq, struct vfs_rename_rep *rp)
{
    struct path_last from, to;
    struct vfs_client *c;
    struct vfs_node *n, *old;
    long r;

    (void)rp;
    if ((r = client_of(ctx, &c)) < 0 || (r = check_path(&rq->from)) < 0 || (r = check_path(&rq->to)) < 0)
        return r;
    if ((r = path_parent(&vfs_fs, c->cwd, rq->from.bytes, rq->from.len, &from)) < 0 ||
        (r = path_step(&vfs_fs, from.dir, from.name, from.len, &n)) < 0)
        return r;
    if ((r = path_parent(&vfs_fs, c->cwd, rq->to.bytes, rq->to.len, &to)) < 0)
        return r;
    if ((from.trailing_slash || to.trailing_slash) && !ramfs_is_dir(n))
        return -E_NOTDIR;
    if (is_name(&from, ".") || is_name(&from, "..") || is_name(&to, ".") || is_name(&to, ".."))
        return -E_INVAL;
    if (n->rdev || (path_step(&vfs_fs, to.dir, to.name, to.len, &old) == 0 && old != n && old->rdev))
        return -E_PERM;
    if (vn_is_mount_root(n) || (path_step(&vfs_fs, to.dir, to.name, to.len, &old) == 0 && vn_is_mount_root(old)))
        return -E_BUSY;
    if (from.dir->mnt != to.dir->mnt)
        return -E_XDEV;
    if (vn_remote(from.dir))
        return vn_rename(from.dir, from.name, from.len, to.dir, to.name, to.len);
    return ramfs_rename(&vfs_fs, from.dir, from.name, from.len, to.dir, to.name, to.len);
}

static long do_chdir(void *ctx, const struct vfs_chdir_req *rq, struct vfs_chdir_rep *rp)
{
    struct vfs_client *c;
    struct vfs_node *n;
    long r;

    (void)rp;
    if ((r = client_of(ctx, &c)) < 0 || (r = check_path(&rq->path)) < 0 ||
        (r = path_lookup(&vfs_fs, c->cwd, rq->path.bytes, rq->path.len, &n)) < 0)
        return r;
    if (!ramfs_is_dir(n))
        return -E_NOTDIR;
    fdt_chdir(&vfs_fdt, c, n);
    return 0;
}

static long do_getcwd(void *ctx, const struct vfs_getcwd_req *rq, struct vfs_getcwd_rep *rp)
{
    struct vfs_client *c;
    long r;

    (void)rq;
    if ((r = client_of(ctx, &c)) < 0 ||
        (r = vn_path(c->cwd, rp->path.bytes, sizeof(rp->path.bytes))) < 0)
        return r;
    rp->path.len = (uint64_t)r;
    return 0;
}

/* CHMOD and FCHMOD: the permission bits change, the type stays. */
static long set_mode(struct vfs_node *n, uint64_t mode)
{
    if (vn_remote(n))
        return vn_setattr(n, FS_SET_MODE, mode, 0);
    n->mode = (n->mode & ~(uint32_t)VFS_S_PERM) | (uint32_t)mode;
    n->ctime = vfs_fs.now;
    return 0;
}

static long do_chmod(void *ctx, const struct vfs_chmod_req *rq, struct vfs_chmod_rep *rp)
{
    struct vfs_client *c;
    struct vfs_node *n;
    long r;

    (void)rp;
    if ((r = client_of(ctx, &c)) < 0 || (r = check_path(&rq->path)) < 0)
        return r;
    if (rq->mode & ~(uint64_t)VFS_S_PERM)
        return -E_INVAL;
    if ((r = path_lookup(&vfs_fs, c->cwd, rq->path.bytes, rq->path.len, &n)) < 0)
        return r;
    return set_mode(n, rq->mode);
}

static long do_fchmod(void *ctx, const struct vfs_fchmod_req *rq, struct vfs_fchmod_rep *rp)
{
    struct vfs_client *c;
    struct vfs_file *f;
    long r;

    (void)rp;
    if ((r = file_of(ctx, rq->fd, &c, &f)) < 0)
        return r;
    if (rq->mode & ~(uint64_t)VFS_S_PERM)
        return -E_INVAL;
    return set_mode(f->node, rq->mode);
}

static long do_umask(void *ctx, const struct vfs_umask_req *rq, struct vfs_umask_rep *rp)
{
    struct vfs_client *c;
    long r;

    if ((r = client_of(ctx, &c)) < 0)
        return r;
    if (rq->mask & ~(uint64_t)0777)
        return -E_INVAL;
    rp->old = c->umask;
    c->umask = (uint32_t)rq->mask;
    return 0;
}

/* ---- readiness and terminals ---- */

/* What a descriptor is ready for now (VFS_POLL* bits, before masking by events). */
static uint32_t poll_file(const struct vfs_request *req, struct vfs_file *f)
{
    if (pipe_is(f->node))
        return pipe_poll(f, req->badge);
    if (is_dev(f->node))
        return dev_poll(f->node);
    return VFS_POLLIN | VFS_POLLOUT;    /* files and directories never wait */
}

static long do_poll(void *ctx, const struct vfs_poll_req *rq, struct vfs_poll_rep *rp)
{
    const uint32_t always = VFS_POLLERR | VFS_POLLHUP | VFS_POLLNVAL;
    struct vfs_client *c;
    long r;

    if ((r = client_of(ctx, &c)) < 0)
        return r;
    if (rq->count > VFS_POLL_MAX)
        return -E_RANGE;
    for (uint64_t i = 0; i < rq->count; i++)
        if (rq->fds[i].events & ~(uint32_t)VFS_POLL_EVENTS)
            return -E_INVAL;
    for (uint64_t i = 0; i < rq->count; i++) {
        struct vfs_file *f = fdt_get(c, rq->fds[i].fd);
        uint32_t ready = f ? poll_file(ctx, f) : VFS_POLLNVAL;

        rp->revents[i] = (uint16_t)(ready & (rq->fds[i].events | always));
        if (rp->revents[i])
            rp->ready++;
    }
    return 0;
}

/* TCGET and TCSET: only on the console, and only when it is the tty server (dev.c). */
static long tty_of(void *ctx, uint64_t fd)
{
    struct vfs_client *c;
    struct vfs_file *f;
    long r;

    if ((r = file_of(ctx, fd, &c, &f)) < 0)
        return r;
    return is_dev(f->node) && dev_is_tty(f->node) ? 0 : -E_NOTTY;
}

static long do_tcget(void *ctx, const struct vfs_tcget_req *rq, struct vfs_tcget_rep *rp)
{
    long r;

    if ((r = tty_of(ctx, rq->fd)) < 0)
        return r;
    return dev_tty_get(&rp->mode);
}

static long do_tcset(void *ctx, const struct vfs_tcset_req *rq, struct vfs_tcset_rep *rp)
{
    long r;

    (void)rp;
    if ((r = tty_of(ctx, rq->fd)) < 0)
        return r;
    if ((rq->mode.flags & ~(uint64_t)TTY_FLAGS) || rq->how > TTY_SET_FLUSH)
        return -E_INVAL;
    return dev_tty_set(&rq->mode, rq->how);
}

static long do_exit(void *ctx, const struct vfs_exit_req *rq, struct vfs_exit_rep *rp)
{
    struct vfs_request *req = ctx;
    struct vfs_client *c;

    (void)rq;
    (void)rp;
    if (req->ncaps)
        return -E_RANGE;
    if ((c = fdt_client(&vfs_fdt, req->badge, false))) {
        pipe_client_gone(c);
        fdt_client_drop(&vfs_fdt, c);
    }
    return 0;
}

/* FORK, EXEC, DROP and INTERRUPT come from pm alone (proto/pm.h: only it can carry PM_BADGE_SELF). */
static long from_pm(void *ctx)
{
    struct vfs_request *req = ctx;

    if (req->ncaps)
        return -E_RANGE;
    return req->badge == PM_BADGE_SELF ? 0 : -E_PERM;
}

static long do_fork(void *ctx, const struct vfs_fork_req *rq, struct vfs_fork_rep *rp)
{
    struct vfs_client *parent;
    long r;

    (void)rp;
    if ((r = from_pm(ctx)) < 0)
        return r;
    if (rq->parent == rq->child)
        return -E_INVAL;
    if (fdt_client(&vfs_fdt, rq->child, false))
        return -E_EXIST;
    if (!(parent = fdt_client(&vfs_fdt, rq->parent, true)))
        return -E_NOMEM;
    return fdt_client_fork(&vfs_fdt, parent, rq->child);
}

static long do_exec(void *ctx, const struct vfs_exec_req *rq, struct vfs_exec_rep *rp)
{
    struct vfs_client *c;
    long r;

    (void)rp;
    if ((r = from_pm(ctx)) < 0)
        return r;
    if ((c = fdt_client(&vfs_fdt, rq->client, false)))
        fdt_client_exec(&vfs_fdt, c);
    return 0;
}

static long do_drop(void *ctx, const struct vfs_drop_req *rq, struct vfs_drop_rep *rp)
{
    struct vfs_client *c;
    long r;

    (void)rp;
    if ((r = from_pm(ctx)) < 0)
        return r;
    if ((c = fdt_client(&vfs_fdt, rq->client, false))) {
        pipe_client_gone(c);
        fdt_client_drop(&vfs_fdt, c);
    }
    return 0;
}

static long do_interrupt(void *ctx, const struct vfs_interrupt_req *rq, struct vfs_interrupt_rep *rp)
{
    long r;

    (void)rp;
    if ((r = from_pm(ctx)) < 0)
        return r;
    pipe_interrupt(rq->client);
    return 0;
}

/* ---- mounts ---- */

/* MOUNT and UNMOUNT: boot modules only (init's badges are below pm's), with no capability but MOUNT's. */
static long mounter(void *ctx, unsigned ncaps, struct vfs_client **c)
{
    struct vfs_request *req = ctx;

    if (req->badge >= PM_BADGE_BASE)
        return -E_PERM;
    if (req->ncaps != ncaps)
        return -E_RANGE;
    return (*c = fdt_client(&vfs_fdt, req->badge, true)) ? 0 : -E_NOMEM;
}

/*
 * After a mount on "/", as switch_root does: the mounts on vfs's own tree (tmpfs on /tmp)
 * move to the same paths in the new root, and its /dev shows vfs's own /dev (devices live
 * in vfs), as Linux mounts devtmpfs there. What the new root lacks stays hidden: said.
 */
static void switch_root(void)
{
    struct vfs_node *local = ramfs_lookup(vfs_fs.root, "dev", 3), *dir;
    char path[VFS_PATH_CAP];
    long r;

    for (unsigned i = 0; i < VFS_MOUNT_MAX; i++) {
        struct vfs_mount *m = &vn.mounts[i];

        if (!m->used || m->bind || vn_remote(m->covered) || m->covered == vfs_fs.root)
            continue;
        if ((r = ramfs_path(&vfs_fs, m->covered, path, sizeof(path))) < 0 ||
            (r = path_lookup(&vfs_fs, vfs_fs.root, path, (uint64_t)r, &dir)) < 0 || (r = vn_move(m, dir)) < 0)
            agora_printf("vfs: %s on %s stays under the new root: %s\n", m->type, path, agora_error_name(r));
        else
            agora_printf("vfs: moved %s at %s into the new root\n", m->type, path);
    }
    r = -E_NOENT;
    if (!local || (r = path_lookup(&vfs_fs, vfs_fs.root, "/dev", 4, &dir)) < 0 ||
        (r = vn_bind(dir, local, "devfs")) < 0) {
        agora_printf("vfs: the new root has no /dev for the devices: %s\n", agora_error_name(r));
        return;
    }
    agora_printf("vfs: mounted devfs at /dev\n");
}

static long do_mount(void *ctx, const struct vfs_mount_req *rq, struct vfs_mount_rep *rp)
{
    struct vfs_request *req = ctx;
    struct vfs_client *c;
    struct vfs_node *dir;
    long r, info;

    (void)rp;
    if ((r = mounter(ctx, VFS_MOUNT_CAPS, &c)) < 0 || (r = check_path(&rq->path)) < 0)
        return r;
    if (PROTO_STR_CHECK(rq->type) < 0 || (rq->flags & ~(uint64_t)VFS_MOUNT_RDONLY))
        return -E_INVAL;
    info = sys_cap_info(req->cap_slot);
    if (info < 0 || (info & 0xff) != OBJ_ENDPOINT)
        return -E_TYPE;
    if (!(((uint64_t)info >> 8) & RIGHT_WRITE))
        return -E_PERM;
    if ((r = path_lookup(&vfs_fs, c->cwd, rq->path.bytes, rq->path.len, &dir)) < 0)
        return r;
    if ((r = vn_mount(dir, req->cap_slot, rq->type.bytes, rq->flags)) < 0) {
        agora_printf("vfs: mounting %s at %s failed: %s\n", rq->type.bytes, rq->path.bytes, agora_error_name(r));
        return r;
    }
    req->cap_taken = true;
    agora_printf("vfs: mounted %s at %s\n", rq->type.bytes, rq->path.bytes);
    if (dir == vfs_fs.root)
        switch_root();
    return 0;
}

static long do_unmount(void *ctx, const struct vfs_unmount_req *rq, struct vfs_unmount_rep *rp)
{
    struct vfs_client *c;
    struct vfs_node *root;
    uint64_t ep;
    long r;

    (void)rp;
    if ((r = mounter(ctx, 0, &c)) < 0 || (r = check_path(&rq->path)) < 0 ||
        (r = path_lookup(&vfs_fs, c->cwd, rq->path.bytes, rq->path.len, &root)) < 0 ||
        (r = vn_unmount(root, &ep)) < 0)
        return r;
    sys_cap_delete(ep);
    agora_slot_free(ep);
    return 0;
}

static long do_mounts(void *ctx, const struct vfs_mounts_req *rq, struct vfs_mounts_rep *rp)
{
    struct vfs_client *c;
    struct vfs_mount *m;
    long r;

    if ((r = client_of(ctx, &c)) < 0)
        return r;
    if (!(m = vn_mount_at(rq->index)))
        return -E_NOENT;
    if ((r = vn_path(m->covered, rp->path.bytes, sizeof(rp->path.bytes))) < 0)
        return r;
    rp->path.len = (uint64_t)r;
    PROTO_STR_SET(rp->type, m->type);
    rp->total = vn.nmounts;
    rp->flags = m->flags;
    return 0;
}

static long do_sync(void *ctx, const struct vfs_sync_req *rq, struct vfs_sync_rep *rp)
{
    struct vfs_client *c;
    long r;

    (void)rp;
    if (rq->flags & ~(uint64_t)VFS_SYNC_UNMOUNT)
        return -E_INVAL;
    if (rq->flags & VFS_SYNC_UNMOUNT)
        return (r = from_pm(ctx)) < 0 ? r : vn_shutdown();
    if ((r = client_of(ctx, &c)) < 0)
        return r;
    return vn_sync();
}

const struct vfs_handlers vfs_ops = {
    .vfs_sync = do_sync,
    .vfs_mount = do_mount,
    .vfs_unmount = do_unmount,
    .vfs_mounts = do_mounts,
    .vfs_open = do_open,
    .vfs_close = do_close,
    .vfs_read = do_read,
    .vfs_write = do_write,
    .vfs_lseek = do_lseek,
    .vfs_fstat = do_fstat,
    .vfs_stat = do_stat,
    .vfs_getdents = do_getdents,
    .vfs_dup = do_dup,
    .vfs_dup2 = do_dup2,
    .vfs_fcntl = do_fcntl,
    .vfs_isatty = do_isatty,
    .vfs_mkdir = do_mkdir,
    .vfs_unlink = do_unlink,
    .vfs_rmdir = do_rmdir,
    .vfs_chdir = do_chdir,
    .vfs_getcwd = do_getcwd,
    .vfs_ftruncate = do_ftruncate,
    .vfs_exit = do_exit,
    .vfs_fork = do_fork,
    .vfs_exec = do_exec,
    .vfs_drop = do_drop,
    .vfs_interrupt = do_interrupt,
    .vfs_pipe = do_pipe,
    .vfs_read_more = do_read_more,
    .vfs_write_part = do_write_part,
    .vfs_rename = do_rename,
    .vfs_poll = do_poll,
    .vfs_tcget = do_tcget,
    .vfs_tcset = do_tcset,
    .vfs_chmod = do_chmod,
    .vfs_fchmod = do_fchmod,
    .vfs_umask = do_umask,
};
