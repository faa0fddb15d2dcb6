/* Unit tests of pm's pure parts: the process table, wait matching, reparenting, the initial stack. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <string.h>

#include "proc.h"
#include "stack.h"
#include "suites.h"

static struct pm_table t;

static void test_pids_and_identities(void)
{
    struct pm_proc *a, *b;

    pm_table_init(&t);
    a = pm_proc_new(&t, 0);
    b = pm_proc_new(&t, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(a->pid, 1);
    CU_ASSERT_EQUAL(b->pid, 2);
    CU_ASSERT_EQUAL(b->ppid, 1);
    CU_ASSERT(a->badge >= PM_BADGE_BASE && b->badge > a->badge && a->badge != PM_BADGE_SELF);
    CU_ASSERT_PTR_EQUAL(pm_proc_by_pid(&t, 2), b);
    CU_ASSERT_PTR_EQUAL(pm_proc_by_badge(&t, a->badge), a);
    CU_ASSERT_PTR_NULL(pm_proc_by_badge(&t, PM_BADGE_SELF));
    /* Identities are never reused, pids move on. */
    uint64_t old = b->badge;
    pm_proc_free(&t, b);
    CU_ASSERT_PTR_NULL(pm_proc_by_pid(&t, 2));
    b = pm_proc_new(&t, 1);
    CU_ASSERT_EQUAL(b->pid, 3);
    CU_ASSERT(b->badge > old);
    CU_ASSERT_EQUAL(t.count, 2);
}

static void test_table_limit(void)
{
    unsigned n = 0;

    pm_table_init(&t);
    while (pm_proc_new(&t, 1))
        n++;
    CU_ASSERT_EQUAL(n, PM_MAX_PROCS);
    CU_ASSERT_EQUAL(t.count, PM_MAX_PROCS);
    pm_proc_free(&t, &t.procs[3]);
    CU_ASSERT_PTR_NOT_NULL(pm_proc_new(&t, 1));
    CU_ASSERT_PTR_NULL(pm_proc_new(&t, 1));
}

static void test_pid_wrap_skips_used(void)
{
    struct pm_proc *p;

    pm_table_init(&t);
    p = pm_proc_new(&t, 0);             /* pid 1 */
    t.next_pid = 32767;
    CU_ASSERT_EQUAL(pm_proc_new(&t, 1)->pid, 32767);
    t.next_pid = 1;                     /* 1 is taken: the next free one */
    CU_ASSERT_EQUAL(pm_proc_new(&t, 1)->pid, 2);
    (void)p;
}

static void test_wait_matching(void)
{
    struct pm_proc *init, *a, *b, *c, *z;

    pm_table_init(&t);
    init = pm_proc_new(&t, 0);
    a = pm_proc_new(&t, init->pid);
    b = pm_proc_new(&t, init->pid);
    c = pm_proc_new(&t, a->pid);
    CU_ASSERT_TRUE(pm_wait_find(&t, init, -1, 0, &z));
    CU_ASSERT_PTR_NULL(z);              /* children, none ended */
    CU_ASSERT_FALSE(pm_wait_find(&t, init, c->pid, 0, &z));   /* a grandchild is not a child */
    CU_ASSERT_FALSE(pm_wait_find(&t, b, -1, 0, &z));          /* no children: ECHILD */
    b->state = PM_ZOMBIE;
    CU_ASSERT_TRUE(pm_wait_find(&t, init, -1, 0, &z));
    CU_ASSERT_PTR_EQUAL(z, b);
    CU_ASSERT_TRUE(pm_wait_find(&t, init, a->pid, 0, &z));
    CU_ASSERT_PTR_NULL(z);              /* waiting for a, which runs */
    CU_ASSERT_TRUE(pm_wait_find(&t, init, b->pid, 0, &z));
    CU_ASSERT_PTR_EQUAL(z, b);
}

