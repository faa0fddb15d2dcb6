/* Unit tests for the vfs server's pure parts: heap.c, ramfs.c, path.c, cpio.c (fed hostile archives), fdtable.c. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agora/errors.h"
#include "agora/proto/vfs.h"
#include "cpio.h"
#include "fdtable.h"
#include "heap.h"
#include "path.h"
#include "ramfs.h"
#include "suites.h"

#define ARENA_BYTES (512u << 20)   /* address space only: pages are touched as used */

static char *arena;
static struct ramfs fs;

static long arena_grow(uintptr_t at, size_t bytes)
{
    (void)at;
    (void)bytes;
    return 0;                      /* the arena is all there */
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

/* A fresh heap and file system for each test. */
static void fresh(void)
{
    heap_init(&vfs_heap, (uintptr_t)arena, (uintptr_t)arena + ARENA_BYTES, arena_grow);
    memset(&fs, 0, sizeof(fs));
    CU_ASSERT_EQUAL_FATAL(ramfs_init(&fs), 0);
}

/* Everything freed: no node and no heap block left. */
static void done(void)
{
    ramfs_destroy(&fs);
    CU_ASSERT_EQUAL(fs.nodes, 0);
    CU_ASSERT_EQUAL(vfs_heap.blocks, 0);
    CU_ASSERT_EQUAL(vfs_heap.in_use, 0);
}

static struct vfs_node *lookup(const char *path)
{
    struct vfs_node *n = 0;

    return path_lookup(&fs, fs.root, path, strlen(path), &n) == 0 ? n : 0;
}

static long lookup_err(const char *path)
{
    struct vfs_node *n;

    return path_lookup(&fs, fs.root, path, strlen(path), &n);
}

static struct vfs_node *mk(struct vfs_node *dir, const char *name, uint32_t mode)
{
    struct vfs_node *n = 0;

    CU_ASSERT_EQUAL(ramfs_create(&fs, dir, name, strlen(name), mode, 0, &n), 0);
    return n;
}

/* ---- heap ---- */

static void test_heap(void)
{
    struct heap h;
    void *p[100];

    heap_init(&h, (uintptr_t)arena, (uintptr_t)arena + (1u << 20), arena_grow);
    for (int i = 0; i < 100; i++) {
        p[i] = heap_alloc(&h, (size_t)i * 37 + 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(p[i]);
        CU_ASSERT_EQUAL((uintptr_t)p[i] % 16, 0);
        memset(p[i], i, (size_t)i * 37 + 1);
    }
    for (int i = 0; i < 100; i++)
        CU_ASSERT_EQUAL(((unsigned char *)p[i])[(size_t)i * 37], i);
    CU_ASSERT_EQUAL(h.blocks, 100);
    for (int i = 0; i < 100; i += 2)
        heap_free(&h, p[i]);
    heap_free(&h, p[0]);                         /* twice: ignored */
    heap_free(&h, (char *)p[1] + 16);            /* not a block: ignored */
    heap_free(&h, NULL);
    CU_ASSERT_EQUAL(h.blocks, 50);
    /* A freed block of the same class comes back. */
    CU_ASSERT_PTR_EQUAL(heap_alloc(&h, 98 * 37 + 1), p[98]);
    /* realloc keeps the contents. */
    p[1] = heap_realloc(&h, p[1], 5000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p[1]);
    CU_ASSERT_EQUAL(((unsigned char *)p[1])[37], 1);
    /* Past the limit: NULL, nothing changes. */
    CU_ASSERT_PTR_NULL(heap_alloc(&h, 2u << 20));
    CU_ASSERT_PTR_NULL(heap_alloc(&h, (size_t)-1));
    CU_ASSERT_PTR_NULL(heap_realloc(&h, p[1], 2u << 20));
    CU_ASSERT_EQUAL(((unsigned char *)p[1])[37], 1);
}

static long failing_grow(uintptr_t at, size_t bytes)
{
    (void)at;
    (void)bytes;
    return -E_NOMEM;
}

static void test_heap_grow_fails(void)
{
    struct heap h;

    heap_init(&h, (uintptr_t)arena, (uintptr_t)arena + (1u << 20), failing_grow);
    CU_ASSERT_PTR_NULL(heap_alloc(&h, 1));
    CU_ASSERT_EQUAL(h.blocks, 0);
}

/* ---- ramfs ---- */

static void test_ramfs_tree(void)
{
    struct vfs_node *etc, *motd, *sub, *n;
    const char *name;
    uint64_t len;

    fresh();
    etc = mk(fs.root, "etc", VFS_S_IFDIR | 0755);
    motd = mk(etc, "motd", VFS_S_IFREG | 0644);
    CU_ASSERT_EQUAL(fs.root->nlink, 3);
    CU_ASSERT_EQUAL(etc->nlink, 2);
    CU_ASSERT_EQUAL(motd->nlink, 1);
    CU_ASSERT_PTR_EQUAL(ramfs_lookup(etc, "motd", 4), motd);
    CU_ASSERT_PTR_NULL(ramfs_lookup(etc, "mot", 3));
    CU_ASSERT_PTR_NULL(ramfs_lookup(motd, "x", 1));
    CU_ASSERT_EQUAL(ramfs_create(&fs, etc, "motd", 4, VFS_S_IFREG, 0, &n), -E_EXIST);
    CU_ASSERT_EQUAL(ramfs_create(&fs, etc, ".", 1, VFS_S_IFREG, 0, &n), -E_EXIST);
    CU_ASSERT_EQUAL(ramfs_create(&fs, etc, "..", 2, VFS_S_IFDIR, 0, &n), -E_EXIST);
    CU_ASSERT_EQUAL(ramfs_create(&fs, etc, "a/b", 3, VFS_S_IFREG, 0, &n), -E_INVAL);
    CU_ASSERT_EQUAL(ramfs_create(&fs, etc, "", 0, VFS_S_IFREG, 0, &n), -E_INVAL);
    CU_ASSERT_EQUAL(ramfs_create(&fs, motd, "x", 1, VFS_S_IFREG, 0, &n), -E_NOTDIR);
    CU_ASSERT_EQUAL(ramfs_create(&fs, etc, "x", VFS_NAME_MAX + 1, VFS_S_IFREG, 0, &n), -E_NAMETOOLONG);
    /* Entries: ".", "..", then creation order. */
    sub = mk(etc, "sub", VFS_S_IFDIR | 0700);
    CU_ASSERT(ramfs_dirent(etc, 0, &name, &len, &n) && len == 1 && n == etc);
    CU_ASSERT(ramfs_dirent(etc, 1, &name, &len, &n) && len == 2 && n == fs.root);
    CU_ASSERT(ramfs_dirent(etc, 2, &name, &len, &n) && n == motd && strcmp(name, "motd") == 0);
    CU_ASSERT(ramfs_dirent(etc, 3, &name, &len, &n) && n == sub);
    CU_ASSERT_FALSE(ramfs_dirent(etc, 4, &name, &len, &n));
    /* Removal rules. */
    CU_ASSERT_EQUAL(ramfs_remove(&fs, fs.root, "etc", 3, true), -E_NOTEMPTY);
    CU_ASSERT_EQUAL(ramfs_remove(&fs, etc, "sub", 3, false), -E_ISDIR);
    CU_ASSERT_EQUAL(ramfs_remove(&fs, etc, "motd", 4, true), -E_NOTDIR);
    CU_ASSERT_EQUAL(ramfs_remove(&fs, etc, "none", 4, false), -E_NOENT);
    CU_ASSERT_EQUAL(ramfs_remove(&fs, etc, "sub", 3, true), 0);
    CU_ASSERT_EQUAL(etc->nlink, 2);
    CU_ASSERT_EQUAL(ramfs_remove(&fs, etc, "motd", 4, false), 0);
    CU_ASSERT_EQUAL(ramfs_remove(&fs, fs.root, "etc", 3, true), 0);
    CU_ASSERT_EQUAL(fs.root->nlink, 2);
    CU_ASSERT_EQUAL(fs.nodes, 1);
    done();
}

static void test_ramfs_data(void)
{
    static const char image[] = "borrowed contents";
    struct vfs_node *f;
    char buf[64];

    fresh();
    f = mk(fs.root, "f", VFS_S_IFREG | 0644);
    CU_ASSERT_EQUAL(ramfs_read(f, 0, buf, sizeof buf), 0);
    CU_ASSERT_EQUAL(ramfs_write(&fs, f, 0, "hello", 5), 5);
    CU_ASSERT_EQUAL(ramfs_write(&fs, f, 10, "world", 5), 5);
    CU_ASSERT_EQUAL(f->size, 15);
    CU_ASSERT_EQUAL(ramfs_read(f, 0, buf, sizeof buf), 15);
    CU_ASSERT_EQUAL(memcmp(buf, "hello\0\0\0\0\0world", 15), 0);
    CU_ASSERT_EQUAL(ramfs_read(f, 12, buf, 2), 2);
    CU_ASSERT_EQUAL(ramfs_read(f, 100, buf, 2), 0);
    CU_ASSERT_EQUAL(ramfs_truncate(&fs, f, 3), 0);
    CU_ASSERT_EQUAL(ramfs_truncate(&fs, f, 6), 0);
    CU_ASSERT_EQUAL(ramfs_read(f, 0, buf, sizeof buf), 6);
    CU_ASSERT_EQUAL(memcmp(buf, "hel\0\0\0", 6), 0);
    CU_ASSERT_EQUAL(ramfs_write(&fs, f, VFS_FILE_MAX, "x", 1), -E_FBIG);
    CU_ASSERT_EQUAL(ramfs_write(&fs, f, UINT64_MAX - 1, "xy", 2), -E_FBIG);
    CU_ASSERT_EQUAL(ramfs_truncate(&fs, f, VFS_FILE_MAX + 1), -E_FBIG);
    CU_ASSERT_EQUAL(ramfs_truncate(&fs, f, 0), 0);
    CU_ASSERT_EQUAL(f->size, 0);
    /* Borrowed contents are copied on the first change, never written. */
    ramfs_borrow(f, image, sizeof image - 1);
    CU_ASSERT_EQUAL(ramfs_write(&fs, f, 0, "B", 1), 1);
    CU_ASSERT_STRING_EQUAL(image, "borrowed contents");
    CU_ASSERT_EQUAL(ramfs_read(f, 0, buf, sizeof buf), sizeof image - 1);
    CU_ASSERT_EQUAL(memcmp(buf, "Borrowed contents", sizeof image - 1), 0);
    ramfs_borrow(f, image, sizeof image - 1);
    CU_ASSERT_EQUAL(ramfs_truncate(&fs, f, 4), 0);
    CU_ASSERT_EQUAL(ramfs_truncate(&fs, f, 0), 0);
    CU_ASSERT_STRING_EQUAL(image, "borrowed contents");
    /* A large file, in pieces. */
    for (int i = 0; i < 1000; i++)
        CU_ASSERT_EQUAL(ramfs_write(&fs, f, (uint64_t)i * 1000, buf, 17), 17);
    CU_ASSERT_EQUAL(f->size, 999017);
    done();
}

static void test_ramfs_refs(void)
{
    struct vfs_node *d, *f;
    char path[64];

    fresh();
    d = mk(fs.root, "d", VFS_S_IFDIR | 0755);
    f = mk(d, "f", VFS_S_IFREG | 0644);
    ramfs_ref(f);
    ramfs_ref(d);
    CU_ASSERT_EQUAL(ramfs_remove(&fs, d, "f", 1, false), 0);
    CU_ASSERT_EQUAL(fs.nodes, 3);               /* still open */
    CU_ASSERT_EQUAL(ramfs_write(&fs, f, 0, "x", 1), 1);
    ramfs_unref(&fs, f);
    CU_ASSERT_EQUAL(fs.nodes, 2);
    CU_ASSERT_EQUAL(ramfs_path(&fs, d, path, sizeof path), 2);
    CU_ASSERT_STRING_EQUAL(path, "/d");
    CU_ASSERT_EQUAL(ramfs_remove(&fs, fs.root, "d", 1, true), 0);
    /* A removed working directory: no path, no new entries, ".." gone. */
    CU_ASSERT_EQUAL(ramfs_path(&fs, d, path, sizeof path), -E_NOENT);
    CU_ASSERT_EQUAL(ramfs_create(&fs, d, "g", 1, VFS_S_IFREG, 0, &f), -E_NOENT);
    CU_ASSERT_EQUAL(path_step(&fs, d, "..", 2, &f), -E_NOENT);
    CU_ASSERT_EQUAL(path_step(&fs, d, ".", 1, &f), 0);
    ramfs_unref(&fs, d);
    CU_ASSERT_EQUAL(fs.nodes, 1);
    done();
}

static void test_ramfs_rename(void)
{
    struct vfs_node *a, *b, *sub, *f, *g, *n;
    const char *name;
    uint64_t len;

    fresh();
    a = mk(fs.root, "a", VFS_S_IFDIR | 0755);
    b = mk(fs.root, "b", VFS_S_IFDIR | 0755);
    f = mk(a, "f", VFS_S_IFREG | 0644);
    g = mk(b, "g", VFS_S_IFREG | 0644);
    /* A file: within a directory, across, onto itself. */
    CU_ASSERT_EQUAL(ramfs_rename(&fs, a, "f", 1, a, "f2", 2), 0);
    CU_ASSERT_PTR_NULL(ramfs_lookup(a, "f", 1));
    CU_ASSERT_PTR_EQUAL(ramfs_lookup(a, "f2", 2), f);
    CU_ASSERT_EQUAL(a->nentries, 1);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, a, "f2", 2, a, "f2", 2), 0);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, a, "f2", 2, b, "f", 1), 0);
    CU_ASSERT_EQUAL(a->nentries, 0);
    CU_ASSERT_EQUAL(b->nentries, 2);
    CU_ASSERT_EQUAL(f->nlink, 1);
    /* Onto a file: that one goes (freed, nothing holds it); held, it stays for its holder. */
    ramfs_ref(g);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, b, "f", 1, b, "g", 1), 0);
    CU_ASSERT_PTR_EQUAL(ramfs_lookup(b, "g", 1), f);
    CU_ASSERT_EQUAL(b->nentries, 1);
    CU_ASSERT_EQUAL(g->nlink, 0);
    CU_ASSERT_EQUAL(fs.nodes, 5);
    ramfs_unref(&fs, g);
    CU_ASSERT_EQUAL(fs.nodes, 4);
    /* Directories: across (link counts and ".." follow), onto an empty one, not a full one. */
    sub = mk(a, "sub", VFS_S_IFDIR | 0755);
    CU_ASSERT_EQUAL(a->nlink, 3);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, a, "sub", 3, b, "s", 1), 0);
    CU_ASSERT_EQUAL(a->nlink, 2);
    CU_ASSERT_EQUAL(b->nlink, 3);
    CU_ASSERT_PTR_EQUAL(sub->parent, b);
    CU_ASSERT(ramfs_dirent(sub, 1, &name, &len, &n) && n == b);
    mk(fs.root, "e", VFS_S_IFDIR | 0755);
    CU_ASSERT_EQUAL(fs.root->nlink, 5);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, b, "s", 1, fs.root, "e", 1), 0);      /* e is freed */
    CU_ASSERT_PTR_EQUAL(ramfs_lookup(fs.root, "e", 1), sub);
    CU_ASSERT_EQUAL(fs.root->nlink, 5);
    CU_ASSERT_EQUAL(b->nlink, 2);
    CU_ASSERT_EQUAL(fs.nodes, 5);
    mk(sub, "x", VFS_S_IFREG | 0644);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, fs.root, "a", 1, fs.root, "e", 1), -E_NOTEMPTY);
    /* Refused, and nothing changed. */
    CU_ASSERT_EQUAL(ramfs_rename(&fs, fs.root, "a", 1, b, "g", 1), -E_NOTDIR);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, b, "g", 1, fs.root, "a", 1), -E_ISDIR);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, fs.root, "e", 1, sub, "y", 1), -E_INVAL);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, fs.root, "b", 1, b, "y", 1), -E_INVAL);
    mk(sub, "deep", VFS_S_IFDIR | 0755);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, fs.root, "e", 1, ramfs_lookup(sub, "deep", 4), "y", 1), -E_INVAL);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, b, "none", 4, b, "y", 1), -E_NOENT);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, b, "g", 1, b, "", 0), -E_INVAL);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, b, "g", 1, b, "..", 2), -E_INVAL);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, b, "g", 1, b, "a/b", 3), -E_INVAL);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, b, "g", 1, b, "y", VFS_NAME_MAX + 1), -E_NAMETOOLONG);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, b, "g", 1, f, "y", 1), -E_NOTDIR);
    CU_ASSERT_PTR_EQUAL(ramfs_lookup(b, "g", 1), f);
    CU_ASSERT_EQUAL(fs.root->nlink, 5);
    CU_ASSERT_EQUAL(fs.nodes, 7);
    /* Into a removed directory: -E_NOENT. */
    ramfs_ref(a);
    CU_ASSERT_EQUAL(ramfs_remove(&fs, fs.root, "a", 1, true), 0);
    CU_ASSERT_EQUAL(ramfs_rename(&fs, b, "g", 1, a, "g", 1), -E_NOENT);
    ramfs_unref(&fs, a);
    done();
}

