/*
 * Unit tests for kernel/arch/x86_64/mm/pagetable.c. The Makefile builds it and this file
 * with PHYS_MAP_BASE at a user address where the suite maps an arena that stands in for
 * physical memory, so phys_to_virt works; pmm_alloc_frame hands out the arena's frames.
 */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/x86_64/mm/pagetable.h"
#include "mm/pmm.h"
#include "suites.h"

_Static_assert(PHYS_MAP_BASE < (1ull << 47), "build with -DPHYS_MAP_BASE=<a free user address>");

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define ARENA_FRAMES 4096ull   /* 16 MiB of "physical memory" */
#define POISON 0xA5
#define LEAF_PA 0x0000000123456000ull   /* a frame the tests map; never dereferenced */

static void *arena;
static uint64_t next_frame;     /* bump allocator, in frames; frame 0 means "no frame" */
static long frames_allowed;     /* allocations that may still succeed; negative: no limit */
static uint64_t root;

/* ---- test double: the kernel's frame allocator ---- */

static uint64_t *table(uint64_t phys)
{
    return (uint64_t *)(uintptr_t)(phys + PHYS_MAP_BASE);
}

uint64_t pmm_alloc_frame(void)
{
    if (frames_allowed == 0 || next_frame >= ARENA_FRAMES)
        return 0;
    if (frames_allowed > 0)
        frames_allowed--;
    uint64_t f = next_frame++ * PAGE_SIZE;
    memset(table(f), POISON, PAGE_SIZE);   /* frames come uninitialised: pagetable_alloc zeroes */
    return f;
}

static uint64_t frames_used(void)
{
    return next_frame - 1;
}

/* ---- helpers ---- */

static unsigned idx(uint64_t va, int level)
{
    return (va >> (12 + 9 * level)) & 0x1FF;
}

/* The entry for va at `level`, read by hand; 0 when a table on the way is missing. */
static uint64_t entry_at(uint64_t va, int level)
{
    uint64_t t = root;
    for (int l = 3; l > level; l--) {
        uint64_t e = table(t)[idx(va, l)];
        if (!(e & PTE_PRESENT) || (e & PTE_HUGE))
            return 0;
        t = e & PTE_ADDR_MASK;
    }
    return table(t)[idx(va, level)];
}

/* Entries in use in the table at phys; every other entry must be zero. */
static unsigned entries_used(uint64_t phys)
{
    unsigned n = 0;
    for (int i = 0; i < 512; i++)
        n += table(phys)[i] != 0;
    return n;
}

static bool no_poison_in_tables(void)
{
    for (uint64_t f = 1; f < next_frame; f++)
        for (int i = 0; i < 512; i++)
            if (table(f * PAGE_SIZE)[i] == 0xA5A5A5A5A5A5A5A5ull)
                return false;
    return true;
}

/* Whether any entry of any table maps pa. */
static bool pa_anywhere(uint64_t pa)
{
    for (uint64_t f = 1; f < next_frame; f++)
        for (int i = 0; i < 512; i++)
            if ((table(f * PAGE_SIZE)[i] & PTE_ADDR_MASK) == pa)
                return true;
    return false;
}

static void round_trip(uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t pte = 0;
    CU_ASSERT_EQUAL(paging_map(root, va, pa, flags), 0);
    CU_ASSERT_TRUE(paging_query(root, va, &pte));
    CU_ASSERT_EQUAL(pte, pa | flags | PTE_PRESENT);
    CU_ASSERT_EQUAL(entry_at(va, 0), pa | flags | PTE_PRESENT);
    /* Every byte of the page resolves to the same entry. */
    pte = 0;
    CU_ASSERT_TRUE(paging_query(root, va + PAGE_SIZE - 1, &pte));
    CU_ASSERT_EQUAL(pte, pa | flags | PTE_PRESENT);
    CU_ASSERT_FALSE(paging_query(root, va ^ PAGE_SIZE, &pte));   /* the neighbour is not mapped */

    CU_ASSERT_EQUAL(pagetable_unmap(root, va), pa | flags | PTE_PRESENT);
    CU_ASSERT_FALSE(paging_query(root, va, &pte));
    CU_ASSERT_EQUAL(entry_at(va, 0), 0);
    CU_ASSERT_EQUAL(pagetable_unmap(root, va), 0);
}

