/*
 * kstress: the kernel under load, run as init. Workers (kstress-worker, boot module 1) call
 * each other with badges, map and grant pages into each other's windows, unmap them,
 * create and delete memory objects, and die at random when the coordinator (this program)
 * kills them; it respawns them and hands the survivors new capabilities. At the end it
 * kills everything and checks that the kernel is as it was: its own consistency check
 * clean, as many tasks, threads and mappings, the pool and the heap back, no frames lost.
 *
 * The coordinator decides every operation (a deterministic PRNG, seed from the command
 * line) and is the workers' fault handler; see README.md for the protocol.
 */
#include <agora/boot.h>
#include <agora/errors.h>
#include <agora/ipc.h>
#include <agora/objects.h>
#include <agora/vcpu.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "kstress.h"

/* Defaults; the kernel command line may change them (seed=, ops=, workers=, pages=, kill_every=). */
#define DEFAULT_SEED       0x6b73747265737331ull
#define DEFAULT_OPS        100000
#define DEFAULT_WORKERS    6
#define DEFAULT_KILL_EVERY 1000     /* operations between kills, on average */
#define WARMUP_OPS         2000
#define MAX_DEAD_OPS       300      /* a killed worker stays dead for up to this many operations */
#define SUSPEND_EVERY      50       /* messages between suspensions of a client thread, on average */
#define MAX_SUSPENDED_OPS  40       /* a suspended worker stays stopped for up to this many operations */
#define PROGRESS_EVERY     20000
#define MAX_REPORTS        10       /* failure lines printed in full */
#define KS_SCRATCH_VADDR   0x0000000031000000ull   /* the coordinator writes the guest code here */

static const char *const op_names[KS_OP_COUNT] = {
#define KS_OP_NAME(name, text) [name] = text,
    KS_OP_LIST(KS_OP_NAME)
#undef KS_OP_NAME
};

typedef struct options {
    uint64_t seed, ops, workers, pages, kill_every;
} options_t;

typedef struct worker {
    bool live;
    bool hello;                 /* its recovery addresses are known */
    uint64_t arg;               /* id | incarnation << 8 */
    struct agora_child child;
    uint64_t ep;                /* our root capability of its endpoint (CAP_NULL: none yet) */
    uint64_t respawn_at;        /* while dead: the operation count at which it comes back */
    uint64_t client_rip, server_rip;
    bool suspended;             /* its client thread is stopped (SYS_THREAD_SUSPEND) */
    bool may_intr;              /* suspended with THREAD_SUSPEND_INTERRUPT since its last report */
    uint64_t resume_at;         /* while suspended: the operation count at which it goes on */
    uint64_t vm, vcpu;          /* its VM and the vCPU its task runs (CAP_NULL: none) */
} worker_t;

typedef struct counts {
    uint64_t ops, kills, spawns, dead, vanished, skipped, recoveries, failures;
    uint64_t suspends, in_call, intr_waits, interrupted, vms;
    uint64_t per_op[KS_OP_COUNT];
} counts_t;

static const struct agora_boot_info *boot;
static options_t opt;
static const struct agora_boot_module *worker_image;
static uint64_t coord_ep;               /* the endpoint we receive on */
static uint64_t rng;
static uint64_t incarnations;
static worker_t workers[KS_MAX_WORKERS];
static counts_t st;
static uint64_t next_kill;
static uint64_t heap_peak;
static volatile uint64_t progress;      /* messages the coordinator handled (for the watchdog) */
static volatile bool watching;          /* a run is on: workers should make progress */
static bool have_svm;                   /* VMs for the workers (their idle time goes to guests) */
static uint64_t guest_mem, guest_exit_ep;

static uint64_t rng_next(void)
{
    uint64_t x = rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

static uint64_t rng_below(uint64_t n)
{
    return n ? rng_next() % n : 0;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;

    st.failures++;
    if (st.failures > MAX_REPORTS)
        return;
    agora_printf("kstress: FAIL: ");
    va_start(ap, fmt);
    agora_vprintf(fmt, ap);
    va_end(ap);
    agora_printf("\n");
}

/* ---- the command line ---- */

/* The value of key=NUMBER (decimal or 0x hex) on the kernel command line, or def. */
static uint64_t cmdline_number(const char *key, uint64_t def)
{
    const char *p = boot->cmdline;
    size_t klen = strlen(key);

    while (*p) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            uint64_t v = 0, base = 10;

            p += klen + 1;
            if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                base = 16;
                p += 2;
            }
            for (;; p++) {
                unsigned d;

                if (*p >= '0' && *p <= '9')
                    d = (unsigned)(*p - '0');
                else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
                    d = (unsigned)((*p | 0x20) - 'a' + 10);
                else
                    break;
                v = v * base + d;
            }
            return v;
        }
        while (*p && *p != ' ')
            p++;
    }
    return def;
}

