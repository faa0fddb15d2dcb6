/*
 * Capabilities: a per-task table of slots, each naming a kernel object with rights
 * and a badge. Copies form a derivation tree, so revoking a capability removes
 * every copy derived from it.
 */
#ifndef AGORA_KERNEL_OBJECT_CAP_H
#define AGORA_KERNEL_OBJECT_CAP_H

#include <stdbool.h>
#include <stdint.h>
#include "object/kobject.h"

typedef struct cap {
    kobject_t *obj;          /* NULL: empty slot */
    uint32_t rights;         /* RIGHT_* */
    uint64_t badge;          /* endpoints and notifications: given to the receiver */
    /* Derivation tree: the copy this one was made from, its first copy, its siblings. */
    struct cap *parent, *child, *next, *prev;
} cap_t;

typedef struct cap_table {
    cap_t slots[CAP_TABLE_SLOTS];
} cap_table_t;

/*
 * Finds slot in t holding an object of `type` (OBJ_NONE: any) with all of `rights`.
 * Returns 0 and *out, or -E_NOCAP (empty, 0 or out of range), -E_TYPE or -E_PERM.
 */
int cap_lookup(cap_table_t *t, uint64_t slot, uint32_t type, uint32_t rights, cap_t **out);

/* An empty slot to fill: 0 and *out, -E_NOCAP (slot 0 or out of range) or -E_EXIST. */
int cap_empty_slot(cap_table_t *t, uint64_t slot, cap_t **out);

/* Fills the empty dst, taking a reference on obj; parent (may be NULL) is what it derives from. */
void cap_install(cap_t *dst, kobject_t *obj, uint32_t rights, uint64_t badge, cap_t *parent);

/* Empties c; its copies stay valid and now derive from c's parent. */
void cap_delete(cap_t *c);

/* Deletes every capability derived from c (not c itself). */
void cap_revoke(cap_t *c);

/* Deletes every capability in the table. */
void cap_table_clear(cap_table_t *t);

/* Number of capabilities derived from c, directly or not (for tests and checks). */
uint64_t cap_count_descendants(const cap_t *c);

#endif
