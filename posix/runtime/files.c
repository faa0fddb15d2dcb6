/*
 * Descriptors and files: the calls go to the vfs server (include/agora/proto/vfs.h), which
 * keeps this program's descriptor table. Without vfs (no name service, or no "vfs" in it)
 * the console calls keep working as before: descriptors 1 and 2 write to the kernel log,
 * the file calls fail with ENOSYS.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/agora.h>
#include <unistd.h>

#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/names.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>
#include <libagora/vfs.h>

#include "posix.h"

/* newlib's porting names: the same function under a second name. */
#define POSIX_ALIAS(name) __attribute__((alias(#name), copy(name)))

/* SYS_DEBUG_PUTS takes at most this much per call. */
#define DEBUG_PUTS_MAX 4096
/* How long start-up waits for vfs to register. */
#define VFS_WAIT_TRIES   100
#define VFS_WAIT_US      10000

static uint64_t vfs_ep;             /* the vfs endpoint; 0: no vfs, the fallbacks below */

/* proto_call (libagora) uses the thread's IPC buffer: one thread, the fixed place. */
struct agora_ipc_buffer *agora_ipc_buffer(void)
{
    return (struct agora_ipc_buffer *)AGORA_INIT_IPC_BUFFER;
}

uint64_t posix_vfs_endpoint(void)
{
    return vfs_ep;
}

/* ---- start and exit ---- */

/* names' LOOKUP of "vfs" into a new slot: 0, or the error (-E_NOCAP: not registered). */
static long lookup_vfs(uint64_t *ep)
{
    struct names_lookup_req rq;
    struct names_lookup_rep rp;
    struct proto_caps caps = { .nrecv = 1 };
    long slot = posix_slot_alloc(), r;

    if (slot < 0)
        return slot;
    caps.recv[0] = (uint64_t)slot;
    PROTO_STR_SET(rq.name, "vfs");
    r = names_lookup_call(CAP_NAMES, &rq, &rp, &caps);
    if (r == 0 && caps.received != NAMES_LOOKUP_REPLY_CAPS)
        r = -E_RANGE;
    if (r == 0)
        *ep = (uint64_t)slot;
    return r;                       /* a failed slot stays unused: posix_slot_alloc never frees */
}

/*
 * Finds vfs and opens the standard descriptors on /dev/console: 0 read-write, 1 and 2 its
 * duplicates (one description, as a login shell's terminal). vfs may still be starting
 * (init starts the boot modules one after another), so an unknown name is asked again for
 * up to VFS_WAIT_TRIES * VFS_WAIT_US; without a name service there is nothing to wait for.
 * A program whose table already has descriptor 0 (inherited) keeps it.
 */
void posix_files_init(void)
{
    struct vfs_open_req rq = { .flags = VFS_O_RDWR };
    struct vfs_open_rep rp;
    uint64_t ep = 0;
    long r = -E_NOCAP;

    if (sys_cap_info(CAP_NAMES) < 0)
        return;
    for (int i = 0; i < VFS_WAIT_TRIES && (r = lookup_vfs(&ep)) == -E_NOCAP; i++)
        sys_sleep(VFS_WAIT_US);
    if (r < 0)
        return;
    PROTO_STR_SET(rq.path, "/dev/console");
    if (vfs_open_call(ep, &rq, &rp, 0) < 0)
        return;
    vfs_ep = ep;
    if (rp.fd != 0) {
        struct vfs_close_req c = { .fd = rp.fd };
        struct vfs_close_rep cr;

        vfs_close_call(ep, &c, &cr, 0);
        return;
    }
    for (uint64_t fd = 1; fd <= 2; fd++) {
        struct vfs_dup2_req d = { .fd = 0, .fd2 = fd };
        struct vfs_dup2_rep dr;

        vfs_dup2_call(ep, &d, &dr, 0);
    }
}

/*
 * A forked child has the parent's slot for vfs, badged with the parent's identity, or rather
 * not at all (pm copies memory, not capabilities): it asks names again with its own.
 */
void posix_files_fork_child(void)
{
    uint64_t ep;

    posix_bulk_forget();            /* the parent's buffer is not mapped here */
    if (vfs_ep)
        vfs_ep = lookup_vfs(&ep) == 0 ? ep : 0;
}

