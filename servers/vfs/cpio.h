/* The boot image of the root file system: a cpio archive in the "newc" format, parsed and loaded into ramfs. Pure code (tests/unit/test_vfs.c). */
#ifndef VFS_CPIO_H
#define VFS_CPIO_H

#include <stdint.h>

#include "ramfs.h"

/* One member of the archive. name and data point into the archive. */
struct cpio_entry {
    const char *name;               /* NUL-terminated */
    uint64_t namelen;               /* without the NUL */
    uint32_t mode;
    uint64_t mtime;
    const void *data;
    uint64_t size;
};

#define CPIO_HEADER_BYTES 110

/*
 * The member at *off of archive[0..len): 0 with *e filled and *off moved past it; 1 at the
 * "TRAILER!!!" member (the end); -E_RANGE when the header, name or data run past len;
 * -E_INVAL for a bad magic ("070701" or "070702"), a field that is not 8 hex digits, an
 * empty or unterminated name or one with a NUL inside.
 */
long cpio_next(const void *archive, uint64_t len, uint64_t *off, struct cpio_entry *e);

/* What cpio_load did. */
struct cpio_stats {
    uint64_t dirs, files;           /* created */
    uint64_t skipped;               /* members that are neither (symlinks, devices, "."), or whose path failed */
    long error;                     /* 0, or cpio_next's error where the walk stopped */
};

/*
 * Loads every member into fs: directories (an existing one is kept) and regular files, whose
 * contents stay borrowed from the archive (which must stay mapped and unchanged). Names are
 * taken relative to the root ("./a", "/a" and "a" alike); ".." cannot leave the root. A
 * member whose parent directory is missing, or whose name exists with another type, is
 * skipped. Never fails as a whole: what loaded stays loaded, and stats says the rest.
 */
void cpio_load(struct ramfs *fs, const void *archive, uint64_t len, struct cpio_stats *stats);

#endif
