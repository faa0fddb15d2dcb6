/* The file-system protocol: what vfs asks of a mounted file-system server (tmpfs now, ext2 next), by inode number. */
#ifndef AGORA_PROTO_FS_H
#define AGORA_PROTO_FS_H

#include <stdint.h>

#include <agora/proto/proto.h>
#include <agora/proto/vfs.h>

/*
 * vfs keeps the descriptors, the offsets, path resolution and the mount table; a
 * file-system server keeps inodes and their data, and answers requests about one inode
 * (or one name in one directory) at a time, as MINIX 3's FS servers answer VFS's REQ_*.
 * A server never sees a path and never walks one: vfs resolves paths one LOOKUP per
 * component and handles "..", mount points and the root itself.
 *
 * Who may ask. Only vfs. A server creates its endpoint, keeps it to itself (it may also
 * register it with names, for a supervisor to find and watch; that gives nobody the right
 * to be served), and hands vfs a copy badged FS_BADGE_VFS (SYS_CAP_COPY on its own
 * unbadged endpoint) in vfs's MOUNT request (proto/vfs.h, VFS_MOUNT). Only the server
 * itself can mint that badge, and names and pm hand out other badges only (small module
 * numbers, PM_BADGE_BASE + serial), so a request with any other badge comes from a
 * stranger: -E_PERM, whatever it asks. Requests carry no capabilities and no memory: a
 * request that carries some is refused (-E_RANGE; the kernel refuses memory already, the
 * server offers no receive slot).
 *
 * Inodes. An inode number (ino) is the server's own name for a file, 32 bits wide (ext2's
 * are; a server with wider numbers must map them). Numbers are stable while vfs holds a
 * reference. References: every successful reply that names an inode with its attributes
 * (MOUNT's root, LOOKUP, CREATE, MKDIR) gives vfs one reference to it; OPEN adds one; CLOSE
 * drops a count of them. A server keeps an inode that vfs holds a reference to, even when
 * its last name is gone (UNLINK of an open file, RMDIR of a working directory): its data
 * stays readable and writable until the CLOSE that drops the last reference, and then it
 * is freed (ext2: the inode and its blocks). A request naming an inode vfs holds no
 * reference to answers -E_NOENT (ext2 may instead serve any allocated inode; vfs never
 * relies on that). So vfs tells the server exactly which inodes are in use, and a
 * restarted server can be given them again with OPEN (issue 7: vfs keeps every vnode's
 * (mount, ino) while its server is away).
 *
 * Attributes (struct fs_attr) come back from every request that names or changes an
 * inode, so vfs rarely needs a GETATTR. Times are seconds (the server's clock; there is no
 * wall clock yet: since boot). mode is VFS_S_IF* | permission bits (vfs.h).
 *
 * Data travels in the message words: READ and WRITE move up to FS_IO_MAX (496) bytes, as
 * vfs's own READ and WRITE do, and vfs loops; larger transfers go through a buffer shared
 * per mount (BULK_ATTACH, READ_BULK, WRITE_BULK, below), which a server may refuse with
 * -E_NOSYS: vfs then falls back to READ and WRITE. Names are bounded strings of at
 * most FS_NAME_MAX (239) bytes, so that RENAME's two names fit one message; a longer name
 * is -E_NAMETOOLONG from vfs before any request (ext2 allows 255: a known limit until
 * names travel in a bulk buffer).
 *
 * The messages (proto.h explains the list and the wire format). Errors every request may
 * answer: -E_PERM (not vfs's badge), -E_RANGE (wrong word count; capabilities sent),
 * -E_NOSYS (an unknown label, or a message this server does not implement), -E_STATE
 * (anything but MOUNT before MOUNT, or after UNMOUNT), -E_NOENT (an inode vfs holds no
 * reference to), -E_INVAL (a bad name string: empty, unterminated, with a '/' or NUL;
 * unknown flag bits), -E_NOMEM (the server is out of memory; also a full disk until an
 * error for that is added), -E_FBIG (past the server's largest file).
 * A server answers every malformed request with an error and goes on serving.
 *
 * MOUNT(flags) -> root, the root directory's attributes (one reference), fs information:
 *   name_max (bytes in a name the server accepts, <= FS_NAME_MAX), io_max (bytes per
 *   READ/WRITE, <= FS_IO_MAX), flags FS_MOUNT_* it grants (FS_MOUNT_RDONLY: every change
 *   answers -E_PERM). flags asks for FS_MOUNT_RDONLY; others -E_INVAL. Sent once; a second
 *   MOUNT is -E_BUSY. ext2: read the superblock, check features, mark the file system not
 *   clean (unless read-only).
 * UNMOUNT() -> as SYNC, then the server marks itself clean and answers; every reference
 *   vfs held is dropped (vfs forgets them). Afterwards -E_STATE (MOUNT: -E_BUSY). vfs sends it only
 *   when no vnode of the mount is in use (VFS_UNMOUNT answers -E_BUSY otherwise).
 * LOOKUP(dir, name) -> the attributes of dir's entry name (one reference). "." is dir,
 *   ".." its parent (the file system's root: itself; vfs crosses mount points itself and
 *   never asks ".." of the root). -E_NOTDIR (dir is not a directory), -E_NOENT (no such
 *   entry; also a removed directory), -E_NAMETOOLONG.
 * GETATTR(ino) -> attributes.
 * SETATTR(ino, which FS_SET_*, mode, uid, gid, atime, mtime, size) -> attributes after the
 *   change. FS_SET_MODE: the permission bits (VFS_S_PERM; others -E_INVAL), FS_SET_UID,
 *   FS_SET_GID, FS_SET_ATIME, FS_SET_MTIME, FS_SET_SIZE: truncate or zero-extend a regular
 *   file (-E_ISDIR on a directory, -E_INVAL on anything else, -E_FBIG). Changes all or
 *   nothing; ctime is updated.
 * READ(ino, offset, max) -> count bytes of data from offset (0 at or past the end); max <=
 *   FS_IO_MAX (else -E_RANGE). -E_ISDIR on a directory, -E_INVAL on other non-files.
 * WRITE(ino, count, offset, data) -> count written, the offset it was written at, the new
 *   size. offset FS_APPEND writes at the end (O_APPEND is vfs's, the end is the server's).
 *   A gap before offset reads as zeros. -E_ISDIR, -E_INVAL as READ; -E_RANGE (count >
 *   FS_IO_MAX); -E_FBIG.
 * CREATE(dir, mode, name) -> the new regular file's attributes (one reference); mode is
 *   VFS_S_IFREG | permission bits (vfs applied the creation mask), anything else -E_INVAL.
 *   -E_EXIST (also "." and ".."), -E_NOTDIR, -E_NOENT (dir was removed), -E_NAMETOOLONG.
 * MKDIR(dir, mode, name) -> the new directory's attributes (one reference); mode is the
 *   permission bits. Errors as CREATE.
 * UNLINK(dir, name): removes a name of a non-directory: -E_NOENT, -E_ISDIR, -E_NOTDIR.
 * RMDIR(dir, name): removes an empty directory: -E_NOENT, -E_NOTDIR, -E_NOTEMPTY,
 *   -E_INVAL ("." or "..").
 * RENAME(odir, ndir, oname, nname): POSIX rename within this file system, in one step (an
 *   existing nname is replaced: a file by a file, an empty directory by a directory).
 *   -E_NOENT, -E_INVAL (a name "." or "..", a directory into itself or below), -E_NOTDIR,
 *   -E_ISDIR, -E_NOTEMPTY. Both names one inode: 0, nothing changes. (Across mounts vfs
 *   answers -E_XDEV itself.)
 * LINK(dir, ino, name): a new name for a non-directory: -E_EXIST, -E_PERM (a directory).
 * SYMLINK(dir, name, target): a symbolic link holding target: -E_EXIST.
 * READLINK(ino) -> target: -E_INVAL (not a symbolic link).
 * GETDENTS(dir, cookie) -> count whole entries (struct vfs_dirent, vfs.h: 8-byte aligned,
 *   reclen each) in bytes <= FS_DENTS_BYTES, and next, the cookie to continue from. cookie
 *   0 is the start; count 0 is the end. Cookies are the server's (an index, an ext2 byte
 *   offset) and must stay usable across changes to the directory (entries added or
 *   removed meanwhile may be missed or seen twice, as POSIX allows). "." and ".." are
 *   listed. -E_NOTDIR.
 * SYNC(): everything written reaches the disk. FSYNC(ino): that inode's data and
 *   attributes do. (tmpfs: nothing to do.)
 * STATFS() -> block size, blocks, free blocks, inodes, free inodes, name_max, and bavail:
 *   the free blocks a user other than root may take (ext2: free minus the root's reserve).
 * OPEN(ino): one more reference (vfs's hint that the inode is in use; what a restarted
 *   server is told for each inode vfs holds). -E_NOENT: the server does not know ino
 *   (a restarted tmpfs has lost everything; ext2 finds any allocated inode).
 * CLOSE(ino, count): drops count references (1 <= count <= those held, else -E_INVAL); the
 *   last one frees an inode that has no name left.
 */
