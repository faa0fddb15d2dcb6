/* Primitive 7: the guest's own page tables, a page fault it handles, its own #UD and #GP, and a #DE the VMM intercepts and re-injects. */
#include "guest.h"

#define PTE_P 0x1u
#define PTE_W 0x2u
#define PTE_U 0x4u
#define CR0_PG 0x80000000u
#define IDENTITY_TABLES 4                 /* 16 MiB identity-mapped */
#define LAZY_VADDR 0x40000000u            /* not present until the #PF handler maps it */
#define LAZY_FRAME 0x6f0000u

static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t identity[IDENTITY_TABLES][1024] __attribute__((aligned(4096)));
static uint32_t lazy[1024] __attribute__((aligned(4096)));
static volatile uint32_t pf_count, pf_error, pf_cr2, ud_count, gp_count, gp_error, de_count;

static void on_page_fault(struct trap_frame *f)
{
    uint32_t cr2;

    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    pf_count++;
    pf_error = f->error;
    pf_cr2 = cr2;
    if ((cr2 & ~(PAGE - 1)) != LAZY_VADDR || pf_count > 1) {
        con_puts("test guest: page fault at ");
        con_putx(cr2);
        con_puts("\n");
        hypercall(HC_SHUTDOWN, 98, 0, 0, 0);
    }
    lazy[0] = LAZY_FRAME | PTE_P | PTE_W;
    __asm__ volatile("invlpg (%0)" :: "r"(cr2) : "memory");
}

/* #UD (ud2), #GP (a bad selector into ds), #DE (div by 0): each instruction is 2 bytes. */
static void on_ud(struct trap_frame *f) { ud_count++; f->eip += 2; }
static void on_gp(struct trap_frame *f) { gp_count++; gp_error = f->error; f->eip += 2; }
static void on_de(struct trap_frame *f) { de_count++; f->eip += 2; }

static void paging_on(void)
{
    for (unsigned t = 0; t < IDENTITY_TABLES; t++) {
        for (unsigned i = 0; i < 1024; i++)
            identity[t][i] = ((t * 1024 + i) * PAGE) | PTE_P | PTE_W | PTE_U;
        pd[t] = (uint32_t)identity[t] | PTE_P | PTE_W | PTE_U;
    }
    pd[LAZY_VADDR >> 22] = (uint32_t)lazy | PTE_P | PTE_W;
    __asm__ volatile("mov %0, %%cr3\n\t"
                     "mov %%cr0, %%eax\n\t"
                     "or %1, %%eax\n\t"
                     "mov %%eax, %%cr0"
                     :: "r"(pd), "i"(CR0_PG) : "eax", "memory");
}

static const char *paging_check(uint32_t *detail)
{
    uint32_t cr0, q, rem;
    int32_t reflected;

    *detail = 0;
    cpu_set_handler(14, on_page_fault);
    cpu_set_handler(6, on_ud);
    cpu_set_handler(13, on_gp);
    cpu_set_handler(0, on_de);
    paging_on();
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    if (!(cr0 & CR0_PG))
        return *detail = cr0, "paging did not turn on";
    /* A write through the guest's own tables, to a page only the fault handler maps. */
    *(volatile uint32_t *)(LAZY_VADDR + 0x10) = 0xc0ffee;
    if (pf_count != 1 || pf_cr2 != LAZY_VADDR + 0x10 || pf_error != PTE_W)
        return *detail = pf_error | pf_count << 8, "the page fault was not as expected";
    if (*(volatile uint32_t *)(LAZY_FRAME + 0x10) != 0xc0ffee)
        return *detail = *(volatile uint32_t *)(LAZY_FRAME + 0x10), "the mapped page did not get the write";
    __asm__ volatile("ud2");
    if (ud_count != 1)
        return *detail = ud_count, "#UD not handled";
    __asm__ volatile("mov %%ax, %%ds" :: "a"(0x1234) : "memory");
    if (gp_count != 1 || gp_error != 0x1234)
        return *detail = gp_error, "#GP not handled with its error code";
    reflected = hc_info(HC_INFO_EXCEPTIONS);
    __asm__ volatile("div %%ecx" : "=a"(q), "=d"(rem) : "a"(1), "d"(0), "c"(0));
    if (de_count != 1)
        return *detail = de_count, "#DE not delivered";
    if (hc_info(HC_INFO_EXCEPTIONS) != reflected + 1)
        return *detail = (uint32_t)hc_info(HC_INFO_EXCEPTIONS), "the VMM did not see the #DE";
    return 0;
}

int test_paging(void)
{
    uint32_t detail;
    const char *why = paging_check(&detail);

    report(7, "guest paging and exceptions", why, detail);
    return why != 0;
}
