/* names-test: the name server from a client's side, good requests and bad; reports and halts the machine. */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/names.h>
#include <libagora/names.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "svc.h"

static uint64_t my_badge;      /* init badges our names capability with module index + 1 */
static uint64_t my_ep;         /* an endpoint of ours to register (nobody receives on it) */
static bool check_ok;

static void check_eq(const char *a, const char *b, long va, long vb, int line)
{
    if (va == vb)
        return;
    agora_printf("    check failed: %s == %s (line %d): got %ld (%s), want %ld (%s)\n", a, b, line, va,
                 va < 0 ? agora_error_name(va) : "", vb, vb < 0 ? agora_error_name(vb) : "");
    check_ok = false;
}
#define CHECK_EQ(a, b) check_eq(#a, #b, (long)(a), (long)(b), __LINE__)
#define CHECK(c) CHECK_EQ(!!(c), 1)

/* ---- helpers ---- */

/* Sends any message to names: label, words[0..nwords), caps; returns the call's error or the reply's status. */
static long raw_call(uint32_t label, const void *words, unsigned nwords, unsigned nsend, const uint64_t *send,
                     const uint64_t *rights, uint64_t recv_slot)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct agora_msg m;
    long r;

    for (unsigned i = 0; i < IPC_MAX_CAPS; i++) {
        b->send_caps[i] = i < nsend ? send[i] : 0;
        b->send_cap_rights[i] = i < nsend ? rights[i] : 0;
        b->recv_cap_slots[i] = i == 0 ? recv_slot : 0;
    }
    proto_pack(&m, b, label, words, nwords * 8, nsend);
    r = sys_call(CAP_NAMES, &m);
    return r < 0 ? r : PROTO_LABEL_STATUS(IPC_LABEL(m.info));
}

static long new_endpoint(void)
{
    long s = agora_slot_alloc();

    if (s < 0 || sys_endpoint_create(CAP_CHILD_POOL, (uint64_t)s) < 0)
        return -1;
    return s;
}

static void drop(uint64_t slot)
{
    sys_cap_delete(slot);
    agora_slot_free(slot);
}

/* Calls the echo service through slot; its reply's mr0 (x + 1) and the badge it saw. */
static long echo(uint64_t slot, uint64_t x, uint64_t *badge)
{
    struct agora_msg m = { IPC_INFO(SVC_LABEL_ECHO, 1, 0, 0), 0, { x, 0, 0, 0 } };
    long r = sys_call(slot, &m);

    if (r < 0)
        return r;
    if (badge)
        *badge = m.mr[1];
    return (long)m.mr[0];
}

/* Looks name up, retrying for up to two seconds while it is not (yet) there. */
static long lookup_wait(const char *name, uint64_t *slot)
{
    long r = -E_NOCAP;

    for (int i = 0; i < 200 && r == -E_NOCAP; i++) {
        r = names_lookup(name, slot);
        if (r == -E_NOCAP)
            sys_sleep(10000);
    }
    return r;
}

/* ---- tests ---- */

static bool test_caps_from_init(void)
{
    long info = sys_cap_info(CAP_NAMES);

    CHECK_EQ(AGORA_CAP_INFO_TYPE(info), OBJ_ENDPOINT);
    CHECK_EQ(AGORA_CAP_INFO_RIGHTS(info), RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY);
    CHECK_EQ(AGORA_CAP_INFO_BADGED(info), 1);
    CHECK_EQ(AGORA_CAP_INFO_TYPE(sys_cap_info(CAP_CHILD_POOL)), OBJ_POOL);
    CHECK_EQ(AGORA_CAP_INFO_TYPE(sys_cap_info(CAP_CHILD_MACHINE)), OBJ_MACHINE);
    return check_ok;
}

static bool test_lookup_and_call(void)
{
    uint64_t s = 0, badge = 0;
    long info;

    CHECK_EQ(lookup_wait(SVC_NAME, &s), 0);
    if (!check_ok)
        return false;
    info = sys_cap_info(s);
    CHECK_EQ(AGORA_CAP_INFO_TYPE(info), OBJ_ENDPOINT);
    CHECK_EQ(AGORA_CAP_INFO_RIGHTS(info), NAMES_CLIENT_RIGHTS);   /* never the receive right */
    CHECK_EQ(AGORA_CAP_INFO_BADGED(info), 1);
    CHECK_EQ(echo(s, 41, &badge), 42);
    CHECK_EQ(badge, my_badge);          /* the service sees who we are, as init named us */
    drop(s);
    return check_ok;
}

