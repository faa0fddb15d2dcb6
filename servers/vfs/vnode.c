/* The node layer and the mount table (vnode.h): remote inodes as vnodes, requests to file-system servers (proto/fs.h). */
#include "vnode.h"

#include <agora/errors.h>
#include <libagora/proto.h>
#include <libagora/string.h>

#include "heap.h"

struct vn_state vn;

void vn_init(struct ramfs *fs, vn_call_fn call)
{
    memset(&vn, 0, sizeof(vn));
    vn.fs = fs;
    vn.call = call;
}

void vn_set_bulk(const struct vn_bulk_ops *ops)
{
    vn.bulk = *ops;
}

/* One request to m's server; a server found dead stays dead for this mount (-E_DEAD). */
static long fs_call(struct vfs_mount *m, uint32_t label, const void *req, size_t req_bytes, void *rep,
                    size_t rep_bytes)
{
    long r;

    if (m->dead)
        return -E_DEAD;
    r = vn.call(m->ep, label, req, req_bytes, rep, rep_bytes);
    if (r == -E_DEAD || r == -E_NOCAP)
        m->dead = true;
    return r == -E_NOCAP ? -E_DEAD : r;
}

static void set_name(fs_name_t *f, const char *name, uint64_t len)
{
    memcpy(f->bytes, name, len);
    f->bytes[len] = '\0';
    f->len = len;
}

static void apply_attr(struct vfs_node *n, const struct fs_attr *a)
{
    n->attr_seq = vn.seq;
    n->ino = a->ino;
    n->mode = (uint32_t)a->mode;
    n->nlink = (uint32_t)a->nlink;
    n->size = a->size;
    n->rdev = a->rdev;
    n->atime = a->atime;
    n->mtime = a->mtime;
    n->ctime = a->ctime;
    n->blocks = a->blocks;
}

/* Attributes a server sent that vfs can use: a 32-bit ino that is not 0, a known type. */
static bool attr_sane(const struct fs_attr *a)
{
    uint64_t type = a->mode & VFS_S_IFMT;

    return a->ino != 0 && a->ino <= UINT32_MAX && (a->mode & ~(uint64_t)(VFS_S_IFMT | VFS_S_PERM)) == 0 &&
           (type == VFS_S_IFREG || type == VFS_S_IFDIR || type == VFS_S_IFLNK);
}

static void close_at_server(struct vfs_mount *m, uint64_t ino, uint64_t count)
{
    struct fs_close_req rq = { .ino = ino, .count = count };
    struct fs_close_rep rp;

    fs_call(m, FS_CLOSE, &rq, sizeof(rq), &rp, sizeof(rp));    /* nothing to do on failure */
}

/*
 * The vnode for a reply that named an inode (and gave vfs one reference to it): found, or
 * made. NULL when out of memory (the reference is given back) or the attributes are
 * nonsense (then the server is not trusted with a CLOSE either).
 */
static struct vfs_node *vn_get(struct vfs_mount *m, const struct fs_attr *a)
{
    struct vfs_node *n;

    if (!attr_sane(a))
        return 0;
    for (n = m->vnodes; n; n = n->next)
        if (n->ino == a->ino)
            break;
    if (!n) {
        if (!(n = vfs_alloc(sizeof(*n)))) {
            close_at_server(m, a->ino, 1);
            return 0;
        }
        n->mnt = m;
        n->next = m->vnodes;
        m->vnodes = n;
        m->nvnodes++;
    }
    n->fs_refs++;
    apply_attr(n, a);
    vn.gc_pending = true;
    return n;
}

void vn_ref(struct vfs_node *n)
{
    n->refs++;
}

void vn_unref(struct vfs_node *n)
{
    if (!vn_remote(n)) {
        ramfs_unref(vn.fs, n);
        return;
    }
    if (n->refs > 0)
        n->refs--;
    vn.gc_pending = true;
}

