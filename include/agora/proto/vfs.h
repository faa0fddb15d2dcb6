/* The file protocol (servers/vfs): descriptors, paths, reads and writes, directories, per client. */
#ifndef AGORA_PROTO_VFS_H
#define AGORA_PROTO_VFS_H

#include <stdint.h>

#include <agora/proto/proto.h>
#include <agora/proto/tty.h>

/*
 * Every request goes to the endpoint names hands out for "vfs"; the caller's names badge
 * (init: boot-module index + 1) is its identity, and vfs keeps one descriptor table per
 * badge, as MINIX 3's VFS keeps one per process. A descriptor names an open file
 * description (offset, status flags) that DUP and DUP2 share, so duplicates move one
 * offset together; the close-on-exec flag belongs to the descriptor. No request carries
 * capabilities or memory; data travels in the message words.
 *
 * Limits that make every request fit one message (PROTO_MAX_BYTES = 512):
 *   VFS_PATH_CAP   a path is a bounded string (proto.h) of at most VFS_PATH_CAP - 1 = 247
 *                  bytes; so is every name in it. Longer: the client says ENAMETOOLONG
 *                  without asking (a server that gets one anyway answers -E_NAMETOOLONG).
 *                  Two paths (RENAME) still fit a message.
 *   VFS_IO_MAX     bytes per READ or WRITE (496); a client loops for more.
 *   VFS_FD_MAX     descriptors per client (0 .. VFS_FD_MAX - 1).
 * Relative paths start at the client's working directory (CHDIR), absolute ones at the
 * root; "." and ".." and repeated or trailing slashes work as in POSIX ("/a/" must name
 * a directory). Symbolic links do not exist yet.
 *
 * The messages (proto.h explains the list and the wire format). Errors common to all:
 * -E_BADF a descriptor that is not open (or out of range); -E_NOENT a missing file or
 * path component; -E_NOTDIR a component that is not a directory; -E_INVAL a bad string
 * (empty, unterminated) or flag; -E_NAMETOOLONG; -E_NOMEM vfs is out of memory or the
 * client table is full. Each line adds its own:
 *
 * OPEN(path, flags VFS_O_*, mode permission bits) -> fd, the lowest free descriptor; a
 *   file it creates gets mode & ~the caller's creation mask (UMASK, below).
 *   -E_EXIST (CREAT|EXCL and it exists), -E_ISDIR (a directory opened for writing),
 *   -E_NOTDIR (DIRECTORY and not one), -E_MFILE (table full), -E_NFILE (vfs's file table full).
 * CLOSE(fd). READ(fd, max) -> count bytes in data (0: end of file); -E_ISDIR on a directory,
 *   -E_BADF if not open for reading, -E_AGAIN from a device with nothing to read yet (the
 *   console): vfs never waits, so a blocking reader asks again (the POSIX runtime polls;
 *   servers/vfs/README.md says what would replace that). WRITE(fd, count, data) -> count written; -E_BADF if not
 *   open for writing, -E_FBIG past VFS_FILE_MAX. max and count are at most VFS_IO_MAX (else -E_RANGE).
 * LSEEK(fd, offset, whence VFS_SEEK_*) -> the new offset; -E_INVAL (negative result, bad
 *   whence), -E_SPIPE (a device or pipe).
 * FSTAT(fd), STAT(path) -> struct vfs_stat. FTRUNCATE(fd, length): -E_INVAL (not a regular
 *   file open for writing, or length < 0), -E_FBIG.
 * GETDENTS(fd) -> as many whole entries (struct vfs_dirent, 8-byte aligned, reclen each)
 *   as fit in VFS_DENTS_BYTES, from the description's offset (an entry index: "." is 0,
 *   ".." 1); count 0 at the end. -E_NOTDIR if fd is not a directory. Entries added or
 *   removed meanwhile may be missed or seen twice, as POSIX allows.
 * DUP(fd, min, flags VFS_FD_CLOEXEC) -> the lowest free descriptor >= min sharing fd's
 *   description (dup, F_DUPFD, F_DUPFD_CLOEXEC); -E_INVAL (min out of range), -E_MFILE.
 * DUP2(fd, fd2) -> fd2, closed first if open (fd == fd2: only checks fd); -E_BADF (fd2 out of range).
 * FCNTL(fd, cmd VFS_F_*, arg) -> GETFD: VFS_FD_CLOEXEC or 0; SETFD: 0; GETFL: access mode
 *   and status flags (VFS_O_*); SETFL: only APPEND and NONBLOCK change; -E_INVAL otherwise.
 * ISATTY(fd) -> 0 if fd is a terminal (/dev/console), else -E_NOTTY.
 * MKDIR(path, mode) (created with mode & ~the creation mask), UNLINK(path), RMDIR(path):
 *   -E_EXIST, -E_ISDIR (UNLINK of a directory), -E_NOTDIR (RMDIR of a file, UNLINK of
 *   "file/"), -E_NOTEMPTY (also RMDIR of ".."), -E_BUSY (RMDIR of the root), -E_INVAL (RMDIR
 *   of a path ending in "."), -E_PERM (UNLINK of a device node). A removed working
 *   directory stays usable as an empty one.
 * CHDIR(path): -E_NOTDIR. GETCWD() -> the absolute path of the working directory;
 *   -E_RANGE if it does not fit VFS_PATH_CAP, -E_NOENT if it was removed.
 * EXIT(): closes all of the caller's descriptors and forgets its table (the POSIX runtime's
 *   _exit sends it; pm will do it for processes that die).
 * Only from pm (the caller's badge is PM_BADGE_SELF, include/agora/proto/pm.h; anyone else
 * gets -E_PERM), about the clients (badges) of its processes:
 * FORK(parent, child): child gets a copy of parent's table and working directory; the
 *   descriptors share parent's open file descriptions. A parent without a table gets an
 *   empty one first. -E_EXIST child has a table already; -E_INVAL parent == child;
 *   -E_NOMEM the client table is full.
 * EXEC(client): closes client's close-on-exec descriptors (nothing if it has no table).
 * DROP(client): as that client's EXIT (the process is gone, however it ended).
 */
