/* Path resolution over vfs's tree and mounted file systems (vnode.h): ".", "..", mount points, repeated and trailing slashes. Pure code (tests/unit/test_vfs.c). */
#ifndef VFS_PATH_H
#define VFS_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "ramfs.h"

/* The last component of a path and the directory it is to be looked up in. */
struct path_last {
    struct vfs_node *dir;
    const char *name;               /* points into the path; "." when the path has no component ("/") */
    uint64_t len;
    bool trailing_slash;            /* the path ended in '/': the result must be a directory */
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
/* The node path names (path_parent, then the last step, then the trailing-slash check). */
long path_lookup(struct ramfs *fs, struct vfs_node *cwd, const char *path, uint64_t len,
                 struct vfs_node **out);

#endif
