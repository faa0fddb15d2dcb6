/*
 * POSIX program entry: _start hands over to posix_start(rdi, rsp at entry) (start.c). Started
 * by pm, rdi is PM_START_MAGIC and the entry rsp points at argc, argv, envp as on Linux
 * (include/agora/proto/pm.h); started by init, rdi is the module index and the stack is empty.
 */

    .text
    .globl _start
    .type _start, @function
_start:
    /* The end of the frame-pointer chain, for backtraces. */
    xorl %ebp, %ebp
    /* Where argc is (pm), before the alignment below moves rsp. */
    movq %rsp, %rsi
    /* The psABI wants rsp 16-byte aligned at a call; the starter's rsp may be anything. */
    andq $-16, %rsp
    /* rdi, the starter's argument, passes through. */
    call posix_start
    /* posix_start never returns; if it did, stop here rather than run off the end. */
1:  pause
    jmp 1b
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