#define VFS_PATH_CAP      248
#define VFS_NAME_MAX      (VFS_PATH_CAP - 1)
#define VFS_IO_MAX        496
#define VFS_DENTS_BYTES   496
#define VFS_FD_MAX        64
#define VFS_FILE_MAX      (64ull << 20)   /* bytes in one in-memory file */
typedef PROTO_STR(VFS_PATH_CAP) vfs_path_t;

/* Open flags and status flags (Linux's values; the POSIX runtime translates newlib's). */
#define VFS_O_RDONLY     0x0
#define VFS_O_WRONLY     0x1
#define VFS_O_RDWR       0x2
#define VFS_O_ACCMODE    0x3
#define VFS_O_CREAT      0x40
#define VFS_O_EXCL       0x80
#define VFS_O_TRUNC      0x200
#define VFS_O_APPEND     0x400
#define VFS_O_NONBLOCK   0x800
#define VFS_O_DIRECTORY  0x10000
#define VFS_O_NOFOLLOW   0x20000
#define VFS_O_CLOEXEC    0x80000
#define VFS_O_ALL        (VFS_O_ACCMODE | VFS_O_CREAT | VFS_O_EXCL | VFS_O_TRUNC | VFS_O_APPEND | \
                          VFS_O_NONBLOCK | VFS_O_DIRECTORY | VFS_O_NOFOLLOW | VFS_O_CLOEXEC)

#define VFS_SEEK_SET 0
#define VFS_SEEK_CUR 1
#define VFS_SEEK_END 2

#define VFS_F_GETFD 1
#define VFS_F_SETFD 2
#define VFS_F_GETFL 3
#define VFS_F_SETFL 4
#define VFS_FD_CLOEXEC 1

/* File types and permission bits of st_mode (the traditional octal values). */
#define VFS_S_IFMT   0170000
#define VFS_S_IFIFO  0010000
#define VFS_S_IFCHR  0020000
#define VFS_S_IFDIR  0040000
#define VFS_S_IFREG  0100000
#define VFS_S_IFLNK  0120000
#define VFS_S_PERM   07777