static int pt_suite_init(void)
{
    arena = mmap((void *)(uintptr_t)PHYS_MAP_BASE, ARENA_FRAMES * PAGE_SIZE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (arena != (void *)(uintptr_t)PHYS_MAP_BASE) {
        fprintf(stderr, "pagetable: cannot map the arena at %#llx\n",
                (unsigned long long)PHYS_MAP_BASE);
        if (arena != MAP_FAILED)
            munmap(arena, ARENA_FRAMES * PAGE_SIZE);
        arena = 0;
        return 1;
    }
    return 0;
}

static int pt_suite_cleanup(void)
{
    if (arena)
        munmap(arena, ARENA_FRAMES * PAGE_SIZE);
    arena = 0;
    return 0;
}

/* A fresh, empty root table for every test. */
static void pt_setup(void)
{
    next_frame = 1;
    frames_allowed = -1;
    root = pagetable_alloc();
}

/* ---- tests ---- */

static void test_alloc_zeroes(void)
{
    CU_ASSERT_EQUAL(root, PAGE_SIZE);
    CU_ASSERT_EQUAL(entries_used(root), 0);
    uint64_t t = pagetable_alloc();
    CU_ASSERT_NOT_EQUAL(t, 0);
    CU_ASSERT_EQUAL(t & (PAGE_SIZE - 1), 0);
    CU_ASSERT_EQUAL(entries_used(t), 0);
    frames_allowed = 0;
    CU_ASSERT_EQUAL(pagetable_alloc(), 0);
}

static void test_round_trip_low(void)
{
    round_trip(0x1000, LEAF_PA, PTE_WRITE | PTE_USER);
    round_trip(0x400000, 0x5000, PTE_USER);
    round_trip(0, 0x7000, PTE_WRITE);   /* page zero is just another page here */
    round_trip(0x12345678000, LEAF_PA, PTE_USER | PTE_NX);
    CU_ASSERT_TRUE(no_poison_in_tables());
}

static void test_round_trip_top_of_user(void)
{
    const uint64_t va = 0x00007FFFFFFFF000ull;
    round_trip(va, LEAF_PA, PTE_WRITE | PTE_USER | PTE_NX);
    CU_ASSERT_EQUAL(idx(va, 3), 255);
    CU_ASSERT_EQUAL(idx(va, 0), 511);
    CU_ASSERT_TRUE(table(root)[255] & PTE_PRESENT);
    CU_ASSERT_EQUAL(entries_used(root), 1);
    /* One page above is past the canonical hole. */
    CU_ASSERT_EQUAL(paging_map(root, va + PAGE_SIZE, LEAF_PA, 0), -1);
}

static void test_round_trip_kernel(void)
{
    round_trip(0xFFFF800000000000ull, LEAF_PA, PTE_WRITE | PTE_NX | PTE_GLOBAL);   /* lowest */
    round_trip(0xFFFFFFFF80000000ull, 0x200000, PTE_GLOBAL);                      /* kernel image */
    round_trip(0xFFFFC00000000000ull, 0xFEE00000, PTE_WRITE | PTE_NX | PTE_PCD | PTE_PWT);
    round_trip(0xFFFFFFFFFFFFF000ull, LEAF_PA, PTE_WRITE);                         /* highest */
    CU_ASSERT_TRUE(table(root)[256] & PTE_PRESENT);
    CU_ASSERT_TRUE(table(root)[384] & PTE_PRESENT);
    CU_ASSERT_TRUE(table(root)[511] & PTE_PRESENT);
    CU_ASSERT_EQUAL(entries_used(root), 3);
}

static void test_non_canonical_refused(void)
{
    static const uint64_t bad[] = {
        0x0000800000000000ull, 0x0000800000001000ull, 0x0000FFFFFFFFF000ull,
        0xFFFF7FFFFFFFF000ull, 0x8000000000000000ull, 0x0001000000000000ull,
        0xFFFE800000000000ull, 0x7FFFFFFFFFFFF000ull,
    };
    uint64_t pte;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(paging_map(root, bad[i], LEAF_PA, PTE_WRITE), -1);
        CU_ASSERT_FALSE(paging_query(root, bad[i], &pte));
        CU_ASSERT_EQUAL(pagetable_unmap(root, bad[i]), 0);
    }
    CU_ASSERT_EQUAL(frames_used(), 1);   /* nothing was built for them */
    CU_ASSERT_EQUAL(entries_used(root), 0);

    /* A non-canonical address shares its table indexes with a kernel one: it must not reach it. */
    const uint64_t kva = 0xFFFF800000001000ull, alias = 0x0000800000001000ull;
    CU_ASSERT_EQUAL(paging_map(root, kva, LEAF_PA, PTE_WRITE), 0);
    CU_ASSERT_FALSE(paging_query(root, alias, &pte));
    CU_ASSERT_EQUAL(pagetable_unmap(root, alias), 0);
    CU_ASSERT_TRUE(paging_query(root, kva, &pte));
    CU_ASSERT_EQUAL(pte, LEAF_PA | PTE_WRITE | PTE_PRESENT);
}

