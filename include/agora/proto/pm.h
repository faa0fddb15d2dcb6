/* The process-manager protocol (servers/pm): POSIX processes, their identities, fork, exec, wait, exit, kill, brk, reboot. */
#ifndef AGORA_PROTO_PM_H
#define AGORA_PROTO_PM_H

#include <stdint.h>

#include <agora/proto/proto.h>
#include <agora/proto/vfs.h>

/*
 * pm creates every POSIX process's task, loads its ELF, owns its memory (text and data
 * segments, stack, heap) and keeps the process tree. A process talks to pm through the
 * endpoint in its slot CAP_PM; the badge of that endpoint is the process's identity.
 * pm also registers "pm" with names: a lookup yields a copy badged with the caller's names
 * badge, which for a process is that same identity (and for anyone else, no process:
 * -E_PERM to every request).
 *
 * Identities (badges). init badges the names endpoint of each boot module with module
 * index + 1 (small numbers). pm gets from init an unbadged send-only copy of the names
 * endpoint (slot CAP_PM_NAMES_MINT in pm, include/agora/proto/init.h) and mints its own:
 *   PM_BADGE_SELF                 pm's own identity towards names and vfs. Only init and pm
 *                                 hold the unbadged names endpoint, so no one else can carry
 *                                 it: vfs takes FORK, EXEC and DROP (proto/vfs.h) only from it.
 *   PM_BADGE_BASE + serial        one per process, serial counting from 1 and never reused
 *                                 (a pid is reused, an identity never is, so a stale vfs
 *                                 table can never be inherited by a new process). The
 *                                 process's CAP_NAMES and CAP_PM carry it, so its vfs
 *                                 descriptor table (looked up through names) is keyed by it.
 *
 * What a process gets (slots; pm is its starter, see libagora/spawn.h for the layout):
 *   CAP_SELF_TASK (1), CAP_SELF_THREAD (2)   its task and thread
 *   CAP_NAMES (4)                             names, send-only, badged with its identity
 *   CAP_PM (9)                                pm, send-only, badged with its identity
 *   slot 3 (a pool) stays empty: memory comes from pm (PM_BRK), charged to the process's
 *   quota. Everything else the runtime looks up again after fork (vfs: names LOOKUP).
 *   The one exception: a program exec'd from PM_VMM_PATH (the VMM, vmm-server/README.md)
 *   gets in slot CAP_PM_VMM_POOL (3) a pool of PM_VMM_POOL_PAGES of its own, for its VM,
 *   vCPU, threads and guest RAM (SYS_VM_CREATE and SYS_VCPU_CREATE need a pool). Only that
 *   path gets it: the right to run VMs is the right to run that program. fork does not
 *   copy it; it goes back to pm's pool when the task dies.
 * Its thread's faults go to pm too (the same badged endpoint): pm is its pager. A write to a
 * copy-on-write page (see FORK) is served and the thread resumes; any other fault kills the
 * process with SIGSEGV (page fault), SIGFPE (divide error, vector 0) or SIGILL (others), and
 * a copy-on-write copy that does not fit the quota kills it with SIGKILL.
 *
 * Start-up. The thread starts at the ELF entry with rdi = PM_START_MAGIC and rsp pointing at
 * argc, as on Linux: argc, argv[0..argc-1], NULL, envp[...], NULL, an empty auxiliary vector
 * (AT_NULL, 0), and the strings above them; rsp is 16-byte aligned. posix/runtime/crt0.S
 * reads it; a program started by init instead (rdi = its module index) gets argv = { name }.
 *
 * Quotas. Each process has its own sub-pool (SYS_POOL_SPLIT from pm's pool) of
 * PM_PROC_PAGES pages: its task, thread and every page it creates (load, stack, brk, and its
 * copy-on-write copies) are charged to it, so no process can use more. A page shared after
 * fork stays charged to the process that created it until its last user lets go, even after
 * that process ended: its quota then lives on, and counts against the PM_MAX_PROCS quotas pm
 * keeps at most. At most PM_MAX_PROCS processes live (zombies count); fork beyond either
 * limit fails with -E_AGAIN (EAGAIN).
 *
 * Status words (WAIT) are the traditional encoding newlib's <sys/wait.h> decodes:
 * (code & 0xff) << 8 for an exit, the signal number for a death by signal.
 *
 * The messages (proto.h explains the list and the wire format). Errors common to all:
 * -E_PERM from a caller that is not a process of pm (its badge is unknown), except
 * TTY_SIGNAL, which only callers that are not processes may send.
 *
 * FORK() -> pid of the child to the parent. The child is a copy, copy-on-write: it shares
 *   every page of the parent (text as it is; writable pages read-only in both until one of
 *   them writes a page, which then gets its own copy, charged to the writer's quota; only
 *   the IPC buffer is copied at once). Its thread resumes at the same point with the
 *   registers of a successful FORK reply whose pid is 0, and vfs gives it a copy of the
 *   parent's descriptor table sharing the open file descriptions (VFS_FORK). -E_AGAIN:
 *   process limit, all quotas in use, or no memory for the child's quota; -E_NOMEM: pm
 *   could not record or map the child's pages.
 * EXEC(path, argv, envp): the three are addresses in the caller: a NUL-terminated path
 *   (absolute: the runtime makes a relative one absolute) and two NULL-terminated vectors
 *   of string pointers. pm reads the ELF through vfs, builds a new image (same pid, same
 *   identity, same parent and children), closes the close-on-exec descriptors (VFS_EXEC) and
 *   starts it; the old image is gone and no reply comes. Errors (the old image goes on):
 *   -E_FAULT a bad address, -E_RANGE arguments and environment over PM_ARG_MAX bytes or
 *   PM_ARG_COUNT strings, -E_NAMETOOLONG, vfs's errors for the path (-E_NOENT ...), -E_PERM
 *   not an acceptable ELF executable, -E_NOMEM no room for it in the quota.
 * EXIT(status): the process ends (no reply); its parent sees status & 0xff.
 * WAIT(pid, options) -> pid, status of a child that ended (then it is gone) or, with
 *   PM_WUNTRACED, that stopped since last reported (status (sig << 8) | 0x7f; it stays).
 *   pid -1: any child; > 0: that one; 0: any in the caller's process group; < -1: any in
 *   group -pid. options: PM_WNOHANG (pid 0 if none is ready yet), PM_WUNTRACED. Without
 *   WNOHANG the reply waits. -E_CHILD no such child; -E_INVAL bad options; -E_INTR a
 *   signal with a handler came meanwhile (the runtime asks again if no handler ran).
 * GETPID() -> pid, ppid. An orphan's parent is pid 1.
 *
 * Signals. pm keeps, per process, which signals have a handler and which are ignored
 * (SIGSTATE), the pending set, and whether it is stopped; the blocked mask lives in the
 * runtime (a signal that arrives blocked stays pending there). A signal with the default
 * action is carried out by pm: terminate (the parent sees WIFSIGNALED), ignore (SIGCHLD,
 * SIGURG, SIGWINCH, SIGCONT), stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: the thread is
 * suspended, the parent gets SIGCHLD and WUNTRACED reports it; a stop from the terminal
 * to an orphaned process group is discarded), and SIGCONT always continues a stopped
 * process. SIGKILL and SIGSTOP cannot be handled or ignored. pid 1 gets only the signals
 * it handles (as Linux's init). An ignored signal is discarded. A signal with a handler is
 * delivered as Linux delivers it: pm answers the process's own held request (WAIT:
 * -E_INTR; SIGWAIT: the signal), asks vfs to end a held pipe request (VFS_INTERRUPT:
 * -E_INTR), stops the thread with SYS_THREAD_SUSPEND (interrupting a kernel sleep or
 * wait: -E_INTR), writes a struct pm_sigframe below the red zone of its stack and lets
 * it go on at the runtime's entry: rdi = signal, rsi = the frame, rsp = frame - 8. The
 * entry runs the handler and calls SIGRETURN(frame), which puts the registers back. A
 * thread busy in a request to another server is tried again shortly (pm's loop).
 * KILL(pid, sig): pid > 0 that process; 0 the caller's group; -1 every process but pid 1
 *   and the caller; < -1 group -pid. sig 0 only checks. -E_SRCH none found (a zombie
 *   takes only sig 0); -E_INVAL bad signal.
 * SETPGID(pid, pgid): pid 0 is the caller, pgid 0 is pid. POSIX's rules: the target is the
 *   caller or its child (-E_SRCH) that has not exec'd (-E_ACCES), not a session leader
 *   (-E_PERM), in the caller's session (-E_PERM), and pgid is the target's pid or a
 *   group of that session (-E_PERM); -E_INVAL pgid < 0.
 * GETPGID(pid) -> pgid, sid (pid 0: the caller); -E_SRCH.
 * SETSID() -> sid: a new session and group led by the caller, with no terminal; -E_PERM
 *   if the caller already leads a group.
 * SIGSTATE(set, entry, handled, ignored) -> handled, ignored: with set 1 pm takes the
 *   runtime's handler entry and the two signal masks (bits 1..31; SIGKILL and SIGSTOP are
 *   dropped from both); set 0 only reads them. exec clears handled and keeps ignored.
 * SIGRETURN(frame): the registers of the struct pm_sigframe at frame go back into the
 *   thread (no reply: it goes on where the signal found it). -E_FAULT, -E_INVAL a bad frame.
 * SIGWAIT(serial) -> sigs, serial: waits until signals with a handler come and answers
 *   them (the runtime runs them) instead of delivering through the stack: sigsuspend,
 *   pause. serial is the last delivery count the runtime saw (pm_sigframe.serial or this
 *   answer's): if pm delivered through the stack since, the answer comes at once with sigs
 *   0 (no lost wake-up). The answer's serial is pm's count now. fork copies the count,
 *   exec starts it again at 0 (the runtime's memory starts again too).
 * TCGETPGRP() -> pgrp, TCSETPGRP(pgrp): the foreground process group of the console,
 *   the terminal pm knows (the session of pid 1 has it). -E_NOTTY if the caller's session
 *   does not have it; TCSETPGRP: -E_PERM pgrp is not a group of that session.
 *   The runtime checks that the descriptor is a terminal first.
 * TTY_SIGNAL(sig): from the tty server (a caller that is not a process, see identities):
 *   sends sig to the terminal's foreground group (^C, ^\, ^Z). -E_INVAL bad sig.
 * PROC_INFO(after) -> the process with the smallest pid > after (ps); -E_SRCH none.
 * ALARM(set, value_us, interval_us) -> old_value_us, old_interval_us: the caller's real-time
 *   interval timer (setitimer ITIMER_REAL; alarm is value in seconds, no interval). The old
 *   setting is answered (time left, 0: none); with set 1 the new one replaces it: SIGALRM
 *   after value_us, then every interval_us (value 0 cancels). -E_INVAL: set > 1 or a time
 *   over PM_ALARM_MAX_US. fork clears it in the child, exec keeps it (POSIX). pm's own
 *   timer thread sleeps until the earliest deadline and calls pm with PM_TIMER_LABEL, badged
 *   PM_TIMER_BADGE (which no process or server carries).
 * BRK(end) -> mapped: makes [PM_HEAP_BASE, end) usable (read-write) in the caller and
 *   returns the end of what is mapped (>= end: pm maps in steps of PM_HEAP_STEP). end below
 *   the mapped end changes nothing (the pages stay). -E_NOMEM: beyond PM_HEAP_MAX or the quota.
 * REBOOT(how): PM_REBOOT_POWER_OFF or PM_REBOOT_HALT: pm halts the machine (SYS_MACHINE_HALT
 *   with code 0: ACPI power-off, which ends QEMU); no reply comes. Any process may ask (one
 *   user, root). pm holds the machine for this: init gives it to the module named "pm" at
 *   CAP_CHILD_MACHINE (proto/init.h). pm also powers off when pid 1 ends. -E_PERM: pm has no
 *   machine; -E_INVAL: another how (there is no reset yet). posix/runtime: reboot(2).
 */
