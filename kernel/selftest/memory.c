/* Self-tests of physical memory and the kernel page tables on the real machine. */
#include "selftest/selftest.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"
#include "mm/pmm.h"

extern char kernel_text_start[], kernel_rodata_start[], kernel_data_start[], kernel_boot_stack[];

#define BATCH 256

SELFTEST(frames_alloc_free)
{
    frame_allocator_t *fa = pmm_allocator();
    uint64_t before = fa->free_count;
    static uint64_t got[BATCH];
    for (int i = 0; i < BATCH; i++) {
        got[i] = pmm_alloc_frame();
        SELFTEST_CHECK(got[i] != 0 && (got[i] & (FRAME_SIZE - 1)) == 0);
        SELFTEST_CHECK(frame_is_used(fa, got[i]));
        for (int j = 0; j < i; j++)
            SELFTEST_CHECK(got[j] != got[i]);
    }
    SELFTEST_CHECK(fa->free_count == before - BATCH);
    for (int i = 0; i < BATCH; i++)
        pmm_free_frame(got[i]);
    SELFTEST_CHECK(fa->free_count == before);
    SELFTEST_CHECK(!frame_free(fa, got[0]));   /* double free refused */
    SELFTEST_CHECK(frame_check(fa));
    return true;
}

SELFTEST(frames_exhaust_and_return)
{
    /* Every free frame can be taken once, and all come back: nothing leaks. */
    frame_allocator_t *fa = pmm_allocator();
    uint64_t before = fa->free_count;
    uint64_t head = 0, n = 0, f;
    while ((f = pmm_alloc_frame()) != 0) {
        *(uint64_t *)phys_to_virt(f) = head;   /* chain the frames through themselves */
        head = f;
        n++;
    }
    SELFTEST_CHECK(n == before && fa->free_count == 0);
    while (head) {
        uint64_t next = *(uint64_t *)phys_to_virt(head);
        pmm_free_frame(head);
        head = next;
    }
    SELFTEST_CHECK(fa->free_count == before);
    SELFTEST_CHECK(frame_check(fa));
    log_line("selftest", "allocated and freed all %lu free frames", (unsigned long)n);
    return true;
}

static bool has_flags(uint64_t va, uint64_t want, uint64_t reject)
{
    uint64_t pte;
    if (!paging_query(read_cr3(), va, &pte))
        return false;
    return (pte & want) == want && (pte & reject) == 0;
}

SELFTEST(kernel_w_xor_x)
{
    SELFTEST_CHECK(has_flags((uint64_t)kernel_text_start, PTE_PRESENT, PTE_WRITE | PTE_NX));
    SELFTEST_CHECK(has_flags((uint64_t)kernel_rodata_start, PTE_PRESENT | PTE_NX, PTE_WRITE));
    SELFTEST_CHECK(has_flags((uint64_t)kernel_data_start, PTE_PRESENT | PTE_WRITE | PTE_NX, 0));
    SELFTEST_CHECK(has_flags(PHYS_MAP_BASE + 0x100000, PTE_PRESENT | PTE_WRITE | PTE_NX, 0));
    SELFTEST_CHECK(has_flags((uint64_t)kernel_boot_stack, PTE_PRESENT | PTE_WRITE | PTE_NX, 0));
    /* The boot identity mapping is gone: low addresses fault. */
    uint64_t pte;
    SELFTEST_CHECK(!paging_query(read_cr3(), 0, &pte));
    SELFTEST_CHECK(!paging_query(read_cr3(), KERNEL_PHYS_LOAD, &pte));
    SELFTEST_CHECK(rdmsr(MSR_EFER) & EFER_NXE);
    SELFTEST_CHECK(read_cr0() & CR0_WP);
    return true;
}

SELFTEST(map_and_unmap_page)
{
    const uint64_t va = MMIO_WINDOW_BASE + MMIO_WINDOW_SIZE - PAGE_SIZE;
    uint64_t root = read_cr3(), pte;
    uint64_t frame = pmm_alloc_frame();
    SELFTEST_CHECK(frame != 0);
    SELFTEST_CHECK(paging_map(root, va, frame, PTE_WRITE | PTE_NX) == 0);
    SELFTEST_CHECK(paging_map(root, va, frame, PTE_WRITE | PTE_NX) == -1);   /* already mapped */
    SELFTEST_CHECK(paging_map(root, 0x0000800000000000ull, frame, 0) == -1); /* not canonical */
    SELFTEST_CHECK(paging_map(root, va + 1, frame, 0) == -1);                /* unaligned */
    *(volatile uint64_t *)va = 0x5eed;
    SELFTEST_CHECK(*(volatile uint64_t *)phys_to_virt(frame) == 0x5eed);
    SELFTEST_CHECK(paging_query(root, va, &pte) && (pte & PTE_ADDR_MASK) == frame);
    SELFTEST_CHECK(paging_unmap(root, va) == frame);
    SELFTEST_CHECK(!paging_query(root, va, &pte));
    SELFTEST_CHECK(paging_unmap(root, va) == 0);
    pmm_free_frame(frame);
    return true;
}
