/*
 * AMD SVM (APM vol. 2, chapter 15): enabling, ASIDs, and the VMCB of a vCPU. The VMM sees
 * the guest only through struct agora_vcpu_state; every field it may set is checked here
 * before it reaches a VMCB, and what it may not set (intercepts the kernel needs, the I/O
 * and MSR bitmaps, ASID, TLB control, nested paging) is the kernel's alone.
 */
#include "arch/x86_64/svm/svm.h"
#include "agora/errors.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/pmm.h"

#define MSR_VM_HSAVE_PA 0xC0010117
#define EFER_SCE  (1ull << 0)
#define EFER_LME  (1ull << 8)
#define EFER_LMA  (1ull << 10)
#define EFER_SVME (1ull << 12)
#define EFER_GUEST_ALLOWED (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME)

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR0_GUEST_ALLOWED 0xE005003Full   /* PE MP EM TS ET NE WP AM NW CD PG */
#define CR4_PAE (1ull << 5)
#define CR4_BASE_ALLOWED 0x7FFull         /* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT */
#define CR4_UMIP     (1ull << 11)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_OSXSAVE  (1ull << 18)
#define CR4_SMEP     (1ull << 20)
#define CR4_SMAP     (1ull << 21)
#define RFLAGS_FIXED1 (1ull << 1)
#define RFLAGS_GUEST_ALLOWED 0x3F7FD7ull
#define SEG_ATTR_L  (1u << 9)
#define SEG_ATTR_DB (1u << 10)
#define PAT_RESET 0x0007040600070406ull

#define IOPM_PAGES 3
#define MSRPM_PAGES 2
#define MAX_ASIDS 64

/* What every guest runs with, whatever its VMM asks. */
#define REQUIRED_MISC1 (SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI | SVM_INTERCEPT_INIT | \
                        SVM_INTERCEPT_CPUID | SVM_INTERCEPT_INVD | SVM_INTERCEPT_HLT | SVM_INTERCEPT_INVLPGA | \
                        SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR | SVM_INTERCEPT_SHUTDOWN)
#define REQUIRED_MISC2 (SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD | SVM_INTERCEPT_VMSAVE | \
                        SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI | SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_MONITOR | \
                        SVM_INTERCEPT_MWAIT | SVM_INTERCEPT_MWAIT_C | SVM_INTERCEPT_XSETBV)

void svm_vmrun(uint64_t vmcb_pa, svm_gprs_t *g, uint64_t host_save_pa);

static bool enabled;
static uint32_t nasids;
static uint64_t asids_used;     /* bit n: ASID n belongs to a VM; bit 0 is the host's */
static uint64_t host_save_pa;   /* VMSAVE area for what VMRUN does not switch (FS, GS, TR, syscall MSRs) */
static uint64_t iopm_pa, msrpm_pa;   /* all ones: every port and MSR exits */
static uint64_t cr4_allowed = CR4_BASE_ALLOWED;

static uint64_t alloc_filled(uint64_t pages, int byte)
{
    uint64_t pa = frame_alloc_contig(pmm_allocator(), pages, PAGE_SIZE);
    if (pa == FRAME_NONE)
        panic("svm: no %lu contiguous frames", (unsigned long)pages);
    memset(phys_to_virt(pa), byte, pages * PAGE_SIZE);
    return pa;
}

static void learn_cr4_bits(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (c & (1u << 26))
        cr4_allowed |= CR4_OSXSAVE;
    cpuid(0, 0, &a, &b, &c, &d);
    if (a < 7)
        return;
    cpuid(7, 0, &a, &b, &c, &d);
    if (b & (1u << 0))
        cr4_allowed |= CR4_FSGSBASE;
    if (b & (1u << 7))
        cr4_allowed |= CR4_SMEP;
    if (b & (1u << 20))
        cr4_allowed |= CR4_SMAP;
    if (c & (1u << 2))
        cr4_allowed |= CR4_UMIP;
}

