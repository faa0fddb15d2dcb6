/*
 * kstress-worker: one task with two threads. The client thread (main) asks the coordinator
 * for an operation, does it, reports the result and asks again; the server thread answers
 * the calls of peers (and of its own client) on the worker's endpoint. The server never
 * calls anyone, so every call ends: no two workers can wait for each other.
 *
 * Pages that arrive from elsewhere can disappear under us when their owner unmaps them
 * or dies; touching one then faults, and the coordinator (our fault handler) restarts the
 * thread at its recovery function on a fresh stack. Everything a thread needs after that
 * lives in globals.
 */
#include <agora/ipc.h>
#include <agora/objects.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "../kstress.h"

static uint64_t my_arg;

/* Prints one line at once (agora_printf's buffer is not thread-safe; this is). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[160];
    int n = agora_snprintf(line, sizeof(line), "kstress-worker %u: ", KS_ARG_ID(my_arg));
    va_list ap;

    va_start(ap, fmt);
    n += agora_vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    sys_debug_puts(line, (size_t)n);
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* ---- tagged memory objects (both threads use these, each on its own objects) ---- */

typedef struct object {
    uint64_t slot;          /* CAP_NULL: unused */
    uint64_t token;
    uint64_t vaddr;
    unsigned npages;
    uint32_t present;       /* pages still mapped at vaddr (not granted or unmapped) */
} object_t;

static uint64_t tag_check(uint64_t token, uint64_t index)
{
    return (token * 0x9e3779b97f4a7c15ull) ^ index ^ KS_TAG_MAGIC;
}

static void tag_page(volatile uint64_t *p, uint64_t token, uint64_t index)
{
    p[0] = KS_TAG_MAGIC;
    p[1] = token;
    p[2] = index;
    p[3] = tag_check(token, index);
}

static bool tag_ok(const volatile uint64_t *p, uint64_t token, uint64_t index)
{
    return p[0] == KS_TAG_MAGIC && p[1] == token && p[2] == index && p[3] == tag_check(token, index);
}

/* First of n tagged pages at va that do not match, or -1. */
static long check_pages(uint64_t va, unsigned n, uint64_t token, uint64_t first)
{
    for (unsigned i = 0; i < n; i++)
        if (!tag_ok((const volatile uint64_t *)(va + i * KS_PAGE), token, first + i))
            return (long)i;
    return -1;
}

static uint32_t page_bits(unsigned first, unsigned n)
{
    return (n >= 32 ? ~0u : ((1u << n) - 1)) << first;
}

/* A new object of n pages in the slot given, mapped read-write at va and tagged. */
static long object_make(object_t *o, uint64_t slot, uint64_t va, unsigned n, uint64_t token)
{
    long r = sys_memory_create(KS_CAP_POOL, n, slot);

    if (r < 0)
        return r;
    r = sys_map(CAP_SELF_TASK, slot, 0, va, n, RIGHT_READ | RIGHT_WRITE);
    if (r < 0) {
        sys_cap_delete(slot);
        return r;
    }
    for (unsigned i = 0; i < n; i++)
        tag_page((volatile uint64_t *)(va + i * KS_PAGE), token, i);
    *o = (object_t){ slot, token, va, n, page_bits(0, n) };
    return 0;
}

/*
 * Checks the object's remaining pages, unmaps and deletes it: 0 or KS_RES_*. With exact
 * false, pages it thought gone may still be there (a grant in a reply nobody took).
 */
static long object_drop(object_t *o, bool exact)
{
    long result = 0, r;
    unsigned present = 0;

    for (unsigned i = 0; i < o->npages; i++) {
        if (!(o->present & (1u << i)))
            continue;
        present++;
        if (!tag_ok((const volatile uint64_t *)(o->vaddr + i * KS_PAGE), o->token, i)) {
            say("object %lx page %u lost its tag", (unsigned long)o->token, i);
            result = KS_RES_CORRUPT;
        }
    }
    r = sys_unmap(CAP_SELF_TASK, o->vaddr, o->npages);
    if (r < (long)present || (exact && r != (long)present)) {
        say("unmapping object %lx: %ld pages, expected %u", (unsigned long)o->token, r, present);
        result = KS_RES_PROTOCOL;
    }
    r = sys_cap_delete(o->slot);
    if (r < 0 && result == 0)
        result = r;
    o->slot = CAP_NULL;
    return result;
}

