/* ktest: IPC within ktest's task (a second thread) and with ktest-child: messages, limits, rights, replies, capability transfer, notifications. */
#include "peer.h"

#include <libagora/string.h>

/* Threads of the running test: static, so that a test that fails early leaves no thread writing to a dead stack frame. */
static ktest_thread_t server, client, client2;

static long start_server(uint64_t ep, uint64_t ipc_buffer, uint64_t priority)
{
    server = (ktest_thread_t){ .arg = { ep } };
    return ktest_thread_start(&server, ktest_echo_server, ipc_buffer, 0, priority);
}

/* Ends the echo server by destroying its endpoint (it wakes with -E_NOCAP) and waits for it. */
static bool stop_server(uint64_t ep)
{
    ktest_cap_drop(ep);
    return ktest_thread_join(&server);
}

static long start_client(ktest_thread_t *t, ktest_thread_fn fn, uint64_t ep, uint32_t label, unsigned words,
                         uint64_t w0, uint64_t w1, uint64_t priority)
{
    *t = (ktest_thread_t){ .arg = { ep, label, words, w0, w1, 0, 0 } };
    return ktest_thread_start(t, fn, KTEST_THREAD_OWN_BUFFER, 0, priority);
}

/* Lets every thread of lower priority run until it blocks. */
static void let_others_block(void)
{
    sys_sleep(1000);
}

/* ---- messages between two threads of ktest ---- */

KTEST(ipc_thread_send_to_main)
{
    uint64_t ep = ktest_new_endpoint(), badged = CAP_NULL;
    struct agora_msg m;

    KTEST_CHECK(ep != CAP_NULL);
    badged = ktest_copy_of(ep, RIGHT_WRITE, 0xb0b);
    KTEST_CHECK(badged != CAP_NULL);
    client = (ktest_thread_t){ .arg = { badged, 0x1234, 4, 11, 22, 33, 44 } };
    KTEST_OK(ktest_thread_start(&client, ktest_send_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY));
    KTEST_EQ(sys_recv(ep, &m), 0);
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_EQ(client.out[0], 0);
    KTEST_EQ(m.info, IPC_INFO(0x1234, 4, 0, 0));
    KTEST_EQ(m.badge, 0xb0b);
    KTEST_EQ(m.mr[0], 11);
    KTEST_EQ(m.mr[1], 22);
    KTEST_EQ(m.mr[2], 33);
    KTEST_EQ(m.mr[3], 44);

    /* Through the unbadged original: badge 0; and a label using all 32 bits. */
    KTEST_OK(start_client(&client, ktest_send_fn, ep, 0xfedcba98u, 1, 99, 0, KTEST_PRIORITY));
    KTEST_EQ(sys_recv(ep, &m), 0);
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_EQ(m.info, IPC_INFO(0xfedcba98u, 1, 0, 0));
    KTEST_EQ(m.badge, 0);
    KTEST_EQ(m.mr[0], 99);
    return true;
}

KTEST(ipc_thread_call_to_main)
{
    uint64_t ep = ktest_new_endpoint();
    struct agora_msg m, reply = ktest_msg(0x2001, 3, 7, 8, 9, 0);

    KTEST_CHECK(ep != CAP_NULL);
    KTEST_OK(start_client(&client, ktest_call_fn, ep, 0x2000, 2, 5, 6, KTEST_PRIORITY));
    KTEST_EQ(sys_recv(ep, &m), 0);
    KTEST_EQ(m.info, IPC_INFO(0x2000, 2, 0, 0));
    KTEST_EQ(m.mr[0], 5);
    KTEST_EQ(m.mr[1], 6);
    KTEST_EQ(sys_reply(&reply), 0);
    KTEST_EQ(sys_reply(&reply), -E_STATE);     /* answered: there is no caller any more */
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_EQ(client.out[0], 0);
    KTEST_EQ(client.out[1], IPC_INFO(0x2001, 3, 0, 0));
    KTEST_EQ(client.out[2], 0);                 /* replies carry no badge */
    KTEST_EQ(client.out[3], 7);
    KTEST_EQ(client.out[4], 8);
    KTEST_EQ(client.out[5], 9);
    return true;
}

KTEST(ipc_reply_without_caller)
{
    uint64_t ep = ktest_new_endpoint();
    struct agora_msg m = ktest_msg(1, 1, 1, 0, 0, 0);

    KTEST_CHECK(ep != CAP_NULL);
    KTEST_EQ(sys_reply(&m), -E_STATE);
    /* A send is no call: nothing to answer after receiving it either. */
    KTEST_OK(start_client(&client, ktest_send_fn, ep, 0x30, 1, 1, 0, KTEST_PRIORITY));
    KTEST_EQ(sys_recv(ep, &m), 0);
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_EQ(IPC_LABEL(m.info), 0x30);
    m = ktest_msg(1, 1, 1, 0, 0, 0);
    KTEST_EQ(sys_reply(&m), -E_STATE);
    return true;
}

