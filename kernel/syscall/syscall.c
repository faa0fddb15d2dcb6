/*
 * System-call dispatch. The handler table is derived from AGORA_SYSCALL_LIST, so the
 * compiler insists on one handler per call. Each handler validates every argument
 * before it changes anything, and returns a result or a negated error.
 */
#include "agora/errors.h"
#include "agora/ipc.h"
#include "agora/syscalls.h"
#include "agora/vcpu.h"
#include "arch/x86_64/cpu/ioperm.h"
#include "arch/x86_64/cpu/trap.h"
#include "arch/x86_64/dev/serial.h"
#include "arch/x86_64/dev/timer.h"
#include "arch/x86_64/mm/paging.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/svm/svm.h"
#include "lib/log.h"
#include "lib/string.h"
#include "object/cap.h"
#include "object/device.h"
#include "object/endpoint.h"
#include "object/memory.h"
#include "object/notification.h"
#include "object/task.h"
#include "object/vcpu.h"
#include "object/vm.h"
#include "sched/sched.h"
#include "syscall/kcheck.h"
#include "mm/pmm.h"
#include "mm/vspace.h"

/*
 * Returned by handlers that left their result in the frame themselves (IPC). Every handler
 * that may switch away does so, before it switches: a thread suspended meanwhile may get
 * new registers (SYS_THREAD_RESUME) that nothing may overwrite when it comes back.
 */
#define KEEP_FRAME ((long)0x7FFFFFFFFFFFFFFF)

#define A0 (f->rdi)
#define A1 (f->rsi)
#define A2 (f->rdx)
#define A3 (f->r10)
#define A4 (f->r8)
#define A5 (f->r9)

#define DEBUG_PUTS_MAX 4096
/* The kernel is not preemptible: one map or unmap call covers at most 256 MiB. */
#define MAP_MAX_PAGES (1ull << 16)
/* Pages charged to a pool for kernel objects (their kernel memory). */
#define THREAD_POOL_PAGES 3
#define SMALL_OBJECT_POOL_PAGES 1

static task_t *cur_task(void) { return sched_current()->task; }
static cap_table_t *cur_caps(void) { return cur_task()->caps; }

/* Looks up a capability of the current task or returns its error from the handler. */
#define LOOKUP(slot, type, rights, out)                                        \
    do {                                                                       \
        int err_ = cap_lookup(cur_caps(), (slot), (type), (rights), (out));    \
        if (err_)                                                              \
            return err_;                                                       \
    } while (0)

#define EMPTY_SLOT(slot, out)                                                  \
    do {                                                                       \
        int err_ = cap_empty_slot(cur_caps(), (slot), (out));                  \
        if (err_)                                                              \
            return err_;                                                       \
    } while (0)

#define DECLARE_HANDLER(name, num, doc) static long handle_##name(trap_frame_t *f);
AGORA_SYSCALL_LIST(DECLARE_HANDLER)
#undef DECLARE_HANDLER

typedef long (*syscall_handler_t)(trap_frame_t *f);
/* A number the list skips (48, 49): no such call. */
static long handle_unassigned(trap_frame_t *f)
{
    (void)f;
    return -E_NOSYS;
}

/* Every slot filled, the unassigned ones first, so dispatch needs no check for holes. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const syscall_handler_t handlers[SYS_COUNT] = {
    [0 ... SYS_COUNT - 1] = handle_unassigned,
#define HANDLER_ENTRY(name, num, doc) [name] = handle_##name,
    AGORA_SYSCALL_LIST(HANDLER_ENTRY)
#undef HANDLER_ENTRY
};
#pragma GCC diagnostic pop

/* ---- misc ---- */

static long handle_SYS_DEBUG_PUTS(trap_frame_t *f)
{
    static char buf[DEBUG_PUTS_MAX];
    if (A1 > DEBUG_PUTS_MAX)
        return -E_RANGE;
    int err = copy_from_user(cur_task()->root, buf, A0, A1);
    if (err)
        return err;
    for (uint64_t i = 0; i < A1; i++)
        serial_putc(buf[i]);
    return (long)A1;
}

static long handle_SYS_YIELD(trap_frame_t *f)
{
    f->rax = 0;
    sched_yield();
    return KEEP_FRAME;
}

