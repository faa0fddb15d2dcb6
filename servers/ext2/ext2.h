/* The ext2 on-disk format: superblock, group descriptors, inodes, directory entries. */
#ifndef AGORA_EXT2_EXT2_H
#define AGORA_EXT2_EXT2_H

#include <stdint.h>

/*
 * Every structure is little endian on disk; Agora runs on x86_64 only, so the fields are read
 * in place (the _Static_asserts pin the layouts).
 */

#define EXT2_MAGIC            0xef53
#define EXT2_SUPER_OFFSET     1024u   /* bytes from the start of the device */
#define EXT2_SUPER_SIZE       1024u
#define EXT2_ROOT_INO         2u
#define EXT2_GOOD_OLD_INODE_SIZE 128u
#define EXT2_GOOD_OLD_FIRST_INO  11u
#define EXT2_NDIR_BLOCKS      12u
#define EXT2_IND_BLOCK        12u
#define EXT2_DIND_BLOCK       13u
#define EXT2_TIND_BLOCK       14u
#define EXT2_N_BLOCKS         15u
#define EXT2_NAME_MAX         255u
#define EXT2_LINK_MAX         32000u  /* as Linux's ext2 */

/* s_state */
#define EXT2_VALID_FS         0x0001u
#define EXT2_ERROR_FS         0x0002u

/* s_rev_level */
#define EXT2_GOOD_OLD_REV     0u
#define EXT2_DYNAMIC_REV      1u

/* s_feature_compat: none changes how blocks are read, so all are accepted. */
#define EXT2_COMPAT_DIR_PREALLOC   0x0001u
#define EXT2_COMPAT_IMAGIC_INODES  0x0002u
#define EXT2_COMPAT_HAS_JOURNAL    0x0004u
#define EXT2_COMPAT_EXT_ATTR       0x0008u
#define EXT2_COMPAT_RESIZE_INODE   0x0010u
#define EXT2_COMPAT_DIR_INDEX      0x0020u

/* s_feature_incompat: only filetype is understood; any other refuses the mount. */
#define EXT2_INCOMPAT_FILETYPE     0x0002u
#define EXT2_INCOMPAT_SUPPORTED    EXT2_INCOMPAT_FILETYPE

/* s_feature_ro_compat: any other than these mounts read-only. */
#define EXT2_RO_COMPAT_SPARSE_SUPER 0x0001u
#define EXT2_RO_COMPAT_LARGE_FILE   0x0002u
#define EXT2_RO_COMPAT_SUPPORTED    (EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE)

struct ext2_super {
    uint32_t s_inodes_count;
    uint32_t s_blocks_count;
    uint32_t s_r_blocks_count;
    uint32_t s_free_blocks_count;
    uint32_t s_free_inodes_count;
    uint32_t s_first_data_block;
    uint32_t s_log_block_size;
    uint32_t s_log_frag_size;
    uint32_t s_blocks_per_group;
    uint32_t s_frags_per_group;
    uint32_t s_inodes_per_group;
    uint32_t s_mtime;
    uint32_t s_wtime;
    uint16_t s_mnt_count;
    int16_t  s_max_mnt_count;
    uint16_t s_magic;
    uint16_t s_state;
    uint16_t s_errors;
    uint16_t s_minor_rev_level;
    uint32_t s_lastcheck;
    uint32_t s_checkinterval;
    uint32_t s_creator_os;
    uint32_t s_rev_level;
    uint16_t s_def_resuid;
    uint16_t s_def_resgid;
    /* EXT2_DYNAMIC_REV only */
    uint32_t s_first_ino;
    uint16_t s_inode_size;
    uint16_t s_block_group_nr;
    uint32_t s_feature_compat;
    uint32_t s_feature_incompat;
    uint32_t s_feature_ro_compat;
    uint8_t  s_uuid[16];
    char     s_volume_name[16];
    char     s_last_mounted[64];
    uint32_t s_algorithm_usage_bitmap;
    uint8_t  s_prealloc_blocks;
    uint8_t  s_prealloc_dir_blocks;
    uint16_t s_reserved_gdt_blocks;
    uint8_t  s_journal_uuid[16];
    uint32_t s_journal_inum;
    uint32_t s_journal_dev;
    uint32_t s_last_orphan;
    uint32_t s_hash_seed[4];
    uint8_t  s_def_hash_version;
    uint8_t  s_jnl_backup_type;
    uint16_t s_desc_size;
    uint32_t s_default_mount_opts;
    uint32_t s_first_meta_bg;
    uint32_t s_mkfs_time;
    uint8_t  s_rest[1024 - 268];
};
_Static_assert(sizeof(struct ext2_super) == EXT2_SUPER_SIZE, "ext2 superblock layout");

