/* ktest: scheduling fairness: threads that keep calling each other share one time slice. */
#include "peer.h"
#include "child/child.h"

static ktest_thread_t server, client, spinner;
static volatile bool stop;

/* Calls the echo server in arg[0] until stop, then tells it to end. out[0]: calls made. */
static void pinger_fn(ktest_thread_t *self)
{
    while (!stop) {
        struct agora_msg m = { .info = IPC_INFO(CHILD_OP_ECHO, 1, 0, 0), .mr = { 1 } };

        if (sys_call(self->arg[0], &m) < 0)
            return;
        self->out[0]++;
    }
    struct agora_msg m = { .info = IPC_INFO(CHILD_OP_EXIT, 0, 0, 0) };
    sys_call(self->arg[0], &m);
}

static void spin_fn(ktest_thread_t *self)
{
    while (!stop)
        self->out[0]++;
}

/*
 * Two threads in a tight call/reply loop switch directly to each other many times per
 * tick. If every switch started a fresh slice, neither would ever use one up and a third
 * thread of their priority would never run (this starved pm's timer thread once). The
 * callee runs on the caller's slice, so the pair is preempted like one thread.
 */
KTEST(ipc_pair_does_not_starve_its_priority)
{
    uint64_t ep = ktest_slot();

    KTEST_OK(sys_endpoint_create(CAP_INIT_POOL, ep));
    stop = false;
    server = (ktest_thread_t){ .arg = { ep } };
    client = (ktest_thread_t){ .arg = { ep } };
    spinner = (ktest_thread_t){ 0 };
    KTEST_OK(ktest_thread_start(&server, ktest_echo_server, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    KTEST_OK(ktest_thread_start(&client, pinger_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    KTEST_OK(ktest_thread_start(&spinner, spin_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    sys_sleep(300000);
    stop = true;
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_CHECK(ktest_thread_join(&server));
    KTEST_CHECK(ktest_thread_join(&spinner));
    KTEST_CHECK(client.out[0] > 100);           /* the pair ran ... */
    KTEST_CHECK(spinner.out[0] > 0);            /* ... and so did the third */
    ktest_cap_drop(ep);
    return true;
}
