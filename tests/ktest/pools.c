/* ktest: sub-pools (SYS_POOL_SPLIT): a quota that can never be exceeded, and whose pages come back. */
#include "ktest.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <libagora/sys.h>

KTEST(pool_split_is_a_quota)
{
    long start = sys_pool_info(CAP_INIT_POOL);
    uint64_t sub = ktest_slot(), mem = ktest_slot(), mem2 = ktest_slot(), task = ktest_slot();
    KTEST_OK(sys_pool_split(CAP_INIT_POOL, 40, sub));
    KTEST_EQ(sys_pool_info(sub), 40);
    KTEST_EQ(sys_pool_info(CAP_INIT_POOL), start - 41);      /* one page for the pool itself */
    KTEST_EQ(sys_memory_create(sub, 41, mem), -E_NOMEM);
    KTEST_OK(sys_memory_create(sub, 20, mem));
    KTEST_EQ(sys_pool_info(sub), 20);
    KTEST_OK(sys_task_create(sub, task));                     /* a task costs 16 pages */
    KTEST_EQ(sys_pool_info(sub), 4);
    KTEST_EQ(sys_memory_create(sub, 5, mem2), -E_NOMEM);
    KTEST_EQ(sys_pool_info(CAP_INIT_POOL), start - 41);      /* the parent never pays more */
    KTEST_OK(sys_cap_delete(task));
    KTEST_EQ(sys_pool_info(sub), 20);
    /* The sub-pool's capability goes first: its pages return only with the last object. */
    KTEST_OK(sys_cap_delete(sub));
    KTEST_EQ(sys_pool_info(CAP_INIT_POOL), start - 41);
    KTEST_OK(sys_cap_delete(mem));
    KTEST_EQ(sys_pool_info(CAP_INIT_POOL), start);
    return true;
}

KTEST(pool_split_nested_and_bad_arguments)
{
    long start = sys_pool_info(CAP_INIT_POOL);
    uint64_t a = ktest_slot(), b = ktest_slot(), weak = ktest_slot(), x = ktest_slot();
    KTEST_OK(sys_pool_split(CAP_INIT_POOL, 10, a));
    KTEST_EQ(sys_pool_split(a, 10, b), -E_NOMEM);             /* 10 + 1 > 10 */
    KTEST_OK(sys_pool_split(a, 9, b));
    KTEST_EQ(sys_pool_info(a), 0);
    KTEST_EQ(sys_pool_split(CAP_INIT_POOL, 0, x), -E_RANGE);
    KTEST_EQ(sys_pool_split(CAP_INIT_POOL, (uint64_t)start + 1, x), -E_NOMEM);
    KTEST_EQ(sys_pool_split(CAP_SELF_TASK, 1, x), -E_TYPE);
    KTEST_EQ(sys_pool_split(CAP_INIT_POOL, 1, CAP_SELF_TASK), -E_EXIST);
    KTEST_OK(sys_cap_copy(CAP_INIT_POOL, weak, RIGHT_COPY, 0));
    KTEST_EQ(sys_pool_split(weak, 1, x), -E_PERM);
    KTEST_OK(sys_cap_delete(a));                              /* b still holds a */
    KTEST_EQ(sys_pool_info(CAP_INIT_POOL), start - 11);
    KTEST_OK(sys_cap_delete(b));
    KTEST_EQ(sys_pool_info(CAP_INIT_POOL), start);
    return true;
}

/* A live task whose last capability goes is torn down like a killed one, and pays everything back. */
KTEST(task_last_capability_deleted_while_alive)
{
    long start = sys_pool_info(CAP_INIT_POOL);
    uint64_t task = ktest_slot(), thread = ktest_slot(), mem = ktest_slot();
    KTEST_OK(sys_task_create(CAP_INIT_POOL, task));
    KTEST_OK(sys_thread_create(task, CAP_INIT_POOL, thread));
    KTEST_OK(sys_memory_create(CAP_INIT_POOL, 2, mem));
    KTEST_OK(sys_map(task, mem, 0, 0x400000, 2, RIGHT_READ | RIGHT_WRITE));
    KTEST_OK(sys_cap_delete(mem));                            /* the mapping keeps it */
    KTEST_OK(sys_cap_delete(task));
    KTEST_EQ(sys_thread_setup(thread, 0, CAP_NULL, 1), -E_DEAD);
    KTEST_EQ(sys_thread_start(thread, 0x400000, 0x401000, 0), -E_STATE);
    KTEST_OK(sys_cap_delete(thread));
    KTEST_EQ(sys_pool_info(CAP_INIT_POOL), start);
    return true;
}

/*
 * A chain of tasks, each holding the only capability to the next: deleting the first
 * destroys them all. The kernel must not recurse once per link on its small stack.
 */
KTEST(task_chain_destroyed_without_recursion)
{
    enum { CHAIN = 300 };
    long start = sys_pool_info(CAP_INIT_POOL);
    uint64_t first = ktest_slot(), prev = ktest_slot(), next = ktest_slot();
    KTEST_OK(sys_task_create(CAP_INIT_POOL, first));
    KTEST_OK(sys_cap_copy(first, prev, RIGHTS_ALL, 0));
    for (int i = 1; i < CHAIN; i++) {
        KTEST_OK(sys_task_create(CAP_INIT_POOL, next));
        /* The previous task's slot 5 holds the link; ours to the previous one goes. */
        KTEST_OK(sys_cap_give(prev, next, 5, RIGHTS_ALL));
        KTEST_OK(sys_cap_delete(prev));
        uint64_t t = prev;
        prev = next;
        next = t;
    }
    KTEST_OK(sys_cap_delete(prev));
    KTEST_EQ(sys_pool_info(CAP_INIT_POOL), start - CHAIN * 16);
    KTEST_OK(sys_cap_delete(first));
    KTEST_EQ(sys_pool_info(CAP_INIT_POOL), start);
    return true;
}
