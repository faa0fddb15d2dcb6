/* The name server's registry (registry.h): lookups by exact name in a fixed table. */
#include "registry.h"

#include <agora/errors.h>
#include <libagora/string.h>

void registry_init(struct registry *r)
{
    memset(r, 0, sizeof(*r));
}

struct names_entry *registry_find(struct registry *r, const char *name, uint64_t len)
{
    for (unsigned i = 0; i < REGISTRY_MAX_ENTRIES; i++) {
        struct names_entry *e = &r->entries[i];

        if (e->used && e->len == len && memcmp(e->name, name, len) == 0)
            return e;
    }
    return 0;
}

long registry_add(struct registry *r, const char *name, uint64_t len, uint64_t owner,
                  struct names_entry **out)
{
    if (len == 0 || len >= NAMES_NAME_MAX)
        return -E_RANGE;
    if (registry_find(r, name, len))
        return -E_EXIST;
    for (unsigned i = 0; i < REGISTRY_MAX_ENTRIES; i++) {
        struct names_entry *e = &r->entries[i];

        if (e->used)
            continue;
        memset(e, 0, sizeof(*e));
        e->used = true;
        e->len = len;
        memcpy(e->name, name, len);
        e->owner = owner;
        r->count++;
        *out = e;
        return 0;
    }
    return -E_NOMEM;
}

void registry_remove(struct registry *r, struct names_entry *e)
{
    if (!e->used)
        return;
    memset(e, 0, sizeof(*e));
    r->count--;
}

struct names_entry *registry_nth(struct registry *r, uint64_t n)
{
    for (unsigned i = 0; i < REGISTRY_MAX_ENTRIES; i++) {
        if (!r->entries[i].used)
            continue;
        if (n == 0)
            return &r->entries[i];
        n--;
    }
    return 0;
}