/*
 * Appended: bulk transfers through a buffer vfs shares with the server, one per mount.
 * BULK_ATTACH(pages) carries a memory item: vfs's buffer of pages (1 .. FS_BULK_PAGES)
 *   pages, mapped read-write (IPC_MEM_MAP | IPC_MEM_WRITE) into the receive window the
 *   server offers with every receive (FS_BULK_PAGES pages) -> bytes the server will move
 *   per bulk request (<= pages * 4096). Once per mount, after MOUNT: -E_BUSY a second time,
 *   -E_RANGE (no memory item, or not pages pages). A server that does not take it answers
 *   -E_NOSYS (and unmaps it): vfs then keeps to READ and WRITE. Memory that comes with any
 *   other request is unmapped at once and the request refused (-E_RANGE). vfs revokes the
 *   server's mapping by unmapping its own (after UNMOUNT).
 * READ_BULK(ino, offset, max) -> count bytes, at the start of the buffer; max <= bytes
 *   (else -E_RANGE). -E_STATE without a buffer; otherwise as READ.
 * WRITE_BULK(ino, offset, count) -> as WRITE, the data count bytes at the start of the
 *   buffer. count <= bytes (else -E_RANGE); -E_STATE without a buffer.
 * vfs uses them for transfers of more than FS_IO_MAX bytes (servers/vfs/README.md: the
 * figures); one request moves up to FS_BULK_PAGES pages.
 */