/* A reply the kernel refuses leaves the caller waiting for a good one. */
KTEST(ipc_reply_errors_keep_caller)
{
    uint64_t ep = ktest_new_endpoint(), n = ktest_new_notification();
    struct agora_ipc_buffer *b = ktest_ipc_clear();
    struct agora_msg m;
    long r_words, r_reserved, r_caps, r_ok;

    KTEST_CHECK(ep != CAP_NULL && n != CAP_NULL);
    KTEST_OK(start_client(&client, ktest_call_fn, ep, 0x40, 1, 1, 0, KTEST_PRIORITY));
    KTEST_EQ(sys_recv(ep, &m), 0);
    m = ktest_msg(0x41, 65, 0, 0, 0, 0);
    r_words = sys_reply(&m);
    m = ktest_msg(0x41, 1, 0, 0, 0, 0);
    m.info |= 1ull << 13;
    r_reserved = sys_reply(&m);
    /* A capability, but the caller named no slot for one. */
    b->send_caps[0] = n;
    b->send_cap_rights[0] = RIGHTS_ALL;
    m = (struct agora_msg){ IPC_INFO(0x41, 0, 1, 0), 0, { 0, 0, 0, 0 } };
    r_caps = sys_reply(&m);
    ktest_ipc_clear();
    m = ktest_msg(0x42, 1, 0x4242, 0, 0, 0);
    r_ok = sys_reply(&m);
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_EQ(r_words, -E_RANGE);
    KTEST_EQ(r_reserved, -E_RANGE);
    KTEST_EQ(r_caps, -E_NOWINDOW);
    KTEST_EQ(r_ok, 0);
    KTEST_EQ(client.out[0], 0);
    KTEST_EQ(client.out[1], IPC_INFO(0x42, 1, 0, 0));
    KTEST_EQ(client.out[3], 0x4242);
    return true;
}

/* Many calls to a reply-receive loop: at the caller's priority (the fast paths) and below it. */
static bool echo_calls(uint64_t ep, int count, unsigned words)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();

    for (int i = 0; i < count; i++) {
        uint64_t v = (uint64_t)i * 0x10001;
        struct agora_msg m = ktest_msg(CHILD_OP_ECHO, words, v, v + 1, ~v, 0x5a);

        for (unsigned w = IPC_REG_WORDS; w < words; w++)
            b->mr[w] = v + w;
        KTEST_EQ(sys_call(ep, &m), 0);
        KTEST_EQ(m.info, IPC_INFO(CHILD_OP_ECHO, words, 0, 0));
        KTEST_EQ(m.mr[0], v + 1);
        KTEST_EQ(m.mr[1], v + 2);
        KTEST_EQ(m.mr[2], ~v + 1);
        KTEST_EQ(m.mr[3], 0x5b);
        for (unsigned w = IPC_REG_WORDS; w < words; w++)
            KTEST_EQ(b->mr[w], v + w + 1);
    }
    return true;
}

KTEST(ipc_thread_reply_recv_loop)
{
    static const uint64_t priorities[] = { KTEST_PRIORITY, KTEST_PRIORITY - 10 };

    for (unsigned p = 0; p < 2; p++) {
        uint64_t ep = ktest_new_endpoint();
        bool ok;

        KTEST_CHECK(ep != CAP_NULL);
        KTEST_OK(start_server(ep, KTEST_THREAD_OWN_BUFFER, priorities[p]));
        ok = echo_calls(ep, 200, 4) && echo_calls(ep, 20, 9);
        ktest_ipc_clear();
        KTEST_CHECK(stop_server(ep));
        KTEST_CHECK(ok);
        KTEST_EQ(server.out[0], 220);
        KTEST_EQ(server.out[7], -E_NOCAP);    /* woken by the endpoint's destruction */
    }
    return true;
}

