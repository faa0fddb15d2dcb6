/*
 * Unit tests for symbolic and hard links in vfs's path walk (servers/vfs/path.c) and node
 * layer (vnode.c), in vfs's own tree (ramfs.c) and through tmpfs's handlers
 * (servers/tmpfs/fsops.c) behind fs.h, and for the bulk buffer a mount shares with its
 * server (FS_BULK_ATTACH, READ_BULK, WRITE_BULK): vfs's bookkeeping and tmpfs's checks.
 * As test_mount.c, the transport calls fs_dispatch directly; every test ends with a leak
 * check of vfs's heap and both trees.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/errors.h"
#include "agora/proto/fs.h"
#include "agora/proto/vfs.h"
#include "fsops.h"
#include "libagora/proto.h"
#include "heap.h"
#include "path.h"
#include "ramfs.h"
#include "suites.h"
#include "vnode.h"

#define ARENA_BYTES (256u << 20)

static char *arena;
static struct ramfs fs;
static struct tmpfs server;
static struct vfs_node *mnt_dir, *file, *dir;
/* The bulk buffer vfs would map for the mount (aligned, as pages are), and how attach went. */
static uint8_t *bulk_mem;
static long attach_answer;          /* 0: hand the buffer to tmpfs; else the error to fake */
static unsigned bulk_calls, msg_calls;

static long arena_grow(uintptr_t at, size_t bytes)
{
    (void)at;
    (void)bytes;
    return 0;
}

/* A request to tmpfs as over IPC, with mem as the memory item that came with it (or 0). */
static long dispatch(uint64_t badge, uint32_t label, const void *req, size_t req_bytes, void *rep,
                     size_t rep_bytes, uint8_t *mem, uint64_t mem_pages)
{
    struct tmpfs_request rq = { .t = &server, .badge = badge, .mem = mem, .mem_pages = mem_pages };
    uint64_t out[PROTO_MAX_BYTES / 8], in[PROTO_MAX_BYTES / 8], out_bytes;
    long r;

    memset(out, 0, sizeof(out));
    memset(in, 0, sizeof(in));
    memcpy(in, req, req_bytes);
    r = fs_dispatch(&tmpfs_ops, &rq, label, in, req_bytes, out, &out_bytes);
    if (r == 0 && rep) {
        if (out_bytes != rep_bytes)
            return -E_RANGE;
        memcpy(rep, out, rep_bytes);
    }
    return r;
}

static long fake_call(uint64_t ep, uint32_t label, const void *req, size_t req_bytes, void *rep,
                      size_t rep_bytes)
{
    (void)ep;
    if (label == FS_READ_BULK || label == FS_WRITE_BULK)
        bulk_calls++;
    if (label == FS_READ || label == FS_WRITE)
        msg_calls++;
    return dispatch(FS_BADGE_VFS, label, req, req_bytes, rep, rep_bytes, 0, 0);
}

static uint8_t *bulk_alloc(unsigned slot, uint64_t bytes)
{
    CU_ASSERT(slot < VFS_MOUNT_MAX);
    CU_ASSERT_EQUAL(bytes, FS_BULK_BYTES);
    return bulk_mem;
}

static long bulk_attach(uint64_t ep, uint8_t *buf, uint64_t bytes, uint64_t *granted)
{
    struct fs_bulk_attach_req rq = { .pages = bytes / 4096 };
    struct fs_bulk_attach_rep rp;
    long r;

    (void)ep;
    if (attach_answer)
        return attach_answer;
    if ((r = dispatch(FS_BADGE_VFS, FS_BULK_ATTACH, &rq, sizeof(rq), &rp, sizeof(rp), buf, rq.pages)) < 0)
        return r;
    *granted = rp.bytes;
    return 0;
}

static const struct vn_bulk_ops bulk_ops = { bulk_alloc, bulk_attach };

