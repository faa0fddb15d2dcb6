/*
 * Signals in the process: the action table, the blocked mask, pending signals, running
 * handlers.
 *
 * pm does the rest (include/agora/proto/pm.h, "Signals"): it learns which signals have a
 * handler or are ignored (SIGSTATE, whenever a sigaction changes that), carries out
 * default actions itself (terminate, stop, continue), and runs a handler by sending the
 * thread to posix_signal_trampoline (sigentry.S) with a frame holding where it was; the
 * trampoline calls posix_signal_entry below, which runs the action unless the signal is
 * blocked here (then it stays pending until unblocked), and SIGRETURN puts the thread
 * back. A call interrupted for a signal whose handler did not run (blocked) is repeated
 * (posix.h POSIX_RESTARTING); after a handler it fails with EINTR, as without SA_RESTART.
 *
 * Signals a process raises for itself run at once (raise, kill of itself). sigsuspend and
 * pause wait in pm (SIGWAIT), which answers with the signals instead of interrupting.
 * newlib's headers for this target have sa_flags but define no SA_* flag (no SA_SIGINFO,
 * SA_RESTART, SA_NODEFER, SA_RESETHAND): each is honoured here if a header of ours
 * defines it. There is no alternate signal stack (sigaltstack is not provided).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <agora/proto/pm.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

#include "posix.h"

PROTO_STUBS(PM_MSG_LIST)

/*
 * Where pm sends a thread to run a handler: rdi = signal, rsi = the frame, rsp = frame - 8.
 * The interrupted code's SSE/x87 state is not in the frame: the trampoline keeps it on the
 * stack around the handler (fxsave/fxrstor), clears DF as the ABI wants at a call, and
 * gives the frame back to pm.
 */
extern char posix_signal_trampoline[];
void posix_signal_run(int sig, struct pm_sigframe *frame);
_Noreturn void posix_signal_return(struct pm_sigframe *frame);
__asm__(".text\n"
        ".globl posix_signal_trampoline\n"
        ".type posix_signal_trampoline, @function\n"
        "posix_signal_trampoline:\n"
        "    cld\n"
        "    movq %rsi, %rbx\n"             /* the frame, kept across the calls */
        "    movl %edi, %r12d\n"
        "    subq $512, %rsp\n"
        "    andq $-16, %rsp\n"
        "    fxsave64 (%rsp)\n"
        "    movl %r12d, %edi\n"
        "    movq %rbx, %rsi\n"
        "    call posix_signal_run\n"
        "    fxrstor64 (%rsp)\n"
        "    movq %rbx, %rdi\n"
        "    call posix_signal_return\n"
        "    ud2\n"
        ".size posix_signal_trampoline, . - posix_signal_trampoline\n");

#define POSIX_SIG_BIT(sig) (1UL << (sig))
/* SIGKILL and SIGSTOP can be neither caught, ignored nor blocked. */
#define POSIX_SIG_UNBLOCKABLE (POSIX_SIG_BIT(SIGKILL) | POSIX_SIG_BIT(SIGSTOP))

/* The process's signal state; one thread runs POSIX code today, so no lock. */
static struct sigaction posix_sig_actions[NSIG];
static sigset_t posix_sig_blocked;
static volatile sigset_t posix_sig_pending;
static volatile unsigned long posix_sig_handlers_run;
static volatile uint64_t posix_sig_serial;     /* the last pm_sigframe.serial seen */

unsigned long posix_signal_handlers_run(void)
{
    return posix_sig_handlers_run;
}

static bool posix_sig_valid(int sig)
{
    return sig > 0 && sig < NSIG;
}

/* The default action of signals whose default is to do nothing (the others terminate). */
static bool posix_sig_default_ignored(int sig)
{
    switch (sig) {
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
    case SIGCONT:
        return true;
    default:
        return false;
    }
}

