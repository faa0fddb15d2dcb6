/*
 * kbench: micro-benchmarks of the kernel's paths, run as init (tools/bench.sh, `make bench`).
 * Each figure is the median over batches of BATCH operations, timed with rdtsc, divided by
 * BATCH. The kernel command line says what the TSC counts: `bench=icount` (QEMU's -icount
 * shift=0: one tick per guest instruction; figures in instructions) or `bench=wall`
 * (figures in ns, through the TSC rate the kernel calibrated). `iterations=N` changes the
 * operations per figure (default 10,000).
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

#include "kbench.h"

#define DEFAULT_ITERATIONS 10000
#define BATCH              100
#define MAX_BATCHES        1000
#define WARMUP             1000     /* untimed operations first: QEMU translates the code once */
#define PRIORITY           AGORA_SPAWN_DEFAULT_PRIORITY   /* ours, and everyone's here */
#define LABEL_STOP         0x4b420001u                    /* ends the same-space echo thread */

/* Our address space, besides the ELF, the stack and the boot information. */
#define PAGE           4096ull
#define SCRATCH_VADDR  0x0000000010000000ull   /* map+unmap */
#define FAULT_VADDR    0x0000000011000000ull   /* the page the pager lends us */
#define THREAD_STACK   0x0000000012000000ull   /* the echo thread: 4 pages of stack */
#define THREAD_STACK_PAGES 4
#define THREAD_IPC     0x0000000012100000ull   /* and its IPC buffer */

static const struct agora_boot_info *boot;
static bool icount;
static uint64_t batches;
static uint64_t samples[MAX_BATCHES];
static unsigned figures;
static const struct agora_boot_module *peer_image;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static noreturn void finish(int failed)
{
    agora_printf("kbench: %s, %u figures\n", failed ? "FAIL" : "done", figures);
    agora_flush();
    sys_machine_halt(CAP_INIT_MACHINE, failed ? 1 : 0);
    agora_exit(1);
}

/* Stops everything when a system call that must work does not. */
static long must(long r, const char *what)
{
    if (r < 0) {
        agora_printf("kbench: %s returned %s: FAIL\n", what, agora_error_name(r));
        finish(1);
    }
    return r;
}

/* The kernel command line's word key=VALUE: VALUE's start, or NULL. */
static const char *cmdline_value(const char *key)
{
    const char *p = boot->cmdline;
    size_t klen = strlen(key);

    while (*p) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == '=')
            return p + klen + 1;
        while (*p && *p != ' ')
            p++;
    }
    return NULL;
}

static bool word_is(const char *v, const char *word)
{
    size_t n = strlen(word);

    return v && strncmp(v, word, n) == 0 && (v[n] == ' ' || v[n] == '\0');
}

static uint64_t cmdline_number(const char *key, uint64_t def)
{
    const char *v = cmdline_value(key);
    uint64_t n = 0;

    if (!v || *v < '0' || *v > '9')
        return def;
    while (*v >= '0' && *v <= '9')
        n = n * 10 + (uint64_t)(*v++ - '0');
    return n;
}

