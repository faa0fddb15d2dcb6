/*
 * pm's books for copy-on-write: the memory objects it holds for its processes, how many
 * images use each of their pages, and whose quota (account) pays for them. Pure code
 * (tests/unit/test_cow.c); image.c makes the system calls.
 *
 * A process page is a page of a memory object pm holds (a pm_page_t). After fork both
 * images name the same pages, so a page has a count of users (refs). A page whose count
 * drops to 0 is free: still part of its object and charged to its account, and the next
 * page that account needs (a copy-on-write copy) is taken from the free ones first. An
 * object whose pages are all free goes (pm deletes its capability and the kernel gives the
 * pages back to the pool).
 *
 * An account is a process's quota, its sub-pool. It is open while its process lives and
 * is reused only when it is closed and holds no object: a page charged to a process that
 * ended stays charged to it while a child still uses it, so the sub-pool (and its share
 * of pm's memory) lingers until then. There are as many accounts as process slots, so pm
 * never reserves more than PM_MAX_PROCS quotas.
 */
#ifndef PM_COW_H
#define PM_COW_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/pm.h>

#define PM_COW_OBJ_PAGES  64                /* pages of one memory object, at most */
#define PM_COW_OBJS       768               /* memory objects held at once (each is a slot in pm) */
#define PM_COW_ACCOUNTS   PM_MAX_PROCS
#define PM_COW_ARENA_MIN  8                 /* pages of an account's first object for copies */

/* A page: object number (1 .. PM_COW_OBJS) << 6 | page index in it; 0 is no page. */
typedef uint32_t pm_page_t;
#define PM_PAGE(obj, idx)  (((pm_page_t)(obj) << 6) | (pm_page_t)(idx))
#define PM_PAGE_OBJ(p)     ((unsigned)((p) >> 6))
#define PM_PAGE_IDX(p)     ((unsigned)((p) & (PM_COW_OBJ_PAGES - 1)))

struct pm_cow_obj {
    uint64_t slot;                  /* its capability in pm; 0 (CAP_NULL): entry unused */
    uint16_t account;               /* charged to */
    uint8_t npages;
    uint8_t used;                   /* pages with refs > 0; never 0 for an entry in use */
    uint8_t refs[PM_COW_OBJ_PAGES]; /* images using each page */
};

struct pm_cow_account {
    bool open;                      /* its process lives */
    uint64_t pool;                  /* the sub-pool's slot while open */
    uint32_t objs;                  /* objects charged to it */
    uint32_t arena;                 /* pages of the next object made for copies */
};

struct pm_cow {
    struct pm_cow_obj obj[PM_COW_OBJS + 1];     /* [0] unused: page 0 is no page */
    struct pm_cow_account acct[PM_COW_ACCOUNTS];
};

void pm_cow_init(struct pm_cow *c);

/* A free account for a new process with this pool: its number, or -1 (all open or lingering). */
int pm_cow_account_open(struct pm_cow *c, uint64_t pool);
/* The open account of pool, or -1. */
int pm_cow_account_of(const struct pm_cow *c, uint64_t pool);
/* Its process ended (a = -1: nothing). The account is free again once its last object went. */
void pm_cow_account_close(struct pm_cow *c, int a);
/* Accounts open or lingering. */
unsigned pm_cow_accounts_used(const struct pm_cow *c);
/* Memory objects in the books (all accounts). */
unsigned pm_cow_objects(const struct pm_cow *c);
/* Pages for the next object made for copies in a: PM_COW_ARENA_MIN, doubling up to PM_COW_OBJ_PAGES. */
unsigned pm_cow_arena_pages(struct pm_cow *c, int a);

/*
 * Records a new memory object (its slot in pm, npages <= PM_COW_OBJ_PAGES) charged to a,
 * with its first `used` pages (1 .. npages) in use once each. Its number, or -1 when the
 * table is full.
 */
int pm_cow_obj_add(struct pm_cow *c, int a, uint64_t slot, unsigned npages, unsigned used);
/* The slot of p's object. */
uint64_t pm_cow_slot(const struct pm_cow *c, pm_page_t p);
/* How many images use p. */
unsigned pm_cow_refs(const struct pm_cow *c, pm_page_t p);
/* One more user of p (fork). */
void pm_cow_ref(struct pm_cow *c, pm_page_t p);
/*
 * One user less. When that frees the last used page of the object, the object leaves the
 * books and its slot is returned (the caller deletes the capability); else 0.
 */
uint64_t pm_cow_unref(struct pm_cow *c, pm_page_t p);
/* A free page of one of a's objects, now used once; 0 if a has none. */
pm_page_t pm_cow_take(struct pm_cow *c, int a);

#endif