static void read_options(void)
{
    opt.seed = cmdline_number("seed", DEFAULT_SEED);
    opt.ops = cmdline_number("ops", DEFAULT_OPS);
    opt.workers = cmdline_number("workers", DEFAULT_WORKERS);
    opt.pages = cmdline_number("pages", KS_MAX_PAGES);
    opt.kill_every = cmdline_number("kill_every", DEFAULT_KILL_EVERY);
    if (opt.workers < 2)
        opt.workers = 2;
    if (opt.workers > KS_MAX_WORKERS)
        opt.workers = KS_MAX_WORKERS;
    if (opt.pages < 1 || opt.pages > KS_MAX_PAGES)
        opt.pages = KS_MAX_PAGES;
    if (opt.kill_every < 2)
        opt.kill_every = 2;
    rng = opt.seed ? opt.seed : DEFAULT_SEED;
}

static const struct agora_boot_module *find_module(const char *name)
{
    for (uint64_t i = 0; i < boot->nmodules && i < AGORA_BOOT_MAX_MODULES; i++)
        if (strncmp(boot->modules[i].name, name, sizeof(boot->modules[i].name)) == 0)
            return &boot->modules[i];
    return NULL;
}

/* ---- capabilities for workers ---- */

/* A copy of src with a badge in a new slot (which the caller deletes), or CAP_NULL. */
static uint64_t badged_copy(uint64_t src, uint64_t rights, uint64_t badge)
{
    long slot = agora_slot_alloc(), r;

    if (slot < 0) {
        fail("no free capability slot");
        return CAP_NULL;
    }
    r = sys_cap_copy(src, (uint64_t)slot, rights | RIGHT_COPY, badge);
    if (r < 0) {
        fail("copying slot %lu with badge %lx: %s", (unsigned long)src, (unsigned long)badge,
             agora_error_name(r));
        agora_slot_free((uint64_t)slot);
        return CAP_NULL;
    }
    return (uint64_t)slot;
}

static void drop_slot(uint64_t slot)
{
    if (slot == CAP_NULL)
        return;
    sys_cap_delete(slot);
    agora_slot_free(slot);
}

/* Gives worker `to` a capability to worker `of`'s endpoint, badged with to's identity. */
static void give_peer(worker_t *to, const worker_t *of)
{
    uint64_t tmp = badged_copy(of->ep, RIGHT_WRITE | RIGHT_GRANT, KS_BADGE(KS_KIND_PEER, to->arg));
    long r;

    if (tmp == CAP_NULL)
        return;
    r = sys_cap_give(to->child.task, tmp, KS_CAP_PEER(of - workers), RIGHT_WRITE | RIGHT_GRANT);
    if (r < 0)
        fail("giving worker %u the endpoint of worker %u: %s", KS_ARG_ID(to->arg),
             (unsigned)(of - workers), agora_error_name(r));
    drop_slot(tmp);
}

/* Revokes every copy of w's endpoint (peers' slots empty again) and deletes it. */
static void drop_endpoint(worker_t *w)
{
    if (w->ep == CAP_NULL)
        return;
    sys_cap_revoke(w->ep);
    drop_slot(w->ep);
    w->ep = CAP_NULL;
}

/* ---- VMs: each worker's task also runs a vCPU spinning in a guest, below every thread ---- */

#define KS_VCPU_PRIORITY (KS_WORKER_PRIORITY - 10)
#define KS_GUEST_RIP     0x1000ull

/* One page of guest code (jmp .), and an exit endpoint nobody receives on: it never exits. */
static void vm_setup(void)
{
    static const uint8_t spin[] = { 0xeb, 0xfe };
    long m = agora_slot_alloc(), e = agora_slot_alloc(), vm = agora_slot_alloc();

    if (m < 0 || e < 0 || vm < 0)
        return;
    if (sys_vm_create(CAP_INIT_POOL, 0, (uint64_t)vm) < 0) {   /* -E_NOSYS: no SVM */
        agora_slot_free(m);
        agora_slot_free(e);
        agora_slot_free(vm);
        return;
    }
    drop_slot((uint64_t)vm);
    if (sys_memory_create(CAP_INIT_POOL, 1, (uint64_t)m) < 0 ||
        sys_endpoint_create(CAP_INIT_POOL, (uint64_t)e) < 0 ||
        sys_map(CAP_SELF_TASK, (uint64_t)m, 0, KS_SCRATCH_VADDR, 1, RIGHT_READ | RIGHT_WRITE) < 0) {
        fail("setting up the guest");
        return;
    }
    memcpy((void *)KS_SCRATCH_VADDR, spin, sizeof(spin));
    sys_unmap(CAP_SELF_TASK, KS_SCRATCH_VADDR, 1);
    guest_mem = (uint64_t)m;
    guest_exit_ep = (uint64_t)e;
    have_svm = true;
}