static bool posix_sig_stops(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Runs sig's action now (sig is neither blocked nor pending any more). */
static void posix_sig_run(int sig)
{
    struct sigaction *act = &posix_sig_actions[sig];
    _sig_func_ptr handler = act->sa_handler;
    sigset_t saved = posix_sig_blocked;

    if (handler == SIG_IGN)
        return;
    if (handler == SIG_DFL) {
        if (posix_sig_default_ignored(sig))
            return;
        if (posix_sig_stops(sig)) {
            posix_pm_signal_self(sig);  /* pm stops the process; this returns after SIGCONT */
            return;
        }
        posix_exit_signal(sig);         /* the parent sees WIFSIGNALED */
    }
    posix_sig_handlers_run++;
    posix_sig_blocked |= act->sa_mask & ~POSIX_SIG_UNBLOCKABLE;
#ifdef SA_NODEFER
    if (!(act->sa_flags & SA_NODEFER))
#endif
        posix_sig_blocked |= POSIX_SIG_BIT(sig);
#ifdef SA_RESETHAND
    if (act->sa_flags & SA_RESETHAND) {
        act->sa_handler = SIG_DFL;
        act->sa_flags = 0;
    }
#endif
#ifdef SA_SIGINFO
    if (act->sa_flags & SA_SIGINFO) {
        siginfo_t info = { .si_signo = sig, .si_code = SI_USER };
        act->sa_sigaction(sig, &info, NULL);
    } else
#endif
        handler(sig);
    posix_sig_blocked = saved;
}

/* Delivers every pending signal that is not blocked, lowest number first; how many ran. */
static int posix_sig_deliver_pending(void)
{
    int delivered = 0;

    for (int sig = 1; sig < NSIG; sig++) {
        sigset_t bit = POSIX_SIG_BIT(sig);

        if (!(posix_sig_pending & bit) || (posix_sig_blocked & bit))
            continue;
        posix_sig_pending &= ~bit;
        posix_sig_run(sig);
        delivered++;
    }
    return delivered;
}

void posix_signal_post(int sig)
{
    if (!posix_sig_valid(sig))
        return;
    /* A signal that is ignored when generated is discarded, not left pending. */
    if (posix_sig_actions[sig].sa_handler == SIG_IGN ||
        (posix_sig_actions[sig].sa_handler == SIG_DFL && posix_sig_default_ignored(sig)))
        return;
    posix_sig_pending |= POSIX_SIG_BIT(sig);
    posix_sig_deliver_pending();
}

/*
 * Waits until a signal may have been posted: in pm (SIGWAIT answers with the signals that
 * came for handlers, which are posted here), else by polling (only a thread of the process
 * can post then).
 */
static void posix_signal_wait(uint64_t serial)
{
    struct pm_sigwait_req rq = { .serial = serial };
    struct pm_sigwait_rep rp;

    if (!posix_pm_endpoint() || pm_sigwait_call(CAP_PM, &rq, &rp, 0) < 0) {
        sys_sleep(10000);
        return;
    }
    posix_sig_serial = rp.serial;
    for (int sig = 1; sig < NSIG; sig++)
        if (rp.sigs & (1ull << sig))
            posix_signal_post(sig);
}

/* Bits of the signals with a handler, and of those ignored, for pm. */
static void posix_sig_classes(uint64_t *handled, uint64_t *ignored)
{
    *handled = *ignored = 0;
    for (int sig = 1; sig < NSIG; sig++) {
        _sig_func_ptr h = posix_sig_actions[sig].sa_handler;

        if (h == SIG_IGN)
            *ignored |= 1ull << sig;
        else if (h != SIG_DFL)
            *handled |= 1ull << sig;
    }
}

/* Tells pm what changed (only when a signal moves between default, ignored and handled). */
static void posix_sig_tell_pm(void)
{
    struct pm_sigstate_req rq = { .set = 1, .entry = (uint64_t)posix_signal_trampoline };
    struct pm_sigstate_rep rp;

    if (!posix_pm_endpoint())
        return;
    posix_sig_classes(&rq.handled, &rq.ignored);
    pm_sigstate_call(CAP_PM, &rq, &rp, 0);
}

void posix_signals_init(void)
{
    struct pm_sigstate_req rq = { .set = 0 };
    struct pm_sigstate_rep rp;

    /* What exec kept: ignored signals stay ignored (POSIX); handlers are gone. */
    if (!posix_pm_endpoint() || pm_sigstate_call(CAP_PM, &rq, &rp, 0) < 0)
        return;
    for (int sig = 1; sig < NSIG; sig++)
        if (rp.ignored & (1ull << sig))
            posix_sig_actions[sig].sa_handler = SIG_IGN;
    if (rp.handled)
        posix_sig_tell_pm();        /* pm thinks something has a handler: nothing has */
}

/* The trampoline's two steps: run sig's action (unless blocked here), then give the frame back. */
/*
 * The thread may have been stopped anywhere: halfway through packing a request in its IPC
 * buffer, or with a reply there not yet read. The handler's own calls use the same buffer,
 * so it is kept around the handler (as the SSE state is), and so is errno.
 */
void posix_signal_run(int sig, struct pm_sigframe *frame)
{
    struct agora_ipc_buffer saved;
    int saved_errno = errno;

    memcpy(&saved, agora_ipc_buffer(), sizeof(saved));
    posix_sig_serial = frame->serial;
    posix_signal_post(sig);
    memcpy(agora_ipc_buffer(), &saved, sizeof(saved));
    errno = saved_errno;
}

/* SIGRETURN in the registers alone: the IPC buffer is the interrupted code's again. */
_Noreturn void posix_signal_return(struct pm_sigframe *frame)
{
    struct agora_msg m = { .info = IPC_INFO(PM_SIGRETURN, sizeof(struct pm_sigreturn_req) / 8, 0, 0),
                           .mr = { (uint64_t)frame } };

    _Static_assert(sizeof(struct pm_sigreturn_req) / 8 <= IPC_REG_WORDS, "SIGRETURN fits the registers");
    while (sys_call(CAP_PM, &m) == -E_INTR)     /* not taken yet (another signal): again */
        m = (struct agora_msg){ .info = IPC_INFO(PM_SIGRETURN, 1, 0, 0), .mr = { (uint64_t)frame } };
    posix_exit_signal(SIGSEGV);                 /* pm would not take the frame back */
}

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
    uint64_t handled, ignored, new_handled, new_ignored;

    if (!posix_sig_valid(sig))
        return posix_fail_errno(EINVAL);
    if (act && (sig == SIGKILL || sig == SIGSTOP) && act->sa_handler != SIG_DFL)
        return posix_fail_errno(EINVAL);
    if (old)
        *old = posix_sig_actions[sig];
    if (act) {
        posix_sig_classes(&handled, &ignored);
        posix_sig_actions[sig] = *act;
        posix_sig_actions[sig].sa_mask &= ~POSIX_SIG_UNBLOCKABLE;
        /* Setting a signal to be ignored discards it if pending (POSIX). */
        if (act->sa_handler == SIG_IGN ||
            (act->sa_handler == SIG_DFL && posix_sig_default_ignored(sig)))
            posix_sig_pending &= ~POSIX_SIG_BIT(sig);
        posix_sig_classes(&new_handled, &new_ignored);
        if (new_handled != handled || new_ignored != ignored)
            posix_sig_tell_pm();
    }
    return 0;
}

