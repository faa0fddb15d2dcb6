/* The request handlers of the vfs protocol (include/agora/proto/vfs.h), over one file system and one descriptor table. */
#ifndef VFS_OPS_H
#define VFS_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/vfs.h>

#include "fdtable.h"
#include "ramfs.h"

/* One request as the handlers see it (the void *ctx of the dispatch table). */
struct vfs_request {
    uint64_t badge;                 /* the caller's names badge: its identity */
    unsigned ncaps;                 /* capabilities that came with it (none are taken) */
    bool deferred;                  /* set by a handler that saved the reply (pipe.h): send none now */
    uint64_t cap_slot;              /* where a capability that came with it is (MOUNT takes it) */
    bool cap_taken;                 /* set by MOUNT: the slot is the mount's now */
    uint8_t *reply_mem;             /* set by BULK_ATTACH: the reply maps these pages into the caller */
    uint64_t reply_mem_pages;
};

/*
 * main.c: the bulk buffer of client slot index (VFS_BULK_PAGES pages of vfs's memory), mapped
 * afresh in vfs (which revokes whatever was mapped from it before); NULL if out of memory.
 */
uint8_t *vfs_client_bulk(unsigned index);

/* The state the handlers work on (main.c sets it up). */
extern struct ramfs vfs_fs;
extern struct fdtable vfs_fdt;
extern const struct vfs_handlers vfs_ops;

#endif
