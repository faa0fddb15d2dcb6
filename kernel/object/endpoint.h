/* Endpoints: synchronous, unbuffered IPC (send, receive, call, reply). */
#ifndef AGORA_KERNEL_OBJECT_ENDPOINT_H
#define AGORA_KERNEL_OBJECT_ENDPOINT_H

#include <stdbool.h>
#include <stdint.h>
#include "object/kobject.h"
#include "object/thread.h"

struct task;

typedef struct endpoint {
    kobject_t obj;
    thread_t *head, *tail;          /* waiting senders, or waiting receivers, never both */
    bool receivers_waiting;         /* which of the two the queue holds */
    bool dead;                      /* its receiving task died: every operation fails with -E_DEAD */
    struct task *owner;             /* the task that receives on it */
    struct endpoint *owner_next;
} endpoint_t;

/*
 * Ownership: an endpoint belongs to the task that was last given its receive right
 * (RIGHT_READ) by creation, SYS_CAP_GIVE or IPC transfer; failing that, to the first
 * task that receives on it. When the owner dies, the endpoint is closed.
 */
void endpoint_set_owner(endpoint_t *ep, struct task *t);
/* After c was placed in t's table: if it is an endpoint receive right, t now owns it. */
struct cap;
void endpoint_note_receive_right(const struct cap *c, struct task *t);

/* A saved duty to reply (SYS_REPLY_SAVE): the caller stays blocked until it is used or dropped. */
typedef struct reply {
    kobject_t obj;
    thread_t *caller;        /* NULL once used, or when the caller died */
} reply_t;

/* Saves the current thread's caller in a new reply object; NULL: no caller or no memory. */
int reply_save(reply_t **out);
/* Answers through r like SYS_REPLY; 0 or the sender's error (then nothing changed). */
int reply_through(reply_t *r, uint64_t info);
/* Last reference gone: an unanswered caller gets -E_DEAD. */
void reply_destroy(reply_t *r);

endpoint_t *endpoint_create(void);
void endpoint_destroy(endpoint_t *ep);
/* Its receiving task died: wake everyone queued with -E_DEAD, refuse all later use. */
void endpoint_close(endpoint_t *ep);
void endpoint_dequeue(endpoint_t *ep, thread_t *t);

/* System calls on the current thread; the result is left in its trap frame. */
void ipc_send(endpoint_t *ep, uint64_t badge, uint32_t rights, uint64_t info, bool call);
void ipc_recv(endpoint_t *ep);
void ipc_reply(uint64_t info);
void ipc_reply_recv(endpoint_t *ep, uint64_t info);

/*
 * Fast paths for register-only messages: a call that finds its receiver waiting and a
 * reply-and-receive whose caller can run at once. false: take the full path instead.
 */
bool ipc_fast_call(endpoint_t *ep, uint64_t badge, uint64_t info);
bool ipc_fast_reply_recv(endpoint_t *ep, uint64_t info);

/* A fault in the current thread becomes a call on its fault endpoint; false: no handler. */
bool ipc_send_fault(uint32_t label, const uint64_t words[4], uint64_t fault_addr);
/*
 * The same on ep (NULL or closed: false) with that badge and nwords words; past the fourth
 * they come from the current thread's vCPU exit message (vcpu.c) into the receiver's buffer.
 */
bool ipc_send_fault_to(struct endpoint *ep, uint64_t badge, uint32_t label, unsigned nwords,
                       const uint64_t *words, uint64_t fault_addr);

/* The thread's IPC buffer in the kernel's view, or NULL when it has none or it is not mapped (so). */
struct agora_ipc_buffer *ipc_buffer(thread_t *t, bool write);

#endif
