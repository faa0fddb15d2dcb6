/*
 * Unit tests for vmm-server/guest_paging.c: page tables built in a host buffer standing in
 * for guest memory, in every paging mode (32-bit with 4 KiB, 4 MiB and PSE-36 pages, PAE
 * with 2 MiB pages, long mode 4- and 5-level with 2 MiB and 1 GiB pages), rights, reserved
 * bits, canonical addresses, reads across pages, and random tables.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <agora/errors.h>
#include "guest_paging.h"
#include "suites.h"

#define MEM_BYTES (1u << 20)
#define CR0_PE 1ull
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define P 1ull
#define RW 2ull
#define US 4ull
#define PS 0x80ull
#define NX (1ull << 63)

static uint8_t *mem;
static uint64_t next_table;     /* bump allocator for long-mode tables */
static unsigned reads;

static int mem_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
    (void)ctx;
    reads++;
    if (gpa >= MEM_BYTES || len > MEM_BYTES - gpa)
        return -E_RANGE;
    memcpy(buf, mem + gpa, len);
    return 0;
}

static int suite_init(void)
{
    mem = malloc(MEM_BYTES);
    return mem ? 0 : -1;
}

static int suite_clean(void)
{
    free(mem);
    return 0;
}

static void fresh(void)
{
    memset(mem, 0, MEM_BYTES);
    next_table = 0x10000;
}

static void put32(uint64_t gpa, uint32_t v)
{
    memcpy(mem + gpa, &v, 4);
}

static void put64(uint64_t gpa, uint64_t v)
{
    memcpy(mem + gpa, &v, 8);
}

static uint64_t get64(uint64_t gpa)
{
    uint64_t v;

    memcpy(&v, mem + gpa, 8);
    return v;
}

/* Long mode: maps va to pa with a leaf at level (1: 4 KiB, 2: 2 MiB, 3: 1 GiB) under the table at root. */
static void map_long(uint64_t root, unsigned levels, uint64_t va, uint64_t pa, unsigned leaf, uint64_t flags)
{
    uint64_t table = root;

    for (unsigned level = levels; level > leaf; level--) {
        uint64_t slot = table + ((va >> (12 + 9 * (level - 1))) & 0x1ff) * 8, e = get64(slot);

        if (!(e & P)) {
            e = next_table | P | RW | US;
            next_table += 0x1000;
            put64(slot, e);
        }
        table = e & 0x000ffffffffff000ull;
    }
    put64(table + ((va >> (12 + 9 * (leaf - 1))) & 0x1ff) * 8, pa | flags | (leaf > 1 ? PS : 0));
}

static int translate(const struct guest_paging *p, uint64_t va, bool write, bool user, uint64_t *gpa)
{
    *gpa = 0xdeadull;
    return guest_translate(p, va, write, user, mem_read, NULL, gpa);
}