static int suite_init(void)
{
    arena = aligned_alloc(4096, ARENA_BYTES);
    bulk_mem = aligned_alloc(4096, FS_BULK_BYTES);
    return arena && bulk_mem ? 0 : -1;
}

static int suite_clean(void)
{
    free(arena);
    free(bulk_mem);
    return 0;
}

/* vfs's tree with /mnt, /dir and /file ("file\n"), tmpfs fresh (not mounted). */
static void fresh(void)
{
    heap_init(&vfs_heap, (uintptr_t)arena, (uintptr_t)arena + ARENA_BYTES, arena_grow);
    memset(&fs, 0, sizeof(fs));
    CU_ASSERT_EQUAL_FATAL(ramfs_init(&fs), 0);
    vn_init(&fs, fake_call);
    CU_ASSERT_EQUAL_FATAL(tmpfs_init(&server), 0);
    CU_ASSERT_EQUAL_FATAL(ramfs_create(&fs, fs.root, "mnt", 3, VFS_S_IFDIR | 0755, 0, &mnt_dir), 0);
    CU_ASSERT_EQUAL_FATAL(ramfs_create(&fs, fs.root, "dir", 3, VFS_S_IFDIR | 0755, 0, &dir), 0);
    CU_ASSERT_EQUAL_FATAL(ramfs_create(&fs, fs.root, "file", 4, VFS_S_IFREG | 0644, 0, &file), 0);
    CU_ASSERT_EQUAL(ramfs_write(&fs, file, 0, "file\n", 5), 5);
    attach_answer = 0;
    bulk_calls = msg_calls = 0;
}

static void done(void)
{
    uint64_t ep;

    for (unsigned i = 0; i < VFS_MOUNT_MAX; i++)
        if (vn.mounts[i].used)
            CU_ASSERT_EQUAL(vn_unmount(vn.mounts[i].root, &ep), 0);
    CU_ASSERT_EQUAL(server.nheld, 0);
    tmpfs_destroy(&server);
    CU_ASSERT_EQUAL(server.fs.nodes, 0);
    ramfs_destroy(&fs);
    CU_ASSERT_EQUAL(fs.nodes, 0);
    CU_ASSERT_EQUAL(vfs_heap.blocks, 0);
    CU_ASSERT_EQUAL(vfs_heap.in_use, 0);
}

/* A remote vnode found this way lives until vn_gc (the end of a request in vfs). */
static long look(const char *path, bool follow, struct vfs_node **n)
{
    return path_lookup_last(&fs, fs.root, path, strlen(path), follow, n);
}

static struct vfs_node *node(const char *path)
{
    struct vfs_node *n = 0;

    return look(path, true, &n) == 0 ? n : 0;
}

static void link_in(struct vfs_node *d, const char *name, const char *target)
{
    struct vfs_node *n;

    CU_ASSERT_EQUAL(ramfs_symlink(&fs, d, name, strlen(name), target, strlen(target), &n), 0);
}

