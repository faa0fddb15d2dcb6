/* The test guest's entry (multiboot v1), its trap stubs, and the switch to and from user mode. */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .text
    .globl _start
_start:
    mov $boot_stack_top, %esp
    push %ebx                       /* multiboot information */
    push %eax                       /* 0x2BADB002 */
    call guest_main
1:  cli
    hlt
    jmp 1b

/*
 * One stub per vector: a zero error code where the CPU pushes none, the vector, then
 * trap_common builds a struct trap_frame (guest.h) and calls trap().
 */
    .altmacro
    .macro stub n
stub\n:
    .if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17)
    .else
    push $0
    .endif
    push $\n
    jmp trap_common
    .endm
    .macro entry n
    .long stub\n
    .endm

    .set i, 0
    .rept 256
    stub %i
    .set i, i + 1
    .endr

trap_common:
    pusha
    push %esp
    call trap
    add $4, %esp
    popa
    add $8, %esp
    iret

    .section .rodata
    .globl trap_stubs
trap_stubs:
    .set i, 0
    .rept 256
    entry %i
    .set i, i + 1
    .endr

/*
 * enter_user(eip, esp): iret to ring 3 (user code 0x1b, data 0x23) with interrupts off; it
 * comes back here only through leave_user (a system call), as if enter_user returned.
 */
    .text
    .globl enter_user
enter_user:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov %esp, kernel_resume_esp
    mov 20(%esp), %eax
    mov 24(%esp), %ecx
    mov $0x23, %dx
    mov %dx, %ds
    mov %dx, %es
    push $0x23
    push %ecx
    push $0x2
    push $0x1b
    push %eax
    iret

    .globl leave_user
leave_user:
    mov kernel_resume_esp, %esp
    mov $0x10, %dx
    mov %dx, %ds
    mov %dx, %es
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret

    .bss
    .align 16
    .globl kernel_resume_esp
kernel_resume_esp:
    .long 0
    .align 4096
    .space 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