static void test_reparent(void)
{
    struct pm_proc *init, *a, *c1, *c2;

    pm_table_init(&t);
    init = pm_proc_new(&t, 0);
    a = pm_proc_new(&t, init->pid);
    c1 = pm_proc_new(&t, a->pid);
    c2 = pm_proc_new(&t, a->pid);
    c2->state = PM_ZOMBIE;
    CU_ASSERT_EQUAL(pm_reparent(&t, a->pid), 2);
    CU_ASSERT_EQUAL(c1->ppid, 1);
    CU_ASSERT_EQUAL(c2->ppid, 1);
    struct pm_proc *z;
    CU_ASSERT_TRUE(pm_wait_find(&t, init, -1, 0, &z));
    CU_ASSERT_PTR_EQUAL(z, c2);
    /* When pid 1 itself goes, its children have no parent. */
    CU_ASSERT_EQUAL(pm_reparent(&t, 1), 3);
    CU_ASSERT_EQUAL(c1->ppid, 0);
    CU_ASSERT_EQUAL(a->ppid, 0);
}

static void test_wait_groups_and_stops(void)
{
    struct pm_proc *sh, *a, *b, *z;

    pm_table_init(&t);
    sh = pm_proc_new(&t, 0);
    a = pm_proc_new(&t, sh->pid);
    b = pm_proc_new(&t, sh->pid);
    a->pgid = b->pgid = sh->pgid = sh->pid;
    a->sid = b->sid = sh->sid;
    CU_ASSERT_EQUAL(pm_setpgid(&t, sh, b->pid, 0), 0);     /* b leads its own group */
    CU_ASSERT_TRUE(pm_wait_find(&t, sh, 0, 0, &z));        /* a is in sh's group */
    CU_ASSERT_TRUE(pm_wait_find(&t, sh, -b->pid, 0, &z));
    b->state = PM_ZOMBIE;
    CU_ASSERT_TRUE(pm_wait_find(&t, sh, 0, 0, &z));
    CU_ASSERT_PTR_NULL(z);                                 /* b is not in the group of 0 */
    CU_ASSERT_TRUE(pm_wait_find(&t, sh, -b->pid, 0, &z));
    CU_ASSERT_PTR_EQUAL(z, b);
    a->report_stop = true;
    CU_ASSERT_TRUE(pm_wait_find(&t, sh, a->pid, 0, &z));
    CU_ASSERT_PTR_NULL(z);                                 /* stops only with WUNTRACED */
    CU_ASSERT_TRUE(pm_wait_find(&t, sh, a->pid, PM_WUNTRACED, &z));
    CU_ASSERT_PTR_EQUAL(z, a);
    CU_ASSERT_FALSE(pm_wait_find(&t, sh, -12345, 0, &z));
}

static void test_setpgid_rules(void)
{
    struct pm_proc *sh, *a, *b, *other;

    pm_table_init(&t);
    sh = pm_proc_new(&t, 0);                               /* pid 1: leads session 1, group 1 */
    a = pm_proc_new(&t, sh->pid);
    b = pm_proc_new(&t, sh->pid);
    other = pm_proc_new(&t, a->pid);                       /* a grandchild of sh */
    a->sid = b->sid = other->sid = 1;
    a->pgid = b->pgid = other->pgid = 1;
    CU_ASSERT_EQUAL(pm_setpgid(&t, sh, a->pid, -1), -E_INVAL);
    CU_ASSERT_EQUAL(pm_setpgid(&t, sh, 999, 0), -E_SRCH);
    CU_ASSERT_EQUAL(pm_setpgid(&t, sh, other->pid, 0), -E_SRCH);   /* not its child */
    CU_ASSERT_EQUAL(pm_setpgid(&t, sh, 0, 0), -E_PERM);            /* a session leader */
    CU_ASSERT_EQUAL(pm_setpgid(&t, sh, a->pid, 0), 0);
    CU_ASSERT_EQUAL(a->pgid, a->pid);
    CU_ASSERT_EQUAL(pm_setpgid(&t, sh, b->pid, a->pid), 0);        /* joins a's group */
    CU_ASSERT_EQUAL(b->pgid, a->pid);
    CU_ASSERT_EQUAL(pm_setpgid(&t, sh, b->pid, 777), -E_PERM);     /* no such group */
    b->execed = true;
    CU_ASSERT_EQUAL(pm_setpgid(&t, sh, b->pid, 0), -E_ACCES);
    CU_ASSERT_EQUAL(pm_setpgid(&t, b, 0, 0), 0);                   /* itself: fine after exec */
    /* setsid: a group leader may not; other may, and then no one else can join it from session 1. */
    CU_ASSERT_EQUAL(pm_setsid(&t, a), -E_PERM);
    CU_ASSERT_EQUAL(pm_setsid(&t, other), other->pid);
    CU_ASSERT_EQUAL(other->pgid, other->pid);
    CU_ASSERT_EQUAL(pm_setpgid(&t, sh, a->pid, other->pid), -E_PERM);
    CU_ASSERT_EQUAL(pm_setpgid(&t, a, other->pid, a->pid), -E_PERM); /* other session */
}