static long handle_SYS_SLEEP(trap_frame_t *f)
{
    uint64_t us = A0;
    if (us > 3600ull * 1000000)
        return -E_RANGE;
    uint64_t ticks = (us * TIMER_HZ + 999999) / 1000000;
    if (ticks == 0)
        return 0;
    sched_sleep(ticks);
    return KEEP_FRAME;   /* 0 from the timer, or -E_INTR */
}

static long handle_SYS_CLOCK(trap_frame_t *f)
{
    (void)f;
    return (long)timer_uptime_us();
}

/* ---- capabilities ---- */

static bool badge_allowed(const cap_t *src, uint64_t badge)
{
    if (badge == 0)
        return true;
    uint32_t type = src->obj->type;
    if (type != OBJ_ENDPOINT && type != OBJ_NOTIFICATION)
        return false;
    if (src->badge != 0)
        return false;   /* a badge, once set, is fixed */
    return type != OBJ_NOTIFICATION || (badge >> 63) == 0;
}

static long handle_SYS_CAP_COPY(trap_frame_t *f)
{
    cap_t *src, *dst;
    LOOKUP(A0, OBJ_NONE, RIGHT_COPY, &src);
    EMPTY_SLOT(A1, &dst);
    if (A2 & ~(uint64_t)RIGHTS_ALL)
        return -E_INVAL;
    if (!badge_allowed(src, A3))
        return -E_INVAL;
    cap_install(dst, src->obj, src->rights & (uint32_t)A2, A3 ? A3 : src->badge, src);
    return 0;
}

static long handle_SYS_CAP_DELETE(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_NONE, 0, &c);
    cap_delete(c);
    return 0;
}

static long handle_SYS_CAP_REVOKE(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_NONE, 0, &c);
    cap_revoke(c);
    return 0;
}

static long handle_SYS_CAP_INFO(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_NONE, 0, &c);
    return (long)(c->obj->type | ((uint64_t)c->rights << 8) | ((uint64_t)(c->badge != 0) << 16));
}

static long handle_SYS_CAP_GIVE(trap_frame_t *f)
{
    cap_t *tc, *src, *dst;
    LOOKUP(A0, OBJ_TASK, RIGHT_MANAGE, &tc);
    LOOKUP(A1, OBJ_NONE, RIGHT_COPY, &src);
    task_t *t = (task_t *)tc->obj;
    if (t->dead)
        return -E_DEAD;
    int err = cap_empty_slot(t->caps, A2, &dst);
    if (err)
        return err;
    if (A3 & ~(uint64_t)RIGHTS_ALL)
        return -E_INVAL;
    cap_install(dst, src->obj, src->rights & (uint32_t)A3, src->badge, src);
    endpoint_note_receive_right(dst, t);
    return 0;
}

/* ---- tasks and threads ---- */

static long handle_SYS_TASK_CREATE(trap_frame_t *f)
{
    cap_t *pc, *dst;
    LOOKUP(A0, OBJ_POOL, RIGHT_MANAGE, &pc);
    EMPTY_SLOT(A1, &dst);
    task_t *t = task_create((pool_t *)pc->obj);
    if (!t)
        return -E_NOMEM;
    cap_install(dst, &t->obj, RIGHTS_ALL, 0, 0);
    return 0;
}

static long handle_SYS_TASK_KILL(trap_frame_t *f)
{
    cap_t *tc;
    LOOKUP(A0, OBJ_TASK, RIGHT_MANAGE, &tc);
    task_kill((task_t *)tc->obj, (int64_t)A1);
    return 0;   /* if we killed ourselves, the dispatcher never returns to us */
}

static long handle_SYS_TASK_WATCH(trap_frame_t *f)
{
    cap_t *tc, *nc;
    LOOKUP(A0, OBJ_TASK, 0, &tc);
    LOOKUP(A1, OBJ_NOTIFICATION, RIGHT_WRITE, &nc);
    return task_watch((task_t *)tc->obj, (notification_t *)nc->obj, nc->badge ? nc->badge : 1);
}

static long handle_SYS_TASK_UNWATCH(trap_frame_t *f)
{
    cap_t *tc, *nc;
    LOOKUP(A0, OBJ_TASK, 0, &tc);
    LOOKUP(A1, OBJ_NOTIFICATION, RIGHT_WRITE, &nc);
    return task_unwatch((task_t *)tc->obj, (notification_t *)nc->obj);
}

