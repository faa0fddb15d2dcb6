/*
 * The small calls a Unix program expects besides files and processes: identity (one user,
 * root), umask, host name and uname, sysconf, resource limits, process-group stubs until
 * pm provides them (pipes are vfs's: files.c; terminal modes termios.c). Each
 * says what it really does; none reports success for work not done.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libagora/vfs.h>

#include "posix.h"

/* ---- identity: one user, root, until pm keeps credentials ---- */

uid_t getuid(void)
{
    return 0;
}

uid_t geteuid(void)
{
    return 0;
}

gid_t getgid(void)
{
    return 0;
}

gid_t getegid(void)
{
    return 0;
}

/*
 * Changing identity: the one user can "become" itself; any other ID is one this system does
 * not support (POSIX: EINVAL), not a permission problem.
 */
int setuid(uid_t uid)
{
    return uid == 0 ? 0 : posix_fail_errno(EINVAL);
}

int setgid(gid_t gid)
{
    return gid == 0 ? 0 : posix_fail_errno(EINVAL);
}

/* Root has no supplementary groups. */
int getgroups(int size, gid_t list[])
{
    if (size < 0)
        return posix_fail_errno(EINVAL);
    return 0;
}

/*
 * The creation mask is vfs's (UMASK): it applies it where files are made (open with
 * O_CREAT, mkdir), and keeps it per process, so a forked child inherits it and exec keeps
 * it. Without vfs there is nothing to create: the mask is only remembered here.
 */
/* sync(2): vfs asks every mounted file system's server to write everything back (VFS_SYNC). */
void sync(void)
{
    struct vfs_sync_req rq = { .flags = 0 };
    struct vfs_sync_rep rp;
    uint64_t ep = posix_vfs_endpoint();

    if (ep)
        vfs_sync_call(ep, &rq, &rp, 0);
}

mode_t umask(mode_t mask)
{
    static mode_t no_vfs_mask = VFS_UMASK_DEFAULT;
    struct vfs_umask_req rq = { .mask = mask & 0777 };
    struct vfs_umask_rep rp;
    uint64_t ep = posix_vfs_endpoint();
    mode_t old = no_vfs_mask;

    if (ep && vfs_umask_call(ep, &rq, &rp, 0) == 0)
        return (mode_t)rp.old;
    no_vfs_mask = mask & 0777;
    return old;
}

/* ---- the host name: /etc/hostname through vfs ---- */

int gethostname(char *name, size_t len)
{
    char buf[_UTSNAME_LENGTH];
    ssize_t n;
    int fd = open("/etc/hostname", O_RDONLY);

    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0)
        return -1;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    if ((size_t)n + 1 > len)
        return posix_fail_errno(ENAMETOOLONG);
    memcpy(name, buf, (size_t)n + 1);
    return 0;
}

int uname(struct utsname *u)
{
    if (!u)
        return posix_fail_errno(EFAULT);
    memset(u, 0, sizeof *u);
    strcpy(u->sysname, "Agora");
    strcpy(u->release, "0");
    strcpy(u->version, "multiserver microkernel");
    strcpy(u->machine, "x86_64");
    /* No /etc/hostname (or no vfs): the name POSIX allows for an unnamed node. */
    if (gethostname(u->nodename, sizeof u->nodename) < 0)
        strcpy(u->nodename, "localhost");
    return 0;
}

/* ---- limits ---- */

/* The heap's reach (heap.c) and the largest file vfs keeps. */
#define POSIX_DATA_MAX (64ull << 30)

long sysconf(int name)
{
    switch (name) {
    case _SC_ARG_MAX:
        return ARG_MAX;
    case _SC_CHILD_MAX:
        return -1;                       /* no limit of ours; pm may set one */
    case _SC_CLK_TCK:
        return CLOCKS_PER_SEC;           /* times() counts in these (syscalls.c) */
    case _SC_NGROUPS_MAX:
        return 0;
    case _SC_OPEN_MAX:
        return VFS_FD_MAX;
    case _SC_JOB_CONTROL:
        return -1;                       /* no job control yet */
    case _SC_SAVED_IDS:
        return -1;
    case _SC_VERSION:
        return 200809L;                  /* the POSIX.1-2008 interfaces we aim at */
    case _SC_PAGESIZE:
        return 4096;
    case _SC_NPROCESSORS_CONF:
    case _SC_NPROCESSORS_ONLN:
        return 1;                        /* the kernel runs on one CPU */
    default:
        return posix_fail_errno(EINVAL);
    }
}

int getrlimit(int resource, struct rlimit *rl)
{
    rlim_t v;

    switch (resource) {
    case RLIMIT_NOFILE:
        v = VFS_FD_MAX;
        break;
    case RLIMIT_FSIZE:
        v = VFS_FILE_MAX;
        break;
    case RLIMIT_DATA:
    case RLIMIT_AS:
        v = POSIX_DATA_MAX;
        break;
    case RLIMIT_CPU:
    case RLIMIT_STACK:                   /* fixed by the loader; no limit to set */
    case RLIMIT_CORE:                    /* no core dumps: nothing limits them */
        v = RLIM_INFINITY;
        break;
    default:
        return posix_fail_errno(EINVAL);
    }
    if (!rl)
        return posix_fail_errno(EFAULT);
    *rl = (struct rlimit){ .rlim_cur = v, .rlim_max = v };
    return 0;
}

/* Nothing enforces a changed limit, so changing one is not pretended. */
int setrlimit(int resource, const struct rlimit *rl)
{
    if (resource < 0 || resource >= RLIM_NLIMITS)
        return posix_fail_errno(EINVAL);
    return posix_fail_errno(ENOSYS);
}

/* ---- the wait family: on pm's waitpid (process.c) ---- */

pid_t wait3(int *status, int options, struct rusage *ru)
{
    pid_t pid = waitpid(-1, status, options);

    /* No per-child accounting yet: a child's usage reads as none. */
    if (pid > 0 && ru)
        memset(ru, 0, sizeof *ru);
    return pid;
}
