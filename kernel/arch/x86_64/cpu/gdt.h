/* Segments: the GDT (kernel and user, laid out for syscall/sysret) and the TSS. */
#ifndef AGORA_KERNEL_ARCH_GDT_H
#define AGORA_KERNEL_ARCH_GDT_H

#ifndef __ASSEMBLY__
#include <stdint.h>
#endif

#define SEL_KERNEL_CODE 0x08
#define SEL_KERNEL_DATA 0x10
#define SEL_USER_CODE32 0x18   /* unused; sysret's layout needs it here */
#define SEL_USER_DATA   0x20
#define SEL_USER_CODE   0x28
#define SEL_TSS         0x30

/* Interrupt stack table slots. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2

#ifndef __ASSEMBLY__
#define IO_BITMAP_BYTES 8192   /* one bit per port, 65536 ports */

void gdt_init(void);
/* The TSS's I/O permission bitmap (IO_BITMAP_BYTES): a clear bit lets user mode use the port. */
uint8_t *tss_io_bitmap(void);
/* The stack the CPU switches to on an interrupt from user mode. */
void tss_set_kernel_stack(uint64_t rsp0);
#endif

#endif
