/*
 * init: the first task. The kernel loads its ELF (boot module 0), hands it every
 * resource (a pool of all free memory, IRQ control, all I/O ports, the machine, one
 * memory object per boot module) and a page describing them (include/agora/boot.h).
 */
#include "init_task.h"
#include "agora/boot.h"
#include "agora/errors.h"
#include "arch/x86_64/dev/timer.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/elf.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/pmm.h"
#include "object/device.h"
#include "object/memory.h"
#include "object/task.h"
#include "sched/sched.h"

/* Frames kept back from init's pool for the kernel's own heap and page tables. */
#define KERNEL_RESERVE_FRAMES 2048

static void give(task_t *t, uint64_t slot, kobject_t *o, uint32_t rights)
{
    cap_t *c;
    if (cap_empty_slot(t->caps, slot, &c) != 0)
        panic("init: slot %lu taken", (unsigned long)slot);
    cap_install(c, o, rights, 0, 0);
}

/* Fresh zeroed memory mapped into init; returns the kernel view of its first page. */
static memory_t *map_new(task_t *t, pool_t *pool, uint64_t va, uint64_t pages, uint32_t rights)
{
    memory_t *m = memory_create(pool, pages);
    if (!m)
        panic("init: out of memory");
    for (uint64_t i = 0; i < pages; i++)
        if (mapping_create(t, va + i * PAGE_SIZE, m, i, rights, 0) != 0)
            panic("init: cannot map %lx", (unsigned long)(va + i * PAGE_SIZE));
    return m;
}

static void load_segments(task_t *t, pool_t *pool, const elf_info_t *elf, const uint8_t *image)
{
    for (unsigned s = 0; s < elf->nsegments; s++) {
        const elf_segment_t *seg = &elf->segments[s];
        uint64_t start, end;
        elf_segment_pages(seg, &start, &end);
        memory_t *m = map_new(t, pool, start, (end - start) / PAGE_SIZE, seg->flags);
        /* Copy the file bytes page by page through the direct map. */
        for (uint64_t off = 0; off < seg->filesz;) {
            uint64_t va = seg->vaddr + off;
            uint64_t page = (va - start) / PAGE_SIZE, in_page = va & (PAGE_SIZE - 1);
            uint64_t n = PAGE_SIZE - in_page;
            if (n > seg->filesz - off)
                n = seg->filesz - off;
            memcpy((char *)phys_to_virt(m->frames[page]) + in_page, image + seg->offset + off, n);
            off += n;
        }
    }
}

static void fill_boot_info(struct agora_boot_info *info, const boot_info_t *bi, pool_t *pool)
{
    memset(info, 0, sizeof *info);
    info->magic = AGORA_BOOT_MAGIC;
    info->pool_pages = pool->pages_left;
    info->nmodules = bi->nmodules;
    info->first_free_slot = CAP_INIT_FIRST_MODULE + bi->nmodules;
    info->tsc_khz = timer_tsc_khz();
    size_t n = strlen(bi->cmdline);
    if (n >= sizeof info->cmdline)
        n = sizeof info->cmdline - 1;
    memcpy(info->cmdline, bi->cmdline, n);
    for (size_t i = 0; i < bi->nmodules; i++) {
        struct agora_boot_module *m = &info->modules[i];
        m->size = bi->modules[i].end - bi->modules[i].start;
        m->cap = CAP_INIT_FIRST_MODULE + i;
        n = strlen(bi->modules[i].cmdline);
        if (n >= sizeof m->name)
            n = sizeof m->name - 1;
        memcpy(m->name, bi->modules[i].cmdline, n);
    }
}

void init_task_start(const boot_info_t *bi)
{
    if (bi->nmodules == 0)
        panic("no boot modules: nothing to run as init");
    if (bi->nmodules > AGORA_BOOT_MAX_MODULES)
        panic("%zu boot modules; at most %d are supported", bi->nmodules, AGORA_BOOT_MAX_MODULES);

    const boot_module_t *mod0 = &bi->modules[0];
    const uint8_t *image = phys_to_virt(mod0->start);
    elf_info_t elf;
    int err = elf_parse(image, mod0->end - mod0->start, &elf);
    if (err)
        panic("init (module 0, \"%s\") is not a valid executable: error %d", mod0->cmdline, err);
    if (!elf_range_free(&elf, AGORA_BOOT_INFO_VADDR, AGORA_INIT_STACK_TOP - AGORA_BOOT_INFO_VADDR))
        panic("init's ELF overlaps its boot information, IPC buffer or stack");

    uint64_t free = pmm_allocator()->free_count;
    pool_t *pool = pool_create(free > KERNEL_RESERVE_FRAMES ? free - KERNEL_RESERVE_FRAMES : 0);
    task_t *t = task_create(0);
    if (!pool || !t)
        panic("init: out of memory");

    load_segments(t, pool, &elf, image);
    memory_t *info = map_new(t, pool, AGORA_BOOT_INFO_VADDR, 1, RIGHT_READ);
    map_new(t, pool, AGORA_INIT_IPC_BUFFER, 1, RIGHT_READ | RIGHT_WRITE);
    uint64_t stack_base = AGORA_INIT_STACK_TOP - AGORA_INIT_STACK_PAGES * PAGE_SIZE;
    map_new(t, pool, stack_base, AGORA_INIT_STACK_PAGES, RIGHT_READ | RIGHT_WRITE);

    thread_t *th = thread_create(t);
    if (!th)
        panic("init: out of memory");
    th->ipc_buffer = AGORA_INIT_IPC_BUFFER;

    give(t, CAP_SELF_TASK, &t->obj, RIGHTS_ALL);
    give(t, CAP_SELF_THREAD, &th->obj, RIGHTS_ALL);
    give(t, CAP_INIT_POOL, &pool->obj, RIGHTS_ALL);
    give(t, CAP_INIT_IRQ_CONTROL, &irq_control_object, RIGHTS_ALL);
    ioport_t *ports = ioport_create(0, 65536);
    if (!ports)
        panic("init: out of memory");
    give(t, CAP_INIT_IOPORTS, &ports->obj, RIGHTS_ALL);
    give(t, CAP_INIT_MACHINE, &machine_object, RIGHTS_ALL);
    for (size_t i = 0; i < bi->nmodules; i++) {
        uint64_t start = bi->modules[i].start & ~(PAGE_SIZE - 1);
        uint64_t end = (bi->modules[i].end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
        memory_t *m = memory_wrap(start, (end - start) / PAGE_SIZE);
        if (!m)
            panic("init: out of memory");
        give(t, CAP_INIT_FIRST_MODULE + i, &m->obj, RIGHTS_ALL);
    }
    /* After the pool paid for init's pages: the figure init sees is what is left. */
    fill_boot_info(phys_to_virt(info->frames[0]), bi, pool);

    thread_start(th, elf.entry, AGORA_INIT_STACK_TOP, AGORA_BOOT_INFO_VADDR);
    log_line("init", "task %lu from \"%s\": entry %lx, %u segments, pool %lu pages",
             (unsigned long)t->id, mod0->cmdline, (unsigned long)elf.entry, elf.nsegments,
             (unsigned long)pool->pages_left);
}
