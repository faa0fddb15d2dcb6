/* Unit tests for kernel/object/cap.c: slot look-ups and the capability derivation tree. */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "agora/errors.h"
#include "object/cap.h"
#include "suites.h"

/* ---- test doubles: objects that record their releases ---- */

#define NTABLES 3
#define NOBJS 12
#define TOTAL_SLOTS (NTABLES * CAP_TABLE_SLOTS)

static cap_table_t tables[NTABLES];

typedef struct test_obj {
    kobject_t obj;           /* first, so a kobject_t * is a test_obj_t * */
    unsigned releases;
    cap_table_t *owns;       /* cleared on release, as a dying task clears its table */
} test_obj_t;

static test_obj_t objs[NOBJS];
static unsigned total_releases;

static kobject_t *obj(int i)
{
    return &objs[i].obj;
}

static unsigned caps_naming(const kobject_t *o)
{
    unsigned n = 0;
    for (int t = 0; t < NTABLES; t++)
        for (int s = 0; s < CAP_TABLE_SLOTS; s++)
            n += tables[t].slots[s].obj == o;
    return n;
}

/* The kernel's destructor, replaced: counts, and checks that nothing still names the object. */
void kobject_release(kobject_t *o)
{
    test_obj_t *to = (test_obj_t *)o;

    total_releases++;
    CU_ASSERT_FATAL(to >= &objs[0] && to < &objs[NOBJS]);
    CU_ASSERT_EQUAL(o->refs, 0);
    CU_ASSERT_EQUAL(caps_naming(o), 0);
    to->releases++;
    if (to->owns)
        cap_table_clear(to->owns);
}

/* ---- helpers ---- */

static cap_t *slot(int t, uint64_t s)
{
    return &tables[t].slots[s];
}

/* A root capability (kernel-minted, no parent) in an empty slot. */
static cap_t *mint(int t, uint64_t s, int o, uint32_t rights)
{
    cap_t *c = 0;
    CU_ASSERT_EQUAL_FATAL(cap_empty_slot(&tables[t], s, &c), 0);
    cap_install(c, obj(o), rights, 0, 0);
    return c;
}

/* A copy of from, with the same object, rights and badge. */
static cap_t *copy(int t, uint64_t s, cap_t *from)
{
    cap_t *c = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(from->obj);
    CU_ASSERT_EQUAL_FATAL(cap_empty_slot(&tables[t], s, &c), 0);
    cap_install(c, from->obj, from->rights, from->badge, from);
    return c;
}

/* A capability to another object, derived from `from` (as a pool derives a child pool). */
static cap_t *derive(int t, uint64_t s, int o, cap_t *from)
{
    cap_t *c = 0;
    CU_ASSERT_EQUAL_FATAL(cap_empty_slot(&tables[t], s, &c), 0);
    cap_install(c, obj(o), from->rights, 0, from);
    return c;
}

static bool slot_is_clear(const cap_t *c)
{
    return !c->obj && !c->parent && !c->child && !c->next && !c->prev && !c->rights && !c->badge;
}

static bool is_child_of(const cap_t *c, const cap_t *parent)
{
    unsigned n = 0;
    for (const cap_t *ch = parent->child; ch && n <= TOTAL_SLOTS; ch = ch->next, n++)
        if (ch == c)
            return true;
    return false;
}

static unsigned child_count(const cap_t *parent)
{
    unsigned n = 0;
    for (const cap_t *ch = parent->child; ch && n <= TOTAL_SLOTS; ch = ch->next)
        n++;
    return n;
}

static bool in_tables(const cap_t *p)
{
    for (int t = 0; t < NTABLES; t++) {
        const cap_t *first = &tables[t].slots[0];
        if (p >= first && p < first + CAP_TABLE_SLOTS)
            return true;
    }
    return false;
}

static char tree_msg[200];

static const char *link_error(const cap_t *c, const cap_t *p, const char *name)
{
    if (!p)
        return 0;
    if (!in_tables(p))
        snprintf(tree_msg, sizeof tree_msg, "%s of %p points outside every table", name, (void *)c);
    else if (!p->obj)
        snprintf(tree_msg, sizeof tree_msg, "%s of %p is an empty slot (dangling)", name, (void *)c);
    else
        return 0;
    return tree_msg;
}

/*
 * Walks every slot of every table and checks the derivation tree: empty slots carry no
 * links, links point at non-empty slots, sibling lists are doubly linked with a common
 * parent and start at the parent's child, roots have no siblings, no cycles, and every
 * object's reference count is the number of capabilities naming it. NULL when sound.
 */
