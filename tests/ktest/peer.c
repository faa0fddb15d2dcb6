/* ktest's peers: helper threads in ktest's own task, ktest-child tasks, and small shared helpers (peer.h). */
#include "peer.h"

#include <libagora/string.h>

#define PAGE 4096ull
#define THREAD_REGION_BASE   0x0000000030000000ull
#define THREAD_REGION_STRIDE 0x10000ull
#define THREAD_STACK_PAGES   4
#define THREAD_MAPPED_PAGES  (THREAD_STACK_PAGES + 1)   /* stack and IPC buffer */
#define THREAD_SPARE_OFFSET  0x8000ull

_Static_assert(THREAD_SPARE_OFFSET + KTEST_THREAD_SPARE_PAGES * PAGE <= THREAD_REGION_STRIDE,
               "the spare pages fit the region");

static uint64_t next_region;

/* Signals and exits in registers only: once "done" is seen, the test may unmap our stack. */
static noreturn void signal_and_exit(uint64_t done)
{
    __asm__ volatile("syscall\n\t"
                     "movl %[exit], %%eax\n\t"
                     "syscall\n\t"
                     "ud2"
                     :
                     : "a"((long)SYS_SIGNAL), "D"(done), [exit] "i"(SYS_THREAD_EXIT)
                     : "rcx", "r11", "memory");
    __builtin_unreachable();
}

/* For a thread that could not be set up: it needs no stack. */
static noreturn void exit_entry(void)
{
    __asm__ volatile("movl %[exit], %%eax\n\t"
                     "syscall\n\t"
                     "ud2"
                     :
                     : [exit] "i"(SYS_THREAD_EXIT)
                     : "rax", "rcx", "r11", "memory");
    __builtin_unreachable();
}

static noreturn void thread_entry(ktest_thread_t *t)
{
    t->fn(t);
    signal_and_exit(t->done);
}

long ktest_thread_start(ktest_thread_t *t, ktest_thread_fn fn, uint64_t ipc_buffer, uint64_t fault_ep,
                        uint64_t priority)
{
    long r;

    for (unsigned i = 0; i < sizeof(t->out) / sizeof(t->out[0]); i++)
        t->out[i] = 0;
    t->fn = fn;
    t->base = THREAD_REGION_BASE + next_region++ * THREAD_REGION_STRIDE;
    t->ipc = (struct agora_ipc_buffer *)(t->base + THREAD_STACK_PAGES * PAGE);
    t->spare = t->base + THREAD_SPARE_OFFSET;
    t->thread = ktest_slot();
    t->mem = ktest_slot();
    t->done = ktest_slot();
    if (ipc_buffer == KTEST_THREAD_OWN_BUFFER)
        ipc_buffer = (uint64_t)t->ipc;

    r = sys_memory_create(CAP_INIT_POOL, THREAD_MAPPED_PAGES, t->mem);
    if (r >= 0)
        r = sys_notify_create(CAP_INIT_POOL, t->done);
    if (r >= 0)
        r = sys_map(CAP_SELF_TASK, t->mem, 0, t->base, THREAD_MAPPED_PAGES, RIGHT_READ | RIGHT_WRITE);
    if (r < 0)
        return r;
    r = sys_thread_create(CAP_SELF_TASK, CAP_INIT_POOL, t->thread);
    if (r < 0)
        goto out_unmap;
    r = sys_thread_setup(t->thread, ipc_buffer, fault_ep, priority);
    if (r < 0) {
        /* Nothing ends another thread of our task: this one ends itself at once. */
        sys_thread_start(t->thread, (uint64_t)exit_entry, 0, 0);
        goto out_unmap;
    }
    /* As if called: rsp + 8 is 16-byte aligned at a function's first instruction. */
    r = sys_thread_start(t->thread, (uint64_t)thread_entry, t->base + THREAD_STACK_PAGES * PAGE - 8, (uint64_t)t);
    if (r < 0)
        goto out_unmap;
    return 0;

out_unmap:
    sys_unmap(CAP_SELF_TASK, t->base, THREAD_MAPPED_PAGES);
    return r;
}

bool ktest_thread_join(ktest_thread_t *t)
{
    long r = ktest_wait(t->done, 2000000);

    if (r < 0) {
        agora_printf("    a helper thread did not finish (%s); its stack stays mapped\n", agora_error_name(r));
        return false;
    }
    return sys_unmap(CAP_SELF_TASK, t->base, THREAD_MAPPED_PAGES) == THREAD_MAPPED_PAGES;
}