/* _exit's part: vfs closes every descriptor (pm will do it once it exists). */
void posix_files_exit(void)
{
    struct vfs_exit_req rq;
    struct vfs_exit_rep rp;

    if (vfs_ep)
        vfs_exit_call(vfs_ep, &rq, &rp, 0);
}

/* ---- helpers ---- */

/* A path for a request: 0, or an errno value (NULL, empty, too long). */
int posix_put_path(vfs_path_t *field, const char *path)
{
    size_t n;

    if (!path)
        return EFAULT;
    n = strnlen(path, VFS_PATH_CAP);
    if (n == 0)
        return ENOENT;
    if (n >= VFS_PATH_CAP)
        return ENAMETOOLONG;
    PROTO_STR_SET(*field, path);
    return 0;
}

/* newlib's open flags to the protocol's (unknown ones are ignored, as Linux does). */
static uint64_t vfs_flags(int flags)
{
    static const struct { int posix; uint64_t vfs; } map[] = {
        { O_CREAT, VFS_O_CREAT }, { O_EXCL, VFS_O_EXCL }, { O_TRUNC, VFS_O_TRUNC },
        { O_APPEND, VFS_O_APPEND }, { O_NONBLOCK, VFS_O_NONBLOCK },
        { O_DIRECTORY, VFS_O_DIRECTORY }, { O_NOFOLLOW, VFS_O_NOFOLLOW },
        { O_CLOEXEC, VFS_O_CLOEXEC },
    };
    uint64_t v = (uint64_t)(flags & O_ACCMODE);

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (flags & map[i].posix)
            v |= map[i].vfs;
    return v;
}

static int posix_flags(uint64_t v)
{
    int flags = (int)(v & VFS_O_ACCMODE);

    if (v & VFS_O_APPEND)
        flags |= O_APPEND;
    if (v & VFS_O_NONBLOCK)
        flags |= O_NONBLOCK;
    return flags;
}

static void to_stat(const struct vfs_stat *v, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_dev = (dev_t)v->dev;
    st->st_ino = (ino_t)v->ino;
    st->st_mode = (mode_t)v->mode;
    st->st_nlink = (nlink_t)v->nlink;
    st->st_uid = (uid_t)v->uid;
    st->st_gid = (gid_t)v->gid;
    st->st_rdev = (dev_t)v->rdev;
    st->st_size = (off_t)v->size;
    st->st_atime = (time_t)v->atime;
    st->st_mtime = (time_t)v->mtime;
    st->st_ctime = (time_t)v->ctime;
    st->st_blksize = (blksize_t)v->blksize;
    st->st_blocks = (blkcnt_t)v->blocks;
}

/* ---- without vfs: the console on the kernel log ---- */

static bool is_console(int fd)
{
    return fd >= 0 && fd <= 2;
}

static _READ_WRITE_RETURN_TYPE log_write(int fd, const char *p, size_t count)
{
    size_t done = 0;

    if (fd == 0 || !is_console(fd))
        return posix_fail_errno(EBADF);
    while (done < count) {
        size_t n = count - done < DEBUG_PUTS_MAX ? count - done : DEBUG_PUTS_MAX;
        long r = sys_debug_puts(p + done, n);

        if (r < 0)
            return done ? (_READ_WRITE_RETURN_TYPE)done : posix_fail(r);
        done += n;
    }
    return (_READ_WRITE_RETURN_TYPE)done;
}

/* ---- data ---- */

static bool nonblocking(int fd);

_Static_assert(PIPE_BUF == VFS_PIPE_BUF, "newlib's PIPE_BUF is the pipe's atomic size");

/*
 * A pipe with no reader answers -E_PIPE: SIGPIPE for the writer (pm does not deliver
 * signals yet, so the runtime raises it on itself), then EPIPE if it did not end the process.
 */
static _READ_WRITE_RETURN_TYPE write_failed(long r)
{
    if (r == -E_PIPE)
        raise(SIGPIPE);
    return posix_fail(r);
}

/*
 * The first part of a write of VFS_IO_MAX < count <= PIPE_BUF bytes, which must not
 * interleave with other writers on a pipe: WRITE_PART keeps room for the rest, which the
 * loop in write() sends next. The count written, or -1 with errno (EINTR: the wait for
 * room in vfs's waiter table was interrupted).
 */
