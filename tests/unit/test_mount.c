/*
 * Unit tests for vfs's node layer and mount table (servers/vfs/vnode.c) with tmpfs's
 * handlers (servers/tmpfs/fsops.c) behind the file-system protocol: the transport calls
 * fs_dispatch directly, so every request is packed and checked as over IPC, minus the
 * kernel. Paths across mount points both ways, vnode and server references, unlink of
 * a held file, unmount, a dead server, and malformed requests to tmpfs.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/errors.h"
#include "agora/proto/fs.h"
#include "agora/proto/vfs.h"
#include "fdtable.h"
#include "fsops.h"
#include "heap.h"
#include "path.h"
#include "ramfs.h"
#include "suites.h"
#include "vnode.h"

#define ARENA_BYTES (256u << 20)
#define SERVERS     (VFS_MOUNT_MAX + 1)

static char *arena;
static struct ramfs fs;
static struct tmpfs servers[SERVERS];
static bool dead[SERVERS];
static uint64_t calls;

static long arena_grow(uintptr_t at, size_t bytes)
{
    (void)at;
    (void)bytes;
    return 0;
}

/* The transport: ep is the index of the server; a dead one answers as the kernel would. */
static long fake_call(uint64_t ep, uint32_t label, const void *req, size_t req_bytes, void *rep,
                      size_t rep_bytes)
{
    struct tmpfs_request rq = { .t = &servers[ep], .badge = FS_BADGE_VFS };
    uint64_t out[PROTO_MAX_BYTES / 8], in[PROTO_MAX_BYTES / 8], out_bytes;
    long r;

    calls++;
    if (dead[ep])
        return -E_DEAD;
    memset(out, 0, sizeof(out));
    memcpy(in, req, req_bytes);
    r = fs_dispatch(&tmpfs_ops, &rq, label, in, req_bytes, out, &out_bytes);
    if (r == 0) {
        if (out_bytes != rep_bytes)
            return -E_RANGE;
        memcpy(rep, out, rep_bytes);
    }
    return r;
}

static int suite_init(void)
{
    arena = aligned_alloc(4096, ARENA_BYTES);
    return arena ? 0 : -1;
}

static int suite_clean(void)
{
    free(arena);
    return 0;
}

static struct vfs_node *mnt_dir, *file_dir;

/* vfs's tree with /mnt and /file, and the servers, fresh. */
static void fresh(void)
{
    struct vfs_node *n;

    heap_init(&vfs_heap, (uintptr_t)arena, (uintptr_t)arena + ARENA_BYTES, arena_grow);
    memset(&fs, 0, sizeof(fs));
    CU_ASSERT_EQUAL_FATAL(ramfs_init(&fs), 0);
    vn_init(&fs, fake_call);
    for (unsigned i = 0; i < SERVERS; i++) {
        CU_ASSERT_EQUAL_FATAL(tmpfs_init(&servers[i]), 0);
        dead[i] = false;
    }
    CU_ASSERT_EQUAL_FATAL(ramfs_create(&fs, fs.root, "mnt", 3, VFS_S_IFDIR | 0755, 0, &mnt_dir), 0);
    CU_ASSERT_EQUAL_FATAL(ramfs_create(&fs, fs.root, "file", 4, VFS_S_IFREG | 0644, 0, &file_dir), 0);
    CU_ASSERT_EQUAL_FATAL(ramfs_create(&fs, mnt_dir, "hidden", 6, VFS_S_IFREG | 0644, 0, &n), 0);
}

/* Everything unmounted and freed: no node, no vnode and no heap block left. */
static void done(void)
{
    uint64_t ep;

    for (unsigned i = 0; i < VFS_MOUNT_MAX; i++)
        if (vn.mounts[i].used)
            CU_ASSERT_EQUAL(vn_unmount(vn.mounts[i].root, &ep), 0);
    for (unsigned i = 0; i < SERVERS; i++) {
        CU_ASSERT_EQUAL(servers[i].nheld, 0);
        tmpfs_destroy(&servers[i]);
        CU_ASSERT_EQUAL(servers[i].fs.nodes, 0);
    }
    ramfs_destroy(&fs);
    CU_ASSERT_EQUAL(fs.nodes, 0);
    CU_ASSERT_EQUAL(vfs_heap.blocks, 0);
    CU_ASSERT_EQUAL(vfs_heap.in_use, 0);
}

