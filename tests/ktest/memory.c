/* ktest: SYS_MAP and SYS_UNMAP with good and bad arguments, memory items (map and grant) in messages, window errors, recursive unmap. */
#include "peer.h"

#include <libagora/string.h>

#define PAGE 4096ull
#define S KTEST_SCRATCH_VADDR

static ktest_thread_t server;

static volatile uint64_t *word_at(uint64_t va)
{
    return (volatile uint64_t *)va;
}

static uint64_t new_memory(uint64_t pages)
{
    uint64_t m = ktest_slot();

    return sys_memory_create(CAP_INIT_POOL, pages, m) < 0 ? CAP_NULL : m;
}

/* ---- SYS_MAP and SYS_UNMAP ---- */

KTEST(memory_map_and_unmap)
{
    uint64_t mem = new_memory(3);
    long before = ktest_mappings();

    KTEST_CHECK(mem != CAP_NULL);
    KTEST_CHECK(before >= 0);
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 3, RIGHT_READ | RIGHT_WRITE));
    KTEST_EQ(ktest_mappings(), before + 3);
    for (uint64_t i = 0; i < 3; i++) {
        KTEST_EQ(*word_at(S + i * PAGE), 0);
        *word_at(S + i * PAGE + 8) = 0xa0 + i;
    }
    /* The same page at a second address, read-only: one memory, two views. */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 1, S + 16 * PAGE, 1, RIGHT_READ));
    KTEST_EQ(*word_at(S + 16 * PAGE + 8), 0xa1);
    *word_at(S + PAGE + 8) = 0xb1;
    KTEST_EQ(*word_at(S + 16 * PAGE + 8), 0xb1);
    /* Executable is allowed without write. */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 2, S + 17 * PAGE, 1, RIGHT_READ | RIGHT_EXEC));
    KTEST_EQ(*word_at(S + 17 * PAGE + 8), 0xa2);
    KTEST_EQ(ktest_mappings(), before + 5);
    /* SYS_UNMAP counts what it unmapped, holes included. */
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S + PAGE, 1), 1);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 3), 2);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 3), 0);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S + 16 * PAGE, 2), 2);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 0), 0);
    KTEST_EQ(ktest_mappings(), before);
    /* The memory kept what was written: map it again. */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 3, RIGHT_READ));
    KTEST_EQ(*word_at(S + PAGE + 8), 0xb1);
    KTEST_EQ(*word_at(S + 2 * PAGE + 8), 0xa2);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 3), 3);
    /* The last page of user space is as good as any. */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, AGORA_USER_TOP - PAGE, 1, RIGHT_READ | RIGHT_WRITE));
    *word_at(AGORA_USER_TOP - 8) = 0x1a57;
    KTEST_EQ(*word_at(AGORA_USER_TOP - 8), 0x1a57);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, AGORA_USER_TOP - PAGE, 1), 1);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