/* A run of n present pages in o: its first index, or -1. */
static int find_run(const object_t *o, unsigned n)
{
    for (unsigned first = 0; o->slot != CAP_NULL && first + n <= o->npages; first++)
        if ((o->present & page_bits(first, n)) == page_bits(first, n))
            return (int)first;
    return -1;
}

/* ---- the server thread ---- */

static struct agora_ipc_buffer *const server_buf = (struct agora_ipc_buffer *)KS_SERVER_IPC;
static object_t server_objs[KS_SERVER_OBJS];
static unsigned server_held[KS_SERVER_WIN_SLOTS];   /* pages granted to us and kept, per window */
static unsigned server_window;                      /* the window the next message may fill */
static uint64_t server_rng, server_serial;
static bool server_slot_used[KS_SERVER_SLOTS];

static uint64_t window_va(unsigned w)
{
    return KS_SERVER_WIN + (uint64_t)w * KS_MAX_PAGES * KS_PAGE;
}

static uint64_t server_slot(void)
{
    for (unsigned i = 0; i < KS_SERVER_SLOTS; i++)
        if (!server_slot_used[i]) {
            server_slot_used[i] = true;
            return KS_SERVER_SLOT_FIRST + i;
        }
    return CAP_NULL;
}

static void server_slot_free(uint64_t slot)
{
    if (slot >= KS_SERVER_SLOT_FIRST && slot < KS_SERVER_SLOT_FIRST + KS_SERVER_SLOTS)
        server_slot_used[slot - KS_SERVER_SLOT_FIRST] = false;
}

static unsigned unmap_window(unsigned w)
{
    long r = sys_unmap(CAP_SELF_TASK, window_va(w), KS_MAX_PAGES);

    server_held[w] = 0;
    return r < 0 ? 0 : (unsigned)r;
}

/* Picks an empty window for the next message, emptying the oldest kept one if need be. */
static void server_arm_window(void)
{
    unsigned w;

    for (w = 0; w < KS_SERVER_WIN_SLOTS; w++)
        if (server_held[(server_window + w) % KS_SERVER_WIN_SLOTS] == 0)
            break;
    server_window = (server_window + (w == KS_SERVER_WIN_SLOTS ? 0 : w)) % KS_SERVER_WIN_SLOTS;
    if (server_held[server_window] != 0) {
        unsigned n = server_held[server_window];
        unsigned r = unmap_window(server_window);

        if (r != n)
            say("server: dropping %u kept pages unmapped %u", n, r);
    }
    server_buf->recv_window_vaddr = window_va(server_window);
    server_buf->recv_window_pages = KS_MAX_PAGES;
    server_buf->recv_cap_slots[0] = CAP_NULL;
}

/* A MAP or GRANT: the pages in the window must carry the caller's tags. */
static void serve_pages(struct agora_msg *m, bool grant)
{
    unsigned n = (unsigned)(m->mr[2] & 0xffff), w = server_window;
    uint64_t va = window_va(w);
    struct agora_ipc_buffer *b = server_buf;
    long bad;

    if (!IPC_HAS_MEM(m->info) || b->recv_mem_vaddr != va || b->recv_mem_pages != n || n == 0 ||
        n > KS_MAX_PAGES) {
        say("server: pages %lu at %lx, expected %u at %lx", (unsigned long)b->recv_mem_pages,
            (unsigned long)b->recv_mem_vaddr, n, (unsigned long)va);
        unmap_window(w);
        m->info = IPC_INFO(KS_REPLY_BAD, 1, 0, 0);
        return;
    }
    bad = check_pages(va, n, m->mr[0], m->mr[1]);
    if (bad >= 0) {
        say("server: page %ld of %lx (from %lx) has a wrong tag", bad + (long)m->mr[1],
            (unsigned long)m->mr[0], (unsigned long)m->badge);
        unmap_window(w);
        m->info = IPC_INFO(KS_REPLY_CORRUPT, 2, 0, 0);
        m->mr[1] = (uint64_t)bad;
        return;
    }
    if (m->mr[2] & KS_WRITE)
        for (unsigned i = 0; i < n; i++)
            ((volatile uint64_t *)(va + i * KS_PAGE))[KS_STAMP_WORD] = m->mr[0] ^ m->badge ^ i;
    if (grant) {
        server_held[w] = n;
        server_window = (w + 1) % KS_SERVER_WIN_SLOTS;
    } else {
        unsigned r = unmap_window(w);

        if (r != n) {
            say("server: unmapping %u mapped pages unmapped %u", n, r);
            m->info = IPC_INFO(KS_REPLY_BAD, 1, 0, 0);
            return;
        }
    }
    m->info = IPC_INFO(KS_REPLY_OK, 1, 0, 0);
}

