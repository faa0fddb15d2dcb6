/*
 * Signals inside one process: the action table, the blocked mask, pending signals, and
 * delivery at the points POSIX allows (raise, and whenever the mask is lowered).
 *
 * What exists today is everything a process does to itself: signal, sigaction,
 * sigprocmask, sigpending, sigsuspend, raise, abort's SIGABRT. Signals from other processes
 * (kill from another process, SIGCHLD, ^C from the tty) come with pm: its client code calls
 * posix_signal_post(sig) for each signal pm reports (include the hook in pm's runtime, see
 * posix.h), and supplies posix_signal_wait() so sigsuspend can sleep until pm has one.
 * Until then nothing outside the process posts a signal, and sigsuspend with nothing
 * pending waits by polling the pending set (a thread of the process may post).
 *
 * Delivery is synchronous: a handler runs on the thread that called raise, sigprocmask,
 * sigsuspend or posix_signal_post, never by interrupting arbitrary code. newlib's headers
 * for this target have sa_flags but define no SA_* flag (no SA_SIGINFO, SA_RESTART,
 * SA_NODEFER, SA_RESETHAND): each is honoured here if a header of ours defines it. There
 * is no alternate signal stack (sigaltstack is not provided).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

#include <libagora/sys.h>

#include "posix.h"

#define POSIX_SIG_BIT(sig) (1UL << (sig))
/* SIGKILL and SIGSTOP can be neither caught, ignored nor blocked. */
#define POSIX_SIG_UNBLOCKABLE (POSIX_SIG_BIT(SIGKILL) | POSIX_SIG_BIT(SIGSTOP))

/* The process's signal state; one thread runs POSIX code today, so no lock. */
static struct sigaction posix_sig_actions[NSIG];
static sigset_t posix_sig_blocked;
static volatile sigset_t posix_sig_pending;

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
    /*
     * Stop signals: without job control (pm's process groups and the tty) there is no
     * stopped state to enter, so their default action is to do nothing, as for a process
     * in an orphaned process group.
     */
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
        return true;
    default:
        return false;
    }
}

/*
 * The default action: terminate. The exit status is 128 + sig until pm reports "killed by
 * a signal" to the parent (pm will give this a way to say so; _exit is the only way out
 * today).
 */
static _Noreturn void posix_sig_terminate(int sig)
{
    _exit(128 + sig);
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
        posix_sig_terminate(sig);
    }
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
 * Waits until a signal may have been posted. pm's runtime replaces this with a wait for
 * its signal message; until then only a thread of this process can post, so poll.
 */
__attribute__((weak)) void posix_signal_wait(void)
{
    sys_sleep(10000);
}

int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
    if (!posix_sig_valid(sig))
        return posix_fail_errno(EINVAL);
    if (act && (sig == SIGKILL || sig == SIGSTOP) && act->sa_handler != SIG_DFL)
        return posix_fail_errno(EINVAL);
    if (old)
        *old = posix_sig_actions[sig];
    if (act) {
        posix_sig_actions[sig] = *act;
        posix_sig_actions[sig].sa_mask &= ~POSIX_SIG_UNBLOCKABLE;
        /* Setting a signal to be ignored discards it if pending (POSIX). */
        if (act->sa_handler == SIG_IGN ||
            (act->sa_handler == SIG_DFL && posix_sig_default_ignored(sig)))
            posix_sig_pending &= ~POSIX_SIG_BIT(sig);
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

    posix_sig_blocked = *mask & ~POSIX_SIG_UNBLOCKABLE & ~1UL;
    while (posix_sig_deliver_pending() == 0)
        posix_signal_wait();
    posix_sig_blocked = saved;
    posix_sig_deliver_pending();
    return posix_fail_errno(EINTR);
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