static long write_part(int fd, const char *p, size_t count)
{
    struct vfs_write_part_req rq = { .fd = (uint64_t)fd, .total = count, .count = VFS_WRITE_PART_MAX };
    struct vfs_write_part_rep rp;
    long r;

    memcpy(rq.data, p, VFS_WRITE_PART_MAX);
    for (;;) {
        POSIX_RESTARTING(r, vfs_write_part_call(vfs_ep, &rq, &rp, 0));
        if (r != -E_AGAIN || nonblocking(fd))
            break;
        if (posix_poll_sleep(POSIX_POLL_US) < 0)    /* vfs's waiter table was full */
            return -1;
    }
    if (r < 0)
        return write_failed(r);
    return rp.count > VFS_WRITE_PART_MAX ? posix_fail(-E_RANGE) : (long)rp.count;
}

/* ---- bulk transfers: a buffer shared with vfs (vfs.h, BULK_ATTACH) ---- */

#define POSIX_BULK_VADDR 0x0000180000000000ull   /* 24 TiB: clear of the heap and pm's areas */
#define BULK_NOT_FILE    (-2)                    /* vfs said -E_NOSYS: a pipe or device */

static uint8_t *bulk_buf;           /* mapped at POSIX_BULK_VADDR by BULK_ATTACH's reply; NULL: not yet */
static bool bulk_failed;            /* BULK_ATTACH failed once: messages only */
static bool bulk_off;               /* agora_bulk_io(0) */
/*
 * A bulk transfer is under way: the buffer holds its data. A signal handler that runs
 * meanwhile (pm runs them on this thread, between any two instructions) and reads or
 * writes goes by message instead, so it cannot overwrite the data the interrupted call has
 * yet to copy. (A handler that longjmps out leaves it set: messages from then on.)
 */
static volatile bool bulk_busy;
/*
 * Descriptors known not to be files (a pipe or device answered READ_BULK or WRITE_BULK with
 * -E_NOSYS, or pipe() made them): large transfers go straight to READ/WRITE. Only a hint:
 * a stale bit costs the bulk path, a missing one a probe; open() clears its descriptor's.
 */
static uint64_t not_file_fds;

static bool known_not_file(int fd)
{
    return fd < 64 && (not_file_fds >> fd) & 1;
}

static void note_not_file(int fd, bool not_file)
{
    if (fd >= 0 && fd < 64)
        not_file_fds = not_file ? not_file_fds | (1ull << fd) : not_file_fds & ~(1ull << fd);
}

int agora_bulk_io(int on)
{
    int old = !bulk_off;

    bulk_off = !on;
    return old;
}

void posix_bulk_forget(void)
{
    bulk_buf = NULL;
    bulk_failed = false;
}

/* The buffer, attached on first use; NULL: transfers go in VFS_IO_MAX messages. */
static uint8_t *bulk_buffer(void)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct vfs_bulk_attach_req rq;
    struct vfs_bulk_attach_rep rp;
    long r;

    if (bulk_off)
        return NULL;
    if (bulk_buf || bulk_failed)
        return bulk_buf;
    b->recv_window_vaddr = POSIX_BULK_VADDR;
    b->recv_window_pages = VFS_BULK_PAGES;
    r = vfs_bulk_attach_call(vfs_ep, &rq, &rp, 0);
    b->recv_window_pages = 0;
    if (r == 0 && rp.bytes == VFS_BULK_BYTES && b->recv_mem_vaddr == POSIX_BULK_VADDR &&
        b->recv_mem_pages == VFS_BULK_PAGES)
        bulk_buf = (uint8_t *)POSIX_BULK_VADDR;
    else
        bulk_failed = true;
    return bulk_buf;
}

/*
 * read() of more than VFS_IO_MAX bytes from a file: READ_BULK, VFS_BULK_BYTES at a time,
 * until count, the end, or a short answer. BULK_NOT_FILE: use READ.
 */
