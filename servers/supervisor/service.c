/* Starting and killing one service with exactly the capabilities its table entry names (service.h). */
#include "service.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>

/* pci's machine: device memory (manage), the DMA right it hands on (read), copies. */
#define BUS_MACHINE_RIGHTS (RIGHT_MANAGE | RIGHT_READ | RIGHT_COPY)
/* Where PCI I/O BARs live (servers/init/devices.c said the same before). */
#define PCI_IOSPACE_FIRST 0x1000u
#define PCI_IOSPACE_COUNT 0xF000u
#define NAMES_RIGHTS (RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY)
#define MAX_CAPS 10

struct service_caps {
    struct agora_spawn_cap caps[MAX_CAPS];
    uint64_t temp[MAX_CAPS];          /* our slots to delete after the spawn */
    unsigned n, ntemp;
};

static long new_slot(uint64_t *slot)
{
    long s = agora_slot_alloc();

    if (s < 0)
        return s;
    *slot = (uint64_t)s;
    return 0;
}

static void drop_slot(uint64_t slot)
{
    if (slot == CAP_NULL)
        return;
    sys_cap_delete(slot);
    agora_slot_free(slot);
}

long service_prepare(struct service *s, unsigned index)
{
    long r;

    if ((r = new_slot(&s->ctl)) < 0 || (r = new_slot(&s->watch)) < 0)
        return r;
    return sys_cap_copy(sup.deaths, s->watch, RIGHT_WRITE, 1ull << index);
}

static void give(struct service_caps *c, uint64_t src, uint64_t dst, uint64_t rights, bool temp)
{
    c->caps[c->n++] = (struct agora_spawn_cap){ src, dst, rights };
    if (temp)
        c->temp[c->ntemp++] = src;
}

/* A new capability made by make(slot) in a temporary slot, given at dst. */
static long give_new(struct service_caps *c, uint64_t dst, long (*make)(const struct svc_entry *, uint64_t),
                     const struct svc_entry *e)
{
    uint64_t slot;
    long r;

    if ((r = new_slot(&slot)) < 0)
        return r;
    if ((r = make(e, slot)) < 0) {
        agora_slot_free(slot);
        return r;
    }
    give(c, slot, dst, RIGHTS_ALL, true);
    return 0;
}

static long make_ports(const struct svc_entry *e, uint64_t slot)
{
    return sys_ioport_create(CAP_SVC_IOPORTS, e->first_port, e->nports, slot);
}

static long make_irq(const struct svc_entry *e, uint64_t slot)
{
    return sys_irq_create(CAP_SVC_IRQ_CONTROL, (uint64_t)e->irq, slot);
}

static long make_iospace(const struct svc_entry *e, uint64_t slot)
{
    (void)e;
    return sys_ioport_create(CAP_SVC_IOPORTS, PCI_IOSPACE_FIRST, PCI_IOSPACE_COUNT, slot);
}

/* A copy of src badged badge in a temporary slot, given at dst with rights. */
static long give_badged(struct service_caps *c, uint64_t src, uint64_t badge, uint64_t dst, uint64_t rights)
{
    uint64_t slot;
    long r;

    if ((r = new_slot(&slot)) < 0)
        return r;
    /* Ours needs the copy right too: agora_spawn copies it into the child. */
    if ((r = sys_cap_copy(src, slot, rights | RIGHT_COPY, badge)) < 0) {
        agora_slot_free(slot);
        return r;
    }
    give(c, slot, dst, rights, true);
    return 0;
}

static long collect_caps(struct service *s, unsigned i, struct service_caps *c)
{
    const struct svc_entry *e = &s->e;
    long r;

    give(c, CAP_CHILD_POOL, CAP_CHILD_POOL, RIGHTS_ALL, false);
    if ((r = give_badged(c, CAP_SVC_NAMES_MINT, SVC_BADGE_BASE + i, CAP_NAMES, NAMES_RIGHTS)) < 0 ||
        (r = give_badged(c, sup.ep, SUP_CHILD_BADGE(i), CAP_SVC, RIGHT_WRITE | RIGHT_GRANT)) < 0)
        return r;
    if (e->nports && (r = give_new(c, CAP_DEVICE_IOPORTS, make_ports, e)) < 0)
        return r;
    if (e->irq >= 0 && (r = give_new(c, CAP_DEVICE_IRQ, make_irq, e)) < 0)
        return r;
    if (e->bus) {
        if ((r = give_new(c, CAP_PCI_IOSPACE, make_iospace, e)) < 0)
            return r;
        give(c, CAP_SVC_IRQ_CONTROL, CAP_PCI_IRQ_CONTROL, RIGHTS_ALL, false);
        give(c, CAP_SVC_MACHINE, CAP_PCI_MACHINE, BUS_MACHINE_RIGHTS, false);
    }
    return 0;
}

static long spawn(struct service *s, unsigned i, const struct service_caps *c)
{
    struct agora_spawn_args args = {
        .image = s->image,
        .image_size = s->image_size,
        .pool = CAP_CHILD_POOL,
        .arg = s->e.arg,
        .priority = AGORA_SPAWN_DEFAULT_PRIORITY,
        .caps = c->caps,
        .ncaps = c->n,
    };
    uint64_t fault;
    long r;

    if ((r = new_slot(&fault)) < 0)
        return r;
    if ((r = sys_cap_copy(sup.ep, fault, RIGHT_WRITE | RIGHT_GRANT, SUP_FAULT_BADGE(i))) < 0) {
        agora_slot_free(fault);
        return r;
    }
    args.fault_ep = fault;
    r = agora_spawn(&args, &s->child);
    drop_slot(fault);                    /* the child's thread holds its own reference */
    return r;
}

long service_start(struct service *s)
{
    unsigned i = (unsigned)(s - sup.svc);
    struct service_caps c = { .n = 0 };
    long r;

    if (!s->image)
        return -E_NOENT;
    if ((r = collect_caps(s, i, &c)) == 0)
        r = spawn(s, i, &c);
    for (unsigned k = 0; k < c.ntemp; k++)
        drop_slot(c.temp[k]);
    if (r < 0) {
        s->state = SVC_STOPPED;
        return r;
    }
    s->alive = true;
    if ((r = sys_task_watch(s->child.task, s->watch)) < 0) {
        /* It died before we watched (-E_DEAD): the same as a death now. */
        sys_signal(s->watch);
    }
    s->state = SVC_STARTING;
    s->pid = sup.next_pid++;
    s->started_us = (uint64_t)sys_clock();
    s->ready_us = 0;
    s->ping_start_us = 0;
    s->pong_us = s->started_us;
    return 0;
}

void service_kill(struct service *s)
{
    if (s->alive)
        sys_task_kill(s->child.task, 0);
}

void service_reap(struct service *s)
{
    if (s->alive) {
        sys_task_unwatch(s->child.task, s->watch);
        agora_child_release(&s->child);
    }
    s->alive = false;
    if (s->ctl_valid)
        sys_cap_delete(s->ctl);
    s->ctl_valid = false;
    s->ping_start_us = 0;
}

struct service *service_find(const char *name)
{
    for (unsigned i = 0; i < sup.n; i++)
        if (strcmp(sup.svc[i].e.name, name) == 0)
            return &sup.svc[i];
    return 0;
}
