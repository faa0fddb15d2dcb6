/* User address spaces on x86_64 page tables; all user access goes through a table walk. */
#include "mm/vspace.h"
#include "arch/x86_64/mm/paging.h"
#include "agora/errors.h"
#include "lib/string.h"
#include "mm/pmm.h"

uint64_t vspace_create(void)
{
    uint64_t root = pmm_alloc_frame();
    if (!root)
        return 0;
    uint64_t *pml4 = phys_to_virt(root);
    const uint64_t *kernel = phys_to_virt(paging_kernel_root());
    memset(pml4, 0, 256 * sizeof(uint64_t));
    memcpy(pml4 + 256, kernel + 256, 256 * sizeof(uint64_t));
    return root;
}

static void free_table(uint64_t phys, int level)
{
    uint64_t *t = phys_to_virt(phys);
    if (level > 0) {
        for (int i = 0; i < 512; i++)
            if ((t[i] & PTE_PRESENT) && !(t[i] & PTE_HUGE))
                free_table(t[i] & PTE_ADDR_MASK, level - 1);
    }
    pmm_free_frame(phys);
}

void vspace_destroy(uint64_t root)
{
    uint64_t *pml4 = phys_to_virt(root);
    for (int i = 0; i < 256; i++)
        if (pml4[i] & PTE_PRESENT)
            free_table(pml4[i] & PTE_ADDR_MASK, 2);
    pmm_free_frame(root);
}

bool user_range_ok(uint64_t va, uint64_t len)
{
    return va >= USER_BOTTOM && va < USER_TOP && len <= USER_TOP - va;
}

void *user_ptr(uint64_t root, uint64_t va, bool write)
{
    uint64_t pte;
    if (va >= USER_TOP || !paging_query(root, va, &pte))
        return 0;
    if (!(pte & PTE_USER) || (write && !(pte & PTE_WRITE)) || (pte & PTE_HUGE))
        return 0;
    return (char *)phys_to_virt(pte & PTE_ADDR_MASK) + (va & (PAGE_SIZE - 1));
}

static int copy_user(uint64_t root, uint64_t uva, char *kbuf, size_t n, bool to_user)
{
    if (n == 0)
        return 0;
    if (!user_range_ok(uva, n))
        return -E_FAULT;
    while (n) {
        size_t chunk = PAGE_SIZE - (uva & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        char *p = user_ptr(root, uva, to_user);
        if (!p)
            return -E_FAULT;
        if (to_user)
            memcpy(p, kbuf, chunk);
        else
            memcpy(kbuf, p, chunk);
        uva += chunk;
        kbuf += chunk;
        n -= chunk;
    }
    return 0;
}

int copy_from_user(uint64_t root, void *dst, uint64_t src, size_t n)
{
    return copy_user(root, src, dst, n, false);
}

int copy_to_user(uint64_t root, uint64_t dst, const void *src, size_t n)
{
    return copy_user(root, dst, (char *)src, n, true);
}
