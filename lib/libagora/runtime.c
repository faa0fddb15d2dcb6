/* The runtime's state and small services: exit, the IPC buffer pointer, names of errors and system calls. */
#include <libagora/runtime.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/syscalls.h>
#include <libagora/printf.h>
#include <libagora/sys.h>

static struct agora_ipc_buffer *ipc_buffer = (struct agora_ipc_buffer *)AGORA_INIT_IPC_BUFFER;

struct agora_ipc_buffer *agora_ipc_buffer(void)
{
    return ipc_buffer;
}

void agora_set_ipc_buffer(struct agora_ipc_buffer *buf)
{
    ipc_buffer = buf;
}

noreturn void agora_exit(int status)
{
    agora_flush();
    sys_task_kill(CAP_SELF_TASK, (uint64_t)(int64_t)status);
    sys_thread_exit();
    for (;;)
        __asm__ volatile("pause");
}

static const struct {
    const char *name;
    const char *desc;
} error_table[] = {
#define AGORA_ERROR_ENTRY(name, num, desc) [num] = { #name, desc },
    AGORA_ERROR_LIST(AGORA_ERROR_ENTRY)
#undef AGORA_ERROR_ENTRY
};

static long error_index(long err)
{
    long i = err < 0 ? -err : err;

    if (i < 0 || i >= (long)(sizeof(error_table) / sizeof(error_table[0])) || !error_table[i].name)
        return -1;
    return i;
}

const char *agora_error_name(long err)
{
    long i = error_index(err);

    return i < 0 ? "E_?" : error_table[i].name;
}

const char *agora_strerror(long err)
{
    long i = error_index(err);

    return i < 0 ? "unknown error" : error_table[i].desc;
}

static const char *const syscall_names[] = {
#define AGORA_SYSCALL_ENTRY(name, num, doc) [num] = #name,
    AGORA_SYSCALL_LIST(AGORA_SYSCALL_ENTRY)
#undef AGORA_SYSCALL_ENTRY
};

const char *agora_syscall_name(long n)
{
    if (n < 0 || n >= (long)(sizeof(syscall_names) / sizeof(syscall_names[0])))
        return NULL;
    return syscall_names[n];
}

/* ---- capability slots: one bit per slot, set = in use ---- */

static uint64_t slot_used[CAP_TABLE_SLOTS / 64];
static bool slots_ready;

void agora_slots_init(uint64_t first)
{
    for (uint64_t s = 0; s < CAP_TABLE_SLOTS; s++) {
        if (s < first)
            slot_used[s / 64] |= 1ull << (s % 64);
        else
            slot_used[s / 64] &= ~(1ull << (s % 64));
    }
    slots_ready = true;
}

long agora_slot_alloc(void)
{
    if (!slots_ready)
        return -E_NOMEM;
    for (unsigned w = 0; w < CAP_TABLE_SLOTS / 64; w++) {
        if (slot_used[w] != ~0ull) {
            unsigned bit = (unsigned)__builtin_ctzll(~slot_used[w]);

            slot_used[w] |= 1ull << bit;
            return (long)(w * 64 + bit);
        }
    }
    return -E_NOMEM;
}

void agora_slot_free(uint64_t slot)
{
    if (slot != CAP_NULL && slot < CAP_TABLE_SLOTS)
        slot_used[slot / 64] &= ~(1ull << (slot % 64));
}

bool agora_slot_reserve(uint64_t slot)
{
    if (slot >= CAP_TABLE_SLOTS)
        return false;
    slot_used[slot / 64] |= 1ull << (slot % 64);
    return true;
}
