/* The node layer: vfs's own nodes (ramfs) and remote inodes of mounted file systems behind one interface; the mount table. Pure code (tests/unit/test_mount.c). */
#ifndef VFS_VNODE_H
#define VFS_VNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <agora/proto/fs.h>
#include <agora/proto/vfs.h>

#include "ramfs.h"

/*
 * A vnode is a struct vfs_node. mnt NULL: a node of vfs's own tree (ramfs, /dev, pipes),
 * handled by ramfs.c. mnt set: a remote inode (mnt, ino) of a mounted file system; its
 * mode, nlink, size and times are the attributes the server last sent, and fs_refs the
 * references vfs holds at the server (proto/fs.h: each reply naming it gave one). refs
 * counts vfs's holders (open file descriptions, working directories, the mount's root)
 * for both kinds. A remote vnode nobody holds is kept only until the end of the request
 * (vn_gc: it is CLOSEd then), so a path walk needs no references of its own.
 */
struct vfs_mount {
    bool used;
    bool dead;                      /* the server died: every request answers -E_DEAD */
    bool bind;                      /* no server: a directory of vfs's tree (root) shown at covered (vn_bind) */
    uint64_t flags;                 /* VFS_MOUNT_* */
    uint64_t ep;                    /* capability slot: the server's endpoint, badged FS_BADGE_VFS */
    char type[VFS_FSTYPE_CAP];
    struct vfs_node *covered;       /* the directory it hides (a reference), of either kind */
    struct vfs_node *root;          /* the file system's root vnode (a reference); a bind: vfs's own directory */
    struct vfs_node *vnodes;        /* every remote vnode of this mount (vnode.next) */
    uint64_t nvnodes;
    uint64_t name_max, io_max;      /* from FS_MOUNT */
};

/* How a request reaches a server: proto_call in vfs, the handlers directly in the unit tests. */
typedef long (*vn_call_fn)(uint64_t ep, uint32_t label, const void *req, size_t req_bytes, void *rep,
                           size_t rep_bytes);

struct vn_state {
    struct ramfs *fs;               /* vfs's own tree */
    vn_call_fn call;
    struct vfs_mount mounts[VFS_MOUNT_MAX];
    unsigned nmounts;
    bool gc_pending;                /* a remote vnode may have no holder: vn_gc has work */
    uint64_t seq;                   /* requests served (vn_gc counts them) */
};

extern struct vn_state vn;

void vn_init(struct ramfs *fs, vn_call_fn call);

static inline bool vn_remote(const struct vfs_node *n)
{
    return n->mnt != 0;
}

/* References held by vfs (descriptions, working directories): both kinds. */
void vn_ref(struct vfs_node *n);
void vn_unref(struct vfs_node *n);
/* CLOSEs and frees every remote vnode nobody holds (after each request, which it counts). */
void vn_gc(void);
/*
 * Whether n's attributes came in this request (a LOOKUP's reply): vfs is its server's only
 * client, so they are current and a stat needs no GETATTR.
 */
static inline bool vn_attr_fresh(const struct vfs_node *n)
{
    return n->attr_seq == vn.seq;
}

/*
 * MOUNT: covers directory dir of vfs's tree (the caller resolved it) with the server at
 * endpoint slot ep, after the server answered FS_MOUNT. On success the mount owns the
 * slot (vn_unmount gives it back); on an error the caller still does (and deletes it).
 * Errors as VFS_MOUNT (vfs.h); -E_INVAL also for a server whose FS_MOUNT reply makes no
 * sense (the server then thinks itself mounted: it is not trusted further).
 */
long vn_mount(struct vfs_node *dir, uint64_t ep, const char *type, uint64_t flags);
/*
 * Moves mount m onto directory dir (either kind), as switch_root moves /dev and /run into
 * the new root: after a mount on "/", vfs moves the mounts of its own tree (tmpfs on /tmp)
 * to the same paths there. -E_INVAL (a bind, unused, or dir inside m), -E_NOTDIR, -E_BUSY
 * (dir covered or a mount's root).
 */
long vn_move(struct vfs_mount *m, struct vfs_node *dir);
/*
 * A bind: remote directory dir shows directory local of vfs's tree instead (the disk root's
 * /dev shows vfs's /dev: devices live in vfs). No server; ".." of local is its own parent
 * in vfs's tree, which is right for /dev under a mount on "/". vn_unmount of local undoes
 * it (-E_BUSY while anyone else holds local).
 * -E_INVAL (kinds), -E_NOTDIR, -E_BUSY (dir covered already), -E_NOMEM (table full).
 */
long vn_bind(struct vfs_node *dir, struct vfs_node *local, const char *type);
/* UNMOUNT of the mount whose root is root: -E_INVAL, -E_BUSY; the endpoint slot in *ep for the caller to delete. */
long vn_unmount(struct vfs_node *root, uint64_t *ep);
/* FS_SYNC to every mount's server in turn: the first error, else 0 (VFS_SYNC, sync(2)). */
long vn_sync(void);
/*
 * The machine stops (VFS_SYNC_UNMOUNT): FS_UNMOUNT to every server, held references or not
 * (the server syncs, marks its file system clean and lets go); the mounts stay in the table,
 * dead. The first error, else 0.
 */
long vn_shutdown(void);
/* The mount at position index (in table order) or NULL. */
struct vfs_mount *vn_mount_at(uint64_t index);

/*
 * One step of a path walk from directory dir: ".", "..", or a name, crossing mount points
 * (a covered directory is its mount's root; ".." of a mount's root is the covered
 * directory's ".."). -E_NOTDIR, -E_NOENT, -E_NAMETOOLONG (a name over the server's
 * name_max), -E_DEAD, the server's errors.
 */
long vn_step(struct vfs_node *dir, const char *name, uint64_t len, struct vfs_node **out);

/* Operations on remote vnodes (vn_remote(n) is true; the parents named here too). */
long vn_create(struct vfs_node *dir, const char *name, uint64_t len, uint32_t mode, bool dir_wanted,
               struct vfs_node **out);
long vn_remove(struct vfs_node *dir, const char *name, uint64_t len, bool dir_wanted);
long vn_rename(struct vfs_node *odir, const char *oname, uint64_t olen, struct vfs_node *ndir,
               const char *nname, uint64_t nlen);
long vn_getattr(struct vfs_node *n);
long vn_setattr(struct vfs_node *n, uint64_t which, uint64_t mode, uint64_t size);
long vn_read(struct vfs_node *n, uint64_t off, void *buf, uint64_t max);
/* Writes at off (FS_APPEND: at the end); the count, and *at the offset written at. */
long vn_write(struct vfs_node *n, uint64_t off, const void *buf, uint64_t count, uint64_t *at);
/*
 * GETDENTS from *cookie into buf (cap bytes, at least FS_DENTS_BYTES): the bytes filled,
 * *count entries, *cookie advanced. 0 bytes at the end.
 */
long vn_getdents(struct vfs_node *dir, uint64_t *cookie, void *buf, uint64_t cap, uint64_t *count);
/* The absolute path of directory dir (either kind), as ramfs_path. */
long vn_path(struct vfs_node *dir, char *buf, uint64_t cap);
/* The mount a vnode belongs to (NULL: vfs's tree); mount roots count as their mount's. */
static inline struct vfs_mount *vn_mount_of(const struct vfs_node *n)
{
    return n->mnt;
}
/* Whether n is the root of a mounted file system. */
static inline bool vn_is_mount_root(const struct vfs_node *n)
{
    return n->mnt && n->mnt->root == n;
}

#endif
