/* ktest: capability slots, creation into occupied slots, copies with fewer rights, badges, deletion. */
#include "ktest.h"

KTEST(cap_info_initial_caps)
{
    const struct agora_boot_info *b = ktest_boot();

    KTEST_EQ(ktest_cap_type(CAP_SELF_TASK), OBJ_TASK);
    KTEST_EQ(ktest_cap_type(CAP_SELF_THREAD), OBJ_THREAD);
    KTEST_EQ(ktest_cap_type(CAP_INIT_POOL), OBJ_POOL);
    KTEST_EQ(ktest_cap_type(CAP_INIT_IRQ_CONTROL), OBJ_IRQ_CONTROL);
    KTEST_EQ(ktest_cap_type(CAP_INIT_IOPORTS), OBJ_IOPORT);
    KTEST_EQ(ktest_cap_type(CAP_INIT_MACHINE), OBJ_MACHINE);
    for (uint64_t i = 0; i < b->nmodules; i++) {
        long pages;

        KTEST_EQ(ktest_cap_type(b->modules[i].cap), OBJ_MEMORY);
        pages = sys_memory_info(b->modules[i].cap);
        KTEST_OK(pages);
        KTEST_CHECK((uint64_t)pages * 4096 >= b->modules[i].size);
    }
    /* What the kernel hands out carries no badge, and some rights. */
    KTEST_EQ(AGORA_CAP_INFO_BADGED(sys_cap_info(CAP_SELF_TASK)), 0);
    KTEST_CHECK(ktest_cap_rights(CAP_SELF_TASK) > 0);
    KTEST_CHECK(ktest_cap_rights(CAP_INIT_POOL) > 0);
    return true;
}

KTEST(cap_info_empty_and_out_of_range)
{
    static const uint64_t bad[] = {
        CAP_NULL, CAP_TABLE_SLOTS, CAP_TABLE_SLOTS + 1, 1ull << 32, 1ull << 63, UINT64_MAX,
    };

    KTEST_EQ(sys_cap_info(ktest_slot()), -E_NOCAP);
    KTEST_EQ(sys_cap_info(CAP_TABLE_SLOTS - 1), -E_NOCAP);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        KTEST_EQ(sys_cap_info(bad[i]), -E_NOCAP);
    return true;
}

KTEST(endpoint_create_into_occupied_slot)
{
    uint64_t ep = ktest_slot();

    KTEST_OK(sys_endpoint_create(CAP_INIT_POOL, ep));
    KTEST_EQ(ktest_cap_type(ep), OBJ_ENDPOINT);
    KTEST_EQ(sys_endpoint_create(CAP_INIT_POOL, ep), -E_EXIST);
    KTEST_EQ(sys_endpoint_create(CAP_INIT_POOL, CAP_SELF_TASK), -E_EXIST);
    KTEST_EQ(sys_endpoint_create(CAP_INIT_POOL, CAP_INIT_POOL), -E_EXIST);
    KTEST_EQ(sys_notify_create(CAP_INIT_POOL, ep), -E_EXIST);
    /* The occupant is untouched. */
    KTEST_EQ(ktest_cap_type(ep), OBJ_ENDPOINT);
    KTEST_EQ(ktest_cap_type(CAP_SELF_TASK), OBJ_TASK);
    KTEST_EQ(ktest_cap_type(CAP_INIT_POOL), OBJ_POOL);
    return true;
}

KTEST(endpoint_create_bad_arguments)
{
    uint64_t dst = ktest_slot();

    /* The pool must be a pool, and there. */
    KTEST_EQ(sys_endpoint_create(CAP_SELF_TASK, dst), -E_TYPE);
    KTEST_EQ(sys_endpoint_create(ktest_slot(), dst), -E_NOCAP);
    KTEST_EQ(sys_endpoint_create(CAP_TABLE_SLOTS, dst), -E_NOCAP);
    /* Destinations that are no slot: some error, and nothing appears. */
    KTEST_CHECK(sys_endpoint_create(CAP_INIT_POOL, CAP_NULL) < 0);
    KTEST_CHECK(sys_endpoint_create(CAP_INIT_POOL, CAP_TABLE_SLOTS) < 0);
    KTEST_CHECK(sys_endpoint_create(CAP_INIT_POOL, UINT64_MAX) < 0);
    KTEST_EQ(sys_cap_info(CAP_NULL), -E_NOCAP);
    KTEST_EQ(sys_cap_info(dst), -E_NOCAP);
    return true;
}