#define CAP_PM          9
#define PM_BADGE_SELF   (1ull << 32)
#define PM_BADGE_BASE   (1ull << 32)
#define PM_START_MAGIC  0x504d5f415247560aull   /* "\nVGRA_MP" */

#define PM_VMM_PATH        "/bin/vmm-server"
#define CAP_PM_VMM_POOL    3
#define PM_VMM_POOL_PAGES  8192                 /* 32 MiB per VMM */

#define PM_MAX_PROCS    16
#define PM_PROC_PAGES   2048                    /* 8 MiB per process */
#define PM_ARG_MAX      (32 * 1024)             /* bytes of argv + envp strings */
#define PM_ARG_COUNT    1024                    /* strings in argv + envp */
#define PM_PATH_MAX     VFS_PATH_CAP

#define PM_HEAP_BASE    0x0000100000000000ull   /* 16 TiB, as posix/runtime/heap.c */
#define PM_HEAP_MAX     0x0000000040000000ull   /* 1 GiB of address space (the quota bounds it first) */
#define PM_HEAP_STEP    (256 * 1024ull)

#define PM_ALARM_MAX_US (1000000ull * 100000000ull)   /* 10^8 s, as Linux's alarm limit */
#define PM_TIMER_BADGE  (1ull << 48)
#define PM_TIMER_LABEL  PROTO_LABEL(PROTO_ID_PM, 0)

