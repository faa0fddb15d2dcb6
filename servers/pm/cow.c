/* Copy-on-write books (cow.h): objects, page reference counts, accounts. Pure. */
#include "cow.h"

#include <libagora/string.h>

void pm_cow_init(struct pm_cow *c)
{
    memset(c, 0, sizeof(*c));
}

static bool account_free(const struct pm_cow_account *a)
{
    return !a->open && a->objs == 0;
}

int pm_cow_account_open(struct pm_cow *c, uint64_t pool)
{
    for (int i = 0; i < PM_COW_ACCOUNTS; i++) {
        struct pm_cow_account *a = &c->acct[i];

        if (!account_free(a))
            continue;
        a->open = true;
        a->pool = pool;
        a->arena = PM_COW_ARENA_MIN;
        return i;
    }
    return -1;
}

int pm_cow_account_of(const struct pm_cow *c, uint64_t pool)
{
    for (int i = 0; i < PM_COW_ACCOUNTS; i++)
        if (c->acct[i].open && c->acct[i].pool == pool)
            return i;
    return -1;
}

void pm_cow_account_close(struct pm_cow *c, int a)
{
    if (a < 0 || a >= PM_COW_ACCOUNTS)
        return;
    c->acct[a].open = false;
    c->acct[a].pool = 0;
}

unsigned pm_cow_accounts_used(const struct pm_cow *c)
{
    unsigned n = 0;

    for (int i = 0; i < PM_COW_ACCOUNTS; i++)
        n += !account_free(&c->acct[i]);
    return n;
}

unsigned pm_cow_objects(const struct pm_cow *c)
{
    unsigned n = 0;

    for (int i = 1; i <= PM_COW_OBJS; i++)
        n += c->obj[i].slot != 0;
    return n;
}

unsigned pm_cow_arena_pages(struct pm_cow *c, int a)
{
    unsigned n = c->acct[a].arena;

    if (n < PM_COW_ARENA_MIN)
        n = PM_COW_ARENA_MIN;
    c->acct[a].arena = n * 2 > PM_COW_OBJ_PAGES ? PM_COW_OBJ_PAGES : n * 2;
    return n;
}

int pm_cow_obj_add(struct pm_cow *c, int a, uint64_t slot, unsigned npages, unsigned used)
{
    if (a < 0 || a >= PM_COW_ACCOUNTS || slot == 0 || npages == 0 || npages > PM_COW_OBJ_PAGES ||
        used == 0 || used > npages)
        return -1;
    for (int i = 1; i <= PM_COW_OBJS; i++) {
        struct pm_cow_obj *o = &c->obj[i];

        if (o->slot != 0)
            continue;
        memset(o, 0, sizeof(*o));
        o->slot = slot;
        o->account = (uint16_t)a;
        o->npages = (uint8_t)npages;
        o->used = (uint8_t)used;
        memset(o->refs, 1, used);
        c->acct[a].objs++;
        return i;
    }
    return -1;
}

static struct pm_cow_obj *obj_of(struct pm_cow *c, pm_page_t p)
{
    return &c->obj[PM_PAGE_OBJ(p)];
}

uint64_t pm_cow_slot(const struct pm_cow *c, pm_page_t p)
{
    return c->obj[PM_PAGE_OBJ(p)].slot;
}

unsigned pm_cow_refs(const struct pm_cow *c, pm_page_t p)
{
    return c->obj[PM_PAGE_OBJ(p)].refs[PM_PAGE_IDX(p)];
}

void pm_cow_ref(struct pm_cow *c, pm_page_t p)
{
    struct pm_cow_obj *o = obj_of(c, p);

    if (o->refs[PM_PAGE_IDX(p)]++ == 0)
        o->used++;
}

uint64_t pm_cow_unref(struct pm_cow *c, pm_page_t p)
{
    struct pm_cow_obj *o = obj_of(c, p);
    uint64_t slot = o->slot;

    if (o->refs[PM_PAGE_IDX(p)] == 0 || --o->refs[PM_PAGE_IDX(p)] > 0 || --o->used > 0)
        return 0;
    c->acct[o->account].objs--;
    memset(o, 0, sizeof(*o));
    return slot;
}

pm_page_t pm_cow_take(struct pm_cow *c, int a)
{
    for (int i = 1; i <= PM_COW_OBJS; i++) {
        struct pm_cow_obj *o = &c->obj[i];

        if (o->slot == 0 || o->account != a || o->used == o->npages)
            continue;
        for (unsigned k = 0; k < o->npages; k++) {
            if (o->refs[k] == 0) {
                o->refs[k] = 1;
                o->used++;
                return PM_PAGE(i, k);
            }
        }
    }
    return 0;
}
