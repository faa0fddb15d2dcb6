/* ktest: SYS_THREAD_SUSPEND and SYS_THREAD_RESUME: threads stopped in user mode and in every kind of wait. */
#include "peer.h"

#define PAGE 4096ull
#define KERNEL_HALF 0xffff800000000000ull

static ktest_thread_t a, b, c;

/* Filled by suspend_landing: rbx rbp r12 r13 r14 r15 rsi rsp, CF, then a done flag. */
volatile uint64_t landing_seen[10];

/*
 * Where a stopped spinner is resumed: stores the registers it was given, then signals
 * the notification in rdi (its "done", so ktest_thread_join works) and ends its thread.
 * setc comes first: nothing before it may change the flags.
 */
__asm__(
    ".text\n"
    "suspend_landing:\n"
    "    setc landing_seen+64(%rip)\n"
    "    movq %rbx, landing_seen+0(%rip)\n"
    "    movq %rbp, landing_seen+8(%rip)\n"
    "    movq %r12, landing_seen+16(%rip)\n"
    "    movq %r13, landing_seen+24(%rip)\n"
    "    movq %r14, landing_seen+32(%rip)\n"
    "    movq %r15, landing_seen+40(%rip)\n"
    "    movq %rsi, landing_seen+48(%rip)\n"
    "    movq %rsp, landing_seen+56(%rip)\n"
    "    movq $1, landing_seen+72(%rip)\n"
    "    movl $23, %eax\n"
    "    syscall\n"
    "suspend_exit_stub:\n"
    "    movl $15, %eax\n"
    "    syscall\n"
    "    ud2\n");
void suspend_landing(void);
void suspend_exit_stub(void);
_Static_assert(SYS_SIGNAL == 23 && SYS_THREAD_EXIT == 15, "the landing's system-call numbers");

/* Counts in out[0] for ever: only new registers get it out of the loop. */
static void spin_fn(ktest_thread_t *self)
{
    for (;;)
        self->out[0]++;
}

/* Receives once on arg[0]: out[0] the result, out[1] the badge, out[2..5] the words; out[7] = 1 after. */
static void recv_fn(ktest_thread_t *self)
{
    struct agora_msg m = { 0, 0, { 0, 0, 0, 0 } };

    self->out[0] = sys_recv(self->arg[0], &m);
    self->out[1] = (long)m.badge;
    for (unsigned i = 0; i < IPC_REG_WORDS; i++)
        self->out[2 + i] = (long)m.mr[i];
    self->out[7] = 1;
}

/* Sleeps arg[0] microseconds: out[0] the result, out[7] = 1 after. */
static void sleep_fn(ktest_thread_t *self)
{
    self->out[0] = sys_sleep(self->arg[0]);
    self->out[7] = 1;
}

/* Waits on the notification in arg[0]: out[0] the result, out[7] = 1 after. */
static void wait_fn(ktest_thread_t *self)
{
    self->out[0] = sys_wait(self->arg[0]);
    self->out[7] = 1;
}

/* Sleeps arg[1] microseconds, then resumes the thread in arg[0]: out[0] the result. */
static void resume_later_fn(ktest_thread_t *self)
{
    sys_sleep(self->arg[1]);
    self->out[0] = sys_thread_resume(self->arg[0], NULL);
}

static bool on_stack_of(const ktest_thread_t *t, uint64_t sp)
{
    return sp > (uint64_t)t->ipc - 4 * PAGE && sp <= (uint64_t)t->ipc;
}

