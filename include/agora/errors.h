/* Error codes of every system call (returned negated) and of server replies. */
#ifndef AGORA_ERRORS_H
#define AGORA_ERRORS_H

/* X(name, number, description); numbers are only ever appended (34 and 39 were never used: parallel work). */
#define AGORA_ERROR_LIST(X)                                                  \
    X(OK,          0, "success")                                             \
    X(E_INVAL,     1, "invalid argument")                                    \
    X(E_NOCAP,     2, "no capability in that slot (empty, revoked or out of range)") \
    X(E_TYPE,      3, "capability names an object of the wrong type")        \
    X(E_PERM,      4, "capability lacks a right the operation needs")        \
    X(E_FAULT,     5, "bad user address (unmapped, read-only or kernel half)") \
    X(E_NOMEM,     6, "out of memory or over quota")                         \
    X(E_RANGE,     7, "a size or count is out of range (e.g. oversized message)") \
    X(E_EXIST,     8, "destination already in use (slot full, page mapped)") \
    X(E_DEAD,      9, "the peer died")                                       \
    X(E_ALIGN,    10, "address or size not page aligned")                    \
    X(E_AGAIN,    11, "nothing to receive without blocking")                 \
    X(E_NOSYS,    12, "no such system call")                                 \
    X(E_OVERLAP,  13, "overlapping memory ranges")                           \
    X(E_NOWINDOW, 14, "receiver accepts no memory or capabilities")          \
    X(E_BUSY,     15, "object is busy (already bound, already started)")     \
    X(E_STATE,    16, "object in the wrong state for the operation")        \
    X(E_NOENT,    17, "no such file or directory")                          \
    X(E_NOTDIR,   18, "a path component is not a directory")                \
    X(E_ISDIR,    19, "is a directory")                                     \
    X(E_BADF,     20, "bad file descriptor")                                \
    X(E_NAMETOOLONG, 21, "path or file name too long")                      \
    X(E_NOTEMPTY, 22, "directory not empty")                                \
    X(E_MFILE,    23, "too many open file descriptors in the process")     \
    X(E_NFILE,    24, "too many open files in the system")                  \
    X(E_SPIPE,    25, "cannot seek on a pipe or device")                    \
    X(E_NOTTY,    26, "not a terminal")                                     \
    X(E_FBIG,     27, "file too large") \
    X(E_CHILD,    28, "no such child process") \
    X(E_SRCH,     29, "no such process") \
    X(E_PIPE,     30, "write to a pipe that no one can read") \
    X(E_INTR,     31, "interrupted") \
    X(E_ACCES,    32, "permission denied") \
    X(E_NOSPC,    33, "no space left on the device (blocks or inodes)") \
    X(E_CORRUPT,  35, "the file system's on-disk data is inconsistent") \
    X(E_ROFS,     36, "read-only file system") \
    X(E_LOOP,     37, "too many symbolic links") \
    X(E_MLINK,    38, "too many links") \
    X(E_IO,       40, "input/output error (the device reported a failure)") \
    X(E_XDEV,     41, "a rename or link across file systems")

enum agora_error {
#define AGORA_ERROR_ENUM(name, num, desc) name = num,
    AGORA_ERROR_LIST(AGORA_ERROR_ENUM)
#undef AGORA_ERROR_ENUM
    AGORA_ERROR_COUNT
};

#endif
