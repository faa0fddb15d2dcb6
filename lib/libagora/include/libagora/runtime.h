/* The user runtime: program entry and exit, the IPC buffer, error names, capability slots. */
#ifndef LIBAGORA_RUNTIME_H
#define LIBAGORA_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include <agora/boot.h>
#include <agora/ipc.h>

/*
 * Every program starts the same way, whoever starts it (the kernel for init, agora_spawn
 * for the others): its thread enters crt0's _start with rdi = the starter's argument (init:
 * AGORA_BOOT_INFO_VADDR), a stack below AGORA_INIT_STACK_TOP and its IPC buffer at
 * AGORA_INIT_IPC_BUFFER. _start aligns the stack and calls main(arg); returning from main
 * is agora_exit(status).
 */
int main(uint64_t arg);

/*
 * Ends the program: flushes agora_printf's buffer, then kills the task (SYS_TASK_KILL on
 * CAP_SELF_TASK with status), then, should that fail, ends the thread; never returns.
 */
noreturn void agora_exit(int status);

/*
 * The calling thread's IPC buffer. One pointer for the whole program, AGORA_INIT_IPC_BUFFER
 * unless changed: enough while programs have one thread; a second thread will need its own
 * (the buffer's user_tls word is there for a per-thread runtime).
 */
struct agora_ipc_buffer *agora_ipc_buffer(void);
void agora_set_ipc_buffer(struct agora_ipc_buffer *buf);

/*
 * Offers no capability slot and no memory window for the next receive or call reply, so
 * the kernel fails a message carrying either (-E_NOWINDOW). Servers that take neither
 * call it before receiving; their own calls set the slots they need.
 */
static inline void agora_ipc_accept_nothing(struct agora_ipc_buffer *b)
{
    for (unsigned i = 0; i < IPC_MAX_CAPS; i++)
        b->recv_cap_slots[i] = 0;
    b->recv_window_pages = 0;
}

/* "E_NOCAP" etc. for a negated (or positive) error code; "E_?" for unknown ones. */
const char *agora_error_name(long err);
/* The description of an error code from <agora/errors.h>. */
const char *agora_strerror(long err);
/* "SYS_MAP" etc.; NULL for a number that is no system call. */
const char *agora_syscall_name(long n);

/*
 * A capability-slot allocator over this task's table: slots [first, CAP_TABLE_SLOTS) start
 * free (init: boot info first_free_slot; a spawned program: AGORA_CHILD_FIRST_FREE_SLOT).
 * Not thread-safe.
 */
void agora_slots_init(uint64_t first);
/* A free slot, or -E_NOMEM when none is left (or agora_slots_init was not called). */
long agora_slot_alloc(void);
/* Returns a slot to the allocator (the capability in it must already be deleted). */
void agora_slot_free(uint64_t slot);
/* Marks a slot used, e.g. one a starter filled; false if it was out of range. */
bool agora_slot_reserve(uint64_t slot);

/*
 * pages of new zeroed memory from CAP_CHILD_POOL mapped read-write at vaddr in this task;
 * its slot in *memory (may be NULL). 0 or a negated error (nothing is left behind).
 */
long agora_map_new(uint64_t vaddr, uint64_t pages, uint64_t *memory);
/*
 * A helper thread of this task at the default priority: [area, area + pages pages) is new
 * memory, its first page the thread's IPC buffer, the rest its stack; it runs fn(arg),
 * which must never return (end with sys_thread_exit). Its slot in *thread (may be NULL).
 */
long agora_thread_spawn(uint64_t area, uint64_t pages, void (*fn)(uint64_t), uint64_t arg, uint64_t *thread);

#endif
