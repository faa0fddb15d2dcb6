/* Path resolution (path.h). */
#include "path.h"

#include <agora/errors.h>
#include <agora/proto/vfs.h>

#include "vnode.h"

long path_step(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, struct vfs_node **out)
{
    (void)fs;
    return vn_step(dir, name, len, out);
}

long path_parent(struct ramfs *fs, struct vfs_node *cwd, const char *path, uint64_t len,
                 struct path_last *out)
{
    struct vfs_node *dir = len && path[0] == '/' ? fs->root : cwd;
    uint64_t i = 0, start, end;
    long r;

    while (dir->covered_by)
        dir = dir->covered_by->root;        /* "/" (or a working directory) with a file system on it */
    if (len == 0)
        return -E_NOENT;
    if (len >= VFS_PATH_CAP)
        return -E_NAMETOOLONG;
    out->name = ".";
    out->len = 1;
    out->trailing_slash = path[len - 1] == '/';
    for (;;) {
        while (i < len && path[i] == '/')
            i++;
        if (i == len)
            break;
        start = i;
        while (i < len && path[i] != '/')
            i++;
        end = i;
        if (end - start > VFS_NAME_MAX)
            return -E_NAMETOOLONG;
        while (i < len && path[i] == '/')
            i++;
        if (i == len) {             /* the last component */
            out->name = path + start;
            out->len = end - start;
            break;
        }
        if ((r = path_step(fs, dir, path + start, end - start, &dir)) < 0)
            return r;
    }
    if (!ramfs_is_dir(dir))
        return -E_NOTDIR;
    out->dir = dir;
    return 0;
}

long path_lookup(struct ramfs *fs, struct vfs_node *cwd, const char *path, uint64_t len,
                 struct vfs_node **out)
{
    struct path_last last;
    struct vfs_node *n;
    long r;

    if ((r = path_parent(fs, cwd, path, len, &last)) < 0)
        return r;
    if ((r = path_step(fs, last.dir, last.name, last.len, &n)) < 0)
        return r;
    if (last.trailing_slash && !ramfs_is_dir(n))
        return -E_NOTDIR;
    *out = n;
    return 0;
}