static const char *tree_error(void)
{
    unsigned with_parent = 0, listed = 0;
    unsigned refs[NOBJS] = { 0 };

    for (int t = 0; t < NTABLES; t++) {
        for (int s = 0; s < CAP_TABLE_SLOTS; s++) {
            const cap_t *c = slot(t, s);
            const char *err;
            if (!c->obj) {
                if (!slot_is_clear(c)) {
                    snprintf(tree_msg, sizeof tree_msg, "empty slot %d/%d is not clear", t, s);
                    return tree_msg;
                }
                continue;
            }
            if ((err = link_error(c, c->parent, "parent")) || (err = link_error(c, c->child, "child")) ||
                (err = link_error(c, c->next, "next")) || (err = link_error(c, c->prev, "prev")))
                return err;
            for (int i = 0; i < NOBJS; i++)
                refs[i] += c->obj == obj(i);
            if (!c->parent && (c->prev || c->next)) {
                snprintf(tree_msg, sizeof tree_msg, "root %d/%d has siblings", t, s);
                return tree_msg;
            }
            if (c->parent && !c->prev && c->parent->child != c) {
                snprintf(tree_msg, sizeof tree_msg, "first sibling %d/%d is not its parent's child", t, s);
                return tree_msg;
            }
            if (c->prev && (c->prev->next != c || c->prev->parent != c->parent)) {
                snprintf(tree_msg, sizeof tree_msg, "prev of %d/%d does not lead back", t, s);
                return tree_msg;
            }
            if (c->next && (c->next->prev != c || c->next->parent != c->parent)) {
                snprintf(tree_msg, sizeof tree_msg, "next of %d/%d does not lead back", t, s);
                return tree_msg;
            }
            if (c->child && (c->child->parent != c || c->child->prev)) {
                snprintf(tree_msg, sizeof tree_msg, "child of %d/%d is not its first child", t, s);
                return tree_msg;
            }
            unsigned up = 0;
            for (const cap_t *p = c->parent; p; p = p->parent) {
                if (p == c || ++up > TOTAL_SLOTS) {
                    snprintf(tree_msg, sizeof tree_msg, "cycle through the parents of %d/%d", t, s);
                    return tree_msg;
                }
            }
            if (c->parent) {
                with_parent++;
                if (!is_child_of(c, c->parent)) {
                    snprintf(tree_msg, sizeof tree_msg, "%d/%d is missing from its parent's list", t, s);
                    return tree_msg;
                }
            }
            listed += child_count(c);
        }
    }
    if (listed != with_parent) {
        snprintf(tree_msg, sizeof tree_msg, "%u caps in child lists, %u with a parent", listed, with_parent);
        return tree_msg;
    }
    for (int i = 0; i < NOBJS; i++) {
        if (objs[i].obj.refs != refs[i]) {
            snprintf(tree_msg, sizeof tree_msg, "object %d has %u refs but %u caps", i,
                     objs[i].obj.refs, refs[i]);
            return tree_msg;
        }
    }
    return 0;
}

static const char *tree_error_reported(void)
{
    const char *err = tree_error();
    if (err)
        fprintf(stderr, "\ncap: derivation tree: %s\n", err);
    return err;
}

#define CHECK_TREE() CU_ASSERT_PTR_NULL_FATAL(tree_error_reported())

static int cap_setup_all(void)
{
    memset(tables, 0, sizeof tables);
    for (int i = 0; i < NOBJS; i++) {
        kobject_init(&objs[i].obj, i % 2 ? OBJ_NOTIFICATION : OBJ_ENDPOINT);
        objs[i].releases = 0;
        objs[i].owns = 0;
    }
    total_releases = 0;
    return 0;
}

/* A broken tree can send cap.c round a cycle for ever: fail instead of hanging. */
static void cap_timeout(int sig)
{
    static const char msg[] = "\ncap: a test ran for 60 s: a cycle in the derivation tree?\n";
    (void)sig;
    if (write(2, msg, sizeof msg - 1) < 0)
        _exit(2);
    _exit(1);
}

static void cap_setup(void)
{
    cap_setup_all();
    signal(SIGALRM, cap_timeout);
    alarm(60);
}

/* Every test leaves a sound tree behind, and clearing it drops every reference. */
static void cap_teardown(void)
{
    alarm(0);
    /* Not _FATAL: a tear-down runs outside the test's jump buffer. */
    CU_ASSERT_PTR_NULL(tree_error_reported());
    for (int i = 0; i < NOBJS; i++)
        objs[i].owns = 0;
    for (int t = 0; t < NTABLES; t++)
        cap_table_clear(&tables[t]);
    for (int i = 0; i < NOBJS; i++)
        CU_ASSERT_EQUAL(objs[i].obj.refs, 0);
}

/* ---- look-ups ---- */

