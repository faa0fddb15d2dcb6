/* The supervisor's services: their table entries, their running children, starting and killing them. */
#ifndef SUPERVISOR_SERVICE_H
#define SUPERVISOR_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/svc.h>
#include <libagora/spawn.h>

#include "policy.h"
#include "table.h"

/* Badges on the supervisor's endpoint: who sends (besides clients through names). */
#define SUP_CHILD_BADGE(i)  ((2ull << 40) + (i))    /* CAP_SVC of service i: READY */
#define SUP_FAULT_BADGE(i)  ((3ull << 40) + (i))    /* the kernel's fault messages of service i */
#define SUP_DEATH_BADGE     (4ull << 40)            /* the death forwarder: mr0 = service bits */
#define SUP_TICK_BADGE      (5ull << 40)            /* the ticker, every SUP_TICK_US */
#define SUP_BADGE_INDEX(b)  ((b) & 0xFFFFu)
#define SUP_BADGE_KIND(b)   ((b) >> 40)

#define SUP_TICK_US 50000ull
/* A driver that ends this many times in a row before READY is left stopped. */
#define SUP_UNREADY_DEATHS 3
/* A start that failed (no memory, no slot) is tried again this much later. */
#define SUP_RETRY_US 1000000ull

/*
 * Owned by the main thread, except the two heartbeat words, which the pinger thread writes
 * (ping_start, pong: whole 64-bit stores) and the main thread reads.
 */
struct service {
    struct svc_entry e;
    uint64_t image, image_size;       /* the ELF's memory object; image 0: none */
    enum svc_state state;
    bool alive;                       /* child holds a task (killed or not) */
    struct agora_child child;
    uint64_t watch;                   /* the death notification, badged 1 << index */
    uint64_t ctl;                     /* fixed slot: the driver's control endpoint, once READY */
    bool ctl_valid;
    uint64_t pid, restarts, started_us, ready_us, died_us, died_tsc;
    uint64_t restart_at_us;           /* BACKOFF: when to start again */
    bool restart_now;                 /* svc restart: no back-off for this death */
    struct svc_policy policy;
    unsigned unready_deaths;          /* deaths in a row before READY */
    uint64_t fault_kind;              /* armed faults, re-armed in each new incarnation: */
    volatile uint64_t faults_left;    /* main: FAULT, deaths; pinger: the driver's count */
    volatile uint64_t fault_gen;      /* counts FAULT requests (the pinger's count is stale after one) */
    volatile uint64_t ping_start_us;  /* pinger: a PING in flight since (0: none) */
    volatile uint64_t pong_us;        /* pinger: the last answer */
};

struct supervisor {
    uint64_t ep;                      /* ours, all rights */
    uint64_t deaths;                  /* the notification every watch signals */
    struct service svc[SVC_TABLE_MAX];
    unsigned n;
    uint64_t next_pid;
};

extern struct supervisor sup;

/* Sets up the per-service slots; 0 or an error. */
long service_prepare(struct service *s, unsigned index);
/* Spawns s with its capabilities: 0 or an error (s stays STOPPED). */
long service_start(struct service *s);
/* Kills its task (the death notification does the rest). */
void service_kill(struct service *s);
/* After its death: frees what the child held; the control endpoint goes. */
void service_reap(struct service *s);
/* The service by name, or 0. */
struct service *service_find(const char *name);

#endif
