/* The restart policy (policy.h). */
#include "policy.h"

uint64_t svc_policy_death(struct svc_policy *p, uint64_t now_us)
{
    uint64_t delay = SVC_POLICY_FIRST_DELAY_US;

    if (p->last_death_us == 0 || now_us - p->last_death_us > SVC_POLICY_WINDOW_US)
        p->burst = 0;
    p->last_death_us = now_us ? now_us : 1;
    if (++p->burst <= SVC_POLICY_FREE_RESTARTS)
        return 0;
    for (unsigned i = SVC_POLICY_FREE_RESTARTS + 1; i < p->burst && delay < SVC_POLICY_MAX_DELAY_US; i++)
        delay *= 2;
    return delay < SVC_POLICY_MAX_DELAY_US ? delay : SVC_POLICY_MAX_DELAY_US;
}

void svc_policy_reset(struct svc_policy *p)
{
    p->last_death_us = 0;
    p->burst = 0;
}
