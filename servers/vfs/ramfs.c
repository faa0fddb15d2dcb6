/* The in-memory file system (ramfs.h): tmpfs semantics over vfs's heap. */
#include "ramfs.h"

#include <agora/errors.h>
#include <agora/proto/vfs.h>
#include <libagora/string.h>

#include "heap.h"

static struct vfs_node *node_new(struct ramfs *fs, uint32_t mode, uint64_t rdev)
{
    struct vfs_node *n = vfs_alloc(sizeof(*n));

    if (!n)
        return 0;
    n->ino = fs->next_ino++;
    n->mode = mode;
    n->rdev = rdev;
    n->atime = n->mtime = n->ctime = fs->now;
    fs->nodes++;
    return n;
}

static void node_free(struct ramfs *fs, struct vfs_node *n)
{
    if (n->cap)
        vfs_free(n->data);
    if (n->pipe)
        vfs_free(n->pipe);
    vfs_free(n);
    fs->nodes--;
}

long ramfs_init(struct ramfs *fs)
{
    uint64_t now = fs->now;

    memset(fs, 0, sizeof(*fs));
    fs->now = now;
    fs->next_ino = 1;
    if (!(fs->root = node_new(fs, VFS_S_IFDIR | 0755, 0)))
        return -E_NOMEM;
    fs->root->nlink = 2;
    fs->root->parent = fs->root;
    fs->root->refs = 1;             /* the file system's own: the root is never freed */
    return 0;
}

static void destroy_tree(struct ramfs *fs, struct vfs_node *n)
{
    struct ramfs_entry *e, *next;

    for (e = n->entries; e; e = next) {
        next = e->next;
        if (ramfs_is_dir(e->node))
            destroy_tree(fs, e->node);
        else if (--e->node->nlink == 0)
            node_free(fs, e->node);
        vfs_free(e);
    }
    n->entries = 0;
    node_free(fs, n);
}

void ramfs_destroy(struct ramfs *fs)
{
    if (fs->root)
        destroy_tree(fs, fs->root);
    fs->root = 0;
}

struct vfs_node *ramfs_lookup(struct vfs_node *dir, const char *name, uint64_t len)
{
    if (!ramfs_is_dir(dir))
        return 0;
    for (struct ramfs_entry *e = dir->entries; e; e = e->next)
        if (e->len == len && memcmp(e->name, name, len) == 0)
            return e->node;
    return 0;
}