static void vm_teardown(void)
{
    if (!have_svm)
        return;
    drop_slot(guest_mem);
    drop_slot(guest_exit_ep);
}

static void vm_drop(worker_t *w)
{
    drop_slot(w->vcpu);
    drop_slot(w->vm);
    w->vcpu = w->vm = CAP_NULL;
}

/* A VM with the guest page and a vCPU in w's task, started (it runs when nothing else can). */
static void vm_start(worker_t *w)
{
    const struct agora_vcpu_segment code = { 0x08, 0xC9B, 0xFFFFFFFF, 0 }, data = { 0x10, 0xC93, 0xFFFFFFFF, 0 };
    struct agora_vcpu_state s;
    long vm = agora_slot_alloc(), vcpu = agora_slot_alloc(), r = -E_NOMEM;

    if (!have_svm)
        return;
    w->vm = vm < 0 ? CAP_NULL : (uint64_t)vm;
    w->vcpu = vcpu < 0 ? CAP_NULL : (uint64_t)vcpu;
    memset(&s, 0, sizeof(s));
    s.rip = KS_GUEST_RIP;
    s.rflags = 2;
    s.cr0 = 0x11;
    s.efer = 1ull << 12;
    s.pat = 0x0007040600070406ull;
    s.cs = code;
    s.ds = s.es = s.ss = s.fs = s.gs = data;
    s.tr = (struct agora_vcpu_segment){ 0x18, 0x8B, 0x67, 0 };
    if (vm >= 0 && vcpu >= 0 && (r = sys_vm_create(CAP_INIT_POOL, 0, w->vm)) >= 0 &&
        (r = sys_map(w->vm, guest_mem, 0, KS_GUEST_RIP, 1, RIGHT_READ | RIGHT_EXEC)) >= 0 &&
        (r = sys_vcpu_create(w->vm, w->child.task, CAP_INIT_POOL, w->vcpu)) >= 0 &&
        (r = sys_vcpu_state_write(w->vcpu, &s)) >= 0)
        r = sys_vcpu_start(w->vcpu, guest_exit_ep, KS_VCPU_PRIORITY);
    if (r < 0) {
        fail("starting the vCPU of worker %u: %s", (unsigned)(w - workers), agora_error_name(r));
        vm_drop(w);
        return;
    }
    st.vms++;
}

/* ---- worker lives ---- */

static void spawn_worker(worker_t *w)
{
    unsigned id = (unsigned)(w - workers);
    long ep = agora_slot_alloc(), r;
    uint64_t req, fault_client, fault_server;

    drop_endpoint(w);
    if (ep < 0 || sys_endpoint_create(CAP_INIT_POOL, (uint64_t)ep) < 0) {
        fail("creating the endpoint of worker %u", id);
        return;
    }
    w->ep = (uint64_t)ep;
    w->arg = KS_ARG(id, ++incarnations);
    req = badged_copy(coord_ep, RIGHT_WRITE, KS_BADGE(KS_KIND_REQUEST, w->arg));
    fault_client = badged_copy(coord_ep, RIGHT_WRITE, KS_BADGE(KS_KIND_FAULT_CLIENT, w->arg));
    fault_server = badged_copy(coord_ep, RIGHT_WRITE, KS_BADGE(KS_KIND_FAULT_SERVER, w->arg));
    const struct agora_spawn_cap caps[] = {
        { req, KS_CAP_COORD, RIGHT_WRITE },
        { fault_server, KS_CAP_FAULT_SERVER, RIGHT_WRITE },
        { CAP_INIT_POOL, KS_CAP_POOL, RIGHT_MANAGE },
        { w->ep, KS_CAP_SELF_EP, RIGHT_READ },
    };
    const struct agora_spawn_args args = {
        .image = worker_image->cap, .image_size = worker_image->size, .pool = CAP_INIT_POOL,
        .arg = w->arg, .fault_ep = fault_client, .priority = KS_WORKER_PRIORITY,
        .caps = caps, .ncaps = sizeof(caps) / sizeof(caps[0]),
    };
    r = agora_spawn(&args, &w->child);
    drop_slot(req);
    drop_slot(fault_client);
    drop_slot(fault_server);
    if (r < 0) {
        fail("spawning worker %u: %s", id, agora_error_name(r));
        return;
    }
    w->live = true;
    w->hello = false;
    st.spawns++;
    vm_start(w);
    /* It runs only when we wait (it has a lower priority): its peers' slots are filled by then. */
    for (unsigned j = 0; j < opt.workers; j++) {
        worker_t *p = &workers[j];

        if (p->ep != CAP_NULL)
            give_peer(w, p);        /* a dead peer's endpoint too: calls get -E_DEAD */
        if (p != w && p->live)
            give_peer(p, w);
    }
}

