/* Capability tables and the derivation tree. Pure logic: unit tested on the host. */
#include "object/cap.h"
#include "agora/errors.h"

int cap_lookup(cap_table_t *t, uint64_t slot, uint32_t type, uint32_t rights, cap_t **out)
{
    if (slot == CAP_NULL || slot >= CAP_TABLE_SLOTS || !t->slots[slot].obj)
        return -E_NOCAP;
    cap_t *c = &t->slots[slot];
    if (type != OBJ_NONE && c->obj->type != type)
        return -E_TYPE;
    if ((c->rights & rights) != rights)
        return -E_PERM;
    *out = c;
    return 0;
}

int cap_empty_slot(cap_table_t *t, uint64_t slot, cap_t **out)
{
    if (slot == CAP_NULL || slot >= CAP_TABLE_SLOTS)
        return -E_NOCAP;
    if (t->slots[slot].obj)
        return -E_EXIST;
    *out = &t->slots[slot];
    return 0;
}

void cap_install(cap_t *dst, kobject_t *obj, uint32_t rights, uint64_t badge, cap_t *parent)
{
    dst->obj = obj;
    dst->rights = rights;
    dst->badge = badge;
    dst->parent = parent;
    dst->child = 0;
    dst->prev = 0;
    dst->next = parent ? parent->child : 0;
    if (dst->next)
        dst->next->prev = dst;
    if (parent)
        parent->child = dst;
    kobject_ref(obj);
}

static void unlink_from_siblings(cap_t *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else if (c->parent)
        c->parent->child = c->next;
    if (c->next)
        c->next->prev = c->prev;
}

void cap_delete(cap_t *c)
{
    if (!c->obj)
        return;
    /* Hand the children to our parent (or make them roots), in place of c. */
    cap_t *ch = c->child;
    while (ch) {
        cap_t *next = ch->next;
        ch->parent = c->parent;
        ch->prev = 0;
        ch->next = c->parent ? c->parent->child : 0;
        if (ch->next)
            ch->next->prev = ch;
        if (c->parent)
            c->parent->child = ch;
        ch = next;
    }
    /* c may have been moved down the sibling list by the loop above: unlink it now. */
    unlink_from_siblings(c);
    kobject_t *obj = c->obj;
    c->obj = 0;
    c->parent = c->child = c->next = c->prev = 0;
    c->rights = 0;
    c->badge = 0;
    kobject_unref(obj);
}

void cap_revoke(cap_t *c)
{
    /* Delete leaves first; re-read c->child each round, as a release may delete more. */
    while (c->obj && c->child) {
        cap_t *leaf = c->child;
        while (leaf->child)
            leaf = leaf->child;
        cap_delete(leaf);
    }
}

void cap_table_clear(cap_table_t *t)
{
    for (uint64_t i = 0; i < CAP_TABLE_SLOTS; i++)
        cap_delete(&t->slots[i]);
}

uint64_t cap_count_descendants(const cap_t *c)
{
    uint64_t n = 0;
    for (const cap_t *ch = c->child; ch; ch = ch->next)
        n += 1 + cap_count_descendants(ch);
    return n;
}
