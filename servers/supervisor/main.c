/*
 * supervisor: starts the drivers of its service table, watches them (death notification,
 * faults, heartbeat), restarts a dead or hung one with the same capabilities, and serves
 * proto/svc.h as "supervisor" (servers/supervisor/README.md).
 */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/svc.h>
#include <libagora/names.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "service.h"
#include "upload.h"
#include "watch.h"

#define SUPERVISOR_NAME "supervisor"
#define MODULES_VADDR   0x0000000010000000ull

struct supervisor sup = { .next_pid = SVC_PID_BASE };
static uint64_t ready_slot;          /* the receive slot READY's and ADD's capability arrives in */
static bool modules_mapped;          /* CAP_SVC_MODULES at MODULES_VADDR */

static void find_image(struct service *s);

/* ---- deaths and restarts ---- */

/* make bench's figure: under QEMU's icount the TSC counts instructions. */
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void report_restart(struct service *s, uint64_t delay)
{
    agora_printf("supervisor: %s died %u times within %lu ms: backing off, next start in %lu ms\n",
                 s->e.name, s->policy.burst, (unsigned long)(SVC_POLICY_WINDOW_US / 1000),
                 (unsigned long)(delay / 1000));
}

/* Starts s; when that fails for want of memory or slots, it tries again SUP_RETRY_US later. */
static void start(struct service *s)
{
    long r = service_start(s);

    if (r == 0)
        return;
    if (r == -E_NOENT) {
        agora_printf("supervisor: cannot start %s: no image\n", s->e.name);
        return;
    }
    agora_printf("supervisor: cannot start %s: %s: trying again in %lu ms\n", s->e.name, agora_error_name(r),
                 (unsigned long)(SUP_RETRY_US / 1000));
    s->state = SVC_BACKOFF;
    s->restart_at_us = (uint64_t)sys_clock() + SUP_RETRY_US;
}

static void died(struct service *s)
{
    uint64_t now = (uint64_t)sys_clock(), delay;
    bool injected = s->faults_left > 0 && s->fault_kind != SVC_FAULT_GARBAGE, never_ready;

    if (!s->alive)
        return;
    never_ready = s->state == SVC_STARTING;
    service_reap(s);
    s->died_us = now;
    s->died_tsc = rdtsc();
    s->restarts++;
    if (injected)
        s->faults_left--;        /* a fault we asked for: counted, not held against it */
    /* A driver that ends before READY found nothing to drive (no device): it is not retried forever. */
    s->unready_deaths = never_ready ? s->unready_deaths + 1 : 0;
    if (s->unready_deaths >= SUP_UNREADY_DEATHS && !s->restart_now) {
        agora_printf("supervisor: %s ended %u times before it was ready: not restarted (svc restart %s tries again)\n",
                     s->e.name, s->unready_deaths, s->e.name);
        s->state = SVC_STOPPED;
        return;
    }
    agora_printf("supervisor: %s (pid %lu) died after %lu ms: restarting\n", s->e.name,
                 (unsigned long)s->pid, (unsigned long)((now - s->started_us) / 1000));
    /* Deaths we caused (svc kill, restart, kill -9, injected faults) are not held against it. */
    delay = s->restart_now || injected ? 0 : svc_policy_death(&s->policy, now);
    s->restart_now = false;
    if (delay) {
        report_restart(s, delay);
        s->state = SVC_BACKOFF;
        s->restart_at_us = now + delay;
        return;
    }
    start(s);
}

static void deaths(uint64_t bits)
{
    for (unsigned i = 0; i < sup.n; i++)
        if (bits & (1ull << i))
            died(&sup.svc[i]);
}

/* Every SUP_TICK_US: due restarts, and hung drivers (a PING unanswered for too long). */
static void tick(void)
{
    uint64_t now = (uint64_t)sys_clock();

    for (unsigned i = 0; i < sup.n; i++) {
        struct service *s = &sup.svc[i];
        uint64_t ping = s->ping_start_us;

        if (s->state == SVC_BACKOFF && now >= s->restart_at_us)
            start(s);
        if (s->state == SVC_RUNNING && ping && now > ping && now - ping > watch_hang_us(s)) {
            agora_printf("supervisor: %s (pid %lu) has not answered a ping for %lu ms: hung, killing it\n",
                         s->e.name, (unsigned long)s->pid, (unsigned long)((now - ping) / 1000));
            s->ping_start_us = 0;
            service_kill(s);
        }
    }
}