static void test_ramfs_path(void)
{
    struct vfs_node *a, *b;
    char buf[8];

    fresh();
    a = mk(fs.root, "abc", VFS_S_IFDIR | 0755);
    b = mk(a, "de", VFS_S_IFDIR | 0755);
    CU_ASSERT_EQUAL(ramfs_path(&fs, fs.root, buf, sizeof buf), 1);
    CU_ASSERT_STRING_EQUAL(buf, "/");
    CU_ASSERT_EQUAL(ramfs_path(&fs, b, buf, sizeof buf), 7);
    CU_ASSERT_STRING_EQUAL(buf, "/abc/de");
    CU_ASSERT_EQUAL(ramfs_path(&fs, b, buf, 7), -E_RANGE);
    CU_ASSERT_EQUAL(ramfs_path(&fs, a, buf, 5), 4);
    CU_ASSERT_EQUAL(ramfs_path(&fs, a, buf, 1), -E_RANGE);
    done();
}

/* ---- paths ---- */

static void test_path_lookup(void)
{
    struct vfs_node *etc, *motd, *home, *user, *n;
    struct path_last last;
    char longname[VFS_PATH_CAP + 8];

    fresh();
    etc = mk(fs.root, "etc", VFS_S_IFDIR | 0755);
    motd = mk(etc, "motd", VFS_S_IFREG | 0644);
    home = mk(fs.root, "home", VFS_S_IFDIR | 0755);
    user = mk(home, "user", VFS_S_IFDIR | 0755);
    CU_ASSERT_PTR_EQUAL(lookup("/"), fs.root);
    CU_ASSERT_PTR_EQUAL(lookup("///"), fs.root);
    CU_ASSERT_PTR_EQUAL(lookup("/etc/motd"), motd);
    CU_ASSERT_PTR_EQUAL(lookup("//etc///motd"), motd);
    CU_ASSERT_PTR_EQUAL(lookup("etc/motd"), motd);           /* relative to the root here */
    CU_ASSERT_PTR_EQUAL(lookup("/etc/"), etc);
    CU_ASSERT_PTR_EQUAL(lookup("/etc/."), etc);
    CU_ASSERT_PTR_EQUAL(lookup("/etc/./././motd"), motd);
    CU_ASSERT_PTR_EQUAL(lookup("/home/user/../../etc/motd"), motd);
    CU_ASSERT_PTR_EQUAL(lookup("/../../.."), fs.root);
    CU_ASSERT_PTR_EQUAL(lookup(".."), fs.root);
    CU_ASSERT_PTR_EQUAL(lookup("/home/user/"), user);
    CU_ASSERT_EQUAL(lookup_err(""), -E_NOENT);
    CU_ASSERT_EQUAL(lookup_err("/etc/motd/"), -E_NOTDIR);
    CU_ASSERT_EQUAL(lookup_err("/etc/motd/."), -E_NOTDIR);
    CU_ASSERT_EQUAL(lookup_err("/etc/motd/x"), -E_NOTDIR);
    CU_ASSERT_EQUAL(lookup_err("/etc/motd/x/y"), -E_NOTDIR);
    CU_ASSERT_EQUAL(lookup_err("/etc/none"), -E_NOENT);
    CU_ASSERT_EQUAL(lookup_err("/none/motd"), -E_NOENT);
    CU_ASSERT_EQUAL(lookup_err("/Etc"), -E_NOENT);
    /* Relative to a working directory. */
    CU_ASSERT_EQUAL(path_lookup(&fs, user, "../../etc/motd", 14, &n), 0);
    CU_ASSERT_PTR_EQUAL(n, motd);
    CU_ASSERT_EQUAL(path_lookup(&fs, user, ".", 1, &n), 0);
    CU_ASSERT_PTR_EQUAL(n, user);
    /* The last component. */
    CU_ASSERT_EQUAL(path_parent(&fs, fs.root, "/etc/new/", 9, &last), 0);
    CU_ASSERT_PTR_EQUAL(last.dir, etc);
    CU_ASSERT(last.len == 3 && memcmp(last.name, "new", 3) == 0 && last.trailing_slash);
    CU_ASSERT_EQUAL(path_parent(&fs, fs.root, "/", 1, &last), 0);
    CU_ASSERT(last.dir == fs.root && last.len == 1 && last.name[0] == '.');
    CU_ASSERT_EQUAL(path_parent(&fs, fs.root, "/none/new", 9, &last), -E_NOENT);
    CU_ASSERT_EQUAL(path_parent(&fs, fs.root, "/etc/motd/new", 13, &last), -E_NOTDIR);
    /* Lengths. */
    memset(longname, 'a', sizeof longname);
    longname[0] = '/';
    CU_ASSERT_EQUAL(path_lookup(&fs, fs.root, longname, VFS_PATH_CAP, &n), -E_NAMETOOLONG);
    CU_ASSERT_EQUAL(path_lookup(&fs, fs.root, longname, VFS_PATH_CAP - 1, &n), -E_NOENT);
    CU_ASSERT_EQUAL(path_parent(&fs, fs.root, longname, VFS_PATH_CAP - 1, &last), 0);
    CU_ASSERT_EQUAL(last.len, VFS_PATH_CAP - 2);
    done();
}

