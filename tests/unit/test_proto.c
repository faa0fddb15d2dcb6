/* Unit tests for the protocol framework: lib/libagora/proto.c packing and strings, and a derived dispatch table. */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "agora/errors.h"
#include "agora/proto/names.h"
#include "libagora/proto.h"
#include "suites.h"

/* A test protocol built with the same macros as the real ones: three messages, one retired. */
#define TP_MSG_LIST(X, F)                                                                   \
    X(TP_EMPTY,   tp_empty,   1, (), ())                                                    \
    X(TP_OLD,     tp_old,     2, (PROTO_OBSOLETE(F)), ())                                   \
    X(TP_BIG,     tp_big,     3, (F(uint64_t, a) F(PROTO_STR(40), s) F(uint64_t, tail[50])), \
      (F(uint64_t, sum) F(uint32_t, lo) F(uint32_t, hi)))

enum tp_msg {
#define TP_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(0x7ff, num),
    TP_MSG_LIST(TP_MSG_ENUM, PROTO_FIELD_DECL)
#undef TP_MSG_ENUM
};
PROTO_STRUCTS(TP_MSG_LIST)
PROTO_HANDLERS(TP_MSG_LIST, tp_handlers);
PROTO_DISPATCH(TP_MSG_LIST, tp_handlers, tp_dispatch)

_Static_assert(sizeof(struct tp_big_req) == 8 + 48 + 400, "fields packed in order, no padding");
_Static_assert(sizeof(struct names_list_rep) <= PROTO_MAX_BYTES, "a LIST page fits");

/* ---- packing ---- */

static void fill(uint64_t *w, unsigned n, uint64_t seed)
{
    for (unsigned i = 0; i < n; i++)
        w[i] = seed * 1000 + i;
}

static void test_pack_layout(void)
{
    struct agora_ipc_buffer b;
    struct agora_msg m;
    uint64_t body[IPC_MAX_WORDS];

    memset(&b, 0xaa, sizeof(b));
    fill(body, IPC_MAX_WORDS, 7);
    for (unsigned n = 0; n <= IPC_MAX_WORDS; n++) {
        memset(&m, 0xbb, sizeof(m));
        proto_pack(&m, &b, 0x12345, body, n * 8, n % 5);
        CU_ASSERT_EQUAL(IPC_LABEL(m.info), 0x12345);
        CU_ASSERT_EQUAL(IPC_WORDS(m.info), n);
        CU_ASSERT_EQUAL(IPC_CAPS(m.info), n % 5 & 7);
        CU_ASSERT_EQUAL(IPC_HAS_MEM(m.info), 0);
        CU_ASSERT_EQUAL(m.badge, 0);
        /* Words 0-3 in the registers, zero past the message; the rest in the buffer. */
        for (unsigned i = 0; i < IPC_REG_WORDS; i++)
            CU_ASSERT_EQUAL(m.mr[i], i < n ? body[i] : 0);
        for (unsigned i = IPC_REG_WORDS; i < n; i++)
            CU_ASSERT_EQUAL(b.mr[i], body[i]);
    }
    /* Nothing beyond the message is written. */
    memset(&b, 0xaa, sizeof(b));
    proto_pack(&m, &b, 1, body, 6 * 8, 0);
    CU_ASSERT_EQUAL(b.mr[6], 0xaaaaaaaaaaaaaaaaull);
    CU_ASSERT_EQUAL(b.mr[0], 0xaaaaaaaaaaaaaaaaull);    /* register words stay out of the buffer */
}