/* A FETCH: reply with n pages of an own object, made anew when none has a run of n left. */
static void serve_fetch(struct agora_msg *m)
{
    unsigned n = (unsigned)m->mr[0], flags = (unsigned)m->mr[1];
    object_t *o = &server_objs[rng_next(&server_rng) % KS_SERVER_OBJS];
    struct agora_ipc_buffer *b = server_buf;
    int first;

    m->info = IPC_INFO(KS_REPLY_BAD, 1, 0, 0);
    if (n == 0 || n > KS_MAX_PAGES)
        return;
    first = find_run(o, n);
    if (first < 0) {
        unsigned idx = (unsigned)(o - server_objs);
        uint64_t slot;

        if (o->slot != CAP_NULL) {
            uint64_t old = o->slot;

            if (object_drop(o, false) != 0)
                say("server: its own object %lx was damaged", (unsigned long)o->token);
            server_slot_free(old);
        }
        slot = server_slot();
        if (slot == CAP_NULL ||
            object_make(o, slot, KS_SERVER_OBJ_BASE + idx * KS_OBJ_SPAN, KS_MAX_PAGES,
                        (my_arg << 16) | 0x8000 | (server_serial++ & 0x7fff)) < 0) {
            server_slot_free(slot);
            o->slot = CAP_NULL;
            return;
        }
        first = (int)(rng_next(&server_rng) % (KS_MAX_PAGES - n + 1));
    }
    b->send_mem_vaddr = o->vaddr + (uint64_t)first * KS_PAGE;
    b->send_mem_pages = n;
    b->send_mem_flags = ((flags & KS_FETCH_GRANT) ? IPC_MEM_GRANT : IPC_MEM_MAP) |
                        ((flags & KS_FETCH_WRITE) ? IPC_MEM_WRITE : 0);
    /* A grant takes the pages away from us when the reply is delivered (if it is). */
    if (flags & KS_FETCH_GRANT)
        o->present &= ~page_bits((unsigned)first, n);
    m->info = IPC_INFO(KS_REPLY_OK, 4, 0, 1);
    m->mr[1] = o->token;
    m->mr[2] = (uint64_t)first;
    m->mr[3] = n;
}

/* Answers one message in place (m becomes the reply). */
static void serve(struct agora_msg *m)
{
    uint64_t badge = m->badge, caller = m->mr[3];
    uint32_t label = IPC_LABEL(m->info);

    if (KS_BADGE_KIND(badge) != KS_KIND_PEER || KS_BADGE_ARG(badge) != (caller & KS_ARG_MASK)) {
        say("server: badge %lx from a caller who says it is %lx", (unsigned long)badge,
            (unsigned long)caller);
        if (IPC_HAS_MEM(m->info) && server_buf->recv_mem_pages)
            unmap_window(server_window);
        m->info = IPC_INFO(KS_REPLY_BADGE, 1, 0, 0);
    } else if (label == KS_PEER_PING) {
        m->info = IPC_INFO(KS_REPLY_OK, 2, 0, 0);
        m->mr[1] = m->mr[0] + 1;
    } else if (label == KS_PEER_MAP || label == KS_PEER_GRANT) {
        serve_pages(m, label == KS_PEER_GRANT);
    } else if (label == KS_PEER_FETCH) {
        serve_fetch(m);
    } else if (label == KS_PEER_FLUSH) {
        unsigned n = 0;

        for (unsigned w = 0; w < KS_SERVER_WIN_SLOTS; w++)
            if (server_held[w])
                n += unmap_window(w);
        m->info = IPC_INFO(KS_REPLY_OK, 2, 0, 0);
        m->mr[1] = n;
    } else {
        m->info = IPC_INFO(KS_REPLY_BAD, 1, 0, 0);
    }
    m->mr[0] = badge;
}

