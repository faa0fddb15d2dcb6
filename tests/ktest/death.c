/* ktest: a peer's death: callers and queued senders get -E_DEAD, watchers are signalled, a dead task's capability refuses work. */
#include "peer.h"

static ktest_thread_t helper, helper2;

/* ktest-child serving ep (and calling peer, if not CAP_NULL). */
static long start_server_child(struct agora_child *child, uint64_t ep, uint64_t peer)
{
    const struct agora_spawn_cap caps[] = {
        { ep, CHILD_CAP_EP, RIGHT_READ }, { peer, CHILD_CAP_PEER, RIGHT_WRITE | RIGHT_GRANT },
    };

    return ktest_child_start(child, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps, peer == CAP_NULL ? 1 : 2, 0);
}

static bool everything_dead(uint64_t ep, uint64_t badged)
{
    struct agora_msg m = ktest_msg(CHILD_OP_ECHO, 1, 1, 0, 0, 0);

    KTEST_EQ(sys_send(ep, &m), -E_DEAD);
    KTEST_EQ(sys_call(ep, &m), -E_DEAD);
    KTEST_EQ(sys_send(badged, &m), -E_DEAD);
    KTEST_EQ(sys_recv(ep, &m), -E_DEAD);
    KTEST_EQ(sys_reply_recv(ep, &m), -E_DEAD);
    /* Refusals of bad messages do not hide it: the endpoint is checked first. */
    m = ktest_msg(CHILD_OP_ECHO, IPC_MAX_WORDS + 1, 0, 0, 0, 0);
    KTEST_EQ(sys_send(ep, &m), -E_DEAD);
    return true;
}

/* The server kills itself on receipt of our call: the call returns -E_DEAD at once. */
KTEST(death_server_dies_during_call)
{
    uint64_t ep = ktest_new_endpoint(), death = ktest_new_notification(), watch, badged;
    struct agora_child child;
    struct agora_msg m = ktest_msg(CHILD_OP_DIE, 1, 7, 0, 0, 0);
    long called, t0, t1, died;
    bool dead;

    KTEST_CHECK(ep != CAP_NULL && death != CAP_NULL);
    watch = ktest_copy_of(death, RIGHT_WRITE, 0x40);
    badged = ktest_copy_of(ep, RIGHT_WRITE, 0x3);
    KTEST_CHECK(watch != CAP_NULL && badged != CAP_NULL);
    KTEST_OK(start_server_child(&child, ep, CAP_NULL));
    KTEST_OK(sys_task_watch(child.task, watch));
    KTEST_EQ(sys_poll(death), -E_AGAIN);
    t0 = sys_clock();
    called = sys_call(ep, &m);
    t1 = sys_clock();
    died = ktest_wait(death, 2000000);
    dead = everything_dead(ep, badged);
    long type = sys_cap_info(child.task);
    agora_child_release(&child);
    KTEST_EQ(called, -E_DEAD);
    KTEST_CHECK(t1 - t0 < 500000);
    KTEST_EQ(died, 0x40);                       /* the watcher's badge */
    KTEST_CHECK(dead);
    KTEST_EQ(AGORA_CAP_INFO_TYPE(type), OBJ_TASK);   /* the capability outlives the task */
    return true;
}

/* Senders queued while the server was busy are woken with -E_DEAD when it dies. */
KTEST(death_queued_senders_woken)
{
    uint64_t ep = ktest_new_endpoint();
    struct agora_child child;
    struct agora_msg m = ktest_msg(CHILD_OP_SLEEP_DIE, 1, 30000, 0, 0, 0);
    long called;

    KTEST_CHECK(ep != CAP_NULL);
    KTEST_OK(start_server_child(&child, ep, CAP_NULL));
    /* Below our priority: they run, and queue, only while we and the child are blocked. */
    helper = (ktest_thread_t){ .arg = { ep, CHILD_OP_ECHO, 1, 1 } };
    helper2 = (ktest_thread_t){ .arg = { ep, CHILD_OP_ECHO, 1, 2 } };
    if (ktest_thread_start(&helper, ktest_call_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 50) < 0 ||
        ktest_thread_start(&helper2, ktest_send_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 50) < 0) {
        agora_child_release(&child);
        KTEST_CHECK(false);
    }
    called = sys_call(ep, &m);
    bool joined = ktest_thread_join(&helper) && ktest_thread_join(&helper2);
    agora_child_release(&child);
    KTEST_CHECK(joined);
    KTEST_EQ(called, -E_DEAD);
    KTEST_EQ(helper.out[0], -E_DEAD);
    KTEST_EQ(helper2.out[0], -E_DEAD);
    return true;
}