/* ---- cpio ---- */

struct archive {
    char *buf;
    size_t len, cap;
};

static void put(struct archive *a, const void *p, size_t n)
{
    if (a->len + n + 4 > a->cap) {
        a->cap = (a->len + n + 4) * 2;
        a->buf = realloc(a->buf, a->cap);
    }
    memcpy(a->buf + a->len, p, n);
    a->len += n;
}

static void pad4(struct archive *a)
{
    while (a->len % 4)
        put(a, "", 1);
}

/* One newc member; namesize overrides the name's size when not 0. */
static void member(struct archive *a, const char *name, unsigned mode, const void *data, size_t size,
                   size_t namesize)
{
    char h[CPIO_HEADER_BYTES + 1];

    snprintf(h, sizeof h, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", 1u, mode, 0u,
             0u, 1u, 1000u, (unsigned)size, 0u, 0u, 0u, 0u,
             (unsigned)(namesize ? namesize : strlen(name) + 1), 0u);
    put(a, h, CPIO_HEADER_BYTES);
    put(a, name, strlen(name) + 1);
    pad4(a);
    put(a, data, size);
    pad4(a);
}

static void trailer(struct archive *a)
{
    member(a, "TRAILER!!!", 0, "", 0, 0);
}

/* The archive in a buffer of exactly its length (so AddressSanitizer sees any overread). */
static char *exact(const struct archive *a, size_t len)
{
    char *p = malloc(len ? len : 1);

    memcpy(p, a->buf, len);
    return p;
}