static void test_orphaned_groups(void)
{
    struct pm_proc *sh, *job, *kid;

    pm_table_init(&t);
    sh = pm_proc_new(&t, 0);
    job = pm_proc_new(&t, sh->pid);
    kid = pm_proc_new(&t, job->pid);
    job->sid = kid->sid = sh->sid;
    job->pgid = kid->pgid = job->pid;
    CU_ASSERT_FALSE(pm_pgrp_orphaned(&t, job->pid));       /* sh, in another group, is a parent */
    CU_ASSERT_TRUE(pm_pgrp_orphaned(&t, sh->pid));         /* pid 1 has no parent */
    sh->state = PM_ZOMBIE;
    CU_ASSERT_TRUE(pm_pgrp_orphaned(&t, job->pid));
    CU_ASSERT_TRUE(pm_pgrp_orphaned(&t, 4242));
    /* A group whose only member is a zombie still exists (a pipeline's first command ended). */
    kid->state = PM_ALIVE;
    job->state = PM_ZOMBIE;
    CU_ASSERT_TRUE(pm_pgrp_in_session(&t, job->pid, sh->sid));
    job->state = PM_FREE;
    kid->pgid = 77;
    CU_ASSERT_FALSE(pm_pgrp_in_session(&t, job->pid, sh->sid));
    CU_ASSERT_EQUAL(pm_sig_default_action(PM_SIGCHLD), PM_SIG_IGNORE);
    CU_ASSERT_EQUAL(pm_sig_default_action(PM_SIGTSTP), PM_SIG_STOP);
    CU_ASSERT_EQUAL(pm_sig_default_action(PM_SIGCONT), PM_SIG_CONTINUE);
    CU_ASSERT_EQUAL(pm_sig_default_action(PM_SIGTERM), PM_SIG_TERMINATE);
    CU_ASSERT_EQUAL(pm_sig_default_action(PM_SIGPIPE), PM_SIG_TERMINATE);
}

static void test_status_words(void)
{
    CU_ASSERT_EQUAL(pm_status_stopped(PM_SIGTSTP), (PM_SIGTSTP << 8) | 0x7f);
    CU_ASSERT_EQUAL(pm_status_exited(42), 42 << 8);
    CU_ASSERT_EQUAL(pm_status_exited(0x1ff), 0xff << 8);
    CU_ASSERT_EQUAL(pm_status_signaled(11), 11);
}

#define STACK_SIZE 65536ull
#define STACK_TOP  0x300000ull
static uint8_t stack[STACK_SIZE] __attribute__((aligned(16)));

static uint64_t word_at(uint64_t vaddr)
{
    uint64_t w;

    memcpy(&w, stack + (vaddr - (STACK_TOP - STACK_SIZE)), 8);
    return w;
}

static const char *str_at(uint64_t vaddr)
{
    return (const char *)stack + (vaddr - (STACK_TOP - STACK_SIZE));
}

