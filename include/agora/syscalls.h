/*
 * System calls: numbers and arguments. The list is the one definition; the kernel's
 * dispatch table and the user stubs are derived from it.
 *
 * Calling convention (x86_64 `syscall`): rax = number; arguments in rdi, rsi, rdx,
 * r10, r8, r9. Result in rax: >= 0 success, < 0 a negated enum agora_error.
 * rcx and r11 are clobbered; IPC calls also return the badge in rdi, the info in rsi
 * and words in rdx, r10, r8, r9 (see ipc.h), so callers must treat all six argument
 * registers as changed by them.
 *
 * Rules the list's one-line summaries leave out:
 * - Priorities are 0-255 (255 highest, default 100); SYS_THREAD_SETUP refuses a
 *   priority above the caller's own (-E_PERM). Its fault endpoint slot is looked up
 *   in the caller's table at that moment (0: no handler; a fault then kills the task).
 * - SYS_CAP_COPY: the new badge may only be set on an unbadged endpoint or notification
 *   capability (else -E_INVAL); notification badges must keep bit 63 clear. An
 *   unbadged SYS_SIGNAL sets bit 0.
 * - SYS_POLL on a zero word returns -E_AGAIN.
 * - SYS_DEBUG_PUTS writes at most 4096 bytes (else -E_RANGE), unprefixed, and returns
 *   the length. SYS_SLEEP refuses more than an hour (-E_RANGE) and never wakes early.
 * - SYS_MAP refuses writable+executable pages (-E_INVAL) and already-mapped pages
 *   (-E_EXIST); SYS_UNMAP returns how many pages it unmapped. One call covers at most
 *   65536 pages (SYS_MAP: -E_RANGE, SYS_UNMAP: -E_FAULT beyond that).
 * - Register words past the message length arrive as zero.
 * - SYS_POOL_SPLIT takes pages + 1 from the parent (one for the sub-pool itself); when
 *   the sub-pool's last capability and last charged object are gone, what it has left
 *   returns to the parent. A task given only a sub-pool can never use more than it.
 * - SYS_THREAD_START_REGS takes every general register, rip and rflags from the struct;
 *   of rflags only the arithmetic flags (CF PF AF ZF SF OF, DF) are taken, interrupts stay
 *   enabled; rip must be a user address (-E_FAULT). -E_STATE unless the thread is inactive.
 * - SYS_THREAD_SUSPEND (RIGHT_MANAGE) sets a thread's stop flag: it runs no more user code
 *   until SYS_THREAD_RESUME. -E_STATE for the caller itself or a thread never started,
 *   -E_DEAD for a dead one, -E_INVAL for a how other than 0 or THREAD_SUSPEND_INTERRUPT;
 *   suspending again is allowed (how applies again). A blocked thread stays in its call,
 *   which can still complete while it is stopped (a message or reply arrives, the
 *   notification is signalled, the sleep ends): the result waits in its registers. With
 *   THREAD_SUSPEND_INTERRUPT a receive, a notification wait, a sleep, or a send or call
 *   whose message nobody took yet ends at once with -E_INTR; waiting for a reply (the
 *   message was delivered) and fault messages are never interrupted. Returns 0 when the
 *   stopped thread's registers are final (it was in user mode, or its call completed or
 *   was interrupted: rax holds the result), 1 while it still waits in a call (they may
 *   not be changed then: suspend again later to see 0).
 * - SYS_THREAD_RESUME (RIGHT_MANAGE) clears the flag: -E_STATE if it was not suspended,
 *   -E_DEAD for a dead thread. A ready thread runs again, a blocked one waits on. With
 *   regs (not 0) it first loads them as SYS_THREAD_START_REGS does (-E_FAULT as there,
 *   and for a bad pointer); that needs the thread stopped with final registers, else
 *   -E_STATE. SYS_THREAD_REGS reads a suspended thread's registers.
 * - Deferred replies: SYS_REPLY_SAVE moves the duty to answer the current caller into a
 *   reply capability (OBJ_REPLY, rights write|copy|grant), so the server can receive other
 *   messages first; SYS_REPLY_TO answers through it exactly as SYS_REPLY would and then
 *   deletes that capability. If the caller died meanwhile: -E_DEAD. If the last copy of
 *   an unused reply capability goes (deleted, or its holder died), the caller gets -E_DEAD.
 * - SYS_DEVICE_MEMORY: -E_PERM for a range touching RAM (usable, ACPI or NVS in the
 *   boot memory map) or registers the kernel drives (local APIC, I/O APIC); -E_ALIGN,
 *   -E_RANGE for an unaligned or oversized range. Mappings of it are uncached; it is
 *   never executable (the capability has no RIGHT_EXEC).
 * - SYS_MEMORY_PHYS is how a driver tells a bus-mastering device where its buffers are.
 *   It needs the machine capability with RIGHT_READ (the "DMA right": init holds it; pci
 *   hands each claimant a copy with RIGHT_READ alone, which cannot halt, make device memory
 *   or do anything else) and the memory capability with RIGHT_READ | RIGHT_WRITE (a device
 *   may write wherever it is told: a read-only capability must not become a writable one).
 *   -E_RANGE for a page past the object's end. The guarantee is per page: a memory object's
 *   pages are not physically contiguous, but each page's frame stays where it is for as
 *   long as the object lives (frames never move), so the address is good while the caller
 *   holds a capability to the object. There is no IOMMU: a device can be told any address,
 *   so the DMA right is trust in the whole of physical memory; give it only to drivers.
 * - An endpoint belongs to the task last given its receive right (RIGHT_READ): its
 *   creator, then whoever gets a READ copy through SYS_CAP_GIVE or IPC (else the first
 *   task to receive on it). When that task dies the endpoint is closed: queued and later
 *   senders get -E_DEAD. So hand clients send-only (RIGHT_WRITE) copies.
 * - Numbers without a call (47-49 for now) answer -E_NOSYS like unknown ones.
 * - Virtual machines (the ABI is in vcpu.h): every VM and vCPU call answers -E_NOSYS when
 *   the CPU has no SVM with nested paging (or the command line says svm=off). They need
 *   RIGHT_MANAGE on the VM or vCPU. SYS_VM_CREATE's pager (0: none; else an endpoint with
 *   RIGHT_WRITE) gets the VM's nested page faults; without one they go to each vCPU's exit
 *   handler. -E_NOMEM also when the CPU's ASIDs are all in use. SYS_MAP and SYS_UNMAP take
 *   a VM in place of the task: vaddr is guest-physical, from 0 up to VM_GPA_LIMIT
 *   (-E_FAULT beyond), and RIGHT_WRITE may come with RIGHT_EXEC. SYS_VCPU_CREATE: -E_DEAD
 *   for a dead task; the vCPU's thread belongs to that task and dies with it (then every
 *   vCPU call on it answers -E_DEAD), but it is reached only through the vCPU capability.
 *   A new vCPU's state is all zero but for EFER.SVME, CR0.ET and RFLAGS bit 1, PAT's reset
 *   value and segment limits of 0xffff: write a real state before starting it.
 *   SYS_VCPU_STATE_READ/WRITE: -E_STATE while it runs guest code (started, not waiting
 *   for a reply to an exit); -E_FAULT for a bad pointer, -E_INVAL for a state the kernel
 *   refuses (vcpu.h lists the checks). SYS_VCPU_START: -E_STATE unless never started; the
 *   priority rule of SYS_THREAD_SETUP. If the exit endpoint dies the vCPU dies (a thread
 *   whose pager dies dies too). SYS_VCPU_POKE: the exit comes at the latest before the
 *   vCPU next enters the guest; a poke while it waits for a reply comes after the reply.
 */
