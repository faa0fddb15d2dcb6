/* ktest: faults as IPC: page faults answered with memory or a mapping, exceptions skipped with new registers, tasks killed by their handler or for lack of one. */
#include "peer.h"

#include <libagora/string.h>

#define PAGE 4096ull
#define S KTEST_SCRATCH_VADDR
#define LABEL_DONE 0x7d0e               /* a faulting thread's report, after its fault */
#define FAULT_BADGE 0xf1

/* x86 page-fault error code bits. */
#define PF_PRESENT 0x1
#define PF_WRITE   0x2
#define PF_USER    0x4

#define VECTOR_DIVIDE 0
#define VECTOR_UD     6

extern const char __user_text_start[], __user_text_end[];

static ktest_thread_t faulter, handler;

static uint64_t new_memory(uint64_t pages)
{
    uint64_t m = ktest_slot();

    return sys_memory_create(CAP_INIT_POOL, pages, m) < 0 ? CAP_NULL : m;
}

static volatile uint64_t *word_at(uint64_t va)
{
    return (volatile uint64_t *)va;
}

static bool in_text(uint64_t rip)
{
    return rip >= (uint64_t)__user_text_start && rip < (uint64_t)__user_text_end;
}

/* ---- the faulting thread's side: it reports on arg[0] once it got past its faults ---- */

static void report(ktest_thread_t *t, uint64_t w0, uint64_t w1)
{
    struct agora_msg m = ktest_msg(LABEL_DONE, 2, w0, w1, 0, 0);

    t->out[0] = sys_send(t->arg[0], &m);
}

/* Reads the word at spare + arg[1], then writes arg[2] after it. */
static void read_then_write_fn(ktest_thread_t *t)
{
    uint64_t va = t->spare + t->arg[1];
    uint64_t v = *word_at(va);

    *word_at(va + 8) = t->arg[2];
    report(t, v, 0);
}

/* Writes arg[2] at spare + arg[1], then reads it back. */
static void write_then_read_fn(ktest_thread_t *t)
{
    uint64_t va = t->spare + t->arg[1];

    *word_at(va) = t->arg[2];
    report(t, *word_at(va), 0);
}

/* The handler resumes both 2 bytes on (ud2 is 0f 0b; divl %ecx is f7 f1), with rax of its choice. */
static uint64_t run_ud2(uint64_t rax)
{
    __asm__ volatile("ud2" : "+a"(rax) : : "memory");
    return rax;
}

static uint64_t run_divide(uint64_t rax)
{
    uint64_t rdx = 0;

    __asm__ volatile("divl %%ecx" : "+a"(rax), "+d"(rdx) : "c"(0) : "memory", "cc");
    return rax;
}

static void exceptions_fn(ktest_thread_t *t)
{
    uint64_t a = run_ud2(t->arg[1]);
    uint64_t b = run_divide(t->arg[2]);

    report(t, a, b);
}

static long start_faulter(ktest_thread_fn fn, uint64_t report_ep, uint64_t fault_ep, uint64_t a1, uint64_t a2)
{
    faulter = (ktest_thread_t){ .arg = { report_ep, a1, a2 } };
    return ktest_thread_start(&faulter, fn, KTEST_THREAD_OWN_BUFFER, fault_ep, KTEST_PRIORITY);
}

/* ---- ktest's side ---- */

/* Receives the next message on faults: a fault of that label from the faulter, with its badge. */
static bool recv_fault(uint64_t faults, uint32_t label, struct agora_msg *m)
{
    KTEST_EQ(sys_recv(faults, m), 0);
    if (IPC_LABEL(m->info) != label)
        agora_printf("    got label 0x%x (mr0 0x%lx), wanted 0x%x\n", IPC_LABEL(m->info), (unsigned long)m->mr[0],
                     label);
    KTEST_EQ(m->info, IPC_INFO(label, 4, 0, 0));
    KTEST_EQ(m->badge, FAULT_BADGE);
    return true;
}