static noreturn void server_loop(void)
{
    struct agora_msg m = { 0, 0, { 0, 0, 0, 0 } };
    long r;

    server_arm_window();
    r = sys_recv(KS_CAP_SELF_EP, &m);
    for (;;) {
        if (r < 0) {
            /* Only our own endpoint closing (we are being killed) ends receiving. */
            say("server: receive returned %s", agora_error_name(r));
            sys_thread_exit();
        }
        serve(&m);
        server_arm_window();
        r = sys_reply_recv(KS_CAP_SELF_EP, &m);
    }
}

/*
 * Where the coordinator restarts the server thread when a page it was checking went away
 * (its caller died while we checked): drop the window, answer if anyone still waits, go on.
 */
static noreturn void server_recover(void)
{
    struct agora_msg m = { IPC_INFO(KS_REPLY_BAD, 0, 0, 0), 0, { 0, 0, 0, 0 } };

    unmap_window(server_window);
    sys_reply(&m);          /* -E_STATE when the caller is gone, as it should be */
    server_loop();
}

static noreturn void server_entry(uint64_t arg)
{
    server_rng = arg * 0x9e3779b97f4a7c15ull + 1;
    server_loop();
}

/* Creates and starts the server thread: its stack and IPC buffer are one new object. */
static long start_server(void)
{
    long mem = agora_slot_alloc(), thread = agora_slot_alloc(), r;

    if (mem < 0 || thread < 0)
        return -E_NOMEM;
    r = sys_memory_create(KS_CAP_POOL, KS_SERVER_STACK_PAGES + 1, (uint64_t)mem);
    if (r >= 0)
        r = sys_map(CAP_SELF_TASK, (uint64_t)mem, 0, KS_SERVER_STACK, KS_SERVER_STACK_PAGES,
                    RIGHT_READ | RIGHT_WRITE);
    if (r >= 0)
        r = sys_map(CAP_SELF_TASK, (uint64_t)mem, KS_SERVER_STACK_PAGES, KS_SERVER_IPC, 1,
                    RIGHT_READ | RIGHT_WRITE);
    if (r >= 0)
        r = sys_thread_create(CAP_SELF_TASK, KS_CAP_POOL, (uint64_t)thread);
    if (r >= 0)
        r = sys_thread_setup((uint64_t)thread, KS_SERVER_IPC, KS_CAP_FAULT_SERVER, KS_WORKER_PRIORITY);
    for (unsigned i = 0; i < KS_SERVER_OBJS; i++)
        server_objs[i].slot = CAP_NULL;
    /* rsp as after a call: the ABI's alignment at a function's first instruction. */
    if (r >= 0)
        r = sys_thread_start((uint64_t)thread, (uint64_t)server_entry, KS_SERVER_STACK_TOP - 8, my_arg);
    return r;
}

/* ---- the client thread ---- */

static object_t client_objs[KS_CLIENT_OBJS];
static uint64_t client_serial;
static struct agora_msg client_msg;     /* the coordinator's current order, then our report */

static uint64_t my_badge(void)
{
    return KS_BADGE(KS_KIND_PEER, my_arg);
}