static void build_good(struct archive *a)
{
    memset(a, 0, sizeof(*a));
    member(a, ".", 0040755, "", 0, 0);
    member(a, "etc", 0040755, "", 0, 0);
    member(a, "etc/motd", 0100644, "Welcome\n", 8, 0);
    member(a, "./home", 0040755, "", 0, 0);
    member(a, "/home/user", 0040700, "", 0, 0);
    member(a, "home/user/README", 0100600, "abc", 3, 0);
    member(a, "etc/empty", 0100644, "", 0, 0);
    trailer(a);
}

static void test_cpio_good(void)
{
    struct archive a;
    struct cpio_stats st;
    struct vfs_node *n;
    char buf[16];
    char *p;

    fresh();
    build_good(&a);
    p = exact(&a, a.len);
    cpio_load(&fs, p, a.len, &st);
    CU_ASSERT_EQUAL(st.error, 0);
    CU_ASSERT_EQUAL(st.dirs, 3);
    CU_ASSERT_EQUAL(st.files, 3);
    CU_ASSERT_EQUAL(st.skipped, 0);
    n = lookup("/etc/motd");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(ramfs_read(n, 0, buf, sizeof buf), 8);
    CU_ASSERT_EQUAL(memcmp(buf, "Welcome\n", 8), 0);
    CU_ASSERT_EQUAL(n->mode, 0100644);
    CU_ASSERT_EQUAL(n->mtime, 1000);
    CU_ASSERT_EQUAL(n->cap, 0);                  /* borrowed */
    n = lookup("/home/user");
    CU_ASSERT(n && ramfs_is_dir(n) && (n->mode & 07777) == 0700);
    n = lookup("/etc/empty");
    CU_ASSERT(n && n->size == 0);
    done();
    /* Trailing bytes after the trailer (the rest of the page) are never read. */
    fresh();
    a.buf = realloc(a.buf, a.len + 100);
    memset(a.buf + a.len, 0xAB, 100);
    cpio_load(&fs, a.buf, a.len + 100, &st);
    CU_ASSERT(st.error == 0 && st.files == 3);
    done();
    free(p);
    free(a.buf);
}

