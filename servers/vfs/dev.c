/* Device nodes (dev.h). The console is the "tty" server when names has it, else the "serial" driver, else the kernel log. */
#include "dev.h"

#include <agora/errors.h>
#include <agora/proto/vfs.h>
#include <libagora/chardev.h>
#include <libagora/names.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "path.h"

/* tty_get_call, tty_set_call: the terminal-mode messages (include/agora/proto/tty.h). */
PROTO_STUBS(TTY_MSG_LIST)

/*
 * The console's endpoint: "tty" (servers/tty: line editing, echo) when names has it, else
 * "serial" (raw bytes), else none (output to the kernel log, input at end of file). Both
 * speak the char protocol (include/agora/proto/char.h). vfs may start before either
 * registers, so until the console is tty every access asks names for "tty" again (one
 * names round trip; a system without tty pays it per console access) and, with no
 * console yet, for "serial". After -E_DEAD the copy is dropped and the next access looks
 * again (a restarted server registers anew).
 */
static uint64_t console_ep;         /* 0: none yet */
static bool console_tty;            /* console_ep is tty's */

static void console_gone(void)
{
    sys_cap_delete(console_ep);
    agora_slot_free(console_ep);
    console_ep = 0;
    console_tty = false;
}

static uint64_t console(void)
{
    uint64_t slot;

    if (console_tty)
        return console_ep;
    if (names_lookup("tty", &slot) == 0) {
        if (console_ep)
            console_gone();
        console_ep = slot;
        console_tty = true;
    } else if (!console_ep && names_lookup("serial", &slot) == 0)
        console_ep = slot;
    return console_ep;
}

static const struct {
    const char *name;
    uint64_t rdev;
    uint32_t mode;
} devices[] = {
    { "null", VFS_DEV_NULL, VFS_S_IFCHR | 0666 },
    { "zero", VFS_DEV_ZERO, VFS_S_IFCHR | 0666 },
    { "console", VFS_DEV_CONSOLE, VFS_S_IFCHR | 0620 },
    { "tty", VFS_DEV_CONSOLE, VFS_S_IFCHR | 0666 },     /* the controlling terminal: the console, while there is one */
};

long dev_setup(struct ramfs *fs)
{
    struct vfs_node *dir, *n;
    long r;

    if ((r = path_lookup(fs, fs->root, "/dev", 4, &dir)) == -E_NOENT)
        r = ramfs_create(fs, fs->root, "dev", 3, VFS_S_IFDIR | 0755, 0, &dir);
    if (r < 0)
        return r;
    for (unsigned i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
        uint64_t len = strlen(devices[i].name);

        if (ramfs_lookup(dir, devices[i].name, len))
            ramfs_remove(fs, dir, devices[i].name, len, false);    /* ours replaces the image's */
        if ((r = ramfs_create(fs, dir, devices[i].name, len, devices[i].mode, devices[i].rdev, &n)) < 0)
            return r;
    }
    return 0;
}

static long console_read(void *buf, uint64_t max)
{
    struct char_read_req rq = { .max = max < CHAR_IO_MAX ? max : CHAR_IO_MAX, .flags = CHAR_READ_NONBLOCK };
    struct char_read_rep rp;
    long r;

    if (!console())
        return 0;                   /* no input device: end of file */
    /*
     * Never wait inside vfs (it serves everyone from one thread): -E_AGAIN goes back to the
     * client, whose runtime asks again (servers/vfs/README.md: why, and what comes next).
     * tty answers a line, or len 0 at ^D: end of file.
     */
    r = char_read_call(console_ep, &rq, &rp, 0);
    if (r == -E_DEAD) {
        console_gone();
        return 0;
    }
    if (r < 0)
        return r;
    if (rp.len > rq.max)
        return -E_RANGE;
    memcpy(buf, rp.bytes, rp.len);
    return (long)rp.len;
}

static long console_write(const void *buf, uint64_t count)
{
    long r;

    if (console()) {
        r = chardev_write(console_ep, buf, count);
        if (r != -E_DEAD)
            return r;
        console_gone();
    }
    r = sys_debug_puts(buf, count);     /* count <= VFS_IO_MAX, below its limit */
    return r < 0 ? r : (long)count;
}

long dev_read(struct vfs_node *n, void *buf, uint64_t max)
{
    switch (n->rdev) {
    case VFS_DEV_NULL:
        return 0;
    case VFS_DEV_ZERO:
        memset(buf, 0, max);
        return (long)max;
    case VFS_DEV_CONSOLE:
        return console_read(buf, max);
    default:
        return -E_NOSYS;
    }
}

long dev_write(struct vfs_node *n, const void *buf, uint64_t count)
{
    switch (n->rdev) {
    case VFS_DEV_NULL:
    case VFS_DEV_ZERO:
        return (long)count;
    case VFS_DEV_CONSOLE:
        return count ? console_write(buf, count) : 0;
    default:
        return -E_NOSYS;
    }
}

/* The console's readiness: IN when its device has bytes a READ would take now (char STATUS). */
static uint32_t console_poll(void)
{
    struct char_status_rep st;
    long r;

    if (!console())
        return VFS_POLLIN | VFS_POLLOUT;    /* reads are at end of file, writes go to the log */
    r = chardev_status(console_ep, &st);
    if (r == -E_DEAD) {
        console_gone();
        return VFS_POLLIN | VFS_POLLOUT;    /* as console_read: end of file */
    }
    if (r < 0)
        return VFS_POLLOUT | VFS_POLLERR;
    return VFS_POLLOUT | (st.readable ? VFS_POLLIN : 0);
}

uint32_t dev_poll(struct vfs_node *n)
{
    switch (n->rdev) {
    case VFS_DEV_NULL:
    case VFS_DEV_ZERO:
        return VFS_POLLIN | VFS_POLLOUT;
    case VFS_DEV_CONSOLE:
        return console_poll();
    default:
        return VFS_POLLERR;
    }
}

/* The tty server's endpoint, or 0 when the console is something else (or nothing yet). */
static uint64_t console_tty_ep(void)
{
    return console() && console_tty ? console_ep : 0;
}

long dev_tty_get(struct tty_mode *mode)
{
    struct tty_get_req rq;
    struct tty_get_rep rp;
    uint64_t ep = console_tty_ep();
    long r;

    if (!ep)
        return -E_NOTTY;
    if ((r = tty_get_call(ep, &rq, &rp, 0)) == -E_DEAD) {
        console_gone();
        return -E_NOTTY;
    }
    if (r < 0)
        return r;
    *mode = rp.mode;
    return 0;
}

long dev_tty_set(const struct tty_mode *mode, uint64_t how)
{
    struct tty_set_req rq = { .mode = *mode, .how = how };
    struct tty_set_rep rp;
    struct tty_mode now;
    uint64_t ep;
    long r;

    /* The foreground group is set through pm, not here: keep tty's. */
    if ((r = dev_tty_get(&now)) < 0)
        return r;
    rq.mode.pgrp = now.pgrp;
    ep = console_tty_ep();
    if ((r = tty_set_call(ep, &rq, &rp, 0)) == -E_DEAD) {
        console_gone();
        return -E_NOTTY;
    }
    return r;
}

bool dev_is_tty(const struct vfs_node *n)
{
    return n->rdev == VFS_DEV_CONSOLE;
}

bool dev_seekable(const struct vfs_node *n)
{
    return n->rdev == VFS_DEV_NULL || n->rdev == VFS_DEV_ZERO;
}
