/* kstress: what the coordinator (tests/kstress/main.c) and kstress-worker share: slots, badges, messages, layout. */
#ifndef AGORA_TESTS_KSTRESS_H
#define AGORA_TESTS_KSTRESS_H

#include <stdint.h>

#define KS_MAX_WORKERS 8
/* Workers run below the coordinator, so it is never preempted by them and kills only at its own pace. */
#define KS_WORKER_PRIORITY 50

/*
 * A worker's identity, its main's argument: its index | incarnation << 8. Every spawn has a
 * new incarnation, so a badge names one life of one worker.
 */
#define KS_ARG(id, incarnation) ((uint64_t)(id) | ((uint64_t)(incarnation) << 8))
#define KS_ARG_ID(arg)          ((unsigned)((arg) & 0xff))
#define KS_ARG_MASK             ((1ull << 56) - 1)

/* Badges: kind in the top bits, the worker's argument below. */
#define KS_BADGE(kind, arg)     (((uint64_t)(kind) << 56) | ((arg) & KS_ARG_MASK))
#define KS_BADGE_KIND(b)        ((unsigned)((b) >> 56))
#define KS_BADGE_ARG(b)         ((b) & KS_ARG_MASK)
#define KS_KIND_REQUEST      1   /* a worker's client thread asks the coordinator for work */
#define KS_KIND_FAULT_CLIENT 2   /* fault messages of the client thread (main) */
#define KS_KIND_FAULT_SERVER 3   /* fault messages of the server thread */
#define KS_KIND_PEER         4   /* a worker calling a peer's server (arg: the caller) */

/*
 * The worker's capability slots. 3..6 come through agora_spawn; KS_CAP_PEER(j) (peer j's
 * endpoint, badged KS_BADGE(KS_KIND_PEER, our arg)) is given and revoked by the coordinator
 * as peers die and come back. The server thread's own slots are its alone: the runtime's
 * slot allocator, which the client thread uses, is not thread-safe.
 */
#define KS_CAP_COORD         3   /* coordinator endpoint, badged KS_KIND_REQUEST: write */
#define KS_CAP_FAULT_SERVER  4   /* coordinator endpoint, badged KS_KIND_FAULT_SERVER: write */
#define KS_CAP_POOL          5   /* the pool: memory objects, the server thread */
#define KS_CAP_SELF_EP       6   /* this worker's endpoint: receive */
#define KS_CAP_PEER(j)       (16u + (j))
#define KS_SERVER_SLOT_FIRST (16u + KS_MAX_WORKERS)
#define KS_SERVER_SLOTS      8
#define KS_WORKER_FIRST_FREE_SLOT (KS_SERVER_SLOT_FIRST + KS_SERVER_SLOTS)

/* Coordinator <-> client thread: calls on KS_CAP_COORD, register-only messages. */
#define KS_LABEL_HELLO 0x4b530001u  /* mr0 client recovery rip, mr1 server recovery rip */
#define KS_LABEL_DONE  0x4b530002u  /* mr0 op, mr1 result (0, -E_..., or KS_RES_*), mr2 mr3 detail */
#define KS_LABEL_DO    0x4b530003u  /* reply: mr0 op, mr1 peer, mr2 pages, mr3 a random word */

/* Operations, one per KS_LABEL_DO; the coordinator counts each finished one. */
#define KS_OP_LIST(X)                                                              \
    X(KS_OP_PING,       "ping")       /* call a peer: badge and words come back */  \
    X(KS_OP_MAP,        "map")        /* call with own pages mapped into the peer's window */ \
    X(KS_OP_GRANT,      "grant")      /* call granting own pages: they move to the peer */ \
    X(KS_OP_FETCH,      "fetch")      /* the peer replies with its pages (map or grant) */ \
    X(KS_OP_FLUSH,      "flush")      /* the peer unmaps the pages it was granted */ \
    X(KS_OP_MEM_CREATE, "mem_create") /* a memory object, mapped and tagged */       \
    X(KS_OP_MEM_DELETE, "mem_delete") /* check its tags, unmap, delete */             \
    X(KS_OP_UNMAP,      "unmap")      /* unmap part of an own object */

enum ks_op {
#define KS_OP_ENUM(name, text) name,
    KS_OP_LIST(KS_OP_ENUM)
#undef KS_OP_ENUM
    KS_OP_COUNT
};

/* Results besides 0 and negated kernel errors. */
#define KS_RES_CORRUPT  1   /* a page's tag or stamp was wrong: a frame shared or lost */
#define KS_RES_BADGE    2   /* the server saw another badge than the caller's */
#define KS_RES_VANISHED 3   /* a fetched page went away while checked (its owner unmapped or died) */
#define KS_RES_PROTOCOL 4   /* an answer that breaks the protocol (or an unexpected count) */
#define KS_RES_SKIPPED  5   /* nothing to do (no object to delete) */

/* Client -> server (peer) calls on KS_CAP_PEER(j): label, and mr3 = the caller's argument. */
#define KS_PEER_PING  0x4b500001u   /* mr0 nonce */
#define KS_PEER_MAP   0x4b500002u   /* mr0 token, mr1 first page, mr2 pages | KS_WRITE, memory item */
#define KS_PEER_GRANT 0x4b500003u   /* as MAP; the server keeps the pages */
#define KS_PEER_FETCH 0x4b500004u   /* mr0 pages, mr1 KS_FETCH_* */
#define KS_PEER_FLUSH 0x4b500005u
#define KS_WRITE      (1u << 16)
#define KS_FETCH_GRANT 1u
#define KS_FETCH_WRITE 2u
/* Server replies: label, mr0 = the badge it saw; FETCH: mr1 token, mr2 first page, mr3 pages. */
#define KS_REPLY_OK      0x4b520001u
#define KS_REPLY_CORRUPT 0x4b520002u  /* mr1 the page index that was wrong */
#define KS_REPLY_BADGE   0x4b520003u
#define KS_REPLY_BAD     0x4b520004u  /* a request it could not serve (bad words, no memory) */

/* Every page of a worker's memory objects starts with a tag its owner writes when it makes it. */
#define KS_TAG_MAGIC 0x6b73747265737321ull   /* "kstress!" */
#define KS_TAG_WORDS 4                        /* magic, token, index, check */
#define KS_STAMP_WORD 4                       /* a server with write access writes here */

/* The worker's address space besides what agora_spawn gives it. */
#define KS_PAGE            4096ull
#define KS_MAX_PAGES       8                  /* pages in one memory item */
#define KS_CLIENT_OBJ_BASE 0x0000000010000000ull
#define KS_CLIENT_OBJS     4
#define KS_OBJ_SPAN        (16 * KS_PAGE)
#define KS_CLIENT_WIN      0x0000000011000000ull /* fetched pages land here */
#define KS_SERVER_STACK    0x0000000012000000ull
#define KS_SERVER_STACK_PAGES 4
#define KS_SERVER_STACK_TOP (KS_SERVER_STACK + KS_SERVER_STACK_PAGES * KS_PAGE)
#define KS_SERVER_IPC      0x0000000012100000ull
#define KS_SERVER_OBJ_BASE 0x0000000013000000ull
#define KS_SERVER_OBJS     2
#define KS_SERVER_WIN      0x0000000014000000ull /* KS_SERVER_WIN_SLOTS windows of KS_MAX_PAGES */
#define KS_SERVER_WIN_SLOTS 4
#define KS_SERVER_WIN_END  (KS_SERVER_WIN + KS_SERVER_WIN_SLOTS * KS_MAX_PAGES * KS_PAGE)

#endif