/* Directory-entry types (d_type). */
#define VFS_DT_UNKNOWN 0
#define VFS_DT_FIFO    1
#define VFS_DT_CHR     2
#define VFS_DT_DIR     4
#define VFS_DT_REG     8

struct vfs_stat {
    uint64_t ino, mode, nlink, size;
    uint64_t rdev;            /* device nodes: VFS_DEV_* */
    uint64_t blksize, blocks; /* blocks of 512 bytes */
    uint64_t atime, mtime, ctime;  /* seconds since boot (there is no clock yet) */
    uint64_t uid, gid;        /* 0: there are no users yet */
};

/* One GETDENTS entry: name is NUL-terminated; reclen (a multiple of 8) leads to the next. */
struct vfs_dirent {
    uint64_t ino;
    uint16_t reclen;
    uint8_t type;             /* VFS_DT_* */
    char name[];
};
#define VFS_DIRENT_HEADER 11  /* offsetof(struct vfs_dirent, name) */

/* rdev of the device nodes under /dev. */
#define VFS_DEV_NULL    1
#define VFS_DEV_ZERO    2
#define VFS_DEV_CONSOLE 3

/*
 * Pipes (servers/vfs/pipe.c). Appended messages:
 * PIPE(flags VFS_O_NONBLOCK, VFS_O_CLOEXEC) -> rfd, wfd: a new pipe, its read end (O_RDONLY)
 *   and write end (O_WRONLY), each its own open file description, at the two lowest free
 *   descriptors. -E_INVAL (other flags), -E_MFILE, -E_NFILE, -E_NOMEM.
 *   A pipe holds VFS_PIPE_CAP bytes. READ of an empty pipe waits while a write end is open
 *   (vfs holds the reply) and answers 0 (end of file) once none is; with O_NONBLOCK it
 *   answers -E_AGAIN instead of waiting. WRITE waits for room for all of its count bytes
 *   (count <= VFS_IO_MAX < VFS_PIPE_BUF: every WRITE is atomic), -E_AGAIN with O_NONBLOCK;
 *   -E_PIPE when no read end is open (also to writers waiting when the last one closes).
 *   Waiters are served in arrival order. LSEEK: -E_SPIPE; FSTAT: VFS_S_IFIFO.
 * READ_MORE(fd, max): READ that never waits: a pipe with nothing in it answers -E_AGAIN (0
 *   at end of file). A client reading more than VFS_IO_MAX bytes asks for the rest with it,
 *   so read() returns what has arrived instead of waiting for the whole count.
 * WRITE_PART(fd, total, count, data): the first count bytes (count < total <= VFS_PIPE_BUF,
 *   count <= VFS_WRITE_PART_MAX) of a write of total bytes that must not interleave with
 *   other writers (a write of up to PIPE_BUF bytes that does not fit one WRITE). On a pipe
 *   it waits (or -E_AGAIN) for room for all total bytes, then keeps the rest of that room
 *   for the caller: its next WRITEs to the pipe, up to total - count bytes, go first and
 *   never wait. Elsewhere it is a WRITE of count bytes. -E_INVAL (count, total).
 */
#define VFS_PIPE_CAP       4096
#define VFS_PIPE_BUF       512            /* PIPE_BUF: writes up to this size are atomic */
#define VFS_WRITE_PART_MAX (VFS_IO_MAX - 8)

/*
 * Appended: RENAME(from, to): the entry from becomes to, in one step (POSIX rename): a file or
 *   directory, within a directory or across directories. An existing to is replaced: a
 *   file by a file, an empty directory by a directory; open descriptors of the renamed
 *   node keep working (of a replaced one too, as after UNLINK). from and to naming the same
 *   node: 0 and nothing changes. -E_NOENT (from missing, a component of to missing, or to's
 *   directory removed), -E_INVAL (to inside the directory from, or a last component "." or
 *   ".."), -E_ISDIR (a directory to for a file), -E_NOTDIR (a file to for a directory, or a
 *   trailing slash on a file), -E_NOTEMPTY (to a directory with entries), -E_PERM (a
 *   device node either side).
 */
