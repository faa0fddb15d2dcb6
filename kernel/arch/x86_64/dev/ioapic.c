/* I/O APIC driver: finds the chips through ACPI, masks every pin, routes lines to vectors. */
#include "arch/x86_64/dev/ioapic.h"
#include "agora/errors.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/cpu/idt.h"
#include "arch/x86_64/dev/acpi.h"
#include "arch/x86_64/dev/apic.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"

/* Two registers in the MMIO block: select a register by index, then read or write it. */
#define IOREGSEL        0          /* in 32-bit words */
#define IOWIN           4
#define IOAPIC_MMIO_SIZE 0x20

#define REG_VERSION     0x01
#define REG_REDIR_LO(p) (0x10 + 2 * (p))
#define REG_REDIR_HI(p) (0x11 + 2 * (p))

#define VERSION_MASK    0xffu
#define MAX_ENTRY_SHIFT 16

/* Far more than any machine has; refuses GSI ranges that would wrap. */
#define GSI_LIMIT       0x10000u
#define FIRST_DEVICE_VECTOR 32
#define RFLAGS_IF       (1u << 9)

typedef struct ioapic {
    volatile uint32_t *regs;
    uint64_t phys;
    uint8_t id;
    uint8_t version;
    uint32_t gsi_base;
    unsigned pins;
} ioapic_t;

/*
 * Written by ioapic_init only. The chips' registers are shared by every caller:
 * each select-then-access pair runs with interrupts off (an interrupt handler may
 * mask a level-triggered line); SMP will need a spinlock here as well.
 */
static struct {
    bool done;
    int result;
    ioapic_t chips[ACPI_MAX_IOAPICS];
    size_t nchips;
    acpi_madt_t madt;
    uint8_t dest_apic;
} io;

static uint64_t irq_save(void)
{
    uint64_t flags = read_rflags();

    cpu_disable_interrupts();
    return flags;
}

static void irq_restore(uint64_t flags)
{
    if (flags & RFLAGS_IF)
        cpu_enable_interrupts();
}

/* Both with interrupts off. */
static uint32_t chip_read(const ioapic_t *c, uint32_t reg)
{
    c->regs[IOREGSEL] = reg;
    return c->regs[IOWIN];
}

static void chip_write(const ioapic_t *c, uint32_t reg, uint32_t value)
{
    c->regs[IOREGSEL] = reg;
    c->regs[IOWIN] = value;
}

static const ioapic_t *chip_for(unsigned gsi, unsigned *pin)
{
    for (size_t i = 0; i < io.nchips; i++) {
        const ioapic_t *c = &io.chips[i];

        if (gsi >= c->gsi_base && gsi - c->gsi_base < c->pins) {
            *pin = gsi - c->gsi_base;
            return c;
        }
    }
    return NULL;
}

/* Writes a pin's entry: the high half (destination) first, while the low half keeps it masked. */
static void write_entry(const ioapic_t *c, unsigned pin, uint64_t entry)
{
    uint64_t flags = irq_save();

    chip_write(c, REG_REDIR_LO(pin), (uint32_t)IOAPIC_ENTRY_MASKED);
    chip_write(c, REG_REDIR_HI(pin), (uint32_t)(entry >> 32));
    chip_write(c, REG_REDIR_LO(pin), (uint32_t)entry);
    irq_restore(flags);
}

static void load_madt(const boot_info_t *bi)
{
    const void *table = NULL;
    size_t len = 0;
    enum acpi_error err = ACPI_ERR_NOT_FOUND;

    if (acpi_init(bi) == 0)
        table = acpi_find_table(ACPI_SIG_MADT, &len);
    if (table != NULL) {
        err = acpi_madt_parse(table, len, &io.madt);
        if (err == ACPI_OK && io.madt.nioapics > 0)
            return;
        log_line("ioapic", "MADT unusable (%s)", err == ACPI_OK ? "no I/O APIC listed" : acpi_strerror(err));
    }
    log_line("ioapic", "no valid MADT: assuming QEMU's layout (I/O APIC at 0xFEC00000, IRQ 0 on GSI 2)");
    acpi_madt_default(&io.madt);
}

static bool overlaps_known_chip(uint32_t base, unsigned pins)
{
    for (size_t i = 0; i < io.nchips; i++) {
        const ioapic_t *c = &io.chips[i];

        if (base < c->gsi_base + c->pins && c->gsi_base < base + pins)
            return true;
    }
    return false;
}

/* Maps one chip, checks that it answers and fits, and masks all its pins. */
static void add_chip(const acpi_ioapic_t *a)
{
    ioapic_t *c = &io.chips[io.nchips];
    uint64_t flags;
    uint32_t version;

    c->regs = mmio_map(a->address, IOAPIC_MMIO_SIZE);
    if (c->regs == NULL) {
        log_line("ioapic", "cannot map the I/O APIC at 0x%x", a->address);
        return;
    }
    flags = irq_save();
    version = chip_read(c, REG_VERSION);
    irq_restore(flags);
    if (version == 0xffffffffu) {
        log_line("ioapic", "nothing answers at 0x%x: I/O APIC id %u ignored", a->address, a->id);
        return;
    }
    c->pins = ((version >> MAX_ENTRY_SHIFT) & 0xff) + 1;
    if (a->gsi_base >= GSI_LIMIT - c->pins || overlaps_known_chip(a->gsi_base, c->pins)) {
        log_line("ioapic", "I/O APIC id %u: GSIs %u-%u overlap another or are out of range, ignored",
                 a->id, a->gsi_base, a->gsi_base + c->pins - 1);
        return;
    }
    c->phys = a->address;
    c->id = a->id;
    c->version = (uint8_t)(version & VERSION_MASK);
    c->gsi_base = a->gsi_base;
    for (unsigned pin = 0; pin < c->pins; pin++)
        write_entry(c, pin, IOAPIC_ENTRY_MASKED);
    io.nchips++;
    log_line("ioapic", "I/O APIC id %u at 0x%lx: version 0x%x, %u pins, GSIs %u-%u, all masked",
             c->id, (unsigned long)c->phys, c->version, c->pins, c->gsi_base,
             c->gsi_base + c->pins - 1);
}