void svm_init(bool allowed)
{
    uint32_t a, b, c, d;
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    bool has_svm = false, has_np = false;
    uint32_t features = 0, revision = 0;
    if (a >= 0x8000000A) {
        cpuid(0x80000001, 0, &a, &b, &c, &d);
        has_svm = c & (1u << 2);
    }
    if (has_svm) {
        cpuid(0x8000000A, 0, &a, &b, &c, &d);
        revision = a & 0xFF;
        nasids = b < MAX_ASIDS ? b : MAX_ASIDS;
        features = d;
        has_np = d & 1;
    }
    if (!has_svm || !has_np || nasids < 2 || !allowed) {
        log_line("svm", "virtual machines unavailable: %s; VM and vCPU calls answer -E_NOSYS",
                 !allowed ? "svm=off on the command line" : !has_svm ? "this CPU has no SVM"
                 : !has_np ? "no nested paging" : "no ASIDs");
        return;
    }
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, alloc_filled(1, 0));
    host_save_pa = alloc_filled(1, 0);
    iopm_pa = alloc_filled(IOPM_PAGES, 0xFF);
    msrpm_pa = alloc_filled(MSRPM_PAGES, 0xFF);
    learn_cr4_bits();
    asids_used = 1;
    enabled = true;
    log_line("svm", "enabled: revision %u, %u ASIDs, nested paging, vGIF %s, NRIP save %s, decode assists %s",
             revision, nasids, features & (1u << 16) ? "yes" : "no", features & (1u << 3) ? "yes" : "no",
             features & (1u << 7) ? "yes" : "no");
}

bool svm_available(void)
{
    return enabled;
}

uint32_t svm_asid_alloc(void)
{
    for (uint32_t i = 1; i < nasids; i++) {
        if (!(asids_used & (1ull << i))) {
            asids_used |= 1ull << i;
            return i;
        }
    }
    return 0;
}

void svm_asid_free(uint32_t asid)
{
    KASSERT(asid > 0 && asid < nasids && (asids_used & (1ull << asid)));
    asids_used &= ~(1ull << asid);
}

static void set_intercepts(vmcb_t *v, uint64_t optional, uint64_t exceptions)
{
    vmcb_control_t *c = &v->control;
    c->intercept_cr = 0;
    c->intercept_dr = 0xFFFFFFFF;   /* DR0-3 are not switched: the guest may not touch them */
    c->intercept_exceptions = (uint32_t)exceptions;
    c->intercept_misc1 = REQUIRED_MISC1 |
                         (optional & VCPU_INTERCEPT_VINTR ? SVM_INTERCEPT_VINTR : 0) |
                         (optional & VCPU_INTERCEPT_RDTSC ? SVM_INTERCEPT_RDTSC : 0) |
                         (optional & VCPU_INTERCEPT_PAUSE ? SVM_INTERCEPT_PAUSE : 0) |
                         (optional & VCPU_INTERCEPT_INVLPG ? SVM_INTERCEPT_INVLPG : 0) |
                         (optional & VCPU_INTERCEPT_IRET ? SVM_INTERCEPT_IRET : 0);
    c->intercept_misc2 = REQUIRED_MISC2 | (optional & VCPU_INTERCEPT_RDTSCP ? SVM_INTERCEPT_RDTSCP : 0);
    c->intercept_misc3 = 0;
}

static uint64_t optional_intercepts(const vmcb_t *v)
{
    uint32_t m1 = v->control.intercept_misc1, m2 = v->control.intercept_misc2;
    return (m1 & SVM_INTERCEPT_VINTR ? VCPU_INTERCEPT_VINTR : 0) |
           (m1 & SVM_INTERCEPT_RDTSC ? VCPU_INTERCEPT_RDTSC : 0) |
           (m2 & SVM_INTERCEPT_RDTSCP ? VCPU_INTERCEPT_RDTSCP : 0) |
           (m1 & SVM_INTERCEPT_PAUSE ? VCPU_INTERCEPT_PAUSE : 0) |
           (m1 & SVM_INTERCEPT_INVLPG ? VCPU_INTERCEPT_INVLPG : 0) |
           (m1 & SVM_INTERCEPT_IRET ? VCPU_INTERCEPT_IRET : 0);
}

