/* Self-tests of ACPI discovery and the I/O APIC: tables, pins routed and masked, real interrupts arriving. */
#include "selftest/selftest.h"
#include "agora/errors.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/cpu/idt.h"
#include "arch/x86_64/dev/acpi.h"
#include "arch/x86_64/dev/apic.h"
#include "arch/x86_64/dev/ioapic.h"
#include "arch/x86_64/dev/timer.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/acpi_tables.h"
#include "lib/log.h"

#define TEST_VECTOR      0xE0      /* armed only while a test runs; the hook ignores it otherwise */
#define QEMU_PINS        24
#define ARRIVALS_WANTED  8
#define REACH_APIC_US    200000    /* first request at the local APIC, interrupts off */
#define HOOK_US          2000      /* then the first arrival, once interrupts are on */
#define ARRIVALS_US      1000000   /* all ARRIVALS_WANTED (about 8 ms expected) */
#define SETTLE_US        30000     /* after masking: what was already on its way lands */
#define QUIET_US         50000     /* then nothing may arrive while the source still runs */
#define RFLAGS_IF        (1u << 9)

#define BIOS_AREA        0xE0000
#define BIOS_AREA_SIZE   0x20000

/* The PIT's channel 0 (ISA IRQ 0, on GSI 2 by QEMU's override) as a 1 kHz rate generator. */
#define PIT_CH0          0x40
#define PIT_CMD          0x43
#define PIT_READBACK_CH0 0xE2      /* read-back: status only, channel 0 */
#define PIT_CH0_MODE2    0x34      /* channel 0, low then high byte, mode 2, binary */
#define PIT_TEST_RELOAD  1193      /* 1193182 Hz / 1193 = 1 kHz */

/* The RTC's periodic interrupt (ISA IRQ 8, no override under QEMU) at 1024 Hz. */
#define CMOS_INDEX       0x70
#define CMOS_DATA        0x71
#define RTC_REG_A        0x0A      /* low 4 bits: periodic rate */
#define RTC_REG_B        0x0B
#define RTC_REG_C        0x0C      /* interrupt flags; reading clears them and the IRQ line */
#define RTC_RATE_MASK    0x0F
#define RTC_RATE_1024HZ  6
#define RTC_B_PIE        0x40

/* Set by a test with interrupts off; read by the hook in interrupt context. */
static volatile uint8_t armed_vector;          /* 0: not armed */
static volatile unsigned arrivals;
static void (*volatile device_ack)(void);

bool ioapic_selftest_vector_hook(uint64_t vector)
{
    if (armed_vector == 0 || vector != armed_vector)
        return false;
    arrivals++;
    if (device_ack)
        device_ack();
    apic_eoi();
    return true;
}

/* kmain initialises the I/O APIC; until it does, the tests do it themselves (no boot information). */
static bool ensure_ioapic(void)
{
    if (!ioapic_ready()) {
        log_line("selftest", "ioapic_init has not run: initialising from the BIOS tables");
        ioapic_init(NULL);
    }
    return ioapic_ready();
}

static void wait_us(uint64_t us)
{
    uint64_t end = timer_uptime_us() + us;

    while (timer_uptime_us() < end)
        cpu_wait_for_interrupt();
}

SELFTEST(acpi_tables_found)
{
    const uint8_t *area = phys_to_virt(BIOS_AREA);
    acpi_rsdp_t rsdp;
    acpi_madt_t madt;
    const void *table;
    size_t off, len = 0;
    uint64_t pte;

    SELFTEST_CHECK(ensure_ioapic());
    table = acpi_find_table(ACPI_SIG_MADT, &len);
    SELFTEST_CHECK(table != NULL);
    SELFTEST_CHECK(acpi_madt_parse(table, len, &madt) == ACPI_OK);
    SELFTEST_CHECK(madt.nioapics == 1 && madt.ioapics[0].address == 0xFEC00000u);
    SELFTEST_CHECK(madt.noverrides >= 1);
    SELFTEST_CHECK(acpi_find_table("ZZZZ", &len) == NULL);

    /* The fallback search, whatever kmain used: SeaBIOS keeps the RSDP below 1 MiB. */
    SELFTEST_CHECK(acpi_rsdp_find(area, BIOS_AREA_SIZE, &off) == ACPI_OK);
    SELFTEST_CHECK(acpi_rsdp_parse(area + off, BIOS_AREA_SIZE - off, &rsdp) == ACPI_OK);
    SELFTEST_CHECK(rsdp.rsdt_phys != 0);
    /* QEMU keeps its tables at the top of low RAM, inside the direct map. */
    SELFTEST_CHECK(paging_query(paging_kernel_root(), PHYS_MAP_BASE + rsdp.rsdt_phys, &pte));
    table = phys_to_virt(rsdp.rsdt_phys);
    len = acpi_table_length(table, ACPI_HEADER_SIZE);
    SELFTEST_CHECK(len <= PAGE_SIZE && acpi_table_check(table, len, ACPI_SIG_RSDT) == ACPI_OK);
    return true;
}