static void test_tree_symlinks(void)
{
    struct vfs_node *n, *sub;
    struct path_last last;
    char buf[VFS_PATH_CAP], name[16];

    fresh();
    CU_ASSERT_EQUAL(ramfs_create(&fs, dir, "sub", 3, VFS_S_IFDIR | 0755, 0, &sub), 0);
    link_in(fs.root, "abs", "/dir/sub");
    link_in(dir, "rel", "../file");
    link_in(dir, "chain", "rel");
    link_in(fs.root, "dangling", "nowhere/x");
    link_in(fs.root, "loop-a", "loop-b");
    link_in(fs.root, "loop-b", "/loop-a");
    link_in(sub, "up", "..");
    CU_ASSERT_PTR_EQUAL(node("/abs"), sub);
    CU_ASSERT_PTR_EQUAL(node("/abs/"), sub);
    CU_ASSERT_PTR_EQUAL(node("/abs/.."), dir);              /* the target's "..", not the link's */
    CU_ASSERT_PTR_EQUAL(node("/dir/rel"), file);
    CU_ASSERT_PTR_EQUAL(node("/dir/chain"), file);
    CU_ASSERT_PTR_EQUAL(node("abs/up/rel"), file);          /* relative to the root, through three */
    CU_ASSERT_PTR_EQUAL(node("/abs/up/sub/up/sub"), sub);
    /* The last link itself, unless a trailing slash asks for the directory. */
    CU_ASSERT_EQUAL(look("/dir/rel", false, &n), 0);
    CU_ASSERT(ramfs_is_lnk(n) && n->size == 7);
    CU_ASSERT_EQUAL(look("/abs/", false, &n), 0);
    CU_ASSERT_PTR_EQUAL(n, sub);
    CU_ASSERT_EQUAL(look("/dir/rel/", true, &n), -E_NOTDIR);
    CU_ASSERT_EQUAL(look("/dir/rel/x", true, &n), -E_NOTDIR);
    CU_ASSERT_EQUAL(look("/dangling", true, &n), -E_NOENT);
    CU_ASSERT_EQUAL(look("/dangling", false, &n), 0);
    CU_ASSERT_EQUAL(look("/loop-a", true, &n), -E_LOOP);
    CU_ASSERT_EQUAL(look("/loop-a/x", false, &n), -E_LOOP);
    CU_ASSERT_EQUAL(look("/loop-a", false, &n), 0);
    /* 40 links in a row resolve, 41 do not. */
    for (int i = 1; i <= 41; i++) {
        char target[16];

        snprintf(name, sizeof(name), "c%d", i);
        snprintf(target, sizeof(target), i == 1 ? "file" : "c%d", i - 1);
        link_in(fs.root, name, target);
    }
    CU_ASSERT_PTR_EQUAL(node("/c40"), file);
    CU_ASSERT_EQUAL(look("/c41", true, &n), -E_LOOP);
    /* A dangling link's last step: path_follow leaves where the target would be made. */
    CU_ASSERT_EQUAL(path_parent(&fs, fs.root, "/dangling", 9, &last), 0);
    CU_ASSERT_EQUAL(path_step(&fs, last.dir, last.name, last.len, &n), 0);
    CU_ASSERT_EQUAL(path_follow(&fs, &last, n), -E_NOENT);  /* "nowhere" is missing */
    link_in(fs.root, "to-new", "dir/new");
    CU_ASSERT_EQUAL(path_parent(&fs, fs.root, "to-new", 6, &last), 0);
    CU_ASSERT_EQUAL(path_step(&fs, last.dir, last.name, last.len, &n), 0);
    CU_ASSERT_EQUAL(path_follow(&fs, &last, n), 0);
    CU_ASSERT_PTR_EQUAL(last.dir, dir);
    CU_ASSERT(last.len == 3 && memcmp(last.name, "new", 3) == 0);
    /* A target that makes the path too long to walk: VFS_PATH_WORK bytes with what is left. */
    {
        static char rest[VFS_PATH_WORK];

        memset(rest, 'r', sizeof(rest));
        CU_ASSERT_EQUAL(look("/dir/chain", false, &n), 0);
        last.links = 0;
        CU_ASSERT_EQUAL(path_link_splice(&last, n, rest, VFS_PATH_WORK - 4), -E_NAMETOOLONG);
        CU_ASSERT_EQUAL(path_link_splice(&last, n, rest, VFS_PATH_WORK - 5), VFS_PATH_WORK - 1);
        CU_ASSERT(memcmp(last.work, "rel/rrr", 7) == 0 && last.work[VFS_PATH_WORK - 1] == '\0');
        last.links = VFS_LINKS_MAX;
        CU_ASSERT_EQUAL(path_link_splice(&last, n, "x", 1), -E_LOOP);
        last.links = 0;
        CU_ASSERT_EQUAL(path_link_splice(&last, node("/dir"), "x", 1), -E_INVAL);
    }
    /* readlink of either kind of node, and of what is not a link. */
    CU_ASSERT_EQUAL(vn_readlink(node("/dir"), buf, sizeof(buf)), -E_INVAL);
    CU_ASSERT_EQUAL(look("/dir/chain", false, &n), 0);
    CU_ASSERT_EQUAL(vn_readlink(n, buf, sizeof(buf)), 3);
    CU_ASSERT_STRING_EQUAL(buf, "rel");
    CU_ASSERT_EQUAL(vn_readlink(n, buf, 3), -E_NAMETOOLONG);
    CU_ASSERT_EQUAL(ramfs_symlink(&fs, fs.root, "empty", 5, "", 0, &n), -E_INVAL);
    CU_ASSERT_EQUAL(ramfs_symlink(&fs, fs.root, "abs", 3, "x", 1, &n), -E_EXIST);
    done();
}

