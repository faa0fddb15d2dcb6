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
 * -E_PERM from a caller that is not a process of pm (its badge is unknown).
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
 * WAIT(pid, options) -> pid, status of a child that ended (then it is gone). pid -1: any
 *   child; > 0: that one. options: PM_WNOHANG (pid 0 if none has ended yet). Without it the
 *   reply waits until one ends. -E_CHILD no such child; -E_INVAL bad options, pid 0 or < -1
 *   (process groups do not exist yet).
 * GETPID() -> pid, ppid. An orphan's parent is pid 1.
 * KILL(pid, sig): SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGQUIT: the process ends with that
 *   signal; 0: only checks that pid exists; any other signal in 1..31 is recorded (pending
 *   mask, not delivered yet). -E_SRCH no such process (or a zombie for a signal other than
 *   0); -E_INVAL bad signal, pid <= 0 (no process groups yet).
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

#define PM_MAX_PROCS    16
#define PM_PROC_PAGES   2048                    /* 8 MiB per process */
#define PM_ARG_MAX      (32 * 1024)             /* bytes of argv + envp strings */
#define PM_ARG_COUNT    1024                    /* strings in argv + envp */
#define PM_PATH_MAX     VFS_PATH_CAP

#define PM_HEAP_BASE    0x0000100000000000ull   /* 16 TiB, as posix/runtime/heap.c */
#define PM_HEAP_MAX     0x0000000040000000ull   /* 1 GiB of address space (the quota bounds it first) */
#define PM_HEAP_STEP    (256 * 1024ull)

#define PM_WNOHANG      1

#define PM_REBOOT_HALT       1
#define PM_REBOOT_POWER_OFF  2

/* The signal numbers pm knows (newlib's, which are Linux's for these). */
#define PM_SIGHUP   1
#define PM_SIGINT   2
#define PM_SIGQUIT  3
#define PM_SIGILL   4
#define PM_SIGFPE   8
#define PM_SIGKILL  9
#define PM_SIGSEGV 11
#define PM_SIGTERM 15
#define PM_NSIG    32

#define PM_MSG_LIST(X, F)                                                                       \
    X(PM_FORK,   pm_fork,   1, (), (F(int64_t, pid)))                                           \
    X(PM_EXEC,   pm_exec,   2, (F(uint64_t, path) F(uint64_t, argv) F(uint64_t, envp)), ())     \
    X(PM_EXIT,   pm_exit,   3, (F(int64_t, status)), ())                                        \
    X(PM_WAIT,   pm_wait,   4, (F(int64_t, pid) F(uint64_t, options)),                          \
      (F(int64_t, pid) F(int64_t, status)))                                                     \
    X(PM_GETPID, pm_getpid, 5, (), (F(int64_t, pid) F(int64_t, ppid)))                          \
    X(PM_KILL,   pm_kill,   6, (F(int64_t, pid) F(int64_t, sig)), ())                           \
    X(PM_BRK,    pm_brk,    7, (F(uint64_t, end)), (F(uint64_t, mapped)))                      \
    X(PM_REBOOT, pm_reboot, 8, (F(uint64_t, how)), ())

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
