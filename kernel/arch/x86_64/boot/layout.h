/* Virtual memory layout of the kernel; shared by assembly, the linker script and C. */
#ifndef AGORA_KERNEL_ARCH_LAYOUT_H
#define AGORA_KERNEL_ARCH_LAYOUT_H

/* The kernel image runs in the top 2 GiB (so -mcmodel=kernel works), loaded at 2 MiB physical. */
#define KERNEL_VMA_BASE   0xFFFFFFFF80000000
#define KERNEL_PHYS_LOAD  0x200000

/* All physical memory is mapped here (read/write, never executable). Host unit tests
 * define it to where they map an arena standing in for physical memory. */
#ifndef PHYS_MAP_BASE
#define PHYS_MAP_BASE     0xFFFF800000000000
#endif

/* Device registers (uncached) are mapped into this window, one bump at a time. */
#define MMIO_WINDOW_BASE  0xFFFFC00000000000
#define MMIO_WINDOW_SIZE  0x0000000040000000

/* The boot page tables map this much physical memory at 0 and at PHYS_MAP_BASE. */
#define BOOT_MAPPED_BYTES 0x100000000

#define KERNEL_STACK_SIZE 0x4000

#endif