#ifndef AGORA_SYSCALLS_H
#define AGORA_SYSCALLS_H

/* X(name, number, arguments). Numbers are only appended; a retired one stays, marked. */
#define AGORA_SYSCALL_LIST(X)                                                              \
    X(SYS_DEBUG_PUTS,      0, "(const char *buf, size_t len): write to the kernel log")     \
    X(SYS_YIELD,           1, "(): give up the rest of the time slice")                     \
    X(SYS_SLEEP,           2, "(uint64_t microseconds)")                                    \
    X(SYS_CLOCK,           3, "(): microseconds since boot")                                \
    X(SYS_CAP_COPY,        4, "(src, dst, rights, badge): copy with rights masked; badge set if src has none") \
    X(SYS_CAP_DELETE,      5, "(slot)")                                                     \
    X(SYS_CAP_REVOKE,      6, "(slot): delete every copy derived from slot")                \
    X(SYS_CAP_INFO,        7, "(slot): type | rights << 8 | (badge != 0) << 16")            \
    X(SYS_CAP_GIVE,        8, "(task, src, dst_in_task, rights): copy into another task's table") \
    X(SYS_TASK_CREATE,     9, "(pool, dst): a new empty task")                              \
    X(SYS_TASK_KILL,      10, "(task, status): destroy the task and its threads")           \
    X(SYS_TASK_WATCH,     11, "(task, notification): signal notification (its badge) on death") \
    X(SYS_THREAD_CREATE,  12, "(task, pool, dst): a new inactive thread in task")           \
    X(SYS_THREAD_SETUP,   13, "(thread, ipc_buffer, fault_ep, priority): configure")        \
    X(SYS_THREAD_START,   14, "(thread, rip, rsp, arg): run it; arg arrives in rdi")        \
    X(SYS_THREAD_EXIT,    15, "(): end the calling thread")                                 \
    X(SYS_ENDPOINT_CREATE,16, "(pool, dst)")                                                \
    X(SYS_NOTIFY_CREATE,  17, "(pool, dst)")                                                \
    X(SYS_SEND,           18, "(ep, info, mr0, mr1, mr2, mr3)")                             \
    X(SYS_RECV,           19, "(ep): returns info; badge in rdi; mr0-3 in rdx r10 r8 r9")   \
    X(SYS_CALL,           20, "(ep, info, mr0..mr3): send and wait for the reply")          \
    X(SYS_REPLY,          21, "(-, info, mr0..mr3): answer the last caller; info in rsi")   \
    X(SYS_REPLY_RECV,     22, "(ep, info, mr0..mr3): reply then receive on ep")             \
    X(SYS_SIGNAL,         23, "(notification): OR the capability's badge into the word")    \
    X(SYS_WAIT,           24, "(notification): block until non-zero; return and clear")     \
    X(SYS_POLL,           25, "(notification): return and clear, never block")              \
    X(SYS_MEMORY_CREATE,  26, "(pool, pages, dst): zeroed RAM")                             \
    X(SYS_MAP,            27, "(task or vm, memory, page_offset, vaddr, pages, rights)")    \
    X(SYS_UNMAP,          28, "(task or vm, vaddr, pages): also from everyone it was mapped on to") \
    X(SYS_IRQ_CREATE,     29, "(irq_control, irq, dst)")                                    \
    X(SYS_IRQ_BIND,       30, "(irq, notification): deliver as the notification's badge")   \
    X(SYS_IRQ_ACK,        31, "(irq): unmask after handling")                               \
    X(SYS_IOPORT_CREATE,  32, "(ioports, first, count, dst): a sub-range")                  \
    X(SYS_IOPORT_ENABLE,  33, "(ioports): allow in/out on those ports for the calling task") \
    X(SYS_MACHINE_HALT,   34, "(machine, code): power off; code goes to the test channel")  \
    X(SYS_MEMORY_INFO,    35, "(memory): number of pages")                                  \
    X(SYS_POOL_INFO,      36, "(pool): pages left")                                         \
    X(SYS_THREAD_REGS,    37, "(thread, struct agora_regs *out): read a stopped thread's registers") \
    X(SYS_KERNEL_STATS,   38, "(machine, struct agora_kernel_stats *out): counters, after a consistency check") \
    X(SYS_DEVICE_MEMORY,  39, "(machine, phys, pages, dst): device registers (no RAM, none the kernel uses), mapped uncached") \
    X(SYS_REPLY_SAVE,     40, "(dst): keep the duty to answer the current caller as a one-shot reply capability") \
    X(SYS_REPLY_TO,       41, "(reply, info, mr0..mr3): answer through a saved reply capability; info in rsi") \
    X(SYS_TASK_UNWATCH,   42, "(task, notification): cancel SYS_TASK_WATCH with that notification; -E_NOCAP if none") \
    X(SYS_POOL_SPLIT,     43, "(pool, pages, dst): a sub-pool (quota) of pages from pool; they return when it goes") \
    X(SYS_THREAD_START_REGS, 44, "(thread, const struct agora_regs *): run an inactive thread with all these registers (fork)") \
    X(SYS_THREAD_SUSPEND, 45, "(thread, how): stop it until resumed; 1 while it still waits in a call, else 0") \
    X(SYS_THREAD_RESUME,  46, "(thread, const struct agora_regs *regs_or_0): let a suspended thread go on") \
    X(SYS_MEMORY_PHYS,    47, "(machine, memory, page): the physical address of one page, for DMA") \
    /* 48-49 are unused (they were left free while SYS_MEMORY_PHYS was added); VMs start at 50. */ \
    X(SYS_VM_CREATE,      50, "(pool, pager_ep_or_0, dst): a VM, a guest-physical address space on nested page tables") \
    X(SYS_VCPU_CREATE,    51, "(vm, task, pool, dst): an inactive vCPU of vm, run by a new thread of task") \
    X(SYS_VCPU_STATE_READ, 52, "(vcpu, struct agora_vcpu_state *out)") \
    X(SYS_VCPU_STATE_WRITE, 53, "(vcpu, const struct agora_vcpu_state *): checked completely first") \
    X(SYS_VCPU_START,     54, "(vcpu, exit_ep, priority): run the guest; exits are calls on exit_ep") \
    X(SYS_VCPU_POKE,      55, "(vcpu): make it exit to its handler (VCPU_EXIT_POKE) before it runs guest code again")

enum agora_syscall {
#define AGORA_SYSCALL_ENUM(name, num, doc) name = num,
    AGORA_SYSCALL_LIST(AGORA_SYSCALL_ENUM)
#undef AGORA_SYSCALL_ENUM
    SYS_COUNT
};

/* SYS_THREAD_SUSPEND's how: also end a wait in which nothing was delivered yet (-E_INTR). */
#define THREAD_SUSPEND_INTERRUPT 1

#endif
