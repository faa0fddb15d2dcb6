/* The guest page-table walker: 32-bit, PAE and 4/5-level long-mode tables; see guest_paging.h. */
#include "guest_paging.h"

#include <agora/errors.h>

#define CR0_WP    (1ull << 16)
#define CR0_PG    (1ull << 31)
#define CR4_PSE   (1ull << 4)
#define CR4_PAE   (1ull << 5)
#define CR4_LA57  (1ull << 12)
#define EFER_LMA  (1ull << 10)
#define EFER_NXE  (1ull << 11)

#define PTE_P     (1ull << 0)
#define PTE_RW    (1ull << 1)
#define PTE_US    (1ull << 2)
#define PTE_PS    (1ull << 7)
#define PTE_NX    (1ull << 63)

#define PAGE_SIZE 4096ull

/* What a walk gathers: the rights of every level so far, and the tables' physical-address limits. */
struct walk {
    const struct guest_paging *p;
    guest_phys_read_fn read;
    void *ctx;
    bool rw, us;
    uint64_t addr_mask;     /* bits 51..12 below maxphyaddr: where a table or page address lives */
    uint64_t reserved;      /* bits that must be 0 in every 64-bit entry */
};

static unsigned maxphyaddr(const struct guest_paging *p)
{
    return p->maxphyaddr == 0 || p->maxphyaddr > 52 ? 52 : p->maxphyaddr;
}

static void walk_init(struct walk *w, const struct guest_paging *p, guest_phys_read_fn read, void *ctx,
                      bool long_mode)
{
    uint64_t phys_limit = (1ull << maxphyaddr(p)) - 1;

    w->p = p;
    w->read = read;
    w->ctx = ctx;
    w->rw = true;
    w->us = true;
    w->addr_mask = phys_limit & ~(PAGE_SIZE - 1);
    /* Above the address: bits maxphyaddr..51 in long mode (62:52 are the OS's), up to 62 under legacy PAE. */
    w->reserved = (long_mode ? (1ull << 52) - 1 : PTE_NX - 1) & ~phys_limit;
    if (!(p->efer & EFER_NXE))
        w->reserved |= PTE_NX;
}

/* Reads one entry (4 or 8 bytes) and takes its rights; -E_FAULT when not present. */
static int read_entry(struct walk *w, uint64_t gpa, unsigned size, uint64_t *entry)
{
    uint32_t e32;
    int r;

    *entry = 0;
    if (size == 4) {
        r = w->read(w->ctx, gpa, &e32, 4);
        *entry = e32;
    } else {
        r = w->read(w->ctx, gpa, entry, 8);
    }
    if (r != 0)
        return r;
    if (!(*entry & PTE_P))
        return -E_FAULT;
    w->rw = w->rw && (*entry & PTE_RW);
    w->us = w->us && (*entry & PTE_US);
    return 0;
}

static int check_rights(const struct walk *w, bool write, bool user)
{
    if (write && !w->rw && (user || (w->p->cr0 & CR0_WP)))
        return -E_FAULT;
    if (user && !w->us)
        return -E_FAULT;
    return 0;
}

/* 32-bit paging: a page directory of 1024 4-byte entries, 4 MiB pages with CR4.PSE (PSE-36 bits 20:13). */
static int walk_32(struct walk *w, uint32_t va, uint64_t *gpa)
{
    uint64_t pde, pte, high;
    int r;

    if ((r = read_entry(w, (w->p->cr3 & 0xfffff000u) + (va >> 22) * 4, 4, &pde)) != 0)
        return r;
    if ((pde & PTE_PS) && (w->p->cr4 & CR4_PSE)) {
        high = (pde >> 13) & 0xff;
        if ((pde & (1u << 21)) || ((high << 32) & ~((1ull << maxphyaddr(w->p)) - 1)))
            return -E_INVAL;
        *gpa = (pde & 0xffc00000u) | high << 32 | (va & 0x3fffffu);
        return 0;
    }
    if ((r = read_entry(w, (pde & 0xfffff000u) + ((va >> 12) & 0x3ff) * 4, 4, &pte)) != 0)
        return r;
    *gpa = (pte & 0xfffff000u) | (va & 0xfffu);
    return 0;
}