SELFTEST(ioapic_found_all_masked)
{
    ioapic_desc_t d, none;

    SELFTEST_CHECK(ensure_ioapic());
    SELFTEST_CHECK(ioapic_count() == 1);
    SELFTEST_CHECK(ioapic_describe(0, &d));
    SELFTEST_CHECK(!ioapic_describe(1, &none));
    log_line("selftest", "I/O APIC id %u version 0x%x, %u pins from GSI %u",
             d.id, d.version, d.pins, d.gsi_base);
    /* Intel's 82093AA is version 0x11, later ones (and QEMU's) 0x20. */
    SELFTEST_CHECK(d.version >= 0x11 && d.version <= 0x20);
    SELFTEST_CHECK(d.pins == QEMU_PINS && d.gsi_base == 0 && d.phys == 0xFEC00000u);
    SELFTEST_CHECK(ioapic_gsi_count() == QEMU_PINS);
    for (unsigned gsi = 0; gsi < ioapic_gsi_count(); gsi++)
        SELFTEST_CHECK(ioapic_read_entry(gsi) == IOAPIC_ENTRY_MASKED);
    SELFTEST_CHECK(ioapic_read_entry(QEMU_PINS) == 0);   /* no such GSI */
    return true;
}

/* The entry routing irq must produce: vector, fixed, physical to this CPU, masked, as r says. */
static uint64_t expected_entry(const acpi_irq_route_t *r, uint8_t vector)
{
    uint64_t e = vector | IOAPIC_ENTRY_MASKED | ((uint64_t)apic_id() << IOAPIC_ENTRY_DEST_SHIFT);

    if (r->active_low)
        e |= IOAPIC_ENTRY_ACTIVE_LOW;
    if (r->level)
        e |= IOAPIC_ENTRY_LEVEL;
    return e;
}

static bool route_and_read_back(unsigned irq, unsigned want_gsi, bool want_level, bool want_low)
{
    acpi_irq_route_t r;
    uint64_t e;

    SELFTEST_CHECK(ioapic_lookup_irq(irq, &r) == 0);
    SELFTEST_CHECK(r.gsi == want_gsi && r.level == want_level && r.active_low == want_low);
    SELFTEST_CHECK(ioapic_read_entry(want_gsi) == IOAPIC_ENTRY_MASKED);   /* not in use */
    SELFTEST_CHECK(ioapic_route_irq(irq, TEST_VECTOR) == 0);
    e = ioapic_read_entry(want_gsi);
    SELFTEST_CHECK(e == expected_entry(&r, TEST_VECTOR));
    ioapic_mask(want_gsi, false);
    SELFTEST_CHECK(ioapic_read_entry(want_gsi) == (e & ~IOAPIC_ENTRY_MASKED));
    ioapic_mask(want_gsi, true);
    SELFTEST_CHECK(ioapic_read_entry(want_gsi) == e);
    return true;
}

