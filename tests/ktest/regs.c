/* ktest: SYS_THREAD_START_REGS starts a thread with a whole register set (what fork needs). */
#include "ktest.h"

#include <agora/errors.h>
#include <agora/ipc.h>
#include <agora/syscalls.h>
#include <libagora/sys.h>

/* Filled by the probe: rax rbx rcx rdx rsi rdi rbp rsp r8-r15, then a done flag. */
volatile uint64_t regs_seen[17];

/* Stores every register as it arrived, marks itself done, and ends its thread. */
__asm__(
    ".text\n"
    ".global ktest_regs_probe\n"
    "ktest_regs_probe:\n"
    "    movq %rax, regs_seen+0(%rip)\n"
    "    movq %rbx, regs_seen+8(%rip)\n"
    "    movq %rcx, regs_seen+16(%rip)\n"
    "    movq %rdx, regs_seen+24(%rip)\n"
    "    movq %rsi, regs_seen+32(%rip)\n"
    "    movq %rdi, regs_seen+40(%rip)\n"
    "    movq %rbp, regs_seen+48(%rip)\n"
    "    movq %rsp, regs_seen+56(%rip)\n"
    "    movq %r8,  regs_seen+64(%rip)\n"
    "    movq %r9,  regs_seen+72(%rip)\n"
    "    movq %r10, regs_seen+80(%rip)\n"
    "    movq %r11, regs_seen+88(%rip)\n"
    "    movq %r12, regs_seen+96(%rip)\n"
    "    movq %r13, regs_seen+104(%rip)\n"
    "    movq %r14, regs_seen+112(%rip)\n"
    "    movq %r15, regs_seen+120(%rip)\n"
    "    movq $1, regs_seen+128(%rip)\n"
    "    movq $" "15" ", %rax\n"
    "    syscall\n"
    "1:  jmp 1b\n");
void ktest_regs_probe(void);
_Static_assert(SYS_THREAD_EXIT == 15, "the probe's system-call number");

KTEST(thread_start_with_all_registers)
{
    uint64_t th = ktest_slot();
    struct agora_regs r = {
        .rax = 0xa0, .rbx = 0xb0, .rcx = 0xc0, .rdx = 0xd0, .rsi = 0x51, .rdi = 0xd1,
        .rbp = 0xbb, .rsp = 0x7ff000, .r8 = 8, .r9 = 9, .r10 = 10, .r11 = 11,
        .r12 = 12, .r13 = 13, .r14 = 14, .r15 = 15, .rip = (uint64_t)ktest_regs_probe,
        .rflags = 0,
    };
    for (int i = 0; i < 17; i++)
        regs_seen[i] = 0;
    KTEST_OK(sys_thread_create(CAP_SELF_TASK, CAP_INIT_POOL, th));
    KTEST_EQ(sys_thread_start_regs(th, (const struct agora_regs *)0x10), -E_FAULT);
    struct agora_regs bad = r;
    bad.rip = 0xffff800000000000ull;
    KTEST_EQ(sys_thread_start_regs(th, &bad), -E_FAULT);
    KTEST_OK(sys_thread_start_regs(th, &r));
    KTEST_EQ(sys_thread_start_regs(th, &r), -E_STATE);
    for (int i = 0; i < 100 && !regs_seen[16]; i++)
        sys_sleep(1000);
    KTEST_EQ(regs_seen[16], 1);
    const uint64_t want[16] = { 0xa0, 0xb0, 0xc0, 0xd0, 0x51, 0xd1, 0xbb, 0x7ff000,
                                8, 9, 10, 11, 12, 13, 14, 15 };
    for (int i = 0; i < 16; i++)
        KTEST_EQ(regs_seen[i], want[i]);
    return true;
}