KTEST(memory_map_bad_rights)
{
    uint64_t mem = new_memory(1), n = ktest_slot(), read_only, no_exec, task_no_manage;
    long before = ktest_mappings();

    KTEST_CHECK(mem != CAP_NULL && before >= 0);
    KTEST_OK(sys_notify_create(CAP_INIT_POOL, n));
    read_only = ktest_copy_of(mem, RIGHT_READ | RIGHT_COPY, 0);
    no_exec = ktest_copy_of(mem, RIGHT_READ | RIGHT_WRITE, 0);
    task_no_manage = ktest_copy_of(CAP_SELF_TASK, RIGHTS_ALL & ~RIGHT_MANAGE, 0);
    KTEST_CHECK(read_only != CAP_NULL && no_exec != CAP_NULL && task_no_manage != CAP_NULL);

    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC), -E_INVAL);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_WRITE), -E_INVAL);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_EXEC), -E_INVAL);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S, 1, 0), -E_INVAL);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | RIGHT_GRANT), -E_INVAL);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | (1ull << 40)), -E_INVAL);
    KTEST_EQ(sys_map(CAP_SELF_TASK, read_only, 0, S, 1, RIGHT_READ | RIGHT_WRITE), -E_PERM);
    KTEST_EQ(sys_map(CAP_SELF_TASK, no_exec, 0, S, 1, RIGHT_READ | RIGHT_EXEC), -E_PERM);
    KTEST_EQ(sys_map(task_no_manage, mem, 0, S, 1, RIGHT_READ), -E_PERM);
    KTEST_EQ(sys_map(CAP_INIT_POOL, mem, 0, S, 1, RIGHT_READ), -E_TYPE);
    KTEST_EQ(sys_map(CAP_SELF_TASK, n, 0, S, 1, RIGHT_READ), -E_TYPE);
    KTEST_EQ(sys_map(CAP_SELF_TASK, ktest_slot(), 0, S, 1, RIGHT_READ), -E_NOCAP);
    KTEST_EQ(sys_map(ktest_slot(), mem, 0, S, 1, RIGHT_READ), -E_NOCAP);
    KTEST_EQ(ktest_mappings(), before);
    /* What each copy does allow. */
    KTEST_OK(sys_map(CAP_SELF_TASK, read_only, 0, S, 1, RIGHT_READ));
    KTEST_OK(sys_map(CAP_SELF_TASK, no_exec, 0, S + PAGE, 1, RIGHT_READ | RIGHT_WRITE));
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 2), 2);
    return true;
}

KTEST(memory_map_bad_addresses)
{
    static const uint64_t outside[] = {
        0, 0xfff, 0xffff800000000000ull, 0xffffffff80000000ull, 0xfffffffffffff000ull,
        AGORA_USER_TOP, 0x1000000000000000ull,
    };
    uint64_t mem = new_memory(2);
    long before = ktest_mappings();

    KTEST_CHECK(mem != CAP_NULL && before >= 0);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S + 8, 1, RIGHT_READ), -E_ALIGN);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S + 0x800, 1, RIGHT_READ), -E_ALIGN);
    for (unsigned i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
        long r = sys_map(CAP_SELF_TASK, mem, 0, outside[i], 1, RIGHT_READ);

        if (outside[i] & (PAGE - 1))
            KTEST_EQ(r, -E_ALIGN);
        else
            KTEST_EQ(r, -E_FAULT);
    }
    /* Running from the last user page into the kernel half. */
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, AGORA_USER_TOP - PAGE, 2, RIGHT_READ), -E_FAULT);
    /* Pages outside the object. */
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S, 0, RIGHT_READ), -E_RANGE);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S, 3, RIGHT_READ), -E_RANGE);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 1, S, 2, RIGHT_READ), -E_RANGE);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 2, S, 1, RIGHT_READ), -E_RANGE);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, UINT64_MAX, S, 1, RIGHT_READ), -E_RANGE);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 1, S, UINT64_MAX, RIGHT_READ), -E_RANGE);
    KTEST_EQ(ktest_mappings(), before);
    /* Already mapped: ours, ktest's own text and IPC buffer; a range that ends on one maps nothing. */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | RIGHT_WRITE));
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ), -E_EXIST);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, S - PAGE, 2, RIGHT_READ), -E_EXIST);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, 0x400000, 1, RIGHT_READ), -E_EXIST);
    KTEST_EQ(sys_map(CAP_SELF_TASK, mem, 0, AGORA_INIT_IPC_BUFFER, 1, RIGHT_READ), -E_EXIST);
    KTEST_EQ(ktest_mappings(), before + 1);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S - PAGE, 1), 0);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1), 1);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

