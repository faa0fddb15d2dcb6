/* ktest: I/O port ranges (the CMOS/RTC ports), #GP on ports outside them, IRQ capabilities and the RTC's periodic interrupt. */
#include "peer.h"

#define LABEL_DONE  0x7d0e
#define FAULT_BADGE 0xf2
#define VECTOR_GP   13

#define CMOS_FIRST_PORT 0x70      /* index; 0x71 is data */
#define RTC_SECONDS     0x00
#define RTC_REG_A       0x0A      /* bits 0-3: periodic rate; bits 4-6: divider (010 = 32.768 kHz) */
#define RTC_REG_B       0x0B      /* bit 6: periodic interrupt enable; bit 2: binary (not BCD) */
#define RTC_REG_C       0x0C      /* interrupt flags (bit 7 any, bit 6 periodic); reading clears */
#define RTC_B_PIE       0x40
#define RTC_B_BINARY    0x04
#define RTC_RATE_64HZ   10
#define RTC_IRQ         8

static ktest_thread_t worker, watchdog;
static volatile bool watchdog_cancelled;

/* Fixed encodings, two bytes each (e6 70, e6 71, e4 71): a fault handler skips one by rip + 2. */
static uint8_t cmos_read(uint8_t reg)
{
    uint8_t v;

    __asm__ volatile("outb %%al, $0x70" : : "a"(reg));
    __asm__ volatile("inb $0x71, %%al" : "=a"(v));
    return v;
}

static void cmos_write(uint8_t reg, uint8_t v)
{
    __asm__ volatile("outb %%al, $0x70" : : "a"(reg));
    __asm__ volatile("outb %%al, $0x71" : : "a"(v));
}

static bool seconds_valid(uint8_t sec, uint8_t reg_b)
{
    if (reg_b & RTC_B_BINARY)
        return sec < 60;
    return (sec & 0xf) < 10 && (sec >> 4) < 6;
}

static void report(ktest_thread_t *t, uint64_t w0, uint64_t w1, uint64_t w2)
{
    struct agora_msg m = ktest_msg(LABEL_DONE, 3, w0, w1, w2, 0);

    t->out[0] = sys_send(t->arg[0], &m);
}

/* Enables the ports in arg[1] and uses them at once, without a context switch in between. */
static void cmos_fn(ktest_thread_t *t)
{
    long enabled = sys_ioport_enable(t->arg[1]);
    uint8_t a = cmos_read(RTC_REG_A), b = cmos_read(RTC_REG_B), sec = cmos_read(RTC_SECONDS);

    t->out[1] = enabled;
    report(t, a, b, sec);
}

/* Ports outside what the task was given: in from 0x80, out to 0x72 (just past the CMOS pair). */
static void outside_fn(ktest_thread_t *t)
{
    uint8_t v;

    __asm__ volatile("inb $0x80, %%al" : "=a"(v));
    __asm__ volatile("outb %%al, $0x72" : : "a"(0x55));
    report(t, v, 0, 0);
}

/*
 * Serves the worker's faults until its report: each #GP is counted and skipped with its
 * registers kept (rax = new_rax if non-negative). Returns the number of faults, or -1.
 */
static long serve_worker(uint64_t faults, long new_rax, struct agora_msg *done, uint64_t gp_rips[2])
{
    long count = 0;

    for (;;) {
        struct agora_regs regs;
        struct agora_msg m;

        if (sys_recv(faults, &m) < 0)
            return -1;
        if (IPC_LABEL(m.info) == LABEL_DONE) {
            *done = m;
            return count;
        }
        if (IPC_LABEL(m.info) != IPC_LABEL_EXCEPTION || m.mr[0] != VECTOR_GP || m.mr[1] != 0 ||
            m.badge != FAULT_BADGE || sys_thread_regs(worker.thread, &regs) < 0) {
            agora_printf("    unexpected message: label 0x%x, mr0 0x%lx\n", IPC_LABEL(m.info), (unsigned long)m.mr[0]);
            return -1;
        }
        if (count < 2)
            gp_rips[count] = m.mr[2];
        count++;
        m = ktest_msg(IPC_LABEL_SET_REGS, 3, m.mr[2] + 2, m.mr[3], new_rax >= 0 ? (uint64_t)new_rax : regs.rax, 0);
        if (sys_reply(&m) < 0)
            return -1;
    }
}

