/* Starting a program from an ELF image in a memory object: agora_spawn, and the layout it gives the child. */
#ifndef LIBAGORA_SPAWN_H
#define LIBAGORA_SPAWN_H

#include <stdint.h>

#include <agora/boot.h>
#include <agora/objects.h>

/*
 * The child's address space: the same fixed places init gets from the kernel, so that one
 * crt0 and one runtime serve both.
 *
 *   [0x001000, ...)                 nothing below the ELF: page 0 and up stay unmapped
 *   [0x200000, 0x300000)            reserved: no ELF segment may touch it
 *     0x200000                        unmapped in a child (init: the boot information)
 *     AGORA_CHILD_IPC_BUFFER          the thread's IPC buffer, one page, rw-
 *     [STACK_TOP - STACK_PAGES pages, STACK_TOP)   the stack, rw-, with unmapped pages below
 *   0x400000...                     the ELF's segments (lib/libagora/user.ld), each with
 *                                   exactly its own rights (r-x, r--, rw-)
 *
 * Registers at the entry point: rip = ELF entry, rsp = AGORA_CHILD_STACK_TOP, rdi = the
 * starter's argument; everything else zero (as the kernel starts any thread).
 *
 * Capability slots of the child:
 *   CAP_SELF_TASK (1), CAP_SELF_THREAD (2)   its own task and thread, all rights
 *   3 .. AGORA_CHILD_FIRST_FREE_SLOT - 1     whatever the starter passes (agora_spawn_cap);
 *                                            each starter documents its convention (init:
 *                                            servers/init/README.md)
 *   AGORA_CHILD_FIRST_FREE_SLOT and up       free for the child
 */
#define AGORA_CHILD_RESERVED_START  AGORA_BOOT_INFO_VADDR
#define AGORA_CHILD_RESERVED_END    AGORA_INIT_STACK_TOP
#define AGORA_CHILD_IPC_BUFFER      AGORA_INIT_IPC_BUFFER
#define AGORA_CHILD_STACK_TOP       AGORA_INIT_STACK_TOP
#define AGORA_CHILD_STACK_PAGES     AGORA_INIT_STACK_PAGES
#define AGORA_CHILD_FIRST_PASSED_SLOT 3
#define AGORA_CHILD_FIRST_FREE_SLOT 16

/*
 * In the caller: agora_spawn maps the image and, one at a time, each new segment here while
 * it copies, and unmaps them before it returns. Nothing else may use this window.
 */
#define AGORA_SPAWN_SCRATCH_VADDR   0x00007f0000000000ull
#define AGORA_SPAWN_SCRATCH_BYTES   0x0000000040000000ull   /* 1 GiB: image + largest segment */

/* The kernel's default (higher runs first; 0 to 255). */
#define AGORA_SPAWN_DEFAULT_PRIORITY 100

/* A capability the child gets: the caller's slot src, copied to the child's slot dst. */
struct agora_spawn_cap {
    uint64_t src;
    uint64_t dst;           /* in [AGORA_CHILD_FIRST_PASSED_SLOT, AGORA_CHILD_FIRST_FREE_SLOT) */
    uint64_t rights;        /* masked with the rights src has */
};

struct agora_spawn_args {
    uint64_t image;         /* OBJ_MEMORY capability holding the ELF image (read right) */
    uint64_t image_size;    /* bytes of ELF in it */
    uint64_t pool;          /* pays for the task, the thread and the memory */
    uint64_t arg;           /* the child's rdi at its entry */
    uint64_t fault_ep;      /* the caller's slot of an endpoint for the child's faults; 0: none */
    uint64_t priority;
    const struct agora_spawn_cap *caps;
    unsigned ncaps;         /* at most AGORA_CHILD_FIRST_FREE_SLOT - AGORA_CHILD_FIRST_PASSED_SLOT */
};

#define AGORA_SPAWN_MAX_MEMORY 10   /* segments (elf.h's ELF_MAX_SEGMENTS) + stack + IPC buffer */

/* What agora_spawn keeps in the caller's table (slots from agora_slot_alloc). */
struct agora_child {
    uint64_t task;
    uint64_t thread;
    uint64_t memory[AGORA_SPAWN_MAX_MEMORY];   /* the child's memory objects */
    unsigned nmemory;
    uint64_t entry;
};

/*
 * Loads and starts the ELF program in args->image as a new task. Validates the image
 * (kernel/lib/elf.c, plus: no segment in the reserved range) and the arguments before it
 * creates anything; on failure it destroys what it made and returns a negated error:
 *   -E_INVAL   bad arguments, or not an acceptable executable (see kernel/lib/elf.h for
 *              -E_RANGE, -E_OVERLAP, -E_PERM from the image)
 *   -E_OVERLAP a segment in [AGORA_CHILD_RESERVED_START, AGORA_CHILD_RESERVED_END)
 *   -E_RANGE   image_size beyond the memory object, or too large for the scratch window
 *   -E_NOMEM   no free slot in the caller's table (agora_slots_init first)
 *   anything a system call returned (-E_NOCAP, -E_NOMEM from the pool, ...)
 * The caller's capabilities for the task, the thread and the memory stay in *child: the
 * mappings are the child's only other reference to them.
 */
int agora_spawn(const struct agora_spawn_args *args, struct agora_child *child);

/* Kills the child's task, deletes the capabilities in *child and frees their slots. */
void agora_child_release(struct agora_child *child);

#endif
