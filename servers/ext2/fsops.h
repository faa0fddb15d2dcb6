/* The ext2 server's handlers of the file-system protocol (include/agora/proto/fs.h) over the ext2 library (ext2fs.h). */
#ifndef EXT2_FSOPS_H
#define EXT2_FSOPS_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/fs.h>

#include "ext2fs.h"

#define EXT2SRV_HASH 256

/* An inode vfs holds references to (fs.h: MOUNT's root, LOOKUP, CREATE, MKDIR, OPEN; CLOSE drops). */
struct ext2srv_held {
    struct ext2srv_held *next;
    uint32_t ino;
    uint64_t refs;
};

struct ext2srv {
    ext2_fs_t *fs;                  /* mounted by main.c before vfs's MOUNT; 0 after UNMOUNT */
    bool mounted, unmounted, rdonly;
    bool dirty;                     /* a change since the last sync (the periodic sync's hint) */
    struct ext2srv_held *held[EXT2SRV_HASH];
    uint64_t nheld;
    uint8_t *bulk;                  /* vfs's buffer (fs.h BULK_ATTACH), bulk_bytes long; 0: none */
    uint64_t bulk_bytes;
};

struct ext2srv_request {
    struct ext2srv *s;
    uint64_t badge;
    unsigned ncaps;
    uint8_t *mem;                   /* the memory item that came with it (mapped), or 0 */
    uint64_t mem_pages;
    bool mem_taken;                 /* BULK_ATTACH kept it; else the loop unmaps it */
};

/* env.in_use: true while vfs holds a reference to ino. */
bool ext2srv_in_use(void *ctx, uint32_t ino);
/* Syncs when something changed since the last sync (the periodic tick): 0 or an error. */
long ext2srv_sync_if_dirty(struct ext2srv *s);

extern const struct fs_handlers ext2srv_ops;

#endif
