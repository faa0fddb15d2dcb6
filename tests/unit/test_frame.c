/* Unit tests for kernel/mm/frame.c. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <string.h>

#include "mm/frame.h"
#include "suites.h"

#define KIB 1024ull
#define MIB (1024 * KIB)
#define PAGE ((uint64_t)FRAME_SIZE)

/* Room for 64 MiB of frames. */
#define MAX_FRAMES (64 * MIB / PAGE)

static uint64_t storage[MAX_FRAMES / 64];
static frame_allocator_t fa;

/* A fresh allocator over nframes frames, all of them free. */
static void setup_free(uint64_t nframes)
{
    frame_init(&fa, storage, nframes);
    frame_add_free(&fa, 0, nframes * PAGE);
}

static bool range_used(uint64_t start, uint64_t nframes)
{
    for (uint64_t i = 0; i < nframes; i++) {
        if (!frame_is_used(&fa, start + i * PAGE))
            return false;
    }
    return true;
}

static void test_init(void)
{
    frame_init(&fa, storage, 1000);
    CU_ASSERT_EQUAL(fa.nframes, 1000);
    CU_ASSERT_EQUAL(fa.free_count, 0);
    CU_ASSERT_EQUAL(fa.total_usable, 0);
    CU_ASSERT_TRUE(range_used(0, 1000));
    CU_ASSERT_EQUAL(frame_alloc(&fa), FRAME_NONE);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 1, PAGE), FRAME_NONE);
    CU_ASSERT_TRUE(frame_check(&fa));
}

static void test_add_free_rounds_inward(void)
{
    frame_init(&fa, storage, 100);
    frame_add_free(&fa, 0x1800, 0x5800);   /* whole frames 2, 3, 4 */
    CU_ASSERT_EQUAL(fa.free_count, 3);
    CU_ASSERT_EQUAL(fa.total_usable, 3);
    CU_ASSERT_TRUE(frame_is_used(&fa, 0x1000));
    CU_ASSERT_FALSE(frame_is_used(&fa, 0x2000));
    CU_ASSERT_FALSE(frame_is_used(&fa, 0x4fff));
    CU_ASSERT_TRUE(frame_is_used(&fa, 0x5000));

    frame_add_free(&fa, 0x7001, 0x7fff);   /* inside one frame: nothing whole */
    frame_add_free(&fa, 0x9000, 0x9000);   /* empty */
    frame_add_free(&fa, 0xa000, 0x9000);   /* backwards */
    CU_ASSERT_EQUAL(fa.free_count, 3);

    frame_add_free(&fa, 0x2000, 0x4000);   /* already free: not counted twice */
    CU_ASSERT_EQUAL(fa.free_count, 3);
    CU_ASSERT_EQUAL(fa.total_usable, 3);

    frame_add_free(&fa, 90 * PAGE, 200 * PAGE);   /* clipped at nframes */
    CU_ASSERT_EQUAL(fa.free_count, 13);
    frame_add_free(&fa, UINT64_MAX - 3 * PAGE, UINT64_MAX);   /* far out, no overflow */
    CU_ASSERT_EQUAL(fa.free_count, 13);
    CU_ASSERT_TRUE(frame_check(&fa));
}

static void test_reserve_rounds_outward(void)
{
    setup_free(64);
    frame_reserve(&fa, 0x1800, 0x2001);   /* touches frames 1 and 2 */
    CU_ASSERT_EQUAL(fa.free_count, 62);
    CU_ASSERT_FALSE(frame_is_used(&fa, 0x0000));
    CU_ASSERT_TRUE(frame_is_used(&fa, 0x1000));
    CU_ASSERT_TRUE(frame_is_used(&fa, 0x2000));
    CU_ASSERT_FALSE(frame_is_used(&fa, 0x3000));

    frame_reserve(&fa, 0x5000, 0x5000);   /* empty: touches nothing */
    CU_ASSERT_FALSE(frame_is_used(&fa, 0x5000));
    frame_reserve(&fa, 0x1000, 0x3000);   /* already reserved: not counted twice */
    CU_ASSERT_EQUAL(fa.free_count, 62);

    frame_reserve(&fa, 60 * PAGE + 1, UINT64_MAX);   /* frames 60..63, and no overflow */
    CU_ASSERT_EQUAL(fa.free_count, 58);
    CU_ASSERT_TRUE(frame_is_used(&fa, 60 * PAGE));
    CU_ASSERT_TRUE(frame_check(&fa));

    frame_reserve(&fa, 0, UINT64_MAX);
    CU_ASSERT_EQUAL(fa.free_count, 0);
    CU_ASSERT_EQUAL(fa.total_usable, 64);   /* reserving does not forget the RAM */
    CU_ASSERT_TRUE(frame_check(&fa));
}