static void test_cpio_names(void)
{
    struct archive a = { 0 };
    struct cpio_stats st;

    fresh();
    member(&a, "../../escape", 0100644, "x", 1, 0);          /* ".." stops at the root */
    member(&a, "a/../b", 0040755, "", 0, 0);                 /* no "a": skipped */
    member(&a, "d", 0040755, "", 0, 0);
    member(&a, "d", 0040755, "", 0, 0);                      /* again: kept */
    member(&a, "d", 0100644, "x", 1, 0);                     /* a file over the directory: skipped */
    member(&a, "d/../f", 0100644, "x", 1, 0);
    member(&a, "f", 0100644, "y", 1, 0);                     /* twice: skipped */
    member(&a, "g/", 0100644, "x", 1, 0);                    /* a file with a trailing slash */
    member(&a, "link", 0120777, "f", 1, 0);                  /* symlinks: not yet */
    member(&a, "dev", 0020644, "", 0, 0);                    /* device nodes: vfs's own */
    member(&a, "f/x", 0100644, "", 0, 0);                    /* under a file */
    trailer(&a);
    cpio_load(&fs, a.buf, a.len, &st);
    CU_ASSERT_EQUAL(st.error, 0);
    CU_ASSERT_EQUAL(st.dirs, 1);
    CU_ASSERT_EQUAL(st.files, 2);
    CU_ASSERT_EQUAL(st.skipped, 7);
    CU_ASSERT_PTR_NOT_NULL(lookup("/escape"));
    CU_ASSERT_PTR_NOT_NULL(lookup("/f"));
    CU_ASSERT_PTR_NULL(lookup("/link"));
    CU_ASSERT_PTR_NULL(lookup("/b"));
    done();
    free(a.buf);
}