#define FS_BULK_PAGES   16
#define FS_BULK_BYTES   (FS_BULK_PAGES * 4096u)

#define FS_NAME_CAP     240
#define FS_NAME_MAX     (FS_NAME_CAP - 1)
#define FS_IO_MAX       496
#define FS_DENTS_BYTES  480
#define FS_APPEND       UINT64_MAX          /* WRITE at the end of the file */
typedef PROTO_STR(FS_NAME_CAP) fs_name_t;
typedef PROTO_STR(VFS_PATH_CAP) fs_target_t;   /* a symbolic link's contents */

/* The only badge a file-system server serves: the copy of its endpoint it gave vfs. */
#define FS_BADGE_VFS    0x4653000000000001ull   /* "FS" in the top bytes: no names or pm badge */

#define FS_MOUNT_RDONLY 0x1

#define FS_SET_MODE   0x01
#define FS_SET_UID    0x02
#define FS_SET_GID    0x04
#define FS_SET_ATIME  0x08
#define FS_SET_MTIME  0x10
#define FS_SET_SIZE   0x20
#define FS_SET_ALL    0x3f

struct fs_attr {
    uint64_t ino, mode, nlink, uid, gid, size;
    uint64_t blocks;                /* of 512 bytes */
    uint64_t rdev;
    uint64_t atime, mtime, ctime;
};