static bool long_messages(uint64_t ep)
{
    struct agora_ipc_buffer *b = ktest_ipc_clear();
    struct agora_msg m = ktest_msg(CHILD_OP_ECHO, IPC_MAX_WORDS, 0, 1, 2, 3);

    for (unsigned i = IPC_REG_WORDS; i < IPC_MAX_WORDS; i++)
        b->mr[i] = 0x1000 + i;
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(m.info, IPC_INFO(CHILD_OP_ECHO, IPC_MAX_WORDS, 0, 0));
    for (unsigned i = 0; i < IPC_REG_WORDS; i++)
        KTEST_EQ(m.mr[i], i + 1);
    for (unsigned i = IPC_REG_WORDS; i < IPC_MAX_WORDS; i++)
        KTEST_EQ(b->mr[i], 0x1001 + i);
    /* Five words: word 4 travels, word 5 is not touched. */
    b->mr[4] = 0x77;
    b->mr[5] = 0x55;
    m = ktest_msg(CHILD_OP_ECHO, 5, 0, 0, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(IPC_WORDS(m.info), 5);
    KTEST_EQ(b->mr[4], 0x78);
    KTEST_EQ(b->mr[5], 0x55);
    return true;
}

KTEST(ipc_thread_long_messages)
{
    uint64_t ep = ktest_new_endpoint();
    bool ok;

    KTEST_CHECK(ep != CAP_NULL);
    KTEST_OK(start_server(ep, KTEST_THREAD_OWN_BUFFER, KTEST_PRIORITY));
    ok = long_messages(ep);
    uint64_t last = server.ipc->mr[IPC_MAX_WORDS - 1];   /* before its buffer is unmapped */
    ktest_ipc_clear();
    KTEST_CHECK(stop_server(ep));
    KTEST_CHECK(ok);
    KTEST_EQ(last, 0x1000 + IPC_MAX_WORDS);             /* it saw all 64 words */
    return true;
}

/* Info words the kernel must refuse whether or not a receiver waits: words, reserved bits, capabilities. */
static bool refuse_bad_infos(uint64_t ep)
{
    static const uint64_t reserved_bits[] = { 1ull << 7, 1ull << 11, 1ull << 13, 1ull << 20, 1ull << 31 };
    struct agora_msg m;

    m = ktest_msg(CHILD_OP_ECHO, IPC_MAX_WORDS + 1, 0, 0, 0, 0);
    KTEST_EQ(sys_send(ep, &m), -E_RANGE);
    KTEST_EQ(sys_call(ep, &m), -E_RANGE);
    m = ktest_msg(CHILD_OP_ECHO, 127, 0, 0, 0, 0);
    KTEST_EQ(sys_send(ep, &m), -E_RANGE);
    for (unsigned i = 0; i < sizeof(reserved_bits) / sizeof(reserved_bits[0]); i++) {
        m = ktest_msg(CHILD_OP_ECHO, 1, 0, 0, 0, 0);
        m.info |= reserved_bits[i];
        KTEST_EQ(sys_send(ep, &m), -E_RANGE);
        KTEST_EQ(sys_call(ep, &m), -E_RANGE);
    }
    m = (struct agora_msg){ IPC_INFO(CHILD_OP_ECHO, 0, IPC_MAX_CAPS + 1, 0), 0, { 0, 0, 0, 0 } };
    KTEST_EQ(sys_send(ep, &m), -E_RANGE);
    m = (struct agora_msg){ IPC_INFO(CHILD_OP_ECHO, 0, 7, 0), 0, { 0, 0, 0, 0 } };
    KTEST_EQ(sys_call(ep, &m), -E_RANGE);
    return true;
}

KTEST(ipc_message_limits)
{
    uint64_t ep = ktest_new_endpoint(), idle = ktest_new_endpoint();
    struct agora_msg m;
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && idle != CAP_NULL);
    KTEST_OK(start_server(ep, KTEST_THREAD_OWN_BUFFER, KTEST_PRIORITY));
    /* Let it wait first: the refusals then come from the transfer to it. */
    sys_yield();
    ok = refuse_bad_infos(ep);
    /* It kept waiting and took nothing. */
    m = ktest_msg(CHILD_OP_ECHO, 1, 1, 0, 0, 0);
    ok = ok && sys_call(ep, &m) == 0 && m.mr[0] == 2 && server.out[0] == 1;
    KTEST_CHECK(stop_server(ep));
    KTEST_CHECK(ok);
    /* With nobody receiving: refused at once, not queued. */
    KTEST_CHECK(refuse_bad_infos(idle));
    return true;
}

KTEST(ipc_endpoint_rights_and_types)
{
    uint64_t ep = ktest_new_endpoint(), n = ktest_new_notification();
    uint64_t read_only, c, cc;
    struct agora_msg m = ktest_msg(CHILD_OP_ECHO, 1, 1, 0, 0, 0);
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && n != CAP_NULL);
    read_only = ktest_copy_of(ep, RIGHT_READ, 0);
    c = ktest_copy_of(ep, RIGHTS_ALL, 0);
    KTEST_CHECK(read_only != CAP_NULL && c != CAP_NULL);
    cc = ktest_copy_of(c, RIGHTS_ALL, 0);
    KTEST_CHECK(cc != CAP_NULL);
    KTEST_OK(start_server(ep, KTEST_THREAD_OWN_BUFFER, KTEST_PRIORITY));
    sys_yield();

    /* A receiver waits, so a wrongly accepted send would not block. */
    ok = sys_send(read_only, &m) == -E_PERM && sys_call(read_only, &m) == -E_PERM &&
         sys_send(n, &m) == -E_TYPE && sys_call(CAP_SELF_TASK, &m) == -E_TYPE &&
         sys_send(CAP_INIT_POOL, &m) == -E_TYPE && sys_send(ktest_slot(), &m) == -E_NOCAP &&
         sys_send(CAP_NULL, &m) == -E_NOCAP && sys_call(CAP_TABLE_SLOTS, &m) == -E_NOCAP &&
         sys_send(UINT64_MAX, &m) == -E_NOCAP;
    /* Revoking c takes cc; c itself still works, until deleted. */
    ok = ok && sys_cap_revoke(c) == 0 && sys_send(cc, &m) == -E_NOCAP && sys_call(cc, &m) == -E_NOCAP;
    m = ktest_msg(CHILD_OP_ECHO, 1, 1, 0, 0, 0);
    ok = ok && sys_call(c, &m) == 0 && m.mr[0] == 2;
    ok = ok && sys_cap_delete(c) == 0 && sys_send(c, &m) == -E_NOCAP;
    KTEST_CHECK(stop_server(ep));
    KTEST_CHECK(ok);
    KTEST_EQ(server.out[0], 1);
    return true;
}

