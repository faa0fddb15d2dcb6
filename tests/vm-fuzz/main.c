/*
 * vm-fuzz ID: sends guest ID's vmm-server (proto/vmm.h) malformed requests directly: every
 * label with wrong word counts, unknown labels, forged vCPU-exit and timer messages,
 * capabilities it never takes, bad INPUT lengths and EVENT vectors, then random messages
 * from a fixed seed (never a well-formed STOP or DETACH). Every call must come back with an
 * error, and INFO must still answer after each batch. Prints "vm-fuzz: N calls: ok".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/names.h>
#include <agora/proto/vmm.h>
#include <agora/vcpu.h>
#include <libagora/names.h>
#include <libagora/proto.h>
#include <libagora/sys.h>

#include "posix/runtime/posix.h"

PROTO_STUBS(VMM_MSG_LIST)

/* The POSIX runtime's (posix/runtime/files.c); libagora/runtime.h is for native programs. */
struct agora_ipc_buffer *agora_ipc_buffer(void);

static uint64_t ep;
static unsigned calls, bad;
static uint32_t seed = 4242;

static uint32_t rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed >> 1;
}

/* One raw call of label with n words (and ncaps of our own endpoint): the reply's status. */
static long raw(uint32_t label, unsigned n, unsigned ncaps, const uint64_t *w)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct agora_msg m = { IPC_INFO(label, n, ncaps, 0), 0, { 0 } };
    long r;

    for (unsigned i = 0; i < n; i++) {
        if (i < IPC_REG_WORDS)
            m.mr[i] = w[i];
        else
            b->mr[i] = w[i];
    }
    for (unsigned i = 0; i < ncaps; i++) {
        b->send_caps[i] = CAP_NAMES;
        b->send_cap_rights[i] = RIGHT_WRITE;
    }
    calls++;
    r = sys_call(ep, &m);
    return r < 0 ? r : PROTO_LABEL_STATUS(IPC_LABEL(m.info));
}

static void expect_error(const char *what, long r)
{
    if (r >= 0) {
        printf("vm-fuzz: FAIL %s was answered %ld\n", what, r);
        bad++;
    }
}

static void still_serving(void)
{
    struct vmm_info_req rq;
    struct vmm_info_rep rp;

    if (vmm_info_call(ep, &rq, &rp, NULL) != 0) {
        printf("vm-fuzz: FAIL INFO no longer answers\n");
        bad++;
    }
}

int main(int argc, char **argv)
{
    struct names_lookup_req lq;
    struct names_lookup_rep lp;
    struct proto_caps caps = { .nrecv = 1 };
    uint64_t w[IPC_MAX_WORDS];
    char name[32];
    /* The exact size of each request, in words. */
    static const unsigned sizes[6] = { 0, 0, 5, 0, 0, 1 };

    if (argc != 2) {
        fprintf(stderr, "usage: vm-fuzz ID\n");
        return 2;
    }
    snprintf(name, sizeof(name), VMM_NAME_PREFIX "%s", argv[1]);
    caps.recv[0] = (uint64_t)posix_slot_alloc();
    if (PROTO_STR_SET(lq.name, name) < 0 || names_lookup_call(CAP_NAMES, &lq, &lp, &caps) != 0) {
        fprintf(stderr, "vm-fuzz: no %s\n", name);
        return 1;
    }
    ep = caps.recv[0];
    memset(w, 0, sizeof(w));
    /* Every label with every wrong word count; unknown labels and another protocol's. */
    for (unsigned num = 1; num <= 5; num++)
        for (unsigned n = 0; n <= 12; n++)
            if (n != sizes[num])
                expect_error("a request of the wrong size", raw(PROTO_LABEL(PROTO_ID_VMM, num), n, 0, w));
    expect_error("label 0", raw(PROTO_LABEL(PROTO_ID_VMM, 0), 0, 0, w));
    expect_error("label 6", raw(PROTO_LABEL(PROTO_ID_VMM, 6), 0, 0, w));
    expect_error("a pm label", raw(PROTO_LABEL(PROTO_ID_PM, 1), 0, 0, w));
    /* Forged vCPU exits and timer calls are a client's requests like any other. */
    w[VCPU_MR_CODE] = VCPU_EXIT_VMMCALL;
    expect_error("a forged exit", raw(IPC_LABEL_VCPU_EXIT, VCPU_EXIT_WORDS, 0, w));
    expect_error("a forged timer call", raw(0x564d0001u, 1, 0, w));
    /* Capabilities it never takes; INPUT lengths and EVENT vectors out of range. */
    memset(w, 0, sizeof(w));
    expect_error("INFO with a capability", raw(VMM_INFO, 0, 1, w));
    w[0] = 0;
    expect_error("INPUT of 0 bytes", raw(VMM_INPUT, 5, 0, w));
    w[0] = VMM_INPUT_MAX + 1;
    expect_error("INPUT of 33 bytes", raw(VMM_INPUT, 5, 0, w));
    w[0] = ~0ull;
    expect_error("INPUT of 2^64-1 bytes", raw(VMM_INPUT, 5, 0, w));
    for (uint64_t v = 0; v < 32; v++) {
        w[0] = v;
        expect_error("EVENT below 32", raw(VMM_EVENT, 1, 0, w));
    }
    w[0] = 256;
    expect_error("EVENT 256", raw(VMM_EVENT, 1, 0, w));
    still_serving();
    /* Random messages: random labels of the protocol (never a well-formed STOP or DETACH), words and counts. */
    for (int batch = 0; batch < 5; batch++) {
        for (int i = 0; i < 200; i++) {
            unsigned num = rnd() % 8, n = rnd() % 16;
            long r;

            for (unsigned k = 0; k < n; k++)
                w[k] = ((uint64_t)rnd() << 32) | rnd();
            if ((num == 3 || num == 4) && n == 0)
                n = 1 + rnd() % 8;
            if (num == 2 && n == 5)
                w[0] = VMM_INPUT_MAX + 1 + (w[0] % 1000);       /* no real input */
            if (num == 5 && n == 1)
                w[0] %= 32;                                     /* no real event */
            r = raw(PROTO_LABEL(PROTO_ID_VMM, num), n, rnd() % 3 == 0, w);
            if (!(num == 1 && n == 0) || r != 0)
                expect_error("a random request", r);
        }
        still_serving();
    }
    printf("vm-fuzz: %u calls: %s\n", calls, bad ? "FAIL" : "ok");
    return bad != 0;
}
