/* ktest-child: started by ktest with agora_spawn; says hello, or serves ktest's requests in a second address space (child.h). */
#include <agora/objects.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "child.h"

static volatile uint64_t data_words[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };
static volatile uint64_t bss_words[512];

static long cap_type(uint64_t slot)
{
    long info = sys_cap_info(slot);

    return info < 0 ? info : (long)AGORA_CAP_INFO_TYPE(info);
}

static uint64_t self_checks(void)
{
    volatile uint64_t local = 0;
    struct agora_ipc_buffer *ipc = agora_ipc_buffer();
    uint64_t ok = 0, sum = 0;

    if ((uint64_t)&local < AGORA_CHILD_STACK_TOP &&
        (uint64_t)&local >= AGORA_CHILD_STACK_TOP - AGORA_CHILD_STACK_PAGES * 4096ull)
        ok |= CHILD_OK_STACK;
    if ((uint64_t)ipc == AGORA_CHILD_IPC_BUFFER) {
        ((volatile struct agora_ipc_buffer *)ipc)->user_tls = 0xfeed;
        if (((volatile struct agora_ipc_buffer *)ipc)->user_tls == 0xfeed)
            ok |= CHILD_OK_IPC_BUFFER;
    }
    if (cap_type(CAP_SELF_TASK) == OBJ_TASK)
        ok |= CHILD_OK_SELF_TASK;
    if (cap_type(CAP_SELF_THREAD) == OBJ_THREAD)
        ok |= CHILD_OK_SELF_THREAD;
    if (cap_type(CHILD_CAP_EP) == OBJ_ENDPOINT)
        ok |= CHILD_OK_PASSED_CAP;
    if (sys_cap_info(AGORA_CHILD_FIRST_FREE_SLOT) == -E_NOCAP && sys_cap_info(CHILD_CAP_EP + 1) == -E_NOCAP)
        ok |= CHILD_OK_FREE_SLOTS;
    if (data_words[0] == 0x1111 && data_words[3] == 0x4444)
        ok |= CHILD_OK_DATA;
    for (unsigned i = 0; i < sizeof(bss_words) / sizeof(bss_words[0]); i++)
        sum |= bss_words[i];
    if (sum == 0)
        ok |= CHILD_OK_BSS;
    return ok;
}

static int hello(uint64_t arg)
{
    struct agora_msg m = { IPC_INFO(CHILD_LABEL_HELLO, 2, 0, 0), 0, { arg, self_checks(), 0, 0 } };
    long r;

    agora_printf("ktest-child: started with argument 0x%lx, checks 0x%lx\n", (unsigned long)arg,
                 (unsigned long)m.mr[1]);
    r = sys_call(CHILD_CAP_EP, &m);
    if (r < 0) {
        agora_printf("ktest-child: call returned %s\n", agora_error_name(r));
        return 2;
    }
    if (IPC_LABEL(m.info) != CHILD_LABEL_REPLY || m.mr[0] != arg + 1) {
        agora_printf("ktest-child: unexpected reply, label 0x%x\n", IPC_LABEL(m.info));
        return 3;
    }
    return 0;
}

/* ---- the server role ---- */

/* The handler resumes both 2 bytes on (ud2 is 0f 0b; divl %ecx is f7 f1) with its own rax. */
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

static void set_reply(struct agora_msg *m, unsigned words, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3)
{
    m->info = IPC_INFO(IPC_LABEL(m->info), words, 0, 0);
    m->mr[0] = w0;
    m->mr[1] = w1;
    m->mr[2] = w2;
    m->mr[3] = w3;
}

/* Calls the peer endpoint; the reply lands in *m. */
static long call_peer(struct agora_msg *m, uint64_t info, uint64_t w0)
{
    *m = (struct agora_msg){ info, 0, { w0, 0, 0, 0 } };
    return sys_call(CHILD_CAP_PEER, m);
}

static void forward(struct agora_ipc_buffer *ipc, struct agora_msg *m)
{
    struct agora_msg out;
    long r;

    ipc->send_mem_vaddr = m->mr[0];
    ipc->send_mem_pages = m->mr[1];
    ipc->send_mem_flags = m->mr[2];
    r = call_peer(&out, IPC_INFO(CHILD_OP_TAKE, 0, 0, 1), 0);
    ipc->send_mem_vaddr = ipc->send_mem_pages = ipc->send_mem_flags = 0;
    set_reply(m, 3, (uint64_t)r, IPC_LABEL(out.info), out.mr[2], 0);
}

