/* The ext2 library's API: a file system on a block device, named by inode numbers. */
#ifndef AGORA_EXT2_EXT2FS_H
#define AGORA_EXT2_EXT2FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ext2.h"               /* EXT2_ROOT_INO, EXT2_S_* modes, EXT2_FT_* types */

/*
 * Every function returns 0 (or a count) on success and a negated Agora error
 * (include/agora/errors.h) on failure: -E_NOENT, -E_EXIST, -E_NOTDIR, -E_ISDIR,
 * -E_NOTEMPTY, -E_NAMETOOLONG, -E_INVAL, -E_FBIG, -E_NOMEM (the cache is full of pinned
 * blocks, or env->alloc failed), -E_NOSPC, -E_IO (the device failed), -E_CORRUPT (an
 * on-disk number is out of bounds), -E_ROFS, -E_LOOP, -E_MLINK, -E_NOSYS (mount: an
 * unsupported feature).
 */

/*
 * The block device. Blocks are the file system's blocks (1, 2 or 4 KiB; block_size is
 * passed on every call, 1024 while the superblock is read); block_no * block_size + block_size
 * never exceeds size. Each returns 0 or a negated error (-E_IO).
 */
struct ext2_dev {
    void *ctx;
    uint64_t size;                                   /* bytes */
    int (*read_block)(void *ctx, uint64_t block_no, uint32_t block_size, void *buf);
    int (*write_block)(void *ctx, uint64_t block_no, uint32_t block_size, const void *buf);
    int (*flush)(void *ctx);                         /* may be 0 */
    /* Optional (0: block by block): count consecutive blocks at once (read-ahead, write clustering). */
    int (*read_blocks)(void *ctx, uint64_t first, uint32_t count, uint32_t block_size, void *buf);
    int (*write_blocks)(void *ctx, uint64_t first, uint32_t count, uint32_t block_size, const void *buf);
};

/* What the library needs from its host. */
struct ext2_env {
    void *ctx;
    void *(*alloc)(size_t size);                     /* memory for the fs and its cache */
    void (*free)(void *p);
    uint32_t (*now)(void *ctx);                      /* seconds since 1970; may be 0 (then 0) */
    /*
     * Optional: true while the server still has ino open. unlink, rmdir and rename over a
     * name then drop the last link but keep the inode and its blocks; the server calls
     * ext2_release() at the last close, which frees them.
     */
    bool (*in_use)(void *ctx, uint32_t ino);
};

struct ext2_mount_opts {
    bool read_only;
    uint32_t cache_blocks;                           /* 0: EXT2_CACHE_DEFAULT; clamped to MIN..MAX */
};
#define EXT2_CACHE_DEFAULT 256u
#define EXT2_CACHE_MIN 16u
#define EXT2_CACHE_MAX (1u << 20)

typedef struct ext2_fs ext2_fs_t;

struct ext2_stat {
    uint32_t ino;
    uint32_t mode;                                   /* type and permission bits (EXT2_S_*) */
    uint32_t uid, gid;
    uint32_t links;
    uint64_t size;
    uint64_t blocks;                                 /* 512-byte units */
    uint32_t atime, mtime, ctime;
    uint32_t block_size;
    uint32_t major, minor;                           /* character and block devices */
};

struct ext2_statfs {
    uint32_t block_size;
    uint64_t blocks, free_blocks, avail_blocks;      /* avail: free minus root's reserve */
    uint64_t inodes, free_inodes;
    uint32_t name_max;
};

struct ext2_dirent_info {
    uint32_t ino;
    uint8_t type;                                    /* EXT2_FT_*; 0 when the fs has no filetype */
    uint8_t name_len;
    char name[256];                                  /* NUL-terminated too */
};

/* Mount and unmount. *why says in words what was wrong when mount fails (may be 0). */
int ext2_mount(const struct ext2_dev *dev, const struct ext2_env *env,
               const struct ext2_mount_opts *opts, ext2_fs_t **out, const char **why);
int ext2_unmount(ext2_fs_t *fs);                     /* syncs, marks clean, frees; fs is gone even on error */
bool ext2_is_read_only(const ext2_fs_t *fs);
uint32_t ext2_block_size(const ext2_fs_t *fs);
int ext2_sync(ext2_fs_t *fs);                        /* every dirty block, then flush */
int ext2_fsync(ext2_fs_t *fs, uint32_t ino);         /* ino's blocks and all metadata, then flush */
int ext2_statfs(ext2_fs_t *fs, struct ext2_statfs *out);

/* Names are (name, len) without a NUL; "." and ".." are looked up as entries. */
int ext2_lookup(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len, uint32_t *ino);
/* A path from dir (absolute paths start at the root); symlinks followed, the last one only with follow. */
int ext2_lookup_path(ext2_fs_t *fs, uint32_t dir, const char *path, bool follow, uint32_t *ino);

int ext2_stat(ext2_fs_t *fs, uint32_t ino, struct ext2_stat *out);
long ext2_read(ext2_fs_t *fs, uint32_t ino, uint64_t off, void *buf, size_t count);
/* A short count when the disk fills part-way; -E_NOSPC when nothing could be written. */
long ext2_write(ext2_fs_t *fs, uint32_t ino, uint64_t off, const void *buf, size_t count);
int ext2_truncate(ext2_fs_t *fs, uint32_t ino, uint64_t size);

/* mode: permission bits only (type added here). */
int ext2_create(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len, uint32_t mode,
                uint32_t uid, uint32_t gid, uint32_t *ino);
int ext2_mkdir(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len, uint32_t mode,
               uint32_t uid, uint32_t gid, uint32_t *ino);
int ext2_symlink(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len, const char *target,
                 size_t target_len, uint32_t uid, uint32_t gid, uint32_t *ino);
/* A device (EXT2_S_IFCHR/IFBLK with major < 4096, minor < 2^20), fifo or socket: mode has the type. */
int ext2_mknod(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len, uint32_t mode, uint32_t major,
               uint32_t minor, uint32_t uid, uint32_t gid, uint32_t *ino);
int ext2_device_of(ext2_fs_t *fs, uint32_t ino, uint32_t *major, uint32_t *minor);
int ext2_link(ext2_fs_t *fs, uint32_t ino, uint32_t dir, const char *name, size_t len);
int ext2_unlink(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len);
int ext2_rmdir(ext2_fs_t *fs, uint32_t dir, const char *name, size_t len);
int ext2_rename(ext2_fs_t *fs, uint32_t odir, const char *oname, size_t olen,
                uint32_t ndir, const char *nname, size_t nlen);
/* At the server's last close of ino: frees it if no link is left (see env->in_use). */
int ext2_release(ext2_fs_t *fs, uint32_t ino);

/* The target, not NUL-terminated; the count, or -E_INVAL for a non-symlink. */
long ext2_readlink(ext2_fs_t *fs, uint32_t ino, char *buf, size_t cap);
/*
 * The entry at or after *cookie (0 to start): 1 and *out filled, *cookie moved past it;
 * 0 at the end. Unused slots are skipped; "." and ".." are returned like any entry.
 */
int ext2_readdir(ext2_fs_t *fs, uint32_t dir, uint64_t *cookie, struct ext2_dirent_info *out);

int ext2_chmod(ext2_fs_t *fs, uint32_t ino, uint32_t mode);     /* permission bits */
int ext2_chown(ext2_fs_t *fs, uint32_t ino, uint32_t uid, uint32_t gid);
int ext2_utimes(ext2_fs_t *fs, uint32_t ino, uint32_t atime, uint32_t mtime);

#endif