/* Receiving with bad capabilities while a sender is queued: a wrongly accepted receive would take its message rather than block. */
KTEST(ipc_receive_rights_and_types)
{
    uint64_t ep = ktest_new_endpoint(), n = ktest_new_notification(), write_only, gone;
    struct agora_msg m = ktest_msg(0, 0, 0, 0, 0, 0);
    long r[7];

    KTEST_CHECK(ep != CAP_NULL && n != CAP_NULL);
    write_only = ktest_copy_of(ep, RIGHT_WRITE | RIGHT_GRANT, 0);
    gone = ktest_copy_of(ep, RIGHTS_ALL, 0);
    KTEST_CHECK(write_only != CAP_NULL && gone != CAP_NULL);
    KTEST_OK(sys_cap_delete(gone));
    KTEST_OK(start_client(&client, ktest_send_fn, ep, 0x51, 1, 0x5151, 0, KTEST_PRIORITY - 50));
    let_others_block();

    r[0] = sys_recv(write_only, &m);
    r[1] = sys_reply_recv(write_only, &m);
    r[2] = sys_recv(n, &m);
    r[3] = sys_recv(CAP_SELF_THREAD, &m);
    r[4] = sys_recv(gone, &m);
    r[5] = sys_reply_recv(CAP_NULL, &m);
    r[6] = sys_recv(ep, &m);
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_EQ(r[0], -E_PERM);
    KTEST_EQ(r[1], -E_PERM);
    KTEST_EQ(r[2], -E_TYPE);
    KTEST_EQ(r[3], -E_TYPE);
    KTEST_EQ(r[4], -E_NOCAP);
    KTEST_EQ(r[5], -E_NOCAP);
    KTEST_EQ(r[6], 0);
    KTEST_EQ(IPC_LABEL(m.info), 0x51);
    KTEST_EQ(m.mr[0], 0x5151);
    KTEST_EQ(client.out[0], 0);
    return true;
}

/* A long message needs the sender's IPC buffer: here it points at an unmapped page. */
KTEST(ipc_sender_buffer_unmapped)
{
    uint64_t ep = ktest_new_endpoint(), queue = ktest_new_endpoint();
    struct agora_msg m;
    long r_send, r_call, r_short, r_restore;

    KTEST_CHECK(ep != CAP_NULL && queue != CAP_NULL);
    KTEST_OK(start_server(ep, KTEST_THREAD_OWN_BUFFER, KTEST_PRIORITY));
    sys_yield();
    KTEST_OK(sys_thread_setup(CAP_SELF_THREAD, KTEST_UNMAPPED_VADDR, 0, KTEST_PRIORITY));
    m = ktest_msg(CHILD_OP_ECHO, 5, 0, 0, 0, 0);
    r_send = sys_send(ep, &m);
    m = ktest_msg(CHILD_OP_ECHO, IPC_MAX_WORDS, 0, 0, 0, 0);
    r_call = sys_call(ep, &m);
    m = ktest_msg(CHILD_OP_ECHO, 4, 1, 2, 3, 4);    /* registers only: no buffer needed */
    r_short = sys_call(ep, &m);
    r_restore = sys_thread_setup(CAP_SELF_THREAD, AGORA_INIT_IPC_BUFFER, 0, KTEST_PRIORITY);
    KTEST_CHECK(stop_server(ep));
    KTEST_EQ(r_restore, 0);
    KTEST_EQ(r_send, -E_FAULT);
    KTEST_EQ(r_call, -E_FAULT);
    KTEST_EQ(r_short, 0);
    KTEST_EQ(m.mr[3], 5);
    KTEST_EQ(server.out[0], 1);

    /* Queued senders: the one without a buffer fails when received, the next one is delivered. */
    client = (ktest_thread_t){ .arg = { queue, 0x61, 5, 0, 0, 0, 0 } };
    KTEST_OK(ktest_thread_start(&client, ktest_send_fn, KTEST_UNMAPPED_VADDR, 0, KTEST_PRIORITY - 50));
    KTEST_OK(start_client(&client2, ktest_send_fn, queue, 0x62, 1, 0x6262, 0, KTEST_PRIORITY - 50));
    let_others_block();
    KTEST_EQ(sys_recv(queue, &m), 0);
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_CHECK(ktest_thread_join(&client2));
    KTEST_EQ(IPC_LABEL(m.info), 0x62);
    KTEST_EQ(m.mr[0], 0x6262);
    KTEST_EQ(client.out[0], -E_FAULT);
    KTEST_EQ(client2.out[0], 0);
    return true;
}

KTEST(ipc_receiver_without_buffer)
{
    uint64_t ep = ktest_new_endpoint(), n = ktest_new_notification();
    struct agora_ipc_buffer *b;
    struct agora_msg m;
    long r[4];

    KTEST_CHECK(ep != CAP_NULL && n != CAP_NULL);
    KTEST_OK(start_server(ep, 0, KTEST_PRIORITY));
    sys_yield();
    b = ktest_ipc_clear();
    m = ktest_msg(CHILD_OP_ECHO, 5, 0, 0, 0, 0);
    r[0] = sys_send(ep, &m);
    m = ktest_msg(CHILD_OP_ECHO, IPC_MAX_WORDS, 0, 0, 0, 0);
    r[1] = sys_call(ep, &m);
    b->send_caps[0] = n;
    b->send_cap_rights[0] = RIGHTS_ALL;
    m = (struct agora_msg){ IPC_INFO(0x70, 0, 1, 0), 0, { 0, 0, 0, 0 } };
    r[2] = sys_send(ep, &m);
    ktest_ipc_clear();
    m = (struct agora_msg){ IPC_INFO(0x70, 0, 0, 1), 0, { 0, 0, 0, 0 } };
    r[3] = sys_send(ep, &m);
    m = ktest_msg(CHILD_OP_ECHO, 4, 1, 2, 3, 4);
    long r_ok = sys_call(ep, &m);
    KTEST_CHECK(stop_server(ep));
    for (unsigned i = 0; i < 4; i++)
        KTEST_EQ(r[i], -E_NOWINDOW);
    KTEST_EQ(r_ok, 0);
    KTEST_EQ(m.mr[0], 2);
    KTEST_EQ(server.out[0], 1);
    return true;
}