static void sample_heap(void)
{
    struct agora_kernel_stats s;

    if (sys_kernel_stats(CAP_INIT_MACHINE, &s) < 0)
        return;
    if (s.heap_bytes > heap_peak)
        heap_peak = s.heap_bytes;
    if (s.check_errors)
        fail("the kernel's consistency check found %lu errors during the run", (unsigned long)s.check_errors);
}

static void kill_worker(worker_t *w)
{
    long r = sys_task_kill(w->child.task, 0);
    struct agora_vcpu_state s;

    if (r < 0)
        fail("killing worker %u: %s", (unsigned)(w - workers), agora_error_name(r));
    /* Its vCPU died with its task, running or not. */
    if (w->vcpu != CAP_NULL && (r = sys_vcpu_state_read(w->vcpu, &s)) != -E_DEAD)
        fail("the vCPU of killed worker %u: %s, not -E_DEAD", (unsigned)(w - workers), agora_error_name(r));
    vm_drop(w);
    agora_child_release(&w->child);
    w->live = false;
    w->hello = false;
    w->suspended = false;
    w->may_intr = false;
    w->respawn_at = st.ops + rng_below(MAX_DEAD_OPS + 1);
}

static void maybe_kill(void)
{
    unsigned live = 0, killable = 0, pick;

    if (st.ops < next_kill)
        return;
    next_kill = st.ops + opt.kill_every / 2 + rng_below(opt.kill_every);
    /*
     * Only a worker that said hello owns its endpoint (see the worker's main). The last
     * live one stays: respawns happen as operations finish, and only live workers finish any.
     */
    for (unsigned i = 0; i < opt.workers; i++) {
        live += workers[i].live;
        killable += workers[i].live && workers[i].hello;
    }
    if (live < 2 || killable == 0)
        return;
    pick = (unsigned)rng_below(killable);
    for (unsigned i = 0; i < opt.workers; i++) {
        if (workers[i].live && workers[i].hello && pick-- == 0) {
            sample_heap();
            kill_worker(&workers[i]);
            st.kills++;
            return;
        }
    }
}

static void respawn_due(void)
{
    for (unsigned i = 0; i < opt.workers; i++)
        if (!workers[i].live && st.ops >= workers[i].respawn_at)
            spawn_worker(&workers[i]);
}

/*
 * Stops a random worker's client thread for a while, half the time interrupting the wait
 * it is in: a call to a peer not yet taken then fails with -E_INTR (counted like -E_DEAD),
 * one to us is made again. Two client threads always run, so work keeps coming.
 */
static void maybe_suspend(void)
{
    unsigned running = 0, pick;

    if (rng_below(SUSPEND_EVERY) != 0)
        return;
    for (unsigned i = 0; i < opt.workers; i++)
        running += workers[i].live && workers[i].hello && !workers[i].suspended;
    if (running < 3)
        return;
    pick = (unsigned)rng_below(running);
    for (unsigned i = 0; i < opt.workers; i++) {
        worker_t *w = &workers[i];

        if (w->live && w->hello && !w->suspended && pick-- == 0) {
            uint64_t how = rng_below(2) ? THREAD_SUSPEND_INTERRUPT : 0;
            long r = sys_thread_suspend(w->child.thread, how);

            if (r != 0 && r != 1) {
                fail("suspending worker %u: %s", i, agora_error_name(r));
                return;
            }
            st.in_call += r == 1;
            if (r == 0 && how) {
                struct agora_regs regs;

                /* (In user mode rax could hold the same value: a figure for the report only.) */
                st.intr_waits += sys_thread_regs(w->child.thread, &regs) == 0 && (long)regs.rax == -E_INTR;
            }
            w->suspended = true;
            w->may_intr |= how != 0;
            w->resume_at = st.ops + 1 + rng_below(MAX_SUSPENDED_OPS);
            st.suspends++;
            return;
        }
    }
}

