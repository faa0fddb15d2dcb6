/* The supervisor's protocol (servers/supervisor): list, restart, kill and fault services; drivers say READY and answer PING. */
#ifndef AGORA_PROTO_SVC_H
#define AGORA_PROTO_SVC_H

#include <stdint.h>

#include <agora/proto/proto.h>

#define SVC_NAME_MAX 24
typedef PROTO_STR(SVC_NAME_MAX) svc_name_t;
/* One line of a service table (ADD). */
#define SVC_LINE_MAX 256
typedef PROTO_STR(SVC_LINE_MAX) svc_line_t;
#define SVC_IMAGE_CHUNK (PROTO_MAX_BYTES - 16)

/* A service's state (SVC_INFO). */
enum svc_state {
    SVC_STOPPED = 0,        /* not running, not to be restarted (no image, or given up) */
    SVC_STARTING,           /* spawned, has not said READY yet */
    SVC_RUNNING,            /* said READY; answers PING */
    SVC_BACKOFF,            /* died too often: waits before the next start */
};

/* Fault kinds for SVC_FAULT / SVC_INJECT. */
enum svc_fault {
    SVC_FAULT_NONE = 0,
    SVC_FAULT_CRASH,        /* at a random request: an invalid-opcode exception */
    SVC_FAULT_WILD,         /* at a random request: a store to a random address in its own space */
    SVC_FAULT_HANG,         /* at a random request: stop answering anything (the heartbeat's case) */
    SVC_FAULT_GARBAGE,      /* at a random request: answer it with a status outside the protocol */
    SVC_FAULT_KINDS,
};

/*
 * The messages (proto.h explains the list and the wire format). Three kinds of caller:
 *
 * Anyone, through names' "supervisor":
 * INFO(index) -> the index-th service: name, state (enum svc_state), pid (the id `svc`
 *   shows and `kill` takes: SVC_PID_BASE + a serial counted per start, never reused),
 *   restarts, uptime_us (since its current start; 0 unless running), faults (injections
 *   still to come). -E_NOENT past the last.
 * RESTART(name): kill it (if running) and start it again at once, resetting its back-off.
 * KILL(name): kill it as a crash would (it is restarted like any dead driver).
 * FAULT(name, kind, count): the next count requests that the driver's library picks at
 *   random (one in SVC_FAULT_ODDS) fail in that way; count 0 cancels. -E_STATE when the
 *   service is not running (it has no control endpoint yet).
 * KILL_PID(pid, sig): KILL of the service whose current pid this is (pm forwards kill(2) of
 *   pids in [SVC_PID_BASE, SVC_PID_LIMIT) here). -E_SRCH: no such service pid.
 * ADD(line, image_bytes): a new service from one line of the table format
 *   (servers/supervisor/README.md), started at once when image_bytes is 0 (its image is the
 *   boot module the line's image= names: -E_NOENT without one); otherwise its ELF follows
 *   in IMAGE messages from the same caller, and it starts after the last. -E_EXIST a
 *   service of that name exists; -E_INVAL, -E_RANGE the line (as the parser says);
 *   -E_RANGE image_bytes beyond SVC_IMAGE_MAX; -E_BUSY another caller's upload is under
 *   way (one is dropped after SVC_UPLOAD_US without progress); -E_NOMEM the table is full.
 * IMAGE(offset, len, bytes) -> done, index: the next len bytes (1..SVC_IMAGE_CHUNK) of the
 *   image, at offset (exactly the bytes received so far, else -E_INVAL); done is 1 after
 *   the last, when the service was added and started (index: its INFO index). -E_STATE
 *   without an ADD of the caller's under way.
 *   `svc load` reads /etc/services and sends each line, with its image=PATH file. Whoever
 *   may call the supervisor may start a driver with ports and IRQs: the system has one
 *   user, and svc kill is no more guarded.
 * Errors: -E_NOENT no service by that name; -E_INVAL bad kind or a malformed name.
 *
 * A service the supervisor started (CAP_SVC, badged with its identity):
 * READY() with one capability: the driver's endpoint badged SVC_CONTROL_BADGE, write
 *   right only. The supervisor keeps it for PING and INJECT. libagora's chardriver and
 *   blkdriver send it once registered with names. -E_RANGE without exactly one endpoint.
 *
 * The supervisor, on a driver's control endpoint (badge SVC_CONTROL_BADGE):
 * PING() -> faults: the heartbeat; faults is how many armed faults the driver has still to
 *   fire. Any other badge gets -E_PERM for PING and INJECT.
 * INJECT(kind, count): arms the fault (as FAULT above). -E_INVAL bad kind.
 */
