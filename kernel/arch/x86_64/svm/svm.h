/*
 * AMD SVM: turning it on, ASIDs, the VMCB of a vCPU (built, checked, read and written in
 * the ABI's struct agora_vcpu_state) and one world switch into the guest and back.
 */
#ifndef AGORA_KERNEL_ARCH_SVM_H
#define AGORA_KERNEL_ARCH_SVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "agora/vcpu.h"
#include "arch/x86_64/svm/vmcb.h"

/* The guest's general registers that the VMCB does not hold (rax and rsp are in it). */
typedef struct svm_gprs {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
} svm_gprs_t;
/* vmrun.S's G_* offsets. */
_Static_assert(offsetof(svm_gprs_t, rsi) == 24 && offsetof(svm_gprs_t, r8) == 48 &&
               offsetof(svm_gprs_t, r15) == 104, "svm_gprs_t layout");

/* Enables SVM on this CPU when it has SVM with nested paging and `allowed`; logs either way. */
void svm_init(bool allowed);
bool svm_available(void);

/* An ASID for a new VM (1 ...), 0 when all are in use; and its return. */
uint32_t svm_asid_alloc(void);
void svm_asid_free(uint32_t asid);

/* A fresh VMCB for a guest of nested page table ncr3 and that ASID: the reset state of vcpu.h. */
void svm_vmcb_init(vmcb_t *v, uint64_t ncr3, uint32_t asid);

/* 0, or -E_INVAL when the kernel refuses the state (the checks are listed in vcpu.h). */
int svm_state_check(const struct agora_vcpu_state *s);
/* A valid event to inject (VCPU_EVENT_*), or 0. */
bool svm_event_ok(uint64_t event);
void svm_state_read(const vmcb_t *v, const svm_gprs_t *g, struct agora_vcpu_state *s);
/* Writes a checked state; what the kernel keeps (intercepts, ASID, tables) stays. */
void svm_state_write(vmcb_t *v, svm_gprs_t *g, const struct agora_vcpu_state *s);

/*
 * Runs the guest until a #VMEXIT and returns its exit code (VCPU_EXIT_INVALID when VMRUN
 * refused the state). flush_tlb: drop the guest's TLB entries first (a mapping went).
 * Called with interrupts off; a host interrupt that ended the guest's run stays pending.
 */
uint64_t svm_run(vmcb_t *v, uint64_t vmcb_pa, svm_gprs_t *g, bool flush_tlb);

/* After an exit: the event whose delivery it interrupted, if it must be injected again; else 0. */
uint64_t svm_reinjection(const vmcb_t *v);

#endif
