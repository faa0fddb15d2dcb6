/* Helpers of the ext2 tests: images made by mke2fs in a temp dir, file- and memory-backed devices, e2fsck, debugfs. */
#ifndef AGORA_TESTS_UNIT_EXT2_UTIL_H
#define AGORA_TESTS_UNIT_EXT2_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ext2fs.h"

/* A device over an image file (fd) or a buffer (mem); counts every attempt outside it. */
struct tdev {
    int fd;
    uint8_t *mem;
    uint64_t size;
    unsigned long reads, writes, out_of_bounds;
    unsigned long run_reads, run_writes;  /* read_blocks / write_blocks calls (ext2t_enable_runs) */
    bool fail_writes;            /* every write fails with -E_IO */
    struct ext2_dev dev;
};

/* The suite's set-up: a temp dir and the e2fsprogs tools; false (with a message) when missing. */
bool ext2t_setup(void);
void ext2t_cleanup(void);
bool ext2t_have_tools(void);     /* tests return early when false: "skipped" printed once */
const char *ext2t_dir(void);
const char *ext2t_tool(const char *name);   /* the path of mke2fs, e2fsck or debugfs */

/* dir/name; a static buffer per call slot (0..3). */
const char *ext2t_path(int slot, const char *name);
/* mke2fs -q -F -t ext2 -b bs [extra] image size_kib; 0 on success. */
int ext2t_mkfs(const char *image, unsigned bs, unsigned size_kib, const char *extra);
/*
 * e2fsck -fn: its exit status (the log printed when not 0); then the superblock's free
 * totals must equal the groups' sums (e2fsck takes those as hints and never complains).
 */
int ext2t_fsck(const char *image);
int ext2t_check_totals(const char *image);   /* 0 when they agree */
/* debugfs -R "cmd" image: its output (malloc'd, NUL-terminated), *len set. */
char *ext2t_debugfs(const char *image, const char *cmd, size_t *len);
int ext2t_run(const char *fmt, ...);

int ext2t_open_file(struct tdev *d, const char *image);
void ext2t_open_mem(struct tdev *d, uint8_t *mem, uint64_t size);
void ext2t_close(struct tdev *d);
/* Gives d the optional run callbacks (read_blocks, write_blocks): the cache's read-ahead and clustered writes. */
void ext2t_enable_runs(struct tdev *d);
uint8_t *ext2t_load(const char *image, uint64_t *size);

extern const struct ext2_env ext2t_env;
extern uint32_t ext2t_busy_ino;        /* the env's in_use says true for this ino (0: none) */
/* Mounts d; CU asserts it worked. */
ext2_fs_t *ext2t_mount(struct tdev *d, bool read_only);
ext2_fs_t *ext2t_mount_cache(struct tdev *d, bool read_only, uint32_t cache_blocks);

/* Convenience with NUL-terminated names. */
uint32_t ext2t_lookup(ext2_fs_t *fs, const char *path);   /* 0 when missing */
uint32_t ext2t_create(ext2_fs_t *fs, uint32_t dir, const char *name);
uint32_t ext2t_mkdir(ext2_fs_t *fs, uint32_t dir, const char *name);

void ext2t_pattern(uint8_t *buf, size_t len, uint32_t seed);
uint64_t ext2t_sum(const uint8_t *buf, size_t len);

#endif