static long read_bulk(int fd, char *p, size_t count)
{
    struct vfs_read_bulk_req rq = { .fd = (uint64_t)fd };
    struct vfs_read_bulk_rep rp;
    size_t done = 0;
    long r;

    while (done < count) {
        rq.max = count - done < VFS_BULK_BYTES ? count - done : VFS_BULK_BYTES;
        POSIX_RESTARTING(r, vfs_read_bulk_call(vfs_ep, &rq, &rp, 0));
        if ((r == -E_NOSYS || r == -E_STATE) && done == 0) {
            if (r == -E_STATE)
                bulk_buf = NULL;    /* vfs forgot it (exec): attach again next time */
            return BULK_NOT_FILE;
        }
        if (r < 0)
            return done ? (long)done : posix_fail(r);
        if (rp.count > rq.max)
            return posix_fail_errno(EIO);
        memcpy(p + done, bulk_buf, rp.count);
        done += rp.count;
        if (rp.count < rq.max)
            break;
    }
    return (long)done;
}

/* write() of more than VFS_IO_MAX bytes to a file: WRITE_BULK, as read_bulk. */
static long write_bulk(int fd, const char *p, size_t count)
{
    struct vfs_write_bulk_req rq = { .fd = (uint64_t)fd };
    struct vfs_write_bulk_rep rp;
    size_t done = 0;
    long r;

    while (done < count) {
        rq.count = count - done < VFS_BULK_BYTES ? count - done : VFS_BULK_BYTES;
        memcpy(bulk_buf, p + done, rq.count);
        POSIX_RESTARTING(r, vfs_write_bulk_call(vfs_ep, &rq, &rp, 0));
        if ((r == -E_NOSYS || r == -E_STATE) && done == 0) {
            if (r == -E_STATE)
                bulk_buf = NULL;
            return BULK_NOT_FILE;
        }
        if (r < 0)
            return done ? (long)done : write_failed(r);
        if (rp.count > rq.count)
            return posix_fail_errno(EIO);
        done += rp.count;
        if (rp.count < rq.count)
            break;
    }
    return (long)done;
}

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t count)
{
    struct vfs_write_req rq;
    struct vfs_write_rep rp;
    const char *p = buf;
    size_t done = 0;

    if (!vfs_ep)
        return log_write(fd, p, count);
    if (fd < 0)
        return posix_fail_errno(EBADF);
    if (count > VFS_IO_MAX && !bulk_busy && !known_not_file(fd)) {
        long r = BULK_NOT_FILE;

        bulk_busy = true;
        if (bulk_buffer())
            r = write_bulk(fd, p, count);
        bulk_busy = false;
        if (r != BULK_NOT_FILE)
            return (_READ_WRITE_RETURN_TYPE)r;
        if (bulk_buf)
            note_not_file(fd, true);
    }
    if (count > VFS_IO_MAX && count <= PIPE_BUF) {
        long r = write_part(fd, p, count);

        if (r < 0)
            return -1;
        done = (size_t)r;
        if (done < VFS_WRITE_PART_MAX)
            return (_READ_WRITE_RETURN_TYPE)done;
    }
    rq.fd = (uint64_t)fd;
    while (done < count || count == 0) {
        size_t n = count - done < VFS_IO_MAX ? count - done : VFS_IO_MAX;
        long r;

        rq.count = n;
        memcpy(rq.data, p + done, n);
        POSIX_RESTARTING(r, vfs_write_call(vfs_ep, &rq, &rp, 0));
        if (r == -E_AGAIN && !nonblocking(fd)) {
            /* vfs's waiter table was full: ask again, unless a signal ends the wait. */
            if (posix_poll_sleep(POSIX_POLL_US) < 0)
                return done ? (_READ_WRITE_RETURN_TYPE)done : -1;
            continue;
        }
        if (r < 0)
            return done ? (_READ_WRITE_RETURN_TYPE)done : write_failed(r);
        if (rp.count > n)
            return posix_fail_errno(EIO);
        done += rp.count;
        if (rp.count < n || count == 0)
            break;
    }
    return (_READ_WRITE_RETURN_TYPE)done;
}

/* Whether fd has O_NONBLOCK (asked only when a read finds nothing). */
static bool nonblocking(int fd)
{
    struct vfs_fcntl_req rq = { .fd = (uint64_t)fd, .cmd = VFS_F_GETFL };
    struct vfs_fcntl_rep rp;

    return vfs_fcntl_call(vfs_ep, &rq, &rp, 0) < 0 || (rp.value & VFS_O_NONBLOCK);
}

