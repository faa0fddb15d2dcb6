/* ktest: deferred replies (SYS_REPLY_SAVE / SYS_REPLY_TO): a server answers callers out of order. */
#include "peer.h"

#include <agora/errors.h>
#include <libagora/sys.h>

static ktest_thread_t client_a, client_b;

static void start_client(ktest_thread_t *t, uint64_t ep, uint64_t label)
{
    *t = (ktest_thread_t){ .arg = { ep, label, 1, label * 10 } };
}

/* ktest_call_fn fills out[0] (result) and out[1] (reply info) only when its call returns. */
static bool answered(const ktest_thread_t *t)
{
    return t->out[0] != 0 || t->out[1] != 0;
}

KTEST(reply_saved_answers_out_of_order)
{
    uint64_t ep = ktest_slot(), saved = ktest_slot();
    struct agora_msg m = { 0 };
    KTEST_OK(sys_endpoint_create(CAP_INIT_POOL, ep));
    KTEST_EQ(sys_reply_save(saved), -E_STATE);            /* nobody called us */

    start_client(&client_a, ep, 1);
    KTEST_OK(ktest_thread_start(&client_a, ktest_call_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY));
    KTEST_OK(sys_recv(ep, &m));
    KTEST_EQ(IPC_LABEL(m.info), 1);
    KTEST_OK(sys_reply_save(saved));
    KTEST_EQ(sys_reply_save(saved), -E_EXIST);            /* and no caller left anyway */
    KTEST_EQ(sys_cap_info(saved) & 0xFF, OBJ_REPLY);

    /* B is answered first, directly; A still waits. */
    start_client(&client_b, ep, 2);
    KTEST_OK(ktest_thread_start(&client_b, ktest_call_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY));
    KTEST_OK(sys_recv(ep, &m));
    KTEST_EQ(IPC_LABEL(m.info), 2);
    m = (struct agora_msg){ .info = IPC_INFO(20, 1, 0, 0), .mr = { 21 } };
    KTEST_OK(sys_reply(&m));
    KTEST_CHECK(ktest_thread_join(&client_b));
    KTEST_EQ(client_b.out[0], 0);
    KTEST_EQ(IPC_LABEL((uint64_t)client_b.out[1]), 20);
    KTEST_CHECK(!answered(&client_a));

    m = (struct agora_msg){ .info = IPC_INFO(10, 1, 0, 0), .mr = { 99 } };
    KTEST_OK(sys_reply_to(saved, &m));
    KTEST_EQ(sys_cap_info(saved), -E_NOCAP);              /* one shot: the capability is gone */
    KTEST_EQ(sys_reply_to(saved, &m), -E_NOCAP);
    KTEST_CHECK(ktest_thread_join(&client_a));
    KTEST_EQ(client_a.out[0], 0);
    KTEST_EQ(IPC_LABEL((uint64_t)client_a.out[1]), 10);
    KTEST_EQ(client_a.out[3], 99);
    KTEST_EQ(sys_reply_to(ep, &m), -E_TYPE);
    return true;
}

KTEST(reply_saved_then_dropped_wakes_caller)
{
    uint64_t ep = ktest_slot(), saved = ktest_slot(), copy = ktest_slot();
    struct agora_msg m = { 0 };
    KTEST_OK(sys_endpoint_create(CAP_INIT_POOL, ep));
    start_client(&client_a, ep, 3);
    KTEST_OK(ktest_thread_start(&client_a, ktest_call_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY));
    KTEST_OK(sys_recv(ep, &m));
    KTEST_OK(sys_reply_save(saved));
    KTEST_OK(sys_cap_copy(saved, copy, RIGHTS_ALL, 0));
    KTEST_OK(sys_cap_delete(saved));
    KTEST_CHECK(!answered(&client_a));                     /* a copy still holds the duty */
    KTEST_OK(sys_cap_delete(copy));                        /* the last one: the caller learns */
    KTEST_CHECK(ktest_thread_join(&client_a));
    KTEST_EQ(client_a.out[0], -E_DEAD);
    return true;
}
