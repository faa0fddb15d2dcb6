/* The kernel's own x86_64 address space (direct map, W^X image, MMIO window) and TLB upkeep;
 * the table editing itself is in pagetable.c. */
#include "arch/x86_64/mm/paging.h"
#include "arch/x86_64/mm/pagetable.h"
#include "arch/x86_64/cpu/cpu.h"
#include "lib/log.h"

extern char kernel_text_start[], kernel_text_end[];
extern char kernel_rodata_start[], kernel_rodata_end[];
extern char kernel_data_start[], kernel_data_end[];

static uint64_t kernel_root;
static uint64_t mmio_next = MMIO_WINDOW_BASE;

uint64_t kernel_virt_to_phys(const void *va)
{
    uint64_t a = (uint64_t)va;
    if (a >= KERNEL_VMA_BASE)
        return a - KERNEL_VMA_BASE;
    KASSERT(a >= PHYS_MAP_BASE && a < MMIO_WINDOW_BASE);
    return a - PHYS_MAP_BASE;
}

uint64_t paging_unmap(uint64_t root, uint64_t va)
{
    uint64_t old = pagetable_unmap(root, va);
    if (!old)
        return 0;
    if (root == read_cr3())
        invlpg(va);
    return old & PTE_ADDR_MASK;
}

static void map_direct(uint64_t root, uint64_t phys_limit)
{
    /* 2 MiB pages: read/write, never executable. */
    for (uint64_t pa = 0; pa < phys_limit; pa += HUGE_PAGE_SIZE) {
        uint64_t *e = pagetable_walk(root, PHYS_MAP_BASE + pa, 1, true);
        if (!e)
            panic("out of memory building the direct map");
        *e = pa | PTE_PRESENT | PTE_WRITE | PTE_HUGE | PTE_GLOBAL | PTE_NX;
    }
}

static void map_kernel_range(uint64_t root, char *start, char *end, uint64_t flags)
{
    for (uint64_t va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE) {
        if (paging_map(root, va, va - KERNEL_VMA_BASE, flags | PTE_GLOBAL) != 0)
            panic("cannot map kernel page %lx", (unsigned long)va);
    }
}

void paging_init(uint64_t phys_limit)
{
    phys_limit = (phys_limit + HUGE_PAGE_SIZE - 1) & ~(HUGE_PAGE_SIZE - 1);

    kernel_root = pagetable_alloc();
    if (!kernel_root)
        panic("no frame for the kernel page table");
    map_direct(kernel_root, phys_limit);
    /* Every address space copies the kernel's top-level entries once, at creation:
     * the MMIO window's must exist before the first user space does. */
    if (!pagetable_walk(kernel_root, MMIO_WINDOW_BASE, 2, true))
        panic("no frame for the MMIO window's table");
    map_kernel_range(kernel_root, kernel_text_start, kernel_text_end, 0);
    map_kernel_range(kernel_root, kernel_rodata_start, kernel_rodata_end, PTE_NX);
    map_kernel_range(kernel_root, kernel_data_start, kernel_data_end, PTE_WRITE | PTE_NX);
    write_cr3(kernel_root);
    log_line("paging", "kernel tables at 0x%lx: text r-x, rodata r--, data rw-, %lu MiB direct map rw-",
             (unsigned long)kernel_root, (unsigned long)(phys_limit >> 20));
}

uint64_t paging_kernel_root(void)
{
    return kernel_root;
}

/* Device registers the kernel itself drives (LAPIC, I/O APIC): never handed to user space. */
#define MAX_KERNEL_MMIO 8
static struct { uint64_t start, end; } kernel_mmio[MAX_KERNEL_MMIO];
static int nkernel_mmio;

bool mmio_is_kernels(uint64_t start, uint64_t end)
{
    for (int i = 0; i < nkernel_mmio; i++)
        if (start < kernel_mmio[i].end && kernel_mmio[i].start < end)
            return true;
    return false;
}

void *mmio_map(uint64_t phys, size_t size)
{
    uint64_t first = phys & ~(PAGE_SIZE - 1);
    uint64_t last = (phys + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    uint64_t va = mmio_next;
    if (last - first > MMIO_WINDOW_BASE + MMIO_WINDOW_SIZE - va)
        return 0;
    for (uint64_t off = 0; off < last - first; off += PAGE_SIZE) {
        if (paging_map(kernel_root, va + off, first + off,
                       PTE_WRITE | PTE_NX | PTE_PCD | PTE_PWT | PTE_GLOBAL) != 0)
            return 0;
    }
    mmio_next += last - first;
    if (nkernel_mmio < MAX_KERNEL_MMIO) {
        kernel_mmio[nkernel_mmio].start = first;
        kernel_mmio[nkernel_mmio].end = last;
        nkernel_mmio++;
    } else {
        panic("more than %d kernel device mappings", MAX_KERNEL_MMIO);
    }
    return (void *)(va + (phys - first));
}
