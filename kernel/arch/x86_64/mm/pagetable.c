/* Page-table walking and editing for x86_64 four-level paging; no privileged instructions. */
#include "arch/x86_64/mm/pagetable.h"
#include "lib/string.h"
#include "mm/pmm.h"

static inline unsigned level_index(uint64_t va, int level)
{
    return (va >> (12 + 9 * level)) & 0x1FF;
}

static bool is_canonical(uint64_t va)
{
    uint64_t top = va >> 47;
    return top == 0 || top == 0x1FFFF;
}

static uint64_t *table_at(uint64_t phys)
{
    return phys_to_virt(phys);
}

uint64_t pagetable_alloc(void)
{
    uint64_t f = pmm_alloc_frame();
    if (f == 0)
        return 0;
    memset(table_at(f), 0, PAGE_SIZE);
    return f;
}

uint64_t *pagetable_walk(uint64_t root, uint64_t va, int level, bool create)
{
    uint64_t *table = table_at(root);
    for (int l = 3; l > level; l--) {
        uint64_t *e = &table[level_index(va, l)];
        if (!(*e & PTE_PRESENT)) {
            if (!create)
                return 0;
            uint64_t t = pagetable_alloc();
            if (!t)
                return 0;
            /* Permissions are decided at the leaf; intermediate levels allow everything. */
            *e = t | PTE_PRESENT | PTE_WRITE | (va < (1ull << 47) ? PTE_USER : 0);
        } else if (*e & PTE_HUGE) {
            return 0;
        }
        table = table_at(*e & PTE_ADDR_MASK);
    }
    return &table[level_index(va, level)];
}

int paging_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
    if (!is_canonical(va) || (va | pa) & (PAGE_SIZE - 1))
        return -1;
    uint64_t *e = pagetable_walk(root, va, 0, true);
    if (!e || (*e & PTE_PRESENT))
        return -1;
    *e = pa | flags | PTE_PRESENT;
    return 0;
}

uint64_t pagetable_unmap(uint64_t root, uint64_t va)
{
    /* A non-canonical va would alias the other half's tables (bit 47 picks the PML4 slot). */
    if (!is_canonical(va))
        return 0;
    uint64_t *e = pagetable_walk(root, va, 0, false);
    if (!e || !(*e & PTE_PRESENT))
        return 0;
    uint64_t old = *e;
    *e = 0;
    return old;
}

bool paging_query(uint64_t root, uint64_t va, uint64_t *pte_out)
{
    if (!is_canonical(va))
        return false;
    uint64_t *table = table_at(root);
    for (int l = 3; l >= 0; l--) {
        uint64_t e = table[level_index(va, l)];
        if (!(e & PTE_PRESENT))
            return false;
        if (l == 0 || (e & PTE_HUGE)) {
            *pte_out = e;
            return true;
        }
        table = table_at(e & PTE_ADDR_MASK);
    }
    return false;
}
