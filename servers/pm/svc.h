/* kill(2) of a supervised driver: its pid is the supervisor's (include/agora/proto/svc.h), so pm forwards the signal. */
#ifndef PM_SVC_H
#define PM_SVC_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/svc.h>

static inline bool pm_svc_pid(int64_t pid)
{
    return pid >= SVC_PID_BASE && pid < SVC_PID_LIMIT;
}

/* SVC_KILL_PID to "supervisor": 0, or -E_SRCH (no such service pid, or no supervisor). */
long pm_svc_kill(int64_t pid, int64_t sig);

#endif
