/* The mount table as getmntent reads it (Linux's <mntent.h>): posix/runtime/mntent.c lists vfs's MOUNTS, whatever file is named. */
#ifndef _AGORA_MNTENT_H
#define _AGORA_MNTENT_H

#include <stdio.h>

#define MOUNTED  "/etc/mtab"
#define _PATH_MOUNTED "/etc/mtab"
#define _PATH_MNTTAB "/etc/fstab"
#define MNTTYPE_IGNORE "ignore"
#define MNTOPT_RO "ro"
#define MNTOPT_RW "rw"

struct mntent {
    char *mnt_fsname;           /* the type again ("ext2", "tmpfs"); "rootfs" for vfs's own tree */
    char *mnt_dir;
    char *mnt_type;
    char *mnt_opts;             /* "rw" or "ro" */
    int mnt_freq;
    int mnt_passno;
};

/* setmntent opens nothing: "/proc/mounts" and "/etc/mtab" (any name but an fstab) list vfs's table. */
FILE *setmntent(const char *__file, const char *__mode);
struct mntent *getmntent(FILE *__stream);
struct mntent *getmntent_r(FILE *__stream, struct mntent *__result, char *__buf, int __buflen);
int addmntent(FILE *__stream, const struct mntent *__mnt);
int endmntent(FILE *__stream);
char *hasmntopt(const struct mntent *__mnt, const char *__opt);

#endif
