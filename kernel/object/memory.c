/* Pools, memory objects and the mapping database. */
#include "object/memory.h"
#include "object/task.h"
#include "object/vm.h"
#include "agora/errors.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/kheap.h"
#include "mm/pmm.h"

pool_t *pool_create(uint64_t pages)
{
    pool_t *p = kzalloc(sizeof *p);
    if (!p)
        return 0;
    kobject_init(&p->obj, OBJ_POOL);
    p->pages_left = pages;
    return p;
}

pool_t *pool_split(pool_t *parent, uint64_t pages)
{
    /* The sub-pool's own bookkeeping is charged too, so splitting cannot mint pages. */
    if (pool_charge(parent, pages + 1) != 0)
        return 0;
    pool_t *p = pool_create(pages);
    if (!p) {
        pool_refund(parent, pages + 1);
        return 0;
    }
    p->parent = parent;
    kobject_ref(&parent->obj);
    return p;
}

void pool_destroy(pool_t *p)
{
    /* Every object charged to p held a reference: all of them have refunded by now. */
    pool_t *parent = p->parent;
    uint64_t back = p->pages_left;
    kfree(p);
    if (parent) {
        pool_refund(parent, back + 1);
        kobject_unref(&parent->obj);
    }
}

int pool_charge(pool_t *p, uint64_t pages)
{
    if (!p)
        return 0;
    if (p->pages_left < pages)
        return -E_NOMEM;
    p->pages_left -= pages;
    return 0;
}

void pool_refund(pool_t *p, uint64_t pages)
{
    if (p)
        p->pages_left += pages;
}

memory_t *memory_create(pool_t *pool, uint64_t npages)
{
    if (npages == 0 || pool_charge(pool, npages) != 0)
        return 0;
    memory_t *m = kzalloc(sizeof *m);
    uint64_t *frames = m ? kzalloc(npages * sizeof(uint64_t)) : 0;
    if (!frames)
        goto out_free;
    for (uint64_t i = 0; i < npages; i++) {
        frames[i] = pmm_alloc_frame();
        if (!frames[i])
            goto out_frames;
        memset(phys_to_virt(frames[i]), 0, PAGE_SIZE);
    }
    kobject_init(&m->obj, OBJ_MEMORY);
    kobject_charge(&m->obj, pool, npages);
    m->npages = npages;
    m->frames = frames;
    return m;

out_frames:
    for (uint64_t i = 0; i < npages && frames[i]; i++)
        pmm_free_frame(frames[i]);
    kfree(frames);
out_free:
    kfree(m);
    pool_refund(pool, npages);
    return 0;
}

memory_t *memory_wrap(uint64_t phys, uint64_t npages)
{
    memory_t *m = kzalloc(sizeof *m);
    uint64_t *frames = m ? kzalloc(npages * sizeof(uint64_t)) : 0;
    if (!frames) {
        kfree(m);
        return 0;
    }
    for (uint64_t i = 0; i < npages; i++)
        frames[i] = phys + i * PAGE_SIZE;
    kobject_init(&m->obj, OBJ_MEMORY);
    m->npages = npages;
    m->frames = frames;
    return m;
}

memory_t *memory_device(uint64_t phys, uint64_t npages)
{
    memory_t *m = memory_wrap(phys, npages);
    if (m)
        m->device = true;
    return m;
}

void memory_destroy(memory_t *m)
{
    for (uint64_t i = 0; i < m->npages && !m->device; i++)
        pmm_free_frame(m->frames[i]);
    kfree(m->frames);
    kfree(m);
}

uint64_t mapping_pte_flags(uint32_t rights)
{
    uint64_t f = PTE_USER;
    if (rights & RIGHT_WRITE)
        f |= PTE_WRITE;
    if (!(rights & RIGHT_EXEC))
        f |= PTE_NX;
    return f;
}

static unsigned bucket(uint64_t va)
{
    return (unsigned)((va >> 12) % MAPPING_BUCKETS);
}

mapping_t *mapping_find(task_t *t, uint64_t va)
{
    if (!t->mappings)
        return 0;
    for (mapping_t *m = t->mappings[bucket(va)]; m; m = m->hash_next)
        if (m->va == va)
            return m;
    return 0;
}

