/* The character-driver library: owns the protocol of include/agora/proto/char.h so that a driver only drives its device. */
#ifndef LIBAGORA_CHARDRIVER_H
#define LIBAGORA_CHARDRIVER_H

#include <stddef.h>
#include <stdint.h>

#include <agora/proto/char.h>

/*
 * A driver (drivers/serial is the example) fills in chardriver_ops and calls:
 *
 *   chardriver_init(&dev, "serial", &ops, ctx)   an endpoint for the device
 *   chardriver_irq(&dev, irq_cap)                the IRQ: a notification and a forwarding thread
 *   ... enable the device's interrupts ...
 *   chardriver_serve(&dev)                       registers the name, then the receive loop
 *
 * The library receives every request, checks and dispatches it, keeps received bytes in a
 * ring (CHARDRIVER_RX_BYTES; when full, further bytes are dropped and counted) and the
 * READs that found it empty in a FIFO queue of saved replies (SYS_REPLY_SAVE), answering
 * them as bytes arrive. It never parses a device register; the driver never sees a message.
 *
 * Waiting on both the endpoint and the IRQ: the kernel has no "receive on an endpoint or a
 * notification" call, so a second thread (the forwarder, at CHARDRIVER_THREAD_AREA) waits
 * on the IRQ's notification and turns each wake-up into a call on the driver's own
 * endpoint, badged CHARDRIVER_IRQ_BADGE, label CHARDRIVER_IRQ_LABEL. The loop's thread then
 * runs ops->interrupt, acknowledges the IRQ, runs ops->interrupt once more (an event that
 * came between the handler's last look and the acknowledgement would otherwise be stranded
 * on an edge-triggered line), answers waiting readers and replies to the forwarder, which
 * waits again. So every device access and all the library's state stay on one thread (no
 * locks), interrupts queue behind requests in the endpoint's FIFO like any client, and the
 * forwarder's blocking call is the flow control: at most one interrupt message is in flight.
 */

/* Callbacks, all called on the loop's thread; ctx is what chardriver_init was given. */
struct chardriver_ops {
    /*
     * Sends bytes[0, len) (1 <= len <= CHAR_IO_MAX) to the device; returns how many it took
     * (0 counts as "the device would not take a byte": -E_BUSY to the caller), or a negated
     * error. May push received bytes (chardriver_rx_push) while it waits.
     */
    long (*write)(void *ctx, const uint8_t *bytes, size_t len);
    /* The device interrupted: service it; received bytes go to chardriver_rx_push. */
    void (*interrupt)(void *ctx);
};

#define CHARDRIVER_RX_BYTES    4096
#define CHARDRIVER_MAX_READERS 16
/* What the forwarder's messages carry: a badge names never mints (those are module indexes). */
#define CHARDRIVER_IRQ_BADGE   (1ull << 48)
#define CHARDRIVER_IRQ_LABEL   PROTO_LABEL(PROTO_ID_CHAR, 0)
/* The forwarder's IPC buffer (one page) and stack, in the driver's address space. */
#define CHARDRIVER_THREAD_AREA        0x0000000020000000ull
#define CHARDRIVER_THREAD_STACK_PAGES 2

struct chardriver_reader {
    uint64_t reply;          /* saved reply capability */
    uint64_t max;            /* bytes it asked for, at most CHAR_IO_MAX */
};

/* Owned by the loop's thread after chardriver_init; the forwarder reads only its three slots. */
struct chardriver {
    const char *name;
    const struct chardriver_ops *ops;
    void *ctx;
    uint64_t ep;             /* the endpoint, all rights (we own it) */
    uint64_t irq;            /* the device's IRQ capability; 0: none */
    uint64_t notification;   /* the IRQ is bound to it; the forwarder waits on it */
    uint64_t irq_ep;         /* the forwarder's copy of ep, badged CHARDRIVER_IRQ_BADGE */

    uint8_t rx[CHARDRIVER_RX_BYTES];   /* received, unread bytes: rx_count from rx_head on */
    uint64_t rx_head, rx_count;
    struct chardriver_reader readers[CHARDRIVER_MAX_READERS];   /* waiting READs, FIFO */
    unsigned reader_head, nreaders;

    uint64_t received, dropped, written, interrupts;
};

/* Creates the endpoint (from CAP_CHILD_POOL); 0 or a negated error. agora_slots_init first. */
long chardriver_init(struct chardriver *d, const char *name, const struct chardriver_ops *ops, void *ctx);
/* Binds irq (an OBJ_IRQ capability) to a new notification and starts the forwarder. */
long chardriver_irq(struct chardriver *d, uint64_t irq);
/* A byte from the device, into the ring (or counted as dropped when it is full). */
void chardriver_rx_push(struct chardriver *d, uint8_t byte);
/* Bytes the device itself lost (an overrun), to be counted as dropped. */
void chardriver_rx_lost(struct chardriver *d, uint64_t n);
/* Registers d's endpoint under its name with names, then serves; returns only on a fatal error. */
long chardriver_serve(struct chardriver *d);

#endif
