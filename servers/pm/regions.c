/* Lookups in an image's regions and pages (regions.h). Pure. */
#include "regions.h"

#include <agora/errors.h>

#define PAGE 4096ull

long pm_region_entry(const struct pm_image *img, uint64_t vaddr, uint64_t rights)
{
    for (unsigned i = 0; i < img->n; i++) {
        const struct pm_region *g = &img->r[i];

        if (vaddr >= g->vaddr && vaddr - g->vaddr < g->pages * PAGE)
            return (g->rights & rights) == rights ? (long)(g->first + (vaddr - g->vaddr) / PAGE) : -1;
    }
    return -1;
}

long pm_region_check(const struct pm_image *img, uint64_t vaddr, uint64_t len, uint64_t rights)
{
    if (len == 0)
        return 0;
    if (vaddr + len < vaddr)
        return -E_FAULT;
    for (uint64_t va = vaddr & ~(PAGE - 1); va < vaddr + len; va += PAGE)
        if (pm_region_entry(img, va, rights) < 0)
            return -E_FAULT;
    return 0;
}

uint32_t pm_region_run(const struct pm_image *img, uint32_t j, uint64_t max)
{
    uint32_t e = img->page[j], n = 1;

    while (n < max && PM_PAGE_IDX(e & ~PM_IMAGE_WRITABLE) + n < PM_COW_OBJ_PAGES && img->page[j + n] == e + n)
        n++;
    return n;
}