static bool test_register_duplicate(void)
{
    uint64_t s = 0;

    CHECK_EQ(names_register("test.a", my_ep), 0);
    CHECK_EQ(names_register("test.a", my_ep), -E_EXIST);
    CHECK_EQ(names_register(SVC_NAME, my_ep), -E_EXIST);
    CHECK_EQ(names_lookup("test.a", &s), 0);
    CHECK_EQ(AGORA_CAP_INFO_TYPE(sys_cap_info(s)), OBJ_ENDPOINT);
    drop(s);
    CHECK_EQ(names_unregister("test.a"), 0);
    return check_ok;
}

static bool test_lookup_unknown(void)
{
    uint64_t s = 12345;

    CHECK_EQ(names_lookup("no.such.name", &s), -E_NOCAP);
    CHECK_EQ(s, 12345);
    CHECK_EQ(names_lookup("test", &s), -E_NOCAP);      /* a prefix is not a match */
    CHECK_EQ(names_lookup("echo2", &s), -E_NOCAP);
    return check_ok;
}

static bool test_bad_strings(void)
{
    struct names_lookup_req rq;
    char longest[NAMES_NAME_MAX], too_long[NAMES_NAME_MAX + 1];
    uint64_t s = 0;

    memset(longest, 'x', sizeof(longest) - 1);
    longest[sizeof(longest) - 1] = 0;
    memset(too_long, 'y', sizeof(too_long) - 1);
    too_long[sizeof(too_long) - 1] = 0;
    /* The longest name works. */
    CHECK_EQ(names_register(longest, my_ep), 0);
    CHECK_EQ(names_lookup(longest, &s), 0);
    drop(s);
    CHECK_EQ(names_unregister(longest), 0);
    /* The library refuses before sending. */
    CHECK_EQ(names_register(too_long, my_ep), -E_RANGE);
    CHECK_EQ(names_lookup("", &s), -E_INVAL);
    /* The server refuses what the library would not build. */
    memset(&rq, 0, sizeof(rq));
    memset(rq.name.bytes, 'z', sizeof(rq.name.bytes));
    rq.name.len = NAMES_NAME_MAX;                        /* no room for the NUL */
    CHECK_EQ(raw_call(NAMES_LOOKUP, &rq, sizeof(rq) / 8, 0, 0, 0, 0), -E_RANGE);
    rq.name.len = ~0ull;
    CHECK_EQ(raw_call(NAMES_LOOKUP, &rq, sizeof(rq) / 8, 0, 0, 0, 0), -E_RANGE);
    rq.name.len = 4;                                     /* bytes[4] is 'z': unterminated */
    CHECK_EQ(raw_call(NAMES_LOOKUP, &rq, sizeof(rq) / 8, 0, 0, 0, 0), -E_INVAL);
    CHECK_EQ(raw_call(NAMES_UNREGISTER, &rq, sizeof(rq) / 8, 0, 0, 0, 0), -E_INVAL);
    memcpy(rq.name.bytes, "ec\0o", 5);                   /* a NUL inside */
    CHECK_EQ(raw_call(NAMES_LOOKUP, &rq, sizeof(rq) / 8, 0, 0, 0, 0), -E_INVAL);
    memset(&rq, 0, sizeof(rq));                          /* empty */
    CHECK_EQ(raw_call(NAMES_LOOKUP, &rq, sizeof(rq) / 8, 0, 0, 0, 0), -E_INVAL);
    /* The same through REGISTER, with good capabilities. */
    uint64_t caps[2] = { my_ep, CAP_SELF_TASK }, rights[2] = { NAMES_CLIENT_RIGHTS, 0 };
    rq.name.len = 3;
    memcpy(rq.name.bytes, "abcd", 4);
    CHECK_EQ(raw_call(NAMES_REGISTER, &rq, sizeof(rq) / 8, 2, caps, rights, 0), -E_INVAL);
    rq.name.len = 100;
    CHECK_EQ(raw_call(NAMES_REGISTER, &rq, sizeof(rq) / 8, 2, caps, rights, 0), -E_RANGE);
    CHECK_EQ(names_lookup("abc", &s), -E_NOCAP);
    return check_ok;
}