static void test_stack_layout(void)
{
    static const char strs[] = "prog\0-x\0FOO=bar\0EMPTY=";
    uint64_t rsp = 0;

    memset(stack, 0xcc, sizeof(stack));
    CU_ASSERT_EQUAL(pm_stack_build(stack, STACK_SIZE, STACK_TOP, strs, sizeof(strs), 2, 2, &rsp), 0);
    CU_ASSERT_EQUAL(rsp % 16, 0);
    CU_ASSERT(rsp < STACK_TOP - sizeof(strs));
    CU_ASSERT_EQUAL(word_at(rsp), 2);
    CU_ASSERT_STRING_EQUAL(str_at(word_at(rsp + 8)), "prog");
    CU_ASSERT_STRING_EQUAL(str_at(word_at(rsp + 16)), "-x");
    CU_ASSERT_EQUAL(word_at(rsp + 24), 0);
    CU_ASSERT_STRING_EQUAL(str_at(word_at(rsp + 32)), "FOO=bar");
    CU_ASSERT_STRING_EQUAL(str_at(word_at(rsp + 40)), "EMPTY=");
    CU_ASSERT_EQUAL(word_at(rsp + 48), 0);
    CU_ASSERT_EQUAL(word_at(rsp + 56), 0);      /* AT_NULL */
    CU_ASSERT_EQUAL(word_at(rsp + 64), 0);
    /* Every string pointer lies in the stack, below its top. */
    for (unsigned i = 1; i <= 5; i++)
        if (word_at(rsp + 8 * i))
            CU_ASSERT(word_at(rsp + 8 * i) < STACK_TOP && word_at(rsp + 8 * i) >= rsp);
}

static void test_stack_empty_and_bad(void)
{
    uint64_t rsp = 0;
    static char big[STACK_SIZE];

    CU_ASSERT_EQUAL(pm_stack_build(stack, STACK_SIZE, STACK_TOP, "", 0, 0, 0, &rsp), 0);
    CU_ASSERT_EQUAL(word_at(rsp), 0);
    CU_ASSERT_EQUAL(word_at(rsp + 8), 0);       /* argv's NULL */
    CU_ASSERT_EQUAL(word_at(rsp + 16), 0);      /* envp's NULL */
    /* Wrong counts, unterminated strings, too much for the stack. */
    CU_ASSERT_EQUAL(pm_stack_build(stack, STACK_SIZE, STACK_TOP, "a\0b", 4, 1, 0, &rsp), -E_INVAL);
    CU_ASSERT_EQUAL(pm_stack_build(stack, STACK_SIZE, STACK_TOP, "ab", 2, 1, 0, &rsp), -E_INVAL);
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    CU_ASSERT_EQUAL(pm_stack_build(stack, STACK_SIZE, STACK_TOP, big, sizeof(big), 1, 0, &rsp), -E_RANGE);
    /* Just under the spare room: fits; the same with a few more bytes: does not. */
    uint64_t fit = STACK_SIZE - PM_STACK_SPARE - 64;
    memset(big, 'y', fit - 1);
    big[fit - 1] = 0;
    CU_ASSERT_EQUAL(pm_stack_build(stack, STACK_SIZE, STACK_TOP, big, fit, 1, 0, &rsp), 0);
    CU_ASSERT(rsp - (STACK_TOP - STACK_SIZE) >= PM_STACK_SPARE);
    memset(big, 'y', fit + 63);
    big[fit + 63] = 0;
    CU_ASSERT_EQUAL(pm_stack_build(stack, STACK_SIZE, STACK_TOP, big, fit + 64, 1, 0, &rsp), -E_RANGE);
}

static CU_TestInfo pm_tests[] = {
    { "pids and identities", test_pids_and_identities },
    { "process limit", test_table_limit },
    { "pid wrap skips pids in use", test_pid_wrap_skips_used },
    { "wait matching", test_wait_matching },
    { "orphans to pid 1", test_reparent },
    { "wait: groups and stops", test_wait_groups_and_stops },
    { "setpgid and setsid rules", test_setpgid_rules },
    { "orphaned process groups, default actions", test_orphaned_groups },
    { "status words", test_status_words },
    { "initial stack layout", test_stack_layout },
    { "initial stack: empty, bad, full", test_stack_empty_and_bad },
    CU_TEST_INFO_NULL,
};

int test_pm_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "pm process table and stack", .pTests = pm_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