static void test_tree_hard_links(void)
{
    struct vfs_node *n;

    fresh();
    CU_ASSERT_EQUAL(ramfs_link(&fs, dir, "again", 5, file), 0);
    CU_ASSERT_EQUAL(file->nlink, 2);
    CU_ASSERT_PTR_EQUAL(node("/dir/again"), file);
    CU_ASSERT_EQUAL(ramfs_link(&fs, dir, "again", 5, file), -E_EXIST);
    CU_ASSERT_EQUAL(ramfs_link(&fs, fs.root, "d2", 2, dir), -E_PERM);
    CU_ASSERT_EQUAL(ramfs_link(&fs, file, "x", 1, file), -E_NOTDIR);
    CU_ASSERT_EQUAL(ramfs_remove(&fs, fs.root, "file", 4, false), 0);
    CU_ASSERT_EQUAL(file->nlink, 1);
    n = node("/dir/again");
    CU_ASSERT(n == file && n->size == 5 && memcmp(n->data, "file\n", 5) == 0);
    /* A link to a link is a second name of the link, not of its target. */
    link_in(fs.root, "sym", "dir/again");
    CU_ASSERT_EQUAL(look("/sym", false, &n), 0);
    CU_ASSERT_EQUAL(ramfs_link(&fs, dir, "sym2", 4, n), 0);
    CU_ASSERT_EQUAL(look("/dir/sym2", false, &n), 0);
    CU_ASSERT(ramfs_is_lnk(n) && n->nlink == 2);
    CU_ASSERT_EQUAL(look("/dir/sym2", true, &n), -E_NOENT);  /* "dir/again" relative to /dir */
    done();                         /* a node with two names is freed once */
}

static void mount_tmpfs(void)
{
    CU_ASSERT_EQUAL_FATAL(vn_mount(mnt_dir, 0, "tmpfs", 0), 0);
}