/* Receives the faulter's report and waits for it to end. */
static bool recv_done(uint64_t faults, struct agora_msg *m)
{
    KTEST_EQ(sys_recv(faults, m), 0);
    KTEST_EQ(IPC_LABEL(m->info), LABEL_DONE);
    KTEST_EQ(m->badge, 0);
    KTEST_CHECK(ktest_thread_join(&faulter));
    KTEST_EQ(faulter.out[0], 0);
    return true;
}

static long reply(uint32_t label, unsigned words, bool mem, uint64_t w0, uint64_t w1, uint64_t w2)
{
    struct agora_msg m = { IPC_INFO(label, words, 0, mem), 0, { w0, w1, w2, 0 } };

    return sys_reply(&m);
}

static bool page_fault_memory_reply(uint64_t faults, uint64_t mem)
{
    struct agora_ipc_buffer *b = ktest_ipc_clear();
    struct agora_msg m;

    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | RIGHT_WRITE));
    *word_at(S) = 0x600d;
    KTEST_CHECK(recv_fault(faults, IPC_LABEL_PAGE_FAULT, &m));
    KTEST_EQ(m.mr[0], faulter.spare);
    KTEST_EQ(m.mr[1], PF_USER);
    KTEST_CHECK(in_text(m.mr[2]));
    /* Resume with a memory item: it lands on the faulting page. */
    b->send_mem_vaddr = S;
    b->send_mem_pages = 1;
    b->send_mem_flags = IPC_MEM_MAP | IPC_MEM_WRITE;
    KTEST_EQ(reply(IPC_LABEL_RESUME, 0, true, 0, 0, 0), 0);
    ktest_ipc_clear();
    KTEST_CHECK(recv_done(faults, &m));
    KTEST_EQ(m.mr[0], 0x600d);
    KTEST_EQ(*word_at(S + 8), 0xbeef);
    /* The thread's page derives from ours. */
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1), 1);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, faulter.spare, 1), 0);
    return true;
}

KTEST(fault_page_fault_memory_reply)
{
    uint64_t faults = ktest_new_endpoint(), fault_ep, mem = new_memory(1);
    long before = ktest_mappings();
    bool ok;

    KTEST_CHECK(faults != CAP_NULL && mem != CAP_NULL);
    fault_ep = ktest_copy_of(faults, RIGHT_WRITE, FAULT_BADGE);
    KTEST_CHECK(fault_ep != CAP_NULL);
    KTEST_OK(start_faulter(read_then_write_fn, faults, fault_ep, 0, 0xbeef));
    ok = page_fault_memory_reply(faults, mem);
    KTEST_CHECK(ok);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

KTEST(fault_page_fault_map_and_resume)
{
    uint64_t faults = ktest_new_endpoint(), fault_ep, mem = new_memory(1);
    struct agora_msg m;
    long before = ktest_mappings();

    KTEST_CHECK(faults != CAP_NULL && mem != CAP_NULL);
    fault_ep = ktest_copy_of(faults, RIGHT_WRITE, FAULT_BADGE);
    KTEST_CHECK(fault_ep != CAP_NULL);
    KTEST_OK(start_faulter(write_then_read_fn, faults, fault_ep, PAGE, 0x1234abcd));
    KTEST_CHECK(recv_fault(faults, IPC_LABEL_PAGE_FAULT, &m));
    KTEST_EQ(m.mr[0], faulter.spare + PAGE);
    KTEST_EQ(m.mr[1], PF_USER | PF_WRITE);
    KTEST_CHECK(in_text(m.mr[2]));
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, faulter.spare + PAGE, 1, RIGHT_READ | RIGHT_WRITE));
    KTEST_EQ(reply(IPC_LABEL_RESUME, 0, false, 0, 0, 0), 0);
    KTEST_CHECK(recv_done(faults, &m));
    KTEST_EQ(m.mr[0], 0x1234abcd);
    KTEST_EQ(*word_at(faulter.spare + PAGE), 0x1234abcd);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, faulter.spare + PAGE, 1), 1);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