static bool test_wrong_label(void)
{
    struct names_lookup_req rq;

    memset(&rq, 0, sizeof(rq));
    PROTO_STR_SET(rq.name, SVC_NAME);
    CHECK_EQ(raw_call(0, &rq, sizeof(rq) / 8, 0, 0, 0, 0), -E_NOSYS);
    CHECK_EQ(raw_call(PROTO_LABEL(PROTO_ID_NAMES, 999), &rq, sizeof(rq) / 8, 0, 0, 0, 0), -E_NOSYS);
    CHECK_EQ(raw_call(PROTO_LABEL(PROTO_ID_NAMES + 1, 2), &rq, sizeof(rq) / 8, 0, 0, 0, 0), -E_NOSYS);
    CHECK_EQ(raw_call(0xFFFF0001u, &rq, sizeof(rq) / 8, 0, 0, 0, 0), -E_NOSYS);   /* a fault's label */
    return check_ok;
}

static bool test_wrong_sizes(void)
{
    uint64_t words[IPC_MAX_WORDS], s = 0;
    struct names_lookup_req rq;
    unsigned n = sizeof(rq) / 8;

    memset(&rq, 0, sizeof(rq));
    PROTO_STR_SET(rq.name, SVC_NAME);
    memset(words, 0, sizeof(words));
    memcpy(words, &rq, sizeof(rq));
    CHECK_EQ(raw_call(NAMES_LOOKUP, words, 0, 0, 0, 0, 0), -E_RANGE);
    CHECK_EQ(raw_call(NAMES_LOOKUP, words, 3, 0, 0, 0, 0), -E_RANGE);
    CHECK_EQ(raw_call(NAMES_LOOKUP, words, n - 1, 0, 0, 0, 0), -E_RANGE);
    CHECK_EQ(raw_call(NAMES_LOOKUP, words, n + 1, 0, 0, 0, 0), -E_RANGE);
    CHECK_EQ(raw_call(NAMES_LOOKUP, words, IPC_MAX_WORDS, 0, 0, 0, 0), -E_RANGE);
    CHECK_EQ(raw_call(NAMES_LIST, words, 0, 0, 0, 0, 0), -E_RANGE);
    CHECK_EQ(raw_call(NAMES_LIST, words, 2, 0, 0, 0, 0), -E_RANGE);
    /* The right size with a receive slot: the endpoint comes back. */
    s = (uint64_t)agora_slot_alloc();
    CHECK_EQ(raw_call(NAMES_LOOKUP, words, n, 0, 0, 0, s), 0);
    CHECK_EQ(AGORA_CAP_INFO_TYPE(sys_cap_info(s)), OBJ_ENDPOINT);
    drop(s);
    /* Without one, the reply cannot be delivered: our call fails, names goes on. */
    CHECK_EQ(raw_call(NAMES_LOOKUP, words, n, 0, 0, 0, 0), -E_NOWINDOW);
    CHECK_EQ(names_lookup(SVC_NAME, &s), 0);
    drop(s);
    return check_ok;
}