static void test_links_across_mounts(void)
{
    struct vfs_node *root, *d, *f, *n;
    char buf[VFS_PATH_CAP];
    uint64_t at;

    fresh();
    mount_tmpfs();
    root = node("/mnt");
    CU_ASSERT_EQUAL(vn_create(root, "d", 1, 0755, true, &d), 0);
    CU_ASSERT_EQUAL(vn_create(d, "f", 1, VFS_S_IFREG | 0644, false, &f), 0);
    CU_ASSERT_EQUAL(vn_write(f, 0, "remote\n", 7, &at), 7);
    /* Links on the server, through fs.h: relative up out of the mount, absolute back in. */
    CU_ASSERT_EQUAL(vn_symlink(d, "out", 3, "../../file", 10), 0);
    CU_ASSERT_EQUAL(vn_symlink(root, "in", 2, "/mnt/d/f", 8), 0);
    CU_ASSERT_EQUAL(vn_symlink(root, "in", 2, "x", 1), -E_EXIST);
    CU_ASSERT_EQUAL(vn_symlink(root, "e", 1, "", 0), -E_INVAL);
    link_in(dir, "to-mnt", "../mnt/d");
    CU_ASSERT_PTR_EQUAL(node("/mnt/d/out"), file);
    CU_ASSERT_PTR_EQUAL(node("/mnt/in"), f);
    CU_ASSERT_PTR_EQUAL(node("/dir/to-mnt/f"), f);
    CU_ASSERT_PTR_EQUAL(node("/dir/to-mnt/out"), file);
    CU_ASSERT_EQUAL(look("/mnt/in", false, &n), 0);
    CU_ASSERT(ramfs_is_lnk(n) && vn_remote(n) && n->size == 8);
    CU_ASSERT_EQUAL(vn_readlink(n, buf, sizeof(buf)), 8);
    CU_ASSERT_STRING_EQUAL(buf, "/mnt/d/f");
    /* Hard links within the mount; across it -E_XDEV. */
    f = node("/mnt/d/f");
    CU_ASSERT_EQUAL(vn_link(node("/mnt"), "f2", 2, f), 0);
    CU_ASSERT_EQUAL(vn_getattr(f), 0);
    CU_ASSERT_EQUAL(f->nlink, 2);
    CU_ASSERT_EQUAL(vn_link(node("/mnt"), "f2", 2, f), -E_EXIST);
    CU_ASSERT_EQUAL(vn_link(node("/mnt"), "dd", 2, node("/mnt/d")), -E_PERM);
    CU_ASSERT_EQUAL(vn_link(node("/mnt"), "x", 1, file), -E_XDEV);
    CU_ASSERT_EQUAL(vn_remove(node("/mnt/d"), "f", 1, false), 0);
    CU_ASSERT_EQUAL(vn_read(node("/mnt/f2"), 0, buf, sizeof(buf)), 7);
    CU_ASSERT_EQUAL(memcmp(buf, "remote\n", 7), 0);
    vn_gc();
    done();
}