static long lookup_from(struct vfs_node *cwd, const char *path, struct vfs_node **n)
{
    return path_lookup(&fs, cwd, path, strlen(path), n);
}

static struct vfs_node *lookup(const char *path)
{
    struct vfs_node *n = 0;

    return lookup_from(fs.root, path, &n) == 0 ? n : 0;
}

static struct vfs_node *mkdir_in(struct vfs_node *dir, const char *name)
{
    struct vfs_node *n = 0;

    CU_ASSERT_EQUAL(vn_create(dir, name, strlen(name), 0755, true, &n), 0);
    return n;
}

static void test_mount_table(void)
{
    struct vfs_node *root, *sub;
    uint64_t ep = 99;

    fresh();
    CU_ASSERT_EQUAL(vn_mount(file_dir, 0, "tmpfs", 0), -E_NOTDIR);
    CU_ASSERT_EQUAL(vn_mount(mnt_dir, 0, "tmpfs", 0x80), -E_INVAL);
    CU_ASSERT_EQUAL(vn_mount(mnt_dir, 0, "tmpfs", 0), 0);
    CU_ASSERT_EQUAL(vn.nmounts, 1);
    CU_ASSERT_STRING_EQUAL(vn.mounts[0].type, "tmpfs");
    root = lookup("/mnt");
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_TRUE(vn_is_mount_root(root));
    CU_ASSERT_PTR_NULL(lookup("/mnt/hidden"));              /* covered */
    CU_ASSERT_EQUAL(vn_mount(root, 1, "tmpfs", 0), -E_BUSY);  /* already a mount point */
    sub = mkdir_in(root, "sub");
    /* A mount inside a mounted file system: the covered vnode stays while it is there. */
    CU_ASSERT_EQUAL(vn_mount(sub, 1, "tmpfs", 0), 0);
    vn_gc();
    CU_ASSERT_TRUE(vn_is_mount_root(lookup("/mnt/sub")));
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/sub/.."), root);
    CU_ASSERT_EQUAL(vn_unmount(root, &ep), -E_BUSY);          /* the inner mount holds a vnode */
    CU_ASSERT_EQUAL(vn_unmount(lookup("/mnt/sub"), &ep), 0);
    CU_ASSERT_EQUAL(ep, 1);
    CU_ASSERT_EQUAL(servers[1].unmounted, true);
    tmpfs_destroy(&servers[1]);                               /* a fresh server for slot 1 */
    CU_ASSERT_EQUAL(tmpfs_init(&servers[1]), 0);
    /* The table fills up. */
    for (unsigned i = 1; i < VFS_MOUNT_MAX; i++) {
        char name[8];
        struct vfs_node *d;

        snprintf(name, sizeof(name), "d%u", i);
        CU_ASSERT_EQUAL_FATAL(ramfs_create(&fs, fs.root, name, strlen(name), VFS_S_IFDIR | 0755, 0, &d), 0);
        CU_ASSERT_EQUAL(vn_mount(d, i, "tmpfs", 0), 0);
    }
    {
        struct vfs_node *d;

        CU_ASSERT_EQUAL_FATAL(ramfs_create(&fs, fs.root, "last", 4, VFS_S_IFDIR | 0755, 0, &d), 0);
        CU_ASSERT_EQUAL(vn_mount(d, VFS_MOUNT_MAX, "tmpfs", 0), -E_NOMEM);
    }
    CU_ASSERT_PTR_NOT_NULL(vn_mount_at(VFS_MOUNT_MAX - 1));
    CU_ASSERT_PTR_NULL(vn_mount_at(VFS_MOUNT_MAX));
    /* A server mounted once refuses a second MOUNT. */
    CU_ASSERT_EQUAL(vn_mount(lookup("/last"), 0, "tmpfs", 0), -E_NOMEM);
    vn_gc();
    CU_ASSERT_EQUAL(vn_unmount(lookup("/mnt/sub"), &ep), -E_INVAL);
    CU_ASSERT_EQUAL(vn_unmount(root, &ep), 0);
    CU_ASSERT_EQUAL(ep, 0);
    CU_ASSERT_PTR_NOT_NULL(lookup("/mnt/hidden"));          /* uncovered again */
    CU_ASSERT_EQUAL(servers[0].unmounted, true);
    done();
}