/* Lets it go on; when its registers are final, half the time with them read and given back. */
static void resume_worker(worker_t *w)
{
    struct agora_regs regs;
    long r = sys_thread_suspend(w->child.thread, 0);

    if (r == 0 && rng_below(2)) {
        r = sys_thread_regs(w->child.thread, &regs);
        if (r >= 0)
            r = sys_thread_resume(w->child.thread, &regs);
    } else if (r >= 0) {
        r = sys_thread_resume(w->child.thread, NULL);
    }
    if (r < 0)
        fail("resuming worker %u: %s", (unsigned)(w - workers), agora_error_name(r));
    w->suspended = false;
}

/* Resumes the workers whose time came, and all of them when fewer than two others run. */
static void resume_due(void)
{
    unsigned running = 0;

    for (unsigned i = 0; i < opt.workers; i++)
        running += workers[i].live && !workers[i].suspended;
    for (unsigned i = 0; i < opt.workers; i++)
        if (workers[i].live && workers[i].suspended && (running < 2 || st.ops >= workers[i].resume_at))
            resume_worker(&workers[i]);
}

/* Kills every worker and drops every capability of theirs. */
static void stop_all(void)
{
    for (unsigned i = 0; i < opt.workers; i++) {
        if (workers[i].live)
            kill_worker(&workers[i]);
        drop_endpoint(&workers[i]);
    }
}

/* ---- the work ---- */

static bool calls_a_peer(unsigned op)
{
    return op == KS_OP_PING || op == KS_OP_MAP || op == KS_OP_GRANT || op == KS_OP_FETCH ||
           op == KS_OP_FLUSH;
}

static const char *result_name(long r)
{
    switch (r) {
    case 0: return "ok";
    case KS_RES_CORRUPT: return "corrupt page";
    case KS_RES_BADGE: return "wrong badge";
    case KS_RES_VANISHED: return "vanished page";
    case KS_RES_PROTOCOL: return "protocol error";
    case KS_RES_SKIPPED: return "skipped";
    default: return r < 0 ? agora_error_name(r) : "?";
    }
}

static void account(const worker_t *w, uint64_t op, long result)
{
    bool expected = result == 0;

    if (op >= KS_OP_COUNT) {
        fail("worker %u reported operation %lu", KS_ARG_ID(w->arg), (unsigned long)op);
        return;
    }
    if (result == -E_DEAD && calls_a_peer((unsigned)op)) {
        st.dead++;
        expected = true;
    } else if (result == -E_INTR && calls_a_peer((unsigned)op) && w->may_intr) {
        st.interrupted++;
        expected = true;
    } else if (result == KS_RES_VANISHED && op == KS_OP_FETCH) {
        st.vanished++;
        expected = true;
    } else if (result == KS_RES_SKIPPED && (op == KS_OP_MEM_DELETE || op == KS_OP_UNMAP)) {
        st.skipped++;
        expected = true;
    }
    if (!expected)
        fail("worker %u (incarnation %lu): %s: %s (%ld)", KS_ARG_ID(w->arg), (unsigned long)(w->arg >> 8),
             op_names[op], result_name(result), result);
    st.ops++;
    st.per_op[op]++;
    if (st.ops % PROGRESS_EVERY == 0)
        agora_printf("kstress: %lu operations, %lu kills so far\n", (unsigned long)st.ops,
                     (unsigned long)st.kills);
}

static void next_order(struct agora_msg *m)
{
    /* Weights out of 100, in KS_OP_LIST order. */
    static const unsigned weight[KS_OP_COUNT] = { 15, 20, 15, 20, 5, 10, 8, 7 };
    unsigned pick = (unsigned)rng_below(100), op = 0;

    while (op + 1 < KS_OP_COUNT && pick >= weight[op])
        pick -= weight[op++];
    *m = (struct agora_msg){ IPC_INFO(KS_LABEL_DO, 4, 0, 0), 0,
                             { op, rng_below(opt.workers), 1 + rng_below(opt.pages), rng_next() } };
}

/* A page fault of a worker thread: one on a page that may go away is survived. */
static bool handle_fault(worker_t *w, bool server, struct agora_msg *m)
{
    uint64_t addr = m->mr[0];
    bool in_window = server ? addr >= KS_SERVER_WIN && addr < KS_SERVER_WIN_END
                            : addr >= KS_CLIENT_WIN && addr < KS_CLIENT_WIN + KS_MAX_PAGES * KS_PAGE;

    if (IPC_LABEL(m->info) != IPC_LABEL_PAGE_FAULT || !in_window || !w->hello) {
        fail("worker %u %s thread: fault label %x at %lx, rip %lx", KS_ARG_ID(w->arg),
             server ? "server" : "client", IPC_LABEL(m->info), (unsigned long)addr, (unsigned long)m->mr[2]);
        kill_worker(w);
        return false;
    }
    st.recoveries++;
    /* rsp as right after a call: the recovery functions start like any function. */
    *m = (struct agora_msg){ IPC_INFO(IPC_LABEL_SET_REGS, 3, 0, 0), 0,
                             { server ? w->server_rip : w->client_rip,
                               (server ? KS_SERVER_STACK_TOP : AGORA_CHILD_STACK_TOP) - 8, 0, 0 } };
    return true;
}