static void fault(unsigned i, const struct agora_msg *m)
{
    struct service *s;

    if (i >= sup.n || !(s = &sup.svc[i])->alive)
        return;
    if (IPC_LABEL(m->info) == IPC_LABEL_PAGE_FAULT)
        agora_printf("supervisor: %s (pid %lu): page fault at 0x%lx (error 0x%lx) at rip 0x%lx: killed\n",
                     s->e.name, (unsigned long)s->pid, (unsigned long)m->mr[0], (unsigned long)m->mr[1],
                     (unsigned long)m->mr[2]);
    else
        agora_printf("supervisor: %s (pid %lu): exception %lu at rip 0x%lx: killed\n", s->e.name,
                     (unsigned long)s->pid, (unsigned long)m->mr[0], (unsigned long)m->mr[2]);
    service_kill(s);
}

/* ---- the protocol ---- */

struct request {
    uint64_t badge;
    unsigned ncaps;
};

static long named(const svc_name_t *name, struct service **s)
{
    long r = PROTO_STR_CHECK(*name);

    if (r < 0)
        return -E_INVAL;
    return (*s = service_find(name->bytes)) ? 0 : -E_NOENT;
}

static long do_info(void *ctx, const struct svc_info_req *rq, struct svc_info_rep *rp)
{
    const struct service *s;
    uint64_t now = (uint64_t)sys_clock();

    (void)ctx;
    if (rq->index >= sup.n)
        return -E_NOENT;
    s = &sup.svc[rq->index];
    PROTO_STR_SET(rp->name, s->e.name);
    rp->state = s->state;
    rp->pid = s->alive ? s->pid : 0;
    rp->restarts = s->restarts;
    rp->uptime_us = s->state == SVC_RUNNING || s->state == SVC_STARTING ? now - s->started_us : 0;
    rp->faults = s->faults_left;
    return 0;
}

static long do_restart(void *ctx, const struct svc_restart_req *rq, struct svc_restart_rep *rp)
{
    struct service *s;
    long r = named(&rq->name, &s);

    (void)ctx;
    (void)rp;
    if (r < 0)
        return r;
    svc_policy_reset(&s->policy);
    s->unready_deaths = 0;
    if (s->alive) {
        s->restart_now = true;
        service_kill(s);
        return 0;
    }
    if (!s->image)
        return -E_STATE;
    agora_printf("supervisor: starting %s as asked\n", s->e.name);
    return service_start(s);
}

static long do_kill(void *ctx, const struct svc_kill_req *rq, struct svc_kill_rep *rp)
{
    struct service *s;
    long r = named(&rq->name, &s);

    (void)ctx;
    (void)rp;
    if (r < 0)
        return r;
    if (!s->alive)
        return -E_STATE;
    agora_printf("supervisor: killing %s (pid %lu) as asked\n", s->e.name, (unsigned long)s->pid);
    s->restart_now = true;
    service_kill(s);
    return 0;
}

static long do_fault(void *ctx, const struct svc_fault_req *rq, struct svc_fault_rep *rp)
{
    struct service *s;
    long r = named(&rq->name, &s);

    (void)ctx;
    (void)rp;
    if (r < 0)
        return r;
    if (rq->kind >= SVC_FAULT_KINDS)
        return -E_INVAL;
    if (!s->ctl_valid)
        return -E_STATE;
    s->fault_gen++;
    s->fault_kind = rq->kind;
    s->faults_left = rq->kind == SVC_FAULT_NONE ? 0 : rq->count;
    watch_inject(s);
    agora_printf("supervisor: %s: %lu fault(s) of kind %lu armed\n", s->e.name, (unsigned long)s->faults_left,
                 (unsigned long)s->fault_kind);
    return 0;
}

static long do_kill_pid(void *ctx, const struct svc_kill_pid_req *rq, struct svc_kill_pid_rep *rp)
{
    (void)ctx;
    (void)rp;
    if (rq->sig < 0 || rq->sig >= 64)
        return -E_INVAL;
    for (unsigned i = 0; i < sup.n; i++) {
        struct service *s = &sup.svc[i];

        if (s->alive && (int64_t)s->pid == rq->pid) {
            if (rq->sig != 0) {
                agora_printf("supervisor: signal %ld to %s (pid %lu): killed\n", (long)rq->sig, s->e.name,
                             (unsigned long)s->pid);
                s->restart_now = true;
                service_kill(s);
            }
            return 0;
        }
    }
    return -E_SRCH;
}