static long handle_SYS_THREAD_CREATE(trap_frame_t *f)
{
    cap_t *tc, *pc, *dst;
    LOOKUP(A0, OBJ_TASK, RIGHT_MANAGE, &tc);
    LOOKUP(A1, OBJ_POOL, RIGHT_MANAGE, &pc);
    EMPTY_SLOT(A2, &dst);
    task_t *t = (task_t *)tc->obj;
    if (t->dead)
        return -E_DEAD;
    pool_t *pool = (pool_t *)pc->obj;
    if (pool_charge(pool, THREAD_POOL_PAGES) != 0)
        return -E_NOMEM;
    thread_t *th = thread_create(t);
    if (!th) {
        pool_refund(pool, THREAD_POOL_PAGES);
        return -E_NOMEM;
    }
    kobject_charge(&th->obj, pool, THREAD_POOL_PAGES);
    cap_install(dst, &th->obj, RIGHTS_ALL, 0, 0);
    return 0;
}

static long handle_SYS_THREAD_SETUP(trap_frame_t *f)
{
    cap_t *thc, *epc = 0;
    LOOKUP(A0, OBJ_THREAD, RIGHT_MANAGE, &thc);
    uint64_t buffer = A1, prio = A3;
    if (buffer && (buffer & (PAGE_SIZE - 1)))
        return -E_ALIGN;
    if (buffer && !user_range_ok(buffer, PAGE_SIZE))
        return -E_FAULT;
    if (A2 != CAP_NULL)
        LOOKUP(A2, OBJ_ENDPOINT, RIGHT_WRITE, &epc);
    if (prio > sched_current()->priority)
        return -E_PERM;   /* nobody hands out more priority than it has */
    thread_t *th = (thread_t *)thc->obj;
    if (th->state == TS_DEAD)
        return -E_DEAD;
    th->ipc_buffer = buffer;
    if (th->fault_ep)
        kobject_unref(&th->fault_ep->obj);
    th->fault_ep = epc ? (endpoint_t *)epc->obj : 0;
    th->fault_badge = epc ? epc->badge : 0;
    if (epc)
        kobject_ref(epc->obj);
    if (th->state == TS_READY && th != sched_current()) {
        sched_remove(th);
        th->priority = (uint8_t)prio;
        sched_make_ready(th);
    } else {
        th->priority = (uint8_t)prio;
    }
    return 0;
}

static long handle_SYS_THREAD_START(trap_frame_t *f)
{
    cap_t *thc;
    LOOKUP(A0, OBJ_THREAD, RIGHT_MANAGE, &thc);
    thread_t *th = (thread_t *)thc->obj;
    if (th->state != TS_INACTIVE)
        return -E_STATE;
    if (!user_range_ok(A1, 1) || A2 > USER_TOP)
        return -E_FAULT;
    thread_start(th, A1, A2, A3);
    return 0;
}

#define RFLAGS_USER_ARITH 0xCD5ull   /* CF PF AF ZF SF DF OF */

/* A register state for another thread, from user memory: -E_FAULT for a bad pointer, a rip
 * outside user space or an rsp above USER_TOP. */
static int regs_from_user(uint64_t uaddr, struct agora_regs *r)
{
    int err = copy_from_user(cur_task()->root, r, uaddr, sizeof *r);
    if (err)
        return err;
    return user_range_ok(r->rip, 1) && r->rsp <= USER_TOP ? 0 : -E_FAULT;
}

/* Every general register, rip, rsp and the arithmetic flags; segments and IF stay the kernel's. */
static void regs_to_frame(trap_frame_t *tf, const struct agora_regs *r)
{
    tf->rax = r->rax; tf->rbx = r->rbx; tf->rcx = r->rcx; tf->rdx = r->rdx;
    tf->rsi = r->rsi; tf->rdi = r->rdi; tf->rbp = r->rbp; tf->rsp = r->rsp;
    tf->r8 = r->r8; tf->r9 = r->r9; tf->r10 = r->r10; tf->r11 = r->r11;
    tf->r12 = r->r12; tf->r13 = r->r13; tf->r14 = r->r14; tf->r15 = r->r15;
    tf->rip = r->rip;
    tf->rflags = (tf->rflags & ~RFLAGS_USER_ARITH) | (r->rflags & RFLAGS_USER_ARITH);
}