static bool is_dot_or_dotdot(const char *name, uint64_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

long ramfs_create(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, uint32_t mode,
                  uint64_t rdev, struct vfs_node **out)
{
    struct ramfs_entry *e, **tail;
    struct vfs_node *n;

    if (!ramfs_is_dir(dir))
        return -E_NOTDIR;
    if (len == 0)
        return -E_INVAL;
    if (len > VFS_NAME_MAX)
        return -E_NAMETOOLONG;
    for (uint64_t i = 0; i < len; i++)
        if (name[i] == '/' || name[i] == '\0')
            return -E_INVAL;
    if (is_dot_or_dotdot(name, len) || ramfs_lookup(dir, name, len))
        return -E_EXIST;
    if (!dir->parent)
        return -E_NOENT;
    if (!(e = vfs_alloc(sizeof(*e) + len + 1)))
        return -E_NOMEM;
    if (!(n = node_new(fs, mode, rdev))) {
        vfs_free(e);
        return -E_NOMEM;
    }
    memcpy(e->name, name, len);
    e->name[len] = '\0';
    e->len = len;
    e->node = n;
    if (ramfs_is_dir(n)) {
        n->nlink = 2;
        n->parent = dir;
        dir->nlink++;
    } else {
        n->nlink = 1;
    }
    for (tail = &dir->entries; *tail; tail = &(*tail)->next)
        ;
    *tail = e;
    dir->nentries++;
    dir->mtime = dir->ctime = fs->now;
    *out = n;
    return 0;
}

/* The checks ramfs_create makes of a new name in dir (not whether memory is left). */
static long name_free(struct vfs_node *dir, const char *name, uint64_t len)
{
    if (!ramfs_is_dir(dir))
        return -E_NOTDIR;
    if (len == 0)
        return -E_INVAL;
    if (len > VFS_NAME_MAX)
        return -E_NAMETOOLONG;
    for (uint64_t i = 0; i < len; i++)
        if (name[i] == '/' || name[i] == '\0')
            return -E_INVAL;
    if (is_dot_or_dotdot(name, len) || ramfs_lookup(dir, name, len))
        return -E_EXIST;
    return dir->parent ? 0 : -E_NOENT;
}

long ramfs_link(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, struct vfs_node *n)
{
    struct ramfs_entry *e, **tail;
    long r;

    if ((r = name_free(dir, name, len)) < 0)
        return r;
    if (ramfs_is_dir(n))
        return -E_PERM;
    if (n->nlink == 0)
        return -E_NOENT;
    if (n->nlink == UINT32_MAX)
        return -E_MLINK;
    if (!(e = vfs_alloc(sizeof(*e) + len + 1)))
        return -E_NOMEM;
    memcpy(e->name, name, len);
    e->name[len] = '\0';
    e->len = len;
    e->node = n;
    for (tail = &dir->entries; *tail; tail = &(*tail)->next)
        ;
    *tail = e;
    dir->nentries++;
    n->nlink++;
    n->ctime = dir->mtime = dir->ctime = fs->now;
    return 0;
}

long ramfs_symlink(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, const char *target,
                   uint64_t tlen, struct vfs_node **out)
{
    struct vfs_node *n;
    long r;

    if (tlen == 0)
        return -E_INVAL;
    if (tlen >= VFS_PATH_CAP)
        return -E_NAMETOOLONG;
    if ((r = ramfs_create(fs, dir, name, len, VFS_S_IFLNK | 0777, 0, &n)) < 0)
        return r;
    if ((r = ramfs_write(fs, n, 0, target, tlen)) < 0) {
        ramfs_remove(fs, dir, name, len, false);
        return r;
    }
    *out = n;
    return 0;
}

static void maybe_free(struct ramfs *fs, struct vfs_node *n)
{
    if (n->nlink == 0 && n->refs == 0)
        node_free(fs, n);
}

long ramfs_remove(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, bool want_dir)
{
    struct ramfs_entry **p, *e;
    struct vfs_node *n;

    if (!ramfs_is_dir(dir))
        return -E_NOTDIR;
    for (p = &dir->entries; *p; p = &(*p)->next)
        if ((*p)->len == len && memcmp((*p)->name, name, len) == 0)
            break;
    if (!(e = *p))
        return -E_NOENT;
    n = e->node;
    if (want_dir && !ramfs_is_dir(n))
        return -E_NOTDIR;
    if (!want_dir && ramfs_is_dir(n))
        return -E_ISDIR;
    if (want_dir && n->entries)
        return -E_NOTEMPTY;
    *p = e->next;
    vfs_free(e);
    dir->nentries--;
    dir->mtime = dir->ctime = fs->now;
    if (ramfs_is_dir(n)) {
        n->nlink = 0;
        n->parent = 0;
        dir->nlink--;
    } else {
        n->nlink--;
        n->ctime = fs->now;
    }
    maybe_free(fs, n);
    return 0;
}

/* dir's entry name (the link pointing at it, to unlink it), or NULL. */
static struct ramfs_entry **entry_link(struct vfs_node *dir, const char *name, uint64_t len)
{
    struct ramfs_entry **p;

    for (p = &dir->entries; *p; p = &(*p)->next)
        if ((*p)->len == len && memcmp((*p)->name, name, len) == 0)
            return p;
    return 0;
}

long ramfs_rename(struct ramfs *fs, struct vfs_node *odir, const char *oname, uint64_t olen,
                  struct vfs_node *ndir, const char *nname, uint64_t nlen)
{
    struct ramfs_entry **op, **np, *e = 0, **tail;
    struct vfs_node *n, *old = 0;

    if (!ramfs_is_dir(odir) || !ramfs_is_dir(ndir))
        return -E_NOTDIR;
    if (!(op = entry_link(odir, oname, olen)))
        return -E_NOENT;
    n = (*op)->node;
    if (nlen == 0 || is_dot_or_dotdot(nname, nlen))
        return -E_INVAL;
    if (nlen > VFS_NAME_MAX)
        return -E_NAMETOOLONG;
    for (uint64_t i = 0; i < nlen; i++)
        if (nname[i] == '/' || nname[i] == '\0')
            return -E_INVAL;
    if (!ndir->parent)
        return -E_NOENT;
    if ((np = entry_link(ndir, nname, nlen)))
        old = (*np)->node;
    if (old == n)
        return 0;
    if (ramfs_is_dir(n))
        for (struct vfs_node *d = ndir; d; d = d == fs->root ? 0 : d->parent)
            if (d == n)
                return -E_INVAL;
    if (old && ramfs_is_dir(n) && !ramfs_is_dir(old))
        return -E_NOTDIR;
    if (old && !ramfs_is_dir(n) && ramfs_is_dir(old))
        return -E_ISDIR;
    if (old && old->entries)
        return -E_NOTEMPTY;
    if (!old) {
        if (!(e = vfs_alloc(sizeof(*e) + nlen + 1)))
            return -E_NOMEM;
        memcpy(e->name, nname, nlen);
        e->name[nlen] = '\0';
        e->len = nlen;
    }
    /* Cannot fail from here. The new name first: op stays valid (a different entry). */
    if (old) {
        (*np)->node = n;
        if (ramfs_is_dir(old)) {
            old->nlink = 0;
            old->parent = 0;
            ndir->nlink--;
        } else {
            old->nlink--;
            old->ctime = fs->now;
        }
    } else {
        e->node = n;
        for (tail = &ndir->entries; *tail; tail = &(*tail)->next)
            ;
        *tail = e;
        ndir->nentries++;
    }
    e = *op;
    *op = e->next;
    vfs_free(e);
    odir->nentries--;
    if (ramfs_is_dir(n) && odir != ndir) {
        odir->nlink--;
        ndir->nlink++;
        n->parent = ndir;
    }
    n->ctime = fs->now;
    odir->mtime = odir->ctime = ndir->mtime = ndir->ctime = fs->now;
    if (old)
        maybe_free(fs, old);
    return 0;
}

void ramfs_ref(struct vfs_node *n)
{
    n->refs++;
}

struct vfs_node *ramfs_anon(struct ramfs *fs, uint32_t mode)
{
    return node_new(fs, mode, 0);
}

void ramfs_unref(struct ramfs *fs, struct vfs_node *n)
{
    if (n->refs > 0)
        n->refs--;
    maybe_free(fs, n);
}

uint64_t ramfs_read(struct vfs_node *n, uint64_t off, void *buf, uint64_t max)
{
    uint64_t count;

    if (off >= n->size)
        return 0;
    count = n->size - off < max ? n->size - off : max;
    memcpy(buf, n->data + off, count);
    return count;
}

/* Makes room for size bytes in memory of our own (copying borrowed contents). */
static long reserve(struct vfs_node *n, uint64_t size)
{
    uint64_t cap = n->cap ? n->cap : 64;
    char *data;

    if (size > VFS_FILE_MAX)
        return -E_FBIG;
    if (size < n->size)             /* the current contents are kept until the caller cuts them */
        size = n->size;
    if (n->cap >= size && n->cap)
        return 0;
    while (cap < size)
        cap *= 2;
    if (n->cap) {
        data = vfs_realloc(n->data, cap);
    } else if ((data = vfs_alloc(cap)) && n->size) {
        memcpy(data, n->data, n->size);     /* borrowed: copy on the first change */
    }
    if (!data)
        return -E_NOMEM;
    n->data = data;
    n->cap = cap;
    return 0;
}

long ramfs_write(struct ramfs *fs, struct vfs_node *n, uint64_t off, const void *buf, uint64_t count)
{
    long r;

    if (count == 0)
        return 0;
    if (off > VFS_FILE_MAX || count > VFS_FILE_MAX - off)
        return -E_FBIG;
    if ((r = reserve(n, off + count)) < 0)
        return r;
    if (off > n->size)
        memset(n->data + n->size, 0, off - n->size);
    memcpy(n->data + off, buf, count);
    if (off + count > n->size)
        n->size = off + count;
    n->mtime = n->ctime = fs->now;
    return (long)count;
}

long ramfs_truncate(struct ramfs *fs, struct vfs_node *n, uint64_t size)
{
    long r;

    if (size > VFS_FILE_MAX)
        return -E_FBIG;
    if (size == 0) {                /* cannot fail: O_TRUNC relies on it */
        if (n->cap)
            vfs_free(n->data);
        n->data = 0;
        n->size = n->cap = 0;
        n->mtime = n->ctime = fs->now;
        return 0;
    }
    if (size > n->size && (r = reserve(n, size)) < 0)
        return r;
    if (size > n->size)
        memset(n->data + n->size, 0, size - n->size);
    n->size = size;
    n->mtime = n->ctime = fs->now;
    return 0;
}

void ramfs_borrow(struct vfs_node *n, const void *data, uint64_t size)
{
    if (n->cap)
        vfs_free(n->data);
    n->data = (char *)data;
    n->size = size;
    n->cap = 0;
}

bool ramfs_dirent(struct vfs_node *dir, uint64_t index, const char **name, uint64_t *len,
                  struct vfs_node **node)
{
    struct ramfs_entry *e;

    if (index < 2) {
        *name = index == 0 ? "." : "..";
        *len = index + 1;
        *node = index == 0 || !dir->parent ? dir : dir->parent;
        return true;
    }
    for (e = dir->entries, index -= 2; e && index; e = e->next, index--)
        ;
    if (!e)
        return false;
    *name = e->name;
    *len = e->len;
    *node = e->node;
    return true;
}

/* The entry of dir's parent that names dir, or NULL. */
static struct ramfs_entry *entry_of(struct vfs_node *dir)
{
    for (struct ramfs_entry *e = dir->parent->entries; e; e = e->next)
        if (e->node == dir)
            return e;
    return 0;
}

long ramfs_path(struct ramfs *fs, struct vfs_node *dir, char *buf, uint64_t cap)
{
    uint64_t end = cap, len;
    struct vfs_node *d;

    if (cap < 2)
        return -E_RANGE;
    buf[--end] = '\0';
    for (d = dir; d != fs->root; d = d->parent) {
        struct ramfs_entry *e;

        if (!d->parent || !(e = entry_of(d)))
            return -E_NOENT;
        if (e->len + 1 > end)
            return -E_RANGE;
        end -= e->len;
        memcpy(buf + end, e->name, e->len);
        buf[--end] = '/';
    }
    if (d == dir)
        buf[--end] = '/';
    len = cap - 1 - end;
    memmove(buf, buf + end, len + 1);
    return (long)len;
}
