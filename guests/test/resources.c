/* Primitives 4, 5, 6: resources by hypercall, RAM mapped on demand, and page flipping with the VMM. */
#include "guest.h"

#define TOUCH_BASE  0x500000u       /* 256 pages the guest has not touched yet */
#define TOUCH_PAGES 256u
#define FLIP_GPA    0x700000u

static const char *resources_check(uint32_t *detail)
{
    int32_t mem = hc_info(HC_INFO_MEM_BYTES), max = hc_info(HC_INFO_MEM_MAX), gpa, r;

    *detail = 0;
    if (hc_info(HC_INFO_ABI) != HC_ABI_VERSION)
        return *detail = (uint32_t)hc_info(HC_INFO_ABI), "ABI version";
    if (hc_info(HC_INFO_VCPUS) != 1 || hc_info(HC_INFO_VM_ID) <= 0)
        return *detail = (uint32_t)hc_info(HC_INFO_VM_ID), "vCPUs or VM id";
    if (mem < 0x800000 || max < mem)
        return *detail = (uint32_t)mem, "RAM size (at least 8 MiB)";
    /* Bad arguments get errors, never the end of the VM. */
    if ((r = hc_info(HC_INFO_FIELDS)) != -E_INVAL || (r = hypercall(999, 0, 0, 0, 0)) != -E_NOSYS ||
        (r = hypercall(HC_MEM_REQUEST, 0, 0, 0, 0)) != -E_INVAL ||
        (r = hypercall(HC_MEM_REQUEST, HC_MEM_REQUEST_MAX + 1, 0, 0, 0)) != -E_RANGE ||
        (r = hypercall(HC_MEM_RELEASE, (uint32_t)mem - PAGE + 1, 1, 0, 0)) != -E_ALIGN ||
        (r = hypercall(HC_MEM_RELEASE, 0x100000, 1, 0, 0)) != -E_INVAL)
        return *detail = (uint32_t)r, "a bad argument was not refused";
    /* 16 more pages at the end of RAM, usable at once, then given back. */
    if ((gpa = hypercall(HC_MEM_REQUEST, 16, 0, 0, 0)) != mem)
        return *detail = (uint32_t)gpa, "MEM_REQUEST";
    if (hc_info(HC_INFO_MEM_BYTES) != mem + 16 * (int32_t)PAGE)
        return *detail = (uint32_t)hc_info(HC_INFO_MEM_BYTES), "MEM_BYTES after MEM_REQUEST";
    for (uint32_t i = 0; i < 16; i++)
        *(volatile uint32_t *)(gpa + i * PAGE + 8) = 0x4d454d00u + i;
    for (uint32_t i = 0; i < 16; i++)
        if (*(volatile uint32_t *)(gpa + i * PAGE + 8) != 0x4d454d00u + i)
            return *detail = i, "requested RAM did not keep what was written";
    if ((r = hypercall(HC_MEM_RELEASE, (uint32_t)gpa, 16, 0, 0)) != 0)
        return *detail = (uint32_t)r, "MEM_RELEASE";
    if (hc_info(HC_INFO_MEM_BYTES) != mem)
        return *detail = (uint32_t)hc_info(HC_INFO_MEM_BYTES), "MEM_BYTES after MEM_RELEASE";
    return 0;
}

static const char *on_demand_check(uint32_t *detail)
{
    int32_t before = hc_info(HC_INFO_NESTED_FAULTS), after;

    for (uint32_t i = 0; i < TOUCH_PAGES; i++)
        *(volatile uint32_t *)(TOUCH_BASE + i * PAGE) = 0x5a000000u + i;
    after = hc_info(HC_INFO_NESTED_FAULTS);
    *detail = (uint32_t)(after - before);
    if (before < 0 || after - before < (int32_t)TOUCH_PAGES)
        return "fewer nested faults than pages touched";
    for (uint32_t i = 0; i < TOUCH_PAGES; i++)
        if (*(volatile uint32_t *)(TOUCH_BASE + i * PAGE) != 0x5a000000u + i)
            return *detail = i, "a page lost its contents";
    return 0;
}

static uint32_t page_hash(const volatile uint8_t *p)
{
    uint32_t h = HC_HASH_SEED;

    for (uint32_t i = 0; i < PAGE; i++)
        h = (h ^ p[i]) * HC_HASH_PRIME;
    return h & HC_HASH_MASK;
}

static const char *flip_check(uint32_t *detail)
{
    volatile uint32_t *w = (volatile uint32_t *)FLIP_GPA;
    int32_t mem = hc_info(HC_INFO_MEM_BYTES), r;

    *detail = 0;
    for (uint32_t i = 0; i < PAGE / 4; i++)
        w[i] = i * 3 + 0x464c0000u;
    if ((r = hypercall(HC_PAGE_FLIP, FLIP_GPA + 4, 0, 0, 0)) != -E_ALIGN ||
        (r = hypercall(HC_PAGE_FLIP, (uint32_t)mem, 0, 0, 0)) != -E_FAULT)
        return *detail = (uint32_t)r, "a bad page was not refused";
    r = hypercall(HC_PAGE_FLIP, FLIP_GPA, 0, 0, 0);
    if (r < 0)
        return *detail = (uint32_t)r, "PAGE_FLIP";
    /* What the VMM read must be what we wrote: recompute the hash of our words. */
    uint32_t h = HC_HASH_SEED;
    for (uint32_t i = 0; i < PAGE / 4; i++) {
        uint32_t v = i * 3 + 0x464c0000u;
        for (int b = 0; b < 4; b++)
            h = (h ^ ((v >> (8 * b)) & 0xFF)) * HC_HASH_PRIME;
    }
    if ((uint32_t)r != (h & HC_HASH_MASK))
        return *detail = (uint32_t)r, "the VMM saw other contents";
    for (uint32_t i = 0; i < PAGE / 4; i++)
        if (w[i] != HC_FLIP_WORD(FLIP_GPA, i))
            return *detail = i, "the new page has other contents";
    if (page_hash((const volatile uint8_t *)FLIP_GPA) == (h & HC_HASH_MASK))
        return "the page did not change";
    w[5] = 0x12345678u;
    if (w[5] != 0x12345678u)
        return "the new page is not writable";
    return 0;
}

int test_resources(void)
{
    const char *why;
    uint32_t detail;
    int failed = 0;

    why = resources_check(&detail);
    report(4, "resources by hypercall", why, detail);
    failed += why != 0;
    why = on_demand_check(&detail);
    report(5, "memory mapped on demand", why, detail);
    failed += why != 0;
    why = flip_check(&detail);
    report(6, "page flip", why, detail);
    failed += why != 0;
    return failed;
}
