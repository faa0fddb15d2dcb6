/* Frame-pointer backtrace; every step is checked so a corrupt stack cannot fault us again. */
#include "lib/backtrace.h"
#include "lib/log.h"
#include "lib/symbols.h"
#include "arch/x86_64/boot/layout.h"

static void print_frame(int n, uint64_t addr)
{
    uint64_t off;
    const char *name = symbol_lookup(addr, &off);
    if (name)
        kprintf("  #%-2d %016lx %s+0x%lx\n", n, (unsigned long)addr, name, (unsigned long)off);
    else
        kprintf("  #%-2d %016lx ?\n", n, (unsigned long)addr);
}

/* Kernel stacks live in the kernel image (.bss) or the direct map, and are 8-byte aligned. */
static int plausible_frame(uint64_t rbp)
{
    if (rbp & 7)
        return 0;
    return rbp >= KERNEL_VMA_BASE || (rbp >= PHYS_MAP_BASE && rbp < MMIO_WINDOW_BASE);
}

void backtrace_print(uint64_t rip, uint64_t rbp, int max_frames)
{
    kprintf("backtrace:\n");
    print_frame(0, rip);
    for (int n = 1; n < max_frames && rbp && plausible_frame(rbp); n++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (ret < KERNEL_VMA_BASE)
            break;
        /* The call instruction is just before the return address. */
        print_frame(n, ret - 1);
        if (frame[0] <= rbp)   /* stacks grow down: callers' frames are higher */
            break;
        rbp = frame[0];
    }
}
