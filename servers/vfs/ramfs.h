/* The in-memory file system: nodes, directories as name lists, file contents. Pure code (tests/unit/test_vfs.c). */
#ifndef VFS_RAMFS_H
#define VFS_RAMFS_H

#include <stdbool.h>
#include <stdint.h>

struct vfs_node;

/* One name in a directory. Directories list their entries in creation order. */
struct ramfs_entry {
    struct ramfs_entry *next;
    struct vfs_node *node;
    uint64_t len;
    char name[];                    /* len bytes and a NUL */
};

/*
 * A file, directory or device node. A node lives while a directory entry names it (nlink)
 * or something holds it (refs: open file descriptions, working directories); the last of
 * them to go frees it. A removed directory keeps working for its holders as an empty one
 * that accepts no new entries (parent NULL).
 */
struct vfs_node {
    uint64_t ino;
    uint32_t mode;                  /* VFS_S_IF* | permission bits */
    uint32_t nlink;                 /* entries naming it (a directory also counts its "." and subdirectories' "..") */
    uint32_t refs;
    uint64_t rdev;                  /* device nodes: VFS_DEV_* */
    uint64_t atime, mtime, ctime;
    struct vfs_node *parent;        /* directories: the one holding it (root: itself; removed: NULL) */
    /* Regular files: */
    char *data;
    uint64_t size;
    uint64_t cap;                   /* bytes allocated at data; 0 with data set: borrowed (the boot image), copied on the first change */
    /* Directories: */
    struct ramfs_entry *entries;
    uint64_t nentries;
    /* Pipes (pipe.h): the buffer and its ends, heap memory freed with the node. */
    struct vfs_pipe *pipe;
    /* The node layer (vnode.h); ramfs.c leaves these alone. */
    struct vfs_mount *mnt;          /* NULL: this tree's node; else a remote inode (mnt, ino) */
    struct vfs_mount *covered_by;   /* a directory of this tree with a file system mounted on it */
    uint32_t fs_refs;               /* remote: references vfs holds at the server */
    struct vfs_node *next;          /* remote: the mount's list of vnodes */
    uint64_t attr_seq;              /* remote: the request (vn.seq) in which its attributes came */
    uint64_t blocks;                /* remote: 512-byte blocks the server reports */
};

struct ramfs {
    struct vfs_node *root;
    uint64_t next_ino;
    uint64_t nodes;                 /* live nodes: for leak checks */
    uint64_t now;                   /* seconds, for timestamps: the caller keeps it current */
};

/* An empty file system with a root directory of mode 0755: 0 or -E_NOMEM. */
long ramfs_init(struct ramfs *fs);
/* Frees every node (for the tests; the server never stops). */
void ramfs_destroy(struct ramfs *fs);

static inline bool ramfs_is_dir(const struct vfs_node *n)
{
    return (n->mode & 0170000) == 0040000;
}
static inline bool ramfs_is_reg(const struct vfs_node *n)
{
    return (n->mode & 0170000) == 0100000;
}
static inline bool ramfs_is_lnk(const struct vfs_node *n)
{
    return (n->mode & 0170000) == 0120000;
}

/* The node dir names name[0..len) ("." and ".." are the path walker's, not entries), or NULL. */
struct vfs_node *ramfs_lookup(struct vfs_node *dir, const char *name, uint64_t len);
/*
 * A new node of mode (type and permissions) under dir as name[0..len): 0 and *out, or
 * -E_EXIST (also for "." and ".."), -E_NOENT (dir was removed), -E_NOTDIR, -E_NAMETOOLONG
 * (len > VFS_NAME_MAX), -E_INVAL (empty, or a '/' or NUL inside), -E_NOMEM.
 */
long ramfs_create(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, uint32_t mode,
                  uint64_t rdev, struct vfs_node **out);
/*
 * Removes dir's entry name; want_dir says whether it must be a directory (rmdir) or must
 * not (unlink): -E_NOENT, -E_ISDIR, -E_NOTDIR, -E_NOTEMPTY.
 */
long ramfs_remove(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, bool want_dir);

/*
 * Renames odir's entry oname to nname in ndir, in one step: ndir's entry nname, if there
 * is one, then names the node instead (the node it named loses that name, as by
 * ramfs_remove). Checks everything before changing anything: -E_NOENT (no oname, or ndir
 * removed), -E_INVAL (nname empty, "." or "..", or with '/' or NUL; a directory into
 * itself or below), -E_NAMETOOLONG, -E_NOTDIR (odir or ndir not a directory; a directory
 * onto a file), -E_ISDIR (a file onto a directory), -E_NOTEMPTY (onto a directory with
 * entries), -E_NOMEM. Both names one node: 0, nothing changes.
 */
long ramfs_rename(struct ramfs *fs, struct vfs_node *odir, const char *oname, uint64_t olen,
                  struct vfs_node *ndir, const char *nname, uint64_t nlen);

/*
 * A second name name[0..len) in dir for node n (a hard link): -E_PERM (n is a directory),
 * -E_NOENT (n has no name left, or dir was removed), and ramfs_create's name errors.
 */
long ramfs_link(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, struct vfs_node *n);
/*
 * A symbolic link name[0..len) in dir holding target[0..tlen) (its contents, as a file's):
 * ramfs_create's errors, -E_INVAL (empty target), -E_NAMETOOLONG (tlen >= VFS_PATH_CAP).
 */
long ramfs_symlink(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, const char *target,
                   uint64_t tlen, struct vfs_node **out);

/* A node in no directory (a pipe's), freed when its last reference goes: NULL if out of memory. */
struct vfs_node *ramfs_anon(struct ramfs *fs, uint32_t mode);

void ramfs_ref(struct vfs_node *n);
/* Drops a reference; frees the node if nothing names or holds it any more. */
void ramfs_unref(struct ramfs *fs, struct vfs_node *n);

/* Reads up to max bytes at off into buf: the count (0 at or past the end). */
uint64_t ramfs_read(struct vfs_node *n, uint64_t off, void *buf, uint64_t max);
/* Writes count bytes at off (a gap reads as zeros): count, or -E_FBIG, -E_NOMEM. */
long ramfs_write(struct ramfs *fs, struct vfs_node *n, uint64_t off, const void *buf, uint64_t count);
/* Sets the size (cut or zero-filled): 0, -E_FBIG, -E_NOMEM. */
long ramfs_truncate(struct ramfs *fs, struct vfs_node *n, uint64_t size);
/* Makes n's contents the size bytes at data, borrowed and never written (the boot image). */
void ramfs_borrow(struct vfs_node *n, const void *data, uint64_t size);

/*
 * Directory entry number index as GETDENTS counts them: 0 ".", 1 "..", then the entries in
 * order. false past the end.
 */
bool ramfs_dirent(struct vfs_node *dir, uint64_t index, const char **name, uint64_t *len,
                  struct vfs_node **node);

/*
 * The absolute path of directory dir into buf[cap] (NUL-terminated): its length, -E_RANGE
 * if it does not fit, -E_NOENT if dir or one above it was removed.
 */
long ramfs_path(struct ramfs *fs, struct vfs_node *dir, char *buf, uint64_t cap);

#endif