static long next_of(struct archive *a, struct cpio_entry *e)
{
    uint64_t off = 0;

    return cpio_next(a->buf, a->len, &off, e);
}

static void test_cpio_bad_headers(void)
{
    struct archive a = { 0 };
    struct cpio_entry e;
    uint64_t off;

    member(&a, "x", 0100644, "data", 4, 0);
    CU_ASSERT_EQUAL(next_of(&a, &e), 0);
    a.buf[5] = '7';                               /* magic 070707: the old format */
    CU_ASSERT_EQUAL(next_of(&a, &e), -E_INVAL);
    a.buf[5] = '2';                               /* 070702 (with checksums) is fine */
    CU_ASSERT_EQUAL(next_of(&a, &e), 0);
    a.buf[20] = 'g';                              /* not hex */
    CU_ASSERT_EQUAL(next_of(&a, &e), -E_INVAL);
    a.buf[20] = '0';
    /* namesize 0, and far too large. */
    free(a.buf);
    memset(&a, 0, sizeof a);
    member(&a, "x", 0100644, "", 0, 1);
    CU_ASSERT_EQUAL(next_of(&a, &e), -E_INVAL);   /* size 1: an empty name */
    free(a.buf);
    memset(&a, 0, sizeof a);
    member(&a, "x", 0100644, "", 0, 0xFFFFFFFF);
    CU_ASSERT_EQUAL(next_of(&a, &e), -E_RANGE);
    free(a.buf);
    memset(&a, 0, sizeof a);
    member(&a, "xy", 0100644, "", 0, 2);          /* the NUL is not where namesize says */
    CU_ASSERT_EQUAL(next_of(&a, &e), -E_INVAL);
    free(a.buf);
    memset(&a, 0, sizeof a);
    member(&a, "xy", 0100644, "", 0, 0);
    a.buf[CPIO_HEADER_BYTES] = '\0';              /* a NUL inside the name */
    CU_ASSERT_EQUAL(next_of(&a, &e), -E_INVAL);
    free(a.buf);
    /* filesize beyond the archive, and at the 32-bit limit. */
    memset(&a, 0, sizeof a);
    member(&a, "x", 0100644, "abcd", 4, 0);
    memcpy(a.buf + 6 + 8 * 6, "FFFFFFFF", 8);
    CU_ASSERT_EQUAL(next_of(&a, &e), -E_RANGE);
    memcpy(a.buf + 6 + 8 * 6, "00000005", 8);
    CU_ASSERT_EQUAL(next_of(&a, &e), -E_RANGE);
    /* An offset past the end. */
    off = a.len + 1;
    CU_ASSERT_EQUAL(cpio_next(a.buf, a.len, &off, &e), -E_RANGE);
    off = UINT64_MAX;
    CU_ASSERT_EQUAL(cpio_next(a.buf, a.len, &off, &e), -E_RANGE);
    free(a.buf);
}

