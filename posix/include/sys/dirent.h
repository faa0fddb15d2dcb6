/* Directory entries for newlib's <dirent.h> (which has no Agora version of its own): struct dirent, DIR, DT_*. */
#ifndef _SYS_DIRENT_H
#define _SYS_DIRENT_H

#include <sys/types.h>

#define MAXNAMLEN 255

/* d_type values (Linux's, as vfs sends them). */
#define DT_UNKNOWN 0
#define DT_FIFO    1
#define DT_CHR     2
#define DT_DIR     4
#define DT_BLK     6
#define DT_REG     8
#define DT_LNK     10
#define DT_SOCK    12

struct dirent {
    ino_t d_ino;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[MAXNAMLEN + 1];
};

/* Opaque: a descriptor and a buffer of entries (posix/runtime/dirent.c). */
typedef struct __agora_dir DIR;

#endif
