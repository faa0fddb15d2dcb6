/* The line discipline: input editing, echo, cooked and raw reads, output processing. Pure code, unit-tested on the host. */
#ifndef TTY_LDISC_H
#define TTY_LDISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <agora/proto/tty.h>

/*
 * One terminal's state (include/agora/proto/tty.h says what the modes mean). The server
 * feeds every byte from the device to ldisc_input, sends what it left in echo[] to the
 * device, and answers READs with ldisc_read once ldisc_readable says one can be answered.
 *
 * Input that is ready for readers sits in ready[] (a ring), cut into records: a canonical
 * line (or an EOF, length 0) is one closed record, raw bytes extend one open record. A
 * canonical READ takes from the first record only; a raw READ takes across records.
 */
#define LDISC_READY_BYTES 4096
#define LDISC_RECORDS     128
#define LDISC_ECHO_BYTES  2048
/* Room echo[] must have before the next ldisc_input (a kill of a full line of ^X's). */
#define LDISC_ECHO_PER_INPUT (3 * 2 * TTY_LINE_MAX + 8)

struct ldisc {
    struct tty_mode mode;

    uint8_t line[TTY_LINE_MAX];         /* the canonical line being edited */
    size_t len;

    uint8_t ready[LDISC_READY_BYTES];   /* input readers may take: count bytes from head */
    size_t head, count;
    uint32_t rec[LDISC_RECORDS];        /* record lengths, nrec of them from rec_head */
    size_t rec_head, nrec;
    bool open;                          /* the last record is raw and still growing */

    uint8_t echo[LDISC_ECHO_BYTES];     /* what to send to the device: echo_len bytes */
    size_t echo_len;

    uint64_t dropped;                   /* input bytes lost: ready[] or the records were full */
};

void ldisc_init(struct ldisc *ld);
/* Takes one input byte; returns 0 or the TTY_SIG* it raised. Needs LDISC_ECHO_PER_INPUT free in echo[]. */
int ldisc_input(struct ldisc *ld, uint8_t c);
/* Whether a READ of max bytes (>= 1) can be answered now. */
bool ldisc_readable(const struct ldisc *ld, size_t max);
/* Answers a READ (when ldisc_readable): the byte count, 0 for end of file (or raw vmin 0). */
size_t ldisc_read(struct ldisc *ld, uint8_t *buf, size_t max);
/* Bytes a READ could take now. */
size_t ldisc_available(const struct ldisc *ld);
/* Sets the mode (flags already checked); flush discards unread input and the line. */
void ldisc_set_mode(struct ldisc *ld, const struct tty_mode *m, bool flush);
/* Discards unread input and the line being edited. */
void ldisc_flush(struct ldisc *ld);
/*
 * Output processing: translates in[0, n) into out (cap >= 2) as far as it fits; returns
 * the bytes produced and sets *used to the input bytes consumed.
 */
size_t ldisc_output(const struct ldisc *ld, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *used);

#endif
