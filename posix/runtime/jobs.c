/*
 * Process groups, sessions and the terminal's foreground group, through pm
 * (include/agora/proto/pm.h: SETPGID, GETPGID, SETSID, TCGETPGRP, TCSETPGRP). The
 * terminal is the console; the descriptor only has to be one (isatty), as there is one.
 * pm's -E_PERM is POSIX's EPERM here (errno.c maps it to EACCES, a capability's missing right).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/agora.h>
#include <sys/types.h>
#include <unistd.h>

#include <agora/proto/pm.h>
#include <libagora/proto.h>

#include "posix.h"

PROTO_STUBS(PM_MSG_LIST)

/* GETPGID: pid's group (or session); -1 with errno. */
static pid_t pm_group_or_session(pid_t pid, bool session)
{
    struct pm_getpgid_req rq = { .pid = pid };
    struct pm_getpgid_rep rp;
    long r;

    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOSYS);
    if ((r = pm_getpgid_call(CAP_PM, &rq, &rp, 0)) < 0)
        return posix_fail(r);
    return (pid_t)(session ? rp.sid : rp.pgid);
}

pid_t getpgid(pid_t pid)
{
    return pm_group_or_session(pid, false);
}

pid_t getsid(pid_t pid)
{
    return pm_group_or_session(pid, true);
}

pid_t getpgrp(void)
{
    return getpgid(0);
}

int setpgid(pid_t pid, pid_t pgid)
{
    struct pm_setpgid_req rq = { .pid = pid, .pgid = pgid };
    struct pm_setpgid_rep rp;
    long r;

    if (pid < 0 || pgid < 0)
        return posix_fail_errno(EINVAL);
    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOSYS);
    if ((r = pm_setpgid_call(CAP_PM, &rq, &rp, 0)) < 0)
        return r == -E_PERM ? posix_fail_errno(EPERM) : posix_fail(r);
    return 0;
}

int setpgrp(void)
{
    return setpgid(0, 0);
}

pid_t setsid(void)
{
    struct pm_setsid_req rq;
    struct pm_setsid_rep rp;
    long r;

    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOSYS);
    if ((r = pm_setsid_call(CAP_PM, &rq, &rp, 0)) < 0)
        return r == -E_PERM ? posix_fail_errno(EPERM) : posix_fail(r);
    return (pid_t)rp.sid;
}

pid_t tcgetpgrp(int fd)
{
    struct pm_tcgetpgrp_req rq;
    struct pm_tcgetpgrp_rep rp;
    long r;

    if (!isatty(fd))
        return -1;                       /* isatty set errno: EBADF or ENOTTY */
    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOTTY);
    if ((r = pm_tcgetpgrp_call(CAP_PM, &rq, &rp, 0)) < 0)
        return posix_fail(r);
    return (pid_t)rp.pgrp;
}

int tcsetpgrp(int fd, pid_t pgrp)
{
    struct pm_tcsetpgrp_req rq = { .pgrp = pgrp };
    struct pm_tcsetpgrp_rep rp;
    long r;

    if (!isatty(fd))
        return -1;
    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOTTY);
    if ((r = pm_tcsetpgrp_call(CAP_PM, &rq, &rp, 0)) < 0)
        return r == -E_PERM ? posix_fail_errno(EPERM) : posix_fail(r);
    return 0;
}

pid_t tcgetsid(int fd)
{
    pid_t pgrp = tcgetpgrp(fd);

    return pgrp < 0 ? -1 : getsid(pgrp);
}

int agora_proc_next(pid_t after, struct agora_proc *out)
{
    struct pm_proc_info_req rq = { .after = after };
    struct pm_proc_info_rep rp;
    long r;

    if (!posix_pm_endpoint())
        return posix_fail_errno(ENOSYS);
    if ((r = pm_proc_info_call(CAP_PM, &rq, &rp, 0)) < 0)
        return posix_fail(r);
    out->pid = (pid_t)rp.info.pid;
    out->ppid = (pid_t)rp.info.ppid;
    out->pgid = (pid_t)rp.info.pgid;
    out->sid = (pid_t)rp.info.sid;
    out->state = (char)rp.info.state;
    out->foreground = rp.info.tty_fg != 0;
    _Static_assert(sizeof(out->cmd) == sizeof(rp.info.cmd), "ps command lines are pm's");
    memcpy(out->cmd, rp.info.cmd, sizeof(out->cmd));
    out->cmd[sizeof(out->cmd) - 1] = '\0';
    return 0;
}
