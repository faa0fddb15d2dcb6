/* The supervisor's helper threads: the death forwarder, the ticker, and the pinger (heartbeat and fault delivery). */
#ifndef SUPERVISOR_WATCH_H
#define SUPERVISOR_WATCH_H

#include <stdint.h>

#include "service.h"

/* Starts the three threads: 0 or an error. */
long watch_start(void);
/* How long a PING may stay unanswered before the service counts as hung. */
uint64_t watch_hang_us(const struct service *s);
/* Has the pinger deliver s's armed fault (kind, faults_left) to the driver: never blocks the caller. */
void watch_inject(struct service *s);

#endif