static long do_ready(void *ctx, const struct svc_ready_req *rq, struct svc_ready_rep *rp)
{
    const struct request *req = ctx;
    uint64_t i = SUP_BADGE_INDEX(req->badge);
    struct service *s = &sup.svc[i];
    long info;

    (void)rq;
    (void)rp;
    if (SUP_BADGE_KIND(req->badge) != 2 || i >= sup.n || !s->alive)
        return -E_PERM;
    if (req->ncaps != SVC_READY_CAPS)
        return -E_RANGE;
    info = sys_cap_info(ready_slot);
    if (info < 0 || AGORA_CAP_INFO_TYPE(info) != OBJ_ENDPOINT)
        return -E_TYPE;
    sys_cap_delete(s->ctl);
    if ((info = sys_cap_copy(ready_slot, s->ctl, RIGHT_WRITE, 0)) < 0)
        return info;
    s->ctl_valid = true;
    s->state = SVC_RUNNING;
    s->ready_us = (uint64_t)sys_clock();
    s->pong_us = s->ready_us;
    if (s->restarts)
        agora_printf("supervisor: %s (pid %lu) serving again, %lu us after its death (%lu tsc)\n", s->e.name,
                     (unsigned long)s->pid, (unsigned long)(s->ready_us - s->died_us),
                     (unsigned long)(rdtsc() - s->died_tsc));
    if (s->faults_left)
        watch_inject(s);
    return 0;
}

/* ---- ADD and IMAGE: new services (upload.c holds an image under way) ---- */

/* Adds e with its image as the next service and starts it: its index, or an error. */
static long add_service(const struct svc_entry *e, uint64_t image, uint64_t image_size)
{
    struct service *s = &sup.svc[sup.n];
    long r;

    if (sup.n == SVC_TABLE_MAX)
        return -E_NOMEM;
    memset(s, 0, sizeof(*s));
    s->e = *e;
    s->image = image;
    s->image_size = image_size;
    if ((r = service_prepare(s, sup.n)) < 0)
        return r;
    agora_printf("supervisor: %s added\n", s->e.name);
    start(s);
    return sup.n++;
}

static long do_add(void *ctx, const struct svc_add_req *rq, struct svc_add_rep *rp)
{
    const struct request *req = ctx;
    struct service probe;
    struct svc_entry e;
    unsigned bad;
    long r;

    (void)rp;
    if (PROTO_STR_CHECK(rq->line) < 0)
        return -E_INVAL;
    if (req->ncaps)
        return -E_RANGE;
    if ((r = svc_table_parse(rq->line.bytes, rq->line.len, &e, 1, &bad)) < 0)
        return r;
    if (r != 1)
        return -E_INVAL;
    if (service_find(e.name))
        return -E_EXIST;
    if (sup.n == SVC_TABLE_MAX)
        return -E_NOMEM;
    if (rq->image_bytes)
        return upload_begin(req->badge, &e, rq->image_bytes);
    memset(&probe, 0, sizeof(probe));
    probe.e = e;
    find_image(&probe);
    if (!probe.image)
        return -E_NOENT;
    r = add_service(&e, probe.image, probe.image_size);
    return r < 0 ? r : 0;
}

static long do_image(void *ctx, const struct svc_image_req *rq, struct svc_image_rep *rp)
{
    const struct request *req = ctx;
    struct svc_entry e;
    uint64_t image, size;
    long r = upload_data(req->badge, rq->offset, rq->len, rq->bytes, &e, &image, &size);

    if (r <= 0)
        return r;                    /* an error, or more to come (done 0) */
    if (service_find(e.name))        /* added meanwhile from the boot table's name space: refuse */
        r = -E_EXIST;
    else
        r = add_service(&e, image, size);
    if (r < 0) {
        sys_cap_delete(image);
        agora_slot_free(image);
        return r;
    }
    rp->done = 1;
    rp->index = (uint64_t)r;
    return 0;
}

static const struct svc_handlers handlers = {
    .svc_add = do_add,
    .svc_image = do_image,
    .svc_info = do_info,
    .svc_restart = do_restart,
    .svc_kill = do_kill,
    .svc_fault = do_fault,
    .svc_kill_pid = do_kill_pid,
    .svc_ready = do_ready,
};

/* ---- the loop ---- */

