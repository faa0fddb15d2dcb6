/* The long-mode guest's entry: the VMM gives it rsp below its page tables. */
    .text
    .globl _start
_start:
    and $-16, %rsp
    call long_main
1:  hlt
    jmp 1b

    .section .note.GNU-stack, "", @progbits
