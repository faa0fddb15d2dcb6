/*
 * IPC through endpoints. A transfer is validated completely before anything moves:
 * a bad message fails its sender with a precise error and leaves the receiver waiting.
 */
#include "object/endpoint.h"
#include "object/cap.h"
#include "object/memory.h"
#include "object/task.h"
#include "object/vcpu.h"
#include "agora/errors.h"
#include "agora/ipc.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/kheap.h"
#include "mm/vspace.h"
#include "sched/sched.h"

endpoint_t *endpoint_create(void)
{
    endpoint_t *ep = kzalloc(sizeof *ep);
    if (ep)
        kobject_init(&ep->obj, OBJ_ENDPOINT);
    return ep;
}

static void queue_push(endpoint_t *ep, thread_t *t)
{
    t->q_next = 0;
    t->q_prev = ep->tail;
    if (ep->tail)
        ep->tail->q_next = t;
    else
        ep->head = t;
    ep->tail = t;
    t->blocked_ep = ep;
}

void endpoint_dequeue(endpoint_t *ep, thread_t *t)
{
    if (t->q_prev)
        t->q_prev->q_next = t->q_next;
    else
        ep->head = t->q_next;
    if (t->q_next)
        t->q_next->q_prev = t->q_prev;
    else
        ep->tail = t->q_prev;
    t->q_next = t->q_prev = 0;
    t->blocked_ep = 0;
}

static thread_t *queue_pop(endpoint_t *ep)
{
    thread_t *t = ep->head;
    if (t)
        endpoint_dequeue(ep, t);
    return t;
}

static void wake_all(endpoint_t *ep, long result)
{
    thread_t *t;
    while ((t = queue_pop(ep)) != 0) {
        if (t->in_fault) {
            /* A faulting thread whose handler is gone cannot continue. */
            thread_fault_abandoned(t, -E_DEAD);
            continue;
        }
        thread_set_result(t, result);
        sched_make_ready(t);
    }
}

static void owner_unlink(endpoint_t *ep)
{
    if (!ep->owner)
        return;
    for (endpoint_t **pp = &ep->owner->endpoints; *pp; pp = &(*pp)->owner_next) {
        if (*pp == ep) {
            *pp = ep->owner_next;
            break;
        }
    }
    ep->owner = 0;
    ep->owner_next = 0;
}

void endpoint_set_owner(endpoint_t *ep, struct task *t)
{
    if (ep->owner == t || ep->dead || t->dead)
        return;
    owner_unlink(ep);
    ep->owner = t;
    ep->owner_next = t->endpoints;
    t->endpoints = ep;
}

void endpoint_close(endpoint_t *ep)
{
    ep->dead = true;
    owner_unlink(ep);
    wake_all(ep, -E_DEAD);
}

void endpoint_destroy(endpoint_t *ep)
{
    owner_unlink(ep);
    wake_all(ep, -E_NOCAP);
    kfree(ep);
}

void endpoint_note_receive_right(const cap_t *c, struct task *t)
{
    if (c->obj->type == OBJ_ENDPOINT && (c->rights & RIGHT_READ))
        endpoint_set_owner((endpoint_t *)c->obj, t);
}

/* ---- message transfer ---- */

typedef struct transfer {
    /* Filled by validation, used by delivery. */
    struct agora_ipc_buffer *sbuf, *rbuf;
    unsigned words, ncaps, npages;
    cap_t *src_caps[IPC_MAX_CAPS];
    cap_t *dst_caps[IPC_MAX_CAPS];
    uint64_t cap_rights[IPC_MAX_CAPS];
    mapping_t *src_maps[IPC_MAX_WORDS];   /* reused: at most window pages, bounded below */
    uint64_t mem_flags, window;
} transfer_t;

#define IPC_MAX_PAGES IPC_MAX_WORDS   /* pages in one memory item */

struct agora_ipc_buffer *ipc_buffer(thread_t *t, bool write)
{
    if (!t->ipc_buffer)
        return 0;
    return user_ptr(t->task->root, t->ipc_buffer, write);
}

/*
 * Checks the whole message from s to r. window_override (non-zero) is where a
 * memory item lands instead of r's receive window (fault replies).
 */
