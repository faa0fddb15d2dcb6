/* vCPUs: the guest loop of a vCPU's thread, its exit messages and the replies to them. */
#include "object/vcpu.h"
#include "object/endpoint.h"
#include "object/memory.h"
#include "object/task.h"
#include "object/vm.h"
#include "agora/errors.h"
#include "agora/ipc.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vspace.h"
#include "sched/sched.h"

vcpu_t *vcpu_create(vm_t *vm, task_t *task, pool_t *pool)
{
    if (pool_charge(pool, VCPU_POOL_PAGES) != 0)
        return 0;
    vcpu_t *v = kzalloc(sizeof *v);
    uint64_t pa = v ? pmm_alloc_frame() : 0;
    thread_t *th = pa ? thread_create(task) : 0;
    if (!th) {
        if (pa)
            pmm_free_frame(pa);
        kfree(v);
        pool_refund(pool, VCPU_POOL_PAGES);
        return 0;
    }
    kobject_init(&v->obj, OBJ_VCPU);
    kobject_charge(&v->obj, pool, VCPU_POOL_PAGES);
    v->vmcb = phys_to_virt(pa);
    v->vmcb_pa = pa;
    svm_vmcb_init(v->vmcb, vm->space.root, vm->asid);
    v->vm = vm;
    kobject_ref(&vm->space.obj);
    v->thread = th;
    kobject_ref(&th->obj);
    th->vcpu = v;
    v->tlb_generation = vm->tlb_generation - 1;   /* flush before the first entry: the ASID may be reused */
    return v;
}

void vcpu_destroy(vcpu_t *v)
{
    thread_t *th = v->thread;
    KASSERT(th != sched_current());
    if (th->state != TS_DEAD) {
        thread_kill(th);
        task_remove_thread(th->task, th);
    }
    th->vcpu = 0;
    kobject_unref(&th->obj);
    pmm_free_frame(v->vmcb_pa);
    kobject_unref(&v->vm->space.obj);
    kfree(v);
}

int vcpu_state_access(const vcpu_t *v)
{
    const thread_t *t = v->thread;
    if (t->state == TS_DEAD)
        return -E_DEAD;
    if (t->state == TS_INACTIVE)
        return 0;
    /* Waiting for the reply to an exit (its message taken or not): the state holds still. */
    if (t->in_fault && (t->state == TS_BLOCKED_SEND || t->state == TS_BLOCKED_REPLY))
        return 0;
    return -E_STATE;
}

/* ---- the guest loop ---- */

static void fill_exit_words(vcpu_t *v, uint64_t code)
{
    const vmcb_t *m = v->vmcb;
    const svm_gprs_t *g = &v->gprs;
    uint64_t *w = v->exit_words;
    w[VCPU_MR_CODE] = code;
    w[VCPU_MR_INFO1] = m->control.exit_info1;
    w[VCPU_MR_INFO2] = m->control.exit_info2;
    w[VCPU_MR_RIP] = m->save.rip;
    w[VCPU_MR_RAX] = m->save.rax; w[VCPU_MR_RBX] = g->rbx; w[VCPU_MR_RCX] = g->rcx; w[VCPU_MR_RDX] = g->rdx;
    w[VCPU_MR_RSI] = g->rsi; w[VCPU_MR_RDI] = g->rdi; w[VCPU_MR_RBP] = g->rbp; w[VCPU_MR_RSP] = m->save.rsp;
    w[VCPU_MR_R8] = g->r8; w[VCPU_MR_R9] = g->r9; w[VCPU_MR_R10] = g->r10; w[VCPU_MR_R11] = g->r11;
    w[VCPU_MR_R12] = g->r12; w[VCPU_MR_R13] = g->r13; w[VCPU_MR_R14] = g->r14; w[VCPU_MR_R15] = g->r15;
    w[VCPU_MR_RFLAGS] = m->save.rflags;
    w[VCPU_MR_CR0] = m->save.cr0; w[VCPU_MR_CR2] = m->save.cr2; w[VCPU_MR_CR3] = m->save.cr3;
    w[VCPU_MR_CR4] = m->save.cr4; w[VCPU_MR_EFER] = m->save.efer;
    w[VCPU_MR_INTINFO] = m->control.exit_int_info;
    w[VCPU_MR_INT_STATE] = (m->control.int_state & 1) | (m->control.int_ctl & VCPU_VIRQ_PENDING);
    w[VCPU_MR_CS_ATTRIB] = m->save.cs.attrib;
    w[VCPU_MR_CPL] = m->save.cpl;
}