static void test_lookup_errors(void)
{
    cap_table_t *t = &tables[0];
    cap_t *out = 0;

    /* Slot 0 is never valid, even with something in it. */
    CU_ASSERT_EQUAL(cap_lookup(t, CAP_NULL, OBJ_NONE, 0, &out), -E_NOCAP);
    mint(0, 5, 0, RIGHT_READ | RIGHT_WRITE);
    cap_install(&t->slots[0], obj(0), RIGHT_READ, 0, 0);
    CU_ASSERT_EQUAL(cap_lookup(t, CAP_NULL, OBJ_NONE, 0, &out), -E_NOCAP);
    cap_delete(&t->slots[0]);
    CU_ASSERT_EQUAL(obj(0)->refs, 1);

    /* Out of range, including values that would alias a valid slot if truncated. */
    CU_ASSERT_EQUAL(cap_lookup(t, CAP_TABLE_SLOTS, OBJ_NONE, 0, &out), -E_NOCAP);
    CU_ASSERT_EQUAL(cap_lookup(t, CAP_TABLE_SLOTS + 5, OBJ_NONE, 0, &out), -E_NOCAP);
    CU_ASSERT_EQUAL(cap_lookup(t, (1ull << 32) | 5, OBJ_NONE, 0, &out), -E_NOCAP);
    CU_ASSERT_EQUAL(cap_lookup(t, UINT64_MAX, OBJ_NONE, 0, &out), -E_NOCAP);

    /* The slot one past the end is the next table's slot 0: an off-by-one would find it. */
    cap_install(slot(1, 0), obj(0), RIGHTS_ALL, 0, 0);
    CU_ASSERT_EQUAL(cap_lookup(t, CAP_TABLE_SLOTS, OBJ_NONE, 0, &out), -E_NOCAP);
    CU_ASSERT_EQUAL(cap_empty_slot(t, CAP_TABLE_SLOTS, &out), -E_NOCAP);
    cap_delete(slot(1, 0));

    /* Empty. */
    CU_ASSERT_EQUAL(cap_lookup(t, 6, OBJ_NONE, 0, &out), -E_NOCAP);
    CU_ASSERT_EQUAL(cap_lookup(t, CAP_TABLE_SLOTS - 1, OBJ_NONE, 0, &out), -E_NOCAP);

    /* Wrong type; the type is checked before the rights. */
    CU_ASSERT_EQUAL(cap_lookup(t, 5, OBJ_NOTIFICATION, 0, &out), -E_TYPE);
    CU_ASSERT_EQUAL(cap_lookup(t, 5, OBJ_TASK, RIGHT_READ, &out), -E_TYPE);
    CU_ASSERT_EQUAL(cap_lookup(t, 5, OBJ_NOTIFICATION, RIGHT_GRANT, &out), -E_TYPE);

    /* Missing rights: every requested right must be there. */
    CU_ASSERT_EQUAL(cap_lookup(t, 5, OBJ_ENDPOINT, RIGHT_GRANT, &out), -E_PERM);
    CU_ASSERT_EQUAL(cap_lookup(t, 5, OBJ_ENDPOINT, RIGHT_READ | RIGHT_GRANT, &out), -E_PERM);
    CU_ASSERT_EQUAL(cap_lookup(t, 5, OBJ_NONE, RIGHT_COPY, &out), -E_PERM);
    CU_ASSERT_PTR_NULL(out);   /* no error wrote *out */

    /* Matches: the right type or OBJ_NONE, any subset of the rights. */
    CU_ASSERT_EQUAL(cap_lookup(t, 5, OBJ_ENDPOINT, RIGHT_READ, &out), 0);
    CU_ASSERT_PTR_EQUAL(out, slot(0, 5));
    out = 0;
    CU_ASSERT_EQUAL(cap_lookup(t, 5, OBJ_NONE, 0, &out), 0);
    CU_ASSERT_PTR_EQUAL(out, slot(0, 5));
    out = 0;
    CU_ASSERT_EQUAL(cap_lookup(t, 5, OBJ_NONE, RIGHT_READ | RIGHT_WRITE, &out), 0);
    CU_ASSERT_PTR_EQUAL(out, slot(0, 5));

    /* A notification in the last slot, with no rights at all. */
    mint(0, CAP_TABLE_SLOTS - 1, 1, 0);
    out = 0;
    CU_ASSERT_EQUAL(cap_lookup(t, CAP_TABLE_SLOTS - 1, OBJ_NOTIFICATION, 0, &out), 0);
    CU_ASSERT_PTR_EQUAL(out, slot(0, CAP_TABLE_SLOTS - 1));
    CU_ASSERT_EQUAL(cap_lookup(t, CAP_TABLE_SLOTS - 1, OBJ_NONE, RIGHT_READ, &out), -E_PERM);
    CU_ASSERT_EQUAL(cap_lookup(t, CAP_TABLE_SLOTS - 1, OBJ_ENDPOINT, 0, &out), -E_TYPE);

    /* Another table's slot 5 is its own. */
    CU_ASSERT_EQUAL(cap_lookup(&tables[1], 5, OBJ_NONE, 0, &out), -E_NOCAP);

    /* After delete the slot is empty again. */
    cap_delete(slot(0, 5));
    CU_ASSERT_EQUAL(cap_lookup(t, 5, OBJ_NONE, 0, &out), -E_NOCAP);
    CHECK_TREE();
}

static void test_empty_slot_errors(void)
{
    cap_table_t *t = &tables[0];
    cap_t *out = 0;

    CU_ASSERT_EQUAL(cap_empty_slot(t, CAP_NULL, &out), -E_NOCAP);
    CU_ASSERT_EQUAL(cap_empty_slot(t, CAP_TABLE_SLOTS, &out), -E_NOCAP);
    CU_ASSERT_EQUAL(cap_empty_slot(t, (1ull << 32) | 3, &out), -E_NOCAP);
    CU_ASSERT_EQUAL(cap_empty_slot(t, UINT64_MAX, &out), -E_NOCAP);
    CU_ASSERT_PTR_NULL(out);

    CU_ASSERT_EQUAL(cap_empty_slot(t, 3, &out), 0);
    CU_ASSERT_PTR_EQUAL(out, slot(0, 3));
    CU_ASSERT_EQUAL(cap_empty_slot(t, CAP_TABLE_SLOTS - 1, &out), 0);
    CU_ASSERT_PTR_EQUAL(out, slot(0, CAP_TABLE_SLOTS - 1));

    cap_t *c = mint(0, 3, 0, RIGHT_READ);
    out = 0;
    CU_ASSERT_EQUAL(cap_empty_slot(t, 3, &out), -E_EXIST);
    copy(0, 4, c);
    CU_ASSERT_EQUAL(cap_empty_slot(t, 4, &out), -E_EXIST);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_EQUAL(cap_empty_slot(&tables[1], 3, &out), 0);   /* tables are separate */

    cap_delete(c);
    CU_ASSERT_EQUAL(cap_empty_slot(t, 3, &out), 0);
    CU_ASSERT_PTR_EQUAL(out, slot(0, 3));
    CHECK_TREE();
}

/* ---- install and delete ---- */