KTEST(fault_write_to_read_only)
{
    uint64_t faults = ktest_new_endpoint(), fault_ep, mem = new_memory(1);
    struct agora_msg m;
    uint64_t va;

    KTEST_CHECK(faults != CAP_NULL && mem != CAP_NULL);
    fault_ep = ktest_copy_of(faults, RIGHT_WRITE, FAULT_BADGE);
    KTEST_CHECK(fault_ep != CAP_NULL);
    KTEST_OK(start_faulter(write_then_read_fn, faults, fault_ep, 2 * PAGE, 0x77));
    va = faulter.spare + 2 * PAGE;
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, va, 1, RIGHT_READ));
    KTEST_CHECK(recv_fault(faults, IPC_LABEL_PAGE_FAULT, &m));
    KTEST_EQ(m.mr[0], va);
    KTEST_EQ(m.mr[1], PF_USER | PF_WRITE | PF_PRESENT);
    /* Remap it writable, then resume: the write is retried and succeeds. */
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, va, 1), 1);
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, va, 1, RIGHT_READ | RIGHT_WRITE));
    KTEST_EQ(reply(IPC_LABEL_RESUME, 0, false, 0, 0, 0), 0);
    KTEST_CHECK(recv_done(faults, &m));
    KTEST_EQ(m.mr[0], 0x77);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, va, 1), 1);
    return true;
}

/* Checks an exception message and the stopped thread's registers, then skips the 2-byte instruction. */
static bool skip_exception(uint64_t faults, uint64_t vector, uint8_t byte0, uint8_t byte1, uint64_t rax_before,
                           uint64_t rax_after)
{
    struct agora_regs regs;
    struct agora_msg m;
    uint64_t stack_top = (uint64_t)faulter.ipc;

    KTEST_CHECK(recv_fault(faults, IPC_LABEL_EXCEPTION, &m));
    KTEST_EQ(m.mr[0], vector);
    KTEST_EQ(m.mr[1], 0);
    KTEST_CHECK(in_text(m.mr[2]));
    KTEST_EQ(((const uint8_t *)m.mr[2])[0], byte0);
    KTEST_EQ(((const uint8_t *)m.mr[2])[1], byte1);
    KTEST_CHECK(m.mr[3] < stack_top && m.mr[3] >= stack_top - 4 * PAGE);
    KTEST_OK(sys_thread_regs(faulter.thread, &regs));
    KTEST_EQ(regs.rip, m.mr[2]);
    KTEST_EQ(regs.rsp, m.mr[3]);
    KTEST_EQ(regs.rax, rax_before);
    KTEST_EQ(reply(IPC_LABEL_SET_REGS, 3, false, m.mr[2] + 2, m.mr[3], rax_after), 0);
    return true;
}

KTEST(fault_exceptions_set_regs)
{
    uint64_t faults = ktest_new_endpoint(), fault_ep;
    struct agora_msg m;

    KTEST_CHECK(faults != CAP_NULL);
    fault_ep = ktest_copy_of(faults, RIGHT_WRITE, FAULT_BADGE);
    KTEST_CHECK(fault_ep != CAP_NULL);
    KTEST_OK(start_faulter(exceptions_fn, faults, fault_ep, 0x1111, 0x2222));
    KTEST_CHECK(skip_exception(faults, VECTOR_UD, 0x0f, 0x0b, 0x1111, 0xaaaa));
    KTEST_CHECK(skip_exception(faults, VECTOR_DIVIDE, 0xf7, 0xf1, 0x2222, 0xbbbb));
    KTEST_CHECK(recv_done(faults, &m));
    KTEST_EQ(m.mr[0], 0xaaaa);
    KTEST_EQ(m.mr[1], 0xbbbb);
    return true;
}

