/* Device nodes inside vfs: /dev/null, /dev/zero, /dev/console and /dev/tty (forwarded to "tty", else "serial"). */
#ifndef VFS_DEV_H
#define VFS_DEV_H

#include <stdint.h>

#include "ramfs.h"

/* Makes /dev (unless the image has it) and its nodes: 0, or the first error. */
long dev_setup(struct ramfs *fs);
/* A device node's READ: the count (0: end of file) or a negated error (-E_AGAIN: nothing yet). */
long dev_read(struct vfs_node *n, void *buf, uint64_t max);
/* A device node's WRITE: the count or a negated error. */
long dev_write(struct vfs_node *n, const void *buf, uint64_t count);
/* Whether the node is a terminal (isatty). */
bool dev_is_tty(const struct vfs_node *n);
/* Whether lseek works on it (null and zero: yes, at offset 0; the console: no). */
bool dev_seekable(const struct vfs_node *n);

#endif