KTEST(memory_unmap_bad_arguments)
{
    uint64_t task_no_manage = ktest_copy_of(CAP_SELF_TASK, RIGHTS_ALL & ~RIGHT_MANAGE, 0);
    long before = ktest_mappings();

    KTEST_CHECK(task_no_manage != CAP_NULL && before >= 0);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S + 8, 1), -E_ALIGN);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, 0, 1), -E_FAULT);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, 0xffff800000000000ull, 1), -E_FAULT);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, AGORA_USER_TOP, 1), -E_FAULT);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, AGORA_USER_TOP - PAGE, 2), -E_FAULT);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, UINT64_MAX), -E_FAULT);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1ull << 52), -E_FAULT);
    KTEST_EQ(sys_unmap(task_no_manage, S, 1), -E_PERM);
    KTEST_EQ(sys_unmap(CAP_INIT_POOL, S, 1), -E_TYPE);
    KTEST_EQ(sys_unmap(ktest_slot(), S, 1), -E_NOCAP);
    /* Nothing there: nothing unmapped, and no error. */
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, KTEST_UNMAPPED_VADDR, 4), 0);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

/* SYS_MAP into another task: the child sees our writes and we see its. */
static bool map_into_child(uint64_t ep, struct agora_child *child, uint64_t mem)
{
    const uint64_t there = 0x50000000ull;
    struct agora_msg m;

    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | RIGHT_WRITE));
    *word_at(S) = 0xc0de;
    KTEST_OK(sys_map(child->task, mem, 0, there, 1, RIGHT_READ | RIGHT_WRITE));
    KTEST_EQ(sys_map(child->task, mem, 0, there, 1, RIGHT_READ), -E_EXIST);
    KTEST_EQ(sys_map(child->task, mem, 0, 0x400000, 1, RIGHT_READ), -E_EXIST);   /* its text */
    m = ktest_msg(CHILD_OP_READ, 1, there, 0, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(m.mr[0], 0xc0de);
    m = ktest_msg(CHILD_OP_WRITE, 2, there + 8, 0xfeed, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(*word_at(S + 8), 0xfeed);
    KTEST_EQ(sys_unmap(child->task, there, 1), 1);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1), 1);
    return true;
}

KTEST(memory_map_into_child)
{
    uint64_t ep = ktest_new_endpoint(), mem = new_memory(1);
    struct agora_child child;
    long before = ktest_mappings();
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && mem != CAP_NULL);
    const struct agora_spawn_cap caps[] = { { ep, CHILD_CAP_EP, RIGHT_READ } };
    KTEST_OK(ktest_child_start(&child, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps, 1, 0));
    long with_child = ktest_mappings();
    ok = map_into_child(ep, &child, mem);
    long after = ktest_mappings();
    sys_unmap(CAP_SELF_TASK, S, 1);
    agora_child_release(&child);
    KTEST_CHECK(ok);
    KTEST_EQ(after, with_child);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

/* ---- memory items ---- */

/* Puts a memory item in ktest's IPC buffer. */
static void set_item(uint64_t va, uint64_t pages, uint64_t flags)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();

    b->send_mem_vaddr = va;
    b->send_mem_pages = pages;
    b->send_mem_flags = flags;
}

static long send_item(uint64_t ep)
{
    struct agora_msg m = { IPC_INFO(0x3e3, 0, 0, 1), 0, { 0, 0, 0, 0 } };

    return sys_send(ep, &m);
}

static long call_item(uint64_t ep)
{
    struct agora_msg m = { IPC_INFO(0x3e3, 0, 0, 1), 0, { 0, 0, 0, 0 } };

    return sys_call(ep, &m);
}

static long start_server(uint64_t ep)
{
    server = (ktest_thread_t){ .arg = { ep } };
    return ktest_thread_start(&server, ktest_echo_server, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY);
}

static bool stop_server(uint64_t ep)
{
    ktest_cap_drop(ep);
    return ktest_thread_join(&server);
}

