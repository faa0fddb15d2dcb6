/* What pm's parts share: the process table, the servers it talks to, and the calls between main.c and signal.c. */
#ifndef PM_SERVER_H
#define PM_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <libagora/sys.h>

#include "proc.h"

/* A handler's result: the request is not to be answered now (the caller ended, waits, or was answered). */
#define PM_NO_REPLY 1

extern struct pm_table pm_table;
extern uint64_t pm_vfs_ep;          /* vfs, reached as PM_BADGE_SELF; CAP_NULL: no vfs */

/* The console's session (0: none has it) and its foreground process group. */
extern int64_t pm_tty_sid, pm_tty_fg;

/* main.c: p ends with the wait status (a zombie for its parent); nothing if it is not alive. */
void pm_proc_end(struct pm_proc *p, int64_t status);
/* main.c: answers parent's held WAIT if a child it waits for is ready (or none is left). */
void pm_wake_waiter(struct pm_proc *parent);
/* main.c: answers a held reply slot with a status and reply words, and frees the slot. */
void pm_answer(uint64_t *reply, long status, const void *rep, uint64_t bytes);

/* signal.c: sends sig to p (pm.h's rules: default actions, handlers, stops). */
void pm_signal(struct pm_proc *p, int sig);
/* signal.c: sends sig to every live process of group pgid; how many there were. */
unsigned pm_signal_group(int64_t pgid, int sig);
/* signal.c: whether a process has a signal for its handler that pm could deliver now. */
bool pm_signal_deliverable(void);
/* signal.c: delivers what pm_signal_deliverable says (after the current request is answered). */
void pm_signal_deliver_all(void);
/* signal.c: SIGRETURN for p, whose request pm is handling (it answers it itself). */
long pm_signal_return(struct pm_proc *p, uint64_t frame);
/* signal.c: a child of parent ended or stopped: SIGCHLD, and a held WAIT may be answered. */
void pm_signal_child_changed(struct pm_proc *child);
/* signal.c: p ends: its group may be orphaned now (SIGHUP, SIGCONT to stopped ones), its terminal freed. */
void pm_signal_proc_gone(struct pm_proc *p);

/* timer.c: starts the timer thread, which calls endpoint (badged PM_TIMER_BADGE). */
long pm_timer_start(uint64_t endpoint);
/* timer.c: the timer thread's call: SIGALRMs that are due; *m becomes the answer (how long to sleep). */
void pm_timer_tick(struct agora_msg *m);
/* timer.c: ALARM for p: the old setting, then (set) the new one (value 0: none); -E_INVAL. */
long pm_timer_set(struct pm_proc *p, bool set, uint64_t value_us, uint64_t interval_us,
                  uint64_t *old_value, uint64_t *old_interval);
/* timer.c: a deadline may have moved earlier (an alarm, a signal to retry): wake the sleeper if so. */
void pm_timer_changed(void);

#endif