/* Every prefix of a good archive: loads what is whole, stops with an error, never reads past. */
static void test_cpio_truncated(void)
{
    struct archive a;
    struct cpio_stats st;

    build_good(&a);
    for (size_t len = 0; len < a.len; len++) {
        char *p = exact(&a, len);

        fresh();
        cpio_load(&fs, p, len, &st);
        CU_ASSERT(st.error < 0 || len >= a.len - 4);
        done();
        free(p);
    }
    free(a.buf);
}

/* Random byte flips: any outcome but a crash, an overread or a leak. */
static void test_cpio_mutations(void)
{
    struct archive a;
    struct cpio_stats st;
    unsigned seed = 12345;

    build_good(&a);
    for (int round = 0; round < 2000; round++) {
        char *p = exact(&a, a.len);
        int flips = 1 + round % 4;

        for (int i = 0; i < flips; i++) {
            seed = seed * 1103515245 + 12345;
            size_t at = (seed >> 8) % a.len;
            seed = seed * 1103515245 + 12345;
            p[at] = (round & 1) ? (char)(seed >> 16) : "0123456789ABCDEF/.\0"[(seed >> 16) % 19];
        }
        fresh();
        cpio_load(&fs, p, a.len, &st);
        done();
        free(p);
    }
    free(a.buf);
}

/* ---- descriptor tables ---- */