KTEST(cap_copy_fewer_rights)
{
    uint64_t n = ktest_new_notification(), reader = ktest_slot(), writer = ktest_slot();
    long all;

    KTEST_CHECK(n != CAP_NULL);
    all = ktest_cap_rights(n);
    KTEST_OK(all);
    KTEST_CHECK((all & (RIGHT_READ | RIGHT_WRITE | RIGHT_COPY)) == (RIGHT_READ | RIGHT_WRITE | RIGHT_COPY));

    KTEST_OK(sys_cap_copy(n, reader, RIGHT_READ, 0));
    KTEST_EQ(ktest_cap_type(reader), OBJ_NOTIFICATION);
    KTEST_EQ(ktest_cap_rights(reader), RIGHT_READ);
    /* Signalling needs the write right, polling the read right. */
    KTEST_EQ(sys_signal(reader), -E_PERM);
    KTEST_EQ(sys_poll(reader), -E_AGAIN);    /* allowed; nothing pending */
    KTEST_OK(sys_cap_copy(n, writer, RIGHT_WRITE, 0));
    KTEST_EQ(ktest_cap_rights(writer), RIGHT_WRITE);
    KTEST_EQ(sys_poll(writer), -E_PERM);
    KTEST_OK(sys_signal(writer));
    KTEST_EQ(sys_poll(reader), 1);           /* an unbadged signal sets bit 0 */
    /* Rights outside RIGHTS_ALL are no mask. */
    KTEST_EQ(sys_cap_copy(n, ktest_slot(), RIGHTS_ALL + 1, 0), -E_INVAL);
    /* The original kept all its rights. */
    KTEST_EQ(ktest_cap_rights(n), all);
    return true;
}

KTEST(cap_copy_never_widens)
{
    uint64_t n = ktest_new_notification(), a = ktest_slot(), b = ktest_slot();

    KTEST_CHECK(n != CAP_NULL);
    /* Without RIGHT_COPY a capability cannot be copied at all. */
    KTEST_OK(sys_cap_copy(n, a, RIGHT_READ, 0));
    KTEST_EQ(sys_cap_copy(a, b, RIGHTS_ALL, 0), -E_PERM);
    KTEST_EQ(sys_cap_info(b), -E_NOCAP);
    KTEST_OK(sys_cap_delete(a));
    /* With it, asking for everything gives no more than the source had. */
    KTEST_OK(sys_cap_copy(n, a, RIGHT_READ | RIGHT_COPY, 0));
    KTEST_OK(sys_cap_copy(a, b, RIGHTS_ALL, 0));
    KTEST_EQ(ktest_cap_rights(b), RIGHT_READ | RIGHT_COPY);
    KTEST_EQ(sys_signal(b), -E_PERM);
    /* Into an occupied slot, from an empty one. */
    KTEST_EQ(sys_cap_copy(n, b, RIGHTS_ALL, 0), -E_EXIST);
    KTEST_EQ(sys_cap_copy(ktest_slot(), ktest_slot(), RIGHTS_ALL, 0), -E_NOCAP);
    return true;
}

KTEST(cap_copy_fewer_rights_memory)
{
    uint64_t mem = ktest_slot(), ro = ktest_slot();

    KTEST_OK(sys_memory_create(CAP_INIT_POOL, 1, mem));
    KTEST_OK(sys_cap_copy(mem, ro, RIGHT_READ, 0));
    KTEST_EQ(sys_map(CAP_SELF_TASK, ro, 0, KTEST_SCRATCH_VADDR, 1, RIGHT_READ | RIGHT_WRITE), -E_PERM);
    KTEST_EQ(sys_map(CAP_SELF_TASK, ro, 0, KTEST_SCRATCH_VADDR, 1, RIGHT_READ | RIGHT_EXEC), -E_PERM);
    KTEST_OK(sys_map(CAP_SELF_TASK, ro, 0, KTEST_SCRATCH_VADDR, 1, RIGHT_READ));
    KTEST_EQ(*(volatile uint64_t *)KTEST_SCRATCH_VADDR, 0);   /* new memory is zeroed */
    KTEST_OK(sys_unmap(CAP_SELF_TASK, KTEST_SCRATCH_VADDR, 1));
    return true;
}