static long new_client_object(object_t *o, unsigned n)
{
    long slot = agora_slot_alloc(), r;
    unsigned idx = (unsigned)(o - client_objs);

    if (slot < 0)
        return slot;
    r = object_make(o, (uint64_t)slot, KS_CLIENT_OBJ_BASE + idx * KS_OBJ_SPAN, n,
                    (my_arg << 16) | (client_serial++ & 0x7fff));
    if (r < 0) {
        agora_slot_free((uint64_t)slot);
        o->slot = CAP_NULL;
    }
    return r;
}

static long drop_client_object(object_t *o)
{
    uint64_t slot = o->slot;
    long r = object_drop(o, true);

    agora_slot_free(slot);
    return r;
}

/* An object with n present pages in a row: an existing one, else a new one (replacing one if all are used). */
static object_t *object_with_run(unsigned n, uint64_t rnd, int *first)
{
    unsigned start = (unsigned)(rnd % KS_CLIENT_OBJS);
    object_t *o;

    for (unsigned i = 0; i < KS_CLIENT_OBJS; i++) {
        o = &client_objs[(start + i) % KS_CLIENT_OBJS];
        *first = find_run(o, n);
        if (*first >= 0)
            return o;
    }
    o = &client_objs[start];
    if (o->slot != CAP_NULL && drop_client_object(o) != 0)
        return NULL;
    if (new_client_object(o, KS_MAX_PAGES) < 0)
        return NULL;
    *first = (int)((rnd >> 8) % (KS_MAX_PAGES - n + 1));
    return o;
}

/* The server's reply must be OK and name our badge. */
static long check_reply(long r, const struct agora_msg *m, unsigned words)
{
    if (r < 0)
        return r;
    if (IPC_LABEL(m->info) == KS_REPLY_CORRUPT)
        return KS_RES_CORRUPT;
    if (IPC_LABEL(m->info) == KS_REPLY_BADGE || m->mr[0] != my_badge()) {
        say("the server saw badge %lx, ours is %lx", (unsigned long)m->mr[0], (unsigned long)my_badge());
        return KS_RES_BADGE;
    }
    if (IPC_LABEL(m->info) != KS_REPLY_OK || IPC_WORDS(m->info) < words || IPC_HAS_MEM(m->info) != (words == 4)) {
        say("the server answered label %x with %u words", IPC_LABEL(m->info), IPC_WORDS(m->info));
        return KS_RES_PROTOCOL;
    }
    return 0;
}

static long op_ping(unsigned peer, uint64_t rnd)
{
    struct agora_msg m = { IPC_INFO(KS_PEER_PING, 4, 0, 0), 0, { rnd, 0, 0, my_arg } };
    long r = check_reply(sys_call(KS_CAP_PEER(peer), &m), &m, 2);

    if (r == 0 && m.mr[1] != rnd + 1)
        r = KS_RES_PROTOCOL;
    return r;
}

static long op_send_pages(unsigned peer, unsigned n, uint64_t rnd, bool grant)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    bool write = (rnd >> 20) & 1;
    int first;
    object_t *o = object_with_run(n, rnd, &first);
    struct agora_msg m;
    uint64_t va;
    long r, bad;

    if (!o)
        return -E_NOMEM;
    va = o->vaddr + (uint64_t)first * KS_PAGE;
    bad = check_pages(va, n, o->token, (uint64_t)first);
    if (bad >= 0) {
        say("own page %ld of %lx lost its tag", bad + first, (unsigned long)o->token);
        return KS_RES_CORRUPT;
    }
    b->send_mem_vaddr = va;
    b->send_mem_pages = n;
    b->send_mem_flags = (grant ? IPC_MEM_GRANT : IPC_MEM_MAP) | (write ? IPC_MEM_WRITE : 0);
    m = (struct agora_msg){ IPC_INFO(grant ? KS_PEER_GRANT : KS_PEER_MAP, 4, 0, 1), 0,
                            { o->token, (uint64_t)first, n | (write ? KS_WRITE : 0), my_arg } };
    r = check_reply(sys_call(KS_CAP_PEER(peer), &m), &m, 1);
    if (grant) {
        /* Delivered or not (the server may have died after taking them): let go of them. */
        if (r != 0)
            sys_unmap(CAP_SELF_TASK, va, n);
        o->present &= ~page_bits((unsigned)first, n);
        if (r == 0) {
            /* They must really have left: touching them would fault, so ask the kernel. */
            long left = sys_unmap(CAP_SELF_TASK, va, n);

            if (left != 0) {
                say("%ld granted pages still mapped here", left);
                r = KS_RES_PROTOCOL;
            }
        }
    } else if (r == 0 && write) {
        for (unsigned i = 0; i < n; i++)
            if (((volatile uint64_t *)(va + i * KS_PAGE))[KS_STAMP_WORD] != (o->token ^ my_badge() ^ i)) {
                say("page %u of %lx lacks the server's stamp", first + i, (unsigned long)o->token);
                r = KS_RES_CORRUPT;
            }
    }
    return r;
}

