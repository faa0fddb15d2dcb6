/* Device nodes (dev.h). The console is the "serial" driver when names has it, else the kernel log. */
#include "dev.h"

#include <agora/errors.h>
#include <agora/proto/vfs.h>
#include <libagora/chardev.h>
#include <libagora/names.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "path.h"

static uint64_t serial_ep;          /* 0 until names has "serial" */

/*
 * The serial driver's endpoint, looked up on each console access until names has it: vfs
 * may well start before the driver registers. After -E_DEAD the copy is dropped and the
 * next access looks again (a restarted driver registers anew).
 */
static uint64_t serial(void)
{
    uint64_t slot;

    if (!serial_ep && names_lookup("serial", &slot) == 0)
        serial_ep = slot;
    return serial_ep;
}

static void serial_gone(void)
{
    sys_cap_delete(serial_ep);
    agora_slot_free(serial_ep);
    serial_ep = 0;
}

static const struct {
    const char *name;
    uint64_t rdev;
    uint32_t mode;
} devices[] = {
    { "null", VFS_DEV_NULL, VFS_S_IFCHR | 0666 },
    { "zero", VFS_DEV_ZERO, VFS_S_IFCHR | 0666 },
    { "console", VFS_DEV_CONSOLE, VFS_S_IFCHR | 0620 },
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
    long r;

    if (!serial())
        return 0;                   /* no input device: end of file */
    /*
     * Never wait inside vfs (it serves everyone from one thread): -E_AGAIN goes back to the
     * client, whose runtime retries. TODO: keep the reply (SYS_REPLY_SAVE) and answer when
     * the driver has bytes, once the tty server owns the console.
     */
    r = chardev_read_nonblock(serial_ep, buf, max);
    if (r == -E_DEAD) {
        serial_gone();
        return 0;
    }
    return r;
}

static long console_write(const void *buf, uint64_t count)
{
    long r;

    if (serial()) {
        r = chardev_write(serial_ep, buf, count);
        if (r != -E_DEAD)
            return r;
        serial_gone();
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

bool dev_is_tty(const struct vfs_node *n)
{
    return n->rdev == VFS_DEV_CONSOLE;
}

bool dev_seekable(const struct vfs_node *n)
{
    return n->rdev == VFS_DEV_NULL || n->rdev == VFS_DEV_ZERO;
}