static void test_unaligned_refused(void)
{
    uint64_t pte;
    CU_ASSERT_EQUAL(paging_map(root, 0x1001, LEAF_PA, 0), -1);
    CU_ASSERT_EQUAL(paging_map(root, 0x1800, LEAF_PA, 0), -1);
    CU_ASSERT_EQUAL(paging_map(root, 0x1FFF, LEAF_PA, 0), -1);
    CU_ASSERT_EQUAL(paging_map(root, 0x1000, LEAF_PA + 1, 0), -1);
    CU_ASSERT_EQUAL(paging_map(root, 0x1000, LEAF_PA + 0xFFF, 0), -1);
    CU_ASSERT_EQUAL(paging_map(root, 0xFFFF800000000800ull, LEAF_PA, 0), -1);
    CU_ASSERT_FALSE(paging_query(root, 0x1000, &pte));
    CU_ASSERT_EQUAL(frames_used(), 1);
    CU_ASSERT_EQUAL(entries_used(root), 0);
}

static void test_double_map_refused(void)
{
    const uint64_t va = 0x401000;
    uint64_t pte = 0;

    CU_ASSERT_EQUAL(paging_map(root, va, LEAF_PA, PTE_WRITE | PTE_USER), 0);
    uint64_t frames = frames_used();
    CU_ASSERT_EQUAL(paging_map(root, va, 0x9000, 0), -1);
    CU_ASSERT_EQUAL(paging_map(root, va, LEAF_PA, PTE_WRITE | PTE_USER), -1);   /* even the same */
    CU_ASSERT_TRUE(paging_query(root, va, &pte));
    CU_ASSERT_EQUAL(pte, LEAF_PA | PTE_WRITE | PTE_USER | PTE_PRESENT);
    CU_ASSERT_EQUAL(frames_used(), frames);

    /* After an unmap the page can be mapped again, differently. */
    CU_ASSERT_EQUAL(pagetable_unmap(root, va), LEAF_PA | PTE_WRITE | PTE_USER | PTE_PRESENT);
    CU_ASSERT_EQUAL(paging_map(root, va, 0x9000, PTE_NX), 0);
    CU_ASSERT_TRUE(paging_query(root, va, &pte));
    CU_ASSERT_EQUAL(pte, 0x9000 | PTE_NX | PTE_PRESENT);
    CU_ASSERT_EQUAL(frames_used(), frames);
}