KTEST(thread_setup_bad_arguments)
{
    uint64_t ep = ktest_new_endpoint(), n = ktest_new_notification(), ep_ro;
    struct agora_regs regs;

    KTEST_CHECK(ep != CAP_NULL && n != CAP_NULL);
    ep_ro = ktest_copy_of(ep, RIGHT_READ, 0);
    KTEST_CHECK(ep_ro != CAP_NULL);
    /* Every refusal leaves ktest's own thread as it was. */
    KTEST_EQ(sys_thread_setup(CAP_SELF_THREAD, AGORA_INIT_IPC_BUFFER + 8, 0, KTEST_PRIORITY), -E_ALIGN);
    KTEST_EQ(sys_thread_setup(CAP_SELF_THREAD, 0xffff800000000000ull, 0, KTEST_PRIORITY), -E_FAULT);
    KTEST_EQ(sys_thread_setup(CAP_SELF_THREAD, AGORA_USER_TOP, 0, KTEST_PRIORITY), -E_FAULT);
    KTEST_EQ(sys_thread_setup(CAP_SELF_THREAD, AGORA_INIT_IPC_BUFFER, n, KTEST_PRIORITY), -E_TYPE);
    KTEST_EQ(sys_thread_setup(CAP_SELF_THREAD, AGORA_INIT_IPC_BUFFER, ep_ro, KTEST_PRIORITY), -E_PERM);
    KTEST_EQ(sys_thread_setup(CAP_SELF_THREAD, AGORA_INIT_IPC_BUFFER, ktest_slot(), KTEST_PRIORITY), -E_NOCAP);
    KTEST_EQ(sys_thread_setup(CAP_SELF_THREAD, AGORA_INIT_IPC_BUFFER, 0, KTEST_PRIORITY + 1), -E_PERM);
    KTEST_EQ(sys_thread_setup(CAP_SELF_THREAD, AGORA_INIT_IPC_BUFFER, 0, 256), -E_PERM);
    KTEST_EQ(sys_thread_setup(CAP_SELF_TASK, AGORA_INIT_IPC_BUFFER, 0, KTEST_PRIORITY), -E_TYPE);
    KTEST_EQ(sys_thread_start(CAP_SELF_THREAD, 0x400000, AGORA_INIT_STACK_TOP, 0), -E_STATE);
    KTEST_EQ(sys_thread_start(n, 0x400000, AGORA_INIT_STACK_TOP, 0), -E_TYPE);
    KTEST_EQ(sys_thread_regs(CAP_SELF_THREAD, &regs), -E_STATE);
    KTEST_EQ(sys_thread_create(CAP_SELF_TASK, CAP_SELF_TASK, ktest_slot()), -E_TYPE);
    KTEST_EQ(sys_thread_create(CAP_INIT_POOL, CAP_INIT_POOL, ktest_slot()), -E_TYPE);
    KTEST_EQ(sys_thread_create(CAP_SELF_TASK, CAP_INIT_POOL, CAP_SELF_TASK), -E_EXIST);
    /* Still working: long messages need the buffer it kept. */
    KTEST_EQ((uint64_t)agora_ipc_buffer(), AGORA_INIT_IPC_BUFFER);
    return true;
}

/* ---- capability transfer ---- */

KTEST(ipc_cap_transfer_needs_grant)
{
    uint64_t ep = ktest_new_endpoint(), idle = ktest_new_endpoint(), n = ktest_new_notification(), no_grant, idle_no_grant;
    struct agora_ipc_buffer *b;
    struct agora_msg caps = { IPC_INFO(0x80, 0, 1, 0), 0, { 0, 0, 0, 0 } };
    struct agora_msg mem = { IPC_INFO(0x80, 0, 0, 1), 0, { 0, 0, 0, 0 } };
    long r[6];

    KTEST_CHECK(ep != CAP_NULL && idle != CAP_NULL && n != CAP_NULL);
    no_grant = ktest_copy_of(ep, RIGHTS_ALL & ~RIGHT_GRANT, 0);
    idle_no_grant = ktest_copy_of(idle, RIGHTS_ALL & ~RIGHT_GRANT, 0);
    KTEST_CHECK(no_grant != CAP_NULL && idle_no_grant != CAP_NULL);
    KTEST_OK(start_server(ep, KTEST_THREAD_OWN_BUFFER, KTEST_PRIORITY));
    sys_yield();
    uint64_t recv_slot = ktest_slot();
    server.ipc->recv_cap_slots[0] = recv_slot;
    b = ktest_ipc_clear();
    b->send_caps[0] = n;
    b->send_cap_rights[0] = RIGHTS_ALL;
    b->send_mem_vaddr = AGORA_INIT_IPC_BUFFER;
    b->send_mem_pages = 1;
    b->send_mem_flags = IPC_MEM_MAP;
    r[0] = sys_send(no_grant, &caps);
    r[1] = sys_call(no_grant, &caps);
    r[2] = sys_send(no_grant, &mem);
    r[3] = sys_send(idle_no_grant, &caps);     /* nobody waiting: refused before queueing */
    r[4] = sys_call(idle_no_grant, &mem);
    ktest_ipc_clear();
    struct agora_msg m = ktest_msg(CHILD_OP_ECHO, 1, 1, 0, 0, 0);
    r[5] = sys_call(no_grant, &m);              /* without capabilities or memory: fine */
    KTEST_CHECK(stop_server(ep));
    for (unsigned i = 0; i < 5; i++)
        KTEST_EQ(r[i], -E_PERM);
    KTEST_EQ(r[5], 0);
    KTEST_EQ(server.out[0], 1);
    KTEST_EQ(sys_cap_info(recv_slot), -E_NOCAP);
    return true;
}

