/* The ext2 library's insides: the mounted fs, the block cache, and the helpers between files. */
#ifndef AGORA_EXT2_INT_H
#define AGORA_EXT2_INT_H

#include <agora/errors.h>
#include <libagora/string.h>

#include "ext2.h"
#include "ext2fs.h"

/* A cached block. Pinned (pins > 0) buffers are never evicted. */
struct ext2_buf {
    uint64_t blk;
    uint8_t *data;
    uint64_t lru;              /* the cache's clock at the last use */
    uint32_t pins;
    uint32_t owner;            /* ino whose data or indirect block this is; 0: metadata */
    bool valid;
    bool dirty;
    struct ext2_buf *hnext;    /* hash chain */
};

struct ext2_cache {
    struct ext2_buf *bufs;
    uint8_t *mem;
    struct ext2_buf **hash;
    uint32_t count, nhash;
    uint64_t clock;
    uint8_t *stage;            /* EXT2_CLUSTER_BYTES: a run of blocks on its way to or from the device */
    uint32_t cluster;          /* blocks per run: EXT2_CLUSTER_BYTES / block size (1: no runs) */
    uint64_t last_miss;        /* the block of the last read miss: the next one starts read-ahead */
};

/* The largest device request the cache makes (read-ahead of a sequential reader, clustered writes). */
#define EXT2_CLUSTER_BYTES 65536u

struct ext2_fs {
    struct ext2_dev dev;
    struct ext2_env env;
    bool read_only;
    bool super_dirty;          /* sb or gd changed since the last sync */
    bool was_clean;            /* s_state said valid at mount: unmount says so again */

    /* Geometry, validated at mount. */
    uint32_t block_size;
    uint32_t log_block;        /* 10, 11 or 12 */
    uint32_t addr_per_block;   /* block numbers in an indirect block */
    uint32_t blocks_count;
    uint32_t first_data_block;
    uint32_t blocks_per_group;
    uint32_t inodes_per_group;
    uint32_t inodes_count;
    uint32_t inode_size;
    uint32_t first_ino;
    uint32_t groups;
    uint32_t gd_blocks;        /* blocks of the group descriptor table */
    uint32_t reserved_gdt;
    uint32_t itable_blocks;    /* inode-table blocks per group */
    bool filetype;

    struct ext2_super sb;      /* the in-memory superblock, written at sync */
    struct ext2_group_desc *gd;
    struct ext2_cache cache;
};

/* cache.c */
int ext2_cache_init(struct ext2_fs *fs, uint32_t count);
void ext2_cache_free(struct ext2_fs *fs);
/* Pins blk; with read false the contents are undefined unless it was cached (caller fills it). */
int ext2_bget(struct ext2_fs *fs, uint64_t blk, bool read, struct ext2_buf **out);
void ext2_bput(struct ext2_fs *fs, struct ext2_buf *b);
void ext2_bdirty(struct ext2_fs *fs, struct ext2_buf *b, uint32_t owner);
void ext2_bforget(struct ext2_fs *fs, uint64_t blk);        /* a freed block: drop it unwritten */
int ext2_cache_flush(struct ext2_fs *fs, bool all, uint32_t owner);

/* super.c */
int ext2_write_super(struct ext2_fs *fs);                   /* sb and gd into the cache */
bool ext2_group_has_super(const struct ext2_fs *fs, uint32_t group);
bool ext2_block_is_data(const struct ext2_fs *fs, uint32_t blk);
uint32_t ext2_now(struct ext2_fs *fs);

/* alloc.c */
int ext2_alloc_block(struct ext2_fs *fs, uint32_t goal, uint32_t *out);
int ext2_free_block(struct ext2_fs *fs, uint32_t blk);
int ext2_alloc_inode(struct ext2_fs *fs, uint32_t parent, bool dir, uint32_t *out);
int ext2_free_inode(struct ext2_fs *fs, uint32_t ino, bool dir);
int ext2_inode_allocated(struct ext2_fs *fs, uint32_t ino);   /* 1, 0, or an error */

/* orphan.c */
int ext2_orphan_add(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_orphan_remove(struct ext2_fs *fs, uint32_t ino);
int ext2_orphan_cleanup(struct ext2_fs *fs);

/* inode.c */
int ext2_iget(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out);
int ext2_iput(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);
int ext2_inew(struct ext2_fs *fs, uint32_t ino, const struct ext2_inode *in);  /* zeroes the tail */
uint64_t ext2_isize(const struct ext2_inode *in);
void ext2_set_isize(struct ext2_fs *fs, struct ext2_inode *in, uint64_t size);
uint32_t ext2_mode_type(uint32_t mode);                     /* EXT2_FT_* */
int ext2_iget_live(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out);  /* links > 0, mode set */
int ext2_inode_destroy(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
int ext2_drop_link(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in);
void ext2_set_device(struct ext2_inode *in, uint32_t major, uint32_t minor);
void ext2_get_device(const struct ext2_inode *in, uint32_t *major, uint32_t *minor);

/* bmap.c */
/* The device block of file block lblk: 0 for a hole (alloc false) or a new block (alloc true). */
int ext2_bmap(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t lblk, bool alloc,
              uint32_t *out, bool *fresh);
int ext2_bmap_truncate(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, uint64_t first_lblk);
uint64_t ext2_max_lblk(const struct ext2_fs *fs);
bool ext2_has_data_blocks(const struct ext2_inode *in);     /* false for a fast symlink */

/* namei.c */
int ext2_write_link_block(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *in, const char *target,
                          size_t tlen);

/* dir.c */
#define EXT2_DIR_EMPTY_ONLY_DOTS 1
int ext2_dir_find(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                  uint32_t *ino, uint8_t *type);
int ext2_dir_add(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                 uint32_t ino, uint32_t mode);
int ext2_dir_remove(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len);
int ext2_dir_set(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din, const char *name, size_t len,
                 uint32_t ino, uint32_t mode);                /* repoint an existing entry */
int ext2_dir_is_empty(struct ext2_fs *fs, uint32_t dir, struct ext2_inode *din);
int ext2_dir_check(struct ext2_fs *fs, const struct ext2_inode *din);
int ext2_check_name(const char *name, size_t len);

static inline bool ext2_is_dir(const struct ext2_inode *in)
{
    return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
}

static inline bool ext2_is_reg(const struct ext2_inode *in)
{
    return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFREG;
}

static inline bool ext2_is_lnk(const struct ext2_inode *in)
{
    return (in->i_mode & EXT2_S_IFMT) == EXT2_S_IFLNK;
}

#endif
