/* Clients, their descriptor tables and the open file descriptions they share. Pure code (tests/unit/test_vfs.c). */
#ifndef VFS_FDTABLE_H
#define VFS_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/vfs.h>

#include "ramfs.h"

#define VFS_MAX_CLIENTS 32
#define VFS_MAX_FILES   256

/* An open file description: what OPEN makes, and every DUP of its descriptor shares. */
struct vfs_file {
    struct vfs_node *node;          /* holds a reference */
    uint64_t offset;                /* directories: the next entry's index */
    uint32_t flags;                 /* VFS_O_ACCMODE bits and status flags (APPEND, NONBLOCK) */
    uint32_t refs;                  /* descriptors naming it; 0: the slot is free */
};

/* One client (a names badge): its working directory and descriptors. */
struct vfs_client {
    bool used;
    uint64_t badge;
    struct vfs_node *cwd;           /* holds a reference */
    uint32_t umask;                 /* file-creation mask (UMASK): VFS_UMASK_DEFAULT, FORK copies it */
    struct vfs_file *fd[VFS_FD_MAX];
    uint8_t fd_flags[VFS_FD_MAX];   /* VFS_FD_CLOEXEC */
    uint8_t *bulk;                  /* the buffer shared with it (VFS_BULK_ATTACH), or 0 */
};

struct fdtable {
    struct ramfs *fs;
    struct vfs_client clients[VFS_MAX_CLIENTS];
    struct vfs_file files[VFS_MAX_FILES];
    unsigned nfiles;                /* descriptions in use */
    unsigned nclients;
    /* Called as a description goes, before its node reference is dropped (vfs: pipe_release). */
    void (*release)(struct fdtable *t, struct vfs_file *f);
};

void fdt_init(struct fdtable *t, struct ramfs *fs);
/*
 * The client with this badge; with create, a new one (cwd the root, umask
 * VFS_UMASK_DEFAULT) if there is none. NULL: table full (or none).
 */
struct vfs_client *fdt_client(struct fdtable *t, uint64_t badge, bool create);
/* Closes every descriptor and frees the client. */
void fdt_client_drop(struct fdtable *t, struct vfs_client *c);

/* A new description of node (taking a reference) with no descriptor yet, or NULL (-E_NFILE). */
struct vfs_file *fdt_file_new(struct fdtable *t, struct vfs_node *node, uint32_t flags);
/* Frees a description that fdt_install refused (no descriptor names it). */
void fdt_file_discard(struct fdtable *t, struct vfs_file *f);
/* The lowest free descriptor >= min, now naming f: the descriptor, -E_MFILE, -E_INVAL (min out of range). */
long fdt_install(struct vfs_client *c, struct vfs_file *f, uint64_t min, uint8_t fd_flags);
/* The description fd names, or NULL. */
struct vfs_file *fdt_get(struct vfs_client *c, uint64_t fd);
/* 0 or -E_BADF; the description goes with its last descriptor, and its node reference with it. */
long fdt_close(struct fdtable *t, struct vfs_client *c, uint64_t fd);
/* dup2: fd2 names fd's description (closing what it named); fd2, or -E_BADF. */
long fdt_dup2(struct fdtable *t, struct vfs_client *c, uint64_t fd, uint64_t fd2);
/*
 * fork: a new client child_badge with parent's working directory, creation mask and a
 * copy of its descriptors, sharing the open file descriptions (offsets move together). -E_EXIST if
 * child_badge has a table already, -E_NOMEM if the client table is full.
 */
long fdt_client_fork(struct fdtable *t, struct vfs_client *parent, uint64_t child_badge);
/* exec: closes the descriptors marked close-on-exec. */
void fdt_client_exec(struct fdtable *t, struct vfs_client *c);
/* Makes dir the working directory (references moved). */
void fdt_chdir(struct fdtable *t, struct vfs_client *c, struct vfs_node *dir);

#endif
