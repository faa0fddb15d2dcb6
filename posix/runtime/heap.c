/*
 * The program break: sbrk over a heap region. Under pm, pm maps it (PM_BRK); without pm
 * (a boot module started by init) the runtime maps it itself, one memory object from the
 * task's pool per growth step.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <agora/objects.h>
#include <libagora/sys.h>

#include "posix.h"

/*
 * The heap lives far from everything else in the address space (the ELF at 0x400000, the
 * runtime's pages below 0x300000, agora_spawn's scratch window at 0x7f0000000000), so it
 * can grow to POSIX_HEAP_MAX without meeting anything.
 */
#define POSIX_HEAP_BASE  0x0000100000000000ull    /* 16 TiB */
#define POSIX_HEAP_MAX   0x0000001000000000ull    /* 64 GiB */
#define PAGE_SIZE        4096ull
/* Each step maps at least this much, so small sbrk calls cost no system call and few slots. */
#define POSIX_HEAP_STEP  (256 * 1024ull)

static uint64_t heap_break = POSIX_HEAP_BASE;     /* what sbrk(0) returns */
static uint64_t heap_mapped = POSIX_HEAP_BASE;    /* [BASE, mapped) is mapped rw- */
static uint64_t next_slot = POSIX_FIRST_FREE_SLOT;

long posix_slot_alloc(void)
{
    if (next_slot >= CAP_TABLE_SLOTS)
        return -E_NOMEM;
    return (long)next_slot++;
}

/* Maps at least bytes more at heap_mapped; a negated Agora error on failure. */
static long heap_grow(uint64_t bytes)
{
    uint64_t size = (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    long slot, r;

    if (size < POSIX_HEAP_STEP)
        size = POSIX_HEAP_STEP;
    if (size > POSIX_HEAP_BASE + POSIX_HEAP_MAX - heap_mapped)
        size = POSIX_HEAP_BASE + POSIX_HEAP_MAX - heap_mapped;
    if (size < bytes)
        return -E_NOMEM;
    /* Under pm the address space is pm's: it maps the heap (PM_BRK, same base). */
    if (posix_pm_endpoint())
        return posix_pm_brk(heap_mapped + bytes, &heap_mapped);
    slot = posix_slot_alloc();
    if (slot < 0)
        return slot;
    r = sys_memory_create(POSIX_CAP_POOL, size / PAGE_SIZE, (uint64_t)slot);
    if (r < 0)
        return r;
    r = sys_map(CAP_SELF_TASK, (uint64_t)slot, 0, heap_mapped, size / PAGE_SIZE,
                RIGHT_READ | RIGHT_WRITE);
    if (r < 0) {
        sys_cap_delete((uint64_t)slot);
        return r;
    }
    heap_mapped += size;
    return 0;
}

/*
 * Moves the break by increment and returns the old one. Shrinking only moves the break:
 * the pages stay mapped and are used again when the heap grows back.
 */
void *sbrk(ptrdiff_t increment)
{
    uint64_t old = heap_break;
    long r;

    if (increment < 0) {
        if ((uint64_t)-increment > heap_break - POSIX_HEAP_BASE)
            return (void *)(intptr_t)posix_fail_errno(ENOMEM);
        heap_break -= (uint64_t)-increment;
        return (void *)old;
    }
    if ((uint64_t)increment > POSIX_HEAP_BASE + POSIX_HEAP_MAX - heap_break)
        return (void *)(intptr_t)posix_fail_errno(ENOMEM);
    if (heap_break + (uint64_t)increment > heap_mapped) {
        r = heap_grow(heap_break + (uint64_t)increment - heap_mapped);
        if (r < 0)
            return (void *)(intptr_t)posix_fail(r);
    }
    heap_break += (uint64_t)increment;
    return (void *)old;
}

void *_sbrk(ptrdiff_t increment) __attribute__((alias("sbrk")));
