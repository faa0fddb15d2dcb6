/* Path resolution (path.h). */
#include "path.h"

#include <agora/errors.h>
#include <agora/proto/vfs.h>
#include <libagora/string.h>

#include "vnode.h"

long path_step(struct ramfs *fs, struct vfs_node *dir, const char *name, uint64_t len, struct vfs_node **out)
{
    (void)fs;
    return vn_step(dir, name, len, out);
}

/* The next component of path[*i..len): its start and length; *i moves past it and its slashes. */
static bool next_name(const char *path, uint64_t len, uint64_t *i, uint64_t *start, uint64_t *end)
{
    while (*i < len && path[*i] == '/')
        (*i)++;
    if (*i == len)
        return false;
    *start = *i;
    while (*i < len && path[*i] != '/')
        (*i)++;
    *end = *i;
    while (*i < len && path[*i] == '/')
        (*i)++;
    return true;
}

/*
 * Where a walk of path starts: the root for an absolute path, else dir; a directory with a
 * file system mounted on it ("/", or a working directory) is that file system's root.
 */
static struct vfs_node *start_dir(struct ramfs *fs, struct vfs_node *dir, const char *path, uint64_t len)
{
    if (len && path[0] == '/')
        dir = fs->root;
    while (dir->covered_by)
        dir = dir->covered_by->root;
    return dir;
}

/*
 * The walk itself: from dir (the root for an absolute path) up to the last component of
 * path[0..len), which may be out->work. A symbolic link on the way is replaced by its
 * target followed by the rest of the path (path_link_splice), and the walk goes on from
 * the link's directory or the root.
 */
static long walk(struct ramfs *fs, struct vfs_node *dir, const char *path, uint64_t len, struct path_last *out)
{
    uint64_t i = 0, start, end;
    struct vfs_node *n;
    long r;

    dir = start_dir(fs, dir, path, len);
    out->name = ".";
    out->len = 1;
    out->trailing_slash = len && path[len - 1] == '/';
    while (next_name(path, len, &i, &start, &end)) {
        if (end - start > VFS_NAME_MAX)
            return -E_NAMETOOLONG;
        if (i == len) {             /* the last component */
            out->name = path + start;
            out->len = end - start;
            break;
        }
        if ((r = path_step(fs, dir, path + start, end - start, &n)) < 0)
            return r;
        if (ramfs_is_lnk(n)) {
            if ((r = path_link_splice(out, n, path + i, len - i)) < 0)
                return r;
            path = out->work;
            len = (uint64_t)r;
            i = 0;
            dir = start_dir(fs, dir, path, len);
            continue;
        }
        dir = n;
    }
    if (!ramfs_is_dir(dir))
        return -E_NOTDIR;
    out->dir = dir;
    return 0;
}

long path_parent(struct ramfs *fs, struct vfs_node *cwd, const char *path, uint64_t len,
                 struct path_last *out)
{
    if (len == 0)
        return -E_NOENT;
    if (len >= VFS_PATH_CAP)
        return -E_NAMETOOLONG;
    out->links = 0;
    return walk(fs, cwd, path, len, out);
}

long path_link_splice(struct path_last *out, struct vfs_node *link, const char *rest, uint64_t rlen)
{
    char target[VFS_PATH_CAP];
    long tlen;

    if (++out->links > VFS_LINKS_MAX)
        return -E_LOOP;
    if ((tlen = vn_readlink(link, target, sizeof(target))) < 0)
        return tlen;
    if (tlen == 0)
        return -E_NOENT;
    if ((uint64_t)tlen + 1 + rlen >= sizeof(out->work))
        return -E_NAMETOOLONG;
    /* rest may lie in out->work: moved into place first, then the target in front. */
    memmove(out->work + tlen + 1, rest, rlen);
    memcpy(out->work, target, (uint64_t)tlen);
    out->work[tlen] = '/';
    out->work[tlen + 1 + rlen] = '\0';
    return (long)(tlen + 1 + rlen);
}

long path_follow(struct ramfs *fs, struct path_last *last, struct vfs_node *link)
{
    bool slash = last->trailing_slash;
    long r;

    /* The target, then "/" only if the path had a trailing one (it then must be a directory). */
    if ((r = path_link_splice(last, link, "", 0)) < 0)
        return r;
    if (!slash)
        last->work[--r] = '\0';
    return walk(fs, last->dir, last->work, (uint64_t)r, last);
}

long path_lookup_last(struct ramfs *fs, struct vfs_node *cwd, const char *path, uint64_t len, bool follow,
                      struct vfs_node **out)
{
    struct path_last last;
    struct vfs_node *n;
    long r;

    if ((r = path_parent(fs, cwd, path, len, &last)) < 0)
        return r;
    for (;;) {
        if ((r = path_step(fs, last.dir, last.name, last.len, &n)) < 0)
            return r;
        if (!ramfs_is_lnk(n) || (!follow && !last.trailing_slash))
            break;
        if ((r = path_follow(fs, &last, n)) < 0)
            return r;
    }
    if (last.trailing_slash && !ramfs_is_dir(n))
        return -E_NOTDIR;
    *out = n;
    return 0;
}

long path_lookup(struct ramfs *fs, struct vfs_node *cwd, const char *path, uint64_t len,
                 struct vfs_node **out)
{
    return path_lookup_last(fs, cwd, path, len, true, out);
}
