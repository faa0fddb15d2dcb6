/*
 * The IPC message layout. A message is a label, up to IPC_MAX_WORDS data words, up to
 * IPC_MAX_CAPS capabilities and at most one memory item (map or grant of pages).
 *
 * The info word (rsi on entry and on return) packs: label (bits 32-63), number of
 * data words (bits 0-6), number of capabilities (bits 8-10), memory item present
 * (bit 12). Words 0-3 travel in registers (rdx, r10, r8, r9); words 4 and up in
 * the IPC buffer's mr[] at the same index. The receiver gets the sender's badge in rdi.
 */
#ifndef AGORA_IPC_H
#define AGORA_IPC_H

#include <stdint.h>

#define IPC_MAX_WORDS 64
#define IPC_REG_WORDS 4
#define IPC_MAX_CAPS  4

#define IPC_INFO(label, words, caps, mem)                                          \
    (((uint64_t)(label) << 32) | ((uint64_t)(words) & 0x7F) | (((uint64_t)(caps) & 0x7) << 8) | \
     ((mem) ? (1ull << 12) : 0))
#define IPC_LABEL(info) ((uint32_t)((info) >> 32))
#define IPC_WORDS(info) ((unsigned)((info) & 0x7F))
#define IPC_CAPS(info)  ((unsigned)(((info) >> 8) & 0x7))
#define IPC_HAS_MEM(info) (((info) >> 12) & 1)
#define IPC_INFO_RESERVED_MASK 0x00000000FFFFE880ull   /* must be zero */

/* Memory item flags. */
#define IPC_MEM_MAP   0x1   /* share: the sender keeps the pages */
#define IPC_MEM_GRANT 0x2   /* move: the pages leave the sender */
#define IPC_MEM_WRITE 0x4   /* receiver may write (needs the sender's write right) */

/* One per thread, page aligned, registered with SYS_THREAD_SETUP. */
struct agora_ipc_buffer {
    uint64_t mr[IPC_MAX_WORDS];      /* message words (0-3 mirror the registers) */
    uint64_t send_caps[IPC_MAX_CAPS];/* slots of the capabilities to send */
    uint64_t send_cap_rights[IPC_MAX_CAPS]; /* rights mask for each sent capability */
    uint64_t send_mem_vaddr;         /* memory item: first page in the sender */
    uint64_t send_mem_pages;
    uint64_t send_mem_flags;         /* IPC_MEM_* */

    /* Receiving: what this thread accepts, set before receiving or calling. */
    uint64_t recv_cap_slots[IPC_MAX_CAPS]; /* empty slots for incoming capabilities (0 = none) */
    uint64_t recv_window_vaddr;      /* where incoming pages may land */
    uint64_t recv_window_pages;      /* 0: no memory accepted */

    /* Filled by the kernel on receipt. */
    uint64_t recv_caps_count;        /* how many of recv_cap_slots were filled */
    uint64_t recv_mem_vaddr;         /* where the incoming pages were put */
    uint64_t recv_mem_pages;
    uint64_t recv_mem_flags;

    uint64_t user_tls;               /* free for the runtime */
};
_Static_assert(sizeof(struct agora_ipc_buffer) <= 4096, "IPC buffer fits a page");

/* Labels the kernel uses for messages it sends on a thread's behalf (fault IPC). */
#define IPC_LABEL_PAGE_FAULT  0xFFFF0001u /* mr0 address, mr1 error code, mr2 rip */
#define IPC_LABEL_EXCEPTION   0xFFFF0002u /* mr0 vector, mr1 error code, mr2 rip, mr3 rsp */
/*
 * Replies to a fault message: label 0 resumes the thread (after the handler mapped
 * memory, or with the memory item mapped at the faulting page); IPC_LABEL_SET_REGS
 * resumes at mr0 = rip, mr1 = rsp, mr2 = rax; any other label kills the task.
 */
#define IPC_LABEL_RESUME      0u
#define IPC_LABEL_SET_REGS    0xFFFF0010u

/* Registers of a thread (SYS_THREAD_REGS). */
struct agora_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
};

/* SYS_KERNEL_STATS: taken after the kernel checked its own bookkeeping. */
struct agora_kernel_stats {
    uint64_t free_frames;    /* in the frame allocator */
    uint64_t heap_bytes;     /* kernel heap in use */
    uint64_t tasks;          /* live tasks */
    uint64_t threads;        /* live threads */
    uint64_t mappings;       /* user page mappings */
    uint64_t check_errors;   /* inconsistencies found (always 0 unless the kernel is broken) */
};

#endif