static int transfer_check(transfer_t *x, thread_t *s, uint64_t info, uint32_t rights, thread_t *r,
                          uint64_t window_override)
{
    memset(x, 0, sizeof *x);
    x->words = IPC_WORDS(info);
    x->ncaps = IPC_CAPS(info);
    bool mem = IPC_HAS_MEM(info);
    if ((info & IPC_INFO_RESERVED_MASK) || x->words > IPC_MAX_WORDS || x->ncaps > IPC_MAX_CAPS)
        return -E_RANGE;
    if ((x->ncaps || mem) && !(rights & RIGHT_GRANT))
        return -E_PERM;
    if (x->words > IPC_REG_WORDS || x->ncaps || mem) {
        x->sbuf = ipc_buffer(s, false);
        if (!x->sbuf)
            return -E_FAULT;
    }
    if (x->words > IPC_REG_WORDS || x->ncaps || (mem && !window_override)) {
        x->rbuf = ipc_buffer(r, true);
        if (!x->rbuf)
            return -E_NOWINDOW;
    }
    for (unsigned i = 0; i < x->ncaps; i++) {
        int err = cap_lookup(s->task->caps, x->sbuf->send_caps[i], OBJ_NONE, RIGHT_COPY, &x->src_caps[i]);
        if (err)
            return err;
        uint64_t slot = x->rbuf->recv_cap_slots[i];
        if (slot == CAP_NULL)
            return -E_NOWINDOW;
        err = cap_empty_slot(r->task->caps, slot, &x->dst_caps[i]);
        if (err)
            return err;
        for (unsigned j = 0; j < i; j++)
            if (x->dst_caps[j] == x->dst_caps[i])
                return -E_INVAL;
        x->cap_rights[i] = x->src_caps[i]->rights & x->sbuf->send_cap_rights[i];
    }
    if (!mem)
        return 0;

    uint64_t va = x->sbuf->send_mem_vaddr, pages = x->sbuf->send_mem_pages;
    x->mem_flags = x->sbuf->send_mem_flags;
    if (pages == 0 || pages > IPC_MAX_PAGES)
        return -E_RANGE;
    if ((x->mem_flags & ~(uint64_t)(IPC_MEM_MAP | IPC_MEM_GRANT | IPC_MEM_WRITE)) ||
        !(x->mem_flags & IPC_MEM_MAP) == !(x->mem_flags & IPC_MEM_GRANT))
        return -E_INVAL;
    if (va & (PAGE_SIZE - 1))
        return -E_ALIGN;
    if (!user_range_ok(va, pages * PAGE_SIZE))
        return -E_FAULT;
    uint64_t win = window_override ? window_override : x->rbuf->recv_window_vaddr;
    uint64_t win_pages = window_override ? 1 : x->rbuf->recv_window_pages;
    if (win_pages < pages || win == 0)
        return -E_NOWINDOW;
    if (win & (PAGE_SIZE - 1))
        return -E_ALIGN;
    if (!user_range_ok(win, pages * PAGE_SIZE))
        return -E_FAULT;
    if (s->task == r->task && va < win + pages * PAGE_SIZE && win < va + pages * PAGE_SIZE)
        return -E_OVERLAP;
    for (uint64_t i = 0; i < pages; i++) {
        mapping_t *m = mapping_find(s->task, va + i * PAGE_SIZE);
        if (!m)
            return -E_FAULT;
        if ((x->mem_flags & IPC_MEM_WRITE) && !(m->rights & RIGHT_WRITE))
            return -E_PERM;
        if (mapping_find(r->task, win + i * PAGE_SIZE))
            return -E_EXIST;
        x->src_maps[i] = m;
    }
    x->npages = (unsigned)pages;
    x->window = win;
    return 0;
}

/* Moves the validated message. Only running out of kernel memory can fail here. */
static int transfer_do(transfer_t *x, thread_t *s, thread_t *r)
{
    uint32_t rights = RIGHT_READ | ((x->mem_flags & IPC_MEM_WRITE) ? RIGHT_WRITE : 0);
    for (unsigned i = 0; i < x->npages; i++) {
        mapping_t *m = x->src_maps[i];
        uint64_t dst = x->window + (uint64_t)i * PAGE_SIZE;
        int err = (x->mem_flags & IPC_MEM_GRANT) ? mapping_move(m, r->task, dst, rights)
                                                 : mapping_create(r->task, dst, m->mem, m->page, rights, m);
        if (err) {
            /* Undo the pages already mapped (a grant's are moved back). */
            for (unsigned j = 0; j < i; j++) {
                uint64_t d = x->window + (uint64_t)j * PAGE_SIZE;
                mapping_t *done = mapping_find(r->task, d);
                if (x->mem_flags & IPC_MEM_GRANT)
                    mapping_move(done, s->task, x->sbuf->send_mem_vaddr + (uint64_t)j * PAGE_SIZE,
                                 x->src_maps[j]->rights);
                else
                    mapping_remove_tree(done);
            }
            return err;
        }
    }
    if (x->words > IPC_REG_WORDS)
        memcpy(&x->rbuf->mr[IPC_REG_WORDS], &x->sbuf->mr[IPC_REG_WORDS],
               (x->words - IPC_REG_WORDS) * sizeof(uint64_t));
    for (unsigned i = 0; i < x->ncaps; i++) {
        cap_install(x->dst_caps[i], x->src_caps[i]->obj, (uint32_t)x->cap_rights[i],
                    x->src_caps[i]->badge, x->src_caps[i]);
        endpoint_note_receive_right(x->dst_caps[i], r->task);
    }
    if (x->rbuf) {
        x->rbuf->recv_caps_count = x->ncaps;
        x->rbuf->recv_mem_vaddr = x->npages ? x->window : 0;
        x->rbuf->recv_mem_pages = x->npages;
        x->rbuf->recv_mem_flags = x->npages ? x->mem_flags : 0;
    }
    return 0;
}

