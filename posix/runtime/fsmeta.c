/*
 * File metadata calls busybox's coreutils need, answered from what vfs really keeps
 * (posix/README.md):
 *
 *   chmod, fchmod   (files.c) vfs's CHMOD and FCHMOD: the bits 07777 (others are ignored,
 *                   as Linux does); stat shows them
 *   access          stat through vfs, then the mode bits of the class the caller is in
 *                   (owner, group, others); the caller is root (uid 0), who, as on Linux,
 *                   may read and write anything and execute what has some execute bit (or
 *                   search any directory)
 *   chown, lchown,  every file is root's: a change to uid 0 / gid 0 (or -1, unchanged) of an
 *   fchown          existing file is the no-op it is; any other ID is EINVAL (as setuid)
 *   symlink,        vfs's SYMLINK and READLINK (link(2) and lstat are in files.c)
 *   readlink
 *   utime, utimes,  vfs's UTIMES and FUTIMES: whole seconds (the nanoseconds and
 *   lutimes,        microseconds are dropped), UTIME_NOW and UTIME_OMIT as POSIX says
 *   futimes, futimens, utimensat
 *   mknod           ENOSYS: vfs makes no device nodes or FIFOs
 * and, Agora's own (<sys/agora.h>), agora_mount_at: vfs's mount table, for mount(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/agora.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>
#include <utime.h>

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
    struct vfs_readlink_req rq;
    struct vfs_readlink_rep rp;
    int err;
    long r;

    if (!posix_vfs_endpoint())
        return posix_fail_errno(ENOSYS);
    if ((err = posix_put_path(&rq.path, path)))
        return posix_fail_errno(err);
    if (size == 0)
        return posix_fail_errno(EINVAL);
    if (posix_bad_range(buf, size))
        return posix_fail_errno(EFAULT);
    if ((r = vfs_readlink_call(posix_vfs_endpoint(), &rq, &rp, 0)) < 0)
        return posix_fail(r);
    if (rp.target.len < size)
        size = rp.target.len;
    memcpy(buf, rp.target.bytes, size);     /* no NUL, as POSIX says; cut short if buf is */
    return (ssize_t)size;
}

int symlink(const char *target, const char *path)
{
    struct vfs_symlink_req rq;
    struct vfs_symlink_rep rp;
    int err;
    long r;

    if (!posix_vfs_endpoint())
        return posix_fail_errno(ENOSYS);
    if ((err = posix_put_path(&rq.target, target)) || (err = posix_put_path(&rq.path, path)))
        return posix_fail_errno(err);
    r = vfs_symlink_call(posix_vfs_endpoint(), &rq, &rp, 0);
    return r < 0 ? posix_fail(r) : 0;
}

/* A struct timespec time as vfs takes it: seconds, VFS_UTIME_NOW or VFS_UTIME_OMIT; false: EINVAL. */
static bool vfs_time(const struct timespec *ts, uint64_t *out)
{
    if (!ts || ts->tv_nsec == UTIME_NOW) {
        *out = VFS_UTIME_NOW;
        return true;
    }
    if (ts->tv_nsec == UTIME_OMIT) {
        *out = VFS_UTIME_OMIT;
        return true;
    }
    if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L || ts->tv_sec < 0 || ts->tv_sec > (time_t)UINT32_MAX)
        return false;
    *out = (uint64_t)ts->tv_sec;
    return true;
}

/* UTIMES or FUTIMES (path NULL: fd) with times[2] (NULL: both now). */
static int set_times(int fd, const char *path, const struct timespec times[2], uint64_t flags)
{
    uint64_t at, mt;
    int err;
    long r;

    if (!posix_vfs_endpoint())
        return posix_fail_errno(ENOSYS);
    if (!vfs_time(times ? &times[0] : NULL, &at) || !vfs_time(times ? &times[1] : NULL, &mt))
        return posix_fail_errno(EINVAL);
    if (path) {
        struct vfs_utimes_req rq = { .flags = flags, .atime = at, .mtime = mt };
        struct vfs_utimes_rep rp;

        if ((err = posix_put_path(&rq.path, path)))
            return posix_fail_errno(err);
        r = vfs_utimes_call(posix_vfs_endpoint(), &rq, &rp, 0);
    } else {
        struct vfs_futimes_req rq = { .fd = (uint64_t)fd, .atime = at, .mtime = mt };
        struct vfs_futimes_rep rp;

        if (fd < 0)
            return posix_fail_errno(EBADF);
        r = vfs_futimes_call(posix_vfs_endpoint(), &rq, &rp, 0);
    }
    return r < 0 ? posix_fail(r) : 0;
}

/* timeval pairs (utimes, lutimes, futimes) as timespec pairs; NULL stays NULL. */
static const struct timespec *from_timeval(const struct timeval *tv, struct timespec ts[2])
{
    if (!tv)
        return NULL;
    for (int i = 0; i < 2; i++) {
        if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
            return (const struct timespec *)-1;
        ts[i].tv_sec = tv[i].tv_sec;
        ts[i].tv_nsec = tv[i].tv_usec * 1000;
    }
    return ts;
}

static int timeval_times(int fd, const char *path, const struct timeval *tv, uint64_t flags)
{
    struct timespec ts[2];
    const struct timespec *t = from_timeval(tv, ts);

    if (t == (const struct timespec *)-1)
        return posix_fail_errno(EINVAL);
    return set_times(fd, path, t, flags);
}

int utimes(const char *path, const struct timeval *times)
{
    if (!path)
        return posix_fail_errno(EFAULT);
    return timeval_times(-1, path, times, 0);
}

int lutimes(const char *path, const struct timeval *times)
{
    if (!path)
        return posix_fail_errno(EFAULT);
    return timeval_times(-1, path, times, VFS_AT_NOFOLLOW);
}

int futimes(int fd, const struct timeval *times)
{
    return timeval_times(fd, NULL, times, 0);
}

int utime(const char *path, const struct utimbuf *times)
{
    struct timespec ts[2];

    if (!path)
        return posix_fail_errno(EFAULT);
    if (!times)
        return set_times(-1, path, NULL, 0);
    ts[0] = (struct timespec){ .tv_sec = times->actime };
    ts[1] = (struct timespec){ .tv_sec = times->modtime };
    return set_times(-1, path, ts, 0);
}

int futimens(int fd, const struct timespec *times)
{
    return set_times(fd, NULL, times, 0);
}

/* AT_FDCWD only (no descriptor-relative paths yet); AT_SYMLINK_NOFOLLOW for the link itself. */
int utimensat(int dirfd, const char *path, const struct timespec *times, int flags)
{
    if (flags & ~AT_SYMLINK_NOFOLLOW)
        return posix_fail_errno(EINVAL);
    if (!path)
        return posix_fail_errno(EFAULT);
    if (dirfd != AT_FDCWD && path[0] != '/')
        return posix_fail_errno(ENOSYS);
    return set_times(-1, path, times, (flags & AT_SYMLINK_NOFOLLOW) ? VFS_AT_NOFOLLOW : 0);
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
