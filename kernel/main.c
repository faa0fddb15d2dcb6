/* kmain: from the boot loader's hand-off to a running kernel. */
#include "arch/x86_64/cpu/cpu.h"
#include "arch/x86_64/cpu/gdt.h"
#include "arch/x86_64/cpu/idt.h"
#include "arch/x86_64/cpu/fpu.h"
#include "arch/x86_64/cpu/percpu.h"
#include "arch/x86_64/dev/ioapic.h"
#include "arch/x86_64/dev/apic.h"
#include "arch/x86_64/dev/pic.h"
#include "arch/x86_64/dev/serial.h"
#include "arch/x86_64/dev/timer.h"
#include "arch/x86_64/mm/paging.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/svm/svm.h"
#include "boot/multiboot2.h"
#include "lib/cmdline.h"
#include "lib/log.h"
#include "lib/string.h"
#include "init_task.h"
#include "mm/pmm.h"
#include "sched/sched.h"
#include "selftest/selftest.h"

#define AGORA_VERSION "0.1"
#define MB2_INFO_MAX 0x10000u   /* we never accept more boot information than this */

extern char kernel_phys_start[], kernel_phys_end[];

static boot_info_t boot_info;

static const char *region_type_name(uint32_t type)
{
    switch (type) {
    case BOOT_REGION_USABLE: return "usable";
    case BOOT_REGION_ACPI: return "ACPI data";
    case BOOT_REGION_NVS: return "ACPI NVS";
    case BOOT_REGION_BAD: return "bad";
    default: return "reserved";
    }
}

static void print_memory_map(const boot_info_t *bi)
{
    uint64_t usable = 0;
    log_line("memory", "%zu regions from the boot loader:", bi->nregions);
    for (size_t i = 0; i < bi->nregions; i++) {
        const boot_region_t *r = &bi->regions[i];
        kprintf("    [0x%012lx-0x%012lx] %8lu KiB %s\n", (unsigned long)r->base,
                (unsigned long)(r->base + r->length - 1), (unsigned long)(r->length >> 10),
                region_type_name(r->type));
        if (r->type == BOOT_REGION_USABLE)
            usable += r->length;
    }
    log_line("memory", "%lu MiB usable RAM", (unsigned long)(usable >> 20));
}

static void parse_boot_info(uint32_t magic, uint64_t info_phys)
{
    if (magic != MB2_BOOTLOADER_MAGIC)
        panic("not started by a Multiboot2 loader (magic 0x%x)", magic);
    /* The boot page tables map the first 4 GiB, where GRUB puts the information. */
    if (info_phys >= BOOT_MAPPED_BYTES - MB2_INFO_MAX)
        panic("boot information at 0x%lx is out of reach", (unsigned long)info_phys);
    enum mb2_error err = mb2_parse(phys_to_virt(info_phys), MB2_INFO_MAX, &boot_info);
    if (err != MB2_OK)
        panic("corrupt Multiboot2 information: %s", mb2_strerror(err));
    log_line("boot", "loader \"%s\", command line \"%s\", %zu module(s)",
             boot_info.loader_name, boot_info.cmdline, boot_info.nmodules);
}

static void init_memory(uint64_t info_phys)
{
    pmm_reserved_t reserved[2 + BOOT_MAX_MODULES];
    int n = 0;
    reserved[n++] = (pmm_reserved_t){ (uint64_t)kernel_phys_start, (uint64_t)kernel_phys_end };
    reserved[n++] = (pmm_reserved_t){ info_phys, info_phys + *(uint32_t *)phys_to_virt(info_phys) };
    for (size_t i = 0; i < boot_info.nmodules; i++)
        reserved[n++] = (pmm_reserved_t){ boot_info.modules[i].start, boot_info.modules[i].end };

    uint64_t limit = pmm_init(&boot_info, reserved, n);
    frame_allocator_t *fa = pmm_allocator();
    log_line("memory", "frame allocator: %lu frames free (%lu MiB), kernel image %lu KiB at 0x%lx",
             (unsigned long)fa->free_count, (unsigned long)(fa->free_count >> 8),
             (unsigned long)((kernel_phys_end - kernel_phys_start) >> 10),
             (unsigned long)kernel_phys_start);
    paging_init(limit);
}

/* The interactive demo: show the clock until 'q' is typed or halt_after=SECONDS passes. */
static noreturn void run_ticker(void)
{
    char arg[16];
    uint64_t halt_after = 0;
    if (cmdline_get(boot_info.cmdline, "halt_after", arg, sizeof arg))
        for (const char *p = arg; *p >= '0' && *p <= '9'; p++)
            halt_after = halt_after * 10 + (uint64_t)(*p - '0');
    kprintf("Agora is running. Type q to halt.\n");
    uint64_t last_second = 0;
    for (;;) {
        cpu_wait_for_interrupt();
        uint64_t seconds = timer_ticks() / TIMER_HZ;
        if (seconds != last_second) {
            last_second = seconds;
            log_line("timer", "tick %lu (%lu s)", (unsigned long)timer_ticks(), (unsigned long)seconds);
        }
        int c = serial_try_getc();
        if (c == 'q' || c == 'Q' || (halt_after && seconds >= halt_after))
            break;
    }
    log_line("kernel", "clean halt after %lu ticks", (unsigned long)timer_ticks());
    machine_halt(EXIT_PASS);
}

void kmain(uint32_t magic, uint64_t info_phys)
{
    timer_early_init();
    serial_init();
    kprintf("\nAgora microkernel %s (x86_64)\n", AGORA_VERSION);
    parse_boot_info(magic, info_phys);

    char test[32];
    bool testing = cmdline_get(boot_info.cmdline, "test", test, sizeof test);
    power_set_test_mode(testing);

    gdt_init();
    idt_init();
    percpu_init();
    fpu_init();
    print_memory_map(&boot_info);
    init_memory(info_phys);
    pic_disable();
    apic_init();
    if (ioapic_init(&boot_info) != 0)
        log_line("ioapic", "no I/O APIC: device interrupts are unavailable");
    timer_init();
    char svm_arg[8];
    svm_init(!cmdline_get(boot_info.cmdline, "svm", svm_arg, sizeof svm_arg) || strcmp(svm_arg, "off") != 0);
    sched_init();

    /* Kernel self-tests run before any user task exists; a user test suite runs as init. */
    if (testing && boot_info.nmodules == 0) {
        cpu_enable_interrupts();
        selftest_main(test);
    }
    if (boot_info.nmodules == 0) {
        cpu_enable_interrupts();
        run_ticker();
    }
    init_task_start(&boot_info);
    sched_run();
}