/*
 * Writes the register part of a delivered message into the receiver's frame. Words
 * past the message's length are zero: a receiver never sees a sender's stale registers.
 */
static void deliver_words(trap_frame_t *f, uint64_t info, uint64_t badge, uint64_t w0, uint64_t w1,
                          uint64_t w2, uint64_t w3)
{
    unsigned n = IPC_WORDS(info);
    f->rax = 0;
    f->rsi = info;
    f->rdi = badge;
    f->rdx = n > 0 ? w0 : 0;
    f->r10 = n > 1 ? w1 : 0;
    f->r8 = n > 2 ? w2 : 0;
    f->r9 = n > 3 ? w3 : 0;
}

static void deliver_regs(thread_t *r, uint64_t info, uint64_t badge, const uint64_t regs[4])
{
    deliver_words(r->frame, info, badge, regs[0], regs[1], regs[2], regs[3]);
}

/* Full transfer s -> r: 0, or the sender's error (r unchanged). */
static int transfer(thread_t *s, uint64_t info, uint64_t badge, uint32_t rights, const uint64_t regs[4],
                    thread_t *r)
{
    transfer_t x;
    int err = transfer_check(&x, s, info, rights, r, 0);
    if (!err)
        err = transfer_do(&x, s, r);
    if (err)
        return err;
    deliver_regs(r, info, badge, regs);
    return 0;
}

static void regs_of(thread_t *t, uint64_t regs[4])
{
    regs[0] = t->frame->rdx;
    regs[1] = t->frame->r10;
    regs[2] = t->frame->r8;
    regs[3] = t->frame->r9;
}

/* s called r and r received it: link them so r owes s a reply. */
static void link_call(thread_t *s, thread_t *r)
{
    s->callee = r;
    r->caller = s;
    s->state = TS_BLOCKED_REPLY;
}

/* ---- system calls ---- */

void ipc_send(endpoint_t *ep, uint64_t badge, uint32_t rights, uint64_t info, bool call)
{
    thread_t *cur = sched_current();
    uint64_t regs[4];
    regs_of(cur, regs);
    if (ep->dead) {
        thread_set_result(cur, -E_DEAD);
        return;
    }
    while (ep->receivers_waiting && ep->head) {
        thread_t *r = queue_pop(ep);
        int err = transfer(cur, info, badge, rights, regs, r);
        if (err) {
            queue_push(ep, r);   /* it keeps waiting (at the back) */
            thread_set_result(cur, err);
            return;
        }
        if (call) {
            link_call(cur, r);
            sched_switch_to(r);   /* cur is blocked: r runs at once */
        } else {
            thread_set_result(cur, 0);
            sched_make_ready(r);
            sched_preempt_point();
        }
        return;
    }
    /* No receiver: validate what can be validated alone, then wait. */
    if ((info & IPC_INFO_RESERVED_MASK) || IPC_WORDS(info) > IPC_MAX_WORDS || IPC_CAPS(info) > IPC_MAX_CAPS) {
        thread_set_result(cur, -E_RANGE);
        return;
    }
    if ((IPC_CAPS(info) || IPC_HAS_MEM(info)) && !(rights & RIGHT_GRANT)) {
        thread_set_result(cur, -E_PERM);
        return;
    }
    ep->receivers_waiting = false;
    cur->send_info = info;
    cur->send_badge = badge;
    cur->send_rights = rights;
    cur->send_is_call = call;
    cur->in_fault = false;
    memcpy(cur->send_regs, regs, sizeof regs);
    queue_push(ep, cur);
    sched_block(TS_BLOCKED_SEND);
}

