/*
 * Multiboot2 entry: checks the CPU, builds boot page tables, enters long
 * mode and jumps to the higher-half kernel.
 *
 * GRUB enters in 32-bit protected mode, paging off, eax = magic, ebx = the
 * physical address of the boot information. Everything in .boot runs at its
 * physical address; the rest of the kernel is linked at KERNEL_VMA_BASE.
 */
#include "arch/x86_64/boot/layout.h"

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386    0
#define PTE_P   0x1
#define PTE_W   0x2
#define PTE_PS  0x80
#define CR0_PG  (1 << 31)
#define CR0_WP  (1 << 16)
#define CR4_PAE (1 << 5)
#define CR4_PGE (1 << 7)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define COM1 0x3f8

    .section .boot.header, "a"
    .balign 8
mb2_header:
    .long MB2_HEADER_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    /* Module alignment tag: boot modules start on page boundaries (they become memory objects). */
    .word 6, 0
    .long 8
    /* End tag. GRUB loads the ELF segments at their physical addresses. */
    .word 0, 0
    .long 8
mb2_header_end:

    .section .boot.text, "ax"
    .code32
    .global _start
_start:
    cli
    cld
    mov $boot_stack_top, %esp
    mov %eax, %edi                  /* kept for kmain: magic */
    mov %ebx, %esi                  /* kept for kmain: boot information */

    /* CPUID must exist, with extended leaf 0x80000001. */
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb no_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx           /* long mode */
    jz no_long_mode
    test $(1 << 20), %edx           /* NX, needed for W^X */
    jz no_nx

    /* Page tables: PML4[0] and PML4[256] -> identity 4 GiB; PML4[511] -> kernel. */
    mov $boot_pdpt_low, %eax
    or $(PTE_P | PTE_W), %eax
    mov %eax, boot_pml4
    mov %eax, boot_pml4 + 256 * 8
    mov $boot_pdpt_high, %eax
    or $(PTE_P | PTE_W), %eax
    mov %eax, boot_pml4 + 511 * 8

    /* Four page directories of 2 MiB pages cover 4 GiB. */
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $(PTE_P | PTE_W | PTE_PS), %eax
    mov %eax, boot_pd(, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax                   /* high dword: bits 32+ of the address */
    mov %eax, boot_pd + 4(, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b

    xor %ecx, %ecx
2:  mov %ecx, %eax
    shl $12, %eax
    add $boot_pd, %eax
    or $(PTE_P | PTE_W), %eax
    mov %eax, boot_pdpt_low(, %ecx, 8)
    inc %ecx
    cmp $4, %ecx
    jne 2b

    /* -2 GiB maps physical 0: the kernel is linked at KERNEL_VMA_BASE + physical. */
    mov $boot_pd, %eax
    or $(PTE_P | PTE_W), %eax
    mov %eax, boot_pdpt_high + 510 * 8

    mov %cr4, %eax
    or $(CR4_PAE | CR4_PGE), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_NXE), %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_WP), %eax
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode_low

no_long_mode:
    mov $msg_no_long_mode, %ebx
    jmp boot_fail
no_nx:
    mov $msg_no_nx, %ebx
boot_fail:
    /* Polled COM1 output; the UART is left as the firmware set it. */
    mov $COM1 + 5, %dx
3:  in %dx, %al
    test $0x20, %al
    jz 3b
    mov (%ebx), %al
    test %al, %al
    jz 4f
    mov $COM1, %dx
    out %al, %dx
    inc %ebx
    jmp boot_fail
4:  hlt
    jmp 4b

    .code64
long_mode_low:
    movabs $long_mode_high, %rax
    jmp *%rax

    .section .boot.rodata, "a"
msg_no_long_mode:
    .asciz "Agora: this CPU has no long mode; cannot boot.\r\n"
msg_no_nx:
    .asciz "Agora: this CPU has no NX bit; cannot boot.\r\n"

    .balign 16
boot_gdt:
    .quad 0
    .quad 0x00209A0000000000        /* 0x08: 64-bit code */
    .quad 0x0000920000000000        /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    .section .boot.bss, "aw", @nobits
    .balign 4096
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096 * 4
boot_stack:     .skip 4096
boot_stack_top:

    .text
long_mode_high:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    movabs $kernel_boot_stack_top, %rsp
    xor %ebp, %ebp                  /* terminates backtraces */
    /* edi = magic, esi = boot information (physical), both zero-extended. */
    mov %edi, %edi
    mov %esi, %esi
    call kmain
5:  cli
    hlt
    jmp 5b

    .bss
    .balign 16
    .global kernel_boot_stack, kernel_boot_stack_top
kernel_boot_stack:
    .skip KERNEL_STACK_SIZE
kernel_boot_stack_top:
