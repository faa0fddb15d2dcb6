/* The name-service protocol (servers/names): services register an endpoint by name, clients look it up. */
#ifndef AGORA_PROTO_NAMES_H
#define AGORA_PROTO_NAMES_H

#include <stdint.h>

#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/proto.h>

/* A service name: 1 to NAMES_NAME_MAX - 1 bytes, no NUL inside (proto.h's bounded string). */
#define NAMES_NAME_MAX 56
typedef PROTO_STR(NAMES_NAME_MAX) names_name_t;

/* Names per LIST reply. */
#define NAMES_LIST_PAGE 7

/*
 * The messages (proto.h explains the list and the wire format). Every request goes to
 * CAP_NAMES; the caller's badge (init: boot-module index + 1) is its identity.
 *
 * REGISTER(name) with two capabilities: [0] the service's endpoint, with the write and
 *   copy rights and without the read right (so names never owns it: syscalls.h), and
 *   [1] the registering task (any rights; 0 will do), which names watches with
 *   SYS_TASK_WATCH: when that task dies the name disappears. libagora's names_register
 *   sends both. Errors: -E_RANGE wrong cap count or name too long; -E_INVAL name empty,
 *   unterminated or with a NUL inside; -E_TYPE a capability of the wrong type; -E_PERM
 *   the endpoint carries the read right or lacks write or copy; -E_EXIST the name is
 *   taken (by a live task); -E_NOMEM the registry or names' capability table is full.
 * LOOKUP(name) -> one capability: the endpoint, send-only (write, grant, copy). If it was
 *   registered unbadged, the copy carries the caller's badge, so the service can tell its
 *   clients apart and no client can mint another's badge. The caller must offer one
 *   receive slot (else its call fails with -E_NOWINDOW). Errors: -E_NOCAP no such name
 *   (never registered, unregistered, or its task died); string errors as REGISTER.
 * UNREGISTER(name): only by the caller that registered it (same badge), else -E_PERM;
 *   -E_NOCAP no such name.
 * LIST(start) -> total live names, and up to NAMES_LIST_PAGE of them from position start
 *   (in registry order); page on with start += count until start >= total. Names added
 *   or removed meanwhile may be missed or seen twice, as with readdir.
 * Any request carrying capabilities it does not take: -E_RANGE (they are deleted).
 */
#define NAMES_MSG_LIST(X, F)                                                        \
    X(NAMES_REGISTER,   names_register,   1, (F(names_name_t, name)), ())           \
    X(NAMES_LOOKUP,     names_lookup,     2, (F(names_name_t, name)), ())           \
    X(NAMES_UNREGISTER, names_unregister, 3, (F(names_name_t, name)), ())           \
    X(NAMES_LIST,       names_list,       4, (F(uint64_t, start)),                  \
      (F(uint64_t, total) F(uint64_t, count) F(names_name_t, names[NAMES_LIST_PAGE])))

enum names_msg {
#define NAMES_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_NAMES, num),
    NAMES_MSG_LIST(NAMES_MSG_ENUM, PROTO_FIELD_DECL)
#undef NAMES_MSG_ENUM
};

PROTO_STRUCTS(NAMES_MSG_LIST)
/* struct names_handlers { names_register, names_lookup, ... } and names_dispatch(). */
PROTO_HANDLERS(NAMES_MSG_LIST, names_handlers);
PROTO_DISPATCH(NAMES_MSG_LIST, names_handlers, names_dispatch)

/* Capabilities each request carries (the rest carry none) and each reply. */
#define NAMES_REGISTER_CAPS 2
#define NAMES_LOOKUP_REPLY_CAPS 1

/* The rights a looked-up endpoint carries. */
#define NAMES_CLIENT_RIGHTS (RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY)

#endif
