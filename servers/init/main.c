/* init: the first task. Reports the boot information, starts the other boot modules, then handles their faults. */
#include <agora/boot.h>
#include <agora/ipc.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "console.h"
#include "data.h"
#include "devices.h"
#include "pm.h"
#include "supervisor.h"

/* The boot module that is started first and receives on the name service's endpoint. */
#define NAMES_MODULE "names"
/* The serial driver (drivers/serial): when it is there, init leaves COM1's input alone. */
#define SERIAL_MODULE "serial"

static const struct agora_boot_info *boot;
static struct agora_child children[AGORA_BOOT_MAX_MODULES];
static bool running[AGORA_BOOT_MAX_MODULES];
static uint64_t fault_ep;      /* CAP_NULL when there is none: children then run without */
static uint64_t names_ep;      /* unbadged send-only copy to badge for children; CAP_NULL: none */
static bool test_mode;         /* the command line has test=...: children get the machine */

/* The module count, never beyond the table (the page is the kernel's word, but cheap to check). */
static uint64_t nmodules(void)
{
    return boot->nmodules < AGORA_BOOT_MAX_MODULES ? boot->nmodules : AGORA_BOOT_MAX_MODULES;
}

static void print_boot_info(void)
{
    agora_printf("init: command line \"%.*s\"\n", (int)sizeof(boot->cmdline), boot->cmdline);
    agora_printf("init: %lu pages in the pool, TSC %lu kHz, first free slot %lu\n",
                 (unsigned long)boot->pool_pages, (unsigned long)boot->tsc_khz,
                 (unsigned long)boot->first_free_slot);
    agora_printf("init: %lu boot module(s):\n", (unsigned long)boot->nmodules);
    for (uint64_t i = 0; i < nmodules(); i++)
        agora_printf("init:   %lu: %-20.*s %8lu bytes, slot %lu\n", (unsigned long)i,
                     (int)sizeof(boot->modules[i].name), boot->modules[i].name,
                     (unsigned long)boot->modules[i].size, (unsigned long)boot->modules[i].cap);
}

/* The endpoint on which the kernel reports every child's faults; badge = module index + 1. */
static uint64_t make_fault_endpoint(void)
{
    long slot = agora_slot_alloc();
    long r;

    if (slot < 0)
        return CAP_NULL;
    r = sys_endpoint_create(CAP_INIT_POOL, (uint64_t)slot);
    if (r < 0) {
        agora_printf("init: no fault endpoint (%s): children run without a fault handler\n",
                     agora_error_name(r));
        agora_slot_free((uint64_t)slot);
        return CAP_NULL;
    }
    return (uint64_t)slot;
}

/* A copy of the fault endpoint badged for module i, or CAP_NULL. */
static uint64_t badged_fault_endpoint(uint64_t i)
{
    long slot;

    if (fault_ep == CAP_NULL || (slot = agora_slot_alloc()) < 0)
        return CAP_NULL;
    if (sys_cap_copy(fault_ep, (uint64_t)slot, RIGHT_WRITE | RIGHT_GRANT, i + 1) < 0) {
        agora_slot_free((uint64_t)slot);
        return CAP_NULL;
    }
    return (uint64_t)slot;
}

/* A copy of the name service's endpoint badged for module i (in a new slot), or CAP_NULL. */
static uint64_t badged_names_endpoint(uint64_t i)
{
    long slot;

    if (names_ep == CAP_NULL || (slot = agora_slot_alloc()) < 0)
        return CAP_NULL;
    if (sys_cap_copy(names_ep, (uint64_t)slot, RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY, i + 1) < 0) {
        agora_slot_free((uint64_t)slot);
        return CAP_NULL;
    }
    return (uint64_t)slot;
}

static void delete_slot(uint64_t slot)
{
    if (slot == CAP_NULL)
        return;
    sys_cap_delete(slot);
    agora_slot_free(slot);
}

/*
 * Starts module i with the capabilities of README.md. names_recv is the endpoint names
 * receives on (only for the names module), else CAP_NULL.
 */