static long op_fetch(unsigned peer, unsigned n, uint64_t rnd)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    unsigned flags = (unsigned)((rnd >> 16) & 3);
    struct agora_msg m = { IPC_INFO(KS_PEER_FETCH, 4, 0, 0), 0, { n, flags, 0, my_arg } };
    long r, left;

    b->recv_window_vaddr = KS_CLIENT_WIN;
    b->recv_window_pages = KS_MAX_PAGES;
    r = check_reply(sys_call(KS_CAP_PEER(peer), &m), &m, 4);
    b->recv_window_pages = 0;
    if (r == 0 && (m.mr[3] != n || b->recv_mem_pages != n || b->recv_mem_vaddr != KS_CLIENT_WIN ||
                   ((b->recv_mem_flags & IPC_MEM_GRANT) != 0) != ((flags & KS_FETCH_GRANT) != 0))) {
        say("fetched %lu pages at %lx, expected %u", (unsigned long)b->recv_mem_pages,
            (unsigned long)b->recv_mem_vaddr, n);
        r = KS_RES_PROTOCOL;
    }
    if (r == 0) {
        long bad = check_pages(KS_CLIENT_WIN, n, m.mr[1], m.mr[2]);

        if (bad >= 0) {
            say("fetched page %ld of %lx has a wrong tag", bad + (long)m.mr[2], (unsigned long)m.mr[1]);
            r = KS_RES_CORRUPT;
        }
    }
    /*
     * A failed call delivers nothing. A mapped page may have gone already (the server
     * unmapped its object or died), so only a grant's count is certain.
     */
    left = sys_unmap(CAP_SELF_TASK, KS_CLIENT_WIN, KS_MAX_PAGES);
    if ((r != 0 && r != KS_RES_CORRUPT && left != 0) || (r == 0 && (flags & KS_FETCH_GRANT) && left != n) ||
        left < 0 || left > n) {
        say("unmapping the fetch window (result %ld): %ld pages", r, left);
        r = KS_RES_PROTOCOL;
    }
    return r;
}

static long op_flush(unsigned peer)
{
    struct agora_msg m = { IPC_INFO(KS_PEER_FLUSH, 4, 0, 0), 0, { 0, 0, 0, my_arg } };

    return check_reply(sys_call(KS_CAP_PEER(peer), &m), &m, 2);
}

static long op_mem_create(unsigned n, uint64_t rnd)
{
    object_t *o = &client_objs[rnd % KS_CLIENT_OBJS];
    long r = 0;

    if (o->slot != CAP_NULL)
        r = drop_client_object(o);
    if (r == 0)
        r = new_client_object(o, n);
    return r;
}

static object_t *some_object(uint64_t rnd)
{
    for (unsigned i = 0; i < KS_CLIENT_OBJS; i++) {
        object_t *o = &client_objs[(rnd + i) % KS_CLIENT_OBJS];

        if (o->slot != CAP_NULL)
            return o;
    }
    return NULL;
}

static long op_mem_delete(uint64_t rnd)
{
    object_t *o = some_object(rnd);

    return o ? drop_client_object(o) : KS_RES_SKIPPED;
}

