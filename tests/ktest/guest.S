/*
 * ktest's guest (vm.c): 32-bit protected-mode code, paging off, loaded at guest-physical
 * GUEST_CODE_GPA. It is data to ktest: copied into a memory object and mapped into a VM.
 * Every place the test checks has a global label; GUEST_GPA(label) is its guest address.
 */
#define GUEST_CODE_GPA 0x1000
#define G(label) (label - guest_code + GUEST_CODE_GPA)

    .section .rodata
    .code32
    .balign 16
    .global guest_code, guest_code_end
    .global g_call1, g_out, g_cpuid, g_call2, g_store, g_call3, g_call_inject, g_call_after
    .global g_call_gp, g_call_after_gp, g_hlt, g_ud2, g_spin, g_h30_call, g_hgp_call, g_loop
guest_code:
    /* A hypercall: the VMM answers with a new eax. */
    movl $0x1234, %eax
g_call1:
    vmmcall
    /* Port output of the answer's low byte. */
    addl $1, %eax
g_out:
    outb %al, $0x80
    /* CPUID: the VMM chooses ebx ecx edx; their sum goes back. */
    movl $0x40000000, %eax
g_cpuid:
    cpuid
    movl %ebx, %eax
    addl %ecx, %eax
    addl %edx, %eax
g_call2:
    vmmcall
    /* A store to guest memory nobody mapped yet: a nested page fault, then it is done again. */
g_store:
    movl $0xabcd, 0x10000
    movl 0x10000, %eax
g_call3:
    vmmcall
    /* The answer to this call injects interrupt 0x30: its handler runs before the next line. */
    movl $0x2000, %eax
g_call_inject:
    vmmcall
    movl $0x31, %eax
g_call_after:
    vmmcall
    /* The answer to this one injects #GP with an error code. */
    movl $0x3000, %eax
g_call_gp:
    vmmcall
    movl $0x32, %eax
g_call_after_gp:
    vmmcall
g_hlt:
    hlt
    /* No IDT left: #UD, #GP, #DF, then shutdown (a triple fault). */
    lidt G(idt_empty)
g_ud2:
    ud2
g_spin:
    jmp g_spin

/* Interrupt 0x30: reports itself. */
    .global g_handler_30, g_handler_gp
g_handler_30:
    movl $0x30, %eax
g_h30_call:
    vmmcall
    iret

/* #GP: reports its error code. */
g_handler_gp:
    popl %eax
g_hgp_call:
    vmmcall
    iret

/* For the benchmark: hypercalls for ever. */
g_loop:
    vmmcall
    jmp g_loop

/*
 * Long mode (vm_long_mode_guest): FS from the VMCB (VMLOAD), every general register and
 * an SSE register kept across exits.
 */
    .code64
    .global g64_start, g64_call1, g64_call2, g64_call3
g64_start:
    movq %fs:0, %rax
    movq $0x1111, %rbx
    movq $0x2222, %rcx
    movq $0x3333, %rdx
    movq $0x4444, %rsi
    movq $0x5555, %rdi
    movq $0x6666, %rbp
    movq $0x8888, %r8
    movq $0x9999, %r9
    movq $0xaaaa, %r10
    movq $0xbbbb, %r11
    movq $0xcccc, %r12
    movq $0xdddd, %r13
    movq $0xeeee, %r14
    movabsq $0xffff00000000ffff, %r15
    movq %r15, %xmm3
g64_call1:
    vmmcall
    /* The VMM set rbx; everything else must be as it was. */
    addq %rbx, %rcx
    addq %rcx, %rdx
    addq %rdx, %rsi
    addq %rsi, %rdi
    addq %rdi, %rbp
    addq %rbp, %r8
    addq %r8, %r9
    addq %r9, %r10
    addq %r10, %r11
    addq %r11, %r12
    addq %r12, %r13
    addq %r13, %r14
    movq %r14, %rax
g64_call2:
    vmmcall
    movq %xmm3, %rax
g64_call3:
    vmmcall
    jmp g64_start

    .code32
    .balign 8
idt_empty:
    .word 0
    .long 0
guest_code_end:
    .code64
