/* A supervised driver's side of proto/svc.h: READY, PING and fault injection, shared by chardriver and blkdriver. */
#ifndef LIBAGORA_SVCDRIVER_H
#define LIBAGORA_SVCDRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/ipc.h>
#include <libagora/sys.h>
#include <agora/proto/svc.h>

/*
 * A driver library's loop calls:
 *   svcdriver_ready(ep)            once registered with names: READY to the supervisor
 *                                  (CAP_SVC) with ep badged SVC_CONTROL_BADGE; without a
 *                                  supervisor (CAP_SVC empty) it does nothing and returns
 *                                  -E_NOCAP, which the library ignores
 *   svcdriver_is_control(m)        whether a message is the supervisor's (PING, INJECT)
 *   svcdriver_control(m)           answers it (in *m, register-only)
 *   svcdriver_fault()              before each ordinary request: when a fault is armed
 *                                  and this request is picked (one in SVC_FAULT_ODDS), it
 *                                  crashes, writes wildly, or hangs here, or returns true:
 *                                  answer this request with svcdriver_garbage_status()
 *                                  instead of serving it
 * State is the library's loop thread's alone.
 */
long svcdriver_ready(uint64_t ep);
bool svcdriver_is_control(const struct agora_msg *m);
void svcdriver_control(struct agora_msg *m);
bool svcdriver_fault(void);
long svcdriver_garbage_status(void);

#endif