_sig_func_ptr signal(int sig, _sig_func_ptr handler)
{
    struct sigaction act = { .sa_handler = handler }, old;

    /* BSD semantics, as glibc's signal: the handler stays, restartable calls restart. */
#ifdef SA_RESTART
    act.sa_flags = SA_RESTART;
#endif
    if (sigaction(sig, &act, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
    sigset_t mask = posix_sig_blocked;

    if (set) {
        switch (how) {
        case SIG_BLOCK:
            mask |= *set;
            break;
        case SIG_UNBLOCK:
            mask &= ~*set;
            break;
        case SIG_SETMASK:
            mask = *set;
            break;
        default:
            return posix_fail_errno(EINVAL);
        }
    }
    if (old)
        *old = posix_sig_blocked;
    posix_sig_blocked = mask & ~POSIX_SIG_UNBLOCKABLE & ~1UL;
    posix_sig_deliver_pending();
    return 0;
}

int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
    /* One thread per process: the thread's mask is the process's. */
    return sigprocmask(how, set, old) < 0 ? errno : 0;
}

int sigpending(sigset_t *set)
{
    *set = posix_sig_pending & posix_sig_blocked;
    return 0;
}

int sigsuspend(const sigset_t *mask)
{
    sigset_t saved = posix_sig_blocked;

    unsigned long before = posix_sig_handlers_run;

    posix_sig_blocked = *mask & ~POSIX_SIG_UNBLOCKABLE & ~1UL;
    for (;;) {
        /* Read first: a handler pm runs after this makes SIGWAIT answer at once. */
        uint64_t serial = posix_sig_serial;

        if (posix_sig_deliver_pending() > 0 || posix_sig_handlers_run != before)
            break;
        posix_signal_wait(serial);
    }
    posix_sig_blocked = saved;
    posix_sig_deliver_pending();
    return posix_fail_errno(EINTR);
}

int pause(void)
{
    return sigsuspend((const sigset_t *)&posix_sig_blocked);
}

int raise(int sig)
{
    if (!posix_sig_valid(sig))
        return posix_fail_errno(EINVAL);
    posix_signal_post(sig);
    return 0;
}

/* The process group's signal goes through kill, which pm provides. */
int killpg(pid_t pgrp, int sig)
{
    if (pgrp <= 1)
        return posix_fail_errno(EINVAL);
    return kill(-pgrp, sig);
}

/* The functions newlib's <signal.h> defines as macros, for programs that #undef them. */
#undef sigemptyset
#undef sigfillset
#undef sigaddset
#undef sigdelset
#undef sigismember

int sigemptyset(sigset_t *set)
{
    *set = 0;
    return 0;
}

int sigfillset(sigset_t *set)
{
    *set = ~(sigset_t)0;
    return 0;
}

int sigaddset(sigset_t *set, const int sig)
{
    if (!posix_sig_valid(sig))
        return posix_fail_errno(EINVAL);
    *set |= POSIX_SIG_BIT(sig);
    return 0;
}

int sigdelset(sigset_t *set, const int sig)
{
    if (!posix_sig_valid(sig))
        return posix_fail_errno(EINVAL);
    *set &= ~POSIX_SIG_BIT(sig);
    return 0;
}

int sigismember(const sigset_t *set, int sig)
{
    if (!posix_sig_valid(sig))
        return posix_fail_errno(EINVAL);
    return (*set & POSIX_SIG_BIT(sig)) != 0;
}
