/* ktest's peers for IPC, fault and death tests: second threads in ktest's own task, and ktest-child tasks. */
#ifndef AGORA_TESTS_KTEST_PEER_H
#define AGORA_TESTS_KTEST_PEER_H

#include "ktest.h"

#include <agora/ipc.h>
#include <libagora/spawn.h>

#include "child/child.h"

/* ktest's own thread runs at the kernel's default priority; peers may have as much or less. */
#define KTEST_PRIORITY AGORA_SPAWN_DEFAULT_PRIORITY

/*
 * A second thread in ktest's task. Each gets a fresh region of its own (never reused, so a
 * thread a failed test left behind cannot collide with a later one):
 *   [base, base + 4 pages)          its stack, rw-
 *   ipc = base + 4 pages            its IPC buffer page, rw- (mapped even when the thread
 *                                   was set up with another buffer, or none)
 *   [spare, spare + 8 pages)        unmapped, for the test (fault targets, windows)
 * The thread runs fn(self), then signals its "done" notification and exits, touching no
 * memory in between; ktest_thread_join waits for that and unmaps the region. A test must
 * leave its threads a way to finish (replies, messages, deleted endpoints), since no system
 * call ends another thread of one's own task.
 */
typedef struct ktest_thread ktest_thread_t;
typedef void (*ktest_thread_fn)(ktest_thread_t *self);

#define KTEST_THREAD_SPARE_PAGES 8
#define KTEST_THREAD_OWN_BUFFER  UINT64_MAX   /* ipc_buffer argument: the page at self->ipc */

struct ktest_thread {
    uint64_t arg[8];            /* for fn: set by the test before starting it */
    volatile long out[8];       /* from fn: read by the test once fn has got that far */
    struct agora_ipc_buffer *ipc;
    uint64_t spare;
    uint64_t thread;            /* its capability, in a test slot */

    /* Private to peer.c. */
    ktest_thread_fn fn;
    uint64_t mem, done, base;
};

/*
 * Starts fn on a new thread with that IPC buffer (KTEST_THREAD_OWN_BUFFER, 0 for none, or
 * any address), fault endpoint (slot, 0: none) and priority. 0 or a negated error.
 */
long ktest_thread_start(ktest_thread_t *t, ktest_thread_fn fn, uint64_t ipc_buffer, uint64_t fault_ep,
                        uint64_t priority);
/* Waits up to two seconds for fn to return; true once it did and the region is unmapped. */
bool ktest_thread_join(ktest_thread_t *t);

/*
 * A server for ktest_thread_start: receives on the endpoint in arg[0] and answers with
 * reply-receive, as ktest-child's server does: CHILD_OP_ECHO (every word plus one),
 * CHILD_OP_BADGE (mr0 badge, mr1 info), CHILD_OP_EXIT (replies and returns); any other
 * label is answered with itself and no words. It counts messages in out[0] and keeps the
 * last one's info, badge and words in out[1], out[2], out[3..6]; out[7] is the error that
 * ended its loop, or 0 after CHILD_OP_EXIT.
 */
void ktest_echo_server(ktest_thread_t *self);

/*
 * Clients for ktest_thread_start: a message to the endpoint in arg[0] with label arg[1],
 * arg[2] words and words 0-3 from arg[3..6], by SYS_SEND or SYS_CALL. out[0] is the
 * result; after a call, out[1] the reply's info, out[2] its badge, out[3..6] its words.
 */
void ktest_send_fn(ktest_thread_t *self);
void ktest_call_fn(ktest_thread_t *self);

/* Deletes a capability and every copy derived from it (an endpoint's waiters then wake). */
static inline void ktest_cap_drop(uint64_t slot)
{
    sys_cap_revoke(slot);
    sys_cap_delete(slot);
}

/* Starts ktest-child (boot module "ktest-child") with arg and those capabilities; fault_ep: 0 none. */
long ktest_child_start(struct agora_child *c, uint64_t arg, const struct agora_spawn_cap *caps, unsigned ncaps,
                       uint64_t fault_ep);

/* Polls a notification for up to timeout_us: its word, or -E_AGAIN. Lets lower priorities run. */
long ktest_wait(uint64_t notification, uint64_t timeout_us);

/* ktest's IPC buffer, every field zero: call before and after a test that uses it. */
struct agora_ipc_buffer *ktest_ipc_clear(void);
void ktest_ipc_buffer_clear(struct agora_ipc_buffer *b);

/* Live user mappings in the kernel (SYS_KERNEL_STATS), or -1. */
long ktest_mappings(void);

/* A message in one line. */
static inline struct agora_msg ktest_msg(uint32_t label, unsigned words, uint64_t w0, uint64_t w1, uint64_t w2,
                                         uint64_t w3)
{
    return (struct agora_msg){ IPC_INFO(label, words, 0, 0), 0, { w0, w1, w2, w3 } };
}

#endif