static void test_tables_created_once_and_shared(void)
{
    CU_ASSERT_EQUAL(paging_map(root, 0x400000, 0x1000, 0), 0);
    CU_ASSERT_EQUAL(frames_used(), 4);   /* root, PDPT, PD, PT */
    uint64_t pml4e = table(root)[0], pdpte = entry_at(0x400000, 2), pde = entry_at(0x400000, 1);

    /* Same PT. */
    CU_ASSERT_EQUAL(paging_map(root, 0x401000, 0x2000, 0), 0);
    CU_ASSERT_EQUAL(paging_map(root, 0x5FF000, 0x3000, 0), 0);
    CU_ASSERT_EQUAL(frames_used(), 4);
    CU_ASSERT_EQUAL(entries_used(pde & PTE_ADDR_MASK), 3);
    /* Next 2 MiB: a new PT under the same PD. */
    CU_ASSERT_EQUAL(paging_map(root, 0x600000, 0x4000, 0), 0);
    CU_ASSERT_EQUAL(frames_used(), 5);
    CU_ASSERT_EQUAL(entries_used(pdpte & PTE_ADDR_MASK), 2);
    /* Next GiB: a PD and a PT under the same PDPT. */
    CU_ASSERT_EQUAL(paging_map(root, 0x40000000, 0x5000, 0), 0);
    CU_ASSERT_EQUAL(frames_used(), 7);
    CU_ASSERT_EQUAL(entries_used(pml4e & PTE_ADDR_MASK), 2);
    /* Next 512 GiB: a whole new branch. */
    CU_ASSERT_EQUAL(paging_map(root, 0x8000000000, 0x6000, 0), 0);
    CU_ASSERT_EQUAL(frames_used(), 10);
    CU_ASSERT_EQUAL(entries_used(root), 2);

    /* The first branch's tables were not replaced on the way. */
    CU_ASSERT_EQUAL(table(root)[0], pml4e);
    CU_ASSERT_EQUAL(entry_at(0x400000, 2), pdpte);
    CU_ASSERT_EQUAL(entry_at(0x400000, 1), pde);
    /* Unmapping leaves the tables in place; mapping again allocates nothing. */
    CU_ASSERT_NOT_EQUAL(pagetable_unmap(root, 0x400000), 0);
    CU_ASSERT_NOT_EQUAL(pagetable_unmap(root, 0x401000), 0);
    CU_ASSERT_NOT_EQUAL(pagetable_unmap(root, 0x5FF000), 0);
    CU_ASSERT_EQUAL(paging_map(root, 0x400000, 0x1000, 0), 0);
    CU_ASSERT_EQUAL(frames_used(), 10);
    CU_ASSERT_TRUE(no_poison_in_tables());
}

static void check_intermediate(uint64_t va, bool user)
{
    for (int l = 3; l >= 1; l--) {
        uint64_t e = entry_at(va, l);
        CU_ASSERT_EQUAL(e & (PTE_PRESENT | PTE_WRITE), PTE_PRESENT | PTE_WRITE);
        CU_ASSERT_EQUAL((e & PTE_USER) != 0, user);
        CU_ASSERT_EQUAL(e & (PTE_NX | PTE_HUGE | PTE_GLOBAL), 0);
    }
}

static void test_user_bit_only_below_hole(void)
{
    /* The leaf decides; user-half tables allow user access whatever the leaf says. */
    CU_ASSERT_EQUAL(paging_map(root, 0x400000, LEAF_PA, PTE_USER), 0);
    CU_ASSERT_EQUAL(paging_map(root, 0x800000, LEAF_PA, 0), 0);
    CU_ASSERT_EQUAL(paging_map(root, 0x00007FFFFFFFF000ull, LEAF_PA, PTE_USER), 0);
    CU_ASSERT_EQUAL(paging_map(root, 0xFFFF800000400000ull, LEAF_PA, PTE_WRITE), 0);
    CU_ASSERT_EQUAL(paging_map(root, 0xFFFFFFFFFFFFF000ull, LEAF_PA, PTE_USER), 0);   /* leaf's own bit */
    check_intermediate(0x400000, true);
    check_intermediate(0x800000, true);
    check_intermediate(0x00007FFFFFFFF000ull, true);
    check_intermediate(0xFFFF800000400000ull, false);
    check_intermediate(0xFFFFFFFFFFFFF000ull, false);
    CU_ASSERT_EQUAL(entry_at(0x800000, 0) & PTE_USER, 0);
    CU_ASSERT_EQUAL(entry_at(0xFFFFFFFFFFFFF000ull, 0) & PTE_USER, PTE_USER);
}