/* Sends the exit as a call (a nested page fault to the VM's pager, if any); false: nobody to send it to. */
static bool send_exit(vcpu_t *v, uint64_t code)
{
    thread_t *self = v->thread;
    const vmcb_t *m = v->vmcb;
    v->exit_code = code;
    if (code == SVM_EXIT_NPF && v->vm->pager) {
        uint64_t w[4] = { m->control.exit_info2, m->control.exit_info1, m->save.rip, 0 };
        return ipc_send_fault_to(v->vm->pager, v->vm->pager_badge, IPC_LABEL_PAGE_FAULT, 4, w,
                                 m->control.exit_info2);
    }
    fill_exit_words(v, code);
    return ipc_send_fault_to(self->fault_ep, self->fault_badge, IPC_LABEL_VCPU_EXIT, VCPU_EXIT_WORDS,
                             v->exit_words, code == SVM_EXIT_NPF ? m->control.exit_info2 : 0);
}

static noreturn void die(vcpu_t *v, uint64_t code)
{
    thread_t *self = v->thread;
    task_t *t = self->task;
    log_line("vcpu", "task %lu: guest exit 0x%lx at rip %lx and no handler: the vCPU stops",
             (unsigned long)t->id, (unsigned long)code, (unsigned long)v->vmcb->save.rip);
    thread_kill(self);
    task_remove_thread(t, self);
    for (;;)
        sched_schedule();
}

/* The host interrupt that ended the guest's run is still pending: take it here (it may switch). */
static void take_host_interrupt(void)
{
    __asm__ volatile("sti; nop; cli" ::: "memory");
}

static noreturn void vcpu_main(void)
{
    vcpu_t *v = sched_current()->vcpu;
    KASSERT(v);
    for (;;) {
        if (v->poked) {
            v->poked = false;
            if (!send_exit(v, VCPU_EXIT_POKE))
                die(v, VCPU_EXIT_POKE);
            continue;
        }
        bool flush = v->tlb_generation != v->vm->tlb_generation;
        v->tlb_generation = v->vm->tlb_generation;
        uint64_t code = svm_run(v->vmcb, v->vmcb_pa, &v->gprs, flush);
        v->vmcb->control.event_inject = svm_reinjection(v->vmcb);
        switch (code) {
        case SVM_EXIT_INTR:
            take_host_interrupt();
            continue;
        case SVM_EXIT_NMI:     /* taken by the host when GIF was set again */
        case SVM_EXIT_SMI:
        case SVM_EXIT_INIT:
            continue;
        default:
            if (!send_exit(v, code))
                die(v, code);
        }
    }
}

void vcpu_start(vcpu_t *v, endpoint_t *exit_ep, uint64_t badge, uint8_t priority)
{
    thread_t *th = v->thread;
    KASSERT(th->state == TS_INACTIVE);
    th->fault_ep = exit_ep;
    th->fault_badge = badge;
    kobject_ref(&exit_ep->obj);
    th->priority = priority;
    thread_start_kernel(th, vcpu_main);
}

void vcpu_abandon(thread_t *t)
{
    KASSERT(t->vcpu && t != sched_current());
    log_line("vcpu", "task %lu: the exit handler is gone: the vCPU stops", (unsigned long)t->task->id);
    thread_kill(t);
    task_remove_thread(t->task, t);
}

/* ---- replies ---- */