/* Delivers a fault message from s (blocked) to r; false if r cannot take it. */
static bool deliver_fault(thread_t *s, thread_t *r)
{
    uint64_t info = s->send_info;
    struct agora_ipc_buffer *rb = ipc_buffer(r, true);
    if (IPC_WORDS(info) > IPC_REG_WORDS) {
        /* A vCPU's exit: the words past the registers go to the buffer; without one, they are cut off. */
        KASSERT(s->vcpu);
        if (rb)
            memcpy(&rb->mr[IPC_REG_WORDS], &s->vcpu->exit_words[IPC_REG_WORDS],
                   (IPC_WORDS(info) - IPC_REG_WORDS) * sizeof(uint64_t));
        else
            info = (info & ~0x7Full) | IPC_REG_WORDS;
    }
    deliver_regs(r, info, s->send_badge, s->send_regs);
    if (rb) {
        rb->recv_caps_count = 0;
        rb->recv_mem_pages = 0;
    }
    return true;
}

void ipc_recv(endpoint_t *ep)
{
    thread_t *cur = sched_current();
    if (ep->dead) {
        thread_set_result(cur, -E_DEAD);
        return;
    }
    if (!ep->owner)
        endpoint_set_owner(ep, cur->task);
    while (!ep->receivers_waiting && ep->head) {
        thread_t *s = queue_pop(ep);
        int err = 0;
        if (s->in_fault)
            deliver_fault(s, cur);
        else
            err = transfer(s, s->send_info, s->send_badge, s->send_rights, s->send_regs, cur);
        if (err) {
            thread_set_result(s, err);
            sched_make_ready(s);
            continue;
        }
        if (s->send_is_call) {
            link_call(s, cur);
        } else {
            thread_set_result(s, 0);
            sched_make_ready(s);
        }
        return;
    }
    ep->receivers_waiting = true;
    queue_push(ep, cur);
    sched_block(TS_BLOCKED_RECV);
}

/* The reply to a fault: resume, resume with new registers, or kill. */
static int reply_to_fault(thread_t *cur, thread_t *c, uint64_t info)
{
    uint32_t label = IPC_LABEL(info);
    if (label == IPC_LABEL_RESUME) {
        if (IPC_HAS_MEM(info)) {
            transfer_t x;
            uint64_t page = c->fault_addr & ~(PAGE_SIZE - 1);
            /* Only the memory item counts: it lands on the faulting page. */
            int err = transfer_check(&x, cur, IPC_INFO(0, 0, 0, 1), RIGHT_GRANT, c, page);
            if (!err)
                err = transfer_do(&x, cur, c);
            if (err)
                return err;
        }
    } else if (label == IPC_LABEL_SET_REGS) {
        uint64_t rip = cur->frame->rdx, rsp = cur->frame->r10;
        if (!user_range_ok(rip, 1) || rsp >= USER_TOP)
            return -E_INVAL;
        c->frame->rip = rip;
        c->frame->rsp = rsp;
        c->frame->rax = cur->frame->r8;
    } else {
        task_kill(c->task, -E_FAULT);
        return 0;
    }
    c->in_fault = false;
    sched_make_ready(c);
    return 0;
}

/* Delivers cur's reply to the blocked caller c and wakes it; 0 or cur's error. */
static int deliver_reply(thread_t *cur, thread_t *c, uint64_t info)
{
    KASSERT(c->state == TS_BLOCKED_REPLY);
    if (c->in_fault && c->vcpu)
        return vcpu_reply(cur, c, info);
    if (c->in_fault)
        return reply_to_fault(cur, c, info);
    uint64_t regs[4];
    regs_of(cur, regs);
    int err = transfer(cur, info, 0, RIGHT_GRANT, regs, c);
    if (err)
        return err;
    sched_make_ready(c);
    return 0;
}

static int do_reply(thread_t *cur, uint64_t info)
{
    thread_t *c = cur->caller;
    if (!c)
        return -E_STATE;
    KASSERT(c->callee == cur);
    int err = deliver_reply(cur, c, info);
    if (err)
        return err;
    cur->caller = 0;
    c->callee = 0;
    return 0;
}

int reply_save(reply_t **out)
{
    thread_t *cur = sched_current(), *c = cur->caller;
    if (!c)
        return -E_STATE;
    reply_t *r = kzalloc(sizeof *r);
    if (!r)
        return -E_NOMEM;
    kobject_init(&r->obj, OBJ_REPLY);
    r->caller = c;
    c->callee = 0;
    c->saved_reply = r;
    cur->caller = 0;
    *out = r;
    return 0;
}

