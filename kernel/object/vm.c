/* VM creation and destruction. */
#include "object/vm.h"
#include "object/endpoint.h"
#include "object/memory.h"
#include "arch/x86_64/svm/svm.h"
#include "lib/log.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vspace.h"
#include "arch/x86_64/mm/pagetable.h"

vm_t *all_vms;

vm_t *vm_create(pool_t *pool, endpoint_t *pager, uint64_t pager_badge)
{
    KASSERT(svm_available());
    if (pool_charge(pool, VM_POOL_PAGES) != 0)
        return 0;
    vm_t *vm = kzalloc(sizeof *vm);
    uint64_t root = vm ? pagetable_alloc() : 0;
    uint32_t asid = root ? svm_asid_alloc() : 0;
    if (!asid) {
        if (root)
            pmm_free_frame(root);
        kfree(vm);
        pool_refund(pool, VM_POOL_PAGES);
        return 0;
    }
    kobject_init(&vm->space.obj, OBJ_VM);
    kobject_charge(&vm->space.obj, pool, VM_POOL_PAGES);
    vm->space.root = root;
    vm->asid = asid;
    vm->pager = pager;
    vm->pager_badge = pager_badge;
    if (pager)
        kobject_ref(&pager->obj);
    vm->all_next = all_vms;
    all_vms = vm;
    return vm;
}

void vm_destroy(vm_t *vm)
{
    /* Every vCPU held a reference: none can run on these tables any more. */
    mapping_remove_all(&vm->space);
    vspace_destroy(vm->space.root);   /* guest-physical space is the lower half: the same walk */
    svm_asid_free(vm->asid);
    if (vm->pager)
        kobject_unref(&vm->pager->obj);
    for (vm_t **pp = &all_vms; *pp; pp = &(*pp)->all_next) {
        if (*pp == vm) {
            *pp = vm->all_next;
            break;
        }
    }
    kfree(vm);
}
