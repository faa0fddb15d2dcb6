/* Primitives 1 and 2: the guest's own system calls from ring 3 (int 0x80) and its iret into ring 3. */
#include "guest.h"

#define SYS_ADD  1
#define SYS_EXIT 2
#define CALLS    100

static uint8_t user_stack[4096] __attribute__((aligned(16)));
static volatile uint32_t user_calls, user_result;

static inline uint32_t user_syscall(uint32_t nr, uint32_t arg)
{
    uint32_t r;

    __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(arg) : "memory");
    return r;
}

/* Runs in ring 3: CALLS additions by system call, then exit with its CPL and the wrong answers. */
static void user_main(void)
{
    uint32_t cs, wrong = 0;

    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    for (uint32_t i = 0; i < CALLS; i++)
        if (user_syscall(SYS_ADD, i * 7) != i * 7 + 1)
            wrong++;
    user_syscall(SYS_EXIT, (cs & 3) | (wrong << 8));
    for (;;)
        ;
}

static void on_syscall(struct trap_frame *f)
{
    if ((f->cs & 3) != 3) {
        f->eax = (uint32_t)-1;
        return;
    }
    user_calls++;
    if (f->eax == SYS_ADD) {
        f->eax = f->ebx + 1;
    } else if (f->eax == SYS_EXIT) {
        user_result = f->ebx;
        leave_user();
    } else {
        f->eax = (uint32_t)-1;
    }
}

int test_user_mode(void)
{
    int32_t exits_before, exits_after;
    int failed = 0;

    cpu_set_handler(0x80, on_syscall);
    exits_before = hc_info(HC_INFO_EXITS);
    enter_user((uint32_t)user_main, (uint32_t)(user_stack + sizeof(user_stack)));
    exits_after = hc_info(HC_INFO_EXITS);
    /* Native under SVM: a hundred system calls and two ring switches cause no VM exits. */
    if (exits_before < 0 || exits_after < 0) {
        report(1, "user to kernel by int 0x80", "INFO EXITS", (uint32_t)exits_before), failed++;
    } else if (user_calls != CALLS + 1 || (user_result >> 8) != 0) {
        report(1, "user to kernel by int 0x80", "wrong system calls", user_calls | (user_result & ~0xFFu) << 8), failed++;
    } else if (exits_after - exits_before > 10) {
        report(1, "user to kernel by int 0x80", "system calls caused VM exits", (uint32_t)(exits_after - exits_before)), failed++;
    } else {
        report(1, "user to kernel by int 0x80", 0, 0);
    }
    if ((user_result & 3) != 3)
        report(2, "kernel to user by iret", "user code did not run in ring 3", user_result), failed++;
    else
        report(2, "kernel to user by iret", 0, 0);
    return failed;
}