static void test_fdtable(void)
{
    static struct fdtable t;
    struct vfs_client *c, *c2;
    struct vfs_file *f, *g;
    struct vfs_node *n;

    fresh();
    n = mk(fs.root, "f", VFS_S_IFREG | 0644);
    fdt_init(&t, &fs);
    CU_ASSERT_PTR_NULL(fdt_client(&t, 5, false));
    c = fdt_client(&t, 5, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_EQUAL(fdt_client(&t, 5, true), c);
    CU_ASSERT_PTR_EQUAL(c->cwd, fs.root);
    f = fdt_file_new(&t, n, VFS_O_RDWR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(n->refs, 1);
    CU_ASSERT_EQUAL(fdt_install(c, f, 0, 0), 0);
    CU_ASSERT_EQUAL(fdt_install(c, f, 0, VFS_FD_CLOEXEC), 1);
    CU_ASSERT_EQUAL(fdt_install(c, f, 10, 0), 10);
    CU_ASSERT_EQUAL(fdt_install(c, f, VFS_FD_MAX, 0), -E_INVAL);
    CU_ASSERT_EQUAL(f->refs, 3);
    CU_ASSERT_EQUAL(c->fd_flags[1], VFS_FD_CLOEXEC);
    CU_ASSERT_PTR_EQUAL(fdt_get(c, 10), f);
    CU_ASSERT_PTR_NULL(fdt_get(c, 2));
    CU_ASSERT_PTR_NULL(fdt_get(c, VFS_FD_MAX));
    CU_ASSERT_PTR_NULL(fdt_get(c, UINT64_MAX));
    /* dup2 */
    CU_ASSERT_EQUAL(fdt_dup2(&t, c, 0, 0), 0);
    CU_ASSERT_EQUAL(fdt_dup2(&t, c, 2, 3), -E_BADF);
    CU_ASSERT_EQUAL(fdt_dup2(&t, c, 0, VFS_FD_MAX), -E_BADF);
    CU_ASSERT_EQUAL(fdt_dup2(&t, c, 1, 5), 5);
    CU_ASSERT_EQUAL(c->fd_flags[5], 0);
    CU_ASSERT_EQUAL(fdt_dup2(&t, c, 1, 10), 10);   /* onto a descriptor of the same description */
    CU_ASSERT_EQUAL(f->refs, 4);
    g = fdt_file_new(&t, n, VFS_O_RDONLY);
    CU_ASSERT_EQUAL(fdt_install(c, g, 0, 0), 2);
    CU_ASSERT_EQUAL(t.nfiles, 2);
    CU_ASSERT_EQUAL(fdt_dup2(&t, c, 0, 2), 2);     /* g goes */
    CU_ASSERT_EQUAL(t.nfiles, 1);
    CU_ASSERT_EQUAL(n->refs, 1);
    /* close */
    CU_ASSERT_EQUAL(fdt_close(&t, c, 7), -E_BADF);
    CU_ASSERT_EQUAL(fdt_close(&t, c, UINT64_MAX), -E_BADF);
    CU_ASSERT_EQUAL(fdt_close(&t, c, 0), 0);
    CU_ASSERT_EQUAL(fdt_close(&t, c, 0), -E_BADF);
    /* The node outlives its name while open, and goes with the last descriptor. */
    CU_ASSERT_EQUAL(ramfs_remove(&fs, fs.root, "f", 1, false), 0);
    CU_ASSERT_EQUAL(fs.nodes, 2);
    fdt_client_drop(&t, c);
    CU_ASSERT_EQUAL(t.nfiles, 0);
    CU_ASSERT_EQUAL(t.nclients, 0);
    CU_ASSERT_EQUAL(fs.nodes, 1);
    /* Limits: descriptors per client, descriptions, clients. */
    c = fdt_client(&t, 1, true);
    f = fdt_file_new(&t, fs.root, VFS_O_RDONLY);
    for (int i = 0; i < VFS_FD_MAX; i++)
        CU_ASSERT_EQUAL(fdt_install(c, f, 0, 0), i);
    CU_ASSERT_EQUAL(fdt_install(c, f, 0, 0), -E_MFILE);
    for (int i = 1; i < VFS_MAX_FILES; i++)
        CU_ASSERT_PTR_NOT_NULL(fdt_file_new(&t, fs.root, 0));
    CU_ASSERT_PTR_NULL(fdt_file_new(&t, fs.root, 0));
    for (int i = 0; i < VFS_MAX_FILES; i++)
        fdt_file_discard(&t, &t.files[i]);         /* only the unnamed ones go */
    CU_ASSERT_EQUAL(t.nfiles, 1);
    for (uint64_t b = 2; b <= VFS_MAX_CLIENTS; b++)
        CU_ASSERT_PTR_NOT_NULL(fdt_client(&t, b, true));
    CU_ASSERT_PTR_NULL(fdt_client(&t, 1000, true));
    c2 = fdt_client(&t, 7, false);
    fdt_client_drop(&t, c2);
    CU_ASSERT_PTR_NOT_NULL(fdt_client(&t, 1000, true));
    for (unsigned i = 0; i < VFS_MAX_CLIENTS; i++)
        if (t.clients[i].used)
            fdt_client_drop(&t, &t.clients[i]);
    CU_ASSERT_EQUAL(t.nfiles, 0);
    CU_ASSERT_EQUAL(fs.root->refs, 1);            /* the file system's own */
    done();
}

/* FORK copies the working directory, the creation mask and the descriptors; a new client has the default mask. */
static void test_fdtable_fork_umask(void)
{
    static struct fdtable t;
    struct vfs_client *p, *c, *other;
    struct vfs_node *d;
    struct vfs_file *f;

    fresh();
    d = mk(fs.root, "d", VFS_S_IFDIR | 0755);
    fdt_init(&t, &fs);
    p = fdt_client(&t, 1, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(p->umask, VFS_UMASK_DEFAULT);
    p->umask = 077;
    fdt_chdir(&t, p, d);
    f = fdt_file_new(&t, d, VFS_O_RDONLY);
    CU_ASSERT_EQUAL(fdt_install(p, f, 3, VFS_FD_CLOEXEC), 3);
    CU_ASSERT_EQUAL(fdt_client_fork(&t, p, 2), 0);
    CU_ASSERT_EQUAL(fdt_client_fork(&t, p, 2), -E_EXIST);
    c = fdt_client(&t, 2, false);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->umask, 077);
    CU_ASSERT_PTR_EQUAL(c->cwd, d);
    CU_ASSERT_PTR_EQUAL(fdt_get(c, 3), f);
    CU_ASSERT_EQUAL(c->fd_flags[3], VFS_FD_CLOEXEC);
    CU_ASSERT_EQUAL(f->refs, 2);
    /* The child's mask is its own from now on; exec keeps it (and closes close-on-exec). */
    c->umask = 0;
    CU_ASSERT_EQUAL(p->umask, 077);
    fdt_client_exec(&t, c);
    CU_ASSERT_EQUAL(c->umask, 0);
    CU_ASSERT_PTR_NULL(fdt_get(c, 3));
    CU_ASSERT_EQUAL(f->refs, 1);
    /* A dropped client's slot, taken again, starts from the default. */
    fdt_client_drop(&t, c);
    other = fdt_client(&t, 3, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(other);
    CU_ASSERT_EQUAL(other->umask, VFS_UMASK_DEFAULT);
    fdt_client_drop(&t, other);
    fdt_client_drop(&t, p);
    CU_ASSERT_EQUAL(t.nfiles, 0);
    CU_ASSERT_EQUAL(t.nclients, 0);
    done();
}

int test_vfs_register(void)
{
    CU_pSuite s = CU_add_suite("vfs", suite_init, suite_clean);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "heap", test_heap) || !CU_add_test(s, "heap grow fails", test_heap_grow_fails) ||
        !CU_add_test(s, "ramfs tree", test_ramfs_tree) || !CU_add_test(s, "ramfs data", test_ramfs_data) ||
        !CU_add_test(s, "ramfs references", test_ramfs_refs) ||
        !CU_add_test(s, "ramfs rename", test_ramfs_rename) ||
        !CU_add_test(s, "ramfs path", test_ramfs_path) ||
        !CU_add_test(s, "path lookup", test_path_lookup) ||
        !CU_add_test(s, "cpio good archive", test_cpio_good) ||
        !CU_add_test(s, "cpio names", test_cpio_names) ||
        !CU_add_test(s, "cpio bad headers", test_cpio_bad_headers) ||
        !CU_add_test(s, "cpio truncated", test_cpio_truncated) ||
        !CU_add_test(s, "cpio mutations", test_cpio_mutations) ||
        !CU_add_test(s, "fd table", test_fdtable) ||
        !CU_add_test(s, "fd table: fork, exec, umask", test_fdtable_fork_umask))
        return CU_get_error();
    return CUE_SUCCESS;
}
