/* Linux's statfs and fstatfs (<sys/vfs.h> is the same): posix/runtime/fsinfo.c answers them from vfs's STATFS. */
#ifndef _AGORA_SYS_STATFS_H
#define _AGORA_SYS_STATFS_H

#include <sys/types.h>

typedef struct {
    int __val[2];
} fsid_t;

struct statfs {
    long f_type;                /* 0: vfs names no file-system type by number */
    long f_bsize;
    unsigned long f_blocks;
    unsigned long f_bfree;
    unsigned long f_bavail;
    unsigned long f_files;
    unsigned long f_ffree;
    fsid_t f_fsid;              /* __val[0]: the file system's st_dev */
    long f_namelen;
    long f_frsize;
    long f_flags;               /* ST_RDONLY (1) */
    long f_spare[4];
};

int statfs(const char *__path, struct statfs *__buf);
int fstatfs(int __fd, struct statfs *__buf);

#endif
