/*
 * reboot(2) through pm (PM_REBOOT, include/agora/proto/pm.h): RB_POWER_OFF and
 * RB_HALT_SYSTEM power the machine off; there is no reset yet. Without pm: ENOSYS.
 */
#include <errno.h>
#include <sys/reboot.h>

#include <agora/proto/pm.h>
#include <libagora/proto.h>

#include "posix.h"

PROTO_STUBS(PM_MSG_LIST)

int reboot(int howto)
{
    struct pm_reboot_req rq;
    struct pm_reboot_rep rp;

    switch ((unsigned)howto) {
    case RB_POWER_OFF:
        rq.how = PM_REBOOT_POWER_OFF;
        break;
    case RB_HALT_SYSTEM:
        rq.how = PM_REBOOT_HALT;
        break;
    case RB_ENABLE_CAD:
    case RB_DISABLE_CAD:
        return 0;
    default:
        errno = EINVAL;
        return -1;
    }
    if (!posix_pm_endpoint()) {
        errno = ENOSYS;
        return -1;
    }
    /* No reply on success: pm has halted the machine. */
    long r = pm_reboot_call(CAP_PM, &rq, &rp, 0);

    return r < 0 ? (int)posix_fail(r) : 0;
}
