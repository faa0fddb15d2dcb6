/*
 * pm's signals (include/agora/proto/pm.h, "Signals"): default actions, stop and continue,
 * and handlers run on the process's own stack, as MINIX 3's PM and Linux do: the thread is
 * stopped (SYS_THREAD_SUSPEND), a struct pm_sigframe with its registers goes below its red
 * zone, and it goes on at the runtime's entry, which calls SIGRETURN when the handler is done.
 */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/pm.h>
#include <agora/proto/vfs.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>
#include <libagora/vfs.h>

#include "server.h"

/* The System V ABI lets code use 128 bytes below rsp without moving it. */
#define RED_ZONE         128

#define STOP_SIGNALS (PM_SIG_BIT(PM_SIGSTOP) | PM_SIG_BIT(PM_SIGTSTP) | PM_SIG_BIT(PM_SIGTTIN) | \
                      PM_SIG_BIT(PM_SIGTTOU))

static bool catchable(int sig)
{
    return sig != PM_SIGKILL && sig != PM_SIGSTOP;
}

static struct pm_proc *parent_of(const struct pm_proc *p)
{
    struct pm_proc *parent = p->ppid ? pm_proc_by_pid(&pm_table, p->ppid) : 0;

    return parent && parent->state == PM_ALIVE ? parent : 0;
}

void pm_signal_child_changed(struct pm_proc *child)
{
    struct pm_proc *parent = parent_of(child);

    if (!parent)
        return;
    pm_wake_waiter(parent);
    pm_signal(parent, PM_SIGCHLD);
}

static void stop(struct pm_proc *p, int sig)
{
    long r;

    if (p->stopped)
        return;
    if ((r = sys_thread_suspend(p->img.thread, 0)) < 0) {
        agora_printf("pm: pid %ld: cannot stop: %s\n", (long)p->pid, agora_error_name(r));
        return;
    }
    p->stopped = true;
    p->stop_sig = sig;
    p->report_stop = true;
    pm_signal_child_changed(p);
}

static void cont(struct pm_proc *p)
{
    if (!p->stopped)
        return;
    p->stopped = false;
    p->report_stop = false;
    sys_thread_resume(p->img.thread, 0);
}

void pm_signal(struct pm_proc *p, int sig)
{
    uint64_t bit = PM_SIG_BIT(sig);

    if (p->state != PM_ALIVE || sig <= 0 || sig >= PM_NSIG)
        return;
    /* As Linux's init, pid 1 gets only the signals it has a handler for. */
    if (p->pid == 1 && (!catchable(sig) || !(p->sig_handled & bit)))
        return;
    if (sig == PM_SIGKILL) {
        pm_proc_end(p, pm_status_signaled(sig));
        return;
    }
    if (sig == PM_SIGCONT) {
        p->sig_pending &= ~STOP_SIGNALS;
        cont(p);
    } else if (bit & STOP_SIGNALS) {
        p->sig_pending &= ~PM_SIG_BIT(PM_SIGCONT);
    }
    if (catchable(sig) && (p->sig_ignored & bit))
        return;
    if (catchable(sig) && (p->sig_handled & bit) && p->sig_entry) {
        p->sig_pending |= bit;          /* pm_signal_deliver_all runs the handler */
        return;
    }
    switch (pm_sig_default_action(sig)) {
    case PM_SIG_TERMINATE:
        pm_proc_end(p, pm_status_signaled(sig));
        break;
    case PM_SIG_STOP:
        /* A stop from the terminal to a group no shell controls would never be undone. */
        if (sig == PM_SIGSTOP || !pm_pgrp_orphaned(&pm_table, p->pgid))
            stop(p, sig);
        break;
    default:
        break;
    }
}

unsigned pm_signal_group(int64_t pgid, int sig)
{
    unsigned n = 0;

    for (unsigned i = 0; i < PM_MAX_PROCS; i++) {
        struct pm_proc *p = &pm_table.procs[i];

        if (p->state == PM_ALIVE && p->pgid == pgid) {
            n++;
            pm_signal(p, sig);
        }
    }
    return n;
}

void pm_signal_proc_gone(struct pm_proc *p)
{
    int64_t groups[PM_MAX_PROCS + 1];
    unsigned n = 0;

    /* The controlling process of the terminal is gone: its foreground group hangs up. */
    if (p->sid == p->pid && pm_tty_sid == p->sid) {
        pm_tty_sid = 0;
        pm_signal_group(pm_tty_fg, PM_SIGHUP);
        pm_signal_group(pm_tty_fg, PM_SIGCONT);
    }
    /* Its group and its children's may be orphaned now: stopped members get SIGHUP, SIGCONT. */
    groups[n++] = p->pgid;
    for (unsigned i = 0; i < PM_MAX_PROCS; i++)
        if (pm_table.procs[i].state == PM_ALIVE && pm_table.procs[i].ppid == p->pid)
            groups[n++] = pm_table.procs[i].pgid;
    for (unsigned g = 0; g < n; g++) {
        bool stopped = false;

        for (unsigned i = 0; i < PM_MAX_PROCS; i++)
            stopped |= pm_table.procs[i].state == PM_ALIVE && pm_table.procs[i].pgid == groups[g] &&
                       pm_table.procs[i].stopped;
        if (stopped && pm_pgrp_orphaned(&pm_table, groups[g])) {
            pm_signal_group(groups[g], PM_SIGHUP);
            pm_signal_group(groups[g], PM_SIGCONT);
        }
    }
}

/* ---- handlers through the stack ---- */