static bool test_bad_caps(void)
{
    struct names_register_req rq;
    long full = new_endpoint();
    uint64_t caps[3], rights[3], s = 0;
    unsigned n = sizeof(rq) / 8;

    CHECK(full > 0);
    memset(&rq, 0, sizeof(rq));
    PROTO_STR_SET(rq.name, "caps.test");
    caps[0] = my_ep, caps[1] = CAP_SELF_TASK, caps[2] = my_ep;
    rights[0] = NAMES_CLIENT_RIGHTS, rights[1] = 0, rights[2] = NAMES_CLIENT_RIGHTS;
    CHECK_EQ(raw_call(NAMES_REGISTER, &rq, n, 0, caps, rights, 0), -E_RANGE);
    CHECK_EQ(raw_call(NAMES_REGISTER, &rq, n, 1, caps, rights, 0), -E_RANGE);
    CHECK_EQ(raw_call(NAMES_REGISTER, &rq, n, 3, caps, rights, 0), -E_NOWINDOW);  /* the kernel: no slot */
    /* Wrong types: task first, endpoint second; or two endpoints. */
    caps[0] = CAP_SELF_TASK, caps[1] = my_ep, rights[0] = 0, rights[1] = NAMES_CLIENT_RIGHTS;
    CHECK_EQ(raw_call(NAMES_REGISTER, &rq, n, 2, caps, rights, 0), -E_TYPE);
    caps[0] = my_ep, caps[1] = my_ep, rights[0] = NAMES_CLIENT_RIGHTS;
    CHECK_EQ(raw_call(NAMES_REGISTER, &rq, n, 2, caps, rights, 0), -E_TYPE);
    /* Wrong rights: without copy, without write, with read (a spare endpoint: names would own it). */
    caps[1] = CAP_SELF_TASK, rights[1] = 0;
    rights[0] = RIGHT_WRITE | RIGHT_GRANT;
    CHECK_EQ(raw_call(NAMES_REGISTER, &rq, n, 2, caps, rights, 0), -E_PERM);
    rights[0] = RIGHT_COPY | RIGHT_GRANT;
    CHECK_EQ(raw_call(NAMES_REGISTER, &rq, n, 2, caps, rights, 0), -E_PERM);
    caps[0] = (uint64_t)full, rights[0] = RIGHTS_ALL;
    CHECK_EQ(raw_call(NAMES_REGISTER, &rq, n, 2, caps, rights, 0), -E_PERM);
    CHECK_EQ(names_lookup("caps.test", &s), -E_NOCAP);
    /* Capabilities where none are taken. */
    struct names_lookup_req lq;
    memset(&lq, 0, sizeof(lq));
    PROTO_STR_SET(lq.name, SVC_NAME);
    caps[0] = my_ep, rights[0] = NAMES_CLIENT_RIGHTS;
    s = (uint64_t)agora_slot_alloc();
    CHECK_EQ(raw_call(NAMES_LOOKUP, &lq, sizeof(lq) / 8, 1, caps, rights, s), -E_RANGE);
    CHECK_EQ(sys_cap_info(s), -E_NOCAP);
    agora_slot_free(s);
    /* names still serves. */
    CHECK_EQ(names_lookup(SVC_NAME, &s), 0);
    drop(s);
    drop((uint64_t)full);
    return check_ok;
}

static bool test_unregister(void)
{
    uint64_t s = 0;

    CHECK_EQ(names_unregister(SVC_NAME), -E_PERM);       /* not ours */
    CHECK_EQ(names_lookup(SVC_NAME, &s), 0);
    drop(s);
    CHECK_EQ(names_register("test.b", my_ep), 0);
    CHECK_EQ(names_unregister("test.b"), 0);
    CHECK_EQ(names_lookup("test.b", &s), -E_NOCAP);
    CHECK_EQ(names_unregister("test.b"), -E_NOCAP);
    CHECK_EQ(names_unregister("no.such.name"), -E_NOCAP);
    CHECK_EQ(names_register("test.b", my_ep), 0);       /* the name is free again */
    CHECK_EQ(names_unregister("test.b"), 0);
    return check_ok;
}

#define LIST_NAMES 10

static bool test_list_pages(void)
{
    struct names_list_rep rep;
    unsigned seen[LIST_NAMES] = { 0 }, echo_seen = 0, collected = 0;
    uint64_t start = 0, total = 0;
    char name[16];

    for (unsigned i = 0; i < LIST_NAMES; i++) {
        agora_snprintf(name, sizeof(name), "list.%u", i);
        CHECK_EQ(names_register(name, my_ep), 0);
    }
    for (int pages = 0; pages < 10; pages++) {
        CHECK_EQ(names_list(start, &rep), 0);
        if (!check_ok || rep.count == 0)
            break;
        CHECK(rep.count <= NAMES_LIST_PAGE);
        total = rep.total;
        for (uint64_t i = 0; i < rep.count && i < NAMES_LIST_PAGE; i++) {
            const char *n = rep.names[i].bytes;
            CHECK_EQ(proto_str_check(rep.names[i].len, n, sizeof(rep.names[i].bytes)), 0);
            if (strncmp(n, "list.", 5) == 0 && n[5] >= '0' && n[5] <= '9' && n[6] == 0)
                seen[n[5] - '0']++;
            if (strcmp(n, SVC_NAME) == 0)
                echo_seen++;
            collected++;
        }
        start += rep.count;
    }
    CHECK_EQ(total, LIST_NAMES + 1);                     /* ours and echo */
    CHECK_EQ(collected, total);
    CHECK_EQ(echo_seen, 1);
    for (unsigned i = 0; i < LIST_NAMES; i++)
        CHECK_EQ(seen[i], 1);
    CHECK_EQ(names_list(total, &rep), 0);
    CHECK_EQ(rep.count, 0);
    CHECK_EQ(names_list(~0ull, &rep), 0);
    CHECK_EQ(rep.count, 0);
    CHECK_EQ(rep.total, total);
    for (unsigned i = 0; i < LIST_NAMES; i++) {
        agora_snprintf(name, sizeof(name), "list.%u", i);
        CHECK_EQ(names_unregister(name), 0);
    }
    CHECK_EQ(names_list(0, &rep), 0);
    CHECK_EQ(rep.total, 1);
    return check_ok;
}