KTEST(badges_on_copies)
{
    uint64_t n = ktest_new_notification(), b5 = ktest_slot(), again = ktest_slot(), mem = ktest_slot();

    KTEST_CHECK(n != CAP_NULL);
    KTEST_EQ(AGORA_CAP_INFO_BADGED(sys_cap_info(n)), 0);
    KTEST_OK(sys_cap_copy(n, b5, RIGHTS_ALL, 0x5));
    KTEST_EQ(AGORA_CAP_INFO_BADGED(sys_cap_info(b5)), 1);
    KTEST_EQ(sys_poll(n), -E_AGAIN);
    KTEST_OK(sys_signal(b5));
    KTEST_EQ(sys_poll(n), 0x5);
    KTEST_EQ(sys_poll(n), -E_AGAIN);         /* polling cleared it */
    /* A badge, once set, is fixed: a new one is refused, a copy without one keeps it. */
    KTEST_EQ(sys_cap_copy(b5, again, RIGHTS_ALL, 0x6), -E_INVAL);
    KTEST_OK(sys_cap_copy(b5, again, RIGHTS_ALL, 0));
    KTEST_EQ(AGORA_CAP_INFO_BADGED(sys_cap_info(again)), 1);
    KTEST_OK(sys_signal(again));
    KTEST_EQ(sys_poll(n), 0x5);
    /* Only endpoints and notifications take badges; a notification's stay below bit 63. */
    KTEST_OK(sys_memory_create(CAP_INIT_POOL, 1, mem));
    KTEST_EQ(sys_cap_copy(mem, ktest_slot(), RIGHTS_ALL, 0x1), -E_INVAL);
    KTEST_EQ(sys_cap_copy(n, ktest_slot(), RIGHTS_ALL, 1ull << 63), -E_INVAL);
    return true;
}

KTEST(wrong_object_type)
{
    uint64_t ep = ktest_slot();

    KTEST_OK(sys_endpoint_create(CAP_INIT_POOL, ep));
    KTEST_EQ(sys_signal(CAP_SELF_TASK), -E_TYPE);
    KTEST_EQ(sys_poll(ep), -E_TYPE);
    KTEST_EQ(sys_memory_info(ep), -E_TYPE);
    KTEST_EQ(sys_pool_info(CAP_SELF_THREAD), -E_TYPE);
    KTEST_EQ(sys_machine_halt(CAP_INIT_POOL, 0), -E_TYPE);
    return true;
}

KTEST(cap_delete_then_use)
{
    uint64_t n = ktest_new_notification(), copy = ktest_slot();

    KTEST_CHECK(n != CAP_NULL);
    KTEST_OK(sys_cap_delete(n));
    KTEST_EQ(sys_cap_info(n), -E_NOCAP);
    KTEST_EQ(sys_signal(n), -E_NOCAP);
    KTEST_EQ(sys_poll(n), -E_NOCAP);
    KTEST_EQ(sys_cap_copy(n, copy, RIGHTS_ALL, 0), -E_NOCAP);
    KTEST_EQ(sys_cap_delete(n), -E_NOCAP);
    KTEST_EQ(sys_cap_delete(CAP_NULL), -E_NOCAP);
    KTEST_EQ(sys_cap_delete(CAP_TABLE_SLOTS), -E_NOCAP);
    KTEST_EQ(sys_cap_delete(UINT64_MAX), -E_NOCAP);
    /* The slot is reusable. */
    KTEST_OK(sys_notify_create(CAP_INIT_POOL, n));
    KTEST_EQ(ktest_cap_type(n), OBJ_NOTIFICATION);
    return true;
}

KTEST(cap_revoke_removes_copies)
{
    uint64_t n = ktest_new_notification(), c1 = ktest_slot(), c2 = ktest_slot();

    KTEST_CHECK(n != CAP_NULL);
    KTEST_OK(sys_cap_copy(n, c1, RIGHTS_ALL, 0));
    KTEST_OK(sys_cap_copy(c1, c2, RIGHTS_ALL, 0x1));
    KTEST_OK(sys_cap_revoke(n));
    KTEST_EQ(sys_cap_info(c1), -E_NOCAP);
    KTEST_EQ(sys_cap_info(c2), -E_NOCAP);
    KTEST_EQ(sys_cap_revoke(ktest_slot()), -E_NOCAP);
    return true;
}