static void test_install_takes_reference(void)
{
    cap_t *c = 0;

    CU_ASSERT_EQUAL_FATAL(cap_empty_slot(&tables[0], 1, &c), 0);
    cap_install(c, obj(0), RIGHT_READ | RIGHT_COPY, 0x77, 0);
    CU_ASSERT_EQUAL(obj(0)->refs, 1);
    CU_ASSERT_PTR_EQUAL(c->obj, obj(0));
    CU_ASSERT_EQUAL(c->rights, RIGHT_READ | RIGHT_COPY);
    CU_ASSERT_EQUAL(c->badge, 0x77);
    CU_ASSERT_PTR_NULL(c->parent);
    CU_ASSERT_PTR_NULL(c->child);
    CU_ASSERT_PTR_NULL(c->next);
    CU_ASSERT_PTR_NULL(c->prev);

    cap_t *a = copy(0, 2, c);
    CU_ASSERT_EQUAL(obj(0)->refs, 2);
    CU_ASSERT_PTR_EQUAL(a->parent, c);
    CU_ASSERT_PTR_EQUAL(c->child, a);
    CU_ASSERT_EQUAL(a->badge, 0x77);

    /* A new copy goes to the head of the sibling list. */
    cap_t *b = copy(1, 2, c);
    CU_ASSERT_EQUAL(obj(0)->refs, 3);
    CU_ASSERT_PTR_EQUAL(c->child, b);
    CU_ASSERT_PTR_EQUAL(b->next, a);
    CU_ASSERT_PTR_EQUAL(a->prev, b);
    CU_ASSERT_PTR_NULL(b->prev);
    CU_ASSERT_PTR_NULL(a->next);

    /* A second object is counted on its own. */
    cap_t *d = mint(0, 3, 1, RIGHT_WRITE);
    CU_ASSERT_EQUAL(obj(1)->refs, 1);
    copy(0, 4, d);
    CU_ASSERT_EQUAL(obj(1)->refs, 2);
    CU_ASSERT_EQUAL(obj(0)->refs, 3);
    CU_ASSERT_EQUAL(total_releases, 0);
    CHECK_TREE();
}

static void test_delete_releases_once(void)
{
    cap_t *r = mint(0, 1, 0, RIGHT_READ);
    cap_t *a = copy(0, 2, r);
    cap_t *b = copy(1, 1, r);

    cap_delete(b);   /* the first child */
    CU_ASSERT_EQUAL(obj(0)->refs, 2);
    CU_ASSERT_TRUE(slot_is_clear(b));
    CU_ASSERT_PTR_EQUAL(r->child, a);
    CHECK_TREE();

    cap_delete(r);   /* a becomes a root */
    CU_ASSERT_EQUAL(obj(0)->refs, 1);
    CU_ASSERT_PTR_NULL(a->parent);
    CU_ASSERT_EQUAL(objs[0].releases, 0);
    CHECK_TREE();

    cap_delete(a);
    CU_ASSERT_EQUAL(obj(0)->refs, 0);
    CU_ASSERT_EQUAL(objs[0].releases, 1);
    CU_ASSERT_EQUAL(total_releases, 1);
    CU_ASSERT_TRUE(slot_is_clear(a));

    /* Deleting an empty slot does nothing: no second release, no underflow. */
    cap_delete(a);
    cap_delete(slot(2, 9));
    CU_ASSERT_EQUAL(obj(0)->refs, 0);
    CU_ASSERT_EQUAL(objs[0].releases, 1);
    CU_ASSERT_EQUAL(total_releases, 1);

    /* The slot can be filled again. */
    cap_t *out;
    CU_ASSERT_EQUAL(cap_empty_slot(&tables[1], 1, &out), 0);
    CHECK_TREE();
}

static void test_delete_reparents_children(void)
{
    cap_t *g = mint(0, 1, 0, RIGHTS_ALL);
    cap_t *older = copy(0, 2, g);
    cap_t *p = copy(1, 1, g);
    cap_t *younger = copy(0, 3, g);   /* p sits in the middle of g's children */
    cap_t *c1 = copy(1, 2, p);
    cap_t *c2 = copy(2, 1, p);
    cap_t *c3 = copy(0, 4, p);
    cap_t *d = copy(2, 2, c1);

    CU_ASSERT_EQUAL(cap_count_descendants(g), 7);
    cap_delete(p);
    CHECK_TREE();
    CU_ASSERT_EQUAL(obj(0)->refs, 7);
    CU_ASSERT_EQUAL(cap_count_descendants(g), 6);
    CU_ASSERT_EQUAL(child_count(g), 5);
    CU_ASSERT_PTR_EQUAL(c1->parent, g);
    CU_ASSERT_PTR_EQUAL(c2->parent, g);
    CU_ASSERT_PTR_EQUAL(c3->parent, g);
    CU_ASSERT_TRUE(is_child_of(c1, g) && is_child_of(c2, g) && is_child_of(c3, g));
    CU_ASSERT_TRUE(is_child_of(older, g) && is_child_of(younger, g));
    CU_ASSERT_PTR_EQUAL(d->parent, c1);

    /* They are still valid capabilities. */
    cap_t *out;
    CU_ASSERT_EQUAL(cap_lookup(&tables[1], 2, OBJ_ENDPOINT, RIGHT_READ, &out), 0);
    CU_ASSERT_EQUAL(cap_lookup(&tables[2], 1, OBJ_ENDPOINT, RIGHT_READ, &out), 0);

    /* Revoking the grandparent still reaches them. */
    cap_revoke(g);
    CHECK_TREE();
    CU_ASSERT_EQUAL(obj(0)->refs, 1);
    CU_ASSERT_PTR_NULL(g->child);
    CU_ASSERT_EQUAL(cap_count_descendants(g), 0);
    CU_ASSERT_TRUE(slot_is_clear(c1) && slot_is_clear(c2) && slot_is_clear(c3) && slot_is_clear(d));
    CU_ASSERT_EQUAL(total_releases, 0);
}