/* Fills the registry to its limit twice: a full registry refuses, and frees come back. */
static bool test_registry_full(void)
{
    char name[16];
    int n[2] = { 0, 0 };
    long r = 0;

    for (int round = 0; round < 2; round++) {
        for (n[round] = 0; n[round] < 1000; n[round]++) {
            agora_snprintf(name, sizeof(name), "fill.%d", n[round]);
            if ((r = names_register(name, my_ep)) < 0)
                break;
        }
        CHECK_EQ(r, -E_NOMEM);
        for (int i = 0; i < n[round]; i++) {
            agora_snprintf(name, sizeof(name), "fill.%d", i);
            CHECK_EQ(names_unregister(name), 0);
        }
    }
    CHECK(n[0] >= 32);
    CHECK_EQ(n[0], n[1]);
    agora_printf("names-test: the registry took %d names besides echo\n", n[0]);
    return check_ok;
}

static bool test_dead_service(void)
{
    struct agora_msg m = { IPC_INFO(SVC_LABEL_EXIT, 0, 0, 0), 0, { 0, 0, 0, 0 } };
    uint64_t s = 0, s2 = 0;

    CHECK_EQ(names_lookup(SVC_NAME, &s), 0);
    CHECK_EQ(echo(s, 1, 0), 2);
    CHECK_EQ(sys_call(s, &m), 0);                        /* it replies, then exits */
    CHECK_EQ(echo(s, 1, 0), -E_DEAD);                    /* our old copy names a closed endpoint */
    CHECK_EQ(names_lookup(SVC_NAME, &s2), -E_NOCAP);     /* and names hands out no new one */
    CHECK_EQ(names_unregister(SVC_NAME), -E_NOCAP);
    /* The name is free for a new service (as a restarted driver would). */
    CHECK_EQ(names_register(SVC_NAME, my_ep), 0);
    CHECK_EQ(names_lookup(SVC_NAME, &s2), 0);
    drop(s2);
    CHECK_EQ(names_unregister(SVC_NAME), 0);
    drop(s);
    return check_ok;
}

static const struct {
    const char *name;
    bool (*run)(void);
} tests[] = {
    { "caps_from_init", test_caps_from_init },
    { "lookup_and_call", test_lookup_and_call },
    { "register_duplicate", test_register_duplicate },
    { "lookup_unknown", test_lookup_unknown },
    { "bad_strings", test_bad_strings },
    { "wrong_label", test_wrong_label },
    { "wrong_sizes", test_wrong_sizes },
    { "bad_caps", test_bad_caps },
    { "unregister", test_unregister },
    { "list_pages", test_list_pages },
    { "registry_full", test_registry_full },
    { "dead_service", test_dead_service },     /* last: it ends the service */
};

int main(uint64_t arg)
{
    int ntests = (int)(sizeof(tests) / sizeof(tests[0])), passed = 0, failed = 0, ran = 0;
    long r;

    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    my_badge = arg + 1;
    agora_printf("names-test: running %d tests (module %lu)\n", ntests, (unsigned long)arg);
    r = new_endpoint();
    my_ep = r > 0 ? (uint64_t)r : 0;
    for (int i = 0; i < ntests; i++) {
        check_ok = my_ep != 0;
        bool ok = tests[i].run();

        ran++;
        agora_printf("names-test %s: %s\n", tests[i].name, ok ? "ok" : "FAIL");
        if (ok)
            passed++;
        else
            failed++;
    }
    if (ran != ntests || ntests == 0) {
        agora_printf("names-test: ran %d of %d tests\n", ran, ntests);
        failed++;
    }
    agora_printf("names-test: %d passed, %d failed\n", passed, failed);
    agora_flush();
    r = sys_machine_halt(CAP_CHILD_MACHINE, failed ? 1 : 0);
    agora_printf("names-test: SYS_MACHINE_HALT returned %s: FAIL\n", agora_error_name(r));
    return 1;
}
