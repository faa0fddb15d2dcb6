/* System-call stubs: one typed inline function per entry of AGORA_SYSCALL_LIST. */
#ifndef LIBAGORA_SYS_H
#define LIBAGORA_SYS_H

#include <stddef.h>
#include <stdint.h>

#include <agora/errors.h>
#include <agora/ipc.h>
#include <agora/syscalls.h>
#include <agora/vcpu.h>

/*
 * Every stub returns the kernel's rax: >= 0 on success, a negated enum agora_error on
 * failure. The list in <agora/syscalls.h> carries names and numbers but neither arity nor
 * types, so the stubs are written out here; the assertion below stops the build when a
 * system call is appended without one.
 *
 * The stubs treat every argument register as clobbered, not only rcx and r11: IPC calls
 * return words in them, and the kernel is then free to leave the same exit path on all calls.
 */
_Static_assert(SYS_COUNT == 56, "a system call was added: give it a stub in libagora/sys.h");

static inline long agora_syscall6(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long r10 __asm__("r10") = a3;
    register long r8 __asm__("r8") = a4;
    register long r9 __asm__("r9") = a5;
    long ret = n;

    __asm__ volatile("syscall"
                     : "+a"(ret), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    return ret;
}

#define AGORA_SC0(n)                   agora_syscall6((n), 0, 0, 0, 0, 0, 0)
#define AGORA_SC1(n, a)                agora_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define AGORA_SC2(n, a, b)             agora_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define AGORA_SC3(n, a, b, c)          agora_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define AGORA_SC4(n, a, b, c, d) \
    agora_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define AGORA_SC6(n, a, b, c, d, e, f) \
    agora_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* ---- debugging, time ---- */
static inline long sys_debug_puts(const char *buf, size_t len) { return AGORA_SC2(SYS_DEBUG_PUTS, buf, len); }
static inline long sys_yield(void) { return AGORA_SC0(SYS_YIELD); }
static inline long sys_sleep(uint64_t microseconds) { return AGORA_SC1(SYS_SLEEP, microseconds); }
/* Microseconds since boot. */
static inline long sys_clock(void) { return AGORA_SC0(SYS_CLOCK); }

/* ---- capabilities ---- */
static inline long sys_cap_copy(uint64_t src, uint64_t dst, uint64_t rights, uint64_t badge)
{ return AGORA_SC4(SYS_CAP_COPY, src, dst, rights, badge); }
static inline long sys_cap_delete(uint64_t slot) { return AGORA_SC1(SYS_CAP_DELETE, slot); }
static inline long sys_cap_revoke(uint64_t slot) { return AGORA_SC1(SYS_CAP_REVOKE, slot); }
/* type | rights << 8 | (badge != 0) << 16: decode with the AGORA_CAP_INFO_* macros. */
static inline long sys_cap_info(uint64_t slot) { return AGORA_SC1(SYS_CAP_INFO, slot); }
static inline long sys_cap_give(uint64_t task, uint64_t src, uint64_t dst_in_task, uint64_t rights)
{ return AGORA_SC4(SYS_CAP_GIVE, task, src, dst_in_task, rights); }

#define AGORA_CAP_INFO_TYPE(v)   ((unsigned)((v) & 0xff))
#define AGORA_CAP_INFO_RIGHTS(v) ((unsigned)(((v) >> 8) & 0xff))
#define AGORA_CAP_INFO_BADGED(v) ((unsigned)(((v) >> 16) & 1))

/* ---- tasks and threads ---- */
static inline long sys_task_create(uint64_t pool, uint64_t dst) { return AGORA_SC2(SYS_TASK_CREATE, pool, dst); }
static inline long sys_task_kill(uint64_t task, uint64_t status) { return AGORA_SC2(SYS_TASK_KILL, task, status); }
static inline long sys_task_watch(uint64_t task, uint64_t notification)
{ return AGORA_SC2(SYS_TASK_WATCH, task, notification); }
static inline long sys_task_unwatch(uint64_t task, uint64_t notification)
{ return AGORA_SC2(SYS_TASK_UNWATCH, task, notification); }
static inline long sys_thread_create(uint64_t task, uint64_t pool, uint64_t dst)
{ return AGORA_SC3(SYS_THREAD_CREATE, task, pool, dst); }
static inline long sys_thread_setup(uint64_t thread, uint64_t ipc_buffer, uint64_t fault_ep, uint64_t priority)
{ return AGORA_SC4(SYS_THREAD_SETUP, thread, ipc_buffer, fault_ep, priority); }
/* arg arrives in the new thread's rdi. */
static inline long sys_thread_start(uint64_t thread, uint64_t rip, uint64_t rsp, uint64_t arg)
{ return AGORA_SC4(SYS_THREAD_START, thread, rip, rsp, arg); }
static inline long sys_thread_start_regs(uint64_t thread, const struct agora_regs *regs)
{ return AGORA_SC2(SYS_THREAD_START_REGS, thread, regs); }
/* Returns only on failure. */
static inline long sys_thread_exit(void) { return AGORA_SC0(SYS_THREAD_EXIT); }
static inline long sys_thread_regs(uint64_t thread, struct agora_regs *out)
{ return AGORA_SC2(SYS_THREAD_REGS, thread, out); }
/*
 * Stops a thread until sys_thread_resume; how is 0 or THREAD_SUSPEND_INTERRUPT (a wait in
 * which nothing arrived yet ends with -E_INTR). 0: its registers are final and may be read
 * and replaced; 1: it still waits in a call (see <agora/syscalls.h>).
 */
static inline long sys_thread_suspend(uint64_t thread, uint64_t how) { return AGORA_SC2(SYS_THREAD_SUSPEND, thread, how); }
/* Lets a suspended thread go on; regs (or NULL) replaces its registers first. */
static inline long sys_thread_resume(uint64_t thread, const struct agora_regs *regs)
{ return AGORA_SC2(SYS_THREAD_RESUME, thread, regs); }

/* ---- endpoints and IPC ---- */
static inline long sys_endpoint_create(uint64_t pool, uint64_t dst) { return AGORA_SC2(SYS_ENDPOINT_CREATE, pool, dst); }

/*
 * A message as the registers carry it: info (label, word, capability and memory counts,
 * see IPC_INFO), the sender's badge (filled on receipt) and words 0-3. Words 4 and up,
 * capabilities and the memory item go through the IPC buffer (agora_ipc_buffer()).
 */
struct agora_msg {
    uint64_t info;
    uint64_t badge;
    uint64_t mr[IPC_REG_WORDS];
};

/* Registers on entry: rdi, rsi = info, rdx r10 r8 r9 = mr0-3; on return as well, rdi = badge. */
static inline long agora_ipc(long n, uint64_t rdi, struct agora_msg *m, int update)
{
    register uint64_t r10 __asm__("r10") = m->mr[1];
    register uint64_t r8 __asm__("r8") = m->mr[2];
    register uint64_t r9 __asm__("r9") = m->mr[3];
    uint64_t rsi = m->info, rdx = m->mr[0];
    long ret = n;

    __asm__ volatile("syscall"
                     : "+a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
    /* On failure the registers hold nothing defined: the message is left as it was. */
    if (update && ret >= 0) {
        m->info = rsi;
        m->badge = rdi;
        m->mr[0] = rdx;
        m->mr[1] = r10;
        m->mr[2] = r8;
        m->mr[3] = r9;
    }
    return ret;
}

/* Sends m (blocks until a receiver takes it). */
static inline long sys_send(uint64_t ep, const struct agora_msg *m)
{ return agora_ipc(SYS_SEND, ep, (struct agora_msg *)m, 0); }
/* Waits for a message on ep and stores it, with the sender's badge, in *m. */
static inline long sys_recv(uint64_t ep, struct agora_msg *m)
{
    struct agora_msg none = { 0, 0, { 0, 0, 0, 0 } };
    long r = agora_ipc(SYS_RECV, ep, &none, 1);

    if (r >= 0)
        *m = none;
    return r;
}
/* Sends m and waits for the reply, which overwrites *m. */
static inline long sys_call(uint64_t ep, struct agora_msg *m) { return agora_ipc(SYS_CALL, ep, m, 1); }
/*
 * Answers the last caller with m; the words go in rdx r10 r8 r9. The info word goes in rdi
 * (syscalls.h: "(info, mr0..mr3)", and what the kernel reads) and also in rsi (ipc.h: "the
 * info word, rsi on entry"), so the stub is right under either reading of the ABI.
 */
static inline long sys_reply(const struct agora_msg *m)
{ return agora_ipc(SYS_REPLY, m->info, (struct agora_msg *)m, 0); }
/* Keeps the duty to answer the current caller in slot dst (a one-shot reply capability). */
static inline long sys_reply_save(uint64_t dst) { return AGORA_SC1(SYS_REPLY_SAVE, dst); }
/* Answers through a saved reply capability, which is deleted on success. */
static inline long sys_reply_to(uint64_t reply, const struct agora_msg *m)
{ return agora_ipc(SYS_REPLY_TO, reply, (struct agora_msg *)m, 0); }
/* Answers the last caller with m, then waits on ep; the next message overwrites *m. */
static inline long sys_reply_recv(uint64_t ep, struct agora_msg *m) { return agora_ipc(SYS_REPLY_RECV, ep, m, 1); }

/* ---- notifications ---- */
static inline long sys_notify_create(uint64_t pool, uint64_t dst) { return AGORA_SC2(SYS_NOTIFY_CREATE, pool, dst); }
/* ORs the capability's badge (1 when it has none) into the word. */
static inline long sys_signal(uint64_t notification) { return AGORA_SC1(SYS_SIGNAL, notification); }
/* The word, then cleared (notification badges stay below bit 63, so it reads as positive). */
static inline long sys_wait(uint64_t notification) { return AGORA_SC1(SYS_WAIT, notification); }
/* As sys_wait, but -E_AGAIN instead of blocking when the word is 0. */
static inline long sys_poll(uint64_t notification) { return AGORA_SC1(SYS_POLL, notification); }

/* ---- memory ---- */
static inline long sys_memory_create(uint64_t pool, uint64_t pages, uint64_t dst)
{ return AGORA_SC3(SYS_MEMORY_CREATE, pool, pages, dst); }
static inline long sys_map(uint64_t task, uint64_t memory, uint64_t page_offset, uint64_t vaddr,
                           uint64_t pages, uint64_t rights)
{ return AGORA_SC6(SYS_MAP, task, memory, page_offset, vaddr, pages, rights); }
static inline long sys_unmap(uint64_t task, uint64_t vaddr, uint64_t pages)
{ return AGORA_SC3(SYS_UNMAP, task, vaddr, pages); }
static inline long sys_memory_info(uint64_t memory) { return AGORA_SC1(SYS_MEMORY_INFO, memory); }
static inline long sys_pool_info(uint64_t pool) { return AGORA_SC1(SYS_POOL_INFO, pool); }
static inline long sys_pool_split(uint64_t pool, uint64_t pages, uint64_t dst)
{ return AGORA_SC3(SYS_POOL_SPLIT, pool, pages, dst); }

/* ---- devices and the machine ---- */
static inline long sys_irq_create(uint64_t irq_control, uint64_t irq, uint64_t dst)
{ return AGORA_SC3(SYS_IRQ_CREATE, irq_control, irq, dst); }
static inline long sys_irq_bind(uint64_t irq, uint64_t notification) { return AGORA_SC2(SYS_IRQ_BIND, irq, notification); }
static inline long sys_irq_ack(uint64_t irq) { return AGORA_SC1(SYS_IRQ_ACK, irq); }
static inline long sys_ioport_create(uint64_t ioports, uint64_t first, uint64_t count, uint64_t dst)
{ return AGORA_SC4(SYS_IOPORT_CREATE, ioports, first, count, dst); }
static inline long sys_ioport_enable(uint64_t ioports) { return AGORA_SC1(SYS_IOPORT_ENABLE, ioports); }
/* Powers off; code goes to the test channel (0 pass, 1 fail). Returns only on failure. */
static inline long sys_machine_halt(uint64_t machine, uint64_t code) { return AGORA_SC2(SYS_MACHINE_HALT, machine, code); }
/* The kernel's counters, after it checked its own bookkeeping (check_errors must be 0). */
static inline long sys_kernel_stats(uint64_t machine, struct agora_kernel_stats *out)
{ return AGORA_SC2(SYS_KERNEL_STATS, machine, out); }
static inline long sys_device_memory(uint64_t machine, uint64_t phys, uint64_t pages, uint64_t dst)
{ return AGORA_SC4(SYS_DEVICE_MEMORY, machine, phys, pages, dst); }
/* The physical address of page `page` of a memory object, for a device's DMA (>= 0), or an error. */
static inline long sys_memory_phys(uint64_t machine, uint64_t memory, uint64_t page)
{ return AGORA_SC3(SYS_MEMORY_PHYS, machine, memory, page); }

/* ---- virtual machines (<agora/vcpu.h>): -E_NOSYS without SVM ---- */
/* A VM; its nested page faults go to pager (an endpoint, or 0: to each vCPU's exit handler). */
static inline long sys_vm_create(uint64_t pool, uint64_t pager, uint64_t dst)
{ return AGORA_SC3(SYS_VM_CREATE, pool, pager, dst); }
/* A vCPU of vm, run by a new thread of task (it dies with that task). */
static inline long sys_vcpu_create(uint64_t vm, uint64_t task, uint64_t pool, uint64_t dst)
{ return AGORA_SC4(SYS_VCPU_CREATE, vm, task, pool, dst); }
static inline long sys_vcpu_state_read(uint64_t vcpu, struct agora_vcpu_state *out)
{ return AGORA_SC2(SYS_VCPU_STATE_READ, vcpu, out); }
static inline long sys_vcpu_state_write(uint64_t vcpu, const struct agora_vcpu_state *s)
{ return AGORA_SC2(SYS_VCPU_STATE_WRITE, vcpu, s); }
/* Runs the guest; every exit is a call on exit_ep (IPC_LABEL_VCPU_EXIT). */
static inline long sys_vcpu_start(uint64_t vcpu, uint64_t exit_ep, uint64_t priority)
{ return AGORA_SC3(SYS_VCPU_START, vcpu, exit_ep, priority); }
/* An exit (VCPU_EXIT_POKE) before the vCPU runs guest code again. */
static inline long sys_vcpu_poke(uint64_t vcpu) { return AGORA_SC1(SYS_VCPU_POKE, vcpu); }

#endif
