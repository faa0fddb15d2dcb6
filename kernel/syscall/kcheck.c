/*
 * Consistency check: the frame bitmap's count matches its bits, every user mapping's
 * page-table entry points at its memory object's frame, and that frame is allocated;
 * every thread that may run is on its run queue and no other is (a suspended one never).
 * VMs' guest-physical mappings are checked (and counted) as tasks' are.
 */
#include "syscall/kcheck.h"
#include "arch/x86_64/mm/paging.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "object/memory.h"
#include "object/task.h"
#include "object/vm.h"
#include "sched/sched.h"

static uint64_t check_task_mappings(task_t *t, uint64_t *count)
{
    uint64_t errors = 0;
    if (!t->mappings)
        return 0;
    for (unsigned b = 0; b < MAPPING_BUCKETS; b++) {
        for (mapping_t *m = t->mappings[b]; m; m = m->hash_next) {
            uint64_t pte, frame = m->mem->frames[m->page];
            (*count)++;
            if (!paging_query(t->root, m->va, &pte) || (pte & PTE_ADDR_MASK) != frame) {
                log_line("kcheck", "task %lu: mapping at %lx disagrees with its page table",
                         (unsigned long)t->id, (unsigned long)m->va);
                errors++;
            }
            if (!frame_is_used(pmm_allocator(), frame)) {
                log_line("kcheck", "task %lu: %lx maps free frame %lx", (unsigned long)t->id,
                         (unsigned long)m->va, (unsigned long)frame);
                errors++;
            }
        }
    }
    return errors;
}

void kcheck_collect(struct agora_kernel_stats *out)
{
    memset(out, 0, sizeof *out);
    frame_allocator_t *fa = pmm_allocator();
    if (!frame_check(fa)) {
        log_line("kcheck", "frame bitmap count is wrong");
        out->check_errors++;
    }
    out->free_frames = fa->free_count;
    out->heap_bytes = kheap_in_use();
    for (task_t *t = all_tasks; t; t = t->all_next) {
        if (t->dead)
            continue;
        out->tasks++;
        for (thread_t *th = t->threads; th; th = th->task_next) {
            out->threads++;
            if (!thread_stack_intact(th)) {
                log_line("kcheck", "thread %lu: kernel stack overflowed", (unsigned long)th->id);
                out->check_errors++;
            }
            bool runnable = th->state == TS_READY && !th->suspended && th != sched_current();
            if (sched_queued(th) != runnable) {
                log_line("kcheck", "thread %lu (state %d%s) %s on a run queue", (unsigned long)th->id,
                         th->state, th->suspended ? ", suspended" : "", runnable ? "not" : "wrongly");
                out->check_errors++;
            }
        }
        out->check_errors += check_task_mappings(t, &out->mappings);
    }
    for (vm_t *vm = all_vms; vm; vm = vm->all_next)
        out->check_errors += check_task_mappings(&vm->space, &out->mappings);
}