void svm_vmcb_init(vmcb_t *v, uint64_t ncr3, uint32_t asid)
{
    KASSERT(enabled && asid != 0);
    memset(v, 0, sizeof *v);
    set_intercepts(v, 0, 0);
    v->control.iopm_base_pa = iopm_pa;
    v->control.msrpm_base_pa = msrpm_pa;
    v->control.asid = asid;
    v->control.tlb_control = SVM_TLB_FLUSH_ALL;   /* the ASID may have served a VM before */
    v->control.int_ctl = SVM_INT_CTL_V_INTR_MASKING;
    v->control.np_control = 1;
    v->control.ncr3 = ncr3;
    v->save.efer = EFER_SVME;
    v->save.cr0 = CR0_ET;
    v->save.rflags = RFLAGS_FIXED1;
    v->save.g_pat = PAT_RESET;
    vmcb_segment_t *segs[] = { &v->save.es, &v->save.cs, &v->save.ss, &v->save.ds, &v->save.fs,
                               &v->save.gs, &v->save.gdtr, &v->save.ldtr, &v->save.idtr, &v->save.tr };
    for (unsigned i = 0; i < sizeof segs / sizeof segs[0]; i++)
        segs[i]->limit = 0xFFFF;
}

static bool canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

bool svm_event_ok(uint64_t e)
{
    if (e == 0)
        return true;
    uint64_t type = e & VCPU_EVENT_TYPE_MASK, vector = e & 0xFF;
    if (!(e & VCPU_EVENT_VALID) || (e & 0x7FFFF000ull))
        return false;   /* bits 30:12 are reserved */
    if (!(e & VCPU_EVENT_ERROR) && (e >> 32))
        return false;   /* an error code only with its valid bit */
    if ((e & VCPU_EVENT_ERROR) && type != VCPU_EVENT_TYPE_EXCEPTION)
        return false;
    switch (type) {
    case VCPU_EVENT_TYPE_INTR:
    case VCPU_EVENT_TYPE_SOFT:
        return true;
    case VCPU_EVENT_TYPE_NMI:
        return vector == 2;
    case VCPU_EVENT_TYPE_EXCEPTION:
        /* Only defined exceptions: not NMI (2), nor the reserved 9, 15, 22-27 and 31 (APM 15.20). */
        return vector < 32 && !((1u << vector) & 0x8FC08204u);
    default:
        return false;
    }
}

static bool pat_ok(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t t = (uint8_t)(pat >> (8 * i));
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

static bool segments_ok(const struct agora_vcpu_state *s)
{
    const struct agora_vcpu_segment *all[] = { &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs,
                                               &s->gdtr, &s->ldtr, &s->idtr, &s->tr };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i]->attrib > 0xFFF)
            return false;
    /* ES CS SS DS bases are 32 bits; the others (loaded whole in long mode) canonical. */
    if ((s->es.base | s->cs.base | s->ss.base | s->ds.base) >> 32)
        return false;
    if (!canonical(s->fs.base) || !canonical(s->gs.base) || !canonical(s->ldtr.base) ||
        !canonical(s->tr.base) || !canonical(s->gdtr.base) || !canonical(s->idtr.base))
        return false;
    return s->gdtr.limit <= 0xFFFF && s->idtr.limit <= 0xFFFF;
}

static bool control_registers_ok(const struct agora_vcpu_state *s)
{
    if (!(s->efer & EFER_SVME) || (s->efer & ~EFER_GUEST_ALLOWED))
        return false;
    if ((s->cr0 & ~CR0_GUEST_ALLOWED) || ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD)))
        return false;
    if ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE))
        return false;
    if ((s->cr4 & ~cr4_allowed) || (s->cr3 >> 52))
        return false;
    bool long_mode = (s->efer & EFER_LME) && (s->cr0 & CR0_PG);
    if (!(s->efer & EFER_LMA) != !long_mode)
        return false;
    if (long_mode && !(s->cr4 & CR4_PAE))
        return false;
    if (long_mode && (s->cs.attrib & SEG_ATTR_L) && (s->cs.attrib & SEG_ATTR_DB))
        return false;
    return !(s->dr6 >> 32) && !(s->dr7 >> 32);
}

