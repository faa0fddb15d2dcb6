/* The restart policy: when a service that died may start again (exponential back-off). Pure code (tests/unit/test_svc.c). */
#ifndef SUPERVISOR_POLICY_H
#define SUPERVISOR_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A death within SVC_POLICY_WINDOW_US of the previous one counts towards a burst; a
 * service that lived longer than that starts the count again. The first
 * SVC_POLICY_FREE_RESTARTS deaths of a burst restart at once; each further one doubles
 * the wait, from SVC_POLICY_FIRST_DELAY_US up to SVC_POLICY_MAX_DELAY_US.
 */
#define SVC_POLICY_WINDOW_US      2000000ull
#define SVC_POLICY_FREE_RESTARTS  5u
#define SVC_POLICY_FIRST_DELAY_US 100000ull
#define SVC_POLICY_MAX_DELAY_US   10000000ull

struct svc_policy {
    uint64_t last_death_us;     /* 0: never died */
    unsigned burst;             /* deaths in the current burst */
};

/* Records a death at now_us; returns the wait in microseconds before the next start (0: at once). */
uint64_t svc_policy_death(struct svc_policy *p, uint64_t now_us);
/* Forgets the burst (svc restart: the operator asked for it). */
void svc_policy_reset(struct svc_policy *p);

#endif