/* arg[0] a task, arg[1] microseconds: sleeps, then kills the task. */
static void kill_later_fn(ktest_thread_t *t)
{
    sys_sleep(t->arg[1]);
    t->out[0] = sys_task_kill(t->arg[0], 0);
}

/* While we wait in a call, another thread kills the server. */
KTEST(death_killed_by_third_party)
{
    uint64_t ep = ktest_new_endpoint(), death = ktest_new_notification();
    struct agora_child child;
    struct agora_msg m = ktest_msg(CHILD_OP_HANG, 0, 0, 0, 0, 0);
    long called, t0, t1;

    KTEST_CHECK(ep != CAP_NULL && death != CAP_NULL);
    KTEST_OK(start_server_child(&child, ep, CAP_NULL));
    KTEST_OK(sys_task_watch(child.task, death));
    helper = (ktest_thread_t){ .arg = { child.task, 20000 } };
    /* Below our priority: its sleep starts only once we are blocked in the call. */
    if (ktest_thread_start(&helper, kill_later_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 50) < 0) {
        agora_child_release(&child);
        KTEST_CHECK(false);
    }
    t0 = sys_clock();
    called = sys_call(ep, &m);
    t1 = sys_clock();
    bool joined = ktest_thread_join(&helper);
    long died = ktest_wait(death, 2000000);
    agora_child_release(&child);
    KTEST_CHECK(joined);
    KTEST_EQ(helper.out[0], 0);
    KTEST_EQ(called, -E_DEAD);
    KTEST_CHECK(t1 - t0 >= 19000 && t1 - t0 < 1000000);
    KTEST_EQ(died, 1);
    return true;
}

/* The child calls us; it dies before we answer: the reply finds no caller. */
KTEST(death_caller_dies_before_reply)
{
    uint64_t ep = ktest_new_endpoint(), peer = ktest_new_endpoint(), no_manage;
    struct agora_child child;
    struct agora_msg m = ktest_msg(CHILD_OP_CALL_PEER, 2, 0x66, 0x77, 0, 0);
    long sent, got, killed_no_right, killed_wrong_type, killed, replied;
    struct agora_msg in;

    KTEST_CHECK(ep != CAP_NULL && peer != CAP_NULL);
    KTEST_OK(start_server_child(&child, ep, peer));
    no_manage = ktest_copy_of(child.task, RIGHTS_ALL & ~RIGHT_MANAGE, 0);
    sent = sys_send(ep, &m);
    got = sys_recv(peer, &in);
    killed_no_right = sys_task_kill(no_manage, 0);
    killed_wrong_type = sys_task_kill(ep, 0);
    killed = sys_task_kill(child.task, 3);
    m = ktest_msg(0x67, 1, 0, 0, 0, 0);
    replied = sys_reply(&m);
    agora_child_release(&child);
    KTEST_EQ(sent, 0);
    KTEST_EQ(got, 0);
    KTEST_EQ(in.info, IPC_INFO(0x66, 1, 0, 0));
    KTEST_EQ(in.mr[0], 0x77);
    KTEST_CHECK(no_manage != CAP_NULL);
    KTEST_EQ(killed_no_right, -E_PERM);
    KTEST_EQ(killed_wrong_type, -E_TYPE);
    KTEST_EQ(killed, 0);
    KTEST_EQ(replied, -E_STATE);
    return true;
}

static bool dead_task_refuses(struct agora_child *child, uint64_t n, uint64_t mem)
{
    KTEST_EQ(sys_cap_give(child->task, n, AGORA_CHILD_FIRST_FREE_SLOT, RIGHTS_ALL), 0);   /* alive */
    KTEST_OK(sys_task_kill(child->task, 5));
    KTEST_EQ(sys_cap_give(child->task, n, AGORA_CHILD_FIRST_FREE_SLOT + 1, RIGHTS_ALL), -E_DEAD);
    KTEST_EQ(sys_thread_create(child->task, CAP_INIT_POOL, ktest_slot()), -E_DEAD);
    KTEST_EQ(sys_map(child->task, mem, 0, 0x50000000ull, 1, RIGHT_READ), -E_DEAD);
    KTEST_EQ(sys_thread_setup(child->thread, 0, 0, KTEST_PRIORITY), -E_DEAD);
    KTEST_EQ(sys_thread_start(child->thread, 0x400000, AGORA_CHILD_STACK_TOP, 0), -E_STATE);
    KTEST_EQ(sys_unmap(child->task, 0x400000, 1), 0);      /* nothing is left mapped */
    /* Killing again is harmless; watching a dead task signals at once. */
    KTEST_EQ(sys_task_kill(child->task, 6), 0);
    KTEST_EQ(sys_poll(n), -E_AGAIN);
    KTEST_EQ(sys_task_watch(child->task, n), 0);
    KTEST_EQ(sys_poll(n), 1);
    return true;
}