int svm_state_check(const struct agora_vcpu_state *s)
{
    if (!control_registers_ok(s) || !segments_ok(s))
        return -E_INVAL;
    if (!(s->rflags & RFLAGS_FIXED1) || (s->rflags & ~RFLAGS_GUEST_ALLOWED))
        return -E_INVAL;
    if (!canonical(s->lstar) || !canonical(s->cstar) || !canonical(s->kernel_gs_base) ||
        !canonical(s->sysenter_esp) || !canonical(s->sysenter_eip) || (s->sysenter_cs >> 32) ||
        (s->sfmask >> 32) || !pat_ok(s->pat))
        return -E_INVAL;
    if (s->cpl > 3 || s->interrupt_shadow > 1 || !svm_event_ok(s->event_inject))
        return -E_INVAL;
    if ((s->intercepts & ~VCPU_INTERCEPT_ALL) || (s->exceptions >> 32) || (s->virq & ~VCPU_VIRQ_MASK))
        return -E_INVAL;
    return 0;
}

static void segment_out(struct agora_vcpu_segment *d, const vmcb_segment_t *s)
{
    d->selector = s->selector;
    d->attrib = s->attrib;
    d->limit = s->limit;
    d->base = s->base;
}

static void segment_in(vmcb_segment_t *d, const struct agora_vcpu_segment *s)
{
    d->selector = s->selector;
    d->attrib = s->attrib;
    d->limit = s->limit;
    d->base = s->base;
}

void svm_state_read(const vmcb_t *v, const svm_gprs_t *g, struct agora_vcpu_state *s)
{
    const vmcb_save_t *vs = &v->save;
    memset(s, 0, sizeof *s);
    s->rax = vs->rax; s->rbx = g->rbx; s->rcx = g->rcx; s->rdx = g->rdx;
    s->rsi = g->rsi; s->rdi = g->rdi; s->rbp = g->rbp; s->rsp = vs->rsp;
    s->r8 = g->r8; s->r9 = g->r9; s->r10 = g->r10; s->r11 = g->r11;
    s->r12 = g->r12; s->r13 = g->r13; s->r14 = g->r14; s->r15 = g->r15;
    s->rip = vs->rip; s->rflags = vs->rflags;
    s->cr0 = vs->cr0; s->cr2 = vs->cr2; s->cr3 = vs->cr3; s->cr4 = vs->cr4; s->efer = vs->efer;
    s->dr6 = vs->dr6; s->dr7 = vs->dr7;
    segment_out(&s->es, &vs->es); segment_out(&s->cs, &vs->cs); segment_out(&s->ss, &vs->ss);
    segment_out(&s->ds, &vs->ds); segment_out(&s->fs, &vs->fs); segment_out(&s->gs, &vs->gs);
    segment_out(&s->gdtr, &vs->gdtr); segment_out(&s->ldtr, &vs->ldtr);
    segment_out(&s->idtr, &vs->idtr); segment_out(&s->tr, &vs->tr);
    s->star = vs->star; s->lstar = vs->lstar; s->cstar = vs->cstar; s->sfmask = vs->sfmask;
    s->kernel_gs_base = vs->kernel_gs_base;
    s->sysenter_cs = vs->sysenter_cs; s->sysenter_esp = vs->sysenter_esp; s->sysenter_eip = vs->sysenter_eip;
    s->pat = vs->g_pat;
    s->cpl = vs->cpl;
    s->interrupt_shadow = v->control.int_state & 1;
    s->event_inject = v->control.event_inject;
    s->intercepts = optional_intercepts(v);
    s->exceptions = v->control.intercept_exceptions;
    s->virq = v->control.int_ctl & VCPU_VIRQ_MASK;
}