struct ext2_group_desc {
    uint32_t bg_block_bitmap;
    uint32_t bg_inode_bitmap;
    uint32_t bg_inode_table;
    uint16_t bg_free_blocks_count;
    uint16_t bg_free_inodes_count;
    uint16_t bg_used_dirs_count;
    uint16_t bg_flags;
    uint32_t bg_reserved[3];
};
_Static_assert(sizeof(struct ext2_group_desc) == 32, "ext2 group descriptor layout");

/* The first 128 bytes of every inode; larger inodes keep the rest untouched (zero when new). */
struct ext2_inode {
    uint16_t i_mode;
    uint16_t i_uid;
    uint32_t i_size;
    uint32_t i_atime;
    uint32_t i_ctime;
    uint32_t i_mtime;
    uint32_t i_dtime;
    uint16_t i_gid;
    uint16_t i_links_count;
    uint32_t i_blocks;         /* in 512-byte units: data and indirect blocks */
    uint32_t i_flags;
    uint32_t i_osd1;
    uint32_t i_block[EXT2_N_BLOCKS];
    uint32_t i_generation;
    uint32_t i_file_acl;
    uint32_t i_size_high;      /* i_dir_acl of old: the high 32 bits of a regular file's size */
    uint32_t i_faddr;
    uint16_t i_blocks_hi;
    uint16_t i_file_acl_high;
    uint16_t i_uid_high;
    uint16_t i_gid_high;
    uint16_t i_checksum_lo;
    uint16_t i_reserved;
};
_Static_assert(sizeof(struct ext2_inode) == EXT2_GOOD_OLD_INODE_SIZE, "ext2 inode layout");

/* i_flags */
#define EXT2_INDEX_FL         0x00001000u  /* hashed-index directory (dir_index) */

/* i_mode */
#define EXT2_S_IFMT           0xf000u
#define EXT2_S_IFSOCK         0xc000u
#define EXT2_S_IFLNK          0xa000u
#define EXT2_S_IFREG          0x8000u
#define EXT2_S_IFBLK          0x6000u
#define EXT2_S_IFDIR          0x4000u
#define EXT2_S_IFCHR          0x2000u
#define EXT2_S_IFIFO          0x1000u
#define EXT2_S_PERM           0x0fffu

/* A directory entry: the name follows; rec_len is a multiple of 4 and stays inside one block. */
struct ext2_dirent {
    uint32_t inode;            /* 0: an unused entry */
    uint16_t rec_len;
    uint8_t  name_len;
    uint8_t  file_type;        /* with EXT2_INCOMPAT_FILETYPE, else the high byte of name_len */
};
_Static_assert(sizeof(struct ext2_dirent) == 8, "ext2 directory entry layout");

#define EXT2_DIRENT_SIZE(name_len) ((8u + (uint32_t)(name_len) + 3u) & ~3u)

/* file_type */
#define EXT2_FT_UNKNOWN       0
#define EXT2_FT_REG_FILE      1
#define EXT2_FT_DIR           2
#define EXT2_FT_CHRDEV        3
#define EXT2_FT_BLKDEV        4
#define EXT2_FT_FIFO          5
#define EXT2_FT_SOCK          6
#define EXT2_FT_SYMLINK       7

#endif