/* A map item to a thread of our own task: two addresses, one page; unmapping the source takes both. */
static bool map_item_thread(uint64_t ep, uint64_t mem, long before)
{
    uint64_t window = server.spare;

    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 2, RIGHT_READ | RIGHT_WRITE));
    *word_at(S) = 0x5a5a;
    *word_at(S + PAGE) = 0x6b6b;
    server.ipc->recv_window_vaddr = window;
    server.ipc->recv_window_pages = 2;
    set_item(S, 2, IPC_MEM_MAP | IPC_MEM_WRITE);
    KTEST_EQ(call_item(ep), 0);
    KTEST_EQ(server.ipc->recv_mem_vaddr, window);
    KTEST_EQ(server.ipc->recv_mem_pages, 2);
    KTEST_EQ(server.ipc->recv_mem_flags, IPC_MEM_MAP | IPC_MEM_WRITE);
    KTEST_EQ(ktest_mappings(), before + 4);
    KTEST_EQ(*word_at(window), 0x5a5a);
    KTEST_EQ(*word_at(window + PAGE), 0x6b6b);
    *word_at(window + 8) = 0x7c7c;
    KTEST_EQ(*word_at(S + 8), 0x7c7c);
    /* Recursive: the source's unmap takes the derived pages. */
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 2), 2);
    KTEST_EQ(ktest_mappings(), before);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, window, 2), 0);
    /* Unmapping the derived copy leaves the source. */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | RIGHT_WRITE));
    set_item(S, 1, IPC_MEM_MAP);
    KTEST_EQ(call_item(ep), 0);
    KTEST_EQ(server.ipc->recv_mem_flags, IPC_MEM_MAP);
    KTEST_EQ(ktest_mappings(), before + 2);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, window, 1), 1);
    KTEST_EQ(*word_at(S), 0x5a5a);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1), 1);
    return true;
}

KTEST(memory_map_item_thread)
{
    uint64_t ep = ktest_new_endpoint(), mem = new_memory(2);
    long before = ktest_mappings();
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && mem != CAP_NULL);
    KTEST_OK(start_server(ep));
    sys_yield();
    before = ktest_mappings();
    ok = map_item_thread(ep, mem, before);
    ktest_ipc_clear();
    sys_unmap(CAP_SELF_TASK, S, 2);
    sys_unmap(CAP_SELF_TASK, server.spare, 2);
    KTEST_CHECK(stop_server(ep));
    KTEST_CHECK(ok);
    return true;
}