static uint64_t median(uint64_t *v, uint64_t n)
{
    for (uint64_t i = 1; i < n; i++)
        for (uint64_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];

            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

/* Prints the figure for samples[0..batches) of BATCH * per operations each. */
static void report(const char *name, unsigned per)
{
    uint64_t m = median(samples, batches), ops = (uint64_t)BATCH * per;

    if (icount)
        agora_printf("bench: %s %lu instructions\n", name, (unsigned long)(m / ops));
    else
        agora_printf("bench: %s_wall %lu ns\n", name, (unsigned long)(m * 1000000 / boot->tsc_khz / ops));
    figures++;
}

static uint64_t new_slot(void)
{
    return (uint64_t)must(agora_slot_alloc(), "agora_slot_alloc");
}

static void drop(uint64_t slot)
{
    sys_cap_delete(slot);
    agora_slot_free(slot);
}

static void spawn_peer(uint64_t role, const struct agora_spawn_cap *caps, unsigned ncaps,
                       struct agora_child *child)
{
    const struct agora_spawn_args args = {
        .image = peer_image->cap, .image_size = peer_image->size, .pool = CAP_INIT_POOL,
        .arg = role, .priority = PRIORITY, .caps = caps, .ncaps = ncaps,
    };

    must(agora_spawn(&args, child), "agora_spawn(kbench-peer)");
}

/* BATCH calls on ep, each answered with the same words. */
static void call_batch(uint64_t ep)
{
    for (unsigned i = 0; i < BATCH; i++) {
        struct agora_msg m = { IPC_INFO(1, 1, 0, 0), 0, { i, 0, 0, 0 } };

        if (sys_call(ep, &m) < 0 || m.mr[0] != i)
            must(-E_STATE, "sys_call (the echo)");
    }
}

static void measure_calls(const char *name, uint64_t ep)
{
    for (unsigned i = 0; i < WARMUP / BATCH; i++)
        call_batch(ep);
    for (uint64_t b = 0; b < batches; b++) {
        uint64_t t0 = rdtsc();

        call_batch(ep);
        samples[b] = rdtsc() - t0;
    }
    report(name, 1);
}

static void bench_ipc_cross_as(void)
{
    uint64_t ep = new_slot();
    struct agora_child peer;

    must(sys_endpoint_create(CAP_INIT_POOL, ep), "sys_endpoint_create");
    const struct agora_spawn_cap caps[] = { { ep, KB_CAP_EP, RIGHT_READ } };
    spawn_peer(KB_ROLE_ECHO, caps, 1, &peer);
    measure_calls("ipc_call_reply_cross_as", ep);
    agora_child_release(&peer);
    drop(ep);
}

/* The echo thread of the same-space benchmark: answers until LABEL_STOP. */
static noreturn void echo_thread(uint64_t ep)
{
    struct agora_msg m = { 0, 0, { 0, 0, 0, 0 } };
    long r = sys_recv(ep, &m);

    while (r >= 0 && IPC_LABEL(m.info) != LABEL_STOP)
        r = sys_reply_recv(ep, &m);
    sys_reply(&m);
    sys_thread_exit();
    for (;;)
        ;
}

static void bench_ipc_same_as(void)
{
    uint64_t ep = new_slot(), mem = new_slot(), thread = new_slot();
    struct agora_msg stop = { IPC_INFO(LABEL_STOP, 0, 0, 0), 0, { 0, 0, 0, 0 } };

    must(sys_endpoint_create(CAP_INIT_POOL, ep), "sys_endpoint_create");
    must(sys_memory_create(CAP_INIT_POOL, THREAD_STACK_PAGES + 1, mem), "sys_memory_create");
    must(sys_map(CAP_SELF_TASK, mem, 0, THREAD_STACK, THREAD_STACK_PAGES, RIGHT_READ | RIGHT_WRITE), "sys_map");
    must(sys_map(CAP_SELF_TASK, mem, THREAD_STACK_PAGES, THREAD_IPC, 1, RIGHT_READ | RIGHT_WRITE), "sys_map");
    must(sys_thread_create(CAP_SELF_TASK, CAP_INIT_POOL, thread), "sys_thread_create");
    must(sys_thread_setup(thread, THREAD_IPC, CAP_NULL, PRIORITY), "sys_thread_setup");
    /* rsp as right after a call, as the ABI has it at a function's first instruction. */
    must(sys_thread_start(thread, (uint64_t)echo_thread, THREAD_STACK + THREAD_STACK_PAGES * PAGE - 8, ep),
         "sys_thread_start");
    measure_calls("ipc_call_reply_same_as", ep);
    must(sys_call(ep, &stop), "sys_call (stop)");
    sys_yield();                /* let it leave */
    drop(thread);
    sys_unmap(CAP_SELF_TASK, THREAD_STACK, THREAD_STACK_PAGES);
    sys_unmap(CAP_SELF_TASK, THREAD_IPC, 1);
    drop(mem);
    drop(ep);
}

/* A ping-pong: we signal, the peer wakes and signals back. Half a round is one signal-to-wakeup. */
static void bench_notification(void)
{
    uint64_t ping = new_slot(), pong = new_slot();
    struct agora_child peer;

    must(sys_notify_create(CAP_INIT_POOL, ping), "sys_notify_create");
    must(sys_notify_create(CAP_INIT_POOL, pong), "sys_notify_create");
    const struct agora_spawn_cap caps[] = { { ping, KB_CAP_PING, RIGHT_READ }, { pong, KB_CAP_PONG, RIGHT_WRITE } };
    spawn_peer(KB_ROLE_NOTIFY, caps, 2, &peer);
    for (uint64_t b = 0; b < batches + WARMUP / BATCH; b++) {
        uint64_t t0 = rdtsc();

        for (unsigned i = 0; i < BATCH; i++) {
            sys_signal(ping);
            if (sys_wait(pong) != 1)
                must(-E_STATE, "sys_wait (the pong)");
        }
        if (b >= WARMUP / BATCH)
            samples[b - WARMUP / BATCH] = rdtsc() - t0;
    }
    report("notification_signal_wakeup", 2);
    agora_child_release(&peer);
    drop(ping);
    drop(pong);
}

/* We touch an unmapped page; the pager (another task) answers with a page mapped there. */
static void bench_page_fault(void)
{
    uint64_t ep = new_slot();
    volatile uint64_t *page = (volatile uint64_t *)FAULT_VADDR;
    struct agora_child peer;

    must(sys_endpoint_create(CAP_INIT_POOL, ep), "sys_endpoint_create");
    const struct agora_spawn_cap caps[] = { { ep, KB_CAP_EP, RIGHT_READ },
                                            { CAP_INIT_POOL, KB_CAP_POOL, RIGHT_MANAGE } };
    spawn_peer(KB_ROLE_PAGER, caps, 2, &peer);
    must(sys_thread_setup(CAP_SELF_THREAD, AGORA_INIT_IPC_BUFFER, ep, PRIORITY), "sys_thread_setup");
    for (uint64_t b = 0; b < batches + WARMUP / BATCH; b++) {
        uint64_t sum = 0;

        for (unsigned i = 0; i < BATCH; i++) {
            uint64_t t0 = rdtsc();

            *page = i;
            sum += rdtsc() - t0;
            if (sys_unmap(CAP_SELF_TASK, FAULT_VADDR, 1) != 1)
                must(-E_STATE, "sys_unmap (the lent page)");
        }
        if (b >= WARMUP / BATCH)
            samples[b - WARMUP / BATCH] = sum;
    }
    must(sys_thread_setup(CAP_SELF_THREAD, AGORA_INIT_IPC_BUFFER, CAP_NULL, PRIORITY), "sys_thread_setup");
    report("page_fault_to_pager", 1);
    agora_child_release(&peer);
    drop(ep);
}

static void bench_map_unmap(void)
{
    uint64_t mem = new_slot();

    must(sys_memory_create(CAP_INIT_POOL, 1, mem), "sys_memory_create");
    for (uint64_t b = 0; b < batches + WARMUP / BATCH; b++) {
        uint64_t t0 = rdtsc();

        for (unsigned i = 0; i < BATCH; i++) {
            if (sys_map(CAP_SELF_TASK, mem, 0, SCRATCH_VADDR, 1, RIGHT_READ | RIGHT_WRITE) < 0 ||
                sys_unmap(CAP_SELF_TASK, SCRATCH_VADDR, 1) != 1)
                must(-E_STATE, "sys_map/sys_unmap");
        }
        if (b >= WARMUP / BATCH)
            samples[b - WARMUP / BATCH] = rdtsc() - t0;
    }
    report("map_unmap_page", 1);
    drop(mem);
}

/* A guest in flat 32-bit protected mode at GUEST_RIP: vmmcall; jmp back to it. */
#define GUEST_RIP 0x1000ull
static const uint8_t guest_loop[] = { 0x0f, 0x01, 0xd9, 0xeb, 0xfb };

static void guest_state(struct agora_vcpu_state *s)
{
    const struct agora_vcpu_segment code = { 0x08, 0xC9B, 0xFFFFFFFF, 0 }, data = { 0x10, 0xC93, 0xFFFFFFFF, 0 };

    memset(s, 0, sizeof(*s));
    s->rip = GUEST_RIP;
    s->rflags = 2;
    s->cr0 = 0x11;                           /* PE, ET */
    s->efer = 1ull << 12;                    /* SVME */
    s->pat = 0x0007040600070406ull;
    s->cs = code;
    s->ds = s->es = s->ss = s->fs = s->gs = data;
    s->tr = (struct agora_vcpu_segment){ 0x18, 0x8B, 0x67, 0 };
}

/*
 * A VM exit through user level: the guest's vmmcall exits, the kernel sends the exit to us
 * (its exit handler), we answer with the next rip by SYS_REPLY_RECV, and the vCPU enters
 * the guest again, which loops to the next vmmcall. One operation is one such round.
 */
static void bench_vm_exit(void)
{
    uint64_t vm = new_slot(), vcpu = new_slot(), ep = new_slot(), mem = new_slot();
    struct agora_vcpu_state s;
    struct agora_msg m;
    long r = sys_vm_create(CAP_INIT_POOL, 0, vm);

    if (r == -E_NOSYS) {
        agora_printf("kbench: no SVM here: vm_exit_round_trip skipped\n");
        agora_slot_free(vm);
        agora_slot_free(vcpu);
        agora_slot_free(ep);
        agora_slot_free(mem);
        return;
    }
    must(r, "sys_vm_create");
    must(sys_endpoint_create(CAP_INIT_POOL, ep), "sys_endpoint_create");
    must(sys_memory_create(CAP_INIT_POOL, 1, mem), "sys_memory_create");
    must(sys_map(CAP_SELF_TASK, mem, 0, SCRATCH_VADDR, 1, RIGHT_READ | RIGHT_WRITE), "sys_map");
    memcpy((void *)SCRATCH_VADDR, guest_loop, sizeof(guest_loop));
    must(sys_unmap(CAP_SELF_TASK, SCRATCH_VADDR, 1), "sys_unmap");
    must(sys_map(vm, mem, 0, GUEST_RIP, 1, RIGHT_READ | RIGHT_EXEC), "sys_map (guest)");
    must(sys_vcpu_create(vm, CAP_SELF_TASK, CAP_INIT_POOL, vcpu), "sys_vcpu_create");
    guest_state(&s);
    must(sys_vcpu_state_write(vcpu, &s), "sys_vcpu_state_write");
    must(sys_vcpu_start(vcpu, ep, PRIORITY), "sys_vcpu_start");
    must(sys_recv(ep, &m), "sys_recv (the first exit)");
    for (uint64_t b = 0; b < batches + WARMUP / BATCH; b++) {
        uint64_t t0 = rdtsc();

        for (unsigned i = 0; i < BATCH; i++) {
            if (IPC_LABEL(m.info) != IPC_LABEL_VCPU_EXIT || m.mr[VCPU_MR_CODE] != VCPU_EXIT_VMMCALL)
                must(-E_STATE, "the guest's exit (not a vmmcall)");
            m = (struct agora_msg){ IPC_INFO(IPC_LABEL_VCPU_RESUME, 2, 0, 0), 0,
                                    { VCPU_SET_RIP, GUEST_RIP + 3, 0, 0 } };
            must(sys_reply_recv(ep, &m), "sys_reply_recv (the exit)");
        }
        if (b >= WARMUP / BATCH)
            samples[b - WARMUP / BATCH] = rdtsc() - t0;
    }
    report("vm_exit_round_trip", 1);
    drop(vcpu);               /* it dies waiting for our answer */
    drop(vm);
    drop(mem);
    drop(ep);
}

int main(uint64_t arg)
{
    const char *mode;

    boot = (const struct agora_boot_info *)arg;
    if (arg != AGORA_BOOT_INFO_VADDR || boot->magic != AGORA_BOOT_MAGIC || boot->tsc_khz == 0) {
        agora_printf("kbench: no boot information (or no TSC rate): FAIL\n");
        agora_exit(1);
    }
    agora_slots_init(boot->first_free_slot);
    mode = cmdline_value("bench");
    if (!word_is(mode, "icount") && !word_is(mode, "wall")) {
        agora_printf("kbench: say bench=icount or bench=wall on the kernel command line: FAIL\n");
        finish(1);
    }
    icount = word_is(mode, "icount");
    batches = cmdline_number("iterations", DEFAULT_ITERATIONS) / BATCH;
    if (batches < 3)
        batches = 3;
    if (batches > MAX_BATCHES)
        batches = MAX_BATCHES;
    for (uint64_t i = 0; i < boot->nmodules && i < AGORA_BOOT_MAX_MODULES; i++)
        if (strncmp(boot->modules[i].name, "kbench-peer", sizeof(boot->modules[i].name)) == 0)
            peer_image = &boot->modules[i];
    if (!peer_image) {
        agora_printf("kbench: no boot module named kbench-peer: FAIL\n");
        finish(1);
    }
    agora_printf("kbench: %s, TSC %lu kHz, %lu batches of %u operations a figure\n",
                 icount ? "instructions (icount)" : "wall time", (unsigned long)boot->tsc_khz,
                 (unsigned long)batches, BATCH);

    bench_ipc_cross_as();
    bench_ipc_same_as();
    bench_notification();
    bench_page_fault();
    bench_map_unmap();
    bench_vm_exit();
    finish(0);
}