static long handle_SYS_THREAD_START_REGS(trap_frame_t *f)
{
    cap_t *thc;
    struct agora_regs r;
    LOOKUP(A0, OBJ_THREAD, RIGHT_MANAGE, &thc);
    thread_t *th = (thread_t *)thc->obj;
    int err = regs_from_user(A1, &r);
    if (err)
        return err;
    if (th->state != TS_INACTIVE)
        return -E_STATE;
    thread_start(th, r.rip, r.rsp, r.rdi);
    regs_to_frame(th->frame, &r);
    return 0;
}

static long handle_SYS_THREAD_SUSPEND(trap_frame_t *f)
{
    cap_t *thc;
    LOOKUP(A0, OBJ_THREAD, RIGHT_MANAGE, &thc);
    thread_t *th = (thread_t *)thc->obj;
    if (A1 != 0 && A1 != THREAD_SUSPEND_INTERRUPT)
        return -E_INVAL;
    if (th->state == TS_DEAD)
        return -E_DEAD;
    if (th == sched_current() || th->state == TS_INACTIVE)
        return -E_STATE;
    return thread_suspend(th, A1 == THREAD_SUSPEND_INTERRUPT);
}

static long handle_SYS_THREAD_RESUME(trap_frame_t *f)
{
    cap_t *thc;
    struct agora_regs r;
    LOOKUP(A0, OBJ_THREAD, RIGHT_MANAGE, &thc);
    thread_t *th = (thread_t *)thc->obj;
    if (A1) {
        int err = regs_from_user(A1, &r);
        if (err)
            return err;
    }
    if (th->state == TS_DEAD)
        return -E_DEAD;
    /* New registers only where the old ones are final: not in the middle of a call. */
    if (!th->suspended || (A1 && th->state != TS_READY))
        return -E_STATE;
    if (A1)
        regs_to_frame(th->frame, &r);
    thread_resume(th);
    return 0;
}

static long handle_SYS_THREAD_EXIT(trap_frame_t *f)
{
    (void)f;
    thread_t *cur = sched_current();
    task_t *t = cur->task;
    thread_kill(cur);
    task_remove_thread(t, cur);
    return 0;   /* never seen: the dispatcher schedules away from a dead thread */
}

static long handle_SYS_THREAD_REGS(trap_frame_t *f)
{
    cap_t *thc;
    LOOKUP(A0, OBJ_THREAD, RIGHT_MANAGE, &thc);
    thread_t *th = (thread_t *)thc->obj;
    if (th == sched_current())
        return -E_STATE;
    trap_frame_t *tf = th->frame;
    struct agora_regs r = {
        tf->rax, tf->rbx, tf->rcx, tf->rdx, tf->rsi, tf->rdi, tf->rbp, tf->rsp,
        tf->r8, tf->r9, tf->r10, tf->r11, tf->r12, tf->r13, tf->r14, tf->r15,
        tf->rip, tf->rflags,
    };
    return copy_to_user(cur_task()->root, A1, &r, sizeof r);
}

/* ---- IPC ---- */

static long create_small(trap_frame_t *f, kobject_t *(*make)(void), cap_t **made)
{
    cap_t *pc, *dst;
    LOOKUP(A0, OBJ_POOL, RIGHT_MANAGE, &pc);
    EMPTY_SLOT(A1, &dst);
    pool_t *pool = (pool_t *)pc->obj;
    if (pool_charge(pool, SMALL_OBJECT_POOL_PAGES) != 0)
        return -E_NOMEM;
    kobject_t *o = make();
    if (!o) {
        pool_refund(pool, SMALL_OBJECT_POOL_PAGES);
        return -E_NOMEM;
    }
    kobject_charge(o, pool, SMALL_OBJECT_POOL_PAGES);
    cap_install(dst, o, RIGHTS_ALL, 0, 0);
    *made = dst;
    return 0;
}

static kobject_t *make_endpoint(void) { endpoint_t *e = endpoint_create(); return e ? &e->obj : 0; }
static kobject_t *make_notification(void) { notification_t *n = notification_create(); return n ? &n->obj : 0; }