/* tmpfs's LINK, SYMLINK and READLINK handlers, asked directly: every check. */
static void test_tmpfs_links(void)
{
    struct fs_mount_req mt = { 0 };
    struct fs_mount_rep mr;
    struct fs_create_req cr = { .mode = VFS_S_IFREG | 0644 };
    struct fs_create_rep crp;
    struct fs_symlink_req sl = { 0 };
    struct fs_readlink_req rl = { 0 };
    struct fs_readlink_rep rlp;
    struct fs_link_req ln = { 0 };
    struct fs_lookup_req lk = { 0 };
    struct fs_lookup_rep lkp;
    struct fs_getdents_req gd = { 0 };
    struct fs_getdents_rep gdp;
    struct fs_close_req cl = { .count = 1 };

    fresh();
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_MOUNT, &mt, sizeof(mt), &mr, sizeof(mr), 0, 0), 0);
    cr.dir = sl.dir = ln.dir = lk.dir = gd.dir = mr.root;
    PROTO_STR_SET(cr.name, "f");
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_CREATE, &cr, sizeof(cr), &crp, sizeof(crp), 0, 0), 0);
    PROTO_STR_SET(sl.name, "s");
    PROTO_STR_SET(sl.target, "f");
    CU_ASSERT_EQUAL(dispatch(5, FS_SYMLINK, &sl, sizeof(sl), 0, 0, 0, 0), -E_PERM);
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_SYMLINK, &sl, sizeof(sl), 0, 0, 0, 0), 0);
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_SYMLINK, &sl, sizeof(sl), 0, 0, 0, 0), -E_EXIST);
    sl.target.len = 0;
    sl.target.bytes[0] = '\0';
    PROTO_STR_SET(sl.name, "t");
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_SYMLINK, &sl, sizeof(sl), 0, 0, 0, 0), -E_INVAL);
    PROTO_STR_SET(lk.name, "s");
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_LOOKUP, &lk, sizeof(lk), &lkp, sizeof(lkp), 0, 0), 0);
    CU_ASSERT_EQUAL(lkp.attr.mode, VFS_S_IFLNK | 0777);
    CU_ASSERT_EQUAL(lkp.attr.size, 1);
    rl.ino = lkp.attr.ino;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_READLINK, &rl, sizeof(rl), &rlp, sizeof(rlp), 0, 0), 0);
    CU_ASSERT(rlp.target.len == 1 && strcmp(rlp.target.bytes, "f") == 0);
    cl.ino = lkp.attr.ino;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_CLOSE, &cl, sizeof(cl), 0, 0, 0, 0), 0);
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_READLINK, &rl, sizeof(rl), &rlp, sizeof(rlp), 0, 0), -E_NOENT);
    rl.ino = crp.attr.ino;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_READLINK, &rl, sizeof(rl), &rlp, sizeof(rlp), 0, 0), -E_INVAL);
    ln.ino = crp.attr.ino;
    PROTO_STR_SET(ln.name, "g");
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_LINK, &ln, sizeof(ln), 0, 0, 0, 0), 0);
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_LINK, &ln, sizeof(ln), 0, 0, 0, 0), -E_EXIST);
    ln.ino = mr.root;
    PROTO_STR_SET(ln.name, "h");
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_LINK, &ln, sizeof(ln), 0, 0, 0, 0), -E_PERM);
    ln.ino = 9999;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_LINK, &ln, sizeof(ln), 0, 0, 0, 0), -E_NOENT);
    /* The listing: ".", "..", f, s (a link), g (f again). */
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_GETDENTS, &gd, sizeof(gd), &gdp, sizeof(gdp), 0, 0), 0);
    CU_ASSERT_EQUAL(gdp.count, 5);
    {
        const char *b = (const char *)gdp.buf;
        int links = 0;

        for (uint64_t at = 0; at < gdp.bytes;) {
            const struct vfs_dirent *d = (const void *)(b + at);

            links += strcmp(d->name, "s") == 0 && d->type == VFS_DT_LNK;
            at += d->reclen;
        }
        CU_ASSERT_EQUAL(links, 1);
    }
    cl.ino = crp.attr.ino;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_CLOSE, &cl, sizeof(cl), 0, 0, 0, 0), 0);
    cl.ino = mr.root;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_CLOSE, &cl, sizeof(cl), 0, 0, 0, 0), 0);
    done();
}

