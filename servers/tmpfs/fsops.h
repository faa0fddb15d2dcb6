/* tmpfs's handlers of the file-system protocol (include/agora/proto/fs.h) over vfs's ramfs.c. Pure code (tests/unit/test_mount.c). */
#ifndef TMPFS_FSOPS_H
#define TMPFS_FSOPS_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/fs.h>

#include "../vfs/ramfs.h"

#define TMPFS_HASH 256

/*
 * The file system and the inodes vfs holds references to (fs.h): a node is in the table
 * while its fs_refs (vfs's references, the field vfs's node layer uses for the same count
 * on its side) is not 0, chained through next, and holds one ramfs reference, so ramfs
 * keeps an unlinked file or removed directory until vfs's last CLOSE.
 */
struct tmpfs {
    struct ramfs fs;
    bool mounted, unmounted, rdonly;
    struct vfs_node *held[TMPFS_HASH];
    uint64_t nheld;
    uint8_t *bulk;                  /* vfs's buffer (BULK_ATTACH), bulk_bytes long; 0: none */
    uint64_t bulk_bytes;
};

/* One request as the handlers see it (the ctx of fs_dispatch). */
struct tmpfs_request {
    struct tmpfs *t;
    uint64_t badge;
    unsigned ncaps;
    uint8_t *mem;                   /* the memory item that came with it (mapped), or 0 */
    uint64_t mem_pages;
    bool mem_taken;                 /* BULK_ATTACH kept it; else the loop unmaps it */
};

/* An empty file system (root 01777, as /tmp wants): 0 or -E_NOMEM. */
long tmpfs_init(struct tmpfs *t);
/* Frees everything (tests). */
void tmpfs_destroy(struct tmpfs *t);

extern const struct fs_handlers tmpfs_ops;

#endif