static void test_alloc_until_exhausted(void)
{
    /* 1000 is not a multiple of 64: the last bitmap word is partial. */
    static uint8_t seen[1000];
    const uint64_t n = 1000;

    memset(seen, 0, sizeof(seen));
    setup_free(n);
    CU_ASSERT_EQUAL(fa.free_count, n);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t p = frame_alloc(&fa);

        CU_ASSERT_FATAL(p != FRAME_NONE);
        CU_ASSERT_EQUAL(p % PAGE, 0);
        CU_ASSERT_FATAL(p / PAGE < n);
        CU_ASSERT_EQUAL(seen[p / PAGE], 0);   /* each frame handed out once */
        seen[p / PAGE] = 1;
        CU_ASSERT_TRUE(frame_is_used(&fa, p));
    }
    CU_ASSERT_EQUAL(fa.free_count, 0);
    CU_ASSERT_EQUAL(frame_alloc(&fa), FRAME_NONE);
    CU_ASSERT_EQUAL(frame_alloc(&fa), FRAME_NONE);
    CU_ASSERT_TRUE(frame_check(&fa));

    for (uint64_t i = 0; i < n; i++)
        CU_ASSERT_TRUE(frame_free(&fa, i * PAGE));
    CU_ASSERT_EQUAL(fa.free_count, n);
    CU_ASSERT_TRUE(frame_check(&fa));
    /* Everything is free again, so everything can be had again. */
    for (uint64_t i = 0; i < n; i++)
        CU_ASSERT(frame_alloc(&fa) != FRAME_NONE);
    CU_ASSERT_EQUAL(frame_alloc(&fa), FRAME_NONE);
}

static void test_next_fit(void)
{
    uint64_t a, b;

    setup_free(16);
    a = frame_alloc(&fa);
    b = frame_alloc(&fa);
    CU_ASSERT_EQUAL(a, 0);
    CU_ASSERT_EQUAL(b, PAGE);
    CU_ASSERT_TRUE(frame_free(&fa, a));
    /* Next fit: a frame just freed is not reused at once... */
    CU_ASSERT_EQUAL(frame_alloc(&fa), 2 * PAGE);
    for (uint64_t i = 3; i < 16; i++)
        CU_ASSERT_EQUAL(frame_alloc(&fa), i * PAGE);
    /* ...but the search wraps around to it. */
    CU_ASSERT_EQUAL(frame_alloc(&fa), 0);
    CU_ASSERT_EQUAL(frame_alloc(&fa), FRAME_NONE);
    CU_ASSERT_TRUE(frame_check(&fa));
}

static void test_bad_frees(void)
{
    uint64_t p;

    setup_free(100);
    p = frame_alloc(&fa);
    CU_ASSERT_FATAL(p != FRAME_NONE);
    CU_ASSERT_EQUAL(fa.free_count, 99);

    CU_ASSERT_FALSE(frame_free(&fa, p + 1));          /* unaligned */
    CU_ASSERT_FALSE(frame_free(&fa, p + PAGE / 2));
    CU_ASSERT_FALSE(frame_free(&fa, 100 * PAGE));     /* out of range */
    CU_ASSERT_FALSE(frame_free(&fa, FRAME_NONE));
    CU_ASSERT_FALSE(frame_free(&fa, 50 * PAGE));      /* never allocated */
    CU_ASSERT_EQUAL(fa.free_count, 99);
    CU_ASSERT_TRUE(frame_is_used(&fa, p));

    CU_ASSERT_TRUE(frame_free(&fa, p));
    CU_ASSERT_FALSE(frame_free(&fa, p));              /* double free */
    CU_ASSERT_EQUAL(fa.free_count, 100);
    CU_ASSERT_TRUE(frame_is_used(&fa, 100 * PAGE));   /* beyond the end counts as used */
    CU_ASSERT_TRUE(frame_is_used(&fa, UINT64_MAX));
    CU_ASSERT_TRUE(frame_check(&fa));
}

