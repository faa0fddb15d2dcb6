/* The header every kernel object starts with: its type and a reference count. */
#ifndef AGORA_KERNEL_OBJECT_KOBJECT_H
#define AGORA_KERNEL_OBJECT_KOBJECT_H

#include <stdint.h>
#include "agora/objects.h"

struct pool;

typedef struct kobject {
    uint32_t type;      /* enum agora_object_type */
    uint32_t refs;      /* capabilities, mappings and kernel pointers that keep it alive */
    struct pool *pool;  /* charged for this object; refunded when it is destroyed */
    uint64_t pool_pages;
    struct kobject *release_next;   /* queued for destruction (object.c) */
} kobject_t;

static inline void kobject_init(kobject_t *o, uint32_t type)
{
    o->type = type;
    o->refs = 0;
    o->pool = 0;
    o->pool_pages = 0;
    o->release_next = 0;
}

/* Records that the object's kernel memory was charged to pool (takes a reference on it). */
void kobject_charge(kobject_t *o, struct pool *pool, uint64_t pages);

static inline void kobject_ref(kobject_t *o)
{
    o->refs++;
}

/* Destroys the object (per type) when the last reference goes. Defined in object.c. */
void kobject_release(kobject_t *o);

static inline void kobject_unref(kobject_t *o)
{
    if (--o->refs == 0)
        kobject_release(o);
}

#endif