/* The mount's buffer: attached at MOUNT, large transfers through it, small ones by message. */
static void test_bulk_bookkeeping(void)
{
    static uint8_t data[3 * FS_BULK_BYTES + 1000], back[sizeof(data)];
    struct vfs_node *f;
    uint64_t at, off;
    long r;

    fresh();
    vn_set_bulk(&bulk_ops);
    mount_tmpfs();
    CU_ASSERT_PTR_EQUAL(vn.mounts[0].bulk, bulk_mem);
    CU_ASSERT_EQUAL(vn.mounts[0].bulk_max, FS_BULK_BYTES);
    CU_ASSERT_PTR_EQUAL(server.bulk, bulk_mem);
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7 + (i >> 11));
    CU_ASSERT_EQUAL(vn_create(node("/mnt"), "big", 3, VFS_S_IFREG | 0644, false, &f), 0);
    for (off = 0; off < sizeof(data); off += (uint64_t)r)
        if ((r = vn_write(f, off, data + off, sizeof(data) - off, &at)) <= 0 || at != off)
            break;
    CU_ASSERT_EQUAL(off, sizeof(data));
    CU_ASSERT_EQUAL(f->size, sizeof(data));
    CU_ASSERT_EQUAL(bulk_calls, 4);                 /* three whole buffers, then 1000 bytes */
    CU_ASSERT_EQUAL(msg_calls, 0);
    /* Append: at the end, wherever vfs thought it was. */
    CU_ASSERT_EQUAL(vn_write(f, FS_APPEND, data, 600, &at), 600);
    CU_ASSERT_EQUAL(at, sizeof(data));
    CU_ASSERT_EQUAL(vn_setattr(f, FS_SET_SIZE, 0, sizeof(data)), 0);
    bulk_calls = 0;
    for (off = 0; (r = vn_read(f, off, back + off, sizeof(back) - off)) > 0; off += (uint64_t)r)
        CU_ASSERT(r <= (long)FS_BULK_BYTES);
    CU_ASSERT_EQUAL(r, 0);
    CU_ASSERT_EQUAL(off, sizeof(data));
    CU_ASSERT_EQUAL(memcmp(data, back, sizeof(data)), 0);
    CU_ASSERT_EQUAL(bulk_calls, 4);
    /* FS_IO_MAX bytes or fewer go by message, the buffer untouched. */
    memset(bulk_mem, 0xee, FS_BULK_BYTES);
    msg_calls = 0;
    CU_ASSERT_EQUAL(vn_read(f, 10, back, FS_IO_MAX), FS_IO_MAX);
    CU_ASSERT_EQUAL(memcmp(back, data + 10, FS_IO_MAX), 0);
    CU_ASSERT_EQUAL(msg_calls, 1);
    CU_ASSERT_EQUAL(bulk_mem[0], 0xee);
    vn_gc();
    done();
    CU_ASSERT_PTR_NULL(server.bulk);               /* UNMOUNT forgot the buffer */

    /* A server that refuses the buffer: the mount works by message alone. */
    fresh();
    vn_set_bulk(&bulk_ops);
    attach_answer = -E_NOSYS;
    mount_tmpfs();
    CU_ASSERT_PTR_NULL(vn.mounts[0].bulk);
    CU_ASSERT_EQUAL(vn_create(node("/mnt"), "f", 1, VFS_S_IFREG | 0644, false, &f), 0);
    CU_ASSERT_EQUAL(vn_write(f, 0, data, 5000, &at), FS_IO_MAX);
    CU_ASSERT_EQUAL(vn_read(f, 0, back, 5000), FS_IO_MAX);
    CU_ASSERT_EQUAL(bulk_calls, 0);
    vn_gc();
    done();
    memset(&vn.bulk, 0, sizeof(vn.bulk));
}