/* One message on our endpoint; true when m is now the reply to send. */
static bool handle(struct agora_msg *m)
{
    uint64_t arg = KS_BADGE_ARG(m->badge);
    unsigned kind = KS_BADGE_KIND(m->badge), id = KS_ARG_ID(arg);
    worker_t *w = &workers[id < KS_MAX_WORKERS ? id : 0];

    if (id >= opt.workers || !w->live || w->arg != arg) {
        fail("a message with badge %lx, label %x: from no live worker", (unsigned long)m->badge,
             IPC_LABEL(m->info));
        return false;
    }
    if (kind == KS_KIND_FAULT_CLIENT || kind == KS_KIND_FAULT_SERVER)
        return handle_fault(w, kind == KS_KIND_FAULT_SERVER, m);
    if (kind != KS_KIND_REQUEST) {
        fail("a message of kind %u from worker %u", kind, id);
        return false;
    }
    if (IPC_LABEL(m->info) == KS_LABEL_HELLO) {
        w->client_rip = m->mr[0];
        w->server_rip = m->mr[1];
        w->hello = true;
    } else if (IPC_LABEL(m->info) == KS_LABEL_DONE) {
        account(w, m->mr[0], (long)m->mr[1]);
        w->may_intr = false;
    } else {
        fail("worker %u sent label %x", id, IPC_LABEL(m->info));
    }
    maybe_kill();
    respawn_due();
    maybe_suspend();
    resume_due();
    if (!w->live || w->arg != arg)
        return false;           /* we just killed it (and maybe respawned it): nobody waits */
    next_order(m);
    return true;
}

/* Runs workers until they finished `ops` more operations, then stops them all. */
static void run(uint64_t ops)
{
    uint64_t target = st.ops + ops;
    struct agora_msg m = { 0, 0, { 0, 0, 0, 0 } };
    long r;

    next_kill = st.ops + opt.kill_every / 2 + rng_below(opt.kill_every);
    for (unsigned i = 0; i < opt.workers; i++)
        spawn_worker(&workers[i]);
    watching = true;
    r = sys_recv(coord_ep, &m);
    while (st.ops < target && st.failures <= MAX_REPORTS) {
        bool reply;

        if (r < 0) {
            fail("receiving: %s", agora_error_name(r));
            break;
        }
        progress++;
        reply = handle(&m);
        if (st.ops >= target)
            break;
        r = reply ? sys_reply_recv(coord_ep, &m) : sys_recv(coord_ep, &m);
    }
    watching = false;
    stop_all();
}

/* ---- the watchdog: a second thread that turns a stall into a report ---- */

#define WATCHDOG_STACK      0x0000000030000000ull
#define WATCHDOG_STACK_PAGES 4
#define STALL_SECONDS       10

/* One line to the log; agora_printf's buffer belongs to the main thread. */
static void watchdog_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void watchdog_say(const char *fmt, ...)
{
    char line[200];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = agora_vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    sys_debug_puts(line, (size_t)n);
}

/* What each worker's client thread is doing (rdi holds the slot of a blocked call). */
static noreturn void stalled(void)
{
    watchdog_say("kstress: FAIL: no progress for %d s at %lu operations (%lu kills); the workers:",
                 STALL_SECONDS, (unsigned long)st.ops, (unsigned long)st.kills);
    for (unsigned i = 0; i < opt.workers; i++) {
        const worker_t *w = &workers[i];
        struct agora_regs regs;

        if (!w->live || sys_thread_regs(w->child.thread, &regs) < 0) {
            watchdog_say("kstress:   worker %u: %s", i, w->live ? "no registers" : "dead");
            continue;
        }
        watchdog_say("kstress:   worker %u (incarnation %lu%s): client at rip %lx, rax %lx, rdi %lu",
                     i, (unsigned long)(w->arg >> 8), w->hello ? "" : ", no hello yet",
                     (unsigned long)regs.rip, (unsigned long)regs.rax, (unsigned long)regs.rdi);
    }
    sys_machine_halt(CAP_INIT_MACHINE, 1);
    sys_thread_exit();
    for (;;)
        ;
}

