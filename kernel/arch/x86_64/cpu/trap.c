/* Interrupt and exception dispatch; an unexpected exception is a panic with the full state. */
#include "arch/x86_64/cpu/trap.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/cpu/idt.h"
#include "arch/x86_64/dev/apic.h"
#include "arch/x86_64/dev/timer.h"
#include "arch/x86_64/power.h"
#include "lib/backtrace.h"
#include "lib/log.h"
#include "agora/ipc.h"
#include "object/device.h"
#include "object/endpoint.h"
#include "object/task.h"
#include "sched/sched.h"
#include "selftest/selftest.h"

#define VECTOR_PAGE_FAULT 14
#define NUM_EXCEPTIONS 32

static const char *const exception_names[NUM_EXCEPTIONS] = {
    [0] = "divide error", [1] = "debug", [2] = "non-maskable interrupt",
    [3] = "breakpoint", [4] = "overflow", [5] = "bound range exceeded",
    [6] = "invalid opcode", [7] = "device not available", [8] = "double fault",
    [9] = "coprocessor segment overrun", [10] = "invalid TSS",
    [11] = "segment not present", [12] = "stack-segment fault",
    [13] = "general protection fault", [14] = "page fault",
    [16] = "x87 floating-point error", [17] = "alignment check",
    [18] = "machine check", [19] = "SIMD floating-point exception",
    [20] = "virtualization exception", [21] = "control protection exception",
    [28] = "hypervisor injection exception", [29] = "VMM communication exception",
    [30] = "security exception",
};

static uint64_t expected_vector = ~0ull;
static trap_hook_t expected_hook;

const char *trap_exception_name(uint64_t vector)
{
    if (vector >= NUM_EXCEPTIONS)
        return 0;
    return exception_names[vector] ? exception_names[vector] : "reserved exception";
}

void trap_expect(uint64_t vector, trap_hook_t hook)
{
    expected_vector = vector;
    expected_hook = hook;
}

static void print_page_fault_cause(uint64_t err)
{
    kprintf("  cause: %s %s in %s mode%s%s\n",
            err & 0x10 ? "instruction fetch from" : err & 2 ? "write to" : "read from",
            err & 1 ? "a protected page" : "an unmapped page",
            err & 4 ? "user" : "kernel",
            err & 8 ? ", reserved bit set" : "",
            err & 0x20 ? ", protection key" : "");
}

static void print_registers(const trap_frame_t *tf)
{
    kprintf("  rip=%016lx cs=%04lx rflags=%016lx\n", tf->rip, tf->cs, tf->rflags);
    kprintf("  rsp=%016lx ss=%04lx\n", tf->rsp, tf->ss);
    kprintf("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    kprintf("  rsi=%016lx rdi=%016lx rbp=%016lx\n", tf->rsi, tf->rdi, tf->rbp);
    kprintf("  r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", tf->r8, tf->r9, tf->r10, tf->r11);
    kprintf("  r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", tf->r12, tf->r13, tf->r14, tf->r15);
    kprintf("  cr0=%016lx cr2=%016lx cr3=%016lx cr4=%016lx\n",
            read_cr0(), read_cr2(), read_cr3(), read_cr4());
}

static void __attribute__((__noreturn__)) exception_panic(const trap_frame_t *tf)
{
    kprintf("\nKERNEL PANIC: %s (vector %lu) error code 0x%lx\n",
            trap_exception_name(tf->vector), tf->vector, tf->error_code);
    if (tf->vector == VECTOR_PAGE_FAULT) {
        kprintf("  faulting address (cr2): 0x%016lx\n", read_cr2());
        print_page_fault_cause(tf->error_code);
    }
    print_registers(tf);
    backtrace_print(tf->rip, tf->rbp, 16);
    kprintf("system halted\n");
    machine_halt(EXIT_PANIC);
}

/*
 * An exception in user mode: a message to the thread's fault handler, or, when it
 * has none, the end of its task.
 */
static void user_exception(trap_frame_t *tf)
{
    thread_t *cur = sched_current();
    uint64_t words[4];
    uint32_t label;
    uint64_t addr = 0;
    if (tf->vector == VECTOR_PAGE_FAULT) {
        addr = read_cr2();
        label = IPC_LABEL_PAGE_FAULT;
        words[0] = addr;
        words[1] = tf->error_code;
        words[2] = tf->rip;
        words[3] = 0;
    } else {
        label = IPC_LABEL_EXCEPTION;
        words[0] = tf->vector;
        words[1] = tf->error_code;
        words[2] = tf->rip;
        words[3] = tf->rsp;
    }
    if (ipc_send_fault(label, words, addr))
        return;
    /* The address only for page faults: printed after an empty separator it ran into the rip. */
    if (tf->vector == VECTOR_PAGE_FAULT)
        log_line("fault", "task %lu thread %lu: %s (vector %lu, error 0x%lx) at rip %lx, address %lx: killed",
                 (unsigned long)cur->task->id, (unsigned long)cur->id, trap_exception_name(tf->vector),
                 (unsigned long)tf->vector, (unsigned long)tf->error_code, (unsigned long)tf->rip,
                 (unsigned long)addr);
    else
        log_line("fault", "task %lu thread %lu: %s (vector %lu, error 0x%lx) at rip %lx: killed",
                 (unsigned long)cur->task->id, (unsigned long)cur->id, trap_exception_name(tf->vector),
                 (unsigned long)tf->vector, (unsigned long)tf->error_code, (unsigned long)tf->rip);
    task_kill(cur->task, -(int64_t)tf->vector - 1);
}

void trap_dispatch(trap_frame_t *tf)
{
    uint64_t v = tf->vector;
    if (v < NUM_EXCEPTIONS && (tf->cs & 3)) {
        user_exception(tf);
    } else if (v < NUM_EXCEPTIONS) {
        if (v == expected_vector && expected_hook) {
            trap_hook_t hook = expected_hook;
            expected_vector = ~0ull;
            expected_hook = 0;
            hook(tf);
            return;
        }
        exception_panic(tf);
    }
    else switch (v) {
    case VECTOR_TIMER:
        timer_tick();
        sched_tick();
        apic_eoi();
        break;
    case VECTOR_SPURIOUS:
        break;   /* no EOI for spurious interrupts */
    case VECTOR_APIC_ERROR:
        log_line("trap", "local APIC error interrupt");
        apic_eoi();
        break;
    default:
        if (ioapic_selftest_vector_hook(v))
            break;
        if (v >= VECTOR_PIC_BASE && v < VECTOR_PIC_BASE + 16)
            break;   /* a spurious 8259 interrupt: masked PICs still send IRQ 7/15 */
        if (v >= VECTOR_IRQ_BASE && v <= VECTOR_IRQ_LAST) {
            irq_deliver((unsigned)(v - VECTOR_IRQ_BASE));
            apic_eoi();
            break;
        }
        log_line("trap", "unexpected interrupt vector %lu", (unsigned long)v);
        apic_eoi();
        break;
    }
    /* Interrupts reach the kernel only in user mode or in the idle loop: both may switch. */
    thread_t *cur = sched_current();
    if (cur) {
        while (cur->state == TS_DEAD)
            sched_schedule();
        sched_preempt_point();
    }
}
