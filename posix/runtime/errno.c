/* Agora error codes to errno values: the one place the mapping is made. */
#include <errno.h>

#include <agora/errors.h>

#include "posix.h"

/*
 * X(agora error, errno). Every entry of AGORA_ERROR_LIST has a line here: the assertion
 * below stops the build when an error is appended without one.
 */
#define POSIX_ERRNO_MAP(X)                                                          \
    X(OK,          0)                                                               \
    X(E_INVAL,     EINVAL)                                                          \
    X(E_NOCAP,     EBADF)      /* a capability is what a descriptor will name */    \
    X(E_TYPE,      EBADF)                                                           \
    X(E_PERM,      EACCES)                                                          \
    X(E_FAULT,     EFAULT)                                                          \
    X(E_NOMEM,     ENOMEM)                                                          \
    X(E_RANGE,     ERANGE)                                                          \
    X(E_EXIST,     EEXIST)                                                          \
    X(E_DEAD,      EPIPE)      /* the server at the other end died */               \
    X(E_ALIGN,     EINVAL)                                                          \
    X(E_AGAIN,     EAGAIN)                                                          \
    X(E_NOSYS,     ENOSYS)                                                          \
    X(E_OVERLAP,   EINVAL)                                                          \
    X(E_NOWINDOW,  EINVAL)                                                          \
    X(E_BUSY,      EBUSY)                                                           \
    X(E_STATE,     EINVAL)                                                          \
    X(E_NOENT,     ENOENT)                                                          \
    X(E_NOTDIR,    ENOTDIR)                                                         \
    X(E_ISDIR,     EISDIR)                                                          \
    X(E_BADF,      EBADF)                                                           \
    X(E_NAMETOOLONG, ENAMETOOLONG)                                                  \
    X(E_NOTEMPTY,  ENOTEMPTY)                                                       \
    X(E_MFILE,     EMFILE)                                                          \
    X(E_NFILE,     ENFILE)                                                          \
    X(E_SPIPE,     ESPIPE)                                                          \
    X(E_NOTTY,     ENOTTY)                                                          \
    X(E_FBIG,      EFBIG)                                                           \
    X(E_CHILD,     ECHILD)                                                          \
    X(E_SRCH,      ESRCH)                                                           \
    X(E_PIPE,      EPIPE)                                                           \
    X(E_INTR,      EINTR)                                                           \
    X(E_ACCES,     EACCES)                                                          \
    X(E_NOSPC,     ENOSPC)                                                          \
    X(E_IO,        EIO) \
    X(E_CORRUPT,   EIO)        /* Linux says EUCLEAN, which newlib lacks */         \
    X(E_ROFS,      EROFS)                                                           \
    X(E_LOOP,      ELOOP)                                                           \
    X(E_MLINK,     EMLINK)                                                          \
    X(E_XDEV,      EXDEV)

static const int errno_of[] = {
#define POSIX_ERRNO_ENTRY(agora, err) [agora] = (err),
    POSIX_ERRNO_MAP(POSIX_ERRNO_ENTRY)
#undef POSIX_ERRNO_ENTRY
};

/* Counted entry by entry: the numbers may have gaps (appended by several branches). */
#define POSIX_ERRNO_COUNT(agora, err) +1
#define POSIX_ERROR_COUNT(name, num, desc) +1
_Static_assert(0 POSIX_ERRNO_MAP(POSIX_ERRNO_COUNT) == 0 AGORA_ERROR_LIST(POSIX_ERROR_COUNT),
               "an Agora error has no errno: add it to POSIX_ERRNO_MAP");
#undef POSIX_ERROR_COUNT
#undef POSIX_ERRNO_COUNT

int posix_errno(long agora_err)
{
    long i = agora_err < 0 ? -agora_err : agora_err;

    if (i <= 0 || i >= (long)(sizeof(errno_of) / sizeof(errno_of[0])))
        return i == 0 ? 0 : EIO;
    return errno_of[i] ? errno_of[i] : EIO;     /* a number in a gap of the list */
}

long posix_fail(long agora_err)
{
    errno = posix_errno(agora_err);
    return -1;
}

long posix_fail_errno(int err)
{
    errno = err;
    return -1;
}
