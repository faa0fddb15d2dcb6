/* POSIX program entry: _start(rdi = the starter's argument) hands over to posix_start (start.c). */

    .text
    .globl _start
    .type _start, @function
_start:
    /* The end of the frame-pointer chain, for backtraces. */
    xorl %ebp, %ebp
    /* The psABI wants rsp 16-byte aligned at a call; the starter's rsp may be anything. */
    andq $-16, %rsp
    /* rdi, the starter's argument, passes through. */
    call posix_start
    /* posix_start never returns; if it did, stop here rather than run off the end. */
1:  pause
    jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