static void test_contig_aligned(void)
{
    uint64_t free_before, p, q, r;

    frame_init(&fa, storage, 16 * MIB / PAGE);
    frame_add_free(&fa, PAGE, 16 * MIB);   /* frame 0 stays used */
    free_before = fa.free_count;

    p = frame_alloc_contig(&fa, 8, 32 * KIB);
    CU_ASSERT_EQUAL(p, 32 * KIB);          /* 0 is taken, so the next 32 KiB boundary */
    CU_ASSERT_TRUE(range_used(p, 8));

    q = frame_alloc_contig(&fa, 512, 2 * MIB);
    CU_ASSERT_EQUAL(q, 2 * MIB);           /* the first 2 MiB holds used frames */
    CU_ASSERT_TRUE(range_used(q, 512));
    CU_ASSERT_FALSE(frame_is_used(&fa, q + 2 * MIB));
    CU_ASSERT_EQUAL(fa.free_count, free_before - 520);

    /* One reserved frame inside [4 MiB, 6 MiB) pushes the next run to 6 MiB. */
    frame_reserve(&fa, 5 * MIB, 5 * MIB + 1);
    r = frame_alloc_contig(&fa, 512, 2 * MIB);
    CU_ASSERT_EQUAL(r, 6 * MIB);
    CU_ASSERT_EQUAL(r % (2 * MIB), 0);
    CU_ASSERT_TRUE(frame_check(&fa));

    /* The frames below 32 KiB are free and need no alignment beyond a frame. */
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 7, PAGE), PAGE);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 1, PAGE), 64 * KIB);

    for (uint64_t i = 0; i < 512; i++)
        CU_ASSERT_TRUE(frame_free(&fa, q + i * PAGE));
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 512, 2 * MIB), q);   /* reusable once freed */
    CU_ASSERT_TRUE(frame_check(&fa));
}

static void test_contig_failures(void)
{
    uint64_t free_before;

    setup_free(100);
    free_before = fa.free_count;
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 0, PAGE), FRAME_NONE);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 101, PAGE), FRAME_NONE);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, UINT64_MAX, PAGE), FRAME_NONE);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 1, 0), FRAME_NONE);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 1, PAGE / 2), FRAME_NONE);   /* below a frame */
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 1, 3 * PAGE), FRAME_NONE);   /* not a power of two */
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 1, 6000), FRAME_NONE);
    CU_ASSERT_EQUAL(fa.free_count, free_before);

    /* Only frame 0 is aligned to 512 KiB here, so with it taken nothing is. */
    frame_reserve(&fa, 0, 1);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 1, 128 * PAGE), FRAME_NONE);
    CU_ASSERT_TRUE(frame_free(&fa, 0));
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 1, 1ull << 63), 0);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 99, PAGE), PAGE);      /* exactly the rest */
    CU_ASSERT_EQUAL(fa.free_count, 0);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 1, PAGE), FRAME_NONE);

    /* Enough frames free in total, but no run long enough. */
    for (uint64_t i = 0; i < 100; i += 2)
        CU_ASSERT_TRUE(frame_free(&fa, i * PAGE));
    CU_ASSERT_EQUAL(fa.free_count, 50);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 2, PAGE), FRAME_NONE);
    CU_ASSERT_EQUAL(fa.free_count, 50);
    CU_ASSERT_TRUE(frame_check(&fa));
}