void svm_state_write(vmcb_t *v, svm_gprs_t *g, const struct agora_vcpu_state *s)
{
    vmcb_save_t *vs = &v->save;
    vs->rax = s->rax; g->rbx = s->rbx; g->rcx = s->rcx; g->rdx = s->rdx;
    g->rsi = s->rsi; g->rdi = s->rdi; g->rbp = s->rbp; vs->rsp = s->rsp;
    g->r8 = s->r8; g->r9 = s->r9; g->r10 = s->r10; g->r11 = s->r11;
    g->r12 = s->r12; g->r13 = s->r13; g->r14 = s->r14; g->r15 = s->r15;
    vs->rip = s->rip; vs->rflags = s->rflags;
    vs->cr0 = s->cr0; vs->cr2 = s->cr2; vs->cr3 = s->cr3; vs->cr4 = s->cr4; vs->efer = s->efer;
    vs->dr6 = s->dr6; vs->dr7 = s->dr7;
    segment_in(&vs->es, &s->es); segment_in(&vs->cs, &s->cs); segment_in(&vs->ss, &s->ss);
    segment_in(&vs->ds, &s->ds); segment_in(&vs->fs, &s->fs); segment_in(&vs->gs, &s->gs);
    segment_in(&vs->gdtr, &s->gdtr); segment_in(&vs->ldtr, &s->ldtr);
    segment_in(&vs->idtr, &s->idtr); segment_in(&vs->tr, &s->tr);
    vs->star = s->star; vs->lstar = s->lstar; vs->cstar = s->cstar; vs->sfmask = s->sfmask;
    vs->kernel_gs_base = s->kernel_gs_base;
    vs->sysenter_cs = s->sysenter_cs; vs->sysenter_esp = s->sysenter_esp; vs->sysenter_eip = s->sysenter_eip;
    vs->g_pat = s->pat;
    vs->cpl = (uint8_t)s->cpl;
    v->control.int_state = s->interrupt_shadow;
    v->control.event_inject = s->event_inject;
    set_intercepts(v, s->intercepts, s->exceptions);
    v->control.int_ctl = s->virq | SVM_INT_CTL_V_INTR_MASKING;
}

/*
 * GIF stays clear from before the guest's FS, GS and TR are loaded until the host's are
 * back, so no interrupt or NMI can see them. IF is set for VMRUN: with V_INTR_MASKING the
 * host's IF decides whether a physical interrupt ends the guest's run (INTR intercept);
 * afterwards it stays pending (IF clear again) until the caller takes it.
 */
uint64_t svm_run(vmcb_t *v, uint64_t vmcb_pa, svm_gprs_t *g, bool flush_tlb)
{
    KASSERT(!(read_rflags() & (1u << 9)));
    v->control.tlb_control = flush_tlb ? SVM_TLB_FLUSH_ALL : 0;
    v->control.clean_bits = 0;
    __asm__ volatile("clgi; sti" ::: "memory");
    svm_vmrun(vmcb_pa, g, host_save_pa);
    __asm__ volatile("cli; stgi" ::: "memory");
    v->control.tlb_control = 0;
    uint64_t code = v->control.exit_code;
    return (uint32_t)code == 0xFFFFFFFFu ? VCPU_EXIT_INVALID : code;
}

uint64_t svm_reinjection(const vmcb_t *v)
{
    uint64_t info = v->control.exit_int_info;
    if (!(info & VCPU_EVENT_VALID))
        return 0;
    uint64_t type = info & VCPU_EVENT_TYPE_MASK, vector = info & 0xFF;
    /* Software interrupts and INT3/INTO: rip is still on the instruction, which runs again. */
    if (type == VCPU_EVENT_TYPE_SOFT || (type == VCPU_EVENT_TYPE_EXCEPTION && (vector == 3 || vector == 4)))
        return 0;
    return info & ~0x7FFFF000ull;
}
