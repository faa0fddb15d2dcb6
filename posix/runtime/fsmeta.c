/*
 * File metadata calls busybox's coreutils need, answered from what vfs really keeps
 * (posix/README.md). vfs keeps permission bits (CHMOD, FCHMOD) but no owners other than
 * root, no times set from outside, no symbolic links or device nodes; each call below
 * says what it does about that:
 *
 *   chmod, fchmod   (files.c) vfs's CHMOD and FCHMOD: the bits 07777 (others are ignored,
 *                   as Linux does); stat shows them
 *   access          stat through vfs, then the mode bits of the class the caller is in
 *                   (owner, group, others); the caller is root (uid 0), who, as on Linux,
 *                   may read and write anything and execute what has some execute bit (or
 *                   search any directory)
 *   chown, lchown,  every file is root's: a change to uid 0 / gid 0 (or -1, unchanged) of an
 *   fchown          existing file is the no-op it is; any other ID is EINVAL (as setuid)
 *   readlink        no symbolic links: EINVAL for an existing file, stat's error otherwise
 *   utimes,         ENOSYS: nothing would keep the times, links or device nodes
 *   symlink, mknod
 * and, Agora's own (<sys/agora.h>), agora_mount_at: vfs's mount table, for mount(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/agora.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <libagora/vfs.h>

#include "posix.h"

/* The permission bits (rwx, as 4 2 1) st grants to a caller with uid and gid. */
static int granted(const struct stat *st, uid_t uid, gid_t gid)
{
    int any_x = (st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) ? 1 : 0;

    if (uid == 0)
        return R_OK | W_OK | (any_x || S_ISDIR(st->st_mode) ? X_OK : 0);
    if (st->st_uid == uid)
        return (st->st_mode >> 6) & 7;
    if (st->st_gid == gid)
        return (st->st_mode >> 3) & 7;
    return st->st_mode & 7;
}

int access(const char *path, int mode)
{
    struct stat st;

    if (mode & ~(R_OK | W_OK | X_OK))
        return posix_fail_errno(EINVAL);
    if (stat(path, &st) < 0)
        return -1;
    if ((granted(&st, getuid(), getgid()) & mode) != mode)
        return posix_fail_errno(EACCES);
    return 0;
}

static int root_ids(uid_t uid, gid_t gid)
{
    if ((uid != 0 && uid != (uid_t)-1) || (gid != 0 && gid != (gid_t)-1))
        return posix_fail_errno(EINVAL);
    return 0;
}

int chown(const char *path, uid_t uid, gid_t gid)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return -1;
    return root_ids(uid, gid);
}

int lchown(const char *path, uid_t uid, gid_t gid)
{
    return chown(path, uid, gid);
}

int fchown(int fd, uid_t uid, gid_t gid)
{
    struct stat st;

    if (fstat(fd, &st) < 0)
        return -1;
    return root_ids(uid, gid);
}

ssize_t readlink(const char *restrict path, char *restrict buf, size_t size)
{
    struct stat st;

    (void)buf;
    (void)size;
    if (stat(path, &st) < 0)
        return -1;
    return posix_fail_errno(EINVAL);
}

int utimes(const char *path, const struct timeval *times)
{
    (void)path;
    (void)times;
    return posix_fail_errno(ENOSYS);
}

int symlink(const char *target, const char *path)
{
    (void)target;
    (void)path;
    return posix_fail_errno(ENOSYS);
}

int mknod(const char *path, mode_t mode, dev_t dev)
{
    (void)path;
    (void)mode;
    (void)dev;
    return posix_fail_errno(ENOSYS);
}

/* mount's listing: vfs's MOUNTS (<sys/agora.h>). */
int agora_mount_at(int index, struct agora_mount *out)
{
    struct vfs_mounts_req rq = { .index = (uint64_t)index };
    struct vfs_mounts_rep rp;
    long r;

    _Static_assert(sizeof(out->type) == sizeof(rp.type.bytes), "types are vfs's");
    _Static_assert(sizeof(out->path) == sizeof(rp.path.bytes), "paths are vfs's");
    if (index < 0)
        return posix_fail_errno(EINVAL);
    if (!posix_vfs_endpoint())
        return posix_fail_errno(ENOSYS);
    if ((r = vfs_mounts_call(posix_vfs_endpoint(), &rq, &rp, 0)) < 0)
        return posix_fail(r);
    memcpy(out->type, rp.type.bytes, sizeof(out->type));
    out->type[sizeof(out->type) - 1] = '\0';
    memcpy(out->path, rp.path.bytes, sizeof(out->path));
    out->path[sizeof(out->path) - 1] = '\0';
    out->readonly = (rp.flags & VFS_MOUNT_RDONLY) != 0;
    return 0;
}