static void test_check_detects_corruption(void)
{
    setup_free(1000);
    CU_ASSERT_TRUE(frame_check(&fa));
    fa.free_count++;
    CU_ASSERT_FALSE(frame_check(&fa));
    fa.free_count -= 2;
    CU_ASSERT_FALSE(frame_check(&fa));
    fa.free_count++;
    CU_ASSERT_TRUE(frame_check(&fa));

    /* A padding bit past nframes cleared: the allocator could hand out a frame that is not there. */
    storage[1000 / 64] &= ~(1ull << 63);
    CU_ASSERT_FALSE(frame_check(&fa));
    storage[1000 / 64] |= 1ull << 63;

    storage[3] |= 1ull;   /* a bit changed behind the allocator's back */
    CU_ASSERT_FALSE(frame_check(&fa));
    storage[3] &= ~1ull;
    CU_ASSERT_TRUE(frame_check(&fa));
}

static void test_zero_frames(void)
{
    frame_init(&fa, NULL, 0);
    frame_add_free(&fa, 0, 16 * PAGE);
    frame_reserve(&fa, 0, 16 * PAGE);
    CU_ASSERT_EQUAL(fa.free_count, 0);
    CU_ASSERT_EQUAL(frame_alloc(&fa), FRAME_NONE);
    CU_ASSERT_EQUAL(frame_alloc_contig(&fa, 1, PAGE), FRAME_NONE);
    CU_ASSERT_FALSE(frame_free(&fa, 0));
    CU_ASSERT_TRUE(frame_is_used(&fa, 0));
    CU_ASSERT_TRUE(frame_check(&fa));
}

/* xorshift64: a fixed seed makes every run the same. */
static uint64_t rng_next(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* Random allocations and frees against a shadow copy of which frames are in use. */
static void test_random_against_shadow(void)
{
    enum { N = 3000 };
    static bool shadow[N];
    uint64_t rng = 12345;
    uint64_t used = 0;

    setup_free(N);
    memset(shadow, 0, sizeof(shadow));
    for (int step = 0; step < 200000; step++) {
        uint64_t r = rng_next(&rng);

        if (r % 3 == 0) {
            uint64_t f = (r >> 8) % N;
            bool ok = frame_free(&fa, f * PAGE);

            CU_ASSERT_EQUAL_FATAL(ok, shadow[f]);
            used -= ok;
            shadow[f] = false;
        } else if (r % 3 == 1 || used == N) {
            uint64_t p = frame_alloc(&fa);

            CU_ASSERT_FATAL((p == FRAME_NONE) == (used == N));
            if (p != FRAME_NONE) {
                CU_ASSERT_FATAL(!shadow[p / PAGE]);
                shadow[p / PAGE] = true;
                used++;
            }
        } else {
            uint64_t count = 1 + (r >> 8) % 16;
            uint64_t align = PAGE << ((r >> 16) % 5);
            uint64_t p = frame_alloc_contig(&fa, count, align);

            if (p != FRAME_NONE) {
                CU_ASSERT_EQUAL_FATAL(p % align, 0);
                for (uint64_t i = 0; i < count; i++) {
                    CU_ASSERT_FATAL(!shadow[p / PAGE + i]);
                    shadow[p / PAGE + i] = true;
                }
                used += count;
            }
        }
        CU_ASSERT_EQUAL_FATAL(fa.free_count, N - used);
        if (step % 10000 == 0) {
            CU_ASSERT_TRUE_FATAL(frame_check(&fa));
            for (uint64_t f = 0; f < N; f++)
                CU_ASSERT_EQUAL_FATAL(frame_is_used(&fa, f * PAGE), shadow[f]);
        }
    }
    CU_ASSERT_TRUE(frame_check(&fa));
}

static CU_TestInfo frame_tests[] = {
    { "init", test_init },
    { "add_free rounds inward", test_add_free_rounds_inward },
    { "reserve rounds outward", test_reserve_rounds_outward },
    { "alloc until exhausted", test_alloc_until_exhausted },
    { "next fit", test_next_fit },
    { "bad frees", test_bad_frees },
    { "contiguous aligned", test_contig_aligned },
    { "contiguous failures", test_contig_failures },
    { "check detects corruption", test_check_detects_corruption },
    { "zero frames", test_zero_frames },
    { "random against shadow", test_random_against_shadow },
    CU_TEST_INFO_NULL,
};

int test_frame_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "frame", .pTests = frame_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