static long op_unmap(unsigned n, uint64_t rnd)
{
    object_t *o = some_object(rnd);
    unsigned first, expect = 0;
    long r;

    if (!o)
        return KS_RES_SKIPPED;
    if (n > o->npages)
        n = o->npages;
    first = (unsigned)((rnd >> 8) % (o->npages - n + 1));
    for (unsigned i = first; i < first + n; i++)
        expect += (o->present >> i) & 1;
    r = sys_unmap(CAP_SELF_TASK, o->vaddr + first * KS_PAGE, n);
    o->present &= ~page_bits(first, n);
    if (r != (long)expect) {
        say("unmap of %u pages returned %ld, expected %u", n, r, expect);
        return KS_RES_PROTOCOL;
    }
    return 0;
}

static long run_op(const struct agora_msg *order)
{
    unsigned op = (unsigned)order->mr[0], peer = (unsigned)order->mr[1], n = (unsigned)order->mr[2];
    uint64_t rnd = order->mr[3];

    if (n == 0 || n > KS_MAX_PAGES || peer >= KS_MAX_WORKERS)
        return KS_RES_PROTOCOL;
    switch (op) {
    case KS_OP_PING: return op_ping(peer, rnd);
    case KS_OP_MAP: return op_send_pages(peer, n, rnd, false);
    case KS_OP_GRANT: return op_send_pages(peer, n, rnd, true);
    case KS_OP_FETCH: return op_fetch(peer, n, rnd);
    case KS_OP_FLUSH: return op_flush(peer);
    case KS_OP_MEM_CREATE: return op_mem_create(n, rnd);
    case KS_OP_MEM_DELETE: return op_mem_delete(rnd);
    case KS_OP_UNMAP: return op_unmap(n, rnd);
    default: return KS_RES_PROTOCOL;
    }
}

/* Reports client_msg (already a DONE or HELLO) and does what comes back, for ever. */
static noreturn void client_loop(void)
{
    for (;;) {
        long r = sys_call(KS_CAP_COORD, &client_msg);
        uint64_t op;

        if (r == -E_INTR)
            continue;       /* interrupted (SYS_THREAD_SUSPEND) before the coordinator took it: again */
        if (r < 0 || IPC_LABEL(client_msg.info) != KS_LABEL_DO) {
            say("the coordinator answered %ld, label %x", r, IPC_LABEL(client_msg.info));
            agora_exit(1);
        }
        op = client_msg.mr[0];
        r = run_op(&client_msg);
        client_msg = (struct agora_msg){ IPC_INFO(KS_LABEL_DONE, 2, 0, 0), 0, { op, (uint64_t)r, 0, 0 } };
    }
}

/* Where the coordinator restarts the client thread when a fetched page went away under it. */
static noreturn void client_recover(void)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();

    b->recv_window_pages = 0;
    sys_unmap(CAP_SELF_TASK, KS_CLIENT_WIN, KS_MAX_PAGES);
    client_msg = (struct agora_msg){ IPC_INFO(KS_LABEL_DONE, 2, 0, 0), 0,
                                     { KS_OP_FETCH, KS_RES_VANISHED, 0, 0 } };
    client_loop();
}

int main(uint64_t arg)
{
    long r;

    my_arg = arg;
    agora_slots_init(KS_WORKER_FIRST_FREE_SLOT);
    for (unsigned i = 0; i < KS_CLIENT_OBJS; i++)
        client_objs[i].slot = CAP_NULL;
    agora_ipc_buffer()->recv_window_pages = 0;
    r = start_server();
    if (r < 0) {
        say("cannot start the server thread: %s", agora_error_name(r));
        return 1;
    }
    /*
     * Our endpoint belongs to this task once our server has received on it, and only then
     * does our death close it (peers' calls then fail with -E_DEAD instead of waiting for
     * a receiver that will never come). The coordinator kills us only after the hello.
     */
    r = op_ping(KS_ARG_ID(arg), arg);
    if (r != 0) {
        say("calling our own server: %ld", r);
        return 1;
    }
    client_msg = (struct agora_msg){ IPC_INFO(KS_LABEL_HELLO, 2, 0, 0), 0,
                                     { (uint64_t)client_recover, (uint64_t)server_recover, 0, 0 } };
    client_loop();
}
