/* statvfs and fstatvfs (POSIX): newlib has no <sys/statvfs.h>; posix/runtime/fsinfo.c answers them from vfs's STATFS. */
#ifndef _AGORA_SYS_STATVFS_H
#define _AGORA_SYS_STATVFS_H

#include <sys/types.h>


struct statvfs {
    unsigned long f_bsize;      /* block size */
    unsigned long f_frsize;     /* fragment size: the block size */
    fsblkcnt_t f_blocks;        /* in f_frsize units */
    fsblkcnt_t f_bfree;
    fsblkcnt_t f_bavail;        /* free to users other than root */
    fsfilcnt_t f_files;
    fsfilcnt_t f_ffree;
    fsfilcnt_t f_favail;
    unsigned long f_fsid;       /* the file system's st_dev */
    unsigned long f_flag;       /* ST_RDONLY */
    unsigned long f_namemax;
};

#define ST_RDONLY 1
#define ST_NOSUID 2

int statvfs(const char *__restrict __path, struct statvfs *__restrict __buf);
int fstatvfs(int __fd, struct statvfs *__buf);

#endif