/* tmpfs's BULK_ATTACH, READ_BULK and WRITE_BULK asked directly: every check. */
static void test_bulk_malformed(void)
{
    struct fs_mount_req mt = { 0 };
    struct fs_mount_rep mr;
    struct fs_bulk_attach_req at = { .pages = FS_BULK_PAGES };
    struct fs_bulk_attach_rep atp;
    struct fs_create_req cr = { .mode = VFS_S_IFREG | 0644 };
    struct fs_create_rep crp;
    struct fs_read_bulk_req rb = { 0 };
    struct fs_read_bulk_rep rbp;
    struct fs_write_bulk_req wb = { 0 };
    struct fs_write_bulk_rep wbp;
    struct fs_getattr_req ga = { 0 };
    struct fs_close_req cl = { .count = 1 };

    fresh();
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_BULK_ATTACH, &at, sizeof(at), &atp, sizeof(atp), bulk_mem,
                             FS_BULK_PAGES), -E_STATE);    /* before MOUNT */
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_MOUNT, &mt, sizeof(mt), &mr, sizeof(mr), 0, 0), 0);
    cr.dir = mr.root;
    PROTO_STR_SET(cr.name, "f");
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_CREATE, &cr, sizeof(cr), &crp, sizeof(crp), 0, 0), 0);
    rb.ino = wb.ino = crp.attr.ino;
    rb.max = wb.count = 100;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_READ_BULK, &rb, sizeof(rb), &rbp, sizeof(rbp), 0, 0), -E_STATE);
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_WRITE_BULK, &wb, sizeof(wb), &wbp, sizeof(wbp), 0, 0), -E_STATE);
    CU_ASSERT_EQUAL(dispatch(5, FS_BULK_ATTACH, &at, sizeof(at), &atp, sizeof(atp), bulk_mem, FS_BULK_PAGES),
                    -E_PERM);
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_BULK_ATTACH, &at, sizeof(at), &atp, sizeof(atp), 0, 0), -E_RANGE);
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_BULK_ATTACH, &at, sizeof(at), &atp, sizeof(atp), bulk_mem, 2),
                    -E_RANGE);      /* not the pages it says */
    at.pages = FS_BULK_PAGES + 1;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_BULK_ATTACH, &at, sizeof(at), &atp, sizeof(atp), bulk_mem,
                             FS_BULK_PAGES + 1), -E_RANGE);
    at.pages = 0;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_BULK_ATTACH, &at, sizeof(at), &atp, sizeof(atp), bulk_mem, 0),
                    -E_RANGE);
    /* Memory with any other request is refused. */
    ga.ino = mr.root;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_GETATTR, &ga, sizeof(ga), 0, 0, bulk_mem, 1), -E_RANGE);
    at.pages = 2;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_BULK_ATTACH, &at, sizeof(at), &atp, sizeof(atp), bulk_mem, 2), 0);
    CU_ASSERT_EQUAL(atp.bytes, 8192);
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_BULK_ATTACH, &at, sizeof(at), &atp, sizeof(atp), bulk_mem, 2),
                    -E_BUSY);
    /* Counts past the buffer; then a round trip through it. */
    wb.count = 8193;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_WRITE_BULK, &wb, sizeof(wb), &wbp, sizeof(wbp), 0, 0), -E_RANGE);
    rb.max = 8193;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_READ_BULK, &rb, sizeof(rb), &rbp, sizeof(rbp), 0, 0), -E_RANGE);
    memcpy(bulk_mem, "through the buffer", 18);
    wb.count = 18;
    wb.offset = 4000;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_WRITE_BULK, &wb, sizeof(wb), &wbp, sizeof(wbp), 0, 0), 0);
    CU_ASSERT(wbp.count == 18 && wbp.offset == 4000 && wbp.size == 4018);
    memset(bulk_mem, 0, 8192);
    rb.max = 8192;
    rb.offset = 3999;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_READ_BULK, &rb, sizeof(rb), &rbp, sizeof(rbp), 0, 0), 0);
    CU_ASSERT(rbp.count == 19 && bulk_mem[0] == 0 && memcmp(bulk_mem + 1, "through the buffer", 18) == 0);
    rb.ino = mr.root;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_READ_BULK, &rb, sizeof(rb), &rbp, sizeof(rbp), 0, 0), -E_ISDIR);
    rb.ino = 777;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_READ_BULK, &rb, sizeof(rb), &rbp, sizeof(rbp), 0, 0), -E_NOENT);
    cl.ino = crp.attr.ino;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_CLOSE, &cl, sizeof(cl), 0, 0, 0, 0), 0);
    cl.ino = mr.root;
    CU_ASSERT_EQUAL(dispatch(FS_BADGE_VFS, FS_CLOSE, &cl, sizeof(cl), 0, 0, 0, 0), 0);
    done();
}

int test_fslinks_register(void)
{
    CU_pSuite s = CU_add_suite("vfs links and bulk buffers", suite_init, suite_clean);

    if (!s || !CU_add_test(s, "symbolic links in vfs's tree", test_tree_symlinks) ||
        !CU_add_test(s, "hard links in vfs's tree", test_tree_hard_links) ||
        !CU_add_test(s, "links across a mount", test_links_across_mounts) ||
        !CU_add_test(s, "tmpfs LINK, SYMLINK, READLINK", test_tmpfs_links) ||
        !CU_add_test(s, "bulk buffer bookkeeping", test_bulk_bookkeeping) ||
        !CU_add_test(s, "malformed bulk requests to tmpfs", test_bulk_malformed))
        return -1;
    return 0;
}