/* Every way a memory item or the window for it can be wrong; the server thread's window is set directly. */
static bool window_errors(uint64_t ep, uint64_t mem, uint64_t ro_mem)
{
    struct agora_ipc_buffer *w = server.ipc;
    uint64_t window = server.spare;
    long before;

    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 2, RIGHT_READ | RIGHT_WRITE));
    KTEST_OK(sys_map(CAP_SELF_TASK, ro_mem, 0, S + 4 * PAGE, 1, RIGHT_READ));
    before = ktest_mappings();

    /* No window, or too small a one. */
    set_item(S, 1, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_NOWINDOW);
    w->recv_window_vaddr = 0;
    w->recv_window_pages = 1;
    KTEST_EQ(send_item(ep), -E_NOWINDOW);
    w->recv_window_vaddr = window;
    set_item(S, 2, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_NOWINDOW);
    /* Unaligned window or item. */
    w->recv_window_pages = 2;
    w->recv_window_vaddr = window + 8;
    KTEST_EQ(send_item(ep), -E_ALIGN);
    w->recv_window_vaddr = window;
    set_item(S + 8, 1, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_ALIGN);
    /* Outside user space, or not mapped at the sender. */
    set_item(0xffff800000000000ull, 1, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_FAULT);
    set_item(KTEST_UNMAPPED_VADDR, 1, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_FAULT);
    set_item(S + PAGE, 2, IPC_MEM_MAP);        /* the second page is not mapped */
    KTEST_EQ(send_item(ep), -E_FAULT);
    set_item(S, 1, IPC_MEM_MAP);
    w->recv_window_vaddr = 0xffff800000000000ull;
    KTEST_EQ(send_item(ep), -E_FAULT);
    w->recv_window_vaddr = AGORA_USER_TOP - PAGE;
    set_item(S, 2, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_FAULT);
    /* Window and item overlap in one task. */
    w->recv_window_vaddr = S;
    KTEST_EQ(send_item(ep), -E_OVERLAP);
    w->recv_window_vaddr = S + PAGE;
    KTEST_EQ(send_item(ep), -E_OVERLAP);
    w->recv_window_vaddr = S - PAGE;
    KTEST_EQ(send_item(ep), -E_OVERLAP);
    /* Window already mapped: our IPC buffer; or only its second page (the read-only one at S + 4 pages). */
    w->recv_window_vaddr = AGORA_INIT_IPC_BUFFER;
    set_item(S, 1, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_EXIST);
    w->recv_window_vaddr = S + 3 * PAGE;
    set_item(S, 2, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_EXIST);
    /* Flags and sizes. */
    w->recv_window_vaddr = window;
    set_item(S, 1, 0);
    KTEST_EQ(send_item(ep), -E_INVAL);
    set_item(S, 1, IPC_MEM_MAP | IPC_MEM_GRANT);
    KTEST_EQ(send_item(ep), -E_INVAL);
    set_item(S, 1, IPC_MEM_MAP | 0x8);
    KTEST_EQ(send_item(ep), -E_INVAL);
    set_item(S, 0, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_RANGE);
    set_item(S, IPC_MAX_WORDS + 1, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_RANGE);
    /* Writable from a read-only mapping. */
    set_item(S + 4 * PAGE, 1, IPC_MEM_MAP | IPC_MEM_WRITE);
    KTEST_EQ(send_item(ep), -E_PERM);
    set_item(S + 4 * PAGE, 1, IPC_MEM_GRANT | IPC_MEM_WRITE);
    KTEST_EQ(send_item(ep), -E_PERM);
    /* Nothing moved, the server took nothing. */
    KTEST_EQ(ktest_mappings(), before);
    KTEST_EQ(server.out[0], 0);
    /* And a good one still goes through (read-only is fine). */
    set_item(S + 4 * PAGE, 1, IPC_MEM_MAP);
    KTEST_EQ(call_item(ep), 0);
    KTEST_EQ(ktest_mappings(), before + 1);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, window, 1), 1);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 5), 3);
    return true;
}

KTEST(memory_item_window_errors)
{
    uint64_t ep = ktest_new_endpoint(), mem = new_memory(2), ro_mem = new_memory(1);
    long before = ktest_mappings();
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && mem != CAP_NULL && ro_mem != CAP_NULL);
    KTEST_OK(start_server(ep));
    sys_yield();
    ok = window_errors(ep, mem, ro_mem);
    ktest_ipc_clear();
    sys_unmap(CAP_SELF_TASK, S, 5);
    sys_unmap(CAP_SELF_TASK, server.spare, 2);
    KTEST_CHECK(stop_server(ep));
    KTEST_CHECK(ok);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

