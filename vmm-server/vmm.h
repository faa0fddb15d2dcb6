/* vmm-server's shared state and the interfaces between its files (one guest per process). */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/hypercall.h>
#include <agora/ipc.h>
#include <agora/vcpu.h>
#include <libagora/sys.h>

#include "cpuid_msr.h"
#include "guest_mem.h"

#define VMM_PRIORITY 100                 /* a process's (AGORA_SPAWN_DEFAULT_PRIORITY) */
/* Badges on vmm-server's own endpoint; clients' badges are their names identities. */
#define VMM_BADGE_EXIT   0x564d4d0000000001ull
#define VMM_BADGE_TIMER  0x564d4d0000000002ull
#define VMM_TIMER_LABEL  0x564d0001u     /* the timer thread's call: mr0 the time, answer mr0 the next sleep */

#define VMM_DEFAULT_MEM  (8u << 20)
#define VMM_MIN_MEM      (1u << 20)

struct vmm_event {
    uint64_t due_us;
    uint8_t vector;
    bool fired;                          /* due: waits for injection */
};

struct vmm {
    /* Capabilities (slots). */
    uint64_t pool, vm, vcpu, ep, exit_ep, timer_ep, timer_thread, saved_reply;
    int64_t id;
    const char *file, *cmdline;
    char file_tail[64];
    struct guest_mem mem;
    struct agora_vcpu_state boot;        /* the loader's state: RESET starts here again */
    struct msr_store msrs;

    /* The vCPU: what the loop knows between exits. */
    bool halted;                         /* in HLT: its reply is saved_reply */
    uint64_t halt_rip, halt_rflags;
    bool poked;                          /* a poke is on its way */
    bool window_requested;               /* virq + VINTR set: an exit comes when it can take one */
    uint64_t last_npf;                   /* the last nested fault on RAM already mapped, or ~0 */
    struct vmm_event events[HC_EVENT_MAX];

    /* Counters (INFO). */
    uint64_t exits, exceptions, boots;

    bool detached;
    bool ending;
    int status;
};

/* The exit message's words and the reply being built. */
struct vmm_exit {
    uint64_t w[VCPU_EXIT_WORDS];
    uint64_t mask, rip, rax, event, rbx, rcx, rdx;
};

/* Ends the VM: the loop stops after this exit and vmm-server exits with status. */
void vmm_end(struct vmm *v, int status, const char *why);

/* loader.c: the guest's file into RAM and its first state (s); 0 or an error, *why says more. */
long loader_load(struct vmm *v, struct agora_vcpu_state *s, const char **why);

/* vcpu_loop.c: serves exits, the timer and clients until the guest ends. */
void vcpu_loop_run(struct vmm *v);
/* The guest's 64-bit mode (EFER.LMA and CS.L). */
bool vmm_long_mode(const struct vmm_exit *e);

/* io.c: the devices (16550, 8259 PIC, 8254 PIT, the exit port). */
void io_init(struct vmm *v);
void io_exit(struct vmm *v, struct vmm_exit *e);
/* Updates the PIT's interrupt edges to now; the next time it wants the timer (us), or 0: never. */
uint64_t io_timer(struct vmm *v, uint64_t now_us);
/* Whether the PIC asks for an interrupt (its vector, or -1); io_pic_acknowledge takes it (INTA): the vector to inject, or -1. */
int io_pic_pending(struct vmm *v);
int io_pic_acknowledge(struct vmm *v);
/* Bytes typed for the guest's UART: how many it took. */
unsigned io_input(struct vmm *v, const uint8_t *bytes, unsigned n);

/* mmio.c: a nested fault outside RAM: emulate the access against nothing (reads all ones). */
void mmio_exit(struct vmm *v, struct vmm_exit *e);

/* hypercall.c: VMMCALL. */
void hypercall_exit(struct vmm *v, struct vmm_exit *e);

/* irq.c: events, injection, the timer thread. */
long irq_start_timer(struct vmm *v);
long irq_event_add(struct vmm *v, unsigned vector, uint64_t delay_us);
/* On the timer's call: fires due events, advances the PIT; the next sleep in us. */
uint64_t irq_timer(struct vmm *v);
/* Puts a pending interrupt into the exit's reply when the guest can take it, else asks for a window. */
void irq_deliver(struct vmm *v, struct vmm_exit *e);
/* After something outside an exit made an interrupt pending: wake a halted vCPU or poke a running one. */
void irq_kick(struct vmm *v);
/* VINTR exit: the window is open. */
void irq_window_exit(struct vmm *v, struct vmm_exit *e);

/* console.c: the guest's serial output to the terminal, or to the log once detached. */
void console_put(struct vmm *v, uint8_t byte);
void console_flush(struct vmm *v);
long console_detach(struct vmm *v);

/* control.c: the vmm protocol (proto/vmm.h) for the vm command. */
long control_register(struct vmm *v);
void control_request(struct vmm *v, struct agora_msg *m, bool *reply);

#endif
