/* Directories: opendir/readdir/closedir over vfs's GETDENTS, a buffer of entries per DIR. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libagora/vfs.h>

#include "posix.h"

struct __agora_dir {
    int fd;
    uint64_t pos, end;              /* the unread entries are buf[pos, end) */
    uint64_t buf[VFS_DENTS_BYTES / 8];
    struct dirent ent;              /* what readdir returned last */
};

DIR *fdopendir(int fd)
{
    struct stat st;
    DIR *d;

    if (fstat(fd, &st) < 0)
        return NULL;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return NULL;
    }
    if (!(d = calloc(1, sizeof(*d))))
        return NULL;
    d->fd = fd;
    return d;
}

DIR *opendir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d;

    if (fd < 0)
        return NULL;
    if (!(d = fdopendir(fd))) {
        int err = errno;

        close(fd);
        errno = err;
    }
    return d;
}

/* Refills the buffer: 1 with entries, 0 at the end, -1 on error (errno set). */
static int refill(DIR *d)
{
    struct vfs_getdents_req rq = { .fd = (uint64_t)d->fd };
    struct vfs_getdents_rep rp;
    long r = vfs_getdents_call(posix_vfs_endpoint(), &rq, &rp, 0);

    if (r < 0)
        return (int)posix_fail(r);
    if (rp.bytes > VFS_DENTS_BYTES)
        return (int)posix_fail_errno(EIO);
    memcpy(d->buf, rp.buf, rp.bytes);
    d->pos = 0;
    d->end = rp.bytes;
    return rp.count > 0;
}

struct dirent *readdir(DIR *d)
{
    const struct vfs_dirent *e;
    size_t len;

    if (!posix_vfs_endpoint()) {
        errno = EBADF;
        return NULL;
    }
    if (d->pos >= d->end && refill(d) <= 0)
        return NULL;                /* the end (errno untouched) or an error */
    e = (const struct vfs_dirent *)((const char *)d->buf + d->pos);
    if (e->reclen < VFS_DIRENT_HEADER + 1 || e->reclen > d->end - d->pos) {
        errno = EIO;
        d->pos = d->end;
        return NULL;
    }
    len = strnlen(e->name, e->reclen - VFS_DIRENT_HEADER);
    if (len > MAXNAMLEN)
        len = MAXNAMLEN;
    d->ent.d_ino = (ino_t)e->ino;
    d->ent.d_type = e->type;
    d->ent.d_reclen = sizeof(d->ent);
    memcpy(d->ent.d_name, e->name, len);
    d->ent.d_name[len] = '\0';
    d->pos += e->reclen;
    return &d->ent;
}

void rewinddir(DIR *d)
{
    lseek(d->fd, 0, SEEK_SET);
    d->pos = d->end = 0;
}

int dirfd(DIR *d)
{
    return d->fd;
}

int closedir(DIR *d)
{
    int r;

    if (!d) {
        errno = EBADF;
        return -1;
    }
    r = close(d->fd);
    free(d);
    return r;
}