static long handle_SYS_ENDPOINT_CREATE(trap_frame_t *f)
{
    cap_t *c;
    long r = create_small(f, make_endpoint, &c);
    if (r == 0)
        endpoint_note_receive_right(c, cur_task());
    return r;
}

static long handle_SYS_NOTIFY_CREATE(trap_frame_t *f)
{
    cap_t *c;
    return create_small(f, make_notification, &c);
}

static long send_or_call(trap_frame_t *f, bool call)
{
    cap_t *c;
    LOOKUP(A0, OBJ_ENDPOINT, RIGHT_WRITE, &c);
    if (call && ipc_fast_call((endpoint_t *)c->obj, c->badge, A1))
        return KEEP_FRAME;
    ipc_send((endpoint_t *)c->obj, c->badge, c->rights, A1, call);
    return KEEP_FRAME;
}

static long handle_SYS_SEND(trap_frame_t *f) { return send_or_call(f, false); }
static long handle_SYS_CALL(trap_frame_t *f) { return send_or_call(f, true); }

static long handle_SYS_RECV(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_ENDPOINT, RIGHT_READ, &c);
    ipc_recv((endpoint_t *)c->obj);
    return KEEP_FRAME;
}

static long handle_SYS_REPLY(trap_frame_t *f)
{
    ipc_reply(A1);
    return KEEP_FRAME;
}

static long handle_SYS_REPLY_RECV(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_ENDPOINT, RIGHT_READ, &c);
    /* The reply's words are in rdx.. as for a send; its info is the second argument. */
    if (!ipc_fast_reply_recv((endpoint_t *)c->obj, A1))
        ipc_reply_recv((endpoint_t *)c->obj, A1);
    return KEEP_FRAME;
}

static long handle_SYS_REPLY_SAVE(trap_frame_t *f)
{
    cap_t *dst;
    EMPTY_SLOT(A0, &dst);
    reply_t *r;
    int err = reply_save(&r);
    if (err)
        return err;
    cap_install(dst, &r->obj, RIGHT_WRITE | RIGHT_COPY | RIGHT_GRANT, 0, 0);
    return 0;
}

static long handle_SYS_REPLY_TO(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_REPLY, RIGHT_WRITE, &c);
    int err = reply_through((reply_t *)c->obj, A1);
    if (err)
        return err;
    cap_delete(c);   /* one shot: after the delete, nothing can answer twice */
    return 0;
}

static long handle_SYS_SIGNAL(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_NOTIFICATION, RIGHT_WRITE, &c);
    notification_signal((notification_t *)c->obj, c->badge ? c->badge : 1);
    return 0;   /* the dispatcher switches if the signal woke a higher priority */
}

static long handle_SYS_WAIT(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_NOTIFICATION, RIGHT_READ, &c);
    notification_wait((notification_t *)c->obj);
    return KEEP_FRAME;
}

static long handle_SYS_POLL(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_NOTIFICATION, RIGHT_READ, &c);
    uint64_t w = notification_poll((notification_t *)c->obj);
    return w ? (long)w : -E_AGAIN;
}

/* ---- memory ---- */

static long handle_SYS_MEMORY_CREATE(trap_frame_t *f)
{
    cap_t *pc, *dst;
    LOOKUP(A0, OBJ_POOL, RIGHT_MANAGE, &pc);
    EMPTY_SLOT(A2, &dst);
    if (A1 == 0 || A1 > MAP_MAX_PAGES)
        return -E_RANGE;
    memory_t *m = memory_create((pool_t *)pc->obj, A1);
    if (!m)
        return -E_NOMEM;
    cap_install(dst, &m->obj, RIGHTS_ALL, 0, 0);
    return 0;
}

/* The address space SYS_MAP and SYS_UNMAP name: a task's, or a VM's (guest-physical). */
static int space_lookup(uint64_t slot, task_t **out)
{
    cap_t *c;
    int err = cap_lookup(cur_caps(), slot, OBJ_NONE, 0, &c);
    if (err)
        return err;
    if (c->obj->type == OBJ_VM && !svm_available())
        return -E_NOSYS;
    if (c->obj->type != OBJ_TASK && c->obj->type != OBJ_VM)
        return -E_TYPE;
    if (!(c->rights & RIGHT_MANAGE))
        return -E_PERM;
    *out = (task_t *)c->obj;
    return 0;
}