/* Sends n's capability(ies) as set in ktest's buffer to the waiting server; the result. */
static long send_caps(uint64_t ep, unsigned ncaps)
{
    struct agora_msg m = { IPC_INFO(0x90, 0, ncaps, 0), 0, { 0, 0, 0, 0 } };

    return sys_call(ep, &m);
}

static bool cap_transfer_errors(uint64_t ep, uint64_t n)
{
    struct agora_ipc_buffer *b = ktest_ipc_clear();
    uint64_t no_copy = ktest_copy_of(n, RIGHT_READ | RIGHT_WRITE, 0), free1 = ktest_slot(), free2 = ktest_slot();

    KTEST_CHECK(no_copy != CAP_NULL);
    b->send_caps[0] = n;
    b->send_cap_rights[0] = RIGHTS_ALL;
    /* The receiver names no slot, an occupied one, or one out of range. */
    KTEST_EQ(send_caps(ep, 1), -E_NOWINDOW);
    server.ipc->recv_cap_slots[0] = CAP_SELF_TASK;
    KTEST_EQ(send_caps(ep, 1), -E_EXIST);
    server.ipc->recv_cap_slots[0] = CAP_TABLE_SLOTS;
    KTEST_EQ(send_caps(ep, 1), -E_NOCAP);
    /* One slot named twice. */
    server.ipc->recv_cap_slots[0] = free1;
    server.ipc->recv_cap_slots[1] = free1;
    b->send_caps[1] = n;
    b->send_cap_rights[1] = RIGHTS_ALL;
    KTEST_EQ(send_caps(ep, 2), -E_INVAL);
    /* Two capabilities, room for one. */
    server.ipc->recv_cap_slots[1] = 0;
    KTEST_EQ(send_caps(ep, 2), -E_NOWINDOW);
    /* The sender has nothing there, or a capability it may not copy. */
    server.ipc->recv_cap_slots[1] = free2;
    b->send_caps[1] = ktest_slot();
    KTEST_EQ(send_caps(ep, 2), -E_NOCAP);
    b->send_caps[1] = no_copy;
    KTEST_EQ(send_caps(ep, 2), -E_PERM);
    /* Nothing arrived anywhere. */
    KTEST_EQ(sys_cap_info(free1), -E_NOCAP);
    KTEST_EQ(sys_cap_info(free2), -E_NOCAP);
    KTEST_EQ(server.out[0], 0);
    return true;
}

static bool cap_transfer_good(uint64_t ep, uint64_t n)
{
    struct agora_ipc_buffer *b = ktest_ipc_clear();
    uint64_t badged = ktest_copy_of(n, RIGHTS_ALL, 0x40), r1 = ktest_slot(), r2 = ktest_slot(), r3 = ktest_slot();

    KTEST_CHECK(badged != CAP_NULL);
    /* Rights masked by send_cap_rights: the copy may signal, not wait, and not be copied. */
    server.ipc->recv_cap_slots[0] = r1;
    b->send_caps[0] = n;
    b->send_cap_rights[0] = RIGHT_WRITE;
    KTEST_EQ(send_caps(ep, 1), 0);
    KTEST_EQ(server.ipc->recv_caps_count, 1);
    KTEST_EQ(ktest_cap_type(r1), OBJ_NOTIFICATION);
    KTEST_EQ(ktest_cap_rights(r1), RIGHT_WRITE);
    KTEST_EQ(sys_poll(r1), -E_PERM);
    KTEST_OK(sys_signal(r1));
    KTEST_EQ(sys_poll(n), 1);
    /* Two at once; a badge travels with its capability. */
    server.ipc->recv_cap_slots[0] = r2;
    server.ipc->recv_cap_slots[1] = r3;
    b->send_caps[0] = badged;
    b->send_cap_rights[0] = RIGHT_WRITE;
    b->send_caps[1] = n;
    b->send_cap_rights[1] = RIGHTS_ALL;
    KTEST_EQ(send_caps(ep, 2), 0);
    KTEST_EQ(server.ipc->recv_caps_count, 2);
    KTEST_EQ(AGORA_CAP_INFO_BADGED(sys_cap_info(r2)), 1);
    KTEST_OK(sys_signal(r2));
    KTEST_EQ(sys_poll(n), 0x40);
    KTEST_EQ(ktest_cap_rights(r3), ktest_cap_rights(n));
    /* Each received capability derives from the one sent: revoking n takes them all. */
    KTEST_OK(sys_cap_revoke(n));
    KTEST_EQ(sys_cap_info(r1), -E_NOCAP);
    KTEST_EQ(sys_cap_info(r2), -E_NOCAP);
    KTEST_EQ(sys_cap_info(r3), -E_NOCAP);
    KTEST_EQ(sys_cap_info(badged), -E_NOCAP);
    KTEST_EQ(ktest_cap_type(n), OBJ_NOTIFICATION);
    KTEST_EQ(server.out[0], 2);
    return true;
}

KTEST(ipc_cap_transfer_thread)
{
    uint64_t ep = ktest_new_endpoint(), n = ktest_new_notification();
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && n != CAP_NULL);
    KTEST_OK(start_server(ep, KTEST_THREAD_OWN_BUFFER, KTEST_PRIORITY));
    sys_yield();
    ok = cap_transfer_errors(ep, n) && cap_transfer_good(ep, n);
    ktest_ipc_clear();
    KTEST_CHECK(stop_server(ep));
    return ok;
}

