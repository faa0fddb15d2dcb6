/*
 * VMs: a guest-physical address space on nested page tables. It reuses the task's address
 * space half (its root is the nested page table, nCR3, in the same x86_64 format with the
 * user bit set as nested tables need) so that SYS_MAP, SYS_UNMAP and the mapping database
 * work on it unchanged; it has no capabilities and no threads of its own.
 */
#ifndef AGORA_KERNEL_OBJECT_VM_H
#define AGORA_KERNEL_OBJECT_VM_H

#include <stdint.h>
#include "object/task.h"

struct endpoint;
struct pool;

/* Pages charged to the pool for a VM (its bookkeeping and the top nested table). */
#define VM_POOL_PAGES 2

typedef struct vm {
    task_t space;                   /* first: obj.type is OBJ_VM; only root and the mapping fields are used */
    uint32_t asid;
    uint64_t tlb_generation;        /* bumped when a mapping goes: each vCPU flushes before it next runs */
    struct endpoint *pager;         /* nested page faults go here; NULL: to the vCPU's exit handler */
    uint64_t pager_badge;
    struct vm *all_next;            /* every VM (for checks) */
} vm_t;

extern vm_t *all_vms;

/* A VM charged to pool, or NULL (out of memory or of ASIDs): SVM must be available. */
vm_t *vm_create(struct pool *pool, struct endpoint *pager, uint64_t pager_badge);
void vm_destroy(vm_t *vm);

static inline bool space_is_vm(const task_t *t)
{
    return t->obj.type == OBJ_VM;
}

/* A mapping of the VM went: stale guest TLB entries must go before a vCPU runs again. */
static inline void vm_mapping_removed(task_t *space)
{
    ((vm_t *)space)->tlb_generation++;
}

#endif
