/* Descriptor tables (fdtable.h): fixed tables, descriptions shared by reference count. */
#include "fdtable.h"

#include <agora/errors.h>
#include <libagora/string.h>

#include "vnode.h"

/* A reference of vfs's tree goes back to ramfs; a remote vnode's to the node layer (vn_gc frees it). */
static void node_unref(struct fdtable *t, struct vfs_node *n)
{
    if (vn_remote(n))
        vn_unref(n);
    else
        ramfs_unref(t->fs, n);
}

void fdt_init(struct fdtable *t, struct ramfs *fs)
{
    memset(t, 0, sizeof(*t));
    t->fs = fs;
}

struct vfs_client *fdt_client(struct fdtable *t, uint64_t badge, bool create)
{
    struct vfs_client *free = 0;

    for (unsigned i = 0; i < VFS_MAX_CLIENTS; i++) {
        struct vfs_client *c = &t->clients[i];

        if (c->used && c->badge == badge)
            return c;
        if (!c->used && !free)
            free = c;
    }
    if (!create || !free)
        return 0;
    memset(free, 0, sizeof(*free));
    free->used = true;
    free->badge = badge;
    free->cwd = t->fs->root;
    free->umask = VFS_UMASK_DEFAULT;
    ramfs_ref(free->cwd);
    t->nclients++;
    return free;
}

void fdt_client_drop(struct fdtable *t, struct vfs_client *c)
{
    for (uint64_t fd = 0; fd < VFS_FD_MAX; fd++)
        fdt_close(t, c, fd);
    node_unref(t, c->cwd);
    memset(c, 0, sizeof(*c));
    t->nclients--;
}

struct vfs_file *fdt_file_new(struct fdtable *t, struct vfs_node *node, uint32_t flags)
{
    for (unsigned i = 0; i < VFS_MAX_FILES; i++) {
        struct vfs_file *f = &t->files[i];

        if (f->refs == 0 && !f->node) {
            f->node = node;
            f->offset = 0;
            f->flags = flags;
            ramfs_ref(node);
            t->nfiles++;
            return f;
        }
    }
    return 0;
}

static void file_release(struct fdtable *t, struct vfs_file *f)
{
    struct vfs_node *n = f->node;

    if (t->release)
        t->release(t, f);
    memset(f, 0, sizeof(*f));
    t->nfiles--;
    node_unref(t, n);
}

void fdt_file_discard(struct fdtable *t, struct vfs_file *f)
{
    if (f->refs == 0 && f->node)
        file_release(t, f);
}

long fdt_install(struct vfs_client *c, struct vfs_file *f, uint64_t min, uint8_t fd_flags)
{
    if (min >= VFS_FD_MAX)
        return -E_INVAL;
    for (uint64_t fd = min; fd < VFS_FD_MAX; fd++) {
        if (!c->fd[fd]) {
            c->fd[fd] = f;
            c->fd_flags[fd] = fd_flags;
            f->refs++;
            return (long)fd;
        }
    }
    return -E_MFILE;
}

struct vfs_file *fdt_get(struct vfs_client *c, uint64_t fd)
{
    return fd < VFS_FD_MAX ? c->fd[fd] : 0;
}

long fdt_close(struct fdtable *t, struct vfs_client *c, uint64_t fd)
{
    struct vfs_file *f = fdt_get(c, fd);

    if (!f)
        return -E_BADF;
    c->fd[fd] = 0;
    c->fd_flags[fd] = 0;
    if (--f->refs == 0)
        file_release(t, f);
    return 0;
}

long fdt_dup2(struct fdtable *t, struct vfs_client *c, uint64_t fd, uint64_t fd2)
{
    struct vfs_file *f = fdt_get(c, fd);

    if (!f || fd2 >= VFS_FD_MAX)
        return -E_BADF;
    if (fd == fd2)
        return (long)fd2;
    f->refs++;                      /* so closing fd2 cannot free it, whatever fd2 named */
    fdt_close(t, c, fd2);
    c->fd[fd2] = f;
    c->fd_flags[fd2] = 0;
    return (long)fd2;
}

void fdt_chdir(struct fdtable *t, struct vfs_client *c, struct vfs_node *dir)
{
    ramfs_ref(dir);
    node_unref(t, c->cwd);
    c->cwd = dir;
}

long fdt_client_fork(struct fdtable *t, struct vfs_client *parent, uint64_t child_badge)
{
    struct vfs_client *c;

    if (fdt_client(t, child_badge, false))
        return -E_EXIST;
    if (!(c = fdt_client(t, child_badge, true)))
        return -E_NOMEM;
    fdt_chdir(t, c, parent->cwd);
    c->umask = parent->umask;
    for (uint64_t fd = 0; fd < VFS_FD_MAX; fd++) {
        if (!parent->fd[fd])
            continue;
        c->fd[fd] = parent->fd[fd];
        c->fd_flags[fd] = parent->fd_flags[fd];
        c->fd[fd]->refs++;
    }
    return 0;
}

void fdt_client_exec(struct fdtable *t, struct vfs_client *c)
{
    for (uint64_t fd = 0; fd < VFS_FD_MAX; fd++)
        if (c->fd[fd] && (c->fd_flags[fd] & VFS_FD_CLOEXEC))
            fdt_close(t, c, fd);
}