/* Turns *m into its reply; false: no reply (a fault message: the thread dies unanswered). */
static bool handle(struct agora_msg *m)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS], in_bytes, out_bytes = 0;
    uint32_t label = IPC_LABEL(m->info);
    struct request req = { .badge = m->badge, .ncaps = IPC_CAPS(m->info) };
    long status;

    if (SUP_BADGE_KIND(m->badge) == 3) {
        fault((unsigned)SUP_BADGE_INDEX(m->badge), m);
        return false;
    }
    if (m->badge == SUP_DEATH_BADGE || m->badge == SUP_TICK_BADGE) {
        if (m->badge == SUP_DEATH_BADGE)
            deaths(m->mr[0]);
        else
            tick();
        *m = (struct agora_msg){ .info = IPC_INFO(0, 0, 0, 0) };
        return true;
    }
    memset(out, 0, sizeof(out));
    in_bytes = proto_unpack_any(m, b, in);
    status = svc_dispatch(&handlers, &req, label, in, in_bytes, out, &out_bytes);
    /* A capability nobody kept goes; the receive slot is offered again. */
    sys_cap_delete(ready_slot);
    proto_reply_pack(m, b, status, out, out_bytes, 0);
    return true;
}

/* The boot module (CAP_SVC_MODULES, mapped by find_images) s's image= names, if init handed it over. */
static void find_image(struct service *s)
{
    const struct svc_boot_modules *mods = (const struct svc_boot_modules *)MODULES_VADDR;

    for (uint64_t k = 0; modules_mapped && k < mods->count && k < SVC_MAX_BOOT_MODULES; k++)
        if (strncmp(s->e.image, mods->modules[k].name, sizeof(mods->modules[k].name)) == 0) {
            s->image = CAP_SVC_FIRST_MODULE + k;
            s->image_size = mods->modules[k].size;
        }
}

static void find_images(void)
{
    if (sys_map(CAP_SELF_TASK, CAP_SVC_MODULES, 0, MODULES_VADDR, 1, RIGHT_READ) < 0) {
        agora_printf("supervisor: no module page from init: nothing to start\n");
        return;
    }
    modules_mapped = true;
    for (unsigned i = 0; i < sup.n; i++)
        find_image(&sup.svc[i]);
}

static long setup(void)
{
    static const char table[] = SVC_BOOT_TABLE;
    static struct svc_entry entries[SVC_TABLE_MAX];
    unsigned bad = 0;
    long r, s;

    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    if ((r = svc_table_parse(table, sizeof(table) - 1, entries, SVC_TABLE_MAX, &bad)) < 0) {
        agora_printf("supervisor: the boot table, line %u: %s\n", bad, agora_error_name(r));
        return r;
    }
    for (long i = 0; i < r; i++)
        sup.svc[i].e = entries[i];
    sup.n = (unsigned)r;
    if ((s = agora_slot_alloc()) < 0)
        return s;
    sup.ep = (uint64_t)s;
    if ((r = sys_endpoint_create(CAP_CHILD_POOL, sup.ep)) < 0)
        return r;
    if ((s = agora_slot_alloc()) < 0)
        return s;
    sup.deaths = (uint64_t)s;
    if ((r = sys_notify_create(CAP_CHILD_POOL, sup.deaths)) < 0)
        return r;
    if ((s = agora_slot_alloc()) < 0)
        return s;
    ready_slot = (uint64_t)s;
    for (unsigned i = 0; i < sup.n; i++)
        if ((r = service_prepare(&sup.svc[i], i)) < 0)
            return r;
    find_images();
    return watch_start();
}

int main(uint64_t arg)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct agora_msg m;
    long r;

    (void)arg;
    if ((r = setup()) < 0) {
        agora_printf("supervisor: cannot start: %s\n", agora_error_name(r));
        return 1;
    }
    for (unsigned i = 0; i < sup.n; i++) {
        if (sup.svc[i].image)
            start(&sup.svc[i]);
        else
            agora_printf("supervisor: %s: no boot module %s: not started\n", sup.svc[i].e.name,
                         sup.svc[i].e.image);
    }
    if ((r = names_register(SUPERVISOR_NAME, sup.ep)) < 0)
        agora_printf("supervisor: cannot register with names: %s\n", agora_error_name(r));
    agora_printf("supervisor: %u services, serving\n", sup.n);
    agora_ipc_accept_nothing(b);
    b->recv_cap_slots[0] = ready_slot;
    r = sys_recv(sup.ep, &m);
    for (;;) {
        if (r < 0) {
            agora_printf("supervisor: receiving failed: %s\n", agora_error_name(r));
            return 1;
        }
        bool answer = handle(&m);

        b->recv_cap_slots[0] = ready_slot;
        r = answer ? sys_reply_recv(sup.ep, &m) : sys_recv(sup.ep, &m);
    }
}