/* Turns the request in *m into its reply; false: leave the loop (after replying). */
static bool serve(struct agora_ipc_buffer *ipc, struct agora_msg *m)
{
    unsigned words = IPC_WORDS(m->info);
    struct agora_msg out;
    long r;

    switch (IPC_LABEL(m->info)) {
    case CHILD_OP_ECHO:
        for (unsigned i = IPC_REG_WORDS; i < words && i < IPC_MAX_WORDS; i++)
            ipc->mr[i]++;
        set_reply(m, words, m->mr[0] + 1, m->mr[1] + 1, m->mr[2] + 1, m->mr[3] + 1);
        break;
    case CHILD_OP_BADGE:
        set_reply(m, 2, m->badge, m->info, 0, 0);
        break;
    case CHILD_OP_TAKE:
        ipc->mr[4] = ipc->recv_mem_flags;
        set_reply(m, 5, ipc->recv_caps_count, (uint64_t)sys_cap_info(CHILD_RECV_SLOT), ipc->recv_mem_vaddr,
                  ipc->recv_mem_pages);
        break;
    case CHILD_OP_CAP_INFO:
        set_reply(m, 1, (uint64_t)sys_cap_info(m->mr[0]), 0, 0, 0);
        break;
    case CHILD_OP_CAP_DELETE:
        set_reply(m, 1, (uint64_t)sys_cap_delete(m->mr[0]), 0, 0, 0);
        break;
    case CHILD_OP_READ:
        set_reply(m, 1, *(volatile uint64_t *)m->mr[0], 0, 0, 0);
        break;
    case CHILD_OP_WRITE:
        *(volatile uint64_t *)m->mr[0] = m->mr[1];
        set_reply(m, 1, 0, 0, 0, 0);
        break;
    case CHILD_OP_UNMAP:
        set_reply(m, 1, (uint64_t)sys_unmap(CAP_SELF_TASK, m->mr[0], m->mr[1]), 0, 0, 0);
        break;
    case CHILD_OP_FORWARD:
        forward(ipc, m);
        break;
    case CHILD_OP_CALL_PEER:
        r = call_peer(&out, IPC_INFO(m->mr[0], 1, 0, 0), m->mr[1]);
        set_reply(m, 3, (uint64_t)r, IPC_LABEL(out.info), out.mr[0], 0);
        break;
    case CHILD_OP_DIE:
        sys_task_kill(CAP_SELF_TASK, m->mr[0]);
        break;
    case CHILD_OP_SLEEP_DIE:
        sys_sleep(m->mr[0]);
        sys_task_kill(CAP_SELF_TASK, 0);
        break;
    case CHILD_OP_HANG:
        for (;;)
            sys_sleep(3600ull * 1000000);
    case CHILD_OP_UD2:
        set_reply(m, 1, run_ud2(m->mr[0]), 0, 0, 0);
        break;
    case CHILD_OP_DIVIDE:
        set_reply(m, 1, run_divide(m->mr[0]), 0, 0, 0);
        break;
    case CHILD_OP_SET_RECV:
        ipc->recv_window_vaddr = m->mr[0];
        ipc->recv_window_pages = m->mr[1];
        ipc->recv_cap_slots[0] = m->mr[2];
        set_reply(m, 1, 0, 0, 0, 0);
        break;
    case CHILD_OP_EXIT:
        set_reply(m, 0, 0, 0, 0, 0);
        return false;
    default:
        m->mr[0] = IPC_LABEL(m->info);
        m->info = IPC_INFO(CHILD_LABEL_UNKNOWN, 1, 0, 0);
        break;
    }
    return true;
}

/* Serves until told to exit or the endpoint fails; a send (not a call) gets no reply, harmlessly. */
static int server(void)
{
    struct agora_ipc_buffer *ipc = agora_ipc_buffer();
    struct agora_msg m;
    long r;

    memset(ipc, 0, sizeof(*ipc));
    ipc->recv_cap_slots[0] = CHILD_RECV_SLOT;
    ipc->recv_window_vaddr = CHILD_WINDOW_VADDR;
    ipc->recv_window_pages = CHILD_WINDOW_PAGES;
    r = sys_recv(CHILD_CAP_EP, &m);
    while (r >= 0) {
        if (!serve(ipc, &m)) {
            sys_reply(&m);
            return 0;
        }
        r = sys_reply_recv(CHILD_CAP_EP, &m);
    }
    agora_printf("ktest-child: receiving returned %s\n", agora_error_name(r));
    return 4;
}

int main(uint64_t arg)
{
    switch (CHILD_ROLE(arg)) {
    case CHILD_ROLE_HELLO:
        return hello(arg);
    case CHILD_ROLE_SERVER:
        return server();
    default:
        agora_printf("ktest-child: no role %u\n", CHILD_ROLE(arg));
        return 5;
    }
}