void vn_gc(void)
{
    vn.seq++;
    if (!vn.gc_pending)
        return;                     /* most requests never touch a mount */
    vn.gc_pending = false;
    for (unsigned i = 0; i < VFS_MOUNT_MAX; i++) {
        struct vfs_mount *m = &vn.mounts[i];
        struct vfs_node **p, *n;

        if (!m->used)
            continue;
        for (p = &m->vnodes; (n = *p);) {
            if (n->refs) {
                p = &n->next;
                continue;
            }
            *p = n->next;
            m->nvnodes--;
            close_at_server(m, n->ino, n->fs_refs);
            vfs_free(n);
        }
    }
}

/* ---- the mount table ---- */

/* The mount's bulk buffer, if the host makes one and the server takes it; else none (fs.h). */
static void mount_bulk(struct vfs_mount *m)
{
    uint64_t granted = 0;
    uint8_t *buf;

    if (!vn.bulk.alloc || !(buf = vn.bulk.alloc((unsigned)(m - vn.mounts), FS_BULK_BYTES)))
        return;
    if (vn.bulk.attach(m->ep, buf, FS_BULK_BYTES, &granted) < 0 || granted <= FS_IO_MAX)
        return;
    m->bulk = buf;
    m->bulk_max = granted < FS_BULK_BYTES ? granted : FS_BULK_BYTES;
}

/* A free entry of the mount table, cleared, with its type set (not yet used), or NULL. */
static struct vfs_mount *mount_slot(const char *type)
{
    for (unsigned i = 0; i < VFS_MOUNT_MAX; i++) {
        struct vfs_mount *m = &vn.mounts[i];

        if (m->used)
            continue;
        memset(m, 0, sizeof(*m));
        for (unsigned k = 0; k + 1 < sizeof(m->type) && type[k]; k++)
            m->type[k] = type[k];
        return m;
    }
    return 0;
}