static bool space_range_ok(task_t *t, uint64_t va, uint64_t len)
{
    if (space_is_vm(t))
        return va < VM_GPA_LIMIT && len <= VM_GPA_LIMIT - va;
    return user_range_ok(va, len);
}

static long handle_SYS_MAP(trap_frame_t *f)
{
    cap_t *mc;
    task_t *t;
    uint64_t off = A2, va = A3, pages = A4, rights = A5;
    int err = space_lookup(A0, &t);
    if (err)
        return err;
    if (rights & ~(uint64_t)(RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC) || !(rights & RIGHT_READ))
        return -E_INVAL;
    if ((rights & RIGHT_WRITE) && (rights & RIGHT_EXEC) && !space_is_vm(t))
        return -E_INVAL;   /* W^X for user pages too (guest memory is data to the host) */
    LOOKUP(A1, OBJ_MEMORY, (uint32_t)rights, &mc);
    memory_t *m = (memory_t *)mc->obj;
    if (t->dead)
        return -E_DEAD;
    if (pages == 0 || pages > m->npages || off > m->npages - pages)
        return -E_RANGE;
    if (va & (PAGE_SIZE - 1))
        return -E_ALIGN;
    if (!space_range_ok(t, va, pages * PAGE_SIZE))
        return -E_FAULT;
    for (uint64_t i = 0; i < pages; i++)
        if (mapping_find(t, va + i * PAGE_SIZE))
            return -E_EXIST;
    for (uint64_t i = 0; i < pages; i++) {
        int err = mapping_create(t, va + i * PAGE_SIZE, m, off + i, (uint32_t)rights, 0);
        if (err) {
            while (i--)
                mapping_remove_tree(mapping_find(t, va + i * PAGE_SIZE));
            return err;
        }
    }
    return 0;
}

static long handle_SYS_UNMAP(trap_frame_t *f)
{
    task_t *t;
    uint64_t va = A1, pages = A2;
    int err = space_lookup(A0, &t);
    if (err)
        return err;
    if (va & (PAGE_SIZE - 1))
        return -E_ALIGN;
    if (pages > MAP_MAX_PAGES || !space_range_ok(t, va, pages * PAGE_SIZE))
        return -E_FAULT;
    long n = 0;
    for (uint64_t i = 0; i < pages; i++) {
        mapping_t *m = mapping_find(t, va + i * PAGE_SIZE);
        if (m) {
            mapping_remove_tree(m);
            n++;
        }
    }
    return n;
}

static long handle_SYS_MEMORY_INFO(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_MEMORY, 0, &c);
    return (long)((memory_t *)c->obj)->npages;
}

static long handle_SYS_POOL_SPLIT(trap_frame_t *f)
{
    cap_t *pc, *dst;
    LOOKUP(A0, OBJ_POOL, RIGHT_MANAGE, &pc);
    EMPTY_SLOT(A2, &dst);
    if (A1 == 0 || A1 > (1ull << 40))
        return -E_RANGE;
    pool_t *p = pool_split((pool_t *)pc->obj, A1);
    if (!p)
        return -E_NOMEM;
    cap_install(dst, &p->obj, pc->rights, 0, 0);
    return 0;
}

static long handle_SYS_POOL_INFO(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_POOL, 0, &c);
    return (long)((pool_t *)c->obj)->pages_left;
}

/* ---- devices ---- */

static long handle_SYS_IRQ_CREATE(trap_frame_t *f)
{
    cap_t *cc, *dst;
    LOOKUP(A0, OBJ_IRQ_CONTROL, RIGHT_MANAGE, &cc);
    EMPTY_SLOT(A2, &dst);
    irq_t *irq;
    int err = irq_create((unsigned)(A1 < IRQ_LINES ? A1 : IRQ_LINES), &irq);
    if (err)
        return err;
    cap_install(dst, &irq->obj, RIGHTS_ALL, 0, 0);
    return 0;
}

static long handle_SYS_IRQ_BIND(trap_frame_t *f)
{
    cap_t *ic, *nc;
    LOOKUP(A0, OBJ_IRQ, RIGHT_MANAGE, &ic);
    LOOKUP(A1, OBJ_NOTIFICATION, RIGHT_WRITE, &nc);
    return irq_bind((irq_t *)ic->obj, (notification_t *)nc->obj, nc->badge);
}