#define SVC_MSG_LIST(X, F)                                                                       \
    X(SVC_INFO,     svc_info,     1, (F(uint64_t, index)),                                       \
      (F(svc_name_t, name) F(uint64_t, state) F(uint64_t, pid) F(uint64_t, restarts)             \
       F(uint64_t, uptime_us) F(uint64_t, faults)))                                              \
    X(SVC_RESTART,  svc_restart,  2, (F(svc_name_t, name)), ())                                  \
    X(SVC_KILL,     svc_kill,     3, (F(svc_name_t, name)), ())                                  \
    X(SVC_FAULT,    svc_fault,    4, (F(svc_name_t, name) F(uint64_t, kind) F(uint64_t, count)), ()) \
    X(SVC_KILL_PID, svc_kill_pid, 5, (F(int64_t, pid) F(int64_t, sig)), ())                      \
    X(SVC_READY,    svc_ready,    6, (), ())                                                     \
    X(SVC_PING,     svc_ping,     7, (), (F(uint64_t, faults)))                                  \
    X(SVC_INJECT,   svc_inject,   8, (F(uint64_t, kind) F(uint64_t, count)), ())             \
    X(SVC_ADD,      svc_add,      9, (F(svc_line_t, line) F(uint64_t, image_bytes)), ())        \
    X(SVC_IMAGE,    svc_image,   10, (F(uint64_t, offset) F(uint64_t, len) F(uint8_t, bytes[SVC_IMAGE_CHUNK])), \
      (F(uint64_t, done) F(uint64_t, index)))

enum svc_msg {
#define SVC_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_SVC, num),
    SVC_MSG_LIST(SVC_MSG_ENUM, PROTO_FIELD_DECL)
#undef SVC_MSG_ENUM
};

PROTO_STRUCTS(SVC_MSG_LIST)
PROTO_HANDLERS(SVC_MSG_LIST, svc_handlers);
PROTO_DISPATCH(SVC_MSG_LIST, svc_handlers, svc_dispatch)

#define SVC_READY_CAPS 1
/* An ELF uploaded with ADD and IMAGE (SVC_IMAGE_CHUNK bytes a message): at most this big. */
#define SVC_IMAGE_MAX   (4ull << 20)
#define SVC_UPLOAD_US   10000000ull

/* The badge of the supervisor's copy of a driver's endpoint: names never mints it, nor init, nor pm. */
#define SVC_CONTROL_BADGE 0x5356430000000001ull
/* Driver names badges the supervisor mints: SVC_BADGE_BASE + service index. */
#define SVC_BADGE_BASE    (1ull << 40)
/* One request in this many is hit while a fault is armed. */
#define SVC_FAULT_ODDS    8
/*
 * A reply status that no protocol uses (what SVC_FAULT_GARBAGE answers): clients of drivers
 * (libagora's blkdev and chardev) repeat the request, as after the driver's death.
 */
#define SVC_STATUS_IS_GARBAGE(status) ((status) > 0 || (status) <= -(long)AGORA_ERROR_COUNT)

/* Pids of supervised services: above every pid pm gives out (pm's pids stay below). */
#define SVC_PID_BASE      100000
#define SVC_PID_LIMIT     200000

/*
 * What the supervisor's children get besides init's usual slots (proto/init.h): CAP_SVC,
 * the supervisor's endpoint badged with the service's identity (READY goes there).
 */
#define CAP_SVC 15

/*
 * What init hands the supervisor (servers/init/README.md), besides CAP_CHILD_POOL and
 * CAP_NAMES (badged, as every module's):
 */
#define CAP_SVC_MACHINE      5    /* the machine: manage, read, copy (pci's device memory and DMA right) */
#define CAP_SVC_IOPORTS      6    /* every I/O port (init's), to cut each driver's range from */
#define CAP_SVC_IRQ_CONTROL  7    /* IRQ control */
#define CAP_SVC_NAMES_MINT   8    /* names' endpoint unbadged: the drivers' identities */
#define CAP_SVC_MODULES      10   /* one page, read only: struct svc_boot_modules */
#define CAP_SVC_FIRST_MODULE 11   /* the modules' images, read only, in the order of the page */
#define SVC_MAX_BOOT_MODULES 5    /* slots 11 to 15 */

struct svc_boot_module {
    char name[32];
    uint64_t size;                /* bytes of ELF */
};

struct svc_boot_modules {
    uint64_t count;
    struct svc_boot_module modules[SVC_MAX_BOOT_MODULES];
};

/*
 * The boot service table (the format of /etc/services, servers/supervisor/README.md): the
 * drivers that must run before a disk exists. init hands the supervisor the boot modules
 * whose names it lists.
 */
#define SVC_BOOT_TABLE                                                   \
    "# name      options\n"                                              \
    "serial      ports=0x3f8+8 irq=4 heartbeat=1000\n"                   \
    "pci         ports=0xcf8+8 bus heartbeat=0\n"                        \
    "virtio-blk  heartbeat=1000\n"

#endif