static void log_overrides(void)
{
    for (size_t i = 0; i < io.madt.noverrides; i++) {
        acpi_irq_route_t r;
        unsigned irq = io.madt.overrides[i].isa_irq;

        if (acpi_isa_irq_route(&io.madt, irq, &r))
            log_line("ioapic", "ISA IRQ %u -> GSI %u, %s, active %s", irq, r.gsi,
                     r.level ? "level" : "edge", r.active_low ? "low" : "high");
    }
}

int ioapic_init(const boot_info_t *bi)
{
    if (io.done)
        return io.result;
    io.done = true;
    load_madt(bi);
    for (size_t i = 0; i < io.madt.nioapics; i++)
        add_chip(&io.madt.ioapics[i]);
    if (io.nchips == 0) {
        log_line("ioapic", "no I/O APIC answers: device interrupts are unavailable");
        io.result = -E_STATE;
        return io.result;
    }
    log_overrides();
    io.dest_apic = (uint8_t)apic_id();
    io.result = 0;
    return 0;
}

bool ioapic_ready(void)
{
    return io.done && io.result == 0;
}

int ioapic_lookup_irq(unsigned irq, acpi_irq_route_t *out)
{
    acpi_irq_route_t r = { .gsi = irq, .active_low = true, .level = true };
    unsigned pin;

    if (!ioapic_ready())
        return -E_STATE;
    if (irq < IOAPIC_ISA_IRQS && !acpi_isa_irq_route(&io.madt, irq, &r))
        return -E_INVAL;
    if (chip_for(r.gsi, &pin) == NULL)
        return -E_RANGE;
    *out = r;
    return 0;
}

/* Vectors a device may have: not an exception, not the 8259s' (ignored as spurious), not the kernel's own. */
static bool vector_usable(uint8_t v)
{
    if (v < FIRST_DEVICE_VECTOR)
        return false;
    if (v >= VECTOR_PIC_BASE && v < VECTOR_PIC_BASE + 16)
        return false;
    return v != VECTOR_TIMER && v != VECTOR_APIC_ERROR && v != VECTOR_SPURIOUS;
}

int ioapic_route_irq(unsigned irq, uint8_t vector)
{
    acpi_irq_route_t r;
    const ioapic_t *c;
    unsigned pin;
    uint64_t entry;
    int err;

    if (!ioapic_ready())
        return -E_STATE;
    if (!vector_usable(vector))
        return -E_INVAL;
    err = ioapic_lookup_irq(irq, &r);
    if (err != 0)
        return err;
    c = chip_for(r.gsi, &pin);
    if (c == NULL)
        return -E_RANGE;   /* not reached: the lookup found the chip */

    entry = vector | IOAPIC_ENTRY_MASKED | ((uint64_t)io.dest_apic << IOAPIC_ENTRY_DEST_SHIFT);
    if (r.active_low)
        entry |= IOAPIC_ENTRY_ACTIVE_LOW;
    if (r.level)
        entry |= IOAPIC_ENTRY_LEVEL;
    write_entry(c, pin, entry);
    return 0;
}

void ioapic_mask(unsigned gsi, bool masked)
{
    unsigned pin;
    const ioapic_t *c = chip_for(gsi, &pin);
    uint64_t flags;
    uint32_t low;

    KASSERT(c != NULL);
    flags = irq_save();
    low = chip_read(c, REG_REDIR_LO(pin));
    /* An unrouted pin has vector 0, which the local APIC would refuse with an error. */
    KASSERT(masked || (low & IOAPIC_ENTRY_VECTOR) >= FIRST_DEVICE_VECTOR);
    if (masked)
        low |= (uint32_t)IOAPIC_ENTRY_MASKED;
    else
        low &= ~(uint32_t)IOAPIC_ENTRY_MASKED;
    chip_write(c, REG_REDIR_LO(pin), low);
    irq_restore(flags);
}

void ioapic_unroute(unsigned gsi)
{
    unsigned pin;
    const ioapic_t *c = chip_for(gsi, &pin);

    KASSERT(c != NULL);
    write_entry(c, pin, IOAPIC_ENTRY_MASKED);
}

unsigned ioapic_gsi_count(void)
{
    unsigned count = 0;

    for (size_t i = 0; i < io.nchips; i++) {
        if (io.chips[i].gsi_base + io.chips[i].pins > count)
            count = io.chips[i].gsi_base + io.chips[i].pins;
    }
    return count;
}

uint64_t ioapic_read_entry(unsigned gsi)
{
    unsigned pin;
    const ioapic_t *c = chip_for(gsi, &pin);
    uint64_t flags, entry;

    if (c == NULL)
        return 0;
    flags = irq_save();
    entry = chip_read(c, REG_REDIR_LO(pin));
    entry |= (uint64_t)chip_read(c, REG_REDIR_HI(pin)) << 32;
    irq_restore(flags);
    return entry;
}

size_t ioapic_count(void)
{
    return io.nchips;
}

bool ioapic_describe(size_t index, ioapic_desc_t *out)
{
    const ioapic_t *c;

    if (index >= io.nchips)
        return false;
    c = &io.chips[index];
    *out = (ioapic_desc_t){
        .id = c->id, .version = c->version, .pins = c->pins,
        .gsi_base = c->gsi_base, .phys = c->phys,
    };
    return true;
}