#define PM_WNOHANG      1
#define PM_WUNTRACED    2               /* also report children that stopped */

#define PM_REBOOT_HALT       1
#define PM_REBOOT_POWER_OFF  2

/*
 * Signal numbers: newlib's for this target (its <sys/signal.h>, the BSD numbering), the ABI
 * between pm and the runtime. pm needs these for the default actions.
 */
#define PM_SIGHUP   1
#define PM_SIGINT   2
#define PM_SIGQUIT  3
#define PM_SIGILL   4
#define PM_SIGTRAP  5
#define PM_SIGABRT  6
#define PM_SIGFPE   8
#define PM_SIGKILL  9
#define PM_SIGSEGV 11
#define PM_SIGPIPE 13
#define PM_SIGALRM 14
#define PM_SIGTERM 15
#define PM_SIGURG  16
#define PM_SIGSTOP 17
#define PM_SIGTSTP 18
#define PM_SIGCONT 19
#define PM_SIGCHLD 20
#define PM_SIGTTIN 21
#define PM_SIGTTOU 22
#define PM_SIGWINCH 24
#define PM_NSIG    32
#define PM_SIG_BIT(sig) (1ull << (sig))

/* What pm writes on a process's stack to run a handler (SIGRETURN reads it back). */
#define PM_SIGFRAME_MAGIC 0x5349474652414d45ull     /* "EMARFGIS" */
struct pm_sigframe {
    uint64_t magic;
    uint64_t sig;
    uint64_t serial;                /* the process's delivery count after this one (SIGWAIT) */
    uint64_t pad;
    struct agora_regs regs;         /* where the thread was */
};