static long handle_SYS_IRQ_ACK(trap_frame_t *f)
{
    cap_t *ic;
    LOOKUP(A0, OBJ_IRQ, RIGHT_MANAGE, &ic);
    return irq_ack((irq_t *)ic->obj);
}

static long handle_SYS_IOPORT_CREATE(trap_frame_t *f)
{
    cap_t *pc, *dst;
    LOOKUP(A0, OBJ_IOPORT, RIGHT_COPY, &pc);
    EMPTY_SLOT(A3, &dst);
    ioport_t *parent = (ioport_t *)pc->obj;
    uint64_t first = A1, count = A2;
    if (count == 0 || first < parent->first || first > parent->first + parent->count ||
        count > parent->first + parent->count - first)
        return -E_RANGE;
    ioport_t *p = ioport_create((uint32_t)first, (uint32_t)count);
    if (!p)
        return -E_NOMEM;
    cap_install(dst, &p->obj, pc->rights, 0, pc);
    return 0;
}

static long handle_SYS_IOPORT_ENABLE(trap_frame_t *f)
{
    cap_t *pc;
    LOOKUP(A0, OBJ_IOPORT, RIGHT_READ | RIGHT_WRITE, &pc);
    ioport_t *p = (ioport_t *)pc->obj;
    int err = ioperm_enable(cur_task(), p->first, p->count);
    /* The TSS holds the bitmap of the task that last switched in: ours, with the new
     * ports, must be there when we return, not only after the next context switch. */
    if (err == 0)
        ioperm_activate(cur_task());
    return err;
}

static long handle_SYS_MACHINE_HALT(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_MACHINE, RIGHT_MANAGE, &c);
    if (A1 > EXIT_PANIC)
        return -E_INVAL;
    log_line("kernel", "halt requested by task %lu (code %lu)", (unsigned long)cur_task()->id,
             (unsigned long)A1);
    machine_halt((enum exit_code)A1);
}

static long handle_SYS_KERNEL_STATS(trap_frame_t *f)
{
    cap_t *c;
    LOOKUP(A0, OBJ_MACHINE, 0, &c);
    struct agora_kernel_stats st;
    kcheck_collect(&st);
    return copy_to_user(cur_task()->root, A1, &st, sizeof st);
}

static long handle_SYS_DEVICE_MEMORY(trap_frame_t *f)
{
    cap_t *c, *dst;
    uint64_t phys = A1, pages = A2;
    LOOKUP(A0, OBJ_MACHINE, RIGHT_MANAGE, &c);
    EMPTY_SLOT(A3, &dst);
    if (phys & (PAGE_SIZE - 1))
        return -E_ALIGN;
    if (pages == 0 || pages > MAP_MAX_PAGES || phys >= (1ull << 52) ||
        pages > ((1ull << 52) - phys) / PAGE_SIZE)
        return -E_RANGE;
    uint64_t end = phys + pages * PAGE_SIZE;
    if (pmm_overlaps_ram(phys, end) || mmio_is_kernels(phys, end))
        return -E_PERM;   /* RAM goes through pools; the kernel's own devices stay its own */
    memory_t *m = memory_device(phys, pages);
    if (!m)
        return -E_NOMEM;
    cap_install(dst, &m->obj, RIGHT_READ | RIGHT_WRITE | RIGHT_COPY | RIGHT_GRANT, 0, 0);
    return 0;
}

/* Per page: memory objects are not contiguous, but their frames never move (syscalls.h). */
static long handle_SYS_MEMORY_PHYS(trap_frame_t *f)
{
    cap_t *c, *mc;
    LOOKUP(A0, OBJ_MACHINE, RIGHT_READ, &c);
    LOOKUP(A1, OBJ_MEMORY, RIGHT_READ | RIGHT_WRITE, &mc);
    memory_t *m = (memory_t *)mc->obj;
    if (A2 >= m->npages)
        return -E_RANGE;
    return (long)m->frames[A2];
}

/* ---- virtual machines ---- */

#define NEED_SVM()                                                             \
    do {                                                                       \
        if (!svm_available())                                                  \
            return -E_NOSYS;                                                   \
    } while (0)