static uint64_t ready_signals(const struct pm_proc *p)
{
    return p->state == PM_ALIVE && !p->stopped ? p->sig_pending & p->sig_handled : 0;
}

static int lowest(uint64_t set)
{
    return __builtin_ctzll(set);
}

/*
 * Lets p's stopped thread go on in sig's handler: the frame with regs (where it was) below
 * the red zone, the registers for the runtime's entry. A stack that cannot take the frame
 * ends the process with SIGSEGV, as on Linux.
 */
static void push_frame(struct pm_proc *p, const struct agora_regs *regs, int sig)
{
    struct pm_sigframe f = { .magic = PM_SIGFRAME_MAGIC, .sig = (uint64_t)sig, .serial = ++p->sig_serial, .regs = *regs };
    uint64_t sp = (regs->rsp - RED_ZONE - sizeof(f)) & ~15ull, ret = 0;
    struct agora_regs n = *regs;
    long r;

    p->sig_pending &= ~PM_SIG_BIT(sig);
    if (regs->rsp < RED_ZONE + sizeof(f) + 16 ||
        (r = pm_image_write(&p->img, p->pool, sp, &f, sizeof(f))) < 0 ||
        (r = pm_image_write(&p->img, p->pool, sp - 8, &ret, 8)) < 0) {
        agora_printf("pm: pid %ld (%s): no room for signal %d's frame on the stack at 0x%lx\n",
                     (long)p->pid, p->name, sig, (unsigned long)regs->rsp);
        pm_proc_end(p, pm_status_signaled(PM_SIGSEGV));
        return;
    }
    n.rip = p->sig_entry;
    n.rdi = (uint64_t)sig;
    n.rsi = sp;
    n.rsp = sp - 8;                 /* as after a call: the entry sees an aligned frame */
    if ((r = sys_thread_resume(p->img.thread, &n)) < 0) {
        agora_printf("pm: pid %ld: cannot run a handler: %s\n", (long)p->pid, agora_error_name(r));
        pm_proc_end(p, pm_status_signaled(PM_SIGKILL));
    }
}

/* Ends what p waits for in pm and vfs, so that its thread stops where its registers are complete. */
static void interrupt_waits(struct pm_proc *p)
{
    struct vfs_interrupt_req rq = { .client = p->badge };
    struct vfs_interrupt_rep rp;

    if (p->waiting) {
        p->waiting = false;
        pm_answer(&p->wait_reply, -E_INTR, 0, 0);
    }
    if (pm_vfs_ep != CAP_NULL)
        vfs_interrupt_call(pm_vfs_ep, &rq, &rp, 0);
}

static void deliver(struct pm_proc *p)
{
    uint64_t ready = ready_signals(p);
    struct agora_regs regs;
    long r;

    if (p->sigwaiting) {
        struct pm_sigwait_rep rp = { .sigs = ready, .serial = p->sig_serial };

        p->sigwaiting = false;
        p->sig_pending &= ~ready;
        pm_answer(&p->sigwait_reply, 0, &rp, sizeof(rp));
        return;
    }
    interrupt_waits(p);
    if ((r = sys_thread_suspend(p->img.thread, THREAD_SUSPEND_INTERRUPT)) != 0) {
        if (r < 0)
            agora_printf("pm: pid %ld: cannot stop for a signal: %s\n", (long)p->pid, agora_error_name(r));
        else
            sys_thread_resume(p->img.thread, 0);    /* busy in another server's request */
        return;                     /* the timer thread has pm try again shortly (timer.c) */
    }
    if ((r = sys_thread_regs(p->img.thread, &regs)) < 0) {
        sys_thread_resume(p->img.thread, 0);
        return;
    }
    push_frame(p, &regs, lowest(ready));
}

bool pm_signal_deliverable(void)
{
    for (unsigned i = 0; i < PM_MAX_PROCS; i++)
        if (ready_signals(&pm_table.procs[i]))
            return true;
    return false;
}

void pm_signal_deliver_all(void)
{
    for (unsigned i = 0; i < PM_MAX_PROCS; i++)
        if (ready_signals(&pm_table.procs[i]))
            deliver(&pm_table.procs[i]);
}

long pm_signal_return(struct pm_proc *p, uint64_t frame)
{
    struct pm_sigframe f;
    struct agora_msg m;
    uint64_t ready;
    long r;

    if ((r = pm_image_read(&p->img, frame, &f, sizeof(f))) < 0)
        return r;
    if (f.magic != PM_SIGFRAME_MAGIC)
        return -E_INVAL;
    /* Its thread waits for this request's answer: stop it, answer, and it is stopped in full. */
    if ((r = sys_thread_suspend(p->img.thread, 0)) < 0)
        return r;
    proto_reply_pack(&m, agora_ipc_buffer(), 0, 0, 0, 0);
    sys_reply(&m);
    if (sys_thread_suspend(p->img.thread, 0) != 0) {
        sys_thread_resume(p->img.thread, 0);        /* cannot happen: it was answered */
        return PM_NO_REPLY;
    }
    ready = ready_signals(p);
    if (ready) {
        push_frame(p, &f.regs, lowest(ready));
    } else if ((r = sys_thread_resume(p->img.thread, &f.regs)) < 0) {
        agora_printf("pm: pid %ld (%s): bad registers in its signal frame: %s\n", (long)p->pid, p->name,
                     agora_error_name(r));
        pm_proc_end(p, pm_status_signaled(PM_SIGSEGV));
    }
    return PM_NO_REPLY;
}