/*
 * Reads until count bytes, the end of the file, or a short answer (a device gives what it
 * has). A device with nothing yet answers -E_AGAIN; without O_NONBLOCK the read waits by
 * asking again every POSIX_POLL_US (vfs holds no console replies yet) until a sleep fails
 * (a signal: EINTR). A pipe's first READ waits in vfs (a held reply); the rest is asked
 * with READ_MORE, which does not wait, so read returns what has arrived.
 */
_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t count)
{
    struct vfs_read_req rq;
    struct vfs_read_rep rp;
    char *p = buf;
    size_t done = 0;

    if (!vfs_ep)
        return posix_fail_errno(is_console(fd) ? ENOSYS : EBADF);
    if (fd < 0)
        return posix_fail_errno(EBADF);
    if (count > VFS_IO_MAX && !bulk_busy && !known_not_file(fd)) {
        long r = BULK_NOT_FILE;

        bulk_busy = true;
        if (bulk_buffer())
            r = read_bulk(fd, p, count);
        bulk_busy = false;
        if (r != BULK_NOT_FILE)
            return (_READ_WRITE_RETURN_TYPE)r;
        if (bulk_buf)
            note_not_file(fd, true);
    }
    rq.fd = (uint64_t)fd;
    while (done < count) {
        long r;

        rq.max = count - done < VFS_IO_MAX ? count - done : VFS_IO_MAX;
        if (done == 0) {
            POSIX_RESTARTING(r, vfs_read_call(vfs_ep, &rq, &rp, 0));
        } else {
            _Static_assert(sizeof(struct vfs_read_more_req) == sizeof(rq) &&
                           sizeof(struct vfs_read_more_rep) == sizeof(rp), "READ_MORE is READ's shape");
            r = vfs_read_more_call(vfs_ep, (const struct vfs_read_more_req *)&rq,
                                   (struct vfs_read_more_rep *)&rp, 0);
        }
        if (r == -E_AGAIN && done == 0 && !nonblocking(fd)) {
            if (posix_poll_sleep(POSIX_POLL_US) < 0)
                return -1;
            continue;
        }
        if (r < 0)
            return done ? (_READ_WRITE_RETURN_TYPE)done : posix_fail(r);
        if (rp.count > rq.max)
            return posix_fail_errno(EIO);
        memcpy(p + done, rp.data, rp.count);
        done += rp.count;
        if (rp.count < rq.max)
            break;
    }
    return (_READ_WRITE_RETURN_TYPE)done;
}

off_t lseek(int fd, off_t offset, int whence)
{
    struct vfs_lseek_req rq = { .fd = (uint64_t)fd, .offset = offset, .whence = (uint64_t)whence };
    struct vfs_lseek_rep rp;
    long r;

    if (!vfs_ep)
        return posix_fail_errno(is_console(fd) ? ESPIPE : EBADF);
    if (fd < 0)
        return posix_fail_errno(EBADF);
    if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
        return posix_fail_errno(EINVAL);
    r = vfs_lseek_call(vfs_ep, &rq, &rp, 0);
    return r < 0 ? posix_fail(r) : (off_t)rp.offset;
}

int ftruncate(int fd, off_t length)
{
    struct vfs_ftruncate_req rq = { .fd = (uint64_t)fd, .length = length };
    struct vfs_ftruncate_rep rp;
    long r;

    if (!vfs_ep)
        return posix_fail_errno(ENOSYS);
    if (fd < 0)
        return posix_fail_errno(EBADF);
    r = vfs_ftruncate_call(vfs_ep, &rq, &rp, 0);
    return r < 0 ? posix_fail(r) : 0;
}

/* ---- descriptors ---- */

int open(const char *path, int flags, ...)
{
    struct vfs_open_req rq = { .flags = vfs_flags(flags) };
    struct vfs_open_rep rp;
    int err;
    long r;

    if (!vfs_ep)
        return posix_fail_errno(ENOSYS);
    if (flags & O_CREAT) {
        va_list ap;

        va_start(ap, flags);
        rq.mode = (uint64_t)(va_arg(ap, int) & 07777);
        va_end(ap);
    }
    if ((err = posix_put_path(&rq.path, path)))
        return posix_fail_errno(err);
    r = vfs_open_call(vfs_ep, &rq, &rp, 0);
    if (r < 0)
        return posix_fail(r);
    note_not_file((int)rp.fd, false);
    return (int)rp.fd;
}