static void test_leaf_flags_preserved(void)
{
    static const uint64_t flags[] = {
        0, PTE_WRITE, PTE_USER, PTE_NX, PTE_WRITE | PTE_USER | PTE_NX,
        PTE_WRITE | PTE_NX | PTE_PCD | PTE_PWT | PTE_GLOBAL, PTE_USER | PTE_NX,
    };
    uint64_t pte;

    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        uint64_t va = 0x10000000 + i * PAGE_SIZE, pa = 0x00000FFFFFFFF000ull - i * PAGE_SIZE;
        CU_ASSERT_EQUAL(paging_map(root, va, pa, flags[i]), 0);
        CU_ASSERT_TRUE(paging_query(root, va, &pte));
        CU_ASSERT_EQUAL(pte, pa | flags[i] | PTE_PRESENT);
        CU_ASSERT_EQUAL(pte & PTE_ADDR_MASK, pa);
    }
    /* A physical address using all 52 bits survives. */
    CU_ASSERT_EQUAL(paging_map(root, 0x20000000, PTE_ADDR_MASK, PTE_NX), 0);
    CU_ASSERT_TRUE(paging_query(root, 0x20000000, &pte));
    CU_ASSERT_EQUAL(pte, PTE_ADDR_MASK | PTE_NX | PTE_PRESENT);
}

static void test_query_huge_entries(void)
{
    const uint64_t va = 0xFFFF800000200000ull;   /* as the direct map is built */
    uint64_t *pde = pagetable_walk(root, va, 1, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pde);
    CU_ASSERT_EQUAL(*pde, 0);
    CU_ASSERT_EQUAL(frames_used(), 3);   /* root, PDPT, PD: no PT */
    const uint64_t huge = 0x200000 | PTE_PRESENT | PTE_WRITE | PTE_HUGE | PTE_GLOBAL | PTE_NX;
    *pde = huge;

    uint64_t pte = 0;
    CU_ASSERT_TRUE(paging_query(root, va, &pte));
    CU_ASSERT_EQUAL(pte, huge);
    pte = 0;
    CU_ASSERT_TRUE(paging_query(root, va + 0x12345, &pte));
    CU_ASSERT_EQUAL(pte, huge);
    pte = 0;
    CU_ASSERT_TRUE(paging_query(root, va + HUGE_PAGE_SIZE - 1, &pte));
    CU_ASSERT_EQUAL(pte, huge);
    CU_ASSERT_FALSE(paging_query(root, va + HUGE_PAGE_SIZE, &pte));
    CU_ASSERT_FALSE(paging_query(root, va - 1, &pte));

    /* A 4 KiB map or unmap inside it is refused and leaves it alone. */
    CU_ASSERT_EQUAL(paging_map(root, va + 0x1000, LEAF_PA, 0), -1);
    CU_ASSERT_EQUAL(pagetable_unmap(root, va), 0);
    CU_ASSERT_EQUAL(pagetable_unmap(root, va + 0x1000), 0);
    CU_ASSERT_PTR_NULL(pagetable_walk(root, va, 0, false));
    CU_ASSERT_PTR_NULL(pagetable_walk(root, va, 0, true));
    CU_ASSERT_EQUAL(*pde, huge);
    CU_ASSERT_EQUAL(frames_used(), 3);

    /* A 1 GiB entry one level up is reported as is too. */
    const uint64_t gva = 0xFFFF800040000000ull;
    uint64_t *pdpte = pagetable_walk(root, gva, 2, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pdpte);
    CU_ASSERT_EQUAL(frames_used(), 3);   /* same PDPT */
    *pdpte = 0x40000000 | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
    CU_ASSERT_TRUE(paging_query(root, gva + 0x3FFFF000, &pte));
    CU_ASSERT_EQUAL(pte, 0x40000000 | PTE_PRESENT | PTE_WRITE | PTE_HUGE);
    CU_ASSERT_PTR_NULL(pagetable_walk(root, gva, 1, true));
}