/* Refused fault replies leave the thread stopped, waiting for a good one. */
static bool bad_fault_replies(uint64_t faults, uint64_t mem)
{
    struct agora_ipc_buffer *b = ktest_ipc_clear();
    struct agora_regs regs;
    struct agora_msg m;
    uint64_t rip, rsp;

    KTEST_CHECK(recv_fault(faults, IPC_LABEL_PAGE_FAULT, &m));
    rip = m.mr[2];
    KTEST_OK(sys_thread_regs(faulter.thread, &regs));
    rsp = regs.rsp;
    KTEST_EQ(reply(IPC_LABEL_SET_REGS, 3, false, 0xffff800000000000ull, rsp, 0), -E_INVAL);
    KTEST_EQ(reply(IPC_LABEL_SET_REGS, 3, false, AGORA_USER_TOP, rsp, 0), -E_INVAL);
    KTEST_EQ(reply(IPC_LABEL_SET_REGS, 3, false, rip, AGORA_USER_TOP, 0), -E_INVAL);
    /* A memory item from an unmapped page, of two pages, with bad flags. */
    b->send_mem_vaddr = S;
    b->send_mem_pages = 1;
    b->send_mem_flags = IPC_MEM_MAP;
    KTEST_EQ(reply(IPC_LABEL_RESUME, 0, true, 0, 0, 0), -E_FAULT);
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 2, RIGHT_READ | RIGHT_WRITE));
    *word_at(S) = 0x5151;
    b->send_mem_pages = 2;
    KTEST_EQ(reply(IPC_LABEL_RESUME, 0, true, 0, 0, 0), -E_NOWINDOW);
    b->send_mem_pages = 1;
    b->send_mem_flags = 0;
    KTEST_EQ(reply(IPC_LABEL_RESUME, 0, true, 0, 0, 0), -E_INVAL);
    /* Still stopped at the fault. */
    KTEST_OK(sys_thread_regs(faulter.thread, &regs));
    KTEST_EQ(regs.rip, rip);
    b->send_mem_flags = IPC_MEM_MAP | IPC_MEM_WRITE;
    KTEST_EQ(reply(IPC_LABEL_RESUME, 0, true, 0, 0, 0), 0);
    KTEST_EQ(reply(IPC_LABEL_RESUME, 0, true, 0, 0, 0), -E_STATE);
    ktest_ipc_clear();
    KTEST_CHECK(recv_done(faults, &m));
    KTEST_EQ(m.mr[0], 0x5151);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 2), 2);
    return true;
}