static void test_paths_across(void)
{
    struct vfs_node *root, *a, *b, *n;
    char buf[VFS_PATH_CAP];

    fresh();
    CU_ASSERT_EQUAL_FATAL(vn_mount(mnt_dir, 0, "tmpfs", 0), 0);
    root = lookup("/mnt");
    a = mkdir_in(root, "a");
    b = mkdir_in(a, "b");
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/a/b"), b);
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/a/b/"), b);
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/a/b/.."), a);
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/a/b/../.."), root);
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/.."), fs.root);        /* up out of the mount */
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/a/../../file"), file_dir);
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/a/../../mnt/a"), a);
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/./a/./b"), b);
    /* Relative paths from a working directory inside the mount. */
    CU_ASSERT_EQUAL(lookup_from(b, "../../..", &n), 0);
    CU_ASSERT_PTR_EQUAL(n, fs.root);
    CU_ASSERT_EQUAL(lookup_from(b, "../../../mnt/a/b", &n), 0);
    CU_ASSERT_PTR_EQUAL(n, b);
    CU_ASSERT_EQUAL(lookup_from(root, "nothing", &n), -E_NOENT);
    CU_ASSERT_EQUAL(lookup_from(fs.root, "/mnt/a/b/c/d", &n), -E_NOENT);
    {
        struct vfs_node *f;

        CU_ASSERT_EQUAL(vn_create(a, "f", 1, VFS_S_IFREG | 0644, false, &f), 0);
        CU_ASSERT_EQUAL(lookup_from(fs.root, "/mnt/a/f/x", &n), -E_NOTDIR);
        CU_ASSERT_EQUAL(lookup_from(fs.root, "/mnt/a/f/", &n), -E_NOTDIR);
    }
    /* Names longer than the server takes. */
    memset(buf, 'x', FS_NAME_MAX + 1);
    buf[FS_NAME_MAX + 1] = '\0';
    CU_ASSERT_EQUAL(vn_step(root, buf, FS_NAME_MAX + 1, &n), -E_NAMETOOLONG);
    /* getcwd's path of remote directories. */
    CU_ASSERT_EQUAL(vn_path(b, buf, sizeof(buf)), (long)strlen("/mnt/a/b"));
    CU_ASSERT_STRING_EQUAL(buf, "/mnt/a/b");
    CU_ASSERT_EQUAL(vn_path(root, buf, sizeof(buf)), 4);
    CU_ASSERT_STRING_EQUAL(buf, "/mnt");
    CU_ASSERT_EQUAL(vn_path(b, buf, 6), -E_RANGE);
    /* After the request, nothing is held but the root. */
    vn_gc();
    CU_ASSERT_EQUAL(vn.mounts[0].nvnodes, 1);
    CU_ASSERT_EQUAL(servers[0].nheld, 1);
    done();
}

