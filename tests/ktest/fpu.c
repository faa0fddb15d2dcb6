/* ktest: SSE registers belong to their thread: a switch to another thread never changes them. */
#include "peer.h"

#include <libagora/sys.h>

#define ROUNDS 200

/* xmm3 is never touched by code built with -mgeneral-regs-only: only these two do. */
static inline void xmm3_set(uint64_t v)
{
    __asm__ volatile("movq %0, %%xmm3" :: "r"(v));
}

static inline uint64_t xmm3_get(void)
{
    uint64_t v;
    __asm__ volatile("movq %%xmm3, %0" : "=r"(v));
    return v;
}

/* Sets its own value, then yields to ktest again and again and checks it is still there. */
static void fpu_peer_fn(ktest_thread_t *self)
{
    long bad = 0;
    xmm3_set(self->arg[0]);
    for (int i = 0; i < ROUNDS; i++) {
        sys_yield();
        if (xmm3_get() != self->arg[0])
            bad++;
    }
    self->out[0] = bad;
    self->out[1] = 1;
}

KTEST(fpu_state_is_per_thread)
{
    static ktest_thread_t peer;
    const uint64_t mine = 0x1111222233334444ull;
    long bad = 0;

    peer = (ktest_thread_t){ .arg = { 0xAAAABBBBCCCCDDDDull } };
    xmm3_set(mine);
    KTEST_OK(ktest_thread_start(&peer, fpu_peer_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY));
    for (int i = 0; i < ROUNDS + 10; i++) {
        sys_yield();
        if (xmm3_get() != mine)
            bad++;
    }
    KTEST_CHECK(ktest_thread_join(&peer));
    KTEST_EQ(peer.out[1], 1);
    KTEST_EQ(peer.out[0], 0);
    KTEST_EQ(bad, 0);
    return true;
}
