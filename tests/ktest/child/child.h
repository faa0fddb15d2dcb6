/* The protocol between ktest (spawn.c and the tests that need a second address space) and the ktest-child program. */
#ifndef AGORA_TESTS_KTEST_CHILD_H
#define AGORA_TESTS_KTEST_CHILD_H

/*
 * The child's argument selects its role in bits 56-63; role 0, the hello below, is what
 * any smaller argument gets.
 */
#define CHILD_ROLE_SHIFT  56
#define CHILD_ROLE(arg)   ((unsigned)((unsigned long long)(arg) >> CHILD_ROLE_SHIFT))
#define CHILD_ROLE_HELLO  0u
#define CHILD_ROLE_SERVER 1u
#define CHILD_ROLE_ARG(role)   ((unsigned long long)(role) << CHILD_ROLE_SHIFT)

/* The child's slot of the endpoint it reports on (hello) or serves (server). */
#define CHILD_CAP_EP 3

/* ---- the hello role (spawn.c) ---- */

/* Child -> parent, a call: mr0 = the argument it started with, mr1 = CHILD_OK_* bits. */
#define CHILD_LABEL_HELLO 0x4b43u   /* "KC" */
/* Parent -> child, the reply: mr0 = argument + 1. Then the child returns 0 from main. */
#define CHILD_LABEL_REPLY 0x4b50u   /* "KP" */

#define CHILD_OK_STACK       (1u << 0)   /* its stack is below AGORA_CHILD_STACK_TOP */
#define CHILD_OK_IPC_BUFFER  (1u << 1)   /* the IPC buffer is mapped, writable, where expected */
#define CHILD_OK_SELF_TASK   (1u << 2)   /* CAP_SELF_TASK is a task */
#define CHILD_OK_SELF_THREAD (1u << 3)   /* CAP_SELF_THREAD is a thread */
#define CHILD_OK_PASSED_CAP  (1u << 4)   /* CHILD_CAP_EP is an endpoint */
#define CHILD_OK_FREE_SLOTS  (1u << 5)   /* nothing else: AGORA_CHILD_FIRST_FREE_SLOT and slot 4 empty */
#define CHILD_OK_DATA        (1u << 6)   /* initialised data has its values */
#define CHILD_OK_BSS         (1u << 7)   /* the bss is zero */
#define CHILD_OK_ALL         0xffu

/*
 * ---- the server role (ipc.c, memory.c, faults.c, death.c) ----
 *
 * The child receives on CHILD_CAP_EP (it needs the read right) and answers every message
 * by its label, with a reply of the same label unless said otherwise. It accepts one
 * capability into CHILD_RECV_SLOT and memory into [CHILD_WINDOW_VADDR, + CHILD_WINDOW_PAGES
 * pages) until CHILD_OP_SET_RECV changes that. Requests that fault or kill the child are
 * best sent (not called), so that the parent is free to handle the fault or watch the death.
 */
#define CHILD_CAP_PEER      4                  /* optional: an endpoint to call onward (write, grant) */
#define CHILD_RECV_SLOT     20
#define CHILD_WINDOW_VADDR  0x0000000040000000ull
#define CHILD_WINDOW_PAGES  4

enum child_op {
    CHILD_OP_ECHO = 0x4b00,  /* the same words back, each plus one (any number, up to 64) */
    CHILD_OP_BADGE,          /* mr0 = the badge it arrived with, mr1 = its info word */
    CHILD_OP_TAKE,           /* after capabilities or memory: mr0 = recv_caps_count,
                                mr1 = SYS_CAP_INFO(CHILD_RECV_SLOT), mr2 = recv_mem_vaddr,
                                mr3 = recv_mem_pages, mr[4] = recv_mem_flags (5 words) */
    CHILD_OP_CAP_INFO,       /* mr0 = SYS_CAP_INFO(mr0) */
    CHILD_OP_CAP_DELETE,     /* mr0 = SYS_CAP_DELETE(mr0) */
    CHILD_OP_READ,           /* mr0 = the word at address mr0 */
    CHILD_OP_WRITE,          /* the word at address mr0 = mr1; mr0 = 0 */
    CHILD_OP_UNMAP,          /* mr0 = SYS_UNMAP(self, mr0, mr1 pages) */
    CHILD_OP_FORWARD,        /* calls CHILD_CAP_PEER with label CHILD_OP_TAKE and a memory item
                                (vaddr mr0, pages mr1, flags mr2): mr0 = the call's result,
                                mr1 = the reply's label, mr2 = its mr2 */
    CHILD_OP_CALL_PEER,      /* calls CHILD_CAP_PEER with label mr0 and one word mr1:
                                mr0 = the call's result, mr1 = the reply's label, mr2 = its mr0 */
    CHILD_OP_DIE,            /* SYS_TASK_KILL on itself with status mr0; no reply */
    CHILD_OP_SLEEP_DIE,      /* sleeps mr0 microseconds, then as CHILD_OP_DIE with status 0 */
    CHILD_OP_HANG,           /* sleeps until killed */
    CHILD_OP_UD2,            /* rax = mr0, then ud2: mr0 = rax when it continues */
    CHILD_OP_DIVIDE,         /* rax = mr0, then divides by zero: mr0 = rax when it continues */
    CHILD_OP_SET_RECV,       /* recv_window_vaddr = mr0, recv_window_pages = mr1,
                                recv_cap_slots[0] = mr2; mr0 = 0 */
    CHILD_OP_EXIT,           /* replies, then returns 0 from main */
};
/* The reply to a label the child does not know: mr0 = that label. */
#define CHILD_LABEL_UNKNOWN 0x4bffu

#endif