/* One process for PROC_INFO (ps). */
#define PM_PROC_NAME 32               /* the program's path (its last 31 bytes), for logs */
#define PM_PROC_CMD  64               /* its arguments joined by spaces (the first 63 bytes) */
struct pm_proc_info {
    int64_t pid, ppid, pgid, sid;
    uint64_t state;                 /* 'R' running, 'T' stopped, 'Z' zombie */
    uint64_t tty_fg;                /* 1: in the terminal's foreground process group */
    char cmd[PM_PROC_CMD];
};

#define PM_MSG_LIST(X, F)                                                                       \
    X(PM_FORK,   pm_fork,   1, (), (F(int64_t, pid)))                                           \
    X(PM_EXEC,   pm_exec,   2, (F(uint64_t, path) F(uint64_t, argv) F(uint64_t, envp)), ())     \
    X(PM_EXIT,   pm_exit,   3, (F(int64_t, status)), ())                                        \
    X(PM_WAIT,   pm_wait,   4, (F(int64_t, pid) F(uint64_t, options)),                          \
      (F(int64_t, pid) F(int64_t, status)))                                                     \
    X(PM_GETPID, pm_getpid, 5, (), (F(int64_t, pid) F(int64_t, ppid)))                          \
    X(PM_KILL,   pm_kill,   6, (F(int64_t, pid) F(int64_t, sig)), ())                           \
    X(PM_BRK,    pm_brk,    7, (F(uint64_t, end)), (F(uint64_t, mapped)))                      \
    X(PM_REBOOT, pm_reboot, 8, (F(uint64_t, how)), ())                                      \
    X(PM_SETPGID, pm_setpgid, 9, (F(int64_t, pid) F(int64_t, pgid)), ())                       \
    X(PM_GETPGID, pm_getpgid, 10, (F(int64_t, pid)), (F(int64_t, pgid) F(int64_t, sid)))       \
    X(PM_SETSID, pm_setsid, 11, (), (F(int64_t, sid)))                                         \
    X(PM_SIGSTATE, pm_sigstate, 12,                                                            \
      (F(uint64_t, set) F(uint64_t, entry) F(uint64_t, handled) F(uint64_t, ignored)),         \
      (F(uint64_t, handled) F(uint64_t, ignored)))                                             \
    X(PM_SIGRETURN, pm_sigreturn, 13, (F(uint64_t, frame)), ())                               \
    X(PM_SIGWAIT, pm_sigwait, 14, (F(uint64_t, serial)), (F(uint64_t, sigs) F(uint64_t, serial)))                  \
    X(PM_TCGETPGRP, pm_tcgetpgrp, 15, (), (F(int64_t, pgrp)))                                  \
    X(PM_TCSETPGRP, pm_tcsetpgrp, 16, (F(int64_t, pgrp)), ())                                  \
    X(PM_TTY_SIGNAL, pm_tty_signal, 17, (F(int64_t, sig)), ())                                 \
    X(PM_PROC_INFO, pm_proc_info, 18, (F(int64_t, after)), (F(struct pm_proc_info, info)))      \
    X(PM_ALARM, pm_alarm, 19, (F(uint64_t, set) F(uint64_t, value_us) F(uint64_t, interval_us)),  \
      (F(uint64_t, old_value_us) F(uint64_t, old_interval_us)))

enum pm_msg {
#define PM_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_PM, num),
    PM_MSG_LIST(PM_MSG_ENUM, PROTO_FIELD_DECL)
#undef PM_MSG_ENUM
};

PROTO_STRUCTS(PM_MSG_LIST)
/* struct pm_handlers { pm_fork, pm_exec, ... } and pm_dispatch(). */
PROTO_HANDLERS(PM_MSG_LIST, pm_handlers);
PROTO_DISPATCH(PM_MSG_LIST, pm_handlers, pm_dispatch)

#endif
