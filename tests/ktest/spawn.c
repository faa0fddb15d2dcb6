/* ktest: agora_spawn end to end (the ktest-child boot module) and its refusals, which must leave nothing behind. */
#include "ktest.h"

#include <agora/ipc.h>
#include <libagora/spawn.h>
#include <libagora/string.h>

#include "child/child.h"

#define CHILD_ARG 0xc0ffee

/* The boot module with that name, or NULL. */
static const struct agora_boot_module *find_module(const char *name)
{
    const struct agora_boot_info *b = ktest_boot();

    for (uint64_t i = 0; i < b->nmodules && i < AGORA_BOOT_MAX_MODULES; i++)
        if (strncmp(b->modules[i].name, name, sizeof(b->modules[i].name)) == 0)
            return &b->modules[i];
    agora_printf("    no boot module named %s (tests/system/cases/ktest.test loads it)\n", name);
    return NULL;
}

/* Polls a notification for up to about two seconds. */
static long wait_briefly(uint64_t notification)
{
    long r = -E_AGAIN;

    for (int i = 0; i < 200 && r == -E_AGAIN; i++) {
        r = sys_poll(notification);
        if (r == -E_AGAIN)
            sys_sleep(10000);
    }
    return r;
}

static void report_message(const struct agora_msg *m)
{
    agora_printf("    the child sent label 0x%x: mr0 0x%lx mr1 0x%lx mr2 0x%lx\n", IPC_LABEL(m->info),
                 (unsigned long)m->mr[0], (unsigned long)m->mr[1], (unsigned long)m->mr[2]);
}

KTEST(spawn_runs_a_program)
{
    const struct agora_boot_module *mod = find_module("ktest-child");
    uint64_t ep = ktest_slot(), death = ktest_slot();
    struct agora_child child;
    struct agora_msg m = { 0, 0, { 0, 0, 0, 0 } };
    uint64_t task;
    bool ok;

    KTEST_CHECK(mod != NULL);
    KTEST_OK(sys_endpoint_create(CAP_INIT_POOL, ep));
    KTEST_OK(sys_notify_create(CAP_INIT_POOL, death));
    const struct agora_spawn_cap caps[] = { { ep, CHILD_CAP_EP, RIGHT_WRITE } };
    const struct agora_spawn_args args = {
        .image = mod->cap, .image_size = mod->size, .pool = CAP_INIT_POOL, .arg = CHILD_ARG,
        .fault_ep = ep, .priority = AGORA_SPAWN_DEFAULT_PRIORITY, .caps = caps, .ncaps = 1,
    };
    KTEST_OK(agora_spawn(&args, &child));
    KTEST_CHECK(child.task != CAP_NULL && child.thread != CAP_NULL);
    task = child.task;

    /* Its hello (or, if it faulted, the kernel's fault message: the same endpoint). */
    ok = sys_task_watch(child.task, death) >= 0 && sys_recv(ep, &m) >= 0;
    ok = ok && IPC_LABEL(m.info) == CHILD_LABEL_HELLO && m.mr[0] == CHILD_ARG && m.mr[1] == CHILD_OK_ALL;
    if (!ok) {
        report_message(&m);
        agora_child_release(&child);
    }
    KTEST_CHECK(ok);
    m = (struct agora_msg){ IPC_INFO(CHILD_LABEL_REPLY, 1, 0, 0), 0, { CHILD_ARG + 1, 0, 0, 0 } };
    KTEST_OK(sys_reply(&m));

    /* It returns from main, and its task dies of it. */
    long died = wait_briefly(death);
    agora_child_release(&child);
    KTEST_CHECK(died > 0);
    KTEST_EQ(sys_cap_info(task), -E_NOCAP);     /* released: the slot is empty again */
    return true;
}

/* Every refusal comes before anything is created or after it is all destroyed: the runner's
 * leak check at the end sees the pool and the kernel's counts unchanged. */
KTEST(spawn_refuses_bad_arguments)
{
    const struct agora_boot_module *mod = find_module("ktest-child");
    uint64_t junk = ktest_slot();
    struct agora_child child;
    struct agora_spawn_cap caps[2] = { { CAP_INIT_POOL, 3, RIGHT_READ }, { CAP_INIT_POOL, 3, RIGHT_READ } };
    struct agora_spawn_args args;

    KTEST_CHECK(mod != NULL);
    args = (struct agora_spawn_args){ .image = mod->cap, .image_size = mod->size, .pool = CAP_INIT_POOL,
                                      .priority = AGORA_SPAWN_DEFAULT_PRIORITY };

    /* Arguments. */
    args.caps = caps;
    args.ncaps = 2;                         /* both to slot 3 */
    KTEST_EQ(agora_spawn(&args, &child), -E_INVAL);
    caps[1].dst = AGORA_CHILD_FIRST_FREE_SLOT;
    KTEST_EQ(agora_spawn(&args, &child), -E_INVAL);
    caps[1].dst = CAP_SELF_TASK;
    KTEST_EQ(agora_spawn(&args, &child), -E_INVAL);
    args.ncaps = 0;
    args.priority = 256;
    KTEST_EQ(agora_spawn(&args, &child), -E_INVAL);
    args.priority = AGORA_SPAWN_DEFAULT_PRIORITY;
    args.image_size = 0;
    KTEST_EQ(agora_spawn(&args, &child), -E_INVAL);
    args.image_size = (uint64_t)sys_memory_info(mod->cap) * 4096 + 1;
    KTEST_EQ(agora_spawn(&args, &child), -E_RANGE);
    args.image_size = mod->size;
    args.image = CAP_SELF_TASK;
    KTEST_EQ(agora_spawn(&args, &child), -E_TYPE);

    /* An image that is no ELF: a fresh zeroed page. */
    KTEST_OK(sys_memory_create(CAP_INIT_POOL, 1, junk));
    args.image = junk;
    args.image_size = 4096;
    KTEST_EQ(agora_spawn(&args, &child), -E_INVAL);
    /* The image is good, but not the pool: refused by the kernel at the first creation. */
    args.image = mod->cap;
    args.image_size = mod->size;
    args.pool = CAP_SELF_TASK;
    KTEST_EQ(agora_spawn(&args, &child), -E_TYPE);
    /* More priority than ours: the kernel refuses at SYS_THREAD_SETUP, after the task exists. */
    args.pool = CAP_INIT_POOL;
    args.priority = 255;
    KTEST_EQ(agora_spawn(&args, &child), -E_PERM);
    /* A capability we do not have: refused at SYS_CAP_GIVE, after all the memory is mapped. */
    args.priority = AGORA_SPAWN_DEFAULT_PRIORITY;
    caps[0].src = ktest_slot();
    args.caps = caps;
    args.ncaps = 1;
    KTEST_EQ(agora_spawn(&args, &child), -E_NOCAP);
    KTEST_EQ(child.task, CAP_NULL);
    KTEST_EQ(child.nmemory, 0);
    return true;
}