/* The memory item of a reply to a nested page fault: the replier's page, mapped at the faulting guest page. */
static int map_reply_page(thread_t *replier, vcpu_t *v, uint64_t gpa)
{
    struct agora_ipc_buffer *b = ipc_buffer(replier, false);
    if (v->exit_code != SVM_EXIT_NPF)
        return -E_INVAL;
    if (!b)
        return -E_FAULT;
    uint64_t va = b->send_mem_vaddr, flags = b->send_mem_flags;
    if (b->send_mem_pages == 0)
        return -E_RANGE;
    if (b->send_mem_pages > 1)
        return -E_NOWINDOW;
    if ((flags & ~(uint64_t)(IPC_MEM_MAP | IPC_MEM_WRITE)) || !(flags & IPC_MEM_MAP))
        return -E_INVAL;   /* map only: pages are not granted into a VM */
    if (va & (PAGE_SIZE - 1))
        return -E_ALIGN;
    if (!user_range_ok(va, PAGE_SIZE))
        return -E_FAULT;
    mapping_t *m = mapping_find(replier->task, va);
    if (!m)
        return -E_FAULT;
    if ((flags & IPC_MEM_WRITE) && !(m->rights & RIGHT_WRITE))
        return -E_PERM;
    uint32_t rights = RIGHT_READ | (flags & IPC_MEM_WRITE ? RIGHT_WRITE : 0) | (m->mem->device ? 0 : RIGHT_EXEC);
    return mapping_create(&v->vm->space, gpa & ~(PAGE_SIZE - 1), m->mem, m->page, rights, m);
}

/* Words mr0 .. mr[n-1] of the replier's message. */
static int reply_words(thread_t *replier, unsigned n, uint64_t w[7])
{
    const trap_frame_t *f = replier->frame;
    w[0] = f->rdx; w[1] = f->r10; w[2] = f->r8; w[3] = f->r9;
    if (n <= IPC_REG_WORDS)
        return 0;
    const struct agora_ipc_buffer *b = ipc_buffer(replier, false);
    if (!b)
        return -E_FAULT;
    for (unsigned i = IPC_REG_WORDS; i < n && i < 7; i++)
        w[i] = b->mr[i];
    return 0;
}

static int set_state(thread_t *replier, vcpu_t *v, uint64_t info)
{
    uint64_t w[7] = { 0 };
    unsigned n = IPC_WORDS(info);
    if (IPC_HAS_MEM(info))
        return -E_INVAL;
    int err = reply_words(replier, n, w);
    if (err)
        return err;
    uint64_t mask = n ? w[0] : 0;
    if (mask & ~VCPU_SET_ALL)
        return -E_INVAL;
    unsigned need = mask ? (unsigned)(64 - __builtin_clzll(mask)) + 1 : 1;
    if (n < need)
        return -E_RANGE;
    if ((mask & VCPU_SET_EVENT) && !svm_event_ok(w[3]))
        return -E_INVAL;
    vmcb_t *m = v->vmcb;
    if (mask & VCPU_SET_RIP)
        m->save.rip = w[1];
    if (mask & VCPU_SET_RAX)
        m->save.rax = w[2];
    if (mask & VCPU_SET_EVENT)
        m->control.event_inject = w[3];
    if (mask & VCPU_SET_RBX)
        v->gprs.rbx = w[4];
    if (mask & VCPU_SET_RCX)
        v->gprs.rcx = w[5];
    if (mask & VCPU_SET_RDX)
        v->gprs.rdx = w[6];
    return 0;
}

int vcpu_reply(thread_t *replier, thread_t *c, uint64_t info)
{
    vcpu_t *v = c->vcpu;
    uint32_t label = IPC_LABEL(info);
    int err;
    if ((info & IPC_INFO_RESERVED_MASK) || IPC_WORDS(info) > IPC_MAX_WORDS)
        return -E_RANGE;
    if (IPC_CAPS(info))
        return -E_INVAL;
    if (label == IPC_LABEL_RESUME)
        err = IPC_HAS_MEM(info) ? map_reply_page(replier, v, c->fault_addr) : 0;
    else if (label == IPC_LABEL_VCPU_RESUME)
        err = set_state(replier, v, info);
    else
        err = -E_INVAL;
    if (err)
        return err;
    c->in_fault = false;
    sched_make_ready(c);
    return 0;
}
