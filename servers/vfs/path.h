/* Path resolution over vfs's tree and mounted file systems (vnode.h): ".", "..", mount points, symbolic links, repeated and trailing slashes. Pure code (tests/unit/test_vfs.c, test_symlink.c). */
#ifndef VFS_PATH_H
#define VFS_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/vfs.h>

#include "ramfs.h"

/* The last component of a path and the directory it is to be looked up in. */
struct path_last {
    struct vfs_node *dir;
    const char *name;               /* points into the path; "." when the path has no component ("/") */
    uint64_t len;
    bool trailing_slash;            /* the path ended in '/': the result must be a directory */
    unsigned links;                 /* symbolic links followed so far (at most VFS_LINKS_MAX) */
    char work[VFS_PATH_WORK];       /* the path once a link's target replaced a part of it */
};

/*
 * Walks path[0..len) (absolute from fs->root, relative from cwd) up to its last component:
 * 0, or -E_NOENT (empty path, or a missing component), -E_NOTDIR (a component that is not a
 * directory), -E_NAMETOOLONG (path of VFS_PATH_CAP bytes or more, or a name over
 * VFS_NAME_MAX). ".." of the root is the root; of a removed directory, -E_NOENT.
 */
long path_parent(struct ramfs *fs, struct vfs_node *cwd, const char *path, uint64_t len,
                 struct path_last *out);
/* One step from directory dir: ".", "..", or a name. -E_NOTDIR, -E_NOENT. */
long path_step(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, struct vfs_node **out);
/* The node path names (path_parent, then the last step, then the trailing-slash check); a last link is followed. */
long path_lookup(struct ramfs *fs, struct vfs_node *cwd, const char *path, uint64_t len,
                 struct vfs_node **out);
/* path_lookup, with the last link followed only when follow is true (or the path ends in '/'). */
long path_lookup_last(struct ramfs *fs, struct vfs_node *cwd, const char *path, uint64_t len, bool follow,
                      struct vfs_node **out);
/*
 * last named the symbolic link link: last becomes what its target names (a relative target
 * from last->dir, an absolute one from the root; a trailing '/' kept). The caller steps to
 * last->name again (and may find another link). -E_LOOP past VFS_LINKS_MAX links in all,
 * -E_NAMETOOLONG, and path_parent's errors.
 */
long path_follow(struct ramfs *fs, struct path_last *last, struct vfs_node *link);
/*
 * out->work becomes link's target, '/', then rest[0..rlen) (which may lie in out->work):
 * its length, or -E_LOOP (one link too many), -E_NAMETOOLONG, the readlink's error.
 */
long path_link_splice(struct path_last *out, struct vfs_node *link, const char *rest, uint64_t rlen);

#endif