static void test_walk_levels(void)
{
    const uint64_t va = 0xFFFFC00000000000ull;   /* the MMIO window's PDPT entry, as paging_init */
    CU_ASSERT_PTR_NULL(pagetable_walk(root, va, 2, false));
    CU_ASSERT_EQUAL(frames_used(), 1);
    uint64_t *e2 = pagetable_walk(root, va, 2, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e2);
    CU_ASSERT_EQUAL(frames_used(), 2);
    CU_ASSERT_PTR_EQUAL(e2, table(table(root)[idx(va, 3)] & PTE_ADDR_MASK) + idx(va, 2));
    CU_ASSERT_EQUAL(*e2, 0);
    CU_ASSERT_PTR_EQUAL(pagetable_walk(root, va, 2, false), e2);
    CU_ASSERT_PTR_NULL(pagetable_walk(root, va, 1, false));

    uint64_t *e0 = pagetable_walk(root, va + 0x3000, 0, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e0);
    CU_ASSERT_EQUAL(frames_used(), 4);
    CU_ASSERT_PTR_EQUAL(pagetable_walk(root, va + 0x3000, 0, false), e0);
    CU_ASSERT_PTR_EQUAL(pagetable_walk(root, va, 0, false), e0 - 3);
    /* Level 3 is the root's own entry: nothing to create. */
    CU_ASSERT_PTR_EQUAL(pagetable_walk(root, va, 3, true), table(root) + idx(va, 3));
    CU_ASSERT_EQUAL(frames_used(), 4);
}

static void test_unmap_unmapped(void)
{
    CU_ASSERT_EQUAL(pagetable_unmap(root, 0x1000), 0);
    CU_ASSERT_EQUAL(pagetable_unmap(root, 0xFFFF800000000000ull), 0);
    CU_ASSERT_EQUAL(frames_used(), 1);   /* unmap never builds tables */

    CU_ASSERT_EQUAL(paging_map(root, 0x1000, LEAF_PA, 0), 0);
    CU_ASSERT_EQUAL(pagetable_unmap(root, 0x2000), 0);        /* same PT */
    CU_ASSERT_EQUAL(pagetable_unmap(root, 0x200000), 0);      /* no PT */
    CU_ASSERT_EQUAL(pagetable_unmap(root, 0x40000000), 0);    /* no PD */
    CU_ASSERT_EQUAL(pagetable_unmap(root, 0x8000000000), 0);  /* no PDPT */
    CU_ASSERT_EQUAL(frames_used(), 4);
    CU_ASSERT_EQUAL(entry_at(0x1000, 0), LEAF_PA | PTE_PRESENT);
}

static void test_out_of_frames(void)
{
    const uint64_t va = 0x7F0000401000ull, pa = 0x00000ABCDE000ull;
    uint64_t pte;

    /* Fail at each level in turn, from a fresh root: no leaf appears. */
    for (long allowed = 0; allowed < 3; allowed++) {
        pt_setup();
        frames_allowed = allowed;
        CU_ASSERT_EQUAL(paging_map(root, va, pa, PTE_WRITE | PTE_USER), -1);
        CU_ASSERT_FALSE(paging_query(root, va, &pte));
        CU_ASSERT_FALSE(pa_anywhere(pa));
        CU_ASSERT_EQUAL(frames_used(), 1 + (uint64_t)allowed);
        CU_ASSERT_EQUAL(entries_used(root), allowed > 0);
        CU_ASSERT_TRUE(no_poison_in_tables());
    }

    /* What was built stays in place and is reused: only the PT is missing now. */
    frames_allowed = 1;
    CU_ASSERT_EQUAL(paging_map(root, va, pa, PTE_WRITE | PTE_USER), 0);
    CU_ASSERT_EQUAL(frames_used(), 4);
    CU_ASSERT_TRUE(paging_query(root, va, &pte));
    CU_ASSERT_EQUAL(pte, pa | PTE_WRITE | PTE_USER | PTE_PRESENT);

    /* With no frames at all, pages whose tables exist can still be mapped. */
    frames_allowed = 0;
    CU_ASSERT_EQUAL(paging_map(root, va + PAGE_SIZE, pa, 0), 0);
    CU_ASSERT_EQUAL(paging_map(root, va + HUGE_PAGE_SIZE, pa, 0), -1);
    CU_ASSERT_EQUAL(paging_map(root, 0xFFFF800000000000ull, pa, 0), -1);
    CU_ASSERT_EQUAL(frames_used(), 4);
    CU_ASSERT_EQUAL(entries_used(root), 1);
}