/* pipe2's flags: O_NONBLOCK (on both descriptions), O_CLOEXEC (on both descriptors). */
int pipe2(int fds[2], int flags)
{
    struct vfs_pipe_req rq = { .flags = 0 };
    struct vfs_pipe_rep rp;
    long r;

    if (!vfs_ep)
        return posix_fail_errno(ENOSYS);
    if (!fds)
        return posix_fail_errno(EFAULT);
    if (flags & ~(O_NONBLOCK | O_CLOEXEC))
        return posix_fail_errno(EINVAL);
    rq.flags = vfs_flags(flags);
    if ((r = vfs_pipe_call(vfs_ep, &rq, &rp, 0)) < 0)
        return posix_fail(r);
    fds[0] = (int)rp.rfd;
    fds[1] = (int)rp.wfd;
    note_not_file(fds[0], true);
    note_not_file(fds[1], true);
    return 0;
}

int pipe(int fds[2])
{
    return pipe2(fds, 0);
}

int close(int fd)
{
    struct vfs_close_req rq = { .fd = (uint64_t)fd };
    struct vfs_close_rep rp;
    long r;

    if (!vfs_ep)
        return is_console(fd) ? 0 : posix_fail_errno(EBADF);
    if (fd < 0)
        return posix_fail_errno(EBADF);
    r = vfs_close_call(vfs_ep, &rq, &rp, 0);
    return r < 0 ? posix_fail(r) : 0;
}

static int dup_min(int fd, int min, uint64_t flags)
{
    struct vfs_dup_req rq = { .fd = (uint64_t)fd, .min = (uint64_t)min, .flags = flags };
    struct vfs_dup_rep rp;
    long r;

    if (!vfs_ep)
        return posix_fail_errno(ENOSYS);
    if (fd < 0)
        return posix_fail_errno(EBADF);
    if (min < 0)
        return posix_fail_errno(EINVAL);
    r = vfs_dup_call(vfs_ep, &rq, &rp, 0);
    if (r < 0)
        return posix_fail(r);
    note_not_file((int)rp.fd, known_not_file(fd));
    return (int)rp.fd;
}

int dup(int fd)
{
    return dup_min(fd, 0, 0);
}

int dup2(int fd, int fd2)
{
    struct vfs_dup2_req rq = { .fd = (uint64_t)fd, .fd2 = (uint64_t)fd2 };
    struct vfs_dup2_rep rp;
    long r;

    if (!vfs_ep)
        return posix_fail_errno(ENOSYS);
    if (fd < 0 || fd2 < 0)
        return posix_fail_errno(EBADF);
    r = vfs_dup2_call(vfs_ep, &rq, &rp, 0);
    if (r < 0)
        return posix_fail(r);
    note_not_file(fd2, known_not_file(fd));
    return (int)rp.fd;
}

static int fcntl_call(int fd, uint64_t cmd, uint64_t arg)
{
    struct vfs_fcntl_req rq = { .fd = (uint64_t)fd, .cmd = cmd, .arg = arg };
    struct vfs_fcntl_rep rp;
    long r = vfs_fcntl_call(vfs_ep, &rq, &rp, 0);

    return r < 0 ? posix_fail(r) : (int)rp.value;
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    int arg = 0, v;

    if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_SETFD || cmd == F_SETFL) {
        va_start(ap, cmd);
        arg = va_arg(ap, int);
        va_end(ap);
    }
    if (!vfs_ep)
        return posix_fail_errno(ENOSYS);
    if (fd < 0)
        return posix_fail_errno(EBADF);
    switch (cmd) {
    case F_DUPFD:
        return dup_min(fd, arg, 0);
    case F_DUPFD_CLOEXEC:
        return dup_min(fd, arg, VFS_FD_CLOEXEC);
    case F_GETFD:
        v = fcntl_call(fd, VFS_F_GETFD, 0);
        return v < 0 ? v : (v & VFS_FD_CLOEXEC) ? FD_CLOEXEC : 0;
    case F_SETFD:
        return fcntl_call(fd, VFS_F_SETFD, (arg & FD_CLOEXEC) ? VFS_FD_CLOEXEC : 0);
    case F_GETFL:
        v = fcntl_call(fd, VFS_F_GETFL, 0);
        return v < 0 ? v : posix_flags((uint64_t)v);
    case F_SETFL:
        return fcntl_call(fd, VFS_F_SETFL, vfs_flags(arg) & (VFS_O_APPEND | VFS_O_NONBLOCK));
    default:
        return posix_fail_errno(EINVAL);
    }
}