/* A file system on "/" (the root disk), vfs's /dev bound onto its /dev, paths both ways. */
static void test_root_mount(void)
{
    struct vfs_node *root, *dev, *rdev, *a, *local_dev, *n;
    char buf[VFS_PATH_CAP];
    uint64_t ep = 99;

    fresh();
    CU_ASSERT_EQUAL_FATAL(ramfs_create(&fs, fs.root, "dev", 3, VFS_S_IFDIR | 0755, 0, &local_dev), 0);
    CU_ASSERT_EQUAL_FATAL(vn_mount(fs.root, 0, "tmpfs", 0), 0);
    root = lookup("/");
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    CU_ASSERT_TRUE(vn_is_mount_root(root));
    CU_ASSERT_EQUAL(vn_mount(fs.root, 1, "tmpfs", 0), -E_BUSY);     /* covered already */
    CU_ASSERT_EQUAL(vn_mount(root, 1, "tmpfs", 0), -E_BUSY);
    CU_ASSERT_PTR_NULL(lookup("/mnt"));                             /* vfs's tree is hidden */
    CU_ASSERT_PTR_NULL(lookup("/file"));
    CU_ASSERT_PTR_EQUAL(lookup("/.."), root);
    CU_ASSERT_PTR_EQUAL(lookup("/../.."), root);
    a = mkdir_in(root, "a");
    rdev = mkdir_in(root, "dev");
    CU_ASSERT_EQUAL(lookup_from(fs.root, "a", &n), 0);              /* a working directory of "/" */
    CU_ASSERT_PTR_EQUAL(n, a);
    CU_ASSERT_PTR_EQUAL(lookup("/a/.."), root);
    CU_ASSERT_EQUAL(vn_path(root, buf, sizeof(buf)), 1);
    CU_ASSERT_STRING_EQUAL(buf, "/");
    CU_ASSERT_EQUAL(vn_path(a, buf, sizeof(buf)), 2);
    CU_ASSERT_STRING_EQUAL(buf, "/a");
    /* A mount of vfs's tree moves into the new root (switch_root's move). */
    {
        struct vfs_node *rmnt = mkdir_in(root, "mnt"), *inner, *x;
        struct vfs_mount *m;

        CU_ASSERT_EQUAL_FATAL(vn_mount(mnt_dir, 1, "tmpfs", 0), 0);  /* on vfs's hidden /mnt */
        CU_ASSERT_PTR_EQUAL(lookup("/mnt"), rmnt);
        m = mnt_dir->covered_by;
        inner = m->root;
        x = mkdir_in(inner, "x");
        CU_ASSERT_EQUAL(vn_move(m, root), -E_BUSY);                 /* a mount's root */
        CU_ASSERT_EQUAL(vn_move(m, x), -E_INVAL);                   /* into itself */
        CU_ASSERT_EQUAL(vn_move(m, rmnt), 0);
        CU_ASSERT_PTR_NULL(mnt_dir->covered_by);
        CU_ASSERT_PTR_EQUAL(lookup("/mnt"), inner);
        CU_ASSERT_PTR_EQUAL(lookup("/mnt/x/../.."), root);
        CU_ASSERT_EQUAL(vn_path(x, buf, sizeof(buf)), 6);
        CU_ASSERT_STRING_EQUAL(buf, "/mnt/x");
        vn_gc();
        CU_ASSERT_EQUAL(vn_unmount(inner, &ep), 0);
        CU_ASSERT_EQUAL(ep, 1);
        CU_ASSERT_PTR_EQUAL(lookup("/mnt"), rmnt);
    }
    /* The bind: bad kinds, then /dev shows vfs's directory. */
    rdev = lookup("/dev");                                          /* again: vn_gc closed it */
    a = lookup("/a");
    CU_ASSERT_EQUAL(vn_bind(local_dev, local_dev, "devfs"), -E_INVAL);
    CU_ASSERT_EQUAL(vn_bind(rdev, rdev, "devfs"), -E_INVAL);
    CU_ASSERT_EQUAL(vn_bind(rdev, local_dev, "devfs"), 0);
    CU_ASSERT_EQUAL(vn_bind(rdev, local_dev, "devfs"), -E_BUSY);
    CU_ASSERT_EQUAL(vn.nmounts, 2);
    vn_gc();                                                        /* the covered vnode stays */
    dev = lookup("/dev");
    CU_ASSERT_PTR_EQUAL(dev, local_dev);
    CU_ASSERT_PTR_EQUAL(lookup("/dev/.."), root);
    CU_ASSERT_PTR_EQUAL(lookup("/dev/../a"), lookup("/a"));
    CU_ASSERT_EQUAL(vn_path(vn_mount_at(1)->covered, buf, sizeof(buf)), 4);
    CU_ASSERT_STRING_EQUAL(buf, "/dev");
    /* The root stays while the bind holds a vnode in it; the bind goes when nobody uses it. */
    CU_ASSERT_EQUAL(vn_unmount(root, &ep), -E_BUSY);
    vn_ref(local_dev);
    CU_ASSERT_EQUAL(vn_unmount(local_dev, &ep), -E_BUSY);
    vn_unref(local_dev);
    CU_ASSERT_EQUAL(vn_unmount(local_dev, &ep), 0);
    CU_ASSERT_EQUAL(ep, 0);
    vn_gc();
    CU_ASSERT_EQUAL(vn_unmount(root, &ep), 0);
    CU_ASSERT_PTR_EQUAL(lookup("/file"), file_dir);                 /* vfs's tree again */
    CU_ASSERT_EQUAL(vn.nmounts, 0);
    done();
}