static void test_paging_off(void)
{
    struct guest_paging p = { .cr0 = CR0_PE };
    uint64_t gpa;

    fresh();
    reads = 0;
    CU_ASSERT_EQUAL(translate(&p, 0x12345678, true, true, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x12345678);
    CU_ASSERT_EQUAL(reads, 0);
}

static void test_32bit(void)
{
    struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000 };
    uint64_t gpa;

    fresh();
    put32(0x1000 + 1 * 4, 0x2000 | P | RW | US);                /* va 0x400000: page table at 0x2000 */
    put32(0x2000 + 5 * 4, 0x123000 | P | RW | US);
    put32(0x2000 + 6 * 4, 0x124000 | P);                        /* read-only, supervisor */
    CU_ASSERT_EQUAL(translate(&p, 0x405abc, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x123abc);
    CU_ASSERT_EQUAL(translate(&p, 0x405abc, true, true, &gpa), 0);
    CU_ASSERT_EQUAL(translate(&p, 0x407000, false, false, &gpa), -E_FAULT);     /* PTE not present */
    CU_ASSERT_EQUAL(translate(&p, 0x800000, false, false, &gpa), -E_FAULT);     /* PDE not present */
    CU_ASSERT_EQUAL(gpa, 0xdeadull);                                            /* untouched on error */
    /* Rights: read-only is writable by the kernel only without CR0.WP; supervisor pages not by users. */
    CU_ASSERT_EQUAL(translate(&p, 0x406010, true, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x124010);
    p.cr0 |= CR0_WP;
    CU_ASSERT_EQUAL(translate(&p, 0x406010, true, false, &gpa), -E_FAULT);
    CU_ASSERT_EQUAL(translate(&p, 0x406010, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(translate(&p, 0x406010, false, true, &gpa), -E_FAULT);
    p.cr0 &= ~CR0_WP;
    CU_ASSERT_EQUAL(translate(&p, 0x406010, true, true, &gpa), -E_FAULT);
    /* The directory's rights count too. */
    put32(0x1000 + 1 * 4, 0x2000 | P | RW);
    CU_ASSERT_EQUAL(translate(&p, 0x405abc, false, true, &gpa), -E_FAULT);
    put32(0x1000 + 1 * 4, 0x2000 | P | US);
    CU_ASSERT_EQUAL(translate(&p, 0x405abc, true, true, &gpa), -E_FAULT);
    CU_ASSERT_EQUAL(translate(&p, 0x405abc, false, true, &gpa), 0);
    /* Only the low 32 bits of the address count. */
    CU_ASSERT_EQUAL(translate(&p, 0xffffffff00405abcull, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x123abc);
}

static void test_32bit_large(void)
{
    struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PSE };
    uint64_t gpa;

    fresh();
    put32(0x1000 + 2 * 4, 0x00c00000 | PS | P | RW);            /* va 0x800000: 4 MiB at 12 MiB */
    put32(0x1000 + 3 * 4, 0x3000 | PS | P | RW);                /* as PSE: PSE-36 bit 13 = PA bit 32 */
    put32(0x3000 + 1 * 4, 0x555000 | P | RW);                   /* as a page table */
    put32(0x1000 + 4 * 4, 0x00200000 | PS | P);                 /* bit 21: reserved */
    CU_ASSERT_EQUAL(translate(&p, 0x812345, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0xc12345);
    CU_ASSERT_EQUAL(translate(&p, 0xc01234, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x100001234ull);
    CU_ASSERT_EQUAL(translate(&p, 0x1000000, false, false, &gpa), -E_INVAL);
    p.maxphyaddr = 32;                                          /* PA bit 32 is then reserved */
    CU_ASSERT_EQUAL(translate(&p, 0xc01234, false, false, &gpa), -E_INVAL);
    /* Without CR4.PSE the PS bit means nothing: a page table. */
    p.cr4 = 0;
    CU_ASSERT_EQUAL(translate(&p, 0xc01234, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x555234);
    /* A table the reader cannot reach: its error comes back. */
    CU_ASSERT_EQUAL(translate(&p, 0x812345, false, false, &gpa), -E_RANGE);
}

static void test_pae(void)
{
    struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x4020, .cr4 = CR4_PAE, .efer = EFER_NXE };
    uint64_t gpa;

    fresh();
    put64(0x4020 + 2 * 8, 0x5000 | P);                          /* va 0x80000000 */
    put64(0x5000 + 1 * 8, 0x40000000 | PS | P | RW | US);       /* 2 MiB at 1 GiB */
    put64(0x5000 + 0 * 8, 0x6000 | P | RW | US);
    put64(0x6000 + 3 * 8, 0xabc000 | NX | P | RW | US);
    put64(0x5000 + 2 * 8, 0x40002000 | PS | P);                 /* bit 13 of a 2 MiB page: reserved */
    put64(0x4020 + 3 * 8, 0x7000 | P | RW);                     /* PDPTE bit 1: reserved */
    CU_ASSERT_EQUAL(translate(&p, 0x80212345, true, true, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x40012345);
    CU_ASSERT_EQUAL(translate(&p, 0x80003123, false, true, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0xabc123);
    CU_ASSERT_EQUAL(translate(&p, 0x80400000, false, false, &gpa), -E_INVAL);
    CU_ASSERT_EQUAL(translate(&p, 0xc0000000, false, false, &gpa), -E_INVAL);
    CU_ASSERT_EQUAL(translate(&p, 0x00000000, false, false, &gpa), -E_FAULT);   /* PDPTE 0 not present */
    CU_ASSERT_EQUAL(translate(&p, 0x80600000, false, false, &gpa), -E_FAULT);   /* PDE 3 not present */
    /* NX without EFER.NXE is a reserved bit. */
    p.efer = 0;
    CU_ASSERT_EQUAL(translate(&p, 0x80003123, false, false, &gpa), -E_INVAL);
    CU_ASSERT_EQUAL(translate(&p, 0x80212345, false, false, &gpa), 0);
    /* PAE (not long mode): bits 62:52 are reserved too. */
    put64(0x5000 + 1 * 8, 0x40000000 | PS | P | (1ull << 55));
    CU_ASSERT_EQUAL(translate(&p, 0x80212345, false, false, &gpa), -E_INVAL);
}

static void test_long_mode(void)
{
    struct guest_paging p = { .cr0 = CR0_PE | CR0_PG | CR0_WP, .cr3 = 0x1000, .cr4 = CR4_PAE,
                              .efer = EFER_LME | EFER_LMA | EFER_NXE };
    uint64_t gpa;

    fresh();
    map_long(0x1000, 4, 0xffff800000201000ull, 0x7654000, 1, P | RW);
    map_long(0x1000, 4, 0x0000000000400000ull, 0x8000000, 1, P | RW | US | NX);
    map_long(0x1000, 4, 0x0000000040000000ull, 0x80000000ull, 3, P | RW | US);       /* 1 GiB */
    map_long(0x1000, 4, 0x0000000000600000ull, 0x00a00000ull, 2, P | US);            /* 2 MiB */
    map_long(0x1000, 4, 0x00007fffffffe000ull, 0x00fff000ull, 1, P | RW | US);
    CU_ASSERT_EQUAL(translate(&p, 0xffff800000201abcull, true, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x7654abc);
    CU_ASSERT_EQUAL(translate(&p, 0xffff800000201abcull, false, true, &gpa), -E_FAULT);
    CU_ASSERT_EQUAL(translate(&p, 0x400008, false, true, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x8000008);
    CU_ASSERT_EQUAL(translate(&p, 0x40123456, true, true, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x80123456);
    CU_ASSERT_EQUAL(translate(&p, 0x7fffffff, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0xbfffffffull);
    CU_ASSERT_EQUAL(translate(&p, 0x6abcde, false, true, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0xaabcde);
    CU_ASSERT_EQUAL(translate(&p, 0x6abcde, true, false, &gpa), -E_FAULT);   /* read-only with WP */
    CU_ASSERT_EQUAL(translate(&p, 0x00007fffffffeff8ull, true, true, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0xfffff8);
    CU_ASSERT_EQUAL(translate(&p, 0x800000, false, false, &gpa), -E_FAULT);
    /* Not canonical. */
    CU_ASSERT_EQUAL(translate(&p, 0x0000800000000000ull, false, false, &gpa), -E_FAULT);
    CU_ASSERT_EQUAL(translate(&p, 0xfff0000000000000ull, false, false, &gpa), -E_FAULT);
    /* NX needs EFER.NXE. */
    p.efer &= ~EFER_NXE;
    CU_ASSERT_EQUAL(translate(&p, 0x400008, false, true, &gpa), -E_INVAL);
    p.efer |= EFER_NXE;
    /* Physical-address bits beyond maxphyaddr are reserved. */
    p.maxphyaddr = 31;
    CU_ASSERT_EQUAL(translate(&p, 0x40123456, false, false, &gpa), -E_INVAL);
    CU_ASSERT_EQUAL(translate(&p, 0x400008, false, false, &gpa), 0);
    p.maxphyaddr = 0;
    /* The OS's bits 62:52 are ignored in long mode. */
    put64(next_table - 0x1000 + 0x1fe * 8, get64(next_table - 0x1000 + 0x1fe * 8) | (0x7ffull << 52));
    CU_ASSERT_EQUAL(translate(&p, 0x00007fffffffe010ull, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0xfff010);
}

static void test_long_mode_reserved_ps(void)
{
    struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA };
    uint64_t gpa;

    fresh();
    put64(0x1000, 0x0 | PS | P | RW);                           /* PS in a PML4E */
    CU_ASSERT_EQUAL(translate(&p, 0x1234, false, false, &gpa), -E_INVAL);
    map_long(0x1000, 4, 0x8000000000ull, 0x40000000ull | (1ull << 20), 3, P);   /* 1 GiB page with bit 20 */
    CU_ASSERT_EQUAL(translate(&p, 0x8000000000ull, false, false, &gpa), -E_INVAL);
    map_long(0x1000, 4, 0x8040000000ull, 0x40000000ull | (1ull << 12), 3, P);   /* bit 12 is PAT: fine */
    CU_ASSERT_EQUAL(translate(&p, 0x8040000010ull, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x40000010ull);
}

static void test_five_level(void)
{
    struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE | CR4_LA57,
                              .efer = EFER_LME | EFER_LMA };
    uint64_t gpa;

    fresh();
    map_long(0x1000, 5, 0x00ff800000003000ull, 0x333000, 1, P | RW);
    map_long(0x1000, 5, 0xff00000000000000ull, 0x444000, 1, P | RW);
    CU_ASSERT_EQUAL(translate(&p, 0x00ff800000003008ull, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x333008);
    CU_ASSERT_EQUAL(translate(&p, 0xff00000000000ff0ull, false, false, &gpa), 0);
    CU_ASSERT_EQUAL(gpa, 0x444ff0);
    CU_ASSERT_EQUAL(translate(&p, 0x0100000000000000ull, false, false, &gpa), -E_FAULT);   /* not canonical at 57 */
    p.cr4 &= ~CR4_LA57;
    CU_ASSERT_EQUAL(translate(&p, 0x00ff800000003008ull, false, false, &gpa), -E_FAULT);   /* nor at 48 */
}

static void test_read_virt(void)
{
    struct guest_paging p = { .cr0 = CR0_PE | CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA };
    uint8_t buf[32];

    fresh();
    map_long(0x1000, 4, 0x400000, 0x90000, 1, P | RW | US);
    map_long(0x1000, 4, 0x401000, 0x70000, 1, P | RW | US);
    memcpy(mem + 0x90ff8, "ABCDEFGH", 8);
    memcpy(mem + 0x70000, "IJKLMNOP", 8);
    CU_ASSERT_EQUAL(guest_read_virt(&p, 0x400ff8, buf, 16, true, mem_read, NULL), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "ABCDEFGHIJKLMNOP", 16), 0);
    CU_ASSERT_EQUAL(guest_read_virt(&p, 0x401ff8, buf, 16, false, mem_read, NULL), -E_FAULT);
    CU_ASSERT_EQUAL(guest_read_virt(&p, 0x400000, buf, 0, false, mem_read, NULL), 0);
    p.cr0 = CR0_PE;
    CU_ASSERT_EQUAL(guest_read_virt(&p, 0x70004, buf, 4, false, mem_read, NULL), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "MNOP", 4), 0);
}

/* Random bytes as tables in every mode: only ever 0 or an error, and a result inside the page's reach. */
static void test_random_tables(void)
{
    uint64_t seed = 0x0123456789abcdefull;
    unsigned ok = 0;

    fresh();
    for (int round = 0; round < 20000; round++) {
        struct guest_paging p = { .cr0 = CR0_PE | CR0_PG };
        uint64_t va, gpa;
        int r;

        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        if (round % 500 == 0) {
            /* New tables: random words, biased so entries are present and point into memory. */
            for (size_t i = 0; i < MEM_BYTES / 8; i++) {
                uint64_t v;

                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                v = seed;
                if (seed & 0x100)
                    v = (v & 0xfffffull & ~0xfffull) | (v & 0x87) | P;
                put64(i * 8, v);
            }
        }
        p.cr3 = seed & 0xfffffull;
        p.cr4 = (seed >> 20) & (CR4_PSE | CR4_PAE | CR4_LA57);
        p.efer = (seed >> 30) & 1 ? EFER_LME | EFER_LMA : 0;
        p.efer |= (seed >> 31) & 1 ? EFER_NXE : 0;
        p.maxphyaddr = (seed >> 32) & 1 ? 36 : 0;
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        va = seed;
        r = translate(&p, va, (seed >> 60) & 1, (seed >> 61) & 1, &gpa);
        CU_ASSERT(r == 0 || r == -E_FAULT || r == -E_INVAL || r == -E_RANGE);
        if (r == 0) {
            ok++;
            CU_ASSERT_EQUAL(gpa & 0xfff, va & 0xfff);
            if (p.maxphyaddr == 36 && (p.efer & EFER_LMA))
                CU_ASSERT(gpa < (1ull << 36));
        }
    }
    CU_ASSERT(ok > 100);
}

int test_vmm_paging_register(void)
{
    CU_pSuite s = CU_add_suite("vmm guest paging", suite_init, suite_clean);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "paging off", test_paging_off) || !CU_add_test(s, "32-bit", test_32bit) ||
        !CU_add_test(s, "32-bit large pages", test_32bit_large) || !CU_add_test(s, "PAE", test_pae) ||
        !CU_add_test(s, "long mode", test_long_mode) ||
        !CU_add_test(s, "long mode reserved bits", test_long_mode_reserved_ps) ||
        !CU_add_test(s, "5-level", test_five_level) || !CU_add_test(s, "reads across pages", test_read_virt) ||
        !CU_add_test(s, "random tables", test_random_tables))
        return CU_get_error();
    return CUE_SUCCESS;
}