static bool route_checks(void)
{
    acpi_irq_route_t r;

    /* QEMU's MADT: the PIT moved to GSI 2; IRQ 9 (ACPI SCI, PCI) level, active high; IRQ 8 as is. */
    SELFTEST_CHECK(route_and_read_back(0, 2, false, false));
    SELFTEST_CHECK(ioapic_read_entry(0) == IOAPIC_ENTRY_MASKED);   /* not GSI 0 */
    SELFTEST_CHECK(route_and_read_back(9, 9, true, false));
    SELFTEST_CHECK(route_and_read_back(8, 8, false, false));
    /* A GSI above the ISA range: PCI, level, active low. */
    SELFTEST_CHECK(route_and_read_back(16, 16, true, true));

    /* Refused, and nothing written. */
    SELFTEST_CHECK(ioapic_route_irq(2, TEST_VECTOR) == -E_INVAL);          /* GSI 2 is IRQ 0's */
    SELFTEST_CHECK(ioapic_lookup_irq(2, &r) == -E_INVAL);
    SELFTEST_CHECK(ioapic_lookup_irq(QEMU_PINS, &r) == -E_RANGE);
    SELFTEST_CHECK(ioapic_route_irq(QEMU_PINS, TEST_VECTOR) == -E_RANGE);
    SELFTEST_CHECK(ioapic_route_irq(1000, TEST_VECTOR) == -E_RANGE);
    SELFTEST_CHECK(ioapic_route_irq(1, 14) == -E_INVAL);                   /* an exception */
    SELFTEST_CHECK(ioapic_route_irq(1, VECTOR_PIC_BASE + 1) == -E_INVAL);
    SELFTEST_CHECK(ioapic_route_irq(1, VECTOR_TIMER) == -E_INVAL);
    SELFTEST_CHECK(ioapic_route_irq(1, VECTOR_APIC_ERROR) == -E_INVAL);
    SELFTEST_CHECK(ioapic_route_irq(1, VECTOR_SPURIOUS) == -E_INVAL);
    SELFTEST_CHECK(ioapic_read_entry(1) == IOAPIC_ENTRY_MASKED);
    return true;
}

SELFTEST(ioapic_route_and_mask)
{
    static const unsigned touched[] = { 2, 8, 9, 16 };
    bool ok;

    SELFTEST_CHECK(ensure_ioapic());
    ok = route_checks();
    for (size_t i = 0; i < sizeof touched / sizeof touched[0]; i++)
        ioapic_unroute(touched[i]);
    for (size_t i = 0; i < sizeof touched / sizeof touched[0]; i++)
        SELFTEST_CHECK(ioapic_read_entry(touched[i]) == IOAPIC_ENTRY_MASKED);
    return ok;
}

/* A device that interrupts periodically once started; start and stop run with interrupts off. */
typedef struct irq_source {
    const char *name;
    unsigned irq;
    unsigned gsi;              /* where QEMU wires it */
    void (*start)(void);
    void (*stop)(void);        /* and restore the state start found */
    void (*ack)(void);         /* in the hook, NULL if the device needs none */
} irq_source_t;

typedef struct arrival_report {
    bool reached_apic;         /* requested at the local APIC while interrupts were off */
    unsigned arrivals;         /* taken through the hook while unmasked */
    uint64_t elapsed_us;
    unsigned while_masked;     /* taken after masking and settling: must be 0 */
    bool left_in_service;      /* an arrival without EOI */
} arrival_report_t;

static uint8_t pit_saved_status;

static void pit_start(void)
{
    outb(PIT_CMD, PIT_READBACK_CH0);
    pit_saved_status = inb(PIT_CH0);
    outb(PIT_CMD, PIT_CH0_MODE2);
    outb(PIT_CH0, PIT_TEST_RELOAD & 0xff);
    outb(PIT_CH0, PIT_TEST_RELOAD >> 8);
}

/*
 * Restores the mode and access mode read back before; the reload value cannot be
 * read back, so it gets the BIOS's 0 (65536, 18.2 Hz), what SeaBIOS programs.
 */
static void pit_stop(void)
{
    uint8_t access = (pit_saved_status >> 4) & 3;

    if (access == 0)
        access = 3;    /* "latch" is no access mode: low then high byte */
    outb(PIT_CMD, (uint8_t)((access << 4) | (pit_saved_status & 0x0f)));
    if (access & 1)
        outb(PIT_CH0, 0);
    if (access & 2)
        outb(PIT_CH0, 0);
}

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static void cmos_write(uint8_t reg, uint8_t value)
{
    outb(CMOS_INDEX, reg);
    outb(CMOS_DATA, value);
}

static uint8_t rtc_saved_a, rtc_saved_b;

static void rtc_ack(void)
{
    (void)cmos_read(RTC_REG_C);
}

static void rtc_start(void)
{
    rtc_saved_a = cmos_read(RTC_REG_A);
    rtc_saved_b = cmos_read(RTC_REG_B);
    cmos_write(RTC_REG_A, (uint8_t)((rtc_saved_a & ~RTC_RATE_MASK) | RTC_RATE_1024HZ));
    cmos_write(RTC_REG_B, rtc_saved_b | RTC_B_PIE);
    rtc_ack();
}