KTEST(ioport_enable_then_use)
{
    uint64_t io = ktest_slot(), faults = ktest_new_endpoint(), fault_ep;
    struct agora_msg done;
    uint64_t rips[2] = { 0, 0 };
    long gps;

    KTEST_CHECK(faults != CAP_NULL);
    fault_ep = ktest_copy_of(faults, RIGHT_WRITE, FAULT_BADGE);
    KTEST_CHECK(fault_ep != CAP_NULL);
    KTEST_OK(sys_ioport_create(CAP_INIT_IOPORTS, CMOS_FIRST_PORT, 2, io));
    KTEST_EQ(AGORA_CAP_INFO_TYPE(sys_cap_info(io)), OBJ_IOPORT);
    worker = (ktest_thread_t){ .arg = { faults, io } };
    KTEST_OK(ktest_thread_start(&worker, cmos_fn, KTEST_THREAD_OWN_BUFFER, fault_ep, KTEST_PRIORITY));
    gps = serve_worker(faults, -1, &done, rips);
    KTEST_CHECK(ktest_thread_join(&worker));
    if (gps > 0)
        agora_printf("    %ld in/out instructions faulted right after SYS_IOPORT_ENABLE returned\n", gps);
    KTEST_EQ(gps, 0);
    KTEST_EQ(worker.out[1], 0);
    KTEST_EQ(worker.out[0], 0);
    /* Register A: the 32.768 kHz divider; the seconds: a valid time. */
    KTEST_EQ(done.mr[0] & 0x70, 0x20);
    KTEST_CHECK(seconds_valid((uint8_t)done.mr[2], (uint8_t)done.mr[1]));
    /* Our task has the ports now: this thread may use them too. */
    KTEST_EQ(cmos_read(RTC_REG_A) & 0x70, 0x20);
    KTEST_CHECK(seconds_valid(cmos_read(RTC_SECONDS), cmos_read(RTC_REG_B)));
    return true;
}

KTEST(ioport_outside_range_faults)
{
    uint64_t faults = ktest_new_endpoint(), fault_ep;
    struct agora_msg done;
    uint64_t rips[2] = { 0, 0 };
    long gps;

    KTEST_CHECK(faults != CAP_NULL);
    fault_ep = ktest_copy_of(faults, RIGHT_WRITE, FAULT_BADGE);
    KTEST_CHECK(fault_ep != CAP_NULL);
    worker = (ktest_thread_t){ .arg = { faults } };
    KTEST_OK(ktest_thread_start(&worker, outside_fn, KTEST_THREAD_OWN_BUFFER, fault_ep, KTEST_PRIORITY));
    gps = serve_worker(faults, 0x77, &done, rips);
    KTEST_CHECK(ktest_thread_join(&worker));
    KTEST_EQ(gps, 2);
    KTEST_EQ(((const uint8_t *)rips[0])[0], 0xe4);     /* inb $0x80, %al */
    KTEST_EQ(((const uint8_t *)rips[0])[1], 0x80);
    KTEST_EQ(((const uint8_t *)rips[1])[0], 0xe6);     /* outb %al, $0x72 */
    KTEST_EQ(((const uint8_t *)rips[1])[1], 0x72);
    KTEST_EQ(done.mr[0], 0x77);                        /* the handler's rax */
    return true;
}