static void test_delete_root_with_children(void)
{
    cap_t *r = mint(0, 1, 0, RIGHTS_ALL);
    cap_t *a = copy(0, 2, r);
    cap_t *b = copy(0, 3, r);
    cap_t *x = copy(0, 4, a);

    cap_delete(r);
    CHECK_TREE();
    CU_ASSERT_PTR_NULL(a->parent);
    CU_ASSERT_PTR_NULL(b->parent);
    CU_ASSERT_PTR_NULL(a->next);
    CU_ASSERT_PTR_NULL(b->prev);
    CU_ASSERT_PTR_EQUAL(x->parent, a);
    CU_ASSERT_EQUAL(cap_count_descendants(a), 1);
    CU_ASSERT_EQUAL(cap_count_descendants(b), 0);

    /* Now independent: revoking a leaves b. */
    cap_revoke(a);
    CHECK_TREE();
    CU_ASSERT_PTR_NULL(x->obj);
    CU_ASSERT_PTR_NOT_NULL(b->obj);
    CU_ASSERT_EQUAL(obj(0)->refs, 2);
}

static void test_delete_siblings_in_any_order(void)
{
    cap_t *g = mint(0, 1, 0, RIGHTS_ALL);
    cap_t *s[6];
    for (int i = 0; i < 6; i++)
        s[i] = copy(0, 2 + i, g);   /* list order: s5 s4 s3 s2 s1 s0 */

    cap_delete(s[2]);   /* middle */
    CHECK_TREE();
    cap_delete(s[5]);   /* head */
    CHECK_TREE();
    CU_ASSERT_PTR_EQUAL(g->child, s[4]);
    cap_delete(s[0]);   /* tail */
    CHECK_TREE();
    CU_ASSERT_PTR_NULL(s[1]->next);
    CU_ASSERT_EQUAL(child_count(g), 3);
    cap_delete(s[3]);
    cap_delete(s[4]);
    cap_delete(s[1]);
    CHECK_TREE();
    CU_ASSERT_PTR_NULL(g->child);
    CU_ASSERT_EQUAL(obj(0)->refs, 1);
}

/* ---- revoke ---- */

static void test_revoke_deep_chain(void)
{
    /* One chain through all three tables: 3 * 1023 capabilities deep. */
    cap_t *root = mint(0, 1, 0, RIGHTS_ALL), *c = root, *middle = 0;
    unsigned n = 1;
    for (int t = 0; t < NTABLES; t++) {
        for (uint64_t s = 1; s < CAP_TABLE_SLOTS; s++) {
            if (t == 0 && s == 1)
                continue;
            c = copy(t, s, c);
            if (++n == 2000)
                middle = c;
        }
    }
    CU_ASSERT_EQUAL(n, NTABLES * (CAP_TABLE_SLOTS - 1));
    CU_ASSERT_EQUAL(obj(0)->refs, n);
    CU_ASSERT_EQUAL(cap_count_descendants(root), n - 1);
    CU_ASSERT_EQUAL(cap_count_descendants(middle), n - 2000);
    CHECK_TREE();

    cap_revoke(middle);
    CHECK_TREE();
    CU_ASSERT_EQUAL(obj(0)->refs, 2000);
    CU_ASSERT_PTR_NOT_NULL(middle->obj);
    CU_ASSERT_PTR_NULL(middle->child);
    CU_ASSERT_EQUAL(cap_count_descendants(root), 1999);

    cap_revoke(root);
    CHECK_TREE();
    CU_ASSERT_EQUAL(obj(0)->refs, 1);
    CU_ASSERT_PTR_NULL(root->child);
    CU_ASSERT_EQUAL(total_releases, 0);
    for (int t = 0; t < NTABLES; t++)
        for (uint64_t s = 0; s < CAP_TABLE_SLOTS; s++)
            if (slot(t, s) != root)
                CU_ASSERT_TRUE_FATAL(slot_is_clear(slot(t, s)));
}

static void test_revoke_wide_fan(void)
{
    cap_t *root = mint(0, 1, 0, RIGHTS_ALL);
    unsigned n = 0;
    for (int t = 0; t < NTABLES; t++) {
        for (uint64_t s = 1; s < CAP_TABLE_SLOTS; s++) {
            if (t == 0 && s == 1)
                continue;
            copy(t, s, root);
            n++;
        }
    }
    CU_ASSERT_EQUAL(child_count(root), n);
    CU_ASSERT_EQUAL(cap_count_descendants(root), n);
    CHECK_TREE();

    cap_revoke(root);
    CHECK_TREE();
    CU_ASSERT_EQUAL(obj(0)->refs, 1);
    CU_ASSERT_EQUAL(cap_count_descendants(root), 0);
    CU_ASSERT_EQUAL(total_releases, 0);
}

/*
 * r
 * +- a ---- a1 ---- a11
 * |   +---- a2 -+-- a21
 * |             +-- a22 --- a221
 * +- b
 * +- c ---- c1 (fan of 50)
 */