static long handle_SYS_VM_CREATE(trap_frame_t *f)
{
    cap_t *pc, *ec = 0, *dst;
    NEED_SVM();
    LOOKUP(A0, OBJ_POOL, RIGHT_MANAGE, &pc);
    if (A1 != CAP_NULL)
        LOOKUP(A1, OBJ_ENDPOINT, RIGHT_WRITE, &ec);
    EMPTY_SLOT(A2, &dst);
    vm_t *vm = vm_create((pool_t *)pc->obj, ec ? (endpoint_t *)ec->obj : 0, ec ? ec->badge : 0);
    if (!vm)
        return -E_NOMEM;
    cap_install(dst, &vm->space.obj, RIGHTS_ALL, 0, 0);
    return 0;
}

static long handle_SYS_VCPU_CREATE(trap_frame_t *f)
{
    cap_t *vc, *tc, *pc, *dst;
    NEED_SVM();
    LOOKUP(A0, OBJ_VM, RIGHT_MANAGE, &vc);
    LOOKUP(A1, OBJ_TASK, RIGHT_MANAGE, &tc);
    LOOKUP(A2, OBJ_POOL, RIGHT_MANAGE, &pc);
    EMPTY_SLOT(A3, &dst);
    task_t *t = (task_t *)tc->obj;
    if (t->dead)
        return -E_DEAD;
    vcpu_t *v = vcpu_create((vm_t *)vc->obj, t, (pool_t *)pc->obj);
    if (!v)
        return -E_NOMEM;
    cap_install(dst, &v->obj, RIGHTS_ALL, 0, 0);
    return 0;
}

static long handle_SYS_VCPU_STATE_READ(trap_frame_t *f)
{
    cap_t *vc;
    struct agora_vcpu_state s;
    NEED_SVM();
    LOOKUP(A0, OBJ_VCPU, RIGHT_MANAGE, &vc);
    vcpu_t *v = (vcpu_t *)vc->obj;
    int err = vcpu_state_access(v);
    if (err)
        return err;
    svm_state_read(v->vmcb, &v->gprs, &s);
    return copy_to_user(cur_task()->root, A1, &s, sizeof s);
}

static long handle_SYS_VCPU_STATE_WRITE(trap_frame_t *f)
{
    cap_t *vc;
    struct agora_vcpu_state s;
    NEED_SVM();
    LOOKUP(A0, OBJ_VCPU, RIGHT_MANAGE, &vc);
    vcpu_t *v = (vcpu_t *)vc->obj;
    int err = copy_from_user(cur_task()->root, &s, A1, sizeof s);
    if (!err)
        err = svm_state_check(&s);
    if (!err)
        err = vcpu_state_access(v);
    if (err)
        return err;
    svm_state_write(v->vmcb, &v->gprs, &s);
    return 0;
}

static long handle_SYS_VCPU_START(trap_frame_t *f)
{
    cap_t *vc, *ec;
    NEED_SVM();
    LOOKUP(A0, OBJ_VCPU, RIGHT_MANAGE, &vc);
    LOOKUP(A1, OBJ_ENDPOINT, RIGHT_WRITE, &ec);
    if (A2 > sched_current()->priority)
        return -E_PERM;
    vcpu_t *v = (vcpu_t *)vc->obj;
    if (v->thread->state == TS_DEAD)
        return -E_DEAD;
    if (v->thread->state != TS_INACTIVE)
        return -E_STATE;
    vcpu_start(v, (endpoint_t *)ec->obj, ec->badge, (uint8_t)A2);
    return 0;
}

static long handle_SYS_VCPU_POKE(trap_frame_t *f)
{
    cap_t *vc;
    NEED_SVM();
    LOOKUP(A0, OBJ_VCPU, RIGHT_MANAGE, &vc);
    vcpu_t *v = (vcpu_t *)vc->obj;
    if (v->thread->state == TS_DEAD)
        return -E_DEAD;
    v->poked = true;
    return 0;
}

/* ---- entry ---- */

void syscall_dispatch(trap_frame_t *f)
{
    uint64_t nr = f->rax;
    long r = nr < SYS_COUNT ? handlers[nr](f) : -E_NOSYS;
    thread_t *cur = sched_current();
    if (r != KEEP_FRAME)
        cur->frame->rax = (uint64_t)r;
    /* A thread that died in its own system call (exit, or its task killed) never returns. */
    while (cur->state == TS_DEAD)
        sched_schedule();
    sched_preempt_point();
}
