/* Local APIC driver: the kernel's only interrupt controller for now. */
#include "arch/x86_64/dev/apic.h"
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/cpu/idt.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"

#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull

#define REG_ID        0x020
#define REG_VERSION   0x030
#define REG_TPR       0x080
#define REG_EOI       0x0B0
#define REG_ISR       0x100   /* 8 registers of 32 vectors each, 16 bytes apart */
#define REG_IRR       0x200
#define REG_SPURIOUS  0x0F0
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR  0x390
#define REG_TIMER_DIV  0x3E0

#define LVT_MASKED   (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define SPURIOUS_ENABLE (1u << 8)
#define TIMER_DIV_16 0x3

static volatile uint32_t *apic_regs;

static uint32_t apic_read(uint32_t reg) { return apic_regs[reg / 4]; }
static void apic_write(uint32_t reg, uint32_t v) { apic_regs[reg / 4] = v; }

void apic_init(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!(d & (1u << 9)))
        panic("no local APIC on this CPU");

    uint64_t base = rdmsr(MSR_APIC_BASE);
    wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    uint64_t phys = base & APIC_BASE_ADDR_MASK;
    apic_regs = mmio_map(phys, 4096);
    KASSERT(apic_regs != 0);

    apic_write(REG_TPR, 0);
    apic_write(REG_LVT_LINT0, LVT_MASKED);
    apic_write(REG_LVT_LINT1, LVT_MASKED);
    apic_write(REG_LVT_ERROR, VECTOR_APIC_ERROR);
    apic_write(REG_LVT_TIMER, LVT_MASKED);
    apic_write(REG_SPURIOUS, SPURIOUS_ENABLE | VECTOR_SPURIOUS);
    apic_eoi();
    log_line("apic", "local APIC id %u version 0x%x at phys 0x%lx",
             apic_id(), apic_read(REG_VERSION) & 0xff, (unsigned long)phys);
}

uint32_t apic_id(void) { return apic_read(REG_ID) >> 24; }

void apic_eoi(void) { apic_write(REG_EOI, 0); }

static bool vector_bit(uint32_t bank, uint8_t vector)
{
    return (apic_read(bank + (vector / 32u) * 0x10) >> (vector % 32u)) & 1;
}

bool apic_irr_pending(uint8_t vector) { return vector_bit(REG_IRR, vector); }
bool apic_isr_in_service(uint8_t vector) { return vector_bit(REG_ISR, vector); }

void apic_timer_start_countdown(uint32_t initial)
{
    apic_write(REG_TIMER_DIV, TIMER_DIV_16);
    apic_write(REG_LVT_TIMER, LVT_MASKED);
    apic_write(REG_TIMER_INIT, initial);
}

uint32_t apic_timer_current(void) { return apic_read(REG_TIMER_CUR); }

void apic_timer_start_periodic(uint8_t vector, uint32_t initial)
{
    apic_write(REG_TIMER_DIV, TIMER_DIV_16);
    apic_write(REG_LVT_TIMER, LVT_PERIODIC | vector);
    apic_write(REG_TIMER_INIT, initial);
}

void apic_timer_stop(void)
{
    apic_write(REG_LVT_TIMER, LVT_MASKED);
    apic_write(REG_TIMER_INIT, 0);
}