static int ensure_table(task_t *t)
{
    if (!t->mappings)
        t->mappings = kzalloc(MAPPING_BUCKETS * sizeof(mapping_t *));
    return t->mappings ? 0 : -E_NOMEM;
}

static int hash_insert(task_t *t, mapping_t *m)
{
    if (ensure_table(t) != 0)
        return -E_NOMEM;
    unsigned b = bucket(m->va);
    m->hash_next = t->mappings[b];
    t->mappings[b] = m;
    t->nmappings++;
    return 0;
}

static void hash_remove(task_t *t, mapping_t *m)
{
    for (mapping_t **pp = &t->mappings[bucket(m->va)]; *pp; pp = &(*pp)->hash_next) {
        if (*pp == m) {
            *pp = m->hash_next;
            t->nmappings--;
            return;
        }
    }
    panic("mapping %lx missing from its task's table", (unsigned long)m->va);
}

static void link_child(mapping_t *m, mapping_t *parent)
{
    m->parent = parent;
    m->prev = 0;
    m->next = parent ? parent->child : 0;
    if (m->next)
        m->next->prev = m;
    if (parent)
        parent->child = m;
}

static void unlink_child(mapping_t *m)
{
    if (m->prev)
        m->prev->next = m->next;
    else if (m->parent)
        m->parent->child = m->next;
    if (m->next)
        m->next->prev = m->prev;
    m->parent = m->next = m->prev = 0;
}

int mapping_create(task_t *t, uint64_t va, memory_t *mem, uint64_t page, uint32_t rights,
                   mapping_t *parent)
{
    if (mapping_find(t, va))
        return -E_EXIST;
    mapping_t *m = kzalloc(sizeof *m);
    if (!m)
        return -E_NOMEM;
    uint64_t flags = mapping_pte_flags(rights) | (mem->device ? PTE_PCD | PTE_PWT : 0);
    int err = paging_map(t->root, va, mem->frames[page], flags);
    if (err != 0) {
        kfree(m);
        return -E_NOMEM;   /* va was free in our table, so the page tables ran out */
    }
    m->task = t;
    m->va = va;
    m->mem = mem;
    m->page = page;
    m->rights = rights;
    if (hash_insert(t, m) != 0) {
        paging_unmap(t->root, va);
        kfree(m);
        return -E_NOMEM;
    }
    link_child(m, parent);
    kobject_ref(&mem->obj);
    return 0;
}

void mapping_remove_tree(mapping_t *m)
{
    while (m->child) {
        mapping_t *leaf = m->child;
        while (leaf->child)
            leaf = leaf->child;
        mapping_remove_tree(leaf);
    }
    unlink_child(m);
    paging_unmap(m->task->root, m->va);
    if (space_is_vm(m->task))
        vm_mapping_removed(m->task);
    hash_remove(m->task, m);
    memory_t *mem = m->mem;
    kfree(m);
    kobject_unref(&mem->obj);
}

int mapping_move(mapping_t *m, task_t *to, uint64_t va, uint32_t rights)
{
    if (mapping_find(to, va))
        return -E_EXIST;
    if (ensure_table(to) != 0)
        return -E_NOMEM;
    uint64_t flags = mapping_pte_flags(rights) | (m->mem->device ? PTE_PCD | PTE_PWT : 0);
    if (paging_map(to->root, va, m->mem->frames[m->page], flags) != 0)
        return -E_NOMEM;
    task_t *from = m->task;
    uint64_t old_va = m->va;
    hash_remove(from, m);
    paging_unmap(from->root, old_va);
    m->task = to;
    m->va = va;
    m->rights = rights;
    int err = hash_insert(to, m);
    KASSERT(err == 0);   /* the table exists: insertion cannot fail */
    return 0;
}

void mapping_remove_all(task_t *t)
{
    if (!t->mappings)
        return;
    for (unsigned b = 0; b < MAPPING_BUCKETS; b++)
        while (t->mappings[b])
            mapping_remove_tree(t->mappings[b]);
    kfree(t->mappings);
    t->mappings = 0;
}

uint64_t mapping_count(task_t *t)
{
    return t->nmappings;
}