/* A level of 8-byte entries: reserved bits, and for a large page the address bits below its size (bit 12 is PAT). */
static int check_entry(const struct walk *w, uint64_t entry, unsigned page_shift)
{
    if (entry & w->reserved)
        return -E_INVAL;
    if (page_shift > 12 && (entry & PTE_PS) && (entry & ((1ull << page_shift) - 1) & ~0x1fffull))
        return -E_INVAL;
    return 0;
}

/*
 * From a table at table_gpa down: levels of 512 entries, level 1 mapping 4 KiB pages;
 * large pages allowed at the levels whose bit is set in large_levels.
 */
static int walk_levels(struct walk *w, uint64_t table_gpa, uint64_t va, unsigned level, unsigned large_levels,
                       uint64_t *gpa)
{
    for (;; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t entry;
        int r;

        if ((r = read_entry(w, table_gpa + ((va >> shift) & 0x1ff) * 8, 8, &entry)) != 0)
            return r;
        if ((r = check_entry(w, entry, level > 1 ? shift : 12)) != 0)
            return r;
        if (level == 1) {
            *gpa = (entry & w->addr_mask) | (va & (PAGE_SIZE - 1));
            return 0;
        }
        if (entry & PTE_PS) {
            if (!(large_levels & (1u << level)))
                return -E_INVAL;
            *gpa = (entry & w->addr_mask & ~((1ull << shift) - 1)) | (va & ((1ull << shift) - 1));
            return 0;
        }
        table_gpa = entry & w->addr_mask;
    }
}

/* PAE: four PDPTEs at CR3 (32-byte aligned), then 2 levels; the PDPTE has no rights and more reserved bits. */
static int walk_pae(struct walk *w, uint32_t va, uint64_t *gpa)
{
    uint64_t pdpte;
    int r;

    r = w->read(w->ctx, (w->p->cr3 & 0xffffffe0u) + (va >> 30) * 8, &pdpte, 8);
    if (r != 0)
        return r;
    if (!(pdpte & PTE_P))
        return -E_FAULT;
    if ((pdpte & 0x1e6) || (pdpte & (w->reserved | PTE_NX)))
        return -E_INVAL;
    return walk_levels(w, pdpte & w->addr_mask, va, 2, 1u << 2, gpa);
}

static int walk_long(struct walk *w, uint64_t va, uint64_t *gpa)
{
    unsigned levels = (w->p->cr4 & CR4_LA57) ? 5 : 4, bits = levels == 5 ? 57 : 48;
    int64_t top = (int64_t)va >> (bits - 1);

    if (top != 0 && top != -1)
        return -E_FAULT;            /* not canonical */
    return walk_levels(w, w->p->cr3 & w->addr_mask, va, levels, 1u << 2 | 1u << 3, gpa);
}

int guest_translate(const struct guest_paging *p, uint64_t gva, bool write, bool user, guest_phys_read_fn read,
                    void *ctx, uint64_t *gpa)
{
    bool long_mode = (p->efer & EFER_LMA) != 0;
    uint64_t out = 0;
    struct walk w;
    int r;

    if (!(p->cr0 & CR0_PG)) {
        *gpa = gva;
        return 0;
    }
    walk_init(&w, p, read, ctx, long_mode);
    if (long_mode)
        r = walk_long(&w, gva, &out);
    else if (p->cr4 & CR4_PAE)
        r = walk_pae(&w, (uint32_t)gva, &out);
    else
        r = walk_32(&w, (uint32_t)gva, &out);
    if (r == 0)
        r = check_rights(&w, write, user);
    if (r == 0)
        *gpa = out;
    return r;
}

int guest_read_virt(const struct guest_paging *p, uint64_t gva, void *buf, size_t len, bool user,
                    guest_phys_read_fn read, void *ctx)
{
    uint8_t *out = buf;

    while (len > 0) {
        size_t chunk = PAGE_SIZE - (gva & (PAGE_SIZE - 1));
        uint64_t gpa;
        int r;

        if (chunk > len)
            chunk = len;
        if ((r = guest_translate(p, gva, false, user, read, ctx, &gpa)) != 0)
            return r;
        if ((r = read(ctx, gpa, out, chunk)) != 0)
            return r;
        gva += chunk;
        out += chunk;
        len -= chunk;
    }
    return 0;
}
