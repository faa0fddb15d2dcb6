/*
 * Memory: pools (a budget of physical pages), memory objects (pages of RAM or a
 * boot module), and mappings of them into address spaces. Every mapping remembers
 * the mapping it was derived from (IPC map), so unmapping is recursive.
 */
#ifndef AGORA_KERNEL_OBJECT_MEMORY_H
#define AGORA_KERNEL_OBJECT_MEMORY_H

#include <stdbool.h>
#include <stdint.h>
#include "object/kobject.h"

struct task;

typedef struct pool {
    kobject_t obj;
    uint64_t pages_left;
    struct pool *parent;     /* a sub-pool's budget came from here and returns at its end */
} pool_t;

typedef struct memory {
    kobject_t obj;
    uint64_t npages;
    uint64_t *frames;        /* physical address of each page */
    bool device;             /* device registers: mapped uncached, never freed */
} memory_t;

typedef struct mapping {
    struct task *task;       /* or a VM's space (object/vm.h): guest-physical va */
    uint64_t va;
    memory_t *mem;
    uint64_t page;           /* index in mem */
    uint32_t rights;         /* RIGHT_READ | RIGHT_WRITE | RIGHT_EXEC */
    struct mapping *parent, *child, *next, *prev;   /* derivation */
    struct mapping *hash_next;                     /* the task's lookup table */
} mapping_t;

#define MAPPING_BUCKETS 256

pool_t *pool_create(uint64_t pages);
/* A sub-pool of pages taken from parent's budget (quota): NULL and nothing taken on failure. */
pool_t *pool_split(pool_t *parent, uint64_t pages);
void pool_destroy(pool_t *p);
/* Takes pages from the pool's budget: 0 or -E_NOMEM. */
int pool_charge(pool_t *p, uint64_t pages);
void pool_refund(pool_t *p, uint64_t pages);

/* Fresh zeroed RAM charged to pool, or NULL (-E_NOMEM). */
memory_t *memory_create(pool_t *pool, uint64_t npages);
/* Wraps physical pages that already belong to the kernel's reservation (boot modules). */
memory_t *memory_wrap(uint64_t phys, uint64_t npages);
/* Device registers at [phys, phys + pages): NULL when out of memory. */
memory_t *memory_device(uint64_t phys, uint64_t npages);
void memory_destroy(memory_t *m);

/* Page table flags for rights. */
uint64_t mapping_pte_flags(uint32_t rights);

/*
 * Maps page `page` of mem at va in task, derived from parent (NULL for a root).
 * 0, -E_EXIST (va mapped), -E_NOMEM.
 */
int mapping_create(struct task *t, uint64_t va, memory_t *mem, uint64_t page, uint32_t rights,
                   mapping_t *parent);
mapping_t *mapping_find(struct task *t, uint64_t va);
/* Unmaps m and everything mapped on from it. */
void mapping_remove_tree(mapping_t *m);
/* Moves m to another place (grant): same memory, same parent and children. */
int mapping_move(mapping_t *m, struct task *to, uint64_t va, uint32_t rights);
/* Unmaps all of a task's mappings (task death). */
void mapping_remove_all(struct task *t);
/* Number of mappings of a task (for checks). */
uint64_t mapping_count(struct task *t);

#endif
