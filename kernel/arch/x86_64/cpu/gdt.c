/* Builds and loads the GDT and the TSS with its interrupt stacks. */
#include "arch/x86_64/cpu/gdt.h"
#include "lib/string.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

struct gdt_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define IST_STACK_SIZE 4096

/* The TSS and, right after it, the I/O permission bitmap (a set bit denies the port). */
static struct {
    struct tss tss;
    uint8_t io_bitmap[IO_BITMAP_BYTES + 1];   /* the CPU reads one byte past the end */
} __attribute__((packed)) tss_block;
#define tss tss_block.tss
static uint64_t gdt[8];
static uint8_t ist_stacks[2][IST_STACK_SIZE] __attribute__((aligned(16)));

#define SEG_CODE64_KERNEL 0x00209A0000000000ull
#define SEG_DATA_KERNEL   0x0000920000000000ull
#define SEG_CODE32_USER   0x00CFFA000000FFFFull
#define SEG_DATA_USER     0x0000F20000000000ull
#define SEG_CODE64_USER   0x0020FA0000000000ull

void gdt_init(void)
{
    memset(&tss_block, 0, sizeof tss_block);
    memset(tss_block.io_bitmap, 0xFF, sizeof tss_block.io_bitmap);
    tss.ist[IST_DOUBLE_FAULT - 1] = (uint64_t)&ist_stacks[0][IST_STACK_SIZE];
    tss.ist[IST_NMI - 1] = (uint64_t)&ist_stacks[1][IST_STACK_SIZE];
    tss.iomap_base = sizeof tss;

    uint64_t base = (uint64_t)&tss_block;
    uint64_t limit = sizeof tss_block - 1;
    gdt[0] = 0;
    gdt[1] = SEG_CODE64_KERNEL;
    gdt[2] = SEG_DATA_KERNEL;
    gdt[3] = SEG_CODE32_USER;
    gdt[4] = SEG_DATA_USER;
    gdt[5] = SEG_CODE64_USER;
    gdt[6] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
             (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt[7] = base >> 32;

    struct gdt_ptr ptr = { sizeof gdt - 1, (uint64_t)gdt };
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "mov %2, %%ax\n\t"
        "mov %%ax, %%ds\n\t"
        "mov %%ax, %%es\n\t"
        "mov %%ax, %%ss\n\t"
        "mov %3, %%ax\n\t"
        "ltr %%ax"
        :: "m"(ptr), "i"(SEL_KERNEL_CODE), "i"(SEL_KERNEL_DATA), "i"(SEL_TSS)
        : "rax", "memory");
}

void tss_set_kernel_stack(uint64_t rsp0)
{
    tss.rsp[0] = rsp0;
}

uint8_t *tss_io_bitmap(void)
{
    return tss_block.io_bitmap;
}
