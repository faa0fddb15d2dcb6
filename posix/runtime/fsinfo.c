/*
 * File-system figures and syncing through vfs: statfs, fstatfs (Linux's <sys/vfs.h>),
 * statvfs, fstatvfs (POSIX) from STATFS and FSTATFS; fsync and fdatasync from FSYNC (the
 * file's data and its inode reach the disk: both are the server's FS_FSYNC).
 */
#include <errno.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libagora/vfs.h>

#include "posix.h"

/* vfs's figures for path, or for fd when path is NULL: 0 or -1 with errno. */
static int figures(int fd, const char *path, struct vfs_statfs *st, unsigned long *dev)
{
    struct stat sb;
    int err;
    long r;

    if (!posix_vfs_endpoint())
        return posix_fail_errno(ENOSYS);
    if (path) {
        struct vfs_statfs_req rq;
        struct vfs_statfs_rep rp;

        if ((err = posix_put_path(&rq.path, path)))
            return posix_fail_errno(err);
        if ((r = vfs_statfs_call(posix_vfs_endpoint(), &rq, &rp, 0)) < 0)
            return posix_fail(r);
        *st = rp.st;
        *dev = stat(path, &sb) == 0 ? (unsigned long)sb.st_dev : 0;
    } else {
        struct vfs_fstatfs_req rq = { .fd = (uint64_t)fd };
        struct vfs_fstatfs_rep rp;

        if (fd < 0)
            return posix_fail_errno(EBADF);
        if ((r = vfs_fstatfs_call(posix_vfs_endpoint(), &rq, &rp, 0)) < 0)
            return posix_fail(r);
        *st = rp.st;
        *dev = fstat(fd, &sb) == 0 ? (unsigned long)sb.st_dev : 0;
    }
    return 0;
}

static int to_statvfs(int fd, const char *path, struct statvfs *out)
{
    struct vfs_statfs st;
    unsigned long dev;

    if (!out)
        return posix_fail_errno(EFAULT);
    if (figures(fd, path, &st, &dev) < 0)
        return -1;
    memset(out, 0, sizeof(*out));
    out->f_bsize = out->f_frsize = st.bsize;
    out->f_blocks = st.blocks;
    out->f_bfree = st.bfree;
    out->f_bavail = st.bavail;
    out->f_files = st.files;
    out->f_ffree = out->f_favail = st.ffree;
    out->f_fsid = dev;
    out->f_flag = (st.flags & VFS_MOUNT_RDONLY) ? ST_RDONLY : 0;
    out->f_namemax = st.name_max;
    return 0;
}

static int to_statfs(int fd, const char *path, struct statfs *out)
{
    struct vfs_statfs st;
    unsigned long dev;

    if (!out)
        return posix_fail_errno(EFAULT);
    if (figures(fd, path, &st, &dev) < 0)
        return -1;
    memset(out, 0, sizeof(*out));
    out->f_bsize = out->f_frsize = (long)st.bsize;
    out->f_blocks = st.blocks;
    out->f_bfree = st.bfree;
    out->f_bavail = st.bavail;
    out->f_files = st.files;
    out->f_ffree = st.ffree;
    out->f_fsid.__val[0] = (int)dev;
    out->f_namelen = (long)st.name_max;
    out->f_flags = (st.flags & VFS_MOUNT_RDONLY) ? ST_RDONLY : 0;
    return 0;
}

int statvfs(const char *restrict path, struct statvfs *restrict buf)
{
    if (!path)
        return posix_fail_errno(EFAULT);
    return to_statvfs(-1, path, buf);
}

int fstatvfs(int fd, struct statvfs *buf)
{
    return to_statvfs(fd, NULL, buf);
}

int statfs(const char *path, struct statfs *buf)
{
    if (!path)
        return posix_fail_errno(EFAULT);
    return to_statfs(-1, path, buf);
}

int fstatfs(int fd, struct statfs *buf)
{
    return to_statfs(fd, NULL, buf);
}

int fsync(int fd)
{
    struct vfs_fsync_req rq = { .fd = (uint64_t)fd };
    struct vfs_fsync_rep rp;
    long r;

    if (!posix_vfs_endpoint())
        return posix_fail_errno(ENOSYS);
    if (fd < 0)
        return posix_fail_errno(EBADF);
    r = vfs_fsync_call(posix_vfs_endpoint(), &rq, &rp, 0);
    return r < 0 ? posix_fail(r) : 0;
}

int fdatasync(int fd)
{
    return fsync(fd);
}
