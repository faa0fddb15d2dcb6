/*
 * getmntent and friends (<mntent.h>) over vfs's mount table (MOUNTS, agora_mount_at): df,
 * find_mount_point and mount read "/proc/mounts" or "/etc/mtab" that way; there is no such
 * file. The first entry is vfs's own tree at "/" ("rootfs"), unless a file system is
 * mounted on "/", then every mount in vfs's order. setmntent opens /dev/null for a FILE to
 * hand out and keeps the position beside it; an fstab (any name ending in "fstab") is
 * empty, and addmntent fails (EROFS): the table is vfs's.
 */
#include <errno.h>
#include <stdbool.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <sys/agora.h>

#include "posix.h"

#define MNT_CURSORS 4

static struct mnt_cursor {
    FILE *fp;
    int next;                       /* the next entry: -1 the root, then vfs's index */
    bool empty;                     /* an fstab: nothing */
    struct agora_mount m;
    struct mntent ent;
    char opts[3];
} cursors[MNT_CURSORS];

static struct mnt_cursor *cursor_of(FILE *fp)
{
    for (int i = 0; i < MNT_CURSORS; i++)
        if (fp && cursors[i].fp == fp)
            return &cursors[i];
    return NULL;
}

/* Whether vfs has a file system mounted on "/" itself. */
static bool root_mounted(void)
{
    struct agora_mount m;

    for (int i = 0; agora_mount_at(i, &m) == 0; i++)
        if (strcmp(m.path, "/") == 0)
            return true;
    return false;
}

FILE *setmntent(const char *file, const char *mode)
{
    struct mnt_cursor *c = NULL;
    size_t len = file ? strlen(file) : 0;

    (void)mode;
    for (int i = 0; i < MNT_CURSORS && !c; i++)
        if (!cursors[i].fp)
            c = &cursors[i];
    if (!c) {
        errno = EMFILE;
        return NULL;
    }
    memset(c, 0, sizeof(*c));
    if (!(c->fp = fopen("/dev/null", "r")))
        return NULL;
    c->empty = len >= 5 && strcmp(file + len - 5, "fstab") == 0;
    c->next = root_mounted() ? 0 : -1;
    return c->fp;
}

struct mntent *getmntent(FILE *fp)
{
    struct mnt_cursor *c = cursor_of(fp);

    if (!c || c->empty)
        return NULL;
    if (c->next < 0) {
        strcpy(c->m.type, "rootfs");
        strcpy(c->m.path, "/");
        c->m.readonly = 0;
    } else if (agora_mount_at(c->next, &c->m) < 0) {
        return NULL;
    }
    c->next++;
    strcpy(c->opts, c->m.readonly ? "ro" : "rw");
    c->ent = (struct mntent){ .mnt_fsname = c->m.type, .mnt_dir = c->m.path, .mnt_type = c->m.type,
                              .mnt_opts = c->opts };
    return &c->ent;
}

struct mntent *getmntent_r(FILE *fp, struct mntent *result, char *buf, int buflen)
{
    struct mntent *e = getmntent(fp);
    size_t t, p;

    if (!e || !result || !buf)
        return NULL;
    t = strlen(e->mnt_type) + 1;
    p = strlen(e->mnt_dir) + 1;
    if (buflen < 0 || (size_t)buflen < t + p + 3)
        return NULL;
    memcpy(buf, e->mnt_type, t);
    memcpy(buf + t, e->mnt_dir, p);
    memcpy(buf + t + p, e->mnt_opts, 3);
    *result = (struct mntent){ .mnt_fsname = buf, .mnt_dir = buf + t, .mnt_type = buf, .mnt_opts = buf + t + p };
    return result;
}

int addmntent(FILE *fp, const struct mntent *mnt)
{
    (void)fp;
    (void)mnt;
    errno = EROFS;
    return 1;
}

int endmntent(FILE *fp)
{
    struct mnt_cursor *c = cursor_of(fp);

    if (c) {
        fclose(c->fp);
        c->fp = NULL;
    }
    return 1;
}

char *hasmntopt(const struct mntent *mnt, const char *opt)
{
    return mnt && opt ? strstr(mnt->mnt_opts, opt) : NULL;
}