KTEST(death_dead_task_capability)
{
    uint64_t ep = ktest_new_endpoint(), n = ktest_new_notification(), mem = ktest_slot();
    struct agora_kernel_stats before, after;
    struct agora_child child;
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && n != CAP_NULL);
    sys_sleep(1000);                            /* threads earlier tests joined have exited */
    KTEST_OK(sys_memory_create(CAP_INIT_POOL, 1, mem));
    KTEST_OK(sys_kernel_stats(CAP_INIT_MACHINE, &before));
    KTEST_OK(start_server_child(&child, ep, CAP_NULL));
    ok = dead_task_refuses(&child, n, mem);
    KTEST_OK(sys_kernel_stats(CAP_INIT_MACHINE, &after));
    agora_child_release(&child);
    KTEST_CHECK(ok);
    /* Dead already, before its capabilities went: no task, thread or mapping of it is counted. */
    KTEST_EQ(after.tasks, before.tasks);
    KTEST_EQ(after.threads, before.threads);
    KTEST_EQ(after.mappings, before.mappings);
    return true;
}

KTEST(death_watch_bad_arguments)
{
    uint64_t n = ktest_new_notification(), ep = ktest_new_endpoint(), read_only;

    KTEST_CHECK(n != CAP_NULL && ep != CAP_NULL);
    read_only = ktest_copy_of(n, RIGHT_READ, 0);
    KTEST_CHECK(read_only != CAP_NULL);
    KTEST_EQ(sys_task_watch(CAP_SELF_THREAD, n), -E_TYPE);
    KTEST_EQ(sys_task_watch(CAP_SELF_TASK, ep), -E_TYPE);
    KTEST_EQ(sys_task_watch(CAP_SELF_TASK, read_only), -E_PERM);
    KTEST_EQ(sys_task_watch(ktest_slot(), n), -E_NOCAP);
    KTEST_EQ(sys_task_watch(CAP_SELF_TASK, ktest_slot()), -E_NOCAP);
    KTEST_EQ(sys_poll(n), -E_AGAIN);
    return true;
}

/* A watch can be withdrawn: the notification's page goes back to the pool at once. */
KTEST(death_unwatch)
{
    uint64_t n = ktest_new_notification(), other = ktest_new_notification();
    KTEST_CHECK(n != CAP_NULL && other != CAP_NULL);
    KTEST_EQ(sys_task_unwatch(CAP_SELF_TASK, n), -E_NOCAP);
    KTEST_OK(sys_task_watch(CAP_SELF_TASK, n));
    KTEST_OK(sys_task_watch(CAP_SELF_TASK, n));
    KTEST_EQ(sys_task_unwatch(CAP_SELF_TASK, other), -E_NOCAP);
    KTEST_EQ(sys_task_unwatch(CAP_SELF_THREAD, n), -E_TYPE);
    long pool = sys_pool_info(CAP_INIT_POOL);
    KTEST_OK(sys_task_unwatch(CAP_SELF_TASK, n));          /* both watches go */
    KTEST_EQ(sys_task_unwatch(CAP_SELF_TASK, n), -E_NOCAP);
    KTEST_OK(sys_cap_delete(n));                           /* nothing else holds it now */
    KTEST_EQ(sys_pool_info(CAP_INIT_POOL), pool + 1);
    return true;
}

/* An endpoint whose last capability goes wakes its waiters, senders and receivers alike, with -E_NOCAP. */
KTEST(death_endpoint_deleted_wakes_waiters)
{
    uint64_t receive = ktest_new_endpoint(), send = ktest_new_endpoint();

    KTEST_CHECK(receive != CAP_NULL && send != CAP_NULL);
    helper = (ktest_thread_t){ .arg = { receive } };
    KTEST_OK(ktest_thread_start(&helper, ktest_echo_server, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 50));
    helper2 = (ktest_thread_t){ .arg = { send, 0x11, 1, 1 } };
    KTEST_OK(ktest_thread_start(&helper2, ktest_call_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 50));
    sys_sleep(1000);
    KTEST_EQ(helper.out[0], 0);
    KTEST_EQ(helper2.out[0], 0);
    KTEST_OK(sys_cap_delete(receive));
    KTEST_OK(sys_cap_delete(send));
    KTEST_CHECK(ktest_thread_join(&helper));
    KTEST_CHECK(ktest_thread_join(&helper2));
    KTEST_EQ(helper.out[7], -E_NOCAP);
    KTEST_EQ(helper2.out[0], -E_NOCAP);
    return true;
}
