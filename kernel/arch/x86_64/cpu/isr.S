/* Interrupt and exception entry stubs: build a struct trap_frame and call trap_dispatch. */
#include "arch/x86_64/cpu/trap_frame.inc"


    .text
    /* The CPU pushes an error code for 8, 10-14, 17, 21, 29 and 30; the others get a 0. */
    .macro ISR_STUB v
    .balign 16
isr_stub_\v:
    .if !((\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
    pushq $0
    .endif
    pushq $\v
    jmp isr_common
    .endm

    .altmacro
    .set vec, 0
    .rept 256
    ISR_STUB %vec
    .set vec, vec + 1
    .endr

isr_common:
    /* From user mode: switch to the kernel's GS (per-CPU data). cs is at 24(%rsp). */
    testb $3, 24(%rsp)
    jz 1f
    swapgs
1:  PUSH_GPRS
    cld
    movq %rsp, %rdi
    /* Align the stack for C; the frame pointer chain continues through the trap frame. */
    movq %rsp, %rbx
    andq $-16, %rsp
    call trap_dispatch
    movq %rbx, %rsp
    jmp trap_return

    .macro ISR_ADDR v
    .quad isr_stub_\v
    .endm

    .section .rodata
    .balign 8
    .global isr_stub_table
isr_stub_table:
    .set vec, 0
    .rept 256
    ISR_ADDR %vec
    .set vec, vec + 1
    .endr