KTEST(fault_bad_replies)
{
    uint64_t faults = ktest_new_endpoint(), fault_ep, mem = new_memory(2);
    long before = ktest_mappings();
    bool ok;

    KTEST_CHECK(faults != CAP_NULL && mem != CAP_NULL);
    fault_ep = ktest_copy_of(faults, RIGHT_WRITE, FAULT_BADGE);
    KTEST_CHECK(fault_ep != CAP_NULL);
    KTEST_OK(start_faulter(read_then_write_fn, faults, fault_ep, 0, 0x99));
    ok = bad_fault_replies(faults, mem);
    ktest_ipc_clear();
    KTEST_CHECK(ok);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

/* Receives one fault on arg[0] and exits without answering it. */
static void take_fault_and_exit_fn(ktest_thread_t *t)
{
    struct agora_msg m = ktest_msg(0, 0, 0, 0, 0, 0);

    t->out[0] = sys_recv(t->arg[0], &m);
    t->out[1] = IPC_LABEL(m.info);
}

/*
 * The thread that received a child's fault ends without answering it: the fault can never
 * be resolved, so the child's task dies (thread_kill: a pager's death kills its client).
 */
KTEST(fault_handler_exits_without_reply)
{
    uint64_t ep = ktest_new_endpoint(), faults = ktest_new_endpoint(), death = ktest_new_notification(), fault_ep;
    struct agora_child child;
    struct agora_msg m = ktest_msg(CHILD_OP_READ, 1, KTEST_UNMAPPED_VADDR, 0, 0, 0);
    long sent, died, after;
    bool joined;

    KTEST_CHECK(ep != CAP_NULL && faults != CAP_NULL && death != CAP_NULL);
    fault_ep = ktest_copy_of(faults, RIGHT_WRITE, 0xc3);
    KTEST_CHECK(fault_ep != CAP_NULL);
    const struct agora_spawn_cap caps[] = { { ep, CHILD_CAP_EP, RIGHT_READ } };
    KTEST_OK(ktest_child_start(&child, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps, 1, fault_ep));
    handler = (ktest_thread_t){ .arg = { faults } };
    if (sys_task_watch(child.task, death) < 0 ||
        ktest_thread_start(&handler, take_fault_and_exit_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY) < 0) {
        agora_child_release(&child);
        KTEST_CHECK(false);
    }
    sys_yield();
    sent = sys_send(ep, &m);
    joined = ktest_thread_join(&handler);
    died = ktest_wait(death, 2000000);
    m = ktest_msg(CHILD_OP_ECHO, 0, 0, 0, 0, 0);
    after = sys_call(ep, &m);
    agora_child_release(&child);
    KTEST_CHECK(joined);
    KTEST_EQ(sent, 0);
    KTEST_EQ(handler.out[0], 0);
    KTEST_EQ(handler.out[1], IPC_LABEL_PAGE_FAULT);
    KTEST_EQ(died, 1);
    KTEST_EQ(after, -E_DEAD);
    return true;
}

/* ---- a child task's faults ---- */

/* Answers one exception on arg[0] by skipping the 2-byte instruction with rax = arg[1]. */
static void skip_one_exception_fn(ktest_thread_t *t)
{
    struct agora_msg m = ktest_msg(0, 0, 0, 0, 0, 0);
    long r = sys_recv(t->arg[0], &m);

    t->out[1] = IPC_LABEL(m.info);
    t->out[2] = (long)m.mr[0];
    t->out[3] = (long)m.badge;
    if (r < 0 || IPC_LABEL(m.info) != IPC_LABEL_EXCEPTION) {
        t->out[0] = r < 0 ? r : -E_INVAL;
        m = ktest_msg(0xdead, 0, 0, 0, 0, 0);   /* kills the child */
        sys_reply(&m);
        return;
    }
    m = ktest_msg(IPC_LABEL_SET_REGS, 3, m.mr[2] + 2, m.mr[3], t->arg[1], 0);
    t->out[0] = sys_reply(&m);
}

/* The child calls nothing: we call it, and a helper thread of ours handles its exception meanwhile. */
static bool child_exception(uint64_t ep, uint64_t faults, uint32_t op, uint64_t vector)
{
    struct agora_msg m;

    handler = (ktest_thread_t){ .arg = { faults, 0x4321 } };
    KTEST_OK(ktest_thread_start(&handler, skip_one_exception_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY));
    sys_yield();
    m = ktest_msg(op, 1, 0x1234, 0, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_CHECK(ktest_thread_join(&handler));
    KTEST_EQ(handler.out[0], 0);
    KTEST_EQ(handler.out[1], IPC_LABEL_EXCEPTION);
    KTEST_EQ(handler.out[2], vector);
    KTEST_EQ(handler.out[3], 0xc1);
    KTEST_EQ(m.mr[0], 0x4321);
    return true;
}

static bool child_faults(uint64_t ep, uint64_t faults, uint64_t death)
{
    struct agora_msg m;

    KTEST_CHECK(child_exception(ep, faults, CHILD_OP_UD2, VECTOR_UD));
    KTEST_CHECK(child_exception(ep, faults, CHILD_OP_DIVIDE, VECTOR_DIVIDE));
    /* A page fault answered with a label that kills. */
    m = ktest_msg(CHILD_OP_READ, 1, KTEST_UNMAPPED_VADDR, 0, 0, 0);
    KTEST_EQ(sys_send(ep, &m), 0);
    KTEST_EQ(sys_recv(faults, &m), 0);
    KTEST_EQ(m.info, IPC_INFO(IPC_LABEL_PAGE_FAULT, 4, 0, 0));
    KTEST_EQ(m.badge, 0xc1);
    KTEST_EQ(m.mr[0], KTEST_UNMAPPED_VADDR);
    KTEST_EQ(m.mr[1], PF_USER);
    KTEST_CHECK(m.mr[2] >= 0x400000 && m.mr[2] < AGORA_SPAWN_SCRATCH_VADDR);
    KTEST_EQ(ktest_wait(death, 0), -E_AGAIN);
    KTEST_EQ(reply(0x1234, 0, false, 0, 0, 0), 0);
    KTEST_EQ(ktest_wait(death, 2000000), 0x99);
    /* It owned its endpoint: closed now. */
    m = ktest_msg(CHILD_OP_ECHO, 0, 0, 0, 0, 0);
    KTEST_EQ(sys_call(ep, &m), -E_DEAD);
    return true;
}

KTEST(fault_child_handled_then_killed)
{
    uint64_t ep = ktest_new_endpoint(), faults = ktest_new_endpoint(), death = ktest_new_notification(), fault_ep, watch;
    struct agora_child child;
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && faults != CAP_NULL && death != CAP_NULL);
    fault_ep = ktest_copy_of(faults, RIGHT_WRITE, 0xc1);
    watch = ktest_copy_of(death, RIGHT_WRITE, 0x99);
    KTEST_CHECK(fault_ep != CAP_NULL && watch != CAP_NULL);
    const struct agora_spawn_cap caps[] = { { ep, CHILD_CAP_EP, RIGHT_READ } };
    KTEST_OK(ktest_child_start(&child, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps, 1, fault_ep));
    ok = sys_task_watch(child.task, watch) == 0 && child_faults(ep, faults, death);
    agora_child_release(&child);
    return ok;
}

KTEST(fault_without_handler_kills)
{
    static const uint32_t ops[] = { CHILD_OP_READ, CHILD_OP_UD2 };

    for (unsigned i = 0; i < 2; i++) {
        uint64_t ep = ktest_new_endpoint(), death = ktest_new_notification();
        struct agora_child child;
        struct agora_msg m = ktest_msg(ops[i], 1, 0, 0, 0, 0);
        long sent, died, after;

        KTEST_CHECK(ep != CAP_NULL && death != CAP_NULL);
        const struct agora_spawn_cap caps[] = { { ep, CHILD_CAP_EP, RIGHT_READ } };
        KTEST_OK(ktest_child_start(&child, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps, 1, 0));
        KTEST_OK(sys_task_watch(child.task, death));
        sent = sys_send(ep, &m);               /* reads address 0, or ud2 */
        died = ktest_wait(death, 2000000);
        after = sys_send(ep, &m);
        agora_child_release(&child);
        KTEST_EQ(sent, 0);
        KTEST_EQ(died, 1);
        KTEST_EQ(after, -E_DEAD);
    }
    return true;
}

/* A faulting child killed before its handler answers: the answer finds nobody. */
KTEST(fault_reply_after_faulter_died)
{
    uint64_t ep = ktest_new_endpoint(), faults = ktest_new_endpoint(), fault_ep;
    struct agora_child child;
    struct agora_msg m = ktest_msg(CHILD_OP_READ, 1, KTEST_UNMAPPED_VADDR, 0, 0, 0);
    long sent, got, replied;
    uint32_t label;

    KTEST_CHECK(ep != CAP_NULL && faults != CAP_NULL);
    fault_ep = ktest_copy_of(faults, RIGHT_WRITE, 0xc2);
    KTEST_CHECK(fault_ep != CAP_NULL);
    const struct agora_spawn_cap caps[] = { { ep, CHILD_CAP_EP, RIGHT_READ } };
    KTEST_OK(ktest_child_start(&child, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps, 1, fault_ep));
    sent = sys_send(ep, &m);
    got = sys_recv(faults, &m);
    label = IPC_LABEL(m.info);
    sys_task_kill(child.task, 0);
    m = ktest_msg(IPC_LABEL_RESUME, 0, 0, 0, 0, 0);
    replied = sys_reply(&m);
    agora_child_release(&child);
    KTEST_EQ(sent, 0);
    KTEST_EQ(got, 0);
    KTEST_EQ(label, IPC_LABEL_PAGE_FAULT);
    KTEST_EQ(replied, -E_STATE);
    return true;
}