static bool start_module(uint64_t i, uint64_t names_recv)
{
    const struct agora_boot_module *m = &boot->modules[i];
    uint64_t names_cap = names_recv != CAP_NULL ? names_recv : badged_names_endpoint(i);
    struct agora_spawn_cap caps[3 + DEVICES_MAX_CAPS + DATA_MAX_CAPS + PM_MAX_CAPS + SUPERVISOR_MAX_CAPS] = {
        { CAP_INIT_POOL, CAP_CHILD_POOL, RIGHTS_ALL },
    };
    unsigned ncaps = 1;

    if (names_cap != CAP_NULL)
        caps[ncaps++] = (struct agora_spawn_cap){ names_cap, CAP_NAMES,
                                                  names_recv != CAP_NULL ? RIGHTS_ALL
                                                                         : RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY };
    unsigned nsup = supervisor_caps_for(boot, m->name, sizeof(m->name), names_ep, &caps[ncaps]);

    ncaps += nsup;
    /* The machine: every child in test mode; pm always (it powers off: PM_REBOOT, pid 1's end). */
    if (nsup == 0 && (test_mode || strncmp(m->name, PM_MODULE, sizeof(m->name)) == 0))
        caps[ncaps++] = (struct agora_spawn_cap){ CAP_INIT_MACHINE, CAP_CHILD_MACHINE, RIGHTS_ALL };
    /* A driver's device (devices.c); init's copies go once the child has its own. */
    uint64_t device_slots[DEVICES_MAX_CAPS];
    unsigned ndevice = devices_caps_for(m->name, sizeof(m->name), &caps[ncaps], device_slots);
    ncaps += ndevice;
    ncaps += data_caps_for(boot, m->name, sizeof(m->name), &caps[ncaps]);
    ncaps += pm_caps_for(boot, m->name, sizeof(m->name), names_ep, &caps[ncaps]);

    struct agora_spawn_args args = {
        .image = m->cap,
        .image_size = m->size,
        .pool = CAP_INIT_POOL,
        .arg = i,
        .fault_ep = badged_fault_endpoint(i),
        .priority = AGORA_SPAWN_DEFAULT_PRIORITY,
        .caps = caps,
        .ncaps = ncaps,
    };
    int err = agora_spawn(&args, &children[i]);

    devices_release(device_slots, ndevice);

    /* The child's copy stays when init's is deleted (it is re-parented). */
    if (names_recv == CAP_NULL)
        delete_slot(names_cap);
    if (err < 0) {
        agora_printf("init: cannot start %.*s: %s (%s)\n", (int)sizeof(m->name), m->name,
                     agora_error_name(err), agora_strerror(err));
        return false;
    }
    running[i] = true;
    agora_printf("init: started %.*s (module %lu, entry 0x%lx)\n", (int)sizeof(m->name), m->name,
                 (unsigned long)i, (unsigned long)children[i].entry);
    return true;
}

/* Whether a boot module (other than init) is called name. */
static bool module_present(const char *name)
{
    for (uint64_t i = 1; i < nmodules(); i++)
        if (strncmp(boot->modules[i].name, name, sizeof(boot->modules[i].name)) == 0)
            return true;
    return false;
}

/* The index of the module named NAMES_MODULE, or 0 (module 0 is init). */
static uint64_t names_module(void)
{
    for (uint64_t i = 1; i < nmodules(); i++)
        if (strncmp(boot->modules[i].name, NAMES_MODULE, sizeof(boot->modules[i].name)) == 0)
            return i;
    return 0;
}

/*
 * Starts the name server with the receive side of a new endpoint (names then owns it) and
 * keeps an unbadged send-only copy in names_ep, from which every other child gets a copy
 * badged with its module index + 1. Returns the module index, or 0.
 */
static uint64_t start_names(void)
{
    uint64_t i = names_module();
    long ep, copy;

    if (i == 0)
        return 0;
    ep = agora_slot_alloc();
    copy = agora_slot_alloc();
    if (ep < 0 || copy < 0 || sys_endpoint_create(CAP_INIT_POOL, (uint64_t)ep) < 0 ||
        sys_cap_copy((uint64_t)ep, (uint64_t)copy, RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY, 0) < 0) {
        agora_printf("init: no endpoint for %s: started as a plain module\n", NAMES_MODULE);
        if (ep >= 0)
            delete_slot((uint64_t)ep);
        if (copy >= 0)
            delete_slot((uint64_t)copy);
        start_module(i, CAP_NULL);
        return i;
    }
    if (start_module(i, (uint64_t)ep))
        names_ep = (uint64_t)copy;
    else
        delete_slot((uint64_t)copy);
    delete_slot((uint64_t)ep);
    return i;
}