static void test_revoke_mixed(void)
{
    cap_t *r = mint(0, 1, 0, RIGHTS_ALL);
    cap_t *a = copy(0, 2, r), *b = copy(1, 2, r), *c = copy(2, 2, r);
    cap_t *a1 = copy(1, 3, a), *a2 = copy(2, 3, a);
    cap_t *a11 = copy(0, 3, a1);
    cap_t *a21 = copy(0, 4, a2), *a22 = copy(1, 4, a2);
    cap_t *a221 = copy(2, 4, a22);
    cap_t *c1 = copy(0, 5, c);
    for (uint64_t s = 10; s < 60; s++)
        copy(1, s, c1);

    CU_ASSERT_EQUAL(cap_count_descendants(r), 60);
    CU_ASSERT_EQUAL(cap_count_descendants(a), 6);
    CU_ASSERT_EQUAL(cap_count_descendants(c), 51);
    CHECK_TREE();

    /* Revoking a leaf changes nothing. */
    cap_revoke(a221);
    cap_revoke(b);
    CU_ASSERT_EQUAL(obj(0)->refs, 61);
    CHECK_TREE();

    /* An inner node: only its subtree goes. */
    cap_revoke(a2);
    CHECK_TREE();
    CU_ASSERT_PTR_NOT_NULL(a2->obj);
    CU_ASSERT_TRUE(slot_is_clear(a21) && slot_is_clear(a22) && slot_is_clear(a221));
    CU_ASSERT_PTR_NOT_NULL(a11->obj);
    CU_ASSERT_EQUAL(cap_count_descendants(a), 3);
    CU_ASSERT_EQUAL(obj(0)->refs, 58);

    cap_revoke(c);
    CHECK_TREE();
    CU_ASSERT_PTR_NOT_NULL(c->obj);
    CU_ASSERT_EQUAL(cap_count_descendants(c), 0);
    CU_ASSERT_EQUAL(cap_count_descendants(r), 6);
    CU_ASSERT_EQUAL(obj(0)->refs, 7);

    cap_revoke(r);
    CHECK_TREE();
    CU_ASSERT_EQUAL(obj(0)->refs, 1);
    CU_ASSERT_EQUAL(total_releases, 0);
}

static void test_revoke_then_last_cap_releases(void)
{
    cap_t *r = mint(0, 1, 0, RIGHTS_ALL);
    cap_t *other_root = mint(1, 1, 0, RIGHTS_ALL);   /* a second, independent root */
    cap_t *a = copy(0, 2, r);
    copy(2, 1, a);
    copy(2, 2, r);
    copy(0, 3, other_root);

    cap_revoke(r);
    CHECK_TREE();
    CU_ASSERT_EQUAL(obj(0)->refs, 3);   /* r, other_root and its copy */
    CU_ASSERT_EQUAL(objs[0].releases, 0);

    cap_revoke(other_root);
    CU_ASSERT_EQUAL(obj(0)->refs, 2);
    cap_delete(r);
    CU_ASSERT_EQUAL(objs[0].releases, 0);
    cap_delete(other_root);
    CU_ASSERT_EQUAL(objs[0].releases, 1);
    CU_ASSERT_EQUAL(total_releases, 1);
    CHECK_TREE();
}

static void test_revoke_releases_derived_objects(void)
{
    /* A pool-like parent whose derived capabilities name other objects. */
    cap_t *r = mint(0, 1, 0, RIGHTS_ALL);
    cap_t *d2 = derive(0, 2, 2, r);
    derive(1, 1, 3, r);
    copy(1, 2, d2);
    cap_t *keep = mint(2, 1, 3, RIGHT_READ);   /* object 3 survives through this one */

    cap_revoke(r);
    CHECK_TREE();
    CU_ASSERT_EQUAL(objs[2].releases, 1);
    CU_ASSERT_EQUAL(objs[3].releases, 0);
    CU_ASSERT_EQUAL(obj(3)->refs, 1);
    CU_ASSERT_EQUAL(obj(0)->refs, 1);
    CU_ASSERT_EQUAL(total_releases, 1);
    cap_delete(keep);
    CU_ASSERT_EQUAL(objs[3].releases, 1);
}

/*
 * A release that deletes more capabilities while a revoke runs, as a task's death clears
 * its table: revoke must re-read the tree after every delete.
 */
static void test_revoke_with_cascading_release(void)
{
    cap_t *r = mint(0, 1, 0, RIGHTS_ALL);
    cap_t *n = copy(1, 1, r);              /* survives the cascade, revoked afterwards */
    cap_t *k = copy(2, 1, r);
    cap_t *k2 = copy(2, 2, k);
    cap_t *m = derive(1, 2, 4, r);         /* the only capability of object 4, which owns table 2 */
    cap_t *u = mint(2, 3, 5, RIGHT_READ);  /* in table 2, not derived from r */
    cap_t *v = copy(0, 2, u);
    objs[4].owns = &tables[2];

    CU_ASSERT_PTR_EQUAL(r->child, m);      /* the revoke deletes m first */
    cap_revoke(r);
    CHECK_TREE();
    CU_ASSERT_EQUAL(objs[4].releases, 1);
    CU_ASSERT_TRUE(slot_is_clear(m) && slot_is_clear(k) && slot_is_clear(k2) && slot_is_clear(n));
    CU_ASSERT_TRUE(slot_is_clear(u));
    CU_ASSERT_PTR_NOT_NULL(v->obj);
    CU_ASSERT_PTR_NULL(v->parent);          /* its parent went with table 2 */
    CU_ASSERT_EQUAL(obj(5)->refs, 1);
    CU_ASSERT_EQUAL(objs[5].releases, 0);
    CU_ASSERT_EQUAL(obj(0)->refs, 1);
    CU_ASSERT_PTR_NULL(r->child);
    CU_ASSERT_EQUAL(total_releases, 1);
}

/* ---- table clear and counting ---- */