long vn_mount(struct vfs_node *dir, uint64_t ep, const char *type, uint64_t flags)
{
    struct fs_mount_req rq = { .flags = flags & VFS_MOUNT_RDONLY ? FS_MOUNT_RDONLY : 0 };
    struct fs_mount_rep rp;
    struct vfs_mount *m = 0;
    long r;

    if (vn_is_mount_root(dir) || dir->covered_by)
        return -E_BUSY;
    if (flags & ~(uint64_t)VFS_MOUNT_RDONLY)
        return -E_INVAL;
    if (!ramfs_is_dir(dir))
        return -E_NOTDIR;
    if (!vn_remote(dir) && !dir->parent)
        return -E_NOENT;            /* removed */
    if (!(m = mount_slot(type)))
        return -E_NOMEM;
    m->ep = ep;
    if ((r = fs_call(m, FS_MOUNT, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    if (rp.attr.ino != rp.root || (rp.attr.mode & VFS_S_IFMT) != VFS_S_IFDIR || rp.name_max == 0 ||
        rp.io_max == 0 || !attr_sane(&rp.attr))
        return -E_INVAL;            /* a server that answers nonsense is not mounted */
    m->used = true;
    m->flags = flags;
    m->name_max = rp.name_max < FS_NAME_MAX ? rp.name_max : FS_NAME_MAX;
    m->io_max = rp.io_max < FS_IO_MAX ? rp.io_max : FS_IO_MAX;
    if (!(m->root = vn_get(m, &rp.attr))) {
        memset(m, 0, sizeof(*m));
        return -E_NOMEM;
    }
    m->root->refs = 1;              /* the mount's own */
    mount_bulk(m);
    m->covered = dir;
    vn_ref(dir);
    dir->covered_by = m;
    vn.nmounts++;
    return 0;
}

long vn_move(struct vfs_mount *m, struct vfs_node *dir)
{
    if (!m->used || m->bind)
        return -E_INVAL;
    if (!ramfs_is_dir(dir))
        return -E_NOTDIR;
    if (dir->covered_by || vn_is_mount_root(dir) || dir == m->covered)
        return -E_BUSY;
    for (struct vfs_node *n = dir; vn_remote(n); n = n->mnt->covered)
        if (n->mnt == m)
            return -E_INVAL;        /* into itself */
    m->covered->covered_by = 0;
    vn_unref(m->covered);
    m->covered = dir;
    vn_ref(dir);
    dir->covered_by = m;
    return 0;
}

long vn_bind(struct vfs_node *dir, struct vfs_node *local, const char *type)
{
    struct vfs_mount *m = 0;

    if (!vn_remote(dir) || vn_remote(local))
        return -E_INVAL;
    if (!ramfs_is_dir(dir) || !ramfs_is_dir(local))
        return -E_NOTDIR;
    if (dir->covered_by || vn_is_mount_root(dir))
        return -E_BUSY;
    if (!(m = mount_slot(type)))
        return -E_NOMEM;
    m->used = true;
    m->bind = true;
    m->covered = dir;
    vn_ref(dir);
    m->root = local;
    ramfs_ref(local);
    dir->covered_by = m;
    vn.nmounts++;
    return 0;
}

static long unbind(struct vfs_mount *m, uint64_t *ep)
{
    if (m->root->refs > 1)
        return -E_BUSY;             /* held besides the bind's own reference */
    m->covered->covered_by = 0;
    vn_unref(m->covered);
    ramfs_unref(vn.fs, m->root);
    *ep = 0;
    memset(m, 0, sizeof(*m));
    vn.nmounts--;
    return 0;
}

long vn_unmount(struct vfs_node *root, uint64_t *ep)
{
    struct fs_unmount_req rq;
    struct fs_unmount_rep rp;
    struct vfs_mount *m;
    struct vfs_node *n, *next;

    if (!vn_remote(root)) {
        for (unsigned i = 0; i < VFS_MOUNT_MAX; i++)
            if (vn.mounts[i].used && vn.mounts[i].bind && vn.mounts[i].root == root)
                return unbind(&vn.mounts[i], ep);
        return -E_INVAL;
    }
    if (!vn_is_mount_root(root))
        return -E_INVAL;
    m = root->mnt;
    if (root->refs > 1)
        return -E_BUSY;
    for (n = m->vnodes; n; n = n->next)
        if (n != root && n->refs)
            return -E_BUSY;
    fs_call(m, FS_UNMOUNT, &rq, sizeof(rq), &rp, sizeof(rp));   /* a dead server is unmounted all the same */
    for (n = m->vnodes; n; n = next) {
        next = n->next;
        vfs_free(n);                /* UNMOUNT dropped every reference */
    }
    m->covered->covered_by = 0;
    vn_unref(m->covered);
    *ep = m->ep;
    memset(m, 0, sizeof(*m));
    vn.nmounts--;
    return 0;
}

long vn_sync(void)
{
    struct fs_sync_req rq;
    struct fs_sync_rep rp;
    long r, first = 0;

    for (unsigned i = 0; i < VFS_MOUNT_MAX; i++)
        if (vn.mounts[i].used && !vn.mounts[i].bind && (r = fs_call(&vn.mounts[i], FS_SYNC, &rq, sizeof(rq), &rp, sizeof(rp))) < 0 && !first)
            first = r;
    return first;
}

long vn_shutdown(void)
{
    struct fs_unmount_req rq;
    struct fs_unmount_rep rp;
    long r, first = 0;

    for (unsigned i = 0; i < VFS_MOUNT_MAX; i++) {
        struct vfs_mount *m = &vn.mounts[i];

        if (!m->used || m->bind || m->dead)
            continue;
        if ((r = fs_call(m, FS_UNMOUNT, &rq, sizeof(rq), &rp, sizeof(rp))) < 0 && !first)
            first = r;
        m->dead = true;             /* it let go of everything: no more requests */
    }
    return first;
}

struct vfs_mount *vn_mount_at(uint64_t index)
{
    for (unsigned i = 0; i < VFS_MOUNT_MAX; i++)
        if (vn.mounts[i].used && index-- == 0)
            return &vn.mounts[i];
    return 0;
}

/* ---- lookups ---- */

static long remote_lookup(struct vfs_node *dir, const char *name, uint64_t len, struct vfs_node **out)
{
    struct fs_lookup_req rq = { .dir = dir->ino };
    struct fs_lookup_rep rp;
    long r;

    if (len > dir->mnt->name_max)
        return -E_NAMETOOLONG;
    set_name(&rq.name, name, len);
    if ((r = fs_call(dir->mnt, FS_LOOKUP, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    return (*out = vn_get(dir->mnt, &rp.attr)) ? 0 : -E_NOMEM;
}

long vn_step(struct vfs_node *dir, const char *name, uint64_t len, struct vfs_node **out)
{
    struct vfs_node *n;
    long r;

    if (!ramfs_is_dir(dir))
        return -E_NOTDIR;
    if (len == 1 && name[0] == '.') {
        n = dir;
    } else if (len == 2 && name[0] == '.' && name[1] == '.') {
        while (vn_is_mount_root(dir))
            dir = dir->mnt->covered;        /* up out of the mount, then its ".." */
        if (vn_remote(dir)) {
            if ((r = remote_lookup(dir, name, len, &n)) < 0)
                return r;
        } else if (!(n = dir->parent)) {
            return -E_NOENT;
        }
    } else if (vn_remote(dir)) {
        if ((r = remote_lookup(dir, name, len, &n)) < 0)
            return r;
    } else if (!(n = ramfs_lookup(dir, name, len))) {
        return -E_NOENT;
    }
    while (n->covered_by)
        n = n->covered_by->root;            /* down into what is mounted there */
    *out = n;
    return 0;
}

/* ---- operations on remote vnodes ---- */

long vn_create(struct vfs_node *dir, const char *name, uint64_t len, uint32_t mode, bool dir_wanted,
               struct vfs_node **out)
{
    struct fs_create_req rq = { .dir = dir->ino, .mode = mode };
    struct fs_create_rep rp;
    long r;

    _Static_assert(sizeof(struct fs_create_req) == sizeof(struct fs_mkdir_req), "CREATE and MKDIR alike");
    _Static_assert(sizeof(struct fs_create_rep) == sizeof(struct fs_mkdir_rep), "CREATE and MKDIR alike");
    if (len > dir->mnt->name_max)
        return -E_NAMETOOLONG;
    if (dir->mnt->flags & VFS_MOUNT_RDONLY)
        return -E_PERM;
    set_name(&rq.name, name, len);
    if ((r = fs_call(dir->mnt, dir_wanted ? FS_MKDIR : FS_CREATE, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    if (!(*out = vn_get(dir->mnt, &rp.attr)))
        return -E_NOMEM;
    return 0;
}

long vn_remove(struct vfs_node *dir, const char *name, uint64_t len, bool dir_wanted)
{
    struct fs_unlink_req rq = { .dir = dir->ino };
    struct fs_unlink_rep rp;

    _Static_assert(sizeof(struct fs_unlink_req) == sizeof(struct fs_rmdir_req), "UNLINK and RMDIR alike");
    if (len > dir->mnt->name_max)
        return -E_NAMETOOLONG;
    if (dir->mnt->flags & VFS_MOUNT_RDONLY)
        return -E_PERM;
    set_name(&rq.name, name, len);
    return fs_call(dir->mnt, dir_wanted ? FS_RMDIR : FS_UNLINK, &rq, sizeof(rq), &rp, sizeof(rp));
}

long vn_rename(struct vfs_node *odir, const char *oname, uint64_t olen, struct vfs_node *ndir,
               const char *nname, uint64_t nlen)
{
    struct fs_rename_req rq = { .odir = (uint32_t)odir->ino, .ndir = (uint32_t)ndir->ino };
    struct fs_rename_rep rp;

    if (odir->mnt != ndir->mnt)
        return -E_XDEV;
    if (olen > odir->mnt->name_max || nlen > odir->mnt->name_max)
        return -E_NAMETOOLONG;
    if (odir->mnt->flags & VFS_MOUNT_RDONLY)
        return -E_PERM;
    set_name(&rq.oname, oname, olen);
    set_name(&rq.nname, nname, nlen);
    return fs_call(odir->mnt, FS_RENAME, &rq, sizeof(rq), &rp, sizeof(rp));
}

long vn_getattr(struct vfs_node *n)
{
    struct fs_getattr_req rq = { .ino = n->ino };
    struct fs_getattr_rep rp;
    long r;

    if ((r = fs_call(n->mnt, FS_GETATTR, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    if (rp.attr.ino != n->ino || !attr_sane(&rp.attr))
        return -E_INVAL;
    apply_attr(n, &rp.attr);
    return 0;
}

/* One SETATTR of n (mode and size, or times); the reply's attributes are n's when sane. */
static long setattr(struct vfs_node *n, const struct fs_setattr_req *rq)
{
    struct fs_setattr_rep rp;
    long r;

    if (n->mnt->flags & VFS_MOUNT_RDONLY)
        return -E_PERM;
    if ((r = fs_call(n->mnt, FS_SETATTR, rq, sizeof(*rq), &rp, sizeof(rp))) < 0)
        return r;
    if (rp.attr.ino == n->ino && attr_sane(&rp.attr))
        apply_attr(n, &rp.attr);
    return 0;
}

long vn_setattr(struct vfs_node *n, uint64_t which, uint64_t mode, uint64_t size)
{
    struct fs_setattr_req rq = { .ino = n->ino, .which = which, .mode = mode, .size = size };

    return setattr(n, &rq);
}

/* A READ of more than FS_IO_MAX bytes through the mount's buffer. */
static long read_bulk(struct vfs_node *n, uint64_t off, void *buf, uint64_t max)
{
    struct fs_read_bulk_req rq = { .ino = n->ino, .offset = off, .max = max < n->mnt->bulk_max ? max : n->mnt->bulk_max };
    struct fs_read_bulk_rep rp;
    long r;

    if ((r = fs_call(n->mnt, FS_READ_BULK, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    if (rp.count > rq.max)
        return -E_RANGE;
    memcpy(buf, n->mnt->bulk, rp.count);
    return (long)rp.count;
}

static long write_bulk(struct vfs_node *n, uint64_t off, const void *buf, uint64_t count, uint64_t *at)
{
    struct fs_write_bulk_req rq = { .ino = n->ino, .offset = off };
    struct fs_write_bulk_rep rp;
    long r;

    rq.count = count < n->mnt->bulk_max ? count : n->mnt->bulk_max;
    memcpy(n->mnt->bulk, buf, rq.count);
    if ((r = fs_call(n->mnt, FS_WRITE_BULK, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    if (rp.count > rq.count)
        return -E_RANGE;
    n->size = rp.size;
    *at = rp.offset;
    return (long)rp.count;
}

long vn_read(struct vfs_node *n, uint64_t off, void *buf, uint64_t max)
{
    struct fs_read_req rq = { .ino = n->ino, .offset = off, .max = max < n->mnt->io_max ? max : n->mnt->io_max };
    struct fs_read_rep rp;
    long r;

    if (n->mnt->bulk && max > FS_IO_MAX)
        return read_bulk(n, off, buf, max);
    if ((r = fs_call(n->mnt, FS_READ, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    if (rp.count > rq.max)
        return -E_RANGE;
    memcpy(buf, rp.data, rp.count);
    return (long)rp.count;
}

long vn_write(struct vfs_node *n, uint64_t off, const void *buf, uint64_t count, uint64_t *at)
{
    struct fs_write_req rq = { .ino = (uint32_t)n->ino, .offset = off };
    struct fs_write_rep rp;
    long r;

    if (n->mnt->flags & VFS_MOUNT_RDONLY)
        return -E_PERM;
    if (n->mnt->bulk && count > FS_IO_MAX)
        return write_bulk(n, off, buf, count, at);
    rq.count = (uint32_t)(count < n->mnt->io_max ? count : n->mnt->io_max);
    memcpy(rq.data, buf, rq.count);
    if ((r = fs_call(n->mnt, FS_WRITE, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    if (rp.count > rq.count)
        return -E_RANGE;
    n->size = rp.size;
    *at = rp.offset;
    return (long)rp.count;
}

/* Whether a NUL ends the name within the entry. */
static bool name_ends(const struct vfs_dirent *d)
{
    for (uint64_t i = 0; i < (uint64_t)d->reclen - VFS_DIRENT_HEADER; i++)
        if (d->name[i] == '\0')
            return i > 0;
    return false;
}

/* Whether buf[0..bytes) is count whole, well-formed entries. */
static bool dents_sane(const char *buf, uint64_t bytes, uint64_t count)
{
    uint64_t at = 0, seen = 0;

    while (at < bytes) {
        const struct vfs_dirent *d = (const void *)(buf + at);

        if (bytes - at < VFS_DIRENT_HEADER + 1 || d->reclen < VFS_DIRENT_HEADER + 1 || d->reclen % 8 ||
            d->reclen > bytes - at || !name_ends(d))
            return false;
        at += d->reclen;
        seen++;
    }
    return seen == count;
}

long vn_getdents(struct vfs_node *dir, uint64_t *cookie, void *buf, uint64_t cap, uint64_t *count)
{
    struct fs_getdents_req rq = { .dir = dir->ino, .cookie = *cookie };
    struct fs_getdents_rep rp;
    long r;

    if ((r = fs_call(dir->mnt, FS_GETDENTS, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    if (rp.bytes > FS_DENTS_BYTES || rp.bytes > cap || !dents_sane((const char *)rp.buf, rp.bytes, rp.count))
        return -E_RANGE;
    memcpy(buf, rp.buf, rp.bytes);
    *cookie = rp.next;
    *count = rp.count;
    return (long)rp.bytes;
}

/* The name under which parent lists ino (not "." or ".."): its length into name[FS_NAME_CAP], or an error. */
static long name_in(struct vfs_node *parent, uint64_t ino, char *name)
{
    uint64_t cookie = 0, count;
    char buf[FS_DENTS_BYTES];
    long bytes;

    while ((bytes = vn_getdents(parent, &cookie, buf, sizeof(buf), &count)) > 0) {
        for (long at = 0; at < bytes;) {
            const struct vfs_dirent *d = (const void *)(buf + at);
            uint64_t len = strlen(d->name);

            at += d->reclen;
            if (d->ino != ino || (len == 1 && d->name[0] == '.') ||
                (len == 2 && d->name[0] == '.' && d->name[1] == '.') || len >= FS_NAME_CAP)
                continue;
            memcpy(name, d->name, len + 1);
            return (long)len;
        }
    }
    return bytes < 0 ? bytes : -E_NOENT;
}

long vn_path(struct vfs_node *dir, char *buf, uint64_t cap)
{
    uint64_t end = cap, len;
    char name[FS_NAME_CAP];
    struct vfs_node *d, *parent;
    long r;

    if (!vn_remote(dir))
        return ramfs_path(vn.fs, dir, buf, cap);
    if (cap < 2)
        return -E_RANGE;
    buf[--end] = '\0';
    /* The components below the mount's root, from the last up, at the end of buf. */
    for (d = dir; !vn_is_mount_root(d); d = parent) {
        if ((r = vn_step(d, "..", 2, &parent)) < 0)
            return r;
        if ((r = name_in(parent, d->ino, name)) < 0)
            return r;
        if ((uint64_t)r + 1 > end)
            return -E_RANGE;
        end -= (uint64_t)r;
        memcpy(buf + end, name, (uint64_t)r);
        buf[--end] = '/';
    }
    /* Then the covered directory's path in front: nothing for a mount on "/" (but "/" alone). */
    {
        char top[VFS_PATH_CAP];

        if (d->mnt->covered == vn.fs->root) {
            if (end == cap - 1)
                buf[--end] = '/';
            memmove(buf, buf + end, cap - end);
            return (long)(cap - 1 - end);
        }
        if ((r = vn_path(d->mnt->covered, top, sizeof(top))) < 0)
            return r;
        len = (uint64_t)r;
        if (len + (cap - 1 - end) >= cap)
            return -E_RANGE;
        memmove(buf + len, buf + end, cap - end);
        memcpy(buf, top, len);
        return (long)(len + cap - 1 - end);
    }
}

/* ---- links, figures, fsync, times ---- */

long vn_readlink(struct vfs_node *n, char *buf, uint64_t cap)
{
    struct fs_readlink_req rq = { .ino = n->ino };
    struct fs_readlink_rep rp;
    long r;

    if (!ramfs_is_lnk(n))
        return -E_INVAL;
    if (!vn_remote(n)) {
        if (n->size == 0 || n->size >= cap)
            return -E_NAMETOOLONG;
        memcpy(buf, n->data, n->size);
        buf[n->size] = '\0';
        return (long)n->size;
    }
    if ((r = fs_call(n->mnt, FS_READLINK, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    if (PROTO_STR_CHECK(rp.target) < 0 || rp.target.len >= cap)
        return -E_RANGE;            /* a server's nonsense */
    memcpy(buf, rp.target.bytes, rp.target.len + 1);
    return (long)rp.target.len;
}

long vn_link(struct vfs_node *dir, const char *name, uint64_t len, struct vfs_node *n)
{
    struct fs_link_req rq = { .dir = dir->ino, .ino = n->ino };
    struct fs_link_rep rp;

    if (dir->mnt != n->mnt)
        return -E_XDEV;
    if (len > dir->mnt->name_max)
        return -E_NAMETOOLONG;
    if (dir->mnt->flags & VFS_MOUNT_RDONLY)
        return -E_PERM;
    set_name(&rq.name, name, len);
    return fs_call(dir->mnt, FS_LINK, &rq, sizeof(rq), &rp, sizeof(rp));
}

long vn_symlink(struct vfs_node *dir, const char *name, uint64_t len, const char *target, uint64_t tlen)
{
    struct fs_symlink_req rq = { .dir = dir->ino };
    struct fs_symlink_rep rp;

    if (len > dir->mnt->name_max)
        return -E_NAMETOOLONG;
    if (tlen == 0)
        return -E_INVAL;
    if (tlen >= sizeof(rq.target.bytes))
        return -E_NAMETOOLONG;
    if (dir->mnt->flags & VFS_MOUNT_RDONLY)
        return -E_PERM;
    set_name(&rq.name, name, len);
    memcpy(rq.target.bytes, target, tlen);
    rq.target.bytes[tlen] = '\0';
    rq.target.len = tlen;
    return fs_call(dir->mnt, FS_SYMLINK, &rq, sizeof(rq), &rp, sizeof(rp));
}

long vn_statfs(struct vfs_mount *m, struct vfs_statfs *st)
{
    struct fs_statfs_req rq;
    struct fs_statfs_rep rp;
    long r;

    if ((r = fs_call(m, FS_STATFS, &rq, sizeof(rq), &rp, sizeof(rp))) < 0)
        return r;
    if (rp.bfree > rp.blocks || rp.bavail > rp.bfree || rp.ffree > rp.files)
        return -E_RANGE;
    st->bsize = rp.bsize;
    st->blocks = rp.blocks;
    st->bfree = rp.bfree;
    st->bavail = rp.bavail;
    st->files = rp.files;
    st->ffree = rp.ffree;
    st->name_max = rp.name_max < m->name_max ? rp.name_max : m->name_max;
    st->flags = m->flags;
    return 0;
}

long vn_fsync(struct vfs_node *n)
{
    struct fs_fsync_req rq = { .ino = n->ino };
    struct fs_fsync_rep rp;

    return fs_call(n->mnt, FS_FSYNC, &rq, sizeof(rq), &rp, sizeof(rp));
}

long vn_settimes(struct vfs_node *n, uint64_t which, uint64_t atime, uint64_t mtime)
{
    struct fs_setattr_req rq = { .ino = n->ino, .which = which, .atime = atime, .mtime = mtime };

    return setattr(n, &rq);
}