/* Whether the command line has the word key=... */
static bool cmdline_has(const char *key)
{
    size_t klen = strlen(key), size = sizeof(boot->cmdline);

    for (size_t i = 0; i + klen < size && boot->cmdline[i]; i++)
        if ((i == 0 || boot->cmdline[i - 1] == ' ') && strncmp(boot->cmdline + i, key, klen) == 0 &&
            boot->cmdline[i + klen] == '=')
            return true;
    return false;
}

static void report_fault(uint64_t i, const struct agora_msg *m)
{
    const char *name = boot->modules[i].name;
    int len = (int)sizeof(boot->modules[i].name);

    switch (IPC_LABEL(m->info)) {
    case IPC_LABEL_PAGE_FAULT:
        agora_printf("init: %.*s: page fault at 0x%lx (error 0x%lx) at rip 0x%lx: killed\n", len,
                     name, (unsigned long)m->mr[0], (unsigned long)m->mr[1], (unsigned long)m->mr[2]);
        break;
    case IPC_LABEL_EXCEPTION:
        agora_printf("init: %.*s: exception %lu (error 0x%lx) at rip 0x%lx: killed\n", len, name,
                     (unsigned long)m->mr[0], (unsigned long)m->mr[1], (unsigned long)m->mr[2]);
        break;
    default:
        agora_printf("init: %.*s: unexpected message, label 0x%x: killed\n", len, name,
                     IPC_LABEL(m->info));
        break;
    }
}

/* init's life after start-up: a child that faults is reported and destroyed. */
static noreturn void serve_faults(void)
{
    struct agora_msg m;
    long r;

    while (fault_ep != CAP_NULL) {
        r = sys_recv(fault_ep, &m);
        if (r < 0) {
            agora_printf("init: receiving faults failed: %s\n", agora_error_name(r));
            break;
        }
        if (m.badge == 0 || m.badge > nmodules() || !running[m.badge - 1])
            continue;
        report_fault(m.badge - 1, &m);
        agora_child_release(&children[m.badge - 1]);
        running[m.badge - 1] = false;
    }
    for (;;)
        if (sys_sleep(60u * 1000 * 1000) < 0)
            sys_yield();
}

int main(uint64_t arg)
{
    boot = (const struct agora_boot_info *)AGORA_BOOT_INFO_VADDR;
    agora_printf("init: hello from user space\n");
    if (arg != AGORA_BOOT_INFO_VADDR || boot->magic != AGORA_BOOT_MAGIC) {
        agora_printf("init: no boot information (argument 0x%lx)\n", (unsigned long)arg);
        return 1;
    }
    print_boot_info();
    agora_slots_init(boot->first_free_slot);
    fault_ep = make_fault_endpoint();
    /* With a serial driver, COM1's input is the driver's: the console only keeps halt_after. */
    int err = console_start(boot, !module_present(SERIAL_MODULE));
    if (err < 0)
        agora_printf("init: no console thread: %s\n", agora_error_name(err));

    test_mode = cmdline_has("test");
    /* Module 0 is init itself; names comes first, so that the others can be given its endpoint. */
    uint64_t names = start_names();
    /* With a supervisor, the drivers of its boot table are its to start: it comes next. */
    bool supervised = supervisor_init(boot);
    uint64_t sup = 0;

    for (uint64_t i = 1; supervised && i < nmodules(); i++)
        if (strncmp(boot->modules[i].name, SUPERVISOR_MODULE, sizeof(boot->modules[i].name)) == 0 && i != names)
            start_module(sup = i, CAP_NULL);
    for (uint64_t i = 1; i < nmodules(); i++)
        if (i != names && i != sup && !data_module(boot->modules[i].name, sizeof(boot->modules[i].name)) &&
            !supervisor_owns(boot->modules[i].name, sizeof(boot->modules[i].name)))
            start_module(i, CAP_NULL);
    if (nmodules() <= 1)
        agora_printf("init: no other boot modules to start\n");
    serve_faults();
}