/* Stopped in user mode: no progress; its registers read and replaced, and it goes on from them. */
KTEST(suspend_running_thread)
{
    struct agora_regs r;
    long n;

    for (int i = 0; i < 10; i++)
        landing_seen[i] = 0;
    /* Below our priority: it runs while we sleep, and is preempted (in user mode) when we wake. */
    KTEST_OK(ktest_thread_start(&a, spin_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    for (int i = 0; i < 100 && a.out[0] == 0; i++)
        sys_sleep(1000);
    KTEST_CHECK(a.out[0] != 0);
    KTEST_EQ(sys_thread_suspend(a.thread, 0), 0);
    n = a.out[0];
    sys_sleep(20000);
    KTEST_EQ(a.out[0], n);
    KTEST_EQ(sys_thread_suspend(a.thread, THREAD_SUSPEND_INTERRUPT), 0);   /* again: nothing to interrupt */
    KTEST_OK(sys_thread_regs(a.thread, &r));
    KTEST_CHECK(r.rip >= (uint64_t)spin_fn && r.rip < (uint64_t)spin_fn + 256);
    KTEST_CHECK(on_stack_of(&a, r.rsp));

    r.rip = (uint64_t)suspend_landing;
    r.rdi = a.done;
    r.rbx = 0xb0b0;
    r.rbp = 0xb9b9;
    r.r12 = 12;
    r.r13 = 13;
    r.r14 = 14;
    r.r15 = 15;
    r.rsi = 0x5151;
    r.rsp = ((r.rsp - 512) & ~15ull) - 8;
    r.rflags = 1;                               /* CF */
    KTEST_OK(sys_thread_resume(a.thread, &r));
    KTEST_EQ(sys_thread_resume(a.thread, NULL), -E_STATE);   /* no longer suspended */
    KTEST_CHECK(ktest_thread_join(&a));
    const uint64_t want[10] = { 0xb0b0, 0xb9b9, 12, 13, 14, 15, 0x5151, r.rsp, 1, 1 };
    for (int i = 0; i < 10; i++)
        KTEST_EQ(landing_seen[i], want[i]);
    sys_sleep(10000);                           /* its last system call, the exit */
    KTEST_EQ(sys_thread_suspend(a.thread, 0), -E_DEAD);
    KTEST_EQ(sys_thread_resume(a.thread, NULL), -E_DEAD);
    return true;
}

/* Stopped in a receive: a message sent meanwhile is taken, and seen once it is resumed. */
KTEST(suspend_blocked_receiver)
{
    uint64_t ep = ktest_new_endpoint();
    struct agora_msg m = ktest_msg(0x77, 2, 11, 22, 0, 0);
    struct agora_regs r;

    KTEST_CHECK(ep != CAP_NULL);
    a = (ktest_thread_t){ .arg = { ep } };
    KTEST_OK(ktest_thread_start(&a, recv_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    sys_sleep(10000);                           /* it runs and waits in its receive */
    KTEST_EQ(sys_thread_suspend(a.thread, 0), 1);
    KTEST_OK(sys_send(ep, &m));                 /* taken at once: it still waits in the receive */
    sys_sleep(10000);
    KTEST_EQ(a.out[7], 0);                      /* ... but does not run */
    KTEST_EQ(sys_thread_suspend(a.thread, THREAD_SUSPEND_INTERRUPT), 0);   /* complete: not interrupted */
    KTEST_OK(sys_thread_regs(a.thread, &r));
    KTEST_EQ(r.rax, 0);
    KTEST_EQ(r.rsi, m.info);
    KTEST_EQ(r.rdx, 11);
    KTEST_EQ(r.r10, 22);
    /* Its registers are final: a changed word is what its receive returns. */
    r.rdx = 12345;
    KTEST_OK(sys_thread_resume(a.thread, &r));
    KTEST_CHECK(ktest_thread_join(&a));
    KTEST_EQ(a.out[0], 0);
    KTEST_EQ(a.out[2], 12345);
    KTEST_EQ(a.out[3], 22);

    /* Interrupted: the receive returns -E_INTR and leaves the endpoint's queue. */
    a = (ktest_thread_t){ .arg = { ep } };
    KTEST_OK(ktest_thread_start(&a, recv_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    sys_sleep(10000);
    KTEST_EQ(sys_thread_suspend(a.thread, THREAD_SUSPEND_INTERRUPT), 0);
    KTEST_OK(sys_thread_regs(a.thread, &r));
    KTEST_EQ(r.rax, -E_INTR);
    KTEST_OK(sys_thread_resume(a.thread, NULL));
    KTEST_CHECK(ktest_thread_join(&a));
    KTEST_EQ(a.out[0], -E_INTR);
    b = (ktest_thread_t){ .arg = { ep, 0x78, 1, 5 } };
    KTEST_OK(ktest_thread_start(&b, ktest_send_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    KTEST_OK(sys_recv(ep, &m));                 /* the sender queued: nobody else received */
    KTEST_EQ(IPC_LABEL(m.info), 0x78);
    KTEST_CHECK(ktest_thread_join(&b));
    KTEST_EQ(b.out[0], 0);
    return true;
}

/* A call's fast path to a suspended receiver: it answers only once resumed. */
KTEST(suspend_receiver_fast_call)
{
    uint64_t ep = ktest_new_endpoint();
    struct agora_msg m = ktest_msg(CHILD_OP_ECHO, 1, 41, 0, 0, 0);
    long t0, t1, called;

    KTEST_CHECK(ep != CAP_NULL);
    /* At our priority, so that the call takes the fast path to it. */
    a = (ktest_thread_t){ .arg = { ep } };
    KTEST_OK(ktest_thread_start(&a, ktest_echo_server, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY));
    sys_sleep(10000);
    KTEST_EQ(sys_thread_suspend(a.thread, 0), 1);
    b = (ktest_thread_t){ .arg = { a.thread, 20000 } };
    KTEST_OK(ktest_thread_start(&b, resume_later_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    t0 = sys_clock();
    called = sys_call(ep, &m);
    t1 = sys_clock();
    KTEST_EQ(called, 0);
    KTEST_EQ(m.mr[0], 42);
    KTEST_CHECK(t1 - t0 >= 19000);              /* answered only after the resume */
    KTEST_CHECK(ktest_thread_join(&b));
    KTEST_EQ(b.out[0], 0);
    m = ktest_msg(CHILD_OP_EXIT, 0, 0, 0, 0, 0);
    KTEST_OK(sys_call(ep, &m));
    KTEST_CHECK(ktest_thread_join(&a));
    KTEST_EQ(a.out[0], 2);
    return true;
}

/* Waiting for a reply: never interrupted; the reply (fast path) arrives while it is stopped. */
KTEST(suspend_caller_waiting_for_reply)
{
    uint64_t ep = ktest_new_endpoint();
    struct agora_msg m;
    struct agora_regs r;

    KTEST_CHECK(ep != CAP_NULL);
    /* At our priority: its call and our reply-receive take the fast paths. */
    a = (ktest_thread_t){ .arg = { ep, 0x99, 2, 5, 6 } };
    KTEST_OK(ktest_thread_start(&a, ktest_call_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY));
    KTEST_OK(sys_recv(ep, &m));
    KTEST_EQ(IPC_LABEL(m.info), 0x99);
    KTEST_EQ(sys_thread_suspend(a.thread, THREAD_SUSPEND_INTERRUPT), 1);
    /* Below us: it sends what our reply-receive gets, once the caller was parked, not run. */
    b = (ktest_thread_t){ .arg = { ep, 0x55, 1, 7 } };
    KTEST_OK(ktest_thread_start(&b, ktest_send_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    m = ktest_msg(0x98, 2, 500, 600, 0, 0);
    KTEST_OK(sys_reply_recv(ep, &m));
    KTEST_EQ(IPC_LABEL(m.info), 0x55);
    KTEST_EQ(m.mr[0], 7);
    KTEST_EQ(a.out[1], 0);                      /* the caller has not run */
    KTEST_EQ(sys_thread_suspend(a.thread, 0), 0);
    KTEST_OK(sys_thread_regs(a.thread, &r));
    KTEST_EQ(r.rax, 0);
    KTEST_EQ(r.rdx, 500);
    KTEST_OK(sys_thread_resume(a.thread, NULL));
    KTEST_CHECK(ktest_thread_join(&a) && ktest_thread_join(&b));
    KTEST_EQ(a.out[0], 0);
    KTEST_EQ(IPC_LABEL(a.out[1]), 0x98);
    KTEST_EQ(a.out[3], 500);
    KTEST_EQ(a.out[4], 600);
    KTEST_EQ(b.out[0], 0);
    return true;
}

/* Sends nobody took yet: how 0 leaves a call queued (it completes later); interrupting ends one. */
KTEST(suspend_blocked_sender)
{
    uint64_t ep = ktest_new_endpoint();
    struct agora_msg m;
    struct agora_regs r;

    KTEST_CHECK(ep != CAP_NULL);
    a = (ktest_thread_t){ .arg = { ep, 0x31, 1, 9 } };
    KTEST_OK(ktest_thread_start(&a, ktest_call_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    sys_sleep(10000);                           /* it waits to send: nobody receives */
    KTEST_EQ(sys_thread_suspend(a.thread, 0), 1);
    KTEST_OK(sys_recv(ep, &m));                 /* its call is taken: now it waits for the reply */
    KTEST_EQ(m.mr[0], 9);
    KTEST_EQ(sys_thread_suspend(a.thread, THREAD_SUSPEND_INTERRUPT), 1);
    m = ktest_msg(0x32, 1, 10, 0, 0, 0);
    KTEST_OK(sys_reply(&m));
    KTEST_EQ(sys_thread_suspend(a.thread, 0), 0);
    KTEST_OK(sys_thread_resume(a.thread, NULL));
    KTEST_CHECK(ktest_thread_join(&a));
    KTEST_EQ(a.out[0], 0);
    KTEST_EQ(a.out[3], 10);

    /* A plain send and a call, interrupted before anyone took them. */
    b = (ktest_thread_t){ .arg = { ep, 0x33, 1, 8 } };
    c = (ktest_thread_t){ .arg = { ep, 0x34, 1, 8 } };
    KTEST_OK(ktest_thread_start(&b, ktest_send_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    KTEST_OK(ktest_thread_start(&c, ktest_call_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    sys_sleep(10000);
    KTEST_EQ(sys_thread_suspend(b.thread, THREAD_SUSPEND_INTERRUPT), 0);
    KTEST_EQ(sys_thread_suspend(c.thread, THREAD_SUSPEND_INTERRUPT), 0);
    KTEST_OK(sys_thread_regs(c.thread, &r));
    KTEST_EQ(r.rax, -E_INTR);
    KTEST_OK(sys_thread_resume(c.thread, NULL));
    KTEST_OK(sys_thread_resume(b.thread, NULL));
    KTEST_CHECK(ktest_thread_join(&b) && ktest_thread_join(&c));
    KTEST_EQ(b.out[0], -E_INTR);
    KTEST_EQ(c.out[0], -E_INTR);
    /* Neither is still queued: the next sender's message is the first we receive. */
    a = (ktest_thread_t){ .arg = { ep, 0x35, 1, 8 } };
    KTEST_OK(ktest_thread_start(&a, ktest_send_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    KTEST_OK(sys_recv(ep, &m));
    KTEST_EQ(IPC_LABEL(m.info), 0x35);
    KTEST_CHECK(ktest_thread_join(&a));
    return true;
}

/* A sleep: interrupted it ends at once; else it ends while the thread is stopped. */
KTEST(suspend_sleeper)
{
    struct agora_regs r;

    a = (ktest_thread_t){ .arg = { 10000000 } };
    KTEST_OK(ktest_thread_start(&a, sleep_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    sys_sleep(10000);
    KTEST_EQ(sys_thread_suspend(a.thread, THREAD_SUSPEND_INTERRUPT), 0);
    KTEST_OK(sys_thread_regs(a.thread, &r));
    KTEST_EQ(r.rax, -E_INTR);
    r.rax = 777;                                /* what its sleep returns, now */
    KTEST_OK(sys_thread_resume(a.thread, &r));
    KTEST_CHECK(ktest_thread_join(&a));
    KTEST_EQ(a.out[0], 777);

    b = (ktest_thread_t){ .arg = { 20000 } };
    KTEST_OK(ktest_thread_start(&b, sleep_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    sys_sleep(5000);
    KTEST_EQ(sys_thread_suspend(b.thread, 0), 1);
    sys_sleep(40000);
    KTEST_EQ(b.out[7], 0);
    KTEST_EQ(sys_thread_suspend(b.thread, 0), 0);
    KTEST_OK(sys_thread_regs(b.thread, &r));
    KTEST_EQ(r.rax, 0);
    KTEST_OK(sys_thread_resume(b.thread, NULL));
    KTEST_CHECK(ktest_thread_join(&b));
    KTEST_EQ(b.out[0], 0);
    return true;
}

/* A notification wait: a signal meanwhile is delivered to it; interrupting takes nothing from the word. */
KTEST(suspend_notification_waiter)
{
    uint64_t n = ktest_new_notification();
    struct agora_regs r;

    KTEST_CHECK(n != CAP_NULL);
    a = (ktest_thread_t){ .arg = { n } };
    KTEST_OK(ktest_thread_start(&a, wait_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    sys_sleep(10000);
    KTEST_EQ(sys_thread_suspend(a.thread, 0), 1);
    KTEST_OK(sys_signal(n));
    sys_sleep(10000);
    KTEST_EQ(a.out[7], 0);
    KTEST_EQ(sys_thread_suspend(a.thread, THREAD_SUSPEND_INTERRUPT), 0);
    KTEST_OK(sys_thread_regs(a.thread, &r));
    KTEST_EQ(r.rax, 1);
    KTEST_OK(sys_thread_resume(a.thread, NULL));
    KTEST_CHECK(ktest_thread_join(&a));
    KTEST_EQ(a.out[0], 1);
    KTEST_EQ(sys_poll(n), -E_AGAIN);

    b = (ktest_thread_t){ .arg = { n } };
    KTEST_OK(ktest_thread_start(&b, wait_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    sys_sleep(10000);
    KTEST_EQ(sys_thread_suspend(b.thread, THREAD_SUSPEND_INTERRUPT), 0);
    KTEST_OK(sys_thread_resume(b.thread, NULL));
    KTEST_CHECK(ktest_thread_join(&b));
    KTEST_EQ(b.out[0], -E_INTR);
    KTEST_OK(sys_signal(n));                    /* nobody waits any more: it stays in the word */
    KTEST_EQ(sys_poll(n), 1);
    return true;
}

/* ktest-child serving ep, calling peer (if not CAP_NULL); waits until it receives. */
static long start_suspend_child(struct agora_child *child, uint64_t ep, uint64_t peer)
{
    const struct agora_spawn_cap caps[] = {
        { ep, CHILD_CAP_EP, RIGHT_READ }, { peer, CHILD_CAP_PEER, RIGHT_WRITE },
    };
    long r = ktest_child_start(child, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps, peer == CAP_NULL ? 1 : 2, 0);

    sys_sleep(20000);
    return r;
}

/* how: suspend with it; send: then send it a message. Kills it; true if all went as expected. */
static bool kill_suspended_child(uint64_t how, bool send, long want)
{
    uint64_t ep = ktest_new_endpoint();
    struct agora_child child;
    struct agora_msg m = ktest_msg(CHILD_OP_ECHO, 1, 1, 0, 0, 0);
    long suspended, sent = 0, again, killed, dead;

    KTEST_CHECK(ep != CAP_NULL);
    KTEST_OK(start_suspend_child(&child, ep, CAP_NULL));
    suspended = sys_thread_suspend(child.thread, how);
    if (send)
        sent = sys_send(ep, &m);
    again = sys_thread_suspend(child.thread, 0);
    killed = sys_task_kill(child.task, 0);
    dead = sys_thread_suspend(child.thread, 0);
    agora_child_release(&child);
    KTEST_EQ(suspended, how ? 0 : 1);
    KTEST_EQ(sent, 0);
    KTEST_EQ(again, want);
    KTEST_EQ(killed, 0);
    KTEST_EQ(dead, -E_DEAD);
    return true;
}

/* A task dies with a suspended thread: blocked, parked after its call completed, interrupted, awaiting a reply. */
KTEST(suspend_then_kill_task)
{
    uint64_t ep = ktest_new_endpoint(), peer = ktest_new_endpoint();
    struct agora_child child;
    struct agora_msg m = ktest_msg(CHILD_OP_CALL_PEER, 2, 0x66, 5, 0, 0);
    long sent, got, label, suspended, killed, replied;

    KTEST_CHECK(kill_suspended_child(0, false, 1));
    KTEST_CHECK(kill_suspended_child(0, true, 0));
    KTEST_CHECK(kill_suspended_child(THREAD_SUSPEND_INTERRUPT, false, 0));

    KTEST_CHECK(ep != CAP_NULL && peer != CAP_NULL);
    KTEST_OK(start_suspend_child(&child, ep, peer));
    sent = sys_send(ep, &m);
    got = sys_recv(peer, &m);                   /* its call to us */
    label = IPC_LABEL(m.info);
    suspended = sys_thread_suspend(child.thread, THREAD_SUSPEND_INTERRUPT);
    killed = sys_task_kill(child.task, 0);
    m = ktest_msg(0x67, 0, 0, 0, 0, 0);
    replied = sys_reply(&m);
    agora_child_release(&child);
    KTEST_EQ(sent, 0);
    KTEST_EQ(got, 0);
    KTEST_EQ(label, 0x66);
    KTEST_EQ(suspended, 1);
    KTEST_EQ(killed, 0);
    KTEST_EQ(replied, -E_STATE);                /* the caller is gone */
    return true;
}

/* Wrong capabilities, states, how and registers. */
KTEST(suspend_bad_arguments)
{
    uint64_t th = ktest_slot(), ep = ktest_new_endpoint(), empty = ktest_slot(), weak;
    struct agora_msg m = ktest_msg(0x79, 0, 0, 0, 0, 0);
    struct agora_regs r, bad;

    KTEST_CHECK(ep != CAP_NULL);
    KTEST_EQ(sys_thread_suspend(CAP_SELF_THREAD, 0), -E_STATE);
    KTEST_EQ(sys_thread_resume(CAP_SELF_THREAD, NULL), -E_STATE);
    KTEST_EQ(sys_thread_suspend(ep, 0), -E_TYPE);
    KTEST_EQ(sys_thread_resume(ep, NULL), -E_TYPE);
    KTEST_EQ(sys_thread_suspend(empty, 0), -E_NOCAP);
    KTEST_EQ(sys_thread_resume(empty, NULL), -E_NOCAP);
    KTEST_OK(sys_thread_create(CAP_SELF_TASK, CAP_INIT_POOL, th));
    weak = ktest_copy_of(th, RIGHTS_ALL & ~RIGHT_MANAGE, 0);
    KTEST_CHECK(weak != CAP_NULL);
    KTEST_EQ(sys_thread_suspend(weak, 0), -E_PERM);
    KTEST_EQ(sys_thread_resume(weak, NULL), -E_PERM);
    KTEST_EQ(sys_thread_suspend(th, 0), -E_STATE);   /* never started */
    KTEST_EQ(sys_thread_resume(th, NULL), -E_STATE);
    KTEST_EQ(sys_thread_suspend(th, 2), -E_INVAL);
    KTEST_EQ(sys_thread_suspend(th, ~0ull), -E_INVAL);
    KTEST_OK(sys_thread_start(th, (uint64_t)suspend_exit_stub, 0, 0));   /* nothing stays behind */

    a = (ktest_thread_t){ .arg = { ep } };
    KTEST_OK(ktest_thread_start(&a, recv_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 10));
    sys_sleep(10000);
    KTEST_EQ(sys_thread_resume(a.thread, NULL), -E_STATE);   /* not suspended */
    KTEST_EQ(sys_thread_suspend(a.thread, 0), 1);
    KTEST_OK(sys_thread_regs(a.thread, &r));
    KTEST_EQ(sys_thread_resume(a.thread, (const struct agora_regs *)0x10), -E_FAULT);
    KTEST_EQ(sys_thread_resume(a.thread, (const struct agora_regs *)KTEST_UNMAPPED_VADDR), -E_FAULT);
    KTEST_EQ(sys_thread_resume(a.thread, (const struct agora_regs *)KERNEL_HALF), -E_FAULT);
    KTEST_EQ(sys_thread_resume(a.thread, &r), -E_STATE);     /* still in its receive */
    bad = r;
    bad.rip = KERNEL_HALF;
    KTEST_EQ(sys_thread_resume(a.thread, &bad), -E_FAULT);
    bad = r;
    bad.rsp = KERNEL_HALF;
    KTEST_EQ(sys_thread_resume(a.thread, &bad), -E_FAULT);
    KTEST_OK(sys_thread_resume(a.thread, NULL));
    KTEST_OK(sys_send(ep, &m));
    KTEST_CHECK(ktest_thread_join(&a));
    KTEST_EQ(a.out[0], 0);
    return true;
}