/* Random maps, unmaps and queries over clustered addresses, against a shadow of the leaves. */
static void test_random_against_shadow(void)
{
    static const uint64_t bases[] = {
        0, 0x3FE00000, 0x7FFFE00000, 0x7FFFFFC00000, 0xFFFF800000000000ull, 0xFFFFFFFFFFC00000ull,
        0x0000800000000000ull,   /* non-canonical: always refused */
    };
    static const uint64_t offsets[] = { 0, 0x1000, 0x5000, 0x1FF000, 0x200000, 0x201000, 0x3FE000, 0x3FF000 };
    static const uint64_t flag_bits[] = { PTE_WRITE, PTE_USER, PTE_NX, PTE_PCD, PTE_PWT, PTE_GLOBAL };
    enum { NB = sizeof bases / sizeof bases[0], NO = sizeof offsets / sizeof offsets[0], N = NB * NO };
    uint64_t va[N], shadow[N] = { 0 };
    bool ever[N] = { false };
    uint64_t rng = 0x243F6A8885A308D3ull;
    unsigned maps = 0, unmaps = 0;

    for (int i = 0; i < N; i++)
        va[i] = bases[i / NO] + offsets[i % NO];

    for (int step = 0; step < 20000; step++) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        int i = (int)(rng % N);
        bool canonical = i / NO != NB - 1;
        uint64_t pte;

        if ((rng >> 8) % 2) {
            uint64_t pa = ((rng >> 16) & 0xFFFFFFFFull) << 12, flags = 0;
            for (size_t b = 0; b < sizeof flag_bits / sizeof flag_bits[0]; b++)
                if ((rng >> (50 + b)) & 1)
                    flags |= flag_bits[b];
            int want = canonical && !shadow[i] ? 0 : -1;
            CU_ASSERT_EQUAL_FATAL(paging_map(root, va[i], pa, flags), want);
            if (want == 0) {
                shadow[i] = pa | flags | PTE_PRESENT;
                ever[i] = true;
                maps++;
            }
        } else {
            CU_ASSERT_EQUAL_FATAL(pagetable_unmap(root, va[i]), shadow[i]);
            unmaps += shadow[i] != 0;
            shadow[i] = 0;
        }
        for (int j = 0; j < N; j++) {
            pte = 0;
            CU_ASSERT_EQUAL_FATAL(paging_query(root, va[j], &pte), shadow[j] != 0);
            CU_ASSERT_EQUAL_FATAL(pte, shadow[j]);
        }
    }
    CU_ASSERT(maps > 1000 && unmaps > 1000);

    /* Exactly one table per distinct prefix of the addresses ever mapped, plus the root. */
    uint64_t expect = 1;
    for (int level = 3; level >= 1; level--) {
        int shift = 12 + 9 * level;
        for (int i = 0; i < N; i++) {
            bool first = ever[i];
            for (int j = 0; j < i && first; j++)
                if (ever[j] && va[j] >> shift == va[i] >> shift)
                    first = false;
            expect += first;
        }
    }
    CU_ASSERT_EQUAL(frames_used(), expect);
    CU_ASSERT_TRUE(no_poison_in_tables());
}

static CU_TestInfo pagetable_tests[] = {
    { "alloc zeroes", test_alloc_zeroes },
    { "round trip low", test_round_trip_low },
    { "round trip top of user space", test_round_trip_top_of_user },
    { "round trip kernel", test_round_trip_kernel },
    { "non-canonical refused", test_non_canonical_refused },
    { "unaligned refused", test_unaligned_refused },
    { "double map refused", test_double_map_refused },
    { "tables created once and shared", test_tables_created_once_and_shared },
    { "user bit only below the hole", test_user_bit_only_below_hole },
    { "leaf flags preserved", test_leaf_flags_preserved },
    { "query huge entries", test_query_huge_entries },
    { "walk levels", test_walk_levels },
    { "unmap unmapped", test_unmap_unmapped },
    { "out of frames", test_out_of_frames },
    { "random against shadow", test_random_against_shadow },
    CU_TEST_INFO_NULL,
};

int test_pagetable_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "pagetable", .pInitFunc = pt_suite_init, .pCleanupFunc = pt_suite_cleanup,
          .pSetUpFunc = pt_setup, .pTests = pagetable_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