/*
 * Appended: readiness, terminal modes, permission bits.
 * POLL(count, fds[count]) -> ready, revents[count]: for each {fd, events} (count <=
 *   VFS_POLL_MAX, else -E_RANGE; a client with more asks several times) whether a READ or
 *   WRITE would now get an answer without waiting; ready counts the entries with revents
 *   not 0. events is VFS_POLLIN, VFS_POLLPRI, VFS_POLLOUT (VFS_POLLERR, HUP and NVAL may be
 *   given and are ignored: they are always reported); other bits: -E_INVAL. POLL never
 *   waits: the POSIX runtime asks again until something is ready or its timeout ends. A
 *   descriptor that is not open gets VFS_POLLNVAL, not an error. Readiness: regular
 *   files, directories, /dev/null and /dev/zero IN and OUT always; a pipe's read end IN
 *   while it holds data, HUP once no write end is open; its write end OUT while room for
 *   VFS_PIPE_BUF bytes is free to the caller (no writer queued before it, no room kept for
 *   another's part-write), ERR once no read end is open; the console IN when its device
 *   has bytes a READ would take now (char STATUS's readable; a canonical tty's ^D at the
 *   start of a line counts as none), OUT always, ERR if the device fails STATUS; with no
 *   console device IN (end of file) and OUT.
 * TCGET(fd) -> mode: the console's terminal mode (tty's TTY_GET). TCSET(fd, how, mode):
 *   tty's TTY_SET of flags, vmin, rows and cols; mode.pgrp is not taken (tty's current one
 *   stays: the foreground group is pm's business). how is TTY_SET_NOW or TTY_SET_FLUSH.
 *   -E_NOTTY: fd is not the console, or the console is not the tty server (serial alone
 *   has no modes); -E_INVAL: unknown flags or how.
 * CHMOD(mode, path), FCHMOD(fd, mode): the permission bits (VFS_S_PERM; others -E_INVAL)
 *   of the node become mode; ctime is updated. Any node: files, directories, devices, pipes.
 * UMASK(mask) -> old: the caller's file-creation mask (0777 bits; others -E_INVAL). OPEN
 *   with VFS_O_CREAT and MKDIR create with mode & ~mask. A new client's mask is
 *   VFS_UMASK_DEFAULT; FORK copies the parent's, EXEC keeps it.
 * INTERRUPT(client), from pm alone (as FORK): a pipe READ or WRITE of client that waits is
 *   answered -E_INTR now (nothing was read or written): pm is about to run a signal
 *   handler in that process (proto/pm.h, Signals). Nothing waiting: 0 all the same.
 */
/*
 * Appended: mounts (servers/vfs/README.md). A file-system server (proto/fs.h) is mounted
 * on a directory of vfs's own tree, "/" included (the root disk: vfs then shows its own
 * /dev at the new root's /dev, a "devfs" entry in MOUNTS); paths cross into it both ways
 * (".." of its root is the covered directory's parent).
 * MOUNT(flags VFS_MOUNT_*, type, path) with one capability: the server's endpoint, badged
 *   FS_BADGE_VFS (proto/fs.h) and with the write right. Only boot modules may mount (a
 *   caller whose badge is below PM_BADGE_BASE: init's children, not pm's processes):
 *   -E_PERM otherwise. vfs sends the server FS_MOUNT before answering, so the server must
 *   be receiving on another thread than the one that calls (servers/tmpfs does). type is
 *   a name for the listing ("tmpfs", "ext2"). -E_RANGE (not exactly one capability),
 *   -E_TYPE (not an endpoint), -E_NOTDIR, -E_NOENT, -E_BUSY (path is already a mount
 *   point), -E_INVAL (path inside a mounted file system: only vfs's own
 *   directories are covered; bad flags or type), -E_NOMEM (mount table full:
 *   VFS_MOUNT_MAX), or the server's FS_MOUNT error (-E_DEAD if it died).
 * UNMOUNT(path): the mount whose root path names goes (FS_UNMOUNT, then vfs forgets it).
 *   -E_PERM as MOUNT; -E_INVAL (not a mount point), -E_BUSY (a file of it is open, or a
 *   working directory lies in it).
 * MOUNTS(index) -> total, and the mount at position index (0 ...): its type, path and
 *   flags; -E_NOENT past the end. Anyone may ask.
 * SYNC(flags): sync(2): every mount's server is sent FS_SYNC in turn (ext2 writes
 *   everything back); the first error, else 0. Anyone may ask. With VFS_SYNC_UNMOUNT
 *   (pm only, as it powers off): FS_UNMOUNT to every server instead, busy or not (ext2
 *   syncs and marks the file system clean), and every later request to them answers
 *   -E_DEAD. -E_INVAL unknown flags, -E_PERM UNMOUNT from anyone but pm.
 * Across mounts RENAME answers -E_XDEV. Requests that reach a dead server answer -E_DEAD.
 */
