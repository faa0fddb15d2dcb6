/* kbench-peer: the other address space of kbench's benchmarks; its argument says which part it plays. */
#include <agora/ipc.h>
#include <agora/objects.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

#include "../kbench.h"

static noreturn void echo(void)
{
    struct agora_msg m = { 0, 0, { 0, 0, 0, 0 } };
    long r = sys_recv(KB_CAP_EP, &m);

    while (r >= 0)
        r = sys_reply_recv(KB_CAP_EP, &m);     /* the same label and words go back */
    agora_printf("kbench-peer: receive returned %s\n", agora_error_name(r));
    agora_exit(1);
}

static noreturn void notify(void)
{
    long r;

    while ((r = sys_wait(KB_CAP_PING)) >= 0)
        sys_signal(KB_CAP_PONG);
    agora_printf("kbench-peer: wait returned %s\n", agora_error_name(r));
    agora_exit(1);
}

/* Every fault is answered with our one page, mapped writable on the faulting page. */
static noreturn void pager(void)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct agora_msg m = { 0, 0, { 0, 0, 0, 0 } };
    long r = sys_memory_create(KB_CAP_POOL, 1, 16);

    if (r >= 0)
        r = sys_map(CAP_SELF_TASK, 16, 0, KB_PAGER_PAGE, 1, RIGHT_READ | RIGHT_WRITE);
    if (r < 0) {
        agora_printf("kbench-peer: no page to lend: %s\n", agora_error_name(r));
        agora_exit(1);
    }
    b->send_mem_vaddr = KB_PAGER_PAGE;
    b->send_mem_pages = 1;
    b->send_mem_flags = IPC_MEM_MAP | IPC_MEM_WRITE;
    r = sys_recv(KB_CAP_EP, &m);
    while (r >= 0) {
        if (IPC_LABEL(m.info) != IPC_LABEL_PAGE_FAULT) {
            agora_printf("kbench-peer: a message with label %x, not a page fault\n", IPC_LABEL(m.info));
            agora_exit(1);
        }
        m = (struct agora_msg){ IPC_INFO(IPC_LABEL_RESUME, 0, 0, 1), 0, { 0, 0, 0, 0 } };
        r = sys_reply_recv(KB_CAP_EP, &m);
    }
    agora_printf("kbench-peer: receive returned %s\n", agora_error_name(r));
    agora_exit(1);
}

int main(uint64_t role)
{
    switch (role) {
    case KB_ROLE_ECHO: echo();
    case KB_ROLE_NOTIFY: notify();
    case KB_ROLE_PAGER: pager();
    default:
        agora_printf("kbench-peer: no role %lu\n", (unsigned long)role);
        return 1;
    }
}
