/* ktest-child: started by ktest with agora_spawn; checks what it was given and reports by IPC. */
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

int main(uint64_t arg)
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