static void test_refcounts(void)
{
    struct vfs_node *root, *f, *again;
    struct fdtable t;
    struct vfs_file *file;
    struct vfs_client *c;
    uint64_t at, nodes, ep;
    char buf[16];

    fresh();
    fdt_init(&t, &fs);
    CU_ASSERT_EQUAL_FATAL(vn_mount(mnt_dir, 0, "tmpfs", 0), 0);
    root = lookup("/mnt");
    CU_ASSERT_EQUAL(vn_create(root, "f", 1, VFS_S_IFREG | 0644, false, &f), 0);
    CU_ASSERT_EQUAL(vn_write(f, 0, "hello", 5, &at), 5);
    CU_ASSERT_EQUAL(at, 0);
    CU_ASSERT_EQUAL(vn_write(f, FS_APPEND, " world", 6, &at), 6);
    CU_ASSERT_EQUAL(at, 5);
    CU_ASSERT_EQUAL(f->size, 11);
    /* Two lookups of one inode: one vnode, two server references. */
    again = lookup("/mnt/f");
    CU_ASSERT_PTR_EQUAL(again, f);
    CU_ASSERT_EQUAL(f->fs_refs, 2);
    CU_ASSERT_TRUE(vn_attr_fresh(f));           /* the LOOKUP's attributes: no GETATTR needed */
    /* An open description holds it across the end of the request. */
    file = fdt_file_new(&t, f, VFS_O_RDWR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    c = fdt_client(&t, 7, true);
    CU_ASSERT_EQUAL(fdt_install(c, file, 0, 0), 0);
    vn_gc();
    CU_ASSERT_EQUAL(vn.mounts[0].nvnodes, 2);
    CU_ASSERT_EQUAL(servers[0].nheld, 2);
    CU_ASSERT_FALSE(vn_attr_fresh(f));          /* the next request asks again */
    /* Unlinked while open: still readable, and the server keeps it. */
    nodes = servers[0].fs.nodes;
    CU_ASSERT_EQUAL(vn_remove(root, "f", 1, false), 0);
    CU_ASSERT_PTR_NULL(lookup("/mnt/f"));
    CU_ASSERT_EQUAL(vn_read(f, 0, buf, sizeof(buf)), 11);
    CU_ASSERT_EQUAL(memcmp(buf, "hello world", 11), 0);
    CU_ASSERT_EQUAL(vn_getattr(f), 0);
    CU_ASSERT_EQUAL(f->nlink, 0);
    CU_ASSERT_EQUAL(servers[0].fs.nodes, nodes);
    /* Unmount is refused while it is open; the working directory counts too. */
    CU_ASSERT_EQUAL(vn_unmount(root, &ep), -E_BUSY);
    CU_ASSERT_EQUAL(fdt_close(&t, c, 0), 0);
    vn_gc();
    CU_ASSERT_EQUAL(servers[0].fs.nodes, nodes - 1);        /* the last CLOSE freed it */
    CU_ASSERT_EQUAL(servers[0].nheld, 1);
    fdt_chdir(&t, c, root);
    CU_ASSERT_EQUAL(root->refs, 2);
    CU_ASSERT_EQUAL(vn_unmount(root, &ep), -E_BUSY);
    fdt_client_drop(&t, c);
    CU_ASSERT_EQUAL(root->refs, 1);
    /* A removed working directory: the server keeps it, ".." fails. */
    {
        struct vfs_node *d = mkdir_in(root, "d"), *n;

        vn_ref(d);
        CU_ASSERT_EQUAL(vn_remove(root, "d", 1, true), 0);
        vn_gc();
        CU_ASSERT_EQUAL(vn_getattr(d), 0);
        CU_ASSERT_EQUAL(vn_step(d, "..", 2, &n), -E_NOENT);
        CU_ASSERT_EQUAL(vn_create(d, "x", 1, VFS_S_IFREG | 0644, false, &n), -E_NOENT);
        vn_unref(d);
        vn_gc();
    }
    CU_ASSERT_EQUAL(servers[0].nheld, 1);
    done();
}

static void test_operations(void)
{
    struct vfs_node *root, *a, *b, *f, *n;
    uint64_t cookie = 0, count, total = 0, at;
    char buf[FS_DENTS_BYTES];
    long bytes;

    fresh();
    CU_ASSERT_EQUAL_FATAL(vn_mount(mnt_dir, 0, "tmpfs", 0), 0);
    root = lookup("/mnt");
    a = mkdir_in(root, "a");
    b = mkdir_in(root, "b");
    CU_ASSERT_EQUAL(vn_create(a, "f", 1, VFS_S_IFREG | 0644, false, &f), 0);
    CU_ASSERT_EQUAL(vn_create(a, "f", 1, VFS_S_IFREG | 0644, false, &n), -E_EXIST);
    CU_ASSERT_EQUAL(vn_rename(a, "f", 1, b, "g", 1), 0);
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/b/g"), f);
    CU_ASSERT_EQUAL(vn_rename(a, "f", 1, b, "g", 1), -E_NOENT);
    CU_ASSERT_EQUAL(vn_rename(root, "a", 1, a, "x", 1), -E_INVAL);      /* into itself */
    CU_ASSERT_EQUAL(vn_rename(root, "a", 1, fs.root, "x", 1), -E_XDEV);
    CU_ASSERT_EQUAL(vn_remove(root, "b", 1, true), -E_NOTEMPTY);
    CU_ASSERT_EQUAL(vn_remove(root, "a", 1, false), -E_ISDIR);
    CU_ASSERT_EQUAL(vn_remove(root, "a", 1, true), 0);
    CU_ASSERT_EQUAL(vn_setattr(f, FS_SET_MODE, 0600, 0), 0);
    CU_ASSERT_EQUAL(f->mode, VFS_S_IFREG | 0600);
    CU_ASSERT_EQUAL(vn_setattr(f, FS_SET_SIZE, 0, 5000), 0);
    CU_ASSERT_EQUAL(f->size, 5000);
    CU_ASSERT_EQUAL(vn_read(f, 4990, buf, 100), 10);
    CU_ASSERT_EQUAL(buf[0], 0);
    CU_ASSERT_EQUAL(vn_write(f, 6000, "x", 1, &at), 1);
    CU_ASSERT_EQUAL(f->size, 6001);
    CU_ASSERT_EQUAL(vn_setattr(b, FS_SET_SIZE, 0, 0), -E_ISDIR);
    CU_ASSERT_EQUAL(vn_read(b, 0, buf, 10), -E_ISDIR);
    /* A directory of 300 entries listed whole, in several GETDENTS (b held across the "requests"). */
    vn_ref(b);
    for (int i = 0; i < 300; i++) {
        char name[32];

        snprintf(name, sizeof(name), "entry%03d", i);
        CU_ASSERT_EQUAL(vn_create(b, name, strlen(name), VFS_S_IFREG | 0644, false, &n), 0);
        vn_gc();
    }
    while ((bytes = vn_getdents(b, &cookie, buf, sizeof(buf), &count)) > 0)
        total += count;
    CU_ASSERT_EQUAL(bytes, 0);
    CU_ASSERT_EQUAL(total, 300 + 3);            /* ".", ".." and g */
    vn_unref(b);
    vn_gc();
    done();
}

static void test_dead_server(void)
{
    struct vfs_node *root, *f, *n;
    uint64_t ep;
    char buf[8];

    fresh();
    CU_ASSERT_EQUAL_FATAL(vn_mount(mnt_dir, 0, "tmpfs", 0), 0);
    root = lookup("/mnt");
    CU_ASSERT_EQUAL(vn_create(root, "f", 1, VFS_S_IFREG | 0644, false, &f), 0);
    vn_ref(f);
    dead[0] = true;
    CU_ASSERT_EQUAL(vn_read(f, 0, buf, sizeof(buf)), -E_DEAD);
    CU_ASSERT_TRUE(vn.mounts[0].dead);
    CU_ASSERT_EQUAL(vn_step(root, "f", 1, &n), -E_DEAD);
    CU_ASSERT_PTR_EQUAL(lookup("/mnt/.."), fs.root);        /* vfs's side still works */
    /* The vnode keeps (mount, ino) for a restarted server (issue 7). */
    CU_ASSERT_EQUAL(f->mnt, &vn.mounts[0]);
    vn_unref(f);
    vn_gc();                                                /* the CLOSE fails: forgotten all the same */
    CU_ASSERT_EQUAL(vn.mounts[0].nvnodes, 1);
    CU_ASSERT_EQUAL(vn_unmount(root, &ep), 0);
    /* The server itself still holds what vfs did not give back: drop it for the leak check. */
    dead[0] = false;
    tmpfs_destroy(&servers[0]);
    CU_ASSERT_EQUAL(tmpfs_init(&servers[0]), 0);
    done();
}

/* Requests to tmpfs as a stranger, or malformed, straight to the dispatcher. */
static long raw(unsigned s, uint64_t badge, uint32_t label, const void *req, size_t bytes, unsigned ncaps)
{
    struct tmpfs_request rq = { .t = &servers[s], .badge = badge, .ncaps = ncaps };
    uint64_t out[PROTO_MAX_BYTES / 8], in[PROTO_MAX_BYTES / 8], out_bytes;

    memset(in, 0, sizeof(in));
    memcpy(in, req, bytes);
    return fs_dispatch(&tmpfs_ops, &rq, label, in, bytes, out, &out_bytes);
}

static void test_malformed(void)
{
    struct fs_lookup_req lk = { .dir = 1 };
    struct fs_close_req cl = { .ino = 1, .count = 5 };
    struct fs_read_req rd = { .ino = 1, .max = FS_IO_MAX + 1 };
    struct fs_mount_req mt = { 0 };
    struct fs_getattr_req ga = { .ino = 12345 };
    struct fs_create_req cr = { .dir = 1, .mode = VFS_S_IFDIR | 0755 };

    fresh();
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_GETATTR, &ga, sizeof(ga), 0), -E_STATE);   /* before MOUNT */
    CU_ASSERT_EQUAL(raw(0, 5, FS_MOUNT, &mt, sizeof(mt), 0), -E_PERM);                 /* a stranger */
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_MOUNT, &mt, sizeof(mt), 1), -E_RANGE);     /* a capability */
    {
        uint64_t two[2] = { 0, 0 };

        CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_MOUNT, two, sizeof(two), 0), -E_RANGE); /* a word too many */
    }
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, PROTO_LABEL(PROTO_ID_FS, 99), &mt, 8, 0), -E_NOSYS);
    mt.flags = 0x100;
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_MOUNT, &mt, sizeof(mt), 0), -E_INVAL);
    mt.flags = 0;
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_MOUNT, &mt, sizeof(mt), 0), 0);
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_MOUNT, &mt, sizeof(mt), 0), -E_BUSY);
    CU_ASSERT_EQUAL(raw(0, (1ull << 32) + 1, FS_GETATTR, &ga, sizeof(ga), 0), -E_PERM);
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_GETATTR, &ga, sizeof(ga), 0), -E_NOENT);  /* not held */
    lk.name.len = 3;
    memcpy(lk.name.bytes, "abc", 3);                                                    /* no NUL */
    lk.name.bytes[3] = 'd';
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_LOOKUP, &lk, sizeof(lk), 0), -E_INVAL);
    lk.name.len = FS_NAME_CAP;
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_LOOKUP, &lk, sizeof(lk), 0), -E_NAMETOOLONG);
    lk.name.len = 3;
    memcpy(lk.name.bytes, "a/b", 4);
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_LOOKUP, &lk, sizeof(lk), 0), -E_INVAL);
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_CLOSE, &cl, sizeof(cl), 0), -E_INVAL);     /* more than held */
    cl.count = 0;
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_CLOSE, &cl, sizeof(cl), 0), -E_INVAL);
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_READ, &rd, sizeof(rd), 0), -E_RANGE);
    rd.max = 8;
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_READ, &rd, sizeof(rd), 0), -E_ISDIR);
    memcpy(cr.name.bytes, "x", 2);
    cr.name.len = 1;
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_CREATE, &cr, sizeof(cr), 0), -E_INVAL);    /* not a file's mode */
    cl.count = 1;
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_CLOSE, &cl, sizeof(cl), 0), 0);            /* MOUNT's reference */
    CU_ASSERT_EQUAL(raw(0, FS_BADGE_VFS, FS_GETATTR, &ga, sizeof(ga), 0), -E_NOENT);
    CU_ASSERT_EQUAL(servers[0].nheld, 0);
    done();
}

int test_mount_register(void)
{
    CU_pSuite s = CU_add_suite("vfs mounts and tmpfs", suite_init, suite_clean);

    if (!s || !CU_add_test(s, "mount table", test_mount_table) ||
        !CU_add_test(s, "paths across mount points", test_paths_across) ||
        !CU_add_test(s, "a file system on / and a bind of /dev", test_root_mount) ||
        !CU_add_test(s, "vnode and server references", test_refcounts) ||
        !CU_add_test(s, "operations through fs.h", test_operations) ||
        !CU_add_test(s, "a dead server", test_dead_server) ||
        !CU_add_test(s, "malformed requests to tmpfs", test_malformed))
        return CU_get_error();
    return CUE_SUCCESS;
}
