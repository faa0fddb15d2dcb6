/* Program entry: _start(rdi = the starter's argument) calls main(arg), then agora_exit(status). */

    .text
    .globl _start
    .type _start, @function
_start:
    /* The end of the frame-pointer chain, for backtraces. */
    xorl %ebp, %ebp
    /* The psABI wants rsp 16-byte aligned at a call; the starter's rsp may be anything. */
    andq $-16, %rsp
    /* rdi, the argument, passes through to main unchanged. */
    call main
    movslq %eax, %rdi
    call agora_exit
    /* agora_exit never returns; if it did, stop here rather than run off the end. */
1:  pause
    jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
