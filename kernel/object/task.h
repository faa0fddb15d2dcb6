/* Tasks: an address space, a capability table and the threads running in them. */
#ifndef AGORA_KERNEL_OBJECT_TASK_H
#define AGORA_KERNEL_OBJECT_TASK_H

#include <stdbool.h>
#include <stdint.h>
#include "object/cap.h"
#include "object/kobject.h"
#include "object/thread.h"

struct mapping;
struct pool;
struct notification;
struct endpoint;

typedef struct task_watcher {
    struct notification *ntfn;
    uint64_t badge;
    struct task_watcher *next;
} task_watcher_t;

/* Pages charged to the pool for a task (capability table and top-level page table). */
#define TASK_POOL_PAGES 16

typedef struct task {
    kobject_t obj;
    uint64_t id;
    bool dead;
    int64_t exit_status;
    uint64_t root;                  /* PML4, physical */
    cap_table_t *caps;
    thread_t *threads;
    struct task *all_next;          /* every task not yet destroyed (for checks) */
    task_watcher_t *watchers;
    struct endpoint *endpoints;     /* endpoints this task receives on (closed at death) */
    struct mapping **mappings;      /* hash table by virtual address */
    uint64_t nmappings;
    uint8_t *io_bitmap;             /* NULL: no I/O ports */
    struct task *kill_next;         /* queued to be killed (task.c) */
    bool kill_queued;
    int64_t kill_status;
} task_t;

extern task_t *all_tasks;

task_t *task_create(struct pool *pool);
/* Destroys threads, mappings and capabilities; wakes every waiter with -E_DEAD. */
void task_kill(task_t *t, int64_t status);
void task_destroy(task_t *t);
/* Switches the CPU to the task's address space and I/O permissions. */
void task_activate(task_t *t);
int task_watch(task_t *t, struct notification *n, uint64_t badge);
/* Removes every watch of t through n: 0, or -E_NOCAP when there was none. */
int task_unwatch(task_t *t, struct notification *n);
void task_add_thread(task_t *t, thread_t *th);
void task_remove_thread(task_t *t, thread_t *th);

#endif
