/* The name server's registry: a fixed table of names and what names holds for each. Pure code (tests/unit/test_names.c). */
#ifndef NAMES_REGISTRY_H
#define NAMES_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/names.h>

#define REGISTRY_MAX_ENTRIES 64

struct names_entry {
    /* The registry's: */
    bool used;
    uint64_t len;                /* of name, without the NUL */
    char name[NAMES_NAME_MAX];   /* NUL-terminated, zero-padded */
    uint64_t owner;              /* the registrant's badge: only it may unregister */
    /* main.c's, capability slots in names' table: */
    uint64_t ep;                 /* the endpoint (write, grant, copy) */
    uint64_t watch;              /* a notification its task's death signals */
    uint64_t task;               /* the registering task, to withdraw the watch */
};

struct registry {
    struct names_entry entries[REGISTRY_MAX_ENTRIES];
    unsigned count;              /* entries in use */
};

void registry_init(struct registry *r);
/* The entry named name[0..len), or NULL. */
struct names_entry *registry_find(struct registry *r, const char *name, uint64_t len);
/*
 * A new entry for name[0..len) (1 <= len < NAMES_NAME_MAX, the caller checked) owned by
 * owner, its slots zero, in *out: 0, -E_EXIST (the name is there), -E_NOMEM (full),
 * -E_RANGE (len out of range).
 */
long registry_add(struct registry *r, const char *name, uint64_t len, uint64_t owner,
                  struct names_entry **out);
/* Frees e (the caller released its capabilities). */
void registry_remove(struct registry *r, struct names_entry *e);
/* The n-th entry in use, in table order (0-based), or NULL. */
struct names_entry *registry_nth(struct registry *r, uint64_t n);

#endif