int isatty(int fd)
{
    struct vfs_isatty_req rq = { .fd = (uint64_t)fd };
    struct vfs_isatty_rep rp;
    long r;

    if (!vfs_ep || fd < 0) {
        if (is_console(fd))
            return 1;
        errno = EBADF;
        return 0;
    }
    r = vfs_isatty_call(vfs_ep, &rq, &rp, 0);
    if (r < 0) {
        errno = posix_errno(r);
        return 0;
    }
    return 1;
}

/* ---- attributes ---- */

int fstat(int fd, struct stat *st)
{
    struct vfs_fstat_req rq = { .fd = (uint64_t)fd };
    struct vfs_fstat_rep rp;
    long r;

    if (!vfs_ep) {
        /* The console is a character device: newlib then line-buffers stdout. */
        if (!is_console(fd))
            return posix_fail_errno(EBADF);
        *st = (struct stat){ .st_mode = S_IFCHR | 0620, .st_blksize = 1024 };
        return 0;
    }
    if (fd < 0)
        return posix_fail_errno(EBADF);
    if (!st)
        return posix_fail_errno(EFAULT);
    if ((r = vfs_fstat_call(vfs_ep, &rq, &rp, 0)) < 0)
        return posix_fail(r);
    to_stat(&rp.st, st);
    return 0;
}

/* STAT (follow) or LSTAT of path: the two requests and replies have one layout. */
static int stat_path(const char *path, struct stat *st, bool follow)
{
    struct vfs_stat_req rq;
    struct vfs_stat_rep rp;
    int err;
    long r;

    _Static_assert(sizeof(struct vfs_stat_req) == sizeof(struct vfs_lstat_req) &&
                   sizeof(struct vfs_stat_rep) == sizeof(struct vfs_lstat_rep), "STAT and LSTAT alike");
    if (!vfs_ep)
        return posix_fail_errno(ENOSYS);
    if ((err = posix_put_path(&rq.path, path)))
        return posix_fail_errno(err);
    if (!st)
        return posix_fail_errno(EFAULT);
    if ((r = proto_call(vfs_ep, follow ? VFS_STAT : VFS_LSTAT, &rq, sizeof(rq), &rp, sizeof(rp), 0)) < 0)
        return posix_fail(r);
    to_stat(&rp.st, st);
    return 0;
}

int stat(const char *restrict path, struct stat *restrict st)
{
    return stat_path(path, st, true);
}

/* The link itself, not what it names. */
int lstat(const char *restrict path, struct stat *restrict st)
{
    return stat_path(path, st, false);
}

/* ---- the name space ---- */

#define PATH_CALL(prefix, path, ...)                                                      \
    do {                                                                                  \
        struct prefix##_req rq = { __VA_ARGS__ };                                         \
        struct prefix##_rep rp;                                                           \
        int err;                                                                          \
        long r;                                                                           \
                                                                                          \
        if (!vfs_ep)                                                                      \
            return posix_fail_errno(ENOSYS);                                              \
        if ((err = posix_put_path(&rq.path, path)))                                             \
            return posix_fail_errno(err);                                                 \
        r = prefix##_call(vfs_ep, &rq, &rp, 0);                                           \
        return r < 0 ? posix_fail(r) : 0;                                                 \
    } while (0)

int mkdir(const char *path, mode_t mode)
{
    PATH_CALL(vfs_mkdir, path, .mode = mode & 07777);
}

int unlink(const char *path)
{
    PATH_CALL(vfs_unlink, path, );
}

int rmdir(const char *path)
{
    PATH_CALL(vfs_rmdir, path, );
}