static noreturn void watchdog(uint64_t unused)
{
    uint64_t last = progress;
    unsigned still = 0;

    for (;;) {
        sys_sleep(1000000);
        if (progress != last || !watching) {
            last = progress;
            still = 0;
        } else if (++still >= STALL_SECONDS) {
            stalled();
        }
    }
}

/* Runs at our priority, so its sleep ends on time even while workers are busy. */
static void start_watchdog(void)
{
    uint64_t mem = (uint64_t)agora_slot_alloc(), thread = (uint64_t)agora_slot_alloc();
    long r = sys_memory_create(CAP_INIT_POOL, WATCHDOG_STACK_PAGES, mem);

    if (r >= 0)
        r = sys_map(CAP_SELF_TASK, mem, 0, WATCHDOG_STACK, WATCHDOG_STACK_PAGES, RIGHT_READ | RIGHT_WRITE);
    if (r >= 0)
        r = sys_thread_create(CAP_SELF_TASK, CAP_INIT_POOL, thread);
    if (r >= 0)
        r = sys_thread_setup(thread, 0, CAP_NULL, AGORA_SPAWN_DEFAULT_PRIORITY);
    if (r >= 0)
        r = sys_thread_start(thread, (uint64_t)watchdog,
                             WATCHDOG_STACK + WATCHDOG_STACK_PAGES * KS_PAGE - 8, 0);
    if (r < 0)
        fail("starting the watchdog: %s", agora_error_name(r));
}

/* ---- the books ---- */

typedef struct snapshot {
    long pool_pages;
    long result;
    struct agora_kernel_stats k;
} snapshot_t;

static void take_snapshot(snapshot_t *s)
{
    /* Dead threads are freed at the next switch away from them: let that happen. */
    sys_sleep(20000);
    memset(s, 0, sizeof(*s));
    s->pool_pages = sys_pool_info(CAP_INIT_POOL);
    s->result = sys_kernel_stats(CAP_INIT_MACHINE, &s->k);
    if (s->result < 0)
        fail("SYS_KERNEL_STATS: %s", agora_error_name(s->result));
}

/*
 * Exact: pool pages, heap bytes, tasks, threads, mappings (against the first snapshot).
 * Free frames can only be bounded: the kernel heap keeps the frames it carved into small
 * blocks, so a heap that grows past its high-water mark keeps a few more. The warm-up ran
 * the same load, so after it the page tables of our windows exist and the heap has most
 * of what it will need: from then on frames may be missing only for the heap's growth
 * beyond the warm-up's peak (both sampled at every kill), a block class or two each.
 * A lost page table or memory object per kill would be hundreds of frames.
 */
static void compare(const snapshot_t *first, const snapshot_t *warm, const snapshot_t *end,
                    uint64_t warm_peak)
{
    uint64_t growth = heap_peak > warm_peak ? heap_peak - warm_peak : 0;
    uint64_t slack = 16 + 2 * (growth / 4096);
    uint64_t lost = warm->k.free_frames > end->k.free_frames ? warm->k.free_frames - end->k.free_frames : 0;

    agora_printf("kstress: pool pages %ld -> %ld; kernel heap %lu -> %lu bytes (peak %lu, %lu in the warm-up); "
                 "tasks %lu -> %lu, threads %lu -> %lu, mappings %lu -> %lu\n",
                 first->pool_pages, end->pool_pages, (unsigned long)first->k.heap_bytes,
                 (unsigned long)end->k.heap_bytes, (unsigned long)heap_peak, (unsigned long)warm_peak,
                 (unsigned long)first->k.tasks, (unsigned long)end->k.tasks,
                 (unsigned long)first->k.threads, (unsigned long)end->k.threads,
                 (unsigned long)first->k.mappings, (unsigned long)end->k.mappings);
    agora_printf("kstress: free frames %lu at start, %lu after the warm-up, %lu at the end "
                 "(%lu fewer, %lu allowed for the heap's growth)\n",
                 (unsigned long)first->k.free_frames, (unsigned long)warm->k.free_frames,
                 (unsigned long)end->k.free_frames, (unsigned long)lost, (unsigned long)slack);
    if (first->pool_pages < 0 || end->pool_pages != first->pool_pages)
        fail("the pool lost %ld pages", first->pool_pages - end->pool_pages);
    if (end->k.heap_bytes != first->k.heap_bytes)
        fail("the kernel heap holds %ld bytes more", (long)(end->k.heap_bytes - first->k.heap_bytes));
    if (end->k.tasks != first->k.tasks || end->k.threads != first->k.threads ||
        end->k.mappings != first->k.mappings)
        fail("tasks, threads or mappings leaked");
    if (first->k.check_errors || warm->k.check_errors || end->k.check_errors)
        fail("the kernel's consistency check found %lu errors", (unsigned long)end->k.check_errors);
    if (lost > slack)
        fail("%lu free frames lost", (unsigned long)lost);
}