#define VFS_FSTYPE_CAP    16
typedef PROTO_STR(VFS_FSTYPE_CAP) vfs_fstype_t;
#define VFS_MOUNT_RDONLY  0x1
#define VFS_MOUNT_MAX     8
#define VFS_MOUNT_CAPS    1
#define VFS_SYNC_UNMOUNT  0x1

#define VFS_POLL_MAX      63              /* entries per POLL: the count word and 63 fill a message */
#define VFS_POLL_REVENTS  64              /* VFS_POLL_MAX rounded up to whole words of uint16_t */
#define VFS_POLLIN        0x001           /* Linux's values, as POSIX poll's */
#define VFS_POLLPRI       0x002
#define VFS_POLLOUT       0x004
#define VFS_POLLERR       0x008
#define VFS_POLLHUP       0x010
#define VFS_POLLNVAL      0x020
#define VFS_POLL_EVENTS   (VFS_POLLIN | VFS_POLLPRI | VFS_POLLOUT | VFS_POLLERR | VFS_POLLHUP | VFS_POLLNVAL)
#define VFS_UMASK_DEFAULT 022

struct vfs_pollfd {
    uint32_t fd;
    uint32_t events;          /* VFS_POLL* */
};

#define VFS_MSG_LIST(X, F)                                                                     \
    X(VFS_OPEN,      vfs_open,      1, (F(uint64_t, flags) F(uint64_t, mode) F(vfs_path_t, path)), \
      (F(uint64_t, fd)))                                                                       \
    X(VFS_CLOSE,     vfs_close,     2, (F(uint64_t, fd)), ())                                  \
    X(VFS_READ,      vfs_read,      3, (F(uint64_t, fd) F(uint64_t, max)),                     \
      (F(uint64_t, count) F(char, data[VFS_IO_MAX])))                                          \
    X(VFS_WRITE,     vfs_write,     4, (F(uint64_t, fd) F(uint64_t, count) F(char, data[VFS_IO_MAX])), \
      (F(uint64_t, count)))                                                                    \
    X(VFS_LSEEK,     vfs_lseek,     5, (F(uint64_t, fd) F(int64_t, offset) F(uint64_t, whence)), \
      (F(int64_t, offset)))                                                                    \
    X(VFS_FSTAT,     vfs_fstat,     6, (F(uint64_t, fd)), (F(struct vfs_stat, st)))            \
    X(VFS_STAT,      vfs_stat,      7, (F(vfs_path_t, path)), (F(struct vfs_stat, st)))        \
    X(VFS_GETDENTS,  vfs_getdents,  8, (F(uint64_t, fd)),                                      \
      (F(uint64_t, count) F(uint64_t, bytes) F(uint64_t, buf[VFS_DENTS_BYTES / 8])))           \
    X(VFS_DUP,       vfs_dup,       9, (F(uint64_t, fd) F(uint64_t, min) F(uint64_t, flags)),  \
      (F(uint64_t, fd)))                                                                       \
    X(VFS_DUP2,      vfs_dup2,     10, (F(uint64_t, fd) F(uint64_t, fd2)), (F(uint64_t, fd)))  \
    X(VFS_FCNTL,     vfs_fcntl,    11, (F(uint64_t, fd) F(uint64_t, cmd) F(uint64_t, arg)),    \
      (F(uint64_t, value)))                                                                    \
    X(VFS_ISATTY,    vfs_isatty,   12, (F(uint64_t, fd)), ())                                  \
    X(VFS_MKDIR,     vfs_mkdir,    13, (F(uint64_t, mode) F(vfs_path_t, path)), ())            \
    X(VFS_UNLINK,    vfs_unlink,   14, (F(vfs_path_t, path)), ())                              \
    X(VFS_RMDIR,     vfs_rmdir,    15, (F(vfs_path_t, path)), ())                              \
    X(VFS_CHDIR,     vfs_chdir,    16, (F(vfs_path_t, path)), ())                              \
    X(VFS_GETCWD,    vfs_getcwd,   17, (), (F(vfs_path_t, path)))                              \
    X(VFS_FTRUNCATE, vfs_ftruncate,18, (F(uint64_t, fd) F(int64_t, length)), ())               \
    X(VFS_EXIT,      vfs_exit,     19, (), ()) \
    X(VFS_FORK,      vfs_fork,     20, (F(uint64_t, parent) F(uint64_t, child)), ())           \
    X(VFS_EXEC,      vfs_exec,     21, (F(uint64_t, client)), ())                              \
    X(VFS_DROP,      vfs_drop,     22, (F(uint64_t, client)), ())                              \
    X(VFS_PIPE,      vfs_pipe,     23, (F(uint64_t, flags)), (F(uint64_t, rfd) F(uint64_t, wfd))) \
    X(VFS_READ_MORE, vfs_read_more,24, (F(uint64_t, fd) F(uint64_t, max)),                     \
      (F(uint64_t, count) F(char, data[VFS_IO_MAX])))                                          \
    X(VFS_WRITE_PART, vfs_write_part, 25,                                                      \
      (F(uint64_t, fd) F(uint64_t, total) F(uint64_t, count) F(char, data[VFS_WRITE_PART_MAX])), \
      (F(uint64_t, count)))                                                                    \
    X(VFS_RENAME,    vfs_rename,   26, (F(vfs_path_t, from) F(vfs_path_t, to)), ())          \
    X(VFS_POLL,      vfs_poll,     27, (F(uint64_t, count) F(struct vfs_pollfd, fds[VFS_POLL_MAX])), \
      (F(uint64_t, ready) F(uint16_t, revents[VFS_POLL_REVENTS])))                             \
    X(VFS_TCGET,     vfs_tcget,    28, (F(uint64_t, fd)), (F(struct tty_mode, mode)))          \
    X(VFS_TCSET,     vfs_tcset,    29, (F(uint64_t, fd) F(uint64_t, how) F(struct tty_mode, mode)), ()) \
    X(VFS_CHMOD,     vfs_chmod,    30, (F(uint64_t, mode) F(vfs_path_t, path)), ())            \
    X(VFS_FCHMOD,    vfs_fchmod,   31, (F(uint64_t, fd) F(uint64_t, mode)), ())                \
    X(VFS_UMASK,     vfs_umask,    32, (F(uint64_t, mask)), (F(uint64_t, old)))               \
    X(VFS_INTERRUPT, vfs_interrupt, 33, (F(uint64_t, client)), ())                            \
    X(VFS_MOUNT,     vfs_mount,    34, (F(uint64_t, flags) F(vfs_fstype_t, type) F(vfs_path_t, path)), ()) \
    X(VFS_UNMOUNT,   vfs_unmount,  35, (F(vfs_path_t, path)), ())                              \
    X(VFS_MOUNTS,    vfs_mounts,   36, (F(uint64_t, index)),                                   \
      (F(uint64_t, total) F(uint64_t, flags) F(vfs_fstype_t, type) F(vfs_path_t, path)))       \
    X(VFS_SYNC,      vfs_sync,     37, (F(uint64_t, flags)), ())

enum vfs_msg {
#define VFS_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_VFS, num),
    VFS_MSG_LIST(VFS_MSG_ENUM, PROTO_FIELD_DECL)
#undef VFS_MSG_ENUM
};

PROTO_STRUCTS(VFS_MSG_LIST)
/* struct vfs_handlers { vfs_open, vfs_close, ... } and vfs_dispatch(). */
PROTO_HANDLERS(VFS_MSG_LIST, vfs_handlers);
PROTO_DISPATCH(VFS_MSG_LIST, vfs_handlers, vfs_dispatch)

#endif