static void rtc_stop(void)
{
    cmos_write(RTC_REG_B, rtc_saved_b);
    cmos_write(RTC_REG_A, rtc_saved_a);
    rtc_ack();
}

static const irq_source_t pit_source = { "PIT", 0, 2, pit_start, pit_stop, NULL };
static const irq_source_t rtc_source = { "RTC", 8, 8, rtc_start, rtc_stop, rtc_ack };

/* Runs the source unmasked, then masked; the pin must already be routed to TEST_VECTOR. */
static void observe(const irq_source_t *s, unsigned gsi, arrival_report_t *rep)
{
    uint64_t flags = read_rflags(), t0, settled;

    cpu_disable_interrupts();
    arrivals = 0;
    device_ack = s->ack;
    armed_vector = TEST_VECTOR;
    s->start();
    ioapic_mask(gsi, false);

    /* With interrupts off the request waits at the local APIC: it came through the I/O APIC. */
    t0 = timer_uptime_us();
    while (!apic_irr_pending(TEST_VECTOR) && timer_uptime_us() - t0 < REACH_APIC_US)
        cpu_pause();
    rep->reached_apic = apic_irr_pending(TEST_VECTOR);

    /* Interrupts on from here: the pending request is taken at once, by the hook if it is wired. */
    cpu_enable_interrupts();
    t0 = timer_uptime_us();
    while (arrivals == 0 && timer_uptime_us() - t0 < HOOK_US)
        cpu_pause();
    /* Without the hook every arrival is an "unexpected interrupt" line: do not wait for more. */
    while (arrivals > 0 && arrivals < ARRIVALS_WANTED && timer_uptime_us() - t0 < ARRIVALS_US)
        cpu_wait_for_interrupt();
    rep->elapsed_us = timer_uptime_us() - t0;
    rep->arrivals = arrivals;

    ioapic_mask(gsi, true);
    wait_us(SETTLE_US);
    settled = arrivals;
    wait_us(QUIET_US);
    rep->while_masked = (unsigned)(arrivals - settled);

    cpu_disable_interrupts();
    s->stop();
    armed_vector = 0;
    device_ack = NULL;
    rep->left_in_service = apic_isr_in_service(TEST_VECTOR);
    if (flags & RFLAGS_IF)
        cpu_enable_interrupts();
}

static bool interrupts_arrive(const irq_source_t *s)
{
    arrival_report_t rep = { 0 };
    acpi_irq_route_t r;

    SELFTEST_CHECK(ensure_ioapic());
    SELFTEST_CHECK(ioapic_lookup_irq(s->irq, &r) == 0 && r.gsi == s->gsi);
    SELFTEST_CHECK(ioapic_read_entry(s->gsi) == IOAPIC_ENTRY_MASKED);   /* not in use */
    SELFTEST_CHECK(ioapic_route_irq(s->irq, TEST_VECTOR) == 0);
    observe(s, s->gsi, &rep);
    ioapic_unroute(s->gsi);

    log_line("selftest", "%s: ISA IRQ %u -> GSI %u -> vector %#x: %s, %u arrivals in %lu us, "
             "%u while masked", s->name, s->irq, s->gsi, TEST_VECTOR,
             rep.reached_apic ? "reached the local APIC" : "never reached the local APIC",
             rep.arrivals, (unsigned long)rep.elapsed_us, rep.while_masked);
    SELFTEST_CHECK(rep.reached_apic);
    if (rep.arrivals == 0)
        kprintf("    none taken: does trap_dispatch call ioapic_selftest_vector_hook?\n");
    SELFTEST_CHECK(rep.arrivals >= ARRIVALS_WANTED);
    SELFTEST_CHECK(rep.while_masked == 0);
    SELFTEST_CHECK(!rep.left_in_service);
    SELFTEST_CHECK(ioapic_read_entry(s->gsi) == IOAPIC_ENTRY_MASKED);
    return true;
}

SELFTEST(ioapic_pit_interrupts)
{
    return interrupts_arrive(&pit_source);
}

SELFTEST(ioapic_rtc_interrupts)
{
    return interrupts_arrive(&rtc_source);
}