#define FS_MSG_LIST(X, F)                                                                      \
    X(FS_MOUNT,    fs_mount,    1, (F(uint64_t, flags)),                                      \
      (F(uint64_t, root) F(uint64_t, name_max) F(uint64_t, io_max) F(uint64_t, flags)         \
       F(struct fs_attr, attr)))                                                               \
    X(FS_UNMOUNT,  fs_unmount,  2, (), ())                                                     \
    X(FS_LOOKUP,   fs_lookup,   3, (F(uint64_t, dir) F(fs_name_t, name)), (F(struct fs_attr, attr))) \
    X(FS_GETATTR,  fs_getattr,  4, (F(uint64_t, ino)), (F(struct fs_attr, attr)))             \
    X(FS_SETATTR,  fs_setattr,  5,                                                             \
      (F(uint64_t, ino) F(uint64_t, which) F(uint64_t, mode) F(uint64_t, uid) F(uint64_t, gid) \
       F(uint64_t, atime) F(uint64_t, mtime) F(uint64_t, size)),                               \
      (F(struct fs_attr, attr)))                                                               \
    X(FS_READ,     fs_read,     6, (F(uint64_t, ino) F(uint64_t, offset) F(uint64_t, max)),   \
      (F(uint64_t, count) F(char, data[FS_IO_MAX])))                                          \
    X(FS_WRITE,    fs_write,    7,                                                             \
      (F(uint32_t, ino) F(uint32_t, count) F(uint64_t, offset) F(char, data[FS_IO_MAX])),     \
      (F(uint64_t, count) F(uint64_t, offset) F(uint64_t, size)))                             \
    X(FS_CREATE,   fs_create,   8, (F(uint64_t, dir) F(uint64_t, mode) F(fs_name_t, name)),   \
      (F(struct fs_attr, attr)))                                                               \
    X(FS_MKDIR,    fs_mkdir,    9, (F(uint64_t, dir) F(uint64_t, mode) F(fs_name_t, name)),   \
      (F(struct fs_attr, attr)))                                                               \
    X(FS_UNLINK,   fs_unlink,  10, (F(uint64_t, dir) F(fs_name_t, name)), ())                  \
    X(FS_RMDIR,    fs_rmdir,   11, (F(uint64_t, dir) F(fs_name_t, name)), ())                  \
    X(FS_RENAME,   fs_rename,  12,                                                             \
      (F(uint32_t, odir) F(uint32_t, ndir) F(fs_name_t, oname) F(fs_name_t, nname)), ())       \
    X(FS_LINK,     fs_link,    13, (F(uint64_t, dir) F(uint64_t, ino) F(fs_name_t, name)), ()) \
    X(FS_SYMLINK,  fs_symlink, 14, (F(uint64_t, dir) F(fs_name_t, name) F(fs_target_t, target)), ()) \
    X(FS_READLINK, fs_readlink,15, (F(uint64_t, ino)), (F(fs_target_t, target)))               \
    X(FS_GETDENTS, fs_getdents,16, (F(uint64_t, dir) F(uint64_t, cookie)),                     \
      (F(uint64_t, count) F(uint64_t, next) F(uint64_t, bytes) F(uint64_t, buf[FS_DENTS_BYTES / 8]))) \
    X(FS_SYNC,     fs_sync,    17, (), ())                                                     \
    X(FS_FSYNC,    fs_fsync,   18, (F(uint64_t, ino)), ())                                     \
    X(FS_STATFS,   fs_statfs,  19, (),                                                         \
      (F(uint64_t, bsize) F(uint64_t, blocks) F(uint64_t, bfree) F(uint64_t, files)           \
       F(uint64_t, ffree) F(uint64_t, name_max) F(uint64_t, bavail)))                                              \
    X(FS_OPEN,     fs_open,    20, (F(uint64_t, ino)), ())                                     \
    X(FS_CLOSE,    fs_close,   21, (F(uint64_t, ino) F(uint64_t, count)), ())                  \
    X(FS_BULK_ATTACH, fs_bulk_attach, 22, (F(uint64_t, pages)), (F(uint64_t, bytes)))          \
    X(FS_READ_BULK,   fs_read_bulk,   23, (F(uint64_t, ino) F(uint64_t, offset) F(uint64_t, max)), \
      (F(uint64_t, count)))                                                                    \
    X(FS_WRITE_BULK,  fs_write_bulk,  24,                                                      \
      (F(uint64_t, ino) F(uint64_t, offset) F(uint64_t, count)),                               \
      (F(uint64_t, count) F(uint64_t, offset) F(uint64_t, size)))

enum fs_msg {
#define FS_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_FS, num),
    FS_MSG_LIST(FS_MSG_ENUM, PROTO_FIELD_DECL)
#undef FS_MSG_ENUM
};

PROTO_STRUCTS(FS_MSG_LIST)
/* struct fs_handlers { fs_mount, fs_unmount, ... } and fs_dispatch(). */
PROTO_HANDLERS(FS_MSG_LIST, fs_handlers);
PROTO_DISPATCH(FS_MSG_LIST, fs_handlers, fs_dispatch)

#endif