static void test_table_clear(void)
{
    /* Object 0: r in table 0 -> c in table 1 -> g in table 0 (a lower slot than r). */
    cap_t *r = mint(0, 7, 0, RIGHTS_ALL);
    cap_t *c = copy(1, 1, r);
    cap_t *g = copy(0, 3, c);
    cap_t *g2 = copy(1, 2, g);
    /* Object 2 only in table 0, as a chain in reverse slot order. */
    cap_t *x = mint(0, 20, 2, RIGHTS_ALL);
    cap_t *y = copy(0, 10, x);
    copy(0, 5, y);
    /* Object 3 in both. */
    cap_t *w = mint(1, 3, 3, RIGHTS_ALL);
    copy(0, CAP_TABLE_SLOTS - 1, w);

    cap_table_clear(&tables[0]);
    CHECK_TREE();
    for (uint64_t s = 0; s < CAP_TABLE_SLOTS; s++)
        CU_ASSERT_TRUE_FATAL(slot_is_clear(slot(0, s)));
    CU_ASSERT_EQUAL(objs[2].releases, 1);
    CU_ASSERT_EQUAL(objs[0].releases, 0);
    CU_ASSERT_EQUAL(obj(0)->refs, 2);
    CU_ASSERT_PTR_NULL(c->parent);          /* r went */
    CU_ASSERT_PTR_EQUAL(g2->parent, c);     /* g went: g2 moved up to c */
    CU_ASSERT_EQUAL(obj(3)->refs, 1);
    CU_ASSERT_PTR_NULL(w->child);

    cap_table_clear(&tables[0]);            /* already empty */
    CU_ASSERT_EQUAL(total_releases, 1);

    cap_table_clear(&tables[1]);
    CHECK_TREE();
    CU_ASSERT_EQUAL(objs[0].releases, 1);
    CU_ASSERT_EQUAL(objs[3].releases, 1);
    CU_ASSERT_EQUAL(total_releases, 3);
}

static void test_count_descendants(void)
{
    cap_t *r = mint(0, 1, 0, RIGHTS_ALL);
    CU_ASSERT_EQUAL(cap_count_descendants(r), 0);
    CU_ASSERT_EQUAL(cap_count_descendants(slot(0, 2)), 0);   /* empty slot */

    cap_t *a = copy(0, 2, r), *b = copy(0, 3, r);
    cap_t *a1 = copy(0, 4, a);
    copy(0, 5, a1);
    copy(0, 6, a1);
    copy(0, 7, b);
    CU_ASSERT_EQUAL(cap_count_descendants(r), 6);
    CU_ASSERT_EQUAL(cap_count_descendants(a), 3);
    CU_ASSERT_EQUAL(cap_count_descendants(a1), 2);
    CU_ASSERT_EQUAL(cap_count_descendants(b), 1);

    cap_delete(a1);
    CU_ASSERT_EQUAL(cap_count_descendants(r), 5);
    CU_ASSERT_EQUAL(cap_count_descendants(a), 2);
    cap_revoke(b);
    CU_ASSERT_EQUAL(cap_count_descendants(r), 4);
    cap_revoke(r);
    CU_ASSERT_EQUAL(cap_count_descendants(r), 0);
    CHECK_TREE();
}

/* ---- random operations against a model ---- */

/*
 * The model: per slot, its object (-1: empty), parent slot (-1: root), rights and badge.
 * A set of deletions, in any order, leaves each survivor under its nearest surviving
 * ancestor, so every operation is modelled as "delete this set".
 */
enum { RAND_SLOTS = 40, RAND_N = NTABLES * RAND_SLOTS, RAND_STEPS = 30000, OWNER = 0, OWNED = 2 };

typedef struct model {
    int obj[RAND_N];
    int parent[RAND_N];
    uint32_t rights[RAND_N];
    uint64_t badge[RAND_N];
    unsigned releases;
} model_t;

static cap_t *rslot(int g)
{
    return slot(g / RAND_SLOTS, 1 + g % RAND_SLOTS);
}