/* Map and grant items to ktest-child. */
static bool items_to_child(uint64_t ep, uint64_t mem, long before)
{
    struct agora_msg m;

    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | RIGHT_WRITE));
    /* Across tasks, the same address on both sides is no overlap. */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 1, CHILD_WINDOW_VADDR, 1, RIGHT_READ | RIGHT_WRITE));
    *word_at(S) = 0x1111;
    *word_at(CHILD_WINDOW_VADDR) = 0x2222;

    /* Map: shared; what the child writes, we read. */
    set_item(S, 1, IPC_MEM_MAP | IPC_MEM_WRITE);
    m = (struct agora_msg){ IPC_INFO(CHILD_OP_TAKE, 0, 0, 1), 0, { 0, 0, 0, 0 } };
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(m.mr[0], 0);
    KTEST_EQ(m.mr[2], CHILD_WINDOW_VADDR);
    KTEST_EQ(m.mr[3], 1);
    KTEST_EQ(agora_ipc_buffer()->mr[4], IPC_MEM_MAP | IPC_MEM_WRITE);
    KTEST_EQ(ktest_mappings(), before + 3);
    m = ktest_msg(CHILD_OP_READ, 1, CHILD_WINDOW_VADDR, 0, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(m.mr[0], 0x1111);
    m = ktest_msg(CHILD_OP_WRITE, 2, CHILD_WINDOW_VADDR + 8, 0x3333, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(*word_at(S + 8), 0x3333);
    /* Its window is taken now. */
    set_item(CHILD_WINDOW_VADDR, 1, IPC_MEM_MAP);
    KTEST_EQ(send_item(ep), -E_EXIST);
    /* Our unmap takes its page. */
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1), 1);
    KTEST_EQ(ktest_mappings(), before + 1);

    /* Grant: the page leaves us (its mapping moves, the count stays), the child reads it. */
    set_item(CHILD_WINDOW_VADDR, 1, IPC_MEM_GRANT | IPC_MEM_WRITE);
    m = (struct agora_msg){ IPC_INFO(CHILD_OP_TAKE, 0, 0, 1), 0, { 0, 0, 0, 0 } };
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(m.mr[2], CHILD_WINDOW_VADDR);
    KTEST_EQ(agora_ipc_buffer()->mr[4], IPC_MEM_GRANT | IPC_MEM_WRITE);
    KTEST_EQ(ktest_mappings(), before + 1);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, CHILD_WINDOW_VADDR, 1), 0);
    m = ktest_msg(CHILD_OP_READ, 1, CHILD_WINDOW_VADDR, 0, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(m.mr[0], 0x2222);
    m = ktest_msg(CHILD_OP_WRITE, 2, CHILD_WINDOW_VADDR + 16, 0x4444, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    /* Still the same memory: map it again to look. */
    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 1, S, 1, RIGHT_READ));
    KTEST_EQ(*word_at(S + 16), 0x4444);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1), 1);
    m = ktest_msg(CHILD_OP_UNMAP, 2, CHILD_WINDOW_VADDR, 1, 0, 0);
    KTEST_EQ(sys_call(ep, &m), 0);
    KTEST_EQ(m.mr[0], 1);
    KTEST_EQ(ktest_mappings(), before);
    return true;
}

KTEST(memory_items_to_child)
{
    uint64_t ep = ktest_new_endpoint(), mem = new_memory(2);
    struct agora_child child;
    long before;
    bool ok;

    KTEST_CHECK(ep != CAP_NULL && mem != CAP_NULL);
    const struct agora_spawn_cap caps[] = { { ep, CHILD_CAP_EP, RIGHT_READ } };
    KTEST_OK(ktest_child_start(&child, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps, 1, 0));
    before = ktest_mappings();
    ok = items_to_child(ep, mem, before);
    ktest_ipc_clear();
    sys_unmap(CAP_SELF_TASK, S, 1);
    sys_unmap(CAP_SELF_TASK, CHILD_WINDOW_VADDR, 1);
    agora_child_release(&child);
    return ok;
}

/*
 * Recursive unmap across three tasks: ktest maps a page to child B, B maps it on to child C;
 * ktest's unmap removes it from both, and each then faults on it (to ktest, their handler).
 */
static bool expect_fault_and_kill(uint64_t ep, uint64_t faults, uint64_t badge, uint64_t death)
{
    struct agora_msg m = ktest_msg(CHILD_OP_READ, 1, CHILD_WINDOW_VADDR, 0, 0, 0);

    KTEST_EQ(sys_send(ep, &m), 0);
    KTEST_EQ(sys_recv(faults, &m), 0);
    KTEST_EQ(IPC_LABEL(m.info), IPC_LABEL_PAGE_FAULT);
    KTEST_EQ(m.badge, badge);
    KTEST_EQ(m.mr[0], CHILD_WINDOW_VADDR);
    /* Any label but resume and set-registers kills it. */
    m = ktest_msg(0xdead, 0, 0, 0, 0, 0);
    KTEST_EQ(sys_reply(&m), 0);
    KTEST_EQ(ktest_wait(death, 2000000), (long)badge);
    return true;
}

