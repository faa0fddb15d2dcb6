/* The name service's client: register a service, look one up (include/agora/proto/names.h). */
#ifndef LIBAGORA_NAMES_H
#define LIBAGORA_NAMES_H

#include <stdint.h>

#include <agora/proto/names.h>
#include <libagora/proto.h>

/* names_register_call(ep, &req, &rep, &caps), names_lookup_call, ...: one per message. */
PROTO_STUBS(NAMES_MSG_LIST)

/*
 * The calls below use the name service at CAP_NAMES (init fills it) and return 0 or a
 * negated error: the kernel's (-E_NOCAP: no name service; -E_DEAD: it died) or the
 * server's (proto/names.h lists them; a name that is too long or empty fails here first).
 */

/* Publishes endpoint slot ep as name: sends a send-only copy and this task (to be watched). */
long names_register(const char *name, uint64_t ep);
/* A send-only copy of name's endpoint, in a new slot (agora_slot_alloc) stored in *slot. */
long names_lookup(const char *name, uint64_t *slot);
/* Withdraws a name this task registered. */
long names_unregister(const char *name);
/* One page of the registered names from position start (NAMES_LIST). */
long names_list(uint64_t start, struct names_list_rep *rep);

#endif
