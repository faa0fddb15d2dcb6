/* kobject_release: the one place that knows how to destroy each type of object. */
#include "object/kobject.h"
#include "object/device.h"
#include "object/endpoint.h"
#include "object/memory.h"
#include "object/notification.h"
#include "object/task.h"
#include "object/thread.h"
#include "object/vcpu.h"
#include "object/vm.h"
#include "lib/log.h"

void kobject_charge(kobject_t *o, pool_t *pool, uint64_t pages)
{
    o->pool = pool;
    o->pool_pages = pages;
    if (pool)
        kobject_ref(&pool->obj);
}

static void destroy(kobject_t *o)
{
    pool_t *pool = o->pool;
    uint64_t pages = o->pool_pages;
    switch (o->type) {
    case OBJ_TASK: task_destroy((task_t *)o); break;
    case OBJ_THREAD: thread_destroy((thread_t *)o); break;
    case OBJ_ENDPOINT: endpoint_destroy((endpoint_t *)o); break;
    case OBJ_NOTIFICATION: notification_destroy((notification_t *)o); break;
    case OBJ_MEMORY: memory_destroy((memory_t *)o); break;
    case OBJ_IRQ: irq_destroy((irq_t *)o); break;
    case OBJ_IOPORT: ioport_destroy((ioport_t *)o); break;
    case OBJ_POOL: pool_destroy((pool_t *)o); break;
    case OBJ_REPLY: reply_destroy((reply_t *)o); break;
    case OBJ_VM: vm_destroy((vm_t *)o); break;
    case OBJ_VCPU: vcpu_destroy((vcpu_t *)o); break;
    case OBJ_IRQ_CONTROL:
    case OBJ_MACHINE:
        break;   /* static singletons: nothing to free */
    default:
        panic("release of object with bad type %u", o->type);
    }
    if (pool) {
        pool_refund(pool, pages);
        kobject_unref(&pool->obj);
    }
}

/*
 * Destroying one object may release others (a task's capabilities, a pool's parent),
 * and those more: a chain as long as user space cares to build. They are queued and
 * destroyed one after another here, never by recursion on the small kernel stack.
 */
static kobject_t *release_queue;
static bool releasing;

void kobject_release(kobject_t *o)
{
    o->release_next = release_queue;
    release_queue = o;
    if (releasing)
        return;
    releasing = true;
    while (release_queue) {
        kobject_t *next = release_queue;
        release_queue = next->release_next;
        destroy(next);
    }
    releasing = false;
}