static bool recursive_unmap(uint64_t ep_b, uint64_t ep_c, uint64_t faults, uint64_t death, uint64_t mem,
                            long before)
{
    struct agora_msg m;

    KTEST_OK(sys_map(CAP_SELF_TASK, mem, 0, S, 1, RIGHT_READ | RIGHT_WRITE));
    *word_at(S) = 0xabc;
    set_item(S, 1, IPC_MEM_MAP | IPC_MEM_WRITE);
    m = (struct agora_msg){ IPC_INFO(CHILD_OP_TAKE, 0, 0, 1), 0, { 0, 0, 0, 0 } };
    KTEST_EQ(sys_call(ep_b, &m), 0);
    KTEST_EQ(m.mr[3], 1);
    m = ktest_msg(CHILD_OP_FORWARD, 3, CHILD_WINDOW_VADDR, 1, IPC_MEM_MAP, 0);
    KTEST_EQ(sys_call(ep_b, &m), 0);
    KTEST_EQ(m.mr[0], 0);
    KTEST_EQ(m.mr[1], CHILD_OP_TAKE);
    KTEST_EQ(m.mr[2], CHILD_WINDOW_VADDR);
    m = ktest_msg(CHILD_OP_READ, 1, CHILD_WINDOW_VADDR, 0, 0, 0);
    KTEST_EQ(sys_call(ep_c, &m), 0);
    KTEST_EQ(m.mr[0], 0xabc);
    KTEST_EQ(ktest_mappings(), before + 3);
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, S, 1), 1);
    KTEST_EQ(ktest_mappings(), before);
    KTEST_CHECK(expect_fault_and_kill(ep_b, faults, 0xb, death));
    KTEST_CHECK(expect_fault_and_kill(ep_c, faults, 0xc, death));
    return true;
}

KTEST(memory_recursive_unmap)
{
    uint64_t ep_b = ktest_new_endpoint(), ep_c = ktest_new_endpoint(), faults = ktest_new_endpoint(), mem = new_memory(1);
    uint64_t death = ktest_slot(), fault_b, fault_c, death_b, death_c;
    struct agora_child b, c;
    long before;
    bool ok;

    KTEST_CHECK(ep_b != CAP_NULL && ep_c != CAP_NULL && faults != CAP_NULL && mem != CAP_NULL);
    KTEST_OK(sys_notify_create(CAP_INIT_POOL, death));
    fault_b = ktest_copy_of(faults, RIGHT_WRITE, 0xb);
    fault_c = ktest_copy_of(faults, RIGHT_WRITE, 0xc);
    death_b = ktest_copy_of(death, RIGHT_WRITE, 0xb);
    death_c = ktest_copy_of(death, RIGHT_WRITE, 0xc);
    KTEST_CHECK(fault_b != CAP_NULL && fault_c != CAP_NULL && death_b != CAP_NULL && death_c != CAP_NULL);
    const struct agora_spawn_cap caps_c[] = { { ep_c, CHILD_CAP_EP, RIGHT_READ } };
    const struct agora_spawn_cap caps_b[] = {
        { ep_b, CHILD_CAP_EP, RIGHT_READ }, { ep_c, CHILD_CAP_PEER, RIGHT_WRITE | RIGHT_GRANT },
    };
    KTEST_OK(ktest_child_start(&c, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps_c, 1, fault_c));
    if (ktest_child_start(&b, CHILD_ROLE_ARG(CHILD_ROLE_SERVER), caps_b, 2, fault_b) < 0) {
        agora_child_release(&c);
        KTEST_CHECK(false);
    }
    before = ktest_mappings();
    ok = sys_task_watch(b.task, death_b) == 0 && sys_task_watch(c.task, death_c) == 0 &&
         recursive_unmap(ep_b, ep_c, faults, death, mem, before);
    ktest_ipc_clear();
    sys_unmap(CAP_SELF_TASK, S, 1);
    agora_child_release(&b);
    agora_child_release(&c);
    return ok;
}