int chdir(const char *path)
{
    PATH_CALL(vfs_chdir, path, );
}

/* The permission bits; the rest of mode is ignored, as Linux does. */
int chmod(const char *path, mode_t mode)
{
    PATH_CALL(vfs_chmod, path, .mode = mode & 07777);
}

int fchmod(int fd, mode_t mode)
{
    struct vfs_fchmod_req rq = { .fd = (uint64_t)fd, .mode = mode & 07777 };
    struct vfs_fchmod_rep rp;
    long r;

    if (!vfs_ep)
        return posix_fail_errno(ENOSYS);
    if (fd < 0)
        return posix_fail_errno(EBADF);
    r = vfs_fchmod_call(vfs_ep, &rq, &rp, 0);
    return r < 0 ? posix_fail(r) : 0;
}

/*
 * vfs's RENAME. newlib's own rename (stdio/rename.c) calls _rename_r, which newlib (built
 * without HAVE_RENAME) makes link + unlink, never _rename: this one replaces it.
 */
int rename(const char *old, const char *new)
{
    struct vfs_rename_req rq;
    struct vfs_rename_rep rp;
    int err;
    long r;

    if (!vfs_ep)
        return posix_fail_errno(ENOSYS);
    if ((err = posix_put_path(&rq.from, old)) || (err = posix_put_path(&rq.to, new)))
        return posix_fail_errno(err);
    r = vfs_rename_call(vfs_ep, &rq, &rp, 0);
    return r < 0 ? posix_fail(r) : 0;
}

/* vfs's LINK: a hard link within one file system (EXDEV across). */
int link(const char *old, const char *new)
{
    struct vfs_link_req rq;
    struct vfs_link_rep rp;
    int err;
    long r;

    if (!vfs_ep)
        return posix_fail_errno(ENOSYS);
    if ((err = posix_put_path(&rq.from, old)) || (err = posix_put_path(&rq.to, new)))
        return posix_fail_errno(err);
    r = vfs_link_call(vfs_ep, &rq, &rp, 0);
    if (r == -E_PERM)
        return posix_fail_errno(EPERM);     /* a directory: POSIX's EPERM, not the map's EACCES */
    return r < 0 ? posix_fail(r) : 0;
}

/* POSIX, with the common extension: buf NULL allocates (size 0: as large as needed). */
char *getcwd(char *buf, size_t size)
{
    struct vfs_getcwd_req rq;
    struct vfs_getcwd_rep rp;
    long r;

    if (!vfs_ep) {
        errno = ENOSYS;
        return NULL;
    }
    if (buf && size == 0) {
        errno = EINVAL;
        return NULL;
    }
    if ((r = vfs_getcwd_call(vfs_ep, &rq, &rp, 0)) < 0) {
        errno = posix_errno(r);
        return NULL;
    }
    if (!buf) {
        size = size ? size : rp.path.len + 1;
        if (!(buf = malloc(size)))
            return NULL;            /* malloc set ENOMEM */
    }
    if (rp.path.len + 1 > size) {
        errno = ERANGE;
        return NULL;
    }
    memcpy(buf, rp.path.bytes, rp.path.len + 1);
    return buf;
}

_READ_WRITE_RETURN_TYPE _write(int fd, const void *buf, size_t count) POSIX_ALIAS(write);
_READ_WRITE_RETURN_TYPE _read(int fd, void *buf, size_t count) POSIX_ALIAS(read);
int _isatty(int fd) POSIX_ALIAS(isatty);
int _fstat(int fd, struct stat *st) POSIX_ALIAS(fstat);
off_t _lseek(int fd, off_t offset, int whence) POSIX_ALIAS(lseek);
int _close(int fd) POSIX_ALIAS(close);
int _open(const char *path, int flags, ...) POSIX_ALIAS(open);
int _stat(const char *restrict path, struct stat *restrict st) POSIX_ALIAS(stat);
int _link(const char *old, const char *new) POSIX_ALIAS(link);
int _unlink(const char *path) POSIX_ALIAS(unlink);
int _mkdir(const char *path, mode_t mode) POSIX_ALIAS(mkdir);
int _fcntl(int fd, int cmd, ...) POSIX_ALIAS(fcntl);
