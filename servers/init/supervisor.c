/* The supervisor's share of the boot modules and resources (supervisor.h). */
#include "supervisor.h"

#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/svc.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "../supervisor/table.h"

/* Where init fills the module page, for a moment (clear of agora_spawn's window and pm.c's). */
#define MODULES_SCRATCH 0x00007d0000000000ull
#define BUS_MACHINE_RIGHTS (RIGHT_MANAGE | RIGHT_READ | RIGHT_COPY)
#define NAMES_MINT_RIGHTS  (RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY)

static struct svc_entry table[SVC_TABLE_MAX];
static unsigned ntable;
static bool present;

static bool named(const char *name, size_t size, const char *want)
{
    size_t n = strlen(want);

    return n < size ? strncmp(name, want, size) == 0 : n == size && strncmp(name, want, n) == 0;
}

bool supervisor_init(const struct agora_boot_info *boot)
{
    static const char text[] = SVC_BOOT_TABLE;
    uint64_t n = boot->nmodules < AGORA_BOOT_MAX_MODULES ? boot->nmodules : AGORA_BOOT_MAX_MODULES;
    unsigned bad = 0;
    long r;

    for (uint64_t i = 1; i < n && !present; i++)
        present = named(boot->modules[i].name, sizeof(boot->modules[i].name), SUPERVISOR_MODULE);
    if (!present)
        return false;
    if ((r = svc_table_parse(text, sizeof(text) - 1, table, SVC_TABLE_MAX, &bad)) < 0) {
        agora_printf("init: the boot service table, line %u: %s: init starts the drivers\n", bad,
                     agora_error_name(r));
        present = false;
        return false;
    }
    ntable = (unsigned)r;
    return true;
}

bool supervisor_owns(const char *name, size_t size)
{
    for (unsigned i = 0; present && i < ntable; i++)
        if (named(name, size, table[i].image))
            return true;
    return false;
}

/* The page of struct svc_boot_modules, and the images' slots in mods[]; CAP_NULL on failure. */
static uint64_t modules_page(const struct agora_boot_info *boot, uint64_t *mods, unsigned *nmods)
{
    uint64_t n = boot->nmodules < AGORA_BOOT_MAX_MODULES ? boot->nmodules : AGORA_BOOT_MAX_MODULES;
    struct svc_boot_modules *page = (struct svc_boot_modules *)MODULES_SCRATCH;
    long slot = agora_slot_alloc();

    if (slot < 0)
        return CAP_NULL;
    if (sys_memory_create(CAP_INIT_POOL, 1, (uint64_t)slot) < 0 ||
        sys_map(CAP_SELF_TASK, (uint64_t)slot, 0, MODULES_SCRATCH, 1, RIGHT_READ | RIGHT_WRITE) < 0) {
        sys_cap_delete((uint64_t)slot);
        agora_slot_free((uint64_t)slot);
        return CAP_NULL;
    }
    *nmods = 0;
    for (uint64_t i = 1; i < n; i++) {
        const struct agora_boot_module *m = &boot->modules[i];

        if (!supervisor_owns(m->name, sizeof(m->name)))
            continue;
        if (*nmods == SVC_MAX_BOOT_MODULES) {
            agora_printf("init: more than %u driver modules: %.*s is not started\n", SVC_MAX_BOOT_MODULES,
                         (int)sizeof(m->name), m->name);
            continue;
        }
        _Static_assert(sizeof(page->modules[0].name) <= sizeof(m->name), "module names fit");
        memcpy(page->modules[*nmods].name, m->name, sizeof(page->modules[0].name));
        page->modules[*nmods].name[sizeof(page->modules[0].name) - 1] = '\0';
        page->modules[*nmods].size = m->size;
        mods[(*nmods)++] = m->cap;
    }
    page->count = *nmods;
    sys_unmap(CAP_SELF_TASK, MODULES_SCRATCH, 1);
    return (uint64_t)slot;
}

unsigned supervisor_caps_for(const struct agora_boot_info *boot, const char *name, size_t size,
                             uint64_t names_ep, struct agora_spawn_cap *out)
{
    uint64_t mods[SVC_MAX_BOOT_MODULES], page;
    unsigned n = 0, nmods = 0;

    if (!present || !named(name, size, SUPERVISOR_MODULE))
        return 0;
    out[n++] = (struct agora_spawn_cap){ CAP_INIT_MACHINE, CAP_SVC_MACHINE, BUS_MACHINE_RIGHTS };
    out[n++] = (struct agora_spawn_cap){ CAP_INIT_IOPORTS, CAP_SVC_IOPORTS, RIGHTS_ALL };
    out[n++] = (struct agora_spawn_cap){ CAP_INIT_IRQ_CONTROL, CAP_SVC_IRQ_CONTROL, RIGHTS_ALL };
    if (names_ep != CAP_NULL)
        out[n++] = (struct agora_spawn_cap){ names_ep, CAP_SVC_NAMES_MINT, NAMES_MINT_RIGHTS };
    if ((page = modules_page(boot, mods, &nmods)) == CAP_NULL) {
        agora_printf("init: no module page for the supervisor\n");
        return n;
    }
    out[n++] = (struct agora_spawn_cap){ page, CAP_SVC_MODULES, RIGHT_READ };
    for (unsigned k = 0; k < nmods; k++)
        out[n++] = (struct agora_spawn_cap){ mods[k], CAP_SVC_FIRST_MODULE + k, RIGHT_READ };
    return n;
}
