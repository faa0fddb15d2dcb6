/* Names: lookup and paths, create, mkdir, symlink, link, unlink, rmdir, rename, readlink. */
#include "ext2_int.h"

#define EXT2_SYMLOOP_MAX 8
#define EXT2_FAST_SYMLINK_MAX (sizeof(((struct ext2_inode *)0)->i_block) - 1)

static bool is_dot_name(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

/* A directory that may still get entries (-E_NOENT once removed). */
static int open_dir(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din)
{
    int rc = ext2_iget_live(fs, dir, din);

    if (rc < 0)
        return rc;
    if (!ext2_is_dir(din))
        return -E_NOTDIR;
    return din->i_links_count == 0 ? -E_NOENT : 0;
}

int ext2_lookup(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino)
{
    struct ext2_inode din;
    int rc = ext2_check_name(name, len);

    if (rc < 0)
        return rc;
    rc = ext2_iget_live(fs, dir, &din);
    if (rc < 0)
        return rc;
    if (!ext2_is_dir(&din))
        return -E_NOTDIR;
    return ext2_dir_find(fs, dir, &din, name, len, ino, 0);
}

long ext2_readlink(ext2_fs_t *fs, uint32_t ino, char *buf, size_t cap)
{
    struct ext2_inode in;
    struct ext2_buf *b;
    uint64_t size;
    uint32_t blk;
    int rc = ext2_iget_live(fs, ino, &in);

    if (rc < 0)
        return rc;
    if (!ext2_is_lnk(&in))
        return -E_INVAL;
    size = ext2_isize(&in);
    if (size > cap)
        size = cap;
    if (!ext2_has_data_blocks(&in)) {
        memcpy(buf, in.i_block, size);
        return (long)size;
    }
    if (ext2_isize(&in) >= fs->block_size)
        return -E_CORRUPT;
    rc = ext2_bmap(fs, ino, &in, 0, false, &blk, 0);
    if (rc < 0)
        return rc;
    if (blk == 0)
        return -E_CORRUPT;
    rc = ext2_bget(fs, blk, true, &b);
    if (rc < 0)
        return rc;
    memcpy(buf, b->data, size);
    ext2_bput(fs, b);
    return (long)size;
}

struct resolve {
    struct ext2_fs *fs;
    int links;                  /* symlinks followed so far */
};

static int resolve(struct resolve *r, uint32_t dir, const char *path, size_t len, bool follow, uint32_t *out);

/* ino is a symlink met in dir: where it leads. */
static int follow_link(struct resolve *r, uint32_t dir, uint32_t ino, uint32_t *out)
{
    struct ext2_fs *fs = r->fs;
    char *buf;
    long n;
    int rc;

    if (++r->links > EXT2_SYMLOOP_MAX)
        return -E_LOOP;
    buf = fs->env.alloc(fs->block_size);
    if (!buf)
        return -E_NOMEM;
    n = ext2_readlink(fs, ino, buf, fs->block_size);
    rc = n < 0 ? (int)n : n == 0 ? -E_NOENT : resolve(r, dir, buf, (size_t)n, true, out);
    fs->env.free(buf);
    return rc;
}

static int resolve(struct resolve *r, uint32_t dir, const char *path, size_t len, bool follow, uint32_t *out)
{
    struct ext2_fs *fs = r->fs;
    struct ext2_inode in;
    size_t i = 0;
    uint32_t cur = dir;
    int rc;

    if (len == 0)
        return -E_NOENT;
    if (path[0] == '/')
        cur = EXT2_ROOT_INO;
    rc = ext2_iget_live(fs, cur, &in);
    if (rc < 0)
        return rc;
    for (;;) {
        size_t start, n;
        uint32_t next;
        bool last;

        while (i < len && path[i] == '/')
            i++;
        if (i >= len)
            break;
        start = i;
        while (i < len && path[i] != '/')
            i++;
        n = i - start;
        last = i >= len;
        if (!ext2_is_dir(&in))
            return -E_NOTDIR;
        rc = ext2_check_name(path + start, n);
        if (rc < 0)
            return rc;
        rc = ext2_dir_find(fs, cur, &in, path + start, n, &next, 0);
        if (rc < 0)
            return rc;
        rc = ext2_iget_live(fs, next, &in);
        if (rc < 0)
            return rc;
        if (in.i_links_count == 0)
            return -E_CORRUPT;  /* a name for a free inode */
        /* A trailing slash ("link/") follows the last link too, as POSIX says. */
        if (ext2_is_lnk(&in) && (!last || follow || path[len - 1] == '/')) {
            rc = follow_link(r, cur, next, &next);
            if (rc < 0)
                return rc;
            rc = ext2_iget_live(fs, next, &in);
            if (rc < 0)
                return rc;
        }
        cur = next;
    }
    /* A trailing slash ("a/") must name a directory. */
    if (path[len - 1] == '/' && !ext2_is_dir(&in))
        return -E_NOTDIR;
    *out = cur;
    return 0;
}

int ext2_lookup_path(ext2_fs_t *fs, uint32_t dir, const char *path, bool follow, uint32_t *ino)
{
    struct resolve r = { .fs = fs, .links = 0 };
    size_t len = 0;

    while (path[len])
        len++;
    return resolve(&r, dir, path, len, follow, ino);
}

/* The checks every new name shares: writable, a good name not yet there, a live directory. */
static int new_name_ok(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len)
{
    uint32_t other;
    int rc;

    if (fs->read_only)
        return -E_ROFS;
    rc = ext2_check_name(name, len);
    if (rc < 0)
        return rc;
    if (is_dot_name(name, len))
        return -E_EXIST;
    rc = open_dir(fs, dir, din);
    if (rc < 0)
        return rc;
    rc = ext2_dir_find(fs, dir, din, name, len, &other, 0);
    if (rc == 0)
        return -E_EXIST;
    return rc == -E_NOENT ? 0 : rc;
}

static void init_inode(struct ext2_fs *fs, struct ext2_inode *in, uint32_t mode, uint32_t uid, uint32_t gid)
{
    memset(in, 0, sizeof(*in));
    in->i_mode = (uint16_t)mode;
    in->i_uid = (uint16_t)uid;
    in->i_uid_high = (uint16_t)(uid >> 16);
    in->i_gid = (uint16_t)gid;
    in->i_gid_high = (uint16_t)(gid >> 16);
    in->i_atime = in->i_ctime = in->i_mtime = ext2_now(fs);
    in->i_links_count = 1;
}

/* Undoes a node made by make_node whose name could not be added. */
static void unmake(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in)
{
    ext2_inode_destroy(fs, ino, in);
}

/* The directory's first block: "." and "..". */
static int fill_dir(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint32_t parent)
{
    struct ext2_dirent *d;
    struct ext2_buf *b;
    uint32_t blk;
    bool fresh;
    int rc = ext2_bmap(fs, ino, in, 0, true, &blk, &fresh);

    if (rc < 0)
        return rc;
    rc = ext2_bget(fs, blk, false, &b);
    if (rc < 0)
        return rc;
    memset(b->data, 0, fs->block_size);
    d = (struct ext2_dirent *)b->data;
    d->inode = ino;
    d->rec_len = 12;
    d->name_len = 1;
    d->file_type = fs->filetype ? EXT2_FT_DIR : 0;
    memcpy(d + 1, ".", 1);
    d = (struct ext2_dirent *)(b->data + 12);
    d->inode = parent;
    d->rec_len = (uint16_t)(fs->block_size - 12);
    d->name_len = 2;
    d->file_type = fs->filetype ? EXT2_FT_DIR : 0;
    memcpy(d + 1, "..", 2);
    ext2_bdirty(fs, b, 0);
    ext2_bput(fs, b);
    in->i_size = fs->block_size;
    in->i_links_count = 2;
    return 0;
}

/* What a new inode is: its type and permissions, owner, and a symlink's target or a device number. */
struct node_spec {
    uint32_t mode, uid, gid;
    const char *target;
    size_t tlen;
    uint32_t major, minor;
};

int ext2_device_of(ext2_fs_t *fs, uint32_t ino, uint32_t *major, uint32_t *minor)
{
    struct ext2_inode in;
    uint32_t type;
    int rc = ext2_iget_live(fs, ino, &in);

    if (rc < 0)
        return rc;
    type = in.i_mode & EXT2_S_IFMT;
    if (type != EXT2_S_IFCHR && type != EXT2_S_IFBLK)
        return -E_INVAL;
    ext2_get_device(&in, major, minor);
    return 0;
}

/* A new inode as spec says, its contents set up, then its name in dir. */
static int make_node(struct ext2_fs *fs, uint32_t dir, const char *name, size_t len,
                     const struct node_spec *spec, uint32_t *out)
{
    struct ext2_inode din, in;
    uint32_t mode = spec->mode, type = mode & EXT2_S_IFMT;
    const char *target = spec->target;
    size_t tlen = spec->tlen;
    bool is_dir = type == EXT2_S_IFDIR;
    uint32_t ino;
    int rc = new_name_ok(fs, dir, &din, name, len);

    if (rc < 0)
        return rc;
    if (is_dir && din.i_links_count >= EXT2_LINK_MAX)
        return -E_MLINK;
    rc = ext2_alloc_inode(fs, dir, is_dir, &ino);
    if (rc < 0)
        return rc;
    init_inode(fs, &in, mode, spec->uid, spec->gid);
    if (type == EXT2_S_IFCHR || type == EXT2_S_IFBLK)
        ext2_set_device(&in, spec->major, spec->minor);
    if (is_dir) {
        rc = fill_dir(fs, ino, &in, dir);
    } else if (target && tlen <= EXT2_FAST_SYMLINK_MAX) {
        memcpy(in.i_block, target, tlen);
        in.i_size = (uint32_t)tlen;
    } else if (target) {
        in.i_size = (uint32_t)tlen;      /* a slow link: ext2_has_data_blocks is true now */
        rc = ext2_write_link_block(fs, ino, &in, target, tlen);
    }
    if (rc == 0)
        rc = ext2_inew(fs, ino, &in);
    if (rc == 0)
        rc = ext2_dir_add(fs, dir, &din, name, len, ino, mode);
    if (rc < 0) {
        unmake(fs, ino, &in);
        return rc;
    }
    if (is_dir) {
        din.i_links_count++;
        rc = ext2_iput(fs, dir, &din);
        if (rc < 0)
            return rc;
    }
    if (out)
        *out = ino;
    return 0;
}

int ext2_write_link_block(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, const char *target,
                          size_t tlen)
{
    struct ext2_buf *b;
    uint32_t blk;
    bool fresh;
    int rc = ext2_bmap(fs, ino, in, 0, true, &blk, &fresh);

    if (rc < 0)
        return rc;
    rc = ext2_bget(fs, blk, false, &b);
    if (rc < 0)
        return rc;
    memset(b->data, 0, fs->block_size);
    memcpy(b->data, target, tlen);
    ext2_bdirty(fs, b, ino);
    ext2_bput(fs, b);
    return 0;
}

int ext2_create(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len, uint32_t mode,
                uint32_t uid, uint32_t gid, uint32_t *ino)
{
    struct node_spec spec = { .mode = EXT2_S_IFREG | (mode & EXT2_S_PERM), .uid = uid, .gid = gid };

    return make_node(fs, dir, name, len, &spec, ino);
}

int ext2_mkdir(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len, uint32_t mode,
               uint32_t uid, uint32_t gid, uint32_t *ino)
{
    struct node_spec spec = { .mode = EXT2_S_IFDIR | (mode & EXT2_S_PERM), .uid = uid, .gid = gid };

    return make_node(fs, dir, name, len, &spec, ino);
}

int ext2_mknod(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len, uint32_t mode, uint32_t major,
               uint32_t minor, uint32_t uid, uint32_t gid, uint32_t *ino)
{
    struct node_spec spec = { .mode = mode & (EXT2_S_IFMT | EXT2_S_PERM), .uid = uid, .gid = gid,
                              .major = major, .minor = minor };
    uint32_t type = mode & EXT2_S_IFMT;

    if (type != EXT2_S_IFCHR && type != EXT2_S_IFBLK && type != EXT2_S_IFIFO && type != EXT2_S_IFSOCK)
        return -E_INVAL;
    if (major > 0xfff || minor > 0xfffff)
        return -E_INVAL;
    return make_node(fs, dir, name, len, &spec, ino);
}

int ext2_symlink(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len, const char *target,
                 size_t target_len, uint32_t uid, uint32_t gid, uint32_t *ino)
{
    struct node_spec spec = { .mode = EXT2_S_IFLNK | 0777, .uid = uid, .gid = gid, .target = target,
                              .tlen = target_len };

    if (target_len == 0)
        return -E_NOENT;
    if (target_len >= fs->block_size)
        return -E_NAMETOOLONG;
    return make_node(fs, dir, name, len, &spec, ino);
}

int ext2_link(ext2_fs_t *fs, uint32_t ino, uint32_t dir, const char *name, size_t len)
{
    struct ext2_inode din, in;
    int rc = new_name_ok(fs, dir, &din, name, len);

    if (rc < 0)
        return rc;
    rc = ext2_iget_live(fs, ino, &in);
    if (rc < 0)
        return rc;
    if (ext2_is_dir(&in))
        return -E_PERM;
    if (in.i_links_count == 0)
        return -E_NOENT;
    if (in.i_links_count >= EXT2_LINK_MAX)
        return -E_MLINK;
    rc = ext2_dir_add(fs, dir, &din, name, len, ino, in.i_mode);
    if (rc < 0)
        return rc;
    in.i_links_count++;
    in.i_ctime = ext2_now(fs);
    return ext2_iput(fs, ino, &in);
}

/* The entry name in dir, and the inode it names. */
static int old_name(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                    uint32_t *ino, struct ext2_inode *in)
{
    int rc;

    if (fs->read_only)
        return -E_ROFS;
    rc = ext2_check_name(name, len);
    if (rc < 0)
        return rc;
    rc = ext2_iget_live(fs, dir, din);
    if (rc < 0)
        return rc;
    if (!ext2_is_dir(din))
        return -E_NOTDIR;
    rc = ext2_dir_find(fs, dir, din, name, len, ino, 0);
    if (rc < 0)
        return rc;
    rc = ext2_iget_live(fs, *ino, in);
    if (rc < 0)
        return rc;
    return in->i_links_count == 0 ? -E_CORRUPT : 0;
}

int ext2_unlink(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len)
{
    struct ext2_inode din, in;
    uint32_t ino;
    int rc;

    if (is_dot_name(name, len))
        return fs->read_only ? -E_ROFS : -E_ISDIR;
    rc = old_name(fs, dir, &din, name, len, &ino, &in);
    if (rc < 0)
        return rc;
    if (ext2_is_dir(&in))
        return -E_ISDIR;
    rc = ext2_dir_remove(fs, dir, &din, name, len);
    if (rc < 0)
        return rc;
    return ext2_drop_link(fs, ino, &in);
}

static int adjust_links(struct ext2_fs *fs, uint32_t ino, int delta)
{
    struct ext2_inode in;
    int rc = ext2_iget(fs, ino, &in);

    if (rc < 0)
        return rc;
    if (delta < 0 && in.i_links_count <= (uint32_t)-delta)
        in.i_links_count = 1;   /* a corrupt count: never free a directory still in use */
    else
        in.i_links_count = (uint16_t)(in.i_links_count + delta);
    in.i_ctime = ext2_now(fs);
    return ext2_iput(fs, ino, &in);
}

int ext2_rmdir(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len)
{
    struct ext2_inode din, in;
    uint32_t ino;
    int rc;

    if (len == 1 && name[0] == '.')
        return fs->read_only ? -E_ROFS : -E_INVAL;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return fs->read_only ? -E_ROFS : -E_NOTEMPTY;
    rc = old_name(fs, dir, &din, name, len, &ino, &in);
    if (rc < 0)
        return rc;
    if (!ext2_is_dir(&in))
        return -E_NOTDIR;
    if (ino == EXT2_ROOT_INO || ino == dir)
        return -E_CORRUPT;
    rc = ext2_dir_is_empty(fs, ino, &in);
    if (rc <= 0)
        return rc < 0 ? rc : -E_NOTEMPTY;
    rc = ext2_dir_remove(fs, dir, &din, name, len);
    if (rc < 0)
        return rc;
    rc = ext2_drop_link(fs, ino, &in);
    if (rc < 0)
        return rc;
    return adjust_links(fs, dir, -1);
}

/* -E_INVAL when dir is moved_dir or below it; the walk up ".." is bounded (a corrupt loop). */
static int not_below(struct ext2_fs *fs, uint32_t moved_dir, uint32_t dir)
{
    uint32_t cur = dir;

    for (uint32_t steps = 0; steps <= fs->inodes_count; steps++) {
        struct ext2_inode in;
        uint32_t up;
        int rc;

        if (cur == moved_dir)
            return -E_INVAL;
        if (cur == EXT2_ROOT_INO)
            return 0;
        rc = ext2_iget_live(fs, cur, &in);
        if (rc < 0)
            return rc;
        if (!ext2_is_dir(&in))
            return -E_CORRUPT;
        rc = ext2_dir_find(fs, cur, &in, "..", 2, &up, 0);
        if (rc < 0)
            return rc == -E_NOENT ? -E_CORRUPT : rc;
        if (up == cur)
            return -E_CORRUPT;
        cur = up;
    }
    return -E_CORRUPT;
}

struct rename_plan {
    uint32_t src, dst;
    struct ext2_inode sin, din;  /* the source node, the replaced node (dst != 0) */
    bool src_dir;
};

static int rename_check(struct ext2_fs *fs, uint32_t odir, const char *oname, size_t olen, uint32_t ndir,
                        const char *nname, size_t nlen, struct rename_plan *p)
{
    struct ext2_inode od, nd;
    int rc;

    if (fs->read_only)
        return -E_ROFS;
    if (is_dot_name(oname, olen) || is_dot_name(nname, nlen))
        return ext2_check_name(oname, olen) < 0 ? ext2_check_name(oname, olen) : -E_INVAL;
    rc = old_name(fs, odir, &od, oname, olen, &p->src, &p->sin);
    if (rc < 0)
        return rc;
    rc = ext2_check_name(nname, nlen);
    if (rc < 0)
        return rc;
    rc = open_dir(fs, ndir, &nd);
    if (rc < 0)
        return rc;
    p->src_dir = ext2_is_dir(&p->sin);
    rc = ext2_dir_find(fs, ndir, &nd, nname, nlen, &p->dst, 0);
    if (rc == -E_NOENT)
        p->dst = 0;
    else if (rc < 0)
        return rc;
    if (p->dst == p->src)
        return 1;               /* the same node: nothing to do */
    if (p->dst) {
        rc = ext2_iget_live(fs, p->dst, &p->din);
        if (rc < 0)
            return rc;
        if (p->src_dir && !ext2_is_dir(&p->din))
            return -E_NOTDIR;
        if (!p->src_dir && ext2_is_dir(&p->din))
            return -E_ISDIR;
        if (p->src_dir) {
            rc = ext2_dir_is_empty(fs, p->dst, &p->din);
            if (rc <= 0)
                return rc < 0 ? rc : -E_NOTEMPTY;
        }
    }
    if (p->src_dir && odir != ndir) {
        uint32_t up;

        rc = not_below(fs, p->src, ndir);
        if (rc < 0)
            return rc;
        rc = ext2_dir_find(fs, p->src, &p->sin, "..", 2, &up, 0);   /* to be repointed */
        if (rc < 0)
            return rc == -E_NOENT ? -E_CORRUPT : rc;
        if (!p->dst && nd.i_links_count >= EXT2_LINK_MAX)
            return -E_MLINK;
    }
    return 0;
}

int ext2_rename(ext2_fs_t *fs, uint32_t odir, const char *oname, size_t olen,
                uint32_t ndir, const char *nname, size_t nlen)
{
    struct rename_plan p;
    struct ext2_inode dir_in;
    int rc = rename_check(fs, odir, oname, olen, ndir, nname, nlen, &p);

    if (rc != 0)
        return rc < 0 ? rc : 0;
    /* The new name first: if that fails (a full disk), nothing has changed. */
    rc = ext2_iget(fs, ndir, &dir_in);
    if (rc == 0)
        rc = p.dst ? ext2_dir_set(fs, ndir, &dir_in, nname, nlen, p.src, p.sin.i_mode)
                   : ext2_dir_add(fs, ndir, &dir_in, nname, nlen, p.src, p.sin.i_mode);
    if (rc < 0)
        return rc;
    rc = ext2_iget(fs, odir, &dir_in);
    if (rc == 0)
        rc = ext2_dir_remove(fs, odir, &dir_in, oname, olen);
    if (rc < 0)
        return rc;
    if (p.src_dir && odir != ndir) {
        rc = ext2_dir_set(fs, p.src, &p.sin, "..", 2, ndir, EXT2_S_IFDIR);
        if (rc == 0)
            rc = adjust_links(fs, odir, -1);
        if (rc == 0)
            rc = adjust_links(fs, ndir, +1);
        if (rc < 0)
            return rc;
    }
    rc = ext2_iget(fs, p.src, &p.sin);
    if (rc < 0)
        return rc;
    p.sin.i_ctime = ext2_now(fs);
    rc = ext2_iput(fs, p.src, &p.sin);
    if (rc < 0 || !p.dst)
        return rc;
    if (ext2_is_dir(&p.din)) {
        rc = adjust_links(fs, ndir, -1);
        if (rc < 0)
            return rc;
    }
    return ext2_drop_link(fs, p.dst, &p.din);
}