/* ---- with ktest-child: across address spaces ---- */

static bool child_messages(uint64_t ep, uint64_t badged)
{
    struct agora_msg m = ktest_msg(CHILD_OP_BADGE, 1, 0, 0, 0, 0);

    KTEST_EQ(sys_call(badged, &m), 0);
    KTEST_EQ(m.mr[0], 0xc4);
    KTEST_EQ(m.mr[1], IPC_INFO(CHILD_OP_BADGE, 1, 0, 0));
    m = ktest_msg(CHILD_OP_BADGE, 0, 0, 0, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(m.mr[0], 0);
    KTEST_CHECK(echo_calls(ep, 100, 4));
    KTEST_CHECK(echo_calls(ep, 10, IPC_MAX_WORDS));
    KTEST_CHECK(long_messages(ep));
    m = ktest_msg(0x1234567, 0, 0, 0, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(m.info, IPC_INFO(CHILD_LABEL_UNKNOWN, 1, 0, 0));
    KTEST_EQ(m.mr[0], 0x1234567);
    KTEST_CHECK(refuse_bad_infos(ep));
    m = ktest_msg(CHILD_OP_EXIT, 0, 0, 0, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    return true;
}

KTEST(ipc_child_call_reply)
{
    uint64_t ep = ktest_new_endpoint(), badged, death = ktest_new_notification();
    struct agora_child child;
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && death != CAP_NULL);
    badged = ktest_copy_of(ep, RIGHT_WRITE | RIGHT_GRANT, 0xc4);
    KTEST_CHECK(badged != CAP_NULL);
    const struct agora_spawn_cap caps[] = { { ep, CHILD_CAP_EP, RIGHT_READ } };
    KTEST_OK(ktest_child_start(&child, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps, 1, 0));
    ok = sys_task_watch(child.task, death) == 0 && child_messages(ep, badged);
    /* CHILD_OP_EXIT: it returns from main and its task dies. */
    long died = ktest_wait(death, 2000000);
    ktest_ipc_clear();
    agora_child_release(&child);
    KTEST_CHECK(ok);
    KTEST_CHECK(died > 0);
    return true;
}

static long child_take(uint64_t ep, unsigned ncaps, bool mem, struct agora_msg *reply)
{
    *reply = (struct agora_msg){ IPC_INFO(CHILD_OP_TAKE, 0, ncaps, mem), 0, { 0, 0, 0, 0 } };
    return sys_call(ep, reply);
}

static long child_op(uint64_t ep, uint32_t op, uint64_t w0, uint64_t w1, uint64_t w2, struct agora_msg *reply)
{
    *reply = ktest_msg(op, 3, w0, w1, w2, 0);
    return sys_call(ep, reply);
}

static bool child_cap_transfer(uint64_t ep, uint64_t n)
{
    struct agora_ipc_buffer *b = ktest_ipc_clear();
    uint64_t badged = ktest_copy_of(n, RIGHTS_ALL, 0x8);
    struct agora_msg m;
    long info;

    KTEST_CHECK(badged != CAP_NULL);
    b->send_caps[0] = badged;
    b->send_cap_rights[0] = RIGHT_READ | RIGHT_WRITE;
    KTEST_EQ(child_take(ep, 1, false, &m), 0);
    KTEST_EQ(m.mr[0], 1);
    info = (long)m.mr[1];
    KTEST_CHECK(info >= 0);
    KTEST_EQ(AGORA_CAP_INFO_TYPE(info), OBJ_NOTIFICATION);
    KTEST_EQ(AGORA_CAP_INFO_RIGHTS(info), RIGHT_READ | RIGHT_WRITE);
    KTEST_EQ(AGORA_CAP_INFO_BADGED(info), 1);
    /* Its slot is now occupied. */
    KTEST_EQ(child_take(ep, 1, false, &m), -E_EXIST);
    /* Revoking what we sent takes the child's copy too. */
    KTEST_OK(sys_cap_revoke(badged));
    KTEST_EQ(child_op(ep, CHILD_OP_CAP_INFO, CHILD_RECV_SLOT, 0, 0, &m), 0);
    KTEST_EQ((long)m.mr[0], -E_NOCAP);
    /* The slot is free again: this one arrives, and the child can delete it. */
    KTEST_EQ(child_take(ep, 1, false, &m), 0);
    KTEST_EQ(child_op(ep, CHILD_OP_CAP_DELETE, CHILD_RECV_SLOT, 0, 0, &m), 0);
    KTEST_EQ(m.mr[0], 0);
    /* A receiver that accepts no capabilities. */
    KTEST_EQ(child_op(ep, CHILD_OP_SET_RECV, CHILD_WINDOW_VADDR, CHILD_WINDOW_PAGES, 0, &m), 0);
    KTEST_EQ(child_take(ep, 1, false, &m), -E_NOWINDOW);
    KTEST_EQ(ktest_cap_type(badged), OBJ_NOTIFICATION);
    return true;
}

KTEST(ipc_cap_transfer_child)
{
    uint64_t ep = ktest_new_endpoint(), n = ktest_new_notification();
    struct agora_child child;
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && n != CAP_NULL);
    const struct agora_spawn_cap caps[] = { { ep, CHILD_CAP_EP, RIGHT_READ } };
    KTEST_OK(ktest_child_start(&child, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps, 1, 0));
    ok = child_cap_transfer(ep, n);
    ktest_ipc_clear();
    agora_child_release(&child);
    return ok;
}

/* ---- notifications ---- */

KTEST(notify_signal_poll_wait)
{
    uint64_t n = ktest_new_notification(), b1, b2, b3;

    KTEST_CHECK(n != CAP_NULL);
    b1 = ktest_copy_of(n, RIGHT_WRITE, 0x1);
    b2 = ktest_copy_of(n, RIGHT_WRITE, 0x6);
    b3 = ktest_copy_of(n, RIGHT_WRITE, 1ull << 62);
    KTEST_CHECK(b1 != CAP_NULL && b2 != CAP_NULL && b3 != CAP_NULL);
    KTEST_EQ(sys_poll(n), -E_AGAIN);
    KTEST_OK(sys_signal(n));
    KTEST_EQ(sys_poll(n), 1);
    KTEST_EQ(sys_poll(n), -E_AGAIN);
    /* Badges OR together; a set word does not block sys_wait, which clears it. */
    KTEST_OK(sys_signal(b2));
    KTEST_OK(sys_signal(b1));
    KTEST_OK(sys_signal(b2));
    KTEST_OK(sys_signal(b3));
    KTEST_EQ(sys_wait(n), (long)(0x7 | 1ull << 62));
    KTEST_EQ(sys_poll(n), -E_AGAIN);
    return true;
}

static void signal_later_fn(ktest_thread_t *self)
{
    if (self->arg[1])
        sys_sleep(self->arg[1]);
    self->out[0] = sys_signal(self->arg[0]);
}

static void wait_fn(ktest_thread_t *self)
{
    self->out[0] = sys_wait(self->arg[0]);
}

KTEST(notify_wait_blocks)
{
    uint64_t n = ktest_new_notification(), badged;
    long t0, t1, w;

    KTEST_CHECK(n != CAP_NULL);
    badged = ktest_copy_of(n, RIGHT_WRITE, 0x20);
    KTEST_CHECK(badged != CAP_NULL);
    /* A thread of our priority signals after 20 ms: sys_wait blocks until then. */
    client = (ktest_thread_t){ .arg = { badged, 20000 } };
    /* Before the start: the thread may run (and begin its sleep) before we get here again. */
    t0 = sys_clock();
    KTEST_OK(ktest_thread_start(&client, signal_later_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY));
    w = sys_wait(n);
    t1 = sys_clock();
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_EQ(w, 0x20);
    KTEST_EQ(client.out[0], 0);
    KTEST_CHECK(t1 - t0 >= 19000);
    /* A lower one runs only because we block. */
    client = (ktest_thread_t){ .arg = { badged, 0 } };
    KTEST_OK(ktest_thread_start(&client, signal_later_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 50));
    KTEST_EQ(sys_wait(n), 0x20);
    KTEST_CHECK(ktest_thread_join(&client));
    /* The other way round: a waiting thread is woken by our signal, with the word. */
    client = (ktest_thread_t){ .arg = { n } };
    KTEST_OK(ktest_thread_start(&client, wait_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 50));
    let_others_block();
    KTEST_EQ(client.out[0], 0);
    KTEST_OK(sys_signal(badged));
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_EQ(client.out[0], 0x20);
    KTEST_EQ(sys_poll(n), -E_AGAIN);
    return true;
}

KTEST(notify_rights_and_types)
{
    uint64_t n = ktest_new_notification(), ep = ktest_new_endpoint(), r, w;

    KTEST_CHECK(n != CAP_NULL && ep != CAP_NULL);
    r = ktest_copy_of(n, RIGHT_READ, 0);
    w = ktest_copy_of(n, RIGHT_WRITE, 0);
    KTEST_CHECK(r != CAP_NULL && w != CAP_NULL);
    KTEST_EQ(sys_signal(r), -E_PERM);
    KTEST_EQ(sys_wait(w), -E_PERM);
    KTEST_EQ(sys_poll(w), -E_PERM);
    KTEST_EQ(sys_signal(ep), -E_TYPE);
    KTEST_EQ(sys_wait(ep), -E_TYPE);
    KTEST_EQ(sys_wait(CAP_SELF_THREAD), -E_TYPE);
    KTEST_EQ(sys_signal(ktest_slot()), -E_NOCAP);
    KTEST_EQ(sys_wait(ktest_slot()), -E_NOCAP);
    KTEST_EQ(sys_wait(CAP_NULL), -E_NOCAP);
    KTEST_EQ(sys_notify_create(CAP_SELF_TASK, ktest_slot()), -E_TYPE);
    /* Nothing was signalled by all that. */
    KTEST_EQ(sys_poll(n), -E_AGAIN);
    return true;
}

/* A waiter outlives the capability it waited through, but not the notification. */
KTEST(notify_destroyed_wakes_waiter)
{
    uint64_t n = ktest_new_notification(), c;

    KTEST_CHECK(n != CAP_NULL);
    c = ktest_copy_of(n, RIGHTS_ALL, 0);
    KTEST_CHECK(c != CAP_NULL);
    client = (ktest_thread_t){ .arg = { c } };
    KTEST_OK(ktest_thread_start(&client, wait_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 50));
    let_others_block();
    KTEST_OK(sys_cap_delete(c));
    let_others_block();
    KTEST_EQ(client.out[0], 0);                 /* still waiting: n keeps the object */
    KTEST_OK(sys_cap_delete(n));
    KTEST_CHECK(ktest_thread_join(&client));
    KTEST_EQ(client.out[0], -E_NOCAP);
    return true;
}