KTEST(ioport_create_bad_arguments)
{
    uint64_t sub = ktest_slot(), dst = ktest_slot(), no_copy, no_write;

    KTEST_OK(sys_ioport_create(CAP_INIT_IOPORTS, CMOS_FIRST_PORT, 2, sub));
    /* Sub-ranges must lie inside the parent, and not be empty. */
    KTEST_EQ(sys_ioport_create(sub, 0x72, 1, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(sub, 0x6f, 1, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(sub, 0x6f, 2, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(sub, 0x70, 3, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(sub, 0x71, 2, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(sub, 0x70, 0, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(sub, UINT64_MAX, 1, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(sub, 0x71, UINT64_MAX, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(sub, (1ull << 32) | 0x70, 1, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(CAP_INIT_IOPORTS, 0xffff, 2, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(CAP_INIT_IOPORTS, 0x10000, 1, dst), -E_RANGE);
    KTEST_EQ(sys_ioport_create(CAP_INIT_IOPORTS, 0, 0x10001, dst), -E_RANGE);
    KTEST_EQ(sys_cap_info(dst), -E_NOCAP);
    /* Inside: fine, down to one port. */
    KTEST_OK(sys_ioport_create(sub, 0x71, 1, dst));
    KTEST_EQ(sys_ioport_create(sub, 0x71, 1, dst), -E_EXIST);
    KTEST_OK(sys_cap_delete(dst));
    KTEST_OK(sys_ioport_create(CAP_INIT_IOPORTS, 0xffff, 1, dst));
    /* Rights: creating needs the copy right, enabling read and write. */
    no_copy = ktest_copy_of(sub, RIGHT_READ | RIGHT_WRITE, 0);
    no_write = ktest_copy_of(sub, RIGHT_READ | RIGHT_COPY, 0);
    KTEST_CHECK(no_copy != CAP_NULL && no_write != CAP_NULL);
    KTEST_EQ(sys_ioport_create(no_copy, 0x70, 1, ktest_slot()), -E_PERM);
    KTEST_EQ(sys_ioport_enable(no_write), -E_PERM);
    /* Types and empty slots. */
    KTEST_EQ(sys_ioport_create(CAP_INIT_POOL, 0x70, 1, ktest_slot()), -E_TYPE);
    KTEST_EQ(sys_ioport_enable(CAP_SELF_TASK), -E_TYPE);
    KTEST_EQ(sys_ioport_enable(ktest_slot()), -E_NOCAP);
    KTEST_EQ(sys_ioport_create(ktest_slot(), 0x70, 1, ktest_slot()), -E_NOCAP);
    return true;
}

KTEST(irq_create_bad_arguments)
{
    uint64_t irq = ktest_slot(), dst = ktest_slot(), n = ktest_new_notification(), ep = ktest_new_endpoint();
    uint64_t n_read_only, control_no_manage;

    KTEST_CHECK(n != CAP_NULL && ep != CAP_NULL);
    n_read_only = ktest_copy_of(n, RIGHT_READ, 0);
    control_no_manage = ktest_copy_of(CAP_INIT_IRQ_CONTROL, RIGHTS_ALL & ~RIGHT_MANAGE, 0);
    KTEST_CHECK(n_read_only != CAP_NULL && control_no_manage != CAP_NULL);
    KTEST_OK(sys_irq_create(CAP_INIT_IRQ_CONTROL, RTC_IRQ, irq));
    KTEST_EQ(AGORA_CAP_INFO_TYPE(sys_cap_info(irq)), OBJ_IRQ);
    /* One capability per line; lines the I/O APIC does not have. */
    KTEST_EQ(sys_irq_create(CAP_INIT_IRQ_CONTROL, RTC_IRQ, dst), -E_BUSY);
    KTEST_EQ(sys_irq_create(CAP_INIT_IRQ_CONTROL, 99, dst), -E_RANGE);
    KTEST_EQ(sys_irq_create(CAP_INIT_IRQ_CONTROL, 24, dst), -E_RANGE);
    KTEST_EQ(sys_irq_create(CAP_INIT_IRQ_CONTROL, UINT64_MAX, dst), -E_RANGE);
    KTEST_EQ(sys_irq_create(CAP_INIT_IRQ_CONTROL, (1ull << 32) | RTC_IRQ, dst), -E_RANGE);
    KTEST_EQ(sys_irq_create(CAP_INIT_POOL, RTC_IRQ, dst), -E_TYPE);
    KTEST_EQ(sys_irq_create(control_no_manage, RTC_IRQ, dst), -E_PERM);
    KTEST_EQ(sys_irq_create(CAP_INIT_IRQ_CONTROL, 9, CAP_SELF_TASK), -E_EXIST);
    KTEST_EQ(sys_cap_info(dst), -E_NOCAP);
    /* Acknowledging before binding; binding to what is no notification or cannot be signalled. */
    KTEST_EQ(sys_irq_ack(irq), -E_STATE);
    KTEST_EQ(sys_irq_bind(irq, ep), -E_TYPE);
    KTEST_EQ(sys_irq_bind(irq, n_read_only), -E_PERM);
    KTEST_EQ(sys_irq_bind(n, n), -E_TYPE);
    KTEST_EQ(sys_irq_ack(n), -E_TYPE);
    KTEST_OK(sys_irq_bind(irq, n));
    KTEST_EQ(sys_irq_bind(irq, n), -E_BUSY);
    KTEST_OK(sys_irq_ack(irq));
    /* Deleting the capability frees the line. */
    KTEST_OK(sys_cap_delete(irq));
    KTEST_OK(sys_irq_create(CAP_INIT_IRQ_CONTROL, RTC_IRQ, dst));
    KTEST_OK(sys_cap_delete(dst));
    KTEST_EQ(sys_poll(n), -E_AGAIN);
    return true;
}

/* arg[0] a notification, arg[1] microseconds: signals it then, unless cancelled first. */
static void watchdog_fn(ktest_thread_t *t)
{
    long start = sys_clock();

    while (!watchdog_cancelled) {
        if (sys_clock() - start > (long)t->arg[1]) {
            t->out[0] = sys_signal(t->arg[0]);
            return;
        }
        sys_sleep(5000);
    }
}

typedef struct rtc_result {
    long wait1, wait2, ack1, ack2, deleted, after_delete;
    uint8_t c1, c2;
} rtc_result_t;

/* The RTC's periodic interrupt, twice; then the capability goes while the RTC still interrupts. */
static void rtc_periodic(uint64_t irq, uint64_t n, rtc_result_t *r)
{
    uint8_t a = cmos_read(RTC_REG_A), b = cmos_read(RTC_REG_B);

    cmos_write(RTC_REG_A, (uint8_t)((a & 0xf0) | RTC_RATE_64HZ));
    cmos_write(RTC_REG_B, (uint8_t)(b | RTC_B_PIE));
    r->wait1 = sys_wait(n);
    r->c1 = cmos_read(RTC_REG_C);
    r->ack1 = sys_irq_ack(irq);
    r->wait2 = sys_wait(n);
    r->c2 = cmos_read(RTC_REG_C);
    r->ack2 = sys_irq_ack(irq);
    r->deleted = sys_cap_delete(irq);
    sys_sleep(50000);                           /* about three more periods */
    r->after_delete = sys_poll(n);
    cmos_write(RTC_REG_B, (uint8_t)(b & ~RTC_B_PIE));
    cmos_write(RTC_REG_A, a);
    cmos_read(RTC_REG_C);
}

KTEST(irq_rtc_periodic)
{
    uint64_t io = ktest_slot(), irq = ktest_slot(), n = ktest_new_notification(), irq_badge, watch;
    rtc_result_t r;

    KTEST_CHECK(n != CAP_NULL);
    irq_badge = ktest_copy_of(n, RIGHT_WRITE, 0x100);
    watch = ktest_copy_of(n, RIGHT_WRITE, 0x8000);
    KTEST_CHECK(irq_badge != CAP_NULL && watch != CAP_NULL);
    KTEST_OK(sys_ioport_create(CAP_INIT_IOPORTS, CMOS_FIRST_PORT, 2, io));
    KTEST_OK(sys_ioport_enable(io));
    cmos_read(RTC_REG_C);                       /* nothing pending before we start */
    KTEST_OK(sys_irq_create(CAP_INIT_IRQ_CONTROL, RTC_IRQ, irq));
    KTEST_OK(sys_irq_bind(irq, irq_badge));
    /* Should the interrupt never come, the watchdog's bit ends the wait instead of the suite. */
    watchdog_cancelled = false;
    watchdog = (ktest_thread_t){ .arg = { watch, 2000000 } };
    KTEST_OK(ktest_thread_start(&watchdog, watchdog_fn, KTEST_THREAD_OWN_BUFFER, 0, KTEST_PRIORITY - 50));
    rtc_periodic(irq, n, &r);
    watchdog_cancelled = true;
    KTEST_CHECK(ktest_thread_join(&watchdog));
    KTEST_EQ(r.wait1, 0x100);
    KTEST_EQ(r.c1 & 0xc0, 0xc0);                /* interrupt request, periodic */
    KTEST_EQ(r.ack1, 0);
    KTEST_EQ(r.wait2, 0x100);
    KTEST_EQ(r.c2 & 0xc0, 0xc0);
    KTEST_EQ(r.ack2, 0);
    KTEST_EQ(r.deleted, 0);
    KTEST_EQ(r.after_delete, -E_AGAIN);
    KTEST_EQ(watchdog.out[0], 0);
    return true;
}