static uint64_t rng_next(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static bool model_is_descendant(const model_t *m, int g, int of)
{
    for (int p = m->parent[g], n = 0; p >= 0 && n <= RAND_N; p = m->parent[p], n++)
        if (p == of)
            return true;
    return false;
}

static unsigned model_caps_of(const model_t *m, int o, const bool *except)
{
    unsigned n = 0;
    for (int g = 0; g < RAND_N; g++)
        n += m->obj[g] == o && !(except && except[g]);
    return n;
}

/* Deletes the set del; a release of OWNER also empties table OWNED. */
static void model_delete(model_t *m, bool *del)
{
    unsigned before[NOBJS];
    for (int o = 0; o < NOBJS; o++)
        before[o] = model_caps_of(m, o, 0);
    if (before[OWNER] && !model_caps_of(m, OWNER, del))
        for (int g = OWNED * RAND_SLOTS; g < (OWNED + 1) * RAND_SLOTS; g++)
            del[g] = m->obj[g] >= 0;

    int parent[RAND_N];
    for (int g = 0; g < RAND_N; g++) {
        int p = m->parent[g];
        while (p >= 0 && del[p])
            p = m->parent[p];
        parent[g] = p;
    }
    for (int g = 0; g < RAND_N; g++) {
        m->parent[g] = del[g] ? -1 : parent[g];
        if (del[g])
            m->obj[g] = -1;
    }
    for (int o = 0; o < NOBJS; o++)
        m->releases += before[o] && !model_caps_of(m, o, 0);
}

/* A random slot that is (full) or is not (!full) in use, or -1. */
static int pick(const model_t *m, uint64_t r, bool full, int lo, int hi)
{
    int span = hi - lo;
    for (int i = 0; i < span; i++) {
        int g = lo + (int)((r + (uint64_t)i) % (uint64_t)span);
        if ((m->obj[g] >= 0) == full)
            return g;
    }
    return -1;
}

static const char *model_mismatch(const model_t *m)
{
    for (int g = 0; g < RAND_N; g++) {
        const cap_t *c = rslot(g);
        const cap_t *want_parent = m->parent[g] >= 0 ? rslot(m->parent[g]) : 0;
        if (m->obj[g] < 0) {
            if (c->obj)
                return "a slot the model has empty is full";
            continue;
        }
        if (c->obj != obj(m->obj[g]))
            return "a slot names the wrong object";
        if (c->parent != want_parent)
            return "a capability has the wrong parent";
        if (c->rights != m->rights[g] || c->badge != m->badge[g])
            return "a capability has the wrong rights or badge";
    }
    if (total_releases != m->releases)
        return "releases differ from the model";
    return 0;
}

static void test_random_against_model(void)
{
    static model_t m;
    const uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint64_t rng = seed;

    for (int g = 0; g < RAND_N; g++) {
        m.obj[g] = -1;
        m.parent[g] = -1;
    }
    m.releases = 0;
    objs[OWNER].owns = &tables[OWNED];

    unsigned counts[5] = { 0 };
    for (int step = 0; step < RAND_STEPS; step++) {
        uint64_t r = rng_next(&rng);
        uint64_t r2 = rng_next(&rng);
        unsigned op = (unsigned)(r % 100);
        static bool del[RAND_N];
        memset(del, 0, sizeof del);

        if (op < 10) {                               /* a new root */
            int g = pick(&m, r2, false, 0, RAND_N);
            if (g < 0)
                continue;
            int o = (int)((r2 >> 32) % NOBJS);
            uint32_t rights = (uint32_t)(r >> 40) & RIGHTS_ALL;
            if (obj(o)->refs == 0) {                 /* released: a fresh object in its place */
                kobject_init(obj(o), o % 2 ? OBJ_NOTIFICATION : OBJ_ENDPOINT);
                CU_ASSERT_EQUAL_FATAL(model_caps_of(&m, o, 0), 0);
            }
            cap_install(rslot(g), obj(o), rights, r >> 48, 0);
            m.obj[g] = o;
            m.parent[g] = -1;
            m.rights[g] = rights;
            m.badge[g] = r >> 48;
            counts[0]++;
        } else if (op < 55) {                        /* copy */
            int src = pick(&m, r2, true, 0, RAND_N);
            int dst = pick(&m, r2 >> 32, false, 0, RAND_N);
            if (src < 0 || dst < 0)
                continue;
            cap_t *s = rslot(src);
            cap_install(rslot(dst), s->obj, s->rights & (uint32_t)(r >> 40), s->badge, s);
            m.obj[dst] = m.obj[src];
            m.parent[dst] = src;
            m.rights[dst] = m.rights[src] & (uint32_t)(r >> 40);
            m.badge[dst] = m.badge[src];
            counts[1]++;
        } else if (op < 80) {                        /* delete, full slot or not */
            int g = (int)(r2 % RAND_N);
            if (m.obj[g] >= 0) {
                del[g] = true;
                model_delete(&m, del);
            }
            cap_delete(rslot(g));
            counts[2]++;
        } else if (op < 98) {                        /* revoke, never inside the owned table */
            int g = pick(&m, r2, true, 0, OWNED * RAND_SLOTS);
            if (g < 0)
                continue;
            unsigned want = 0;
            for (int d = 0; d < RAND_N; d++) {
                del[d] = m.obj[d] >= 0 && model_is_descendant(&m, d, g);
                want += del[d];
            }
            CU_ASSERT_EQUAL_FATAL(cap_count_descendants(rslot(g)), want);
            model_delete(&m, del);
            cap_revoke(rslot(g));
            counts[3]++;
        } else {                                     /* clear a whole table */
            int t = (int)(r2 % NTABLES);
            for (int g = t * RAND_SLOTS; g < (t + 1) * RAND_SLOTS; g++)
                del[g] = m.obj[g] >= 0;
            model_delete(&m, del);
            cap_table_clear(&tables[t]);
            counts[4]++;
        }

        const char *err = tree_error();
        if (!err)
            err = model_mismatch(&m);
        if (!err) {
            for (int o = 0; o < NOBJS; o++)
                if (obj(o)->refs != model_caps_of(&m, o, 0))
                    err = "reference count differs from the model";
        }
        if (err)
            fprintf(stderr, "\ncap: random step %d (op %u, seed %#llx): %s\n", step, op,
                    (unsigned long long)seed, err);
        CU_ASSERT_PTR_NULL_FATAL(err);
    }
    /* The harness checks itself: every kind of operation really ran, many times. */
    for (int i = 0; i < 5; i++)
        CU_ASSERT(counts[i] > 100);
    CU_ASSERT(m.releases > 100);
}

static CU_TestInfo cap_tests[] = {
    { "lookup errors", test_lookup_errors },
    { "empty slot errors", test_empty_slot_errors },
    { "install takes a reference", test_install_takes_reference },
    { "delete releases once", test_delete_releases_once },
    { "delete re-parents children", test_delete_reparents_children },
    { "delete root with children", test_delete_root_with_children },
    { "delete siblings in any order", test_delete_siblings_in_any_order },
    { "revoke deep chain", test_revoke_deep_chain },
    { "revoke wide fan", test_revoke_wide_fan },
    { "revoke mixed tree", test_revoke_mixed },
    { "revoke then last cap releases", test_revoke_then_last_cap_releases },
    { "revoke releases derived objects", test_revoke_releases_derived_objects },
    { "revoke with cascading release", test_revoke_with_cascading_release },
    { "table clear", test_table_clear },
    { "count descendants", test_count_descendants },
    { "random against model", test_random_against_model },
    CU_TEST_INFO_NULL,
};

int test_cap_register(void)
{
    CU_SuiteInfo suites[] = {
        { .pName = "cap", .pInitFunc = cap_setup_all, .pSetUpFunc = cap_setup,
          .pTearDownFunc = cap_teardown, .pTests = cap_tests },
        CU_SUITE_INFO_NULL,
    };

    return CU_register_suites(suites);
}