static void test_unpack_round_trip(void)
{
    struct agora_ipc_buffer b;
    struct agora_msg m;
    struct tp_big_req in, out;
    uint64_t any[IPC_MAX_WORDS];

    memset(&in, 0, sizeof(in));
    in.a = 0x1122334455667788ull;
    CU_ASSERT_EQUAL(PROTO_STR_SET(in.s, "hello"), 0);
    for (unsigned i = 0; i < 50; i++)
        in.tail[i] = ~(uint64_t)i;
    proto_pack(&m, &b, TP_BIG, &in, sizeof(in), 0);
    memset(&out, 0, sizeof(out));
    CU_ASSERT_EQUAL(proto_unpack(&m, &b, &out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(memcmp(&in, &out, sizeof(in)), 0);
    CU_ASSERT_EQUAL(proto_unpack_any(&m, &b, any), sizeof(in));
    CU_ASSERT_EQUAL(memcmp(&in, any, sizeof(in)), 0);
    /* Another size is refused and leaves the body alone. */
    memset(&out, 0x5a, sizeof(out));
    CU_ASSERT_EQUAL(proto_unpack(&m, &b, &out, sizeof(out) - 8), -E_RANGE);
    CU_ASSERT_EQUAL(proto_unpack(&m, &b, &out, 8), -E_RANGE);
    CU_ASSERT_EQUAL(proto_unpack(&m, &b, &out, sizeof(out) + 4), -E_RANGE);
    CU_ASSERT_EQUAL(out.a, 0x5a5a5a5a5a5a5a5aull);
    /* A forged word count beyond the buffer is clamped, never followed. */
    m.info = IPC_INFO(1, 127, 0, 0);
    CU_ASSERT_EQUAL(proto_unpack_any(&m, &b, any), IPC_MAX_WORDS * 8);
    CU_ASSERT_EQUAL(proto_unpack(&m, &b, &out, sizeof(out)), -E_RANGE);
}

static void test_reply_pack(void)
{
    struct agora_ipc_buffer b;
    struct agora_msg m;
    struct tp_big_rep rep = { 5, 6, 7 };

    proto_reply_pack(&m, &b, 0, &rep, sizeof(rep), 1);
    CU_ASSERT_EQUAL(PROTO_LABEL_STATUS(IPC_LABEL(m.info)), 0);
    CU_ASSERT_EQUAL(IPC_WORDS(m.info), 2);
    CU_ASSERT_EQUAL(IPC_CAPS(m.info), 1);
    CU_ASSERT_EQUAL(m.mr[0], 5);
    CU_ASSERT_EQUAL(m.mr[1], 6 | (7ull << 32));
    /* An error is the status alone: no words, no capabilities. */
    proto_reply_pack(&m, &b, -E_PERM, &rep, sizeof(rep), 1);
    CU_ASSERT_EQUAL(PROTO_LABEL_STATUS(IPC_LABEL(m.info)), -E_PERM);
    CU_ASSERT_EQUAL(IPC_WORDS(m.info), 0);
    CU_ASSERT_EQUAL(IPC_CAPS(m.info), 0);
    CU_ASSERT_EQUAL(m.mr[0], 0);
    for (long e = 1; e < AGORA_ERROR_COUNT; e++)
        CU_ASSERT_EQUAL(PROTO_LABEL_STATUS(PROTO_STATUS_LABEL(-e)), -e);
}

static void test_labels(void)
{
    CU_ASSERT_EQUAL(NAMES_REGISTER, 0x10001);
    CU_ASSERT_EQUAL(NAMES_LIST, 0x10004);
    CU_ASSERT_EQUAL(PROTO_LABEL_ID(NAMES_LOOKUP), PROTO_ID_NAMES);
    CU_ASSERT_EQUAL(PROTO_LABEL_ID(TP_BIG), 0x7ff);
    /* Never a kernel label, never a status. */
    CU_ASSERT(NAMES_LOOKUP < IPC_LABEL_PAGE_FAULT);
    CU_ASSERT(PROTO_LABEL_STATUS(NAMES_LOOKUP) > 0);
}

/* ---- bounded strings ---- */

static void test_str_check(void)
{
    char buf[8];

    memcpy(buf, "abc\0zzzz", 8);
    CU_ASSERT_EQUAL(proto_str_check(3, buf, 8), 0);
    CU_ASSERT_EQUAL(proto_str_check(2, buf, 8), -E_INVAL);     /* bytes[2] is not NUL */
    CU_ASSERT_EQUAL(proto_str_check(4, buf, 8), -E_INVAL);     /* NUL inside */
    CU_ASSERT_EQUAL(proto_str_check(0, buf, 8), -E_INVAL);     /* empty */
    CU_ASSERT_EQUAL(proto_str_check(8, buf, 8), -E_RANGE);     /* no room for the NUL */
    CU_ASSERT_EQUAL(proto_str_check(~0ull, buf, 8), -E_RANGE);
    memcpy(buf, "abcdefg\0", 8);
    CU_ASSERT_EQUAL(proto_str_check(7, buf, 8), 0);            /* the longest */
    memcpy(buf, "abcdefgh", 8);
    CU_ASSERT_EQUAL(proto_str_check(7, buf, 8), -E_INVAL);     /* unterminated */
    buf[0] = 0;
    CU_ASSERT_EQUAL(proto_str_check(0, buf, 8), -E_INVAL);
}

static void test_str_set(void)
{
    names_name_t n;
    char longest[NAMES_NAME_MAX + 1];

    memset(&n, 0x77, sizeof(n));
    CU_ASSERT_EQUAL(PROTO_STR_SET(n, "vfs"), 0);
    CU_ASSERT_EQUAL(n.len, 3);
    CU_ASSERT_STRING_EQUAL(n.bytes, "vfs");
    for (unsigned i = 3; i < sizeof(n.bytes); i++)
        CU_ASSERT_EQUAL(n.bytes[i], 0);                      /* padded: no stale bytes leave */
    CU_ASSERT_EQUAL(PROTO_STR_CHECK(n), 0);
    memset(longest, 'q', sizeof(longest));
    longest[NAMES_NAME_MAX - 1] = 0;
    CU_ASSERT_EQUAL(PROTO_STR_SET(n, longest), 0);
    CU_ASSERT_EQUAL(n.len, NAMES_NAME_MAX - 1);
    CU_ASSERT_EQUAL(PROTO_STR_CHECK(n), 0);
    longest[NAMES_NAME_MAX - 1] = 'q';
    longest[NAMES_NAME_MAX] = 0;
    CU_ASSERT_EQUAL(PROTO_STR_SET(n, longest), -E_RANGE);
    CU_ASSERT_EQUAL(n.len, NAMES_NAME_MAX - 1);             /* unchanged on failure */
    CU_ASSERT_EQUAL(PROTO_STR_SET(n, ""), -E_INVAL);
}

/* ---- the derived dispatch ---- */

static unsigned big_calls;
static void *seen_ctx;

static long tp_big_handler(void *ctx, const struct tp_big_req *rq, struct tp_big_rep *rp)
{
    big_calls++;
    seen_ctx = ctx;
    if (PROTO_STR_CHECK(rq->s) < 0)
        return PROTO_STR_CHECK(rq->s);
    rp->sum = rq->a + rq->tail[49];
    rp->lo = 1;
    rp->hi = 2;
    return 0;
}

static long tp_empty_handler(void *ctx, const struct tp_empty_req *rq, struct tp_empty_rep *rp)
{
    (void)ctx, (void)rq, (void)rp;
    return -E_BUSY;
}

static void test_dispatch(void)
{
    static const struct tp_handlers h = { .tp_big = tp_big_handler, .tp_empty = tp_empty_handler };
    uint64_t req[IPC_MAX_WORDS], rep[IPC_MAX_WORDS];
    struct tp_big_req *big = (struct tp_big_req *)req;
    uint64_t rep_bytes = 99;
    int ctx;

    memset(req, 0, sizeof(req));
    memset(rep, 0, sizeof(rep));
    big->a = 40;
    big->tail[49] = 2;
    PROTO_STR_SET(big->s, "x");
    CU_ASSERT_EQUAL(tp_dispatch(&h, &ctx, TP_BIG, req, sizeof(*big), rep, &rep_bytes), 0);
    CU_ASSERT_EQUAL(rep_bytes, sizeof(struct tp_big_rep));
    CU_ASSERT_EQUAL(((struct tp_big_rep *)rep)->sum, 42);
    CU_ASSERT_PTR_EQUAL(seen_ctx, &ctx);
    /* The handler sees only well-sized requests under its own label. */
    CU_ASSERT_EQUAL(tp_dispatch(&h, &ctx, TP_BIG, req, sizeof(*big) - 8, rep, &rep_bytes), -E_RANGE);
    CU_ASSERT_EQUAL(tp_dispatch(&h, &ctx, TP_BIG, req, 0, rep, &rep_bytes), -E_RANGE);
    CU_ASSERT_EQUAL(big_calls, 1);
    big->s.len = 40;
    CU_ASSERT_EQUAL(tp_dispatch(&h, &ctx, TP_BIG, req, sizeof(*big), rep, &rep_bytes), -E_RANGE);
    CU_ASSERT_EQUAL(big_calls, 2);
    CU_ASSERT_EQUAL(tp_dispatch(&h, &ctx, TP_EMPTY, req, 0, rep, &rep_bytes), -E_BUSY);
    CU_ASSERT_EQUAL(tp_dispatch(&h, &ctx, TP_EMPTY, req, 8, rep, &rep_bytes), -E_RANGE);
    /* A message without a handler (the retired one), another protocol's, a kernel label. */
    CU_ASSERT_EQUAL(tp_dispatch(&h, &ctx, TP_OLD, req, 8, rep, &rep_bytes), -E_NOSYS);
    CU_ASSERT_EQUAL(tp_dispatch(&h, &ctx, NAMES_LOOKUP, req, 0, rep, &rep_bytes), -E_NOSYS);
    CU_ASSERT_EQUAL(tp_dispatch(&h, &ctx, IPC_LABEL_PAGE_FAULT, req, 32, rep, &rep_bytes), -E_NOSYS);
    CU_ASSERT_EQUAL(tp_dispatch(&h, &ctx, PROTO_LABEL(0x7ff, 4), req, 0, rep, &rep_bytes), -E_NOSYS);
    CU_ASSERT_EQUAL(rep_bytes, 0);
}

static CU_TestInfo proto_tests[] = {
    { "pack layout", test_pack_layout },
    { "unpack round trip and sizes", test_unpack_round_trip },
    { "reply pack", test_reply_pack },
    { "labels", test_labels },
    { "string check", test_str_check },
    { "string set", test_str_set },
    { "dispatch", test_dispatch },
    CU_TEST_INFO_NULL,
};

int test_proto_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "proto", .pTests = proto_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
