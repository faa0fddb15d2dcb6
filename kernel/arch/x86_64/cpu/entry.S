/*
 * Kernel entry from user mode by `syscall`, the common return to user mode, and the
 * kernel-stack switch between threads.
 */
#include "arch/x86_64/cpu/gdt.h"
#include "arch/x86_64/cpu/trap_frame.inc"

#define PERCPU_KSTACK_TOP 8
#define PERCPU_USER_RSP   16
#define VECTOR_SYSCALL    0x100

    .text
    .global syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:PERCPU_USER_RSP
    movq %gs:PERCPU_KSTACK_TOP, %rsp
    /* Build a trap_frame exactly as an interrupt from user mode would. */
    pushq $(SEL_USER_DATA | 3)
    pushq %gs:PERCPU_USER_RSP
    pushq %r11
    pushq $(SEL_USER_CODE | 3)
    pushq %rcx
    pushq $0
    pushq $VECTOR_SYSCALL
    PUSH_GPRS
    xorl %ebp, %ebp
    movq %rsp, %rdi
    call syscall_dispatch
    jmp trap_return

/* Pops a trap_frame at %rsp and returns to where it came from (user or kernel). */
    .global trap_return
trap_return:
    POP_GPRS
    addq $16, %rsp
    testb $3, 8(%rsp)
    jz 1f
    swapgs
1:  iretq

/*
 * void context_switch(uint64_t *save_rsp, uint64_t new_rsp): saves the callee-saved
 * registers on this stack, stores the stack pointer, and resumes the other stack.
 */
    .global context_switch
context_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret

/* First run of a kernel thread (thread_start_kernel): the function to run is in rbx. */
    .global kthread_first_entry
kthread_first_entry:
    call sched_finish_switch
    call *%rbx
    ud2

/* First return of a new thread: its stack holds a trap_frame right here. */
    .global thread_first_entry
thread_first_entry:
    call sched_finish_switch
    jmp trap_return
