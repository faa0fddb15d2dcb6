/* The newc cpio reader (cpio.h). Every length comes from the archive, so every one is checked against it. */
#include "cpio.h"

#include <agora/errors.h>
#include <agora/proto/vfs.h>
#include <libagora/string.h>

#include "path.h"

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR, F_DEVMINOR,
       F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, F_COUNT };

static long hex8(const char *p, uint64_t *out)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++) {
        char c = p[i];
        unsigned d;

        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -E_INVAL;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static bool has_nul(const char *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i] == '\0')
            return true;
    return false;
}

static uint64_t align4(uint64_t x)
{
    return (x + 3) & ~3ull;
}

long cpio_next(const void *archive, uint64_t len, uint64_t *off, struct cpio_entry *e)
{
    const char *a = archive, *h;
    uint64_t f[F_COUNT], name_at, data_at;

    if (*off > len || len - *off < CPIO_HEADER_BYTES)
        return -E_RANGE;
    h = a + *off;
    if (memcmp(h, "07070", 5) != 0 || (h[5] != '1' && h[5] != '2'))
        return -E_INVAL;
    for (int i = 0; i < F_COUNT; i++)
        if (hex8(h + 6 + 8 * i, &f[i]) < 0)
            return -E_INVAL;
    name_at = *off + CPIO_HEADER_BYTES;
    if (f[F_NAMESIZE] < 2 || f[F_NAMESIZE] > len - name_at)
        return f[F_NAMESIZE] < 2 ? -E_INVAL : -E_RANGE;
    if (a[name_at + f[F_NAMESIZE] - 1] != '\0' || has_nul(a + name_at, f[F_NAMESIZE] - 1))
        return -E_INVAL;
    data_at = align4(name_at + f[F_NAMESIZE]);
    e->name = a + name_at;
    e->namelen = f[F_NAMESIZE] - 1;
    if (e->namelen == 10 && memcmp(e->name, "TRAILER!!!", 10) == 0)
        return 1;
    if (data_at > len || f[F_FILESIZE] > len - data_at)
        return -E_RANGE;
    e->mode = (uint32_t)f[F_MODE];
    e->mtime = f[F_MTIME];
    e->data = a + data_at;
    e->size = f[F_FILESIZE];
    *off = align4(data_at + f[F_FILESIZE]);
    return 0;
}

/* Creates one member; false if it was skipped. */
static bool load_one(struct ramfs *fs, const struct cpio_entry *e, struct cpio_stats *st)
{
    uint32_t type = e->mode & VFS_S_IFMT;
    struct path_last last;
    struct vfs_node *n;
    long r;

    if (type != VFS_S_IFDIR && type != VFS_S_IFREG)
        return false;
    if (path_parent(fs, fs->root, e->name, e->namelen, &last) < 0 ||
        (type == VFS_S_IFREG && last.trailing_slash))
        return false;
    r = ramfs_create(fs, last.dir, last.name, last.len, type | (e->mode & VFS_S_PERM), 0, &n);
    if (r == -E_EXIST && type == VFS_S_IFDIR)      /* ".", or listed twice: keep the one there */
        return path_step(fs, last.dir, last.name, last.len, &n) == 0 && ramfs_is_dir(n);
    if (r < 0)
        return false;
    n->mtime = n->ctime = n->atime = e->mtime;
    if (type == VFS_S_IFDIR) {
        st->dirs++;
    } else {
        ramfs_borrow(n, e->data, e->size);
        st->files++;
    }
    return true;
}

void cpio_load(struct ramfs *fs, const void *archive, uint64_t len, struct cpio_stats *st)
{
    struct cpio_entry e;
    uint64_t off = 0;
    long r;

    memset(st, 0, sizeof(*st));
    while ((r = cpio_next(archive, len, &off, &e)) == 0)
        if (!load_one(fs, &e, st))
            st->skipped++;
    st->error = r < 0 ? r : 0;
}
