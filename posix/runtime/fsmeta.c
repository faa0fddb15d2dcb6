/*
 * File metadata calls busybox's coreutils need, answered from what vfs really keeps
 * (posix/README.md). vfs has no call that stores modes, owners or times, and no symbolic
 * links or device nodes; each call below says what it does about that:
 *
 *   access          stat through vfs; the only user is root, so R_OK and W_OK are granted
 *                   on any existing file, X_OK when some execute bit is set or on a directory
 *   chown, lchown,  every file is root's: a change to uid 0 / gid 0 (or -1, unchanged) of an
 *   fchown          existing file is the no-op it is; any other ID is EINVAL (as setuid)
 *   readlink        no symbolic links: EINVAL for an existing file, stat's error otherwise
 *   chmod, fchmod,  ENOSYS: nothing would keep the mode or the times
 *   utimes, symlink, mknod
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include "posix.h"

int access(const char *path, int mode)
{
    struct stat st;

    if (mode & ~(R_OK | W_OK | X_OK))
        return posix_fail_errno(EINVAL);
    if (stat(path, &st) < 0)
        return -1;
    if ((mode & X_OK) && !S_ISDIR(st.st_mode) && !(st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
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

int chmod(const char *path, mode_t mode)
{
    (void)path;
    (void)mode;
    return posix_fail_errno(ENOSYS);
}

int fchmod(int fd, mode_t mode)
{
    (void)fd;
    (void)mode;
    return posix_fail_errno(ENOSYS);
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