static noreturn void finish(void)
{
    long r;

    agora_printf("kstress: %d passed, %d failed\n", st.failures ? 0 : 1, st.failures ? 1 : 0);
    agora_flush();
    r = sys_machine_halt(CAP_INIT_MACHINE, st.failures ? 1 : 0);
    agora_printf("kstress: SYS_MACHINE_HALT returned %s: FAIL\n", agora_error_name(r));
    agora_exit(1);
}

int main(uint64_t arg)
{
    snapshot_t first, warm, end;
    uint64_t start_us, warm_ops, warm_peak;
    long slot;

    boot = (const struct agora_boot_info *)arg;
    if (arg != AGORA_BOOT_INFO_VADDR || boot->magic != AGORA_BOOT_MAGIC) {
        agora_printf("kstress: no boot information: FAIL\n");
        agora_exit(1);
    }
    agora_slots_init(boot->first_free_slot);
    read_options();
    agora_printf("kstress: seed 0x%lx, %lu operations, %lu workers, up to %lu pages an operation, "
                 "a kill every %lu operations or so\n", (unsigned long)opt.seed, (unsigned long)opt.ops,
                 (unsigned long)opt.workers, (unsigned long)opt.pages, (unsigned long)opt.kill_every);
    worker_image = find_module("kstress-worker");
    if (!worker_image) {
        fail("no boot module named kstress-worker");
        finish();
    }
    for (unsigned i = 0; i < KS_MAX_WORKERS; i++)
        workers[i].ep = workers[i].vm = workers[i].vcpu = CAP_NULL;
    start_watchdog();
    take_snapshot(&first);
    heap_peak = first.k.heap_bytes;
    slot = agora_slot_alloc();
    if (slot < 0 || sys_endpoint_create(CAP_INIT_POOL, (uint64_t)slot) < 0) {
        fail("creating the coordinator's endpoint");
        finish();
    }
    coord_ep = (uint64_t)slot;
    vm_setup();
    start_us = (uint64_t)sys_clock();

    /* A short first round makes the page tables and heap blocks a run needs. */
    run(WARMUP_OPS);
    warm_ops = st.ops;
    warm_peak = heap_peak;
    take_snapshot(&warm);
    memset(&st.per_op, 0, sizeof(st.per_op));
    st.ops = st.kills = st.spawns = st.dead = st.vanished = st.skipped = st.recoveries = 0;
    st.suspends = st.in_call = st.intr_waits = st.interrupted = st.vms = 0;
    heap_peak = warm.k.heap_bytes;

    run(opt.ops);
    drop_slot(coord_ep);
    vm_teardown();
    take_snapshot(&end);

    agora_printf("kstress: %lu operations, %lu kills, %lu spawns (%lu operations of warm-up before), "
                 "%lu calls found their peer dead, %lu fetched pages vanished, %lu faults survived, %lu ms\n",
                 (unsigned long)st.ops, (unsigned long)st.kills, (unsigned long)st.spawns,
                 (unsigned long)warm_ops, (unsigned long)st.dead, (unsigned long)st.vanished,
                 (unsigned long)st.recoveries, (unsigned long)(((uint64_t)sys_clock() - start_us) / 1000));
    agora_printf("kstress:");
    for (unsigned op = 0; op < KS_OP_COUNT; op++)
        agora_printf(" %s %lu", op_names[op], (unsigned long)st.per_op[op]);
    agora_printf(" (%lu skipped)\n", (unsigned long)st.skipped);
    agora_printf("kstress: %lu client threads suspended (%lu waiting in a call, %lu waits interrupted); "
                 "%lu calls to a peer failed -E_INTR\n", (unsigned long)st.suspends, (unsigned long)st.in_call,
                 (unsigned long)st.intr_waits, (unsigned long)st.interrupted);
    agora_printf("kstress: %lu VMs, each with a vCPU spinning in its guest below the workers' priority%s\n",
                 (unsigned long)st.vms, have_svm ? "" : " (no SVM)");
    if (st.ops < opt.ops)
        fail("only %lu of %lu operations ran", (unsigned long)st.ops, (unsigned long)opt.ops);
    compare(&first, &warm, &end, warm_peak);
    finish();
}
