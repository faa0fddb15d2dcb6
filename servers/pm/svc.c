/* Signals for supervised drivers' pids go to the supervisor (svc.h). */
#include "svc.h"

#include <agora/errors.h>
#include <libagora/names.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

PROTO_STUBS(SVC_MSG_LIST)

static uint64_t supervisor;         /* 0: not looked up yet, or gone */

long pm_svc_kill(int64_t pid, int64_t sig)
{
    struct svc_kill_pid_req rq = { .pid = pid, .sig = sig };
    struct svc_kill_pid_rep rp;
    long r;

    if (!supervisor && names_lookup("supervisor", &supervisor) < 0) {
        supervisor = 0;
        return -E_SRCH;
    }
    r = svc_kill_pid_call(supervisor, &rq, &rp, 0);
    if (r == -E_DEAD || r == -E_NOCAP) {
        sys_cap_delete(supervisor);
        agora_slot_free(supervisor);
        supervisor = 0;
        return -E_SRCH;
    }
    return r == -E_SRCH || r == 0 ? r : -E_SRCH;
}