void ktest_echo_server(ktest_thread_t *self)
{
    uint64_t ep = self->arg[0];
    struct agora_ipc_buffer *ipc = self->ipc;
    struct agora_msg m;
    long r = sys_recv(ep, &m);

    while (r >= 0) {
        unsigned words = IPC_WORDS(m.info);
        uint32_t label = IPC_LABEL(m.info);

        self->out[0]++;
        self->out[1] = (long)m.info;
        self->out[2] = (long)m.badge;
        for (unsigned i = 0; i < IPC_REG_WORDS; i++)
            self->out[3 + i] = (long)m.mr[i];
        if (label == CHILD_OP_ECHO) {
            for (unsigned i = IPC_REG_WORDS; i < words && i < IPC_MAX_WORDS; i++)
                ipc->mr[i]++;
            for (unsigned i = 0; i < IPC_REG_WORDS; i++)
                m.mr[i]++;
            m.info = IPC_INFO(label, words, 0, 0);
        } else if (label == CHILD_OP_BADGE) {
            m = ktest_msg(label, 2, m.badge, m.info, 0, 0);
        } else if (label == CHILD_OP_EXIT) {
            m = ktest_msg(label, 0, 0, 0, 0, 0);
            sys_reply(&m);
            self->out[7] = 0;
            return;
        } else {
            m = ktest_msg(label, 0, 0, 0, 0, 0);
        }
        r = sys_reply_recv(ep, &m);
    }
    self->out[7] = r;
}

static struct agora_msg client_msg(const ktest_thread_t *t)
{
    return ktest_msg((uint32_t)t->arg[1], (unsigned)t->arg[2], t->arg[3], t->arg[4], t->arg[5], t->arg[6]);
}

void ktest_send_fn(ktest_thread_t *self)
{
    struct agora_msg m = client_msg(self);

    self->out[0] = sys_send(self->arg[0], &m);
}

void ktest_call_fn(ktest_thread_t *self)
{
    struct agora_msg m = client_msg(self);
    long r = sys_call(self->arg[0], &m);

    self->out[0] = r;
    if (r < 0)
        return;
    self->out[1] = (long)m.info;
    self->out[2] = (long)m.badge;
    for (unsigned i = 0; i < IPC_REG_WORDS; i++)
        self->out[3 + i] = (long)m.mr[i];
}

static const struct agora_boot_module *child_module(void)
{
    const struct agora_boot_info *b = ktest_boot();

    for (uint64_t i = 0; i < b->nmodules && i < AGORA_BOOT_MAX_MODULES; i++)
        if (strcmp(b->modules[i].name, "ktest-child") == 0)
            return &b->modules[i];
    return NULL;
}

long ktest_child_start(struct agora_child *c, uint64_t arg, const struct agora_spawn_cap *caps, unsigned ncaps,
                       uint64_t fault_ep)
{
    const struct agora_boot_module *mod = child_module();

    memset(c, 0, sizeof(*c));
    if (mod == NULL) {
        agora_printf("    no boot module ktest-child (tests/system/cases/ktest.test loads it)\n");
        return -E_NOCAP;
    }
    const struct agora_spawn_args args = {
        .image = mod->cap, .image_size = mod->size, .pool = CAP_INIT_POOL, .arg = arg,
        .fault_ep = fault_ep, .priority = KTEST_PRIORITY, .caps = caps, .ncaps = ncaps,
    };
    return agora_spawn(&args, c);
}

long ktest_wait(uint64_t notification, uint64_t timeout_us)
{
    long start = sys_clock(), r;

    /* Yielding lets threads of our priority run at once; sleeping lets lower ones run too. */
    for (int i = 0;; i++) {
        r = sys_poll(notification);
        if (r != -E_AGAIN || sys_clock() - start > (long)timeout_us)
            return r;
        if (i < 20)
            sys_yield();
        else
            sys_sleep(1000);
    }
}

void ktest_ipc_buffer_clear(struct agora_ipc_buffer *b)
{
    memset(b, 0, sizeof(*b));
}

struct agora_ipc_buffer *ktest_ipc_clear(void)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();

    ktest_ipc_buffer_clear(b);
    return b;
}

long ktest_mappings(void)
{
    struct agora_kernel_stats st;

    if (sys_kernel_stats(CAP_INIT_MACHINE, &st) < 0 || st.check_errors != 0)
        return -1;
    return (long)st.mappings;
}