int reply_through(reply_t *r, uint64_t info)
{
    thread_t *c = r->caller;
    if (!c)
        return -E_DEAD;
    int err = deliver_reply(sched_current(), c, info);
    if (err)
        return err;
    c->saved_reply = 0;
    r->caller = 0;
    return 0;
}

void reply_destroy(reply_t *r)
{
    thread_t *c = r->caller;
    if (c) {
        c->saved_reply = 0;
        if (c->in_fault) {
            thread_fault_abandoned(c, -E_DEAD);
        } else {
            thread_set_result(c, -E_DEAD);
            sched_make_ready(c);
        }
    }
    kfree(r);
}

void ipc_reply(uint64_t info)
{
    thread_t *cur = sched_current();
    thread_set_result(cur, do_reply(cur, info));
    sched_preempt_point();
}

void ipc_reply_recv(endpoint_t *ep, uint64_t info)
{
    thread_t *cur = sched_current();
    /* A reply that cannot be delivered must not leave the caller hanging while the
     * server goes on receiving: the caller gets the error instead. */
    int err = cur->caller ? do_reply(cur, info) : 0;
    if (err) {
        thread_t *c = cur->caller;
        cur->caller = 0;
        c->callee = 0;
        if (c->in_fault) {
            thread_fault_abandoned(c, -E_FAULT);
        } else {
            thread_set_result(c, err);
            sched_make_ready(c);
        }
    }
    ipc_recv(ep);
}

bool ipc_send_fault(uint32_t label, const uint64_t words[4], uint64_t fault_addr)
{
    thread_t *cur = sched_current();
    return ipc_send_fault_to(cur->fault_ep, cur->fault_badge, label, 4, words, fault_addr);
}

bool ipc_send_fault_to(endpoint_t *ep, uint64_t badge, uint32_t label, unsigned nwords,
                       const uint64_t *words, uint64_t fault_addr)
{
    thread_t *cur = sched_current();
    if (!ep || ep->dead)
        return false;
    KASSERT(nwords >= 4 && nwords <= IPC_MAX_WORDS);
    cur->send_info = IPC_INFO(label, nwords, 0, 0);
    cur->send_badge = badge;
    cur->send_rights = 0;
    cur->send_is_call = true;
    cur->in_fault = true;
    cur->fault_addr = fault_addr;
    memcpy(cur->send_regs, words, 4 * sizeof(uint64_t));
    if (ep->receivers_waiting && ep->head) {
        thread_t *r = queue_pop(ep);
        deliver_fault(cur, r);
        link_call(cur, r);
        sched_switch_to(r);
        return true;
    }
    ep->receivers_waiting = false;
    queue_push(ep, cur);
    sched_block(TS_BLOCKED_SEND);
    return true;
}

/* ---- fast paths: register-only messages between threads that can hand over directly ----
 * (sched_switch_to parks a suspended partner instead of running it) */

/* Label, up to four words, nothing else. */
static bool simple_message(uint64_t info)
{
    return (info & 0xFFFFFFFFull) <= IPC_REG_WORDS;
}

bool ipc_fast_call(endpoint_t *ep, uint64_t badge, uint64_t info)
{
    thread_t *cur = sched_current(), *r = ep->head;
    if (!simple_message(info) || ep->dead || !ep->receivers_waiting || !r ||
        r->priority < cur->priority)
        return false;
    endpoint_dequeue(ep, r);
    trap_frame_t *cf = cur->frame;
    deliver_words(r->frame, info, badge, cf->rdx, cf->r10, cf->r8, cf->r9);
    link_call(cur, r);
    sched_switch_to(r);
    return true;
}

bool ipc_fast_reply_recv(endpoint_t *ep, uint64_t info)
{
    thread_t *cur = sched_current(), *c = cur->caller;
    if (!c || c->in_fault || !simple_message(info) || ep->dead || ep->owner != cur->task ||
        (!ep->receivers_waiting && ep->head) || c->priority < cur->priority)
        return false;
    trap_frame_t *cf = cur->frame;
    deliver_words(c->frame, info, 0, cf->rdx, cf->r10, cf->r8, cf->r9);
    cur->caller = 0;
    c->callee = 0;
    ep->receivers_waiting = true;
    queue_push(ep, cur);
    cur->state = TS_BLOCKED_RECV;
    sched_switch_to(c);
    return true;
}
