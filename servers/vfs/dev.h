/* Device nodes inside vfs: /dev/null, /dev/zero, /dev/console and /dev/tty (forwarded to "tty", else "serial"). */
#ifndef VFS_DEV_H
#define VFS_DEV_H

#include <stdint.h>

#include <agora/proto/tty.h>

#include "ramfs.h"

/* Makes /dev (unless the image has it) and its nodes: 0, or the first error. */
long dev_setup(struct ramfs *fs);
/* A device node's READ: the count (0: end of file) or a negated error (-E_AGAIN: nothing yet). */
long dev_read(struct vfs_node *n, void *buf, uint64_t max);
/* A device node's WRITE: the count or a negated error. */
long dev_write(struct vfs_node *n, const void *buf, uint64_t count);
/* POLL's readiness of a device node (VFS_POLL* bits that hold; vfs.h says which). */
uint32_t dev_poll(struct vfs_node *n);
/* The console's terminal mode (TTY_GET): 0, or -E_NOTTY when the console is not the tty server. */
long dev_tty_get(struct tty_mode *mode);
/*
 * Sets it (TTY_SET with how): flags, vmin, rows and cols from mode, the foreground group
 * kept as tty has it. 0, -E_NOTTY as dev_tty_get, or tty's error.
 */
long dev_tty_set(const struct tty_mode *mode, uint64_t how);
/* Whether the node is a terminal (isatty). */
bool dev_is_tty(const struct vfs_node *n);
/* Whether lseek works on it (null and zero: yes, at offset 0; the console: no). */
bool dev_seekable(const struct vfs_node *n);

#endif
