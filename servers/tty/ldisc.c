/* The line discipline (ldisc.h). */
#include "ldisc.h"

#include <libagora/string.h>

#define CTRL(c)  ((uint8_t)((c) & 0x1f))
#define C_EOF    CTRL('D')
#define C_INTR   CTRL('C')
#define C_QUIT   0x1c
#define C_SUSP   CTRL('Z')
#define C_KILL   CTRL('U')
#define C_WERASE CTRL('W')
#define C_BS     0x08
#define C_DEL    0x7f

void ldisc_init(struct ldisc *ld)
{
    memset(ld, 0, sizeof(*ld));
    ld->mode.flags = TTY_FLAGS_DEFAULT;
    ld->mode.vmin = 1;
}

/* ---- echo ---- */

static void echo_byte(struct ldisc *ld, uint8_t c)
{
    if (ld->echo_len >= LDISC_ECHO_BYTES - 1)
        return;                         /* the caller left too little room: never overflow */
    if (c == '\n' && (ld->mode.flags & TTY_ONLCR))
        ld->echo[ld->echo_len++] = '\r';
    ld->echo[ld->echo_len++] = c;
}

static void echo_str(struct ldisc *ld, const char *s)
{
    while (*s)
        echo_byte(ld, (uint8_t)*s++);
}

/* Shown as ^X: control characters but tab and newline, and DEL (as ^?). */
static bool shown_as_ctl(const struct ldisc *ld, uint8_t c)
{
    return (ld->mode.flags & TTY_ECHOCTL) && ((c < 0x20 && c != '\t' && c != '\n') || c == C_DEL);
}

static void echo_input(struct ldisc *ld, uint8_t c)
{
    if (!(ld->mode.flags & TTY_ECHO))
        return;
    if (shown_as_ctl(ld, c)) {
        echo_byte(ld, '^');
        echo_byte(ld, c == C_DEL ? '?' : (uint8_t)(c + '@'));
    } else
        echo_byte(ld, c);
}

/* Removes the last character of the line, and from the screen. */
static void erase_one(struct ldisc *ld)
{
    uint8_t c = ld->line[--ld->len];

    if (!(ld->mode.flags & TTY_ECHO))
        return;
    for (int w = shown_as_ctl(ld, c) ? 2 : 1; w > 0; w--)
        echo_str(ld, "\b \b");
}

/* ---- the ready records ---- */

static size_t ready_free(const struct ldisc *ld)
{
    return LDISC_READY_BYTES - ld->count;
}

static void ready_put(struct ldisc *ld, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ld->ready[(ld->head + ld->count + i) % LDISC_READY_BYTES] = b[i];
    ld->count += n;
}

/* A closed record of b[0, n) (n 0: end of file); false when there is no room (dropped). */
static bool push_record(struct ldisc *ld, const uint8_t *b, size_t n)
{
    if (ld->nrec == LDISC_RECORDS || ready_free(ld) < n) {
        ld->dropped += n ? n : 1;
        return false;
    }
    ready_put(ld, b, n);
    ld->rec[(ld->rec_head + ld->nrec) % LDISC_RECORDS] = (uint32_t)n;
    ld->nrec++;
    ld->open = false;
    return true;
}

/* One raw byte: into the open record, or a new one. */
static void push_raw(struct ldisc *ld, uint8_t c)
{
    if (ld->open && ld->nrec > 0 && ready_free(ld) >= 1) {
        ready_put(ld, &c, 1);
        ld->rec[(ld->rec_head + ld->nrec - 1) % LDISC_RECORDS]++;
        return;
    }
    if (push_record(ld, &c, 1))
        ld->open = true;
}

/* The line being edited becomes a record (appending nl when non-zero). */
static void commit_line(struct ldisc *ld, uint8_t nl)
{
    if (nl)
        ld->line[ld->len++] = nl;       /* always room: ordinary bytes stop one short */
    push_record(ld, ld->line, ld->len);
    ld->len = 0;
}

void ldisc_flush(struct ldisc *ld)
{
    ld->len = 0;
    ld->head = ld->count = 0;
    ld->rec_head = ld->nrec = 0;
    ld->open = false;
}

/* ---- input ---- */

static int signal_of(uint8_t c)
{
    switch (c) {
    case C_INTR:
        return TTY_SIGINT;
    case C_QUIT:
        return TTY_SIGQUIT;
    case C_SUSP:
        return TTY_SIGTSTP;
    default:
        return 0;
    }
}

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

int ldisc_input(struct ldisc *ld, uint8_t c)
{
    uint64_t f = ld->mode.flags;
    int sig;

    if (c == '\r' && (f & TTY_ICRNL))
        c = '\n';
    if ((f & TTY_ISIG) && (sig = signal_of(c)) != 0) {
        /* Linux flushes input on a signal (no NOFLSH) and echoes ^C; the shell starts the next line. */
        ldisc_flush(ld);
        if (f & TTY_ECHO) {
            echo_byte(ld, '^');
            echo_byte(ld, (uint8_t)(c + '@'));
        }
        return sig;
    }
    if (!(f & TTY_ICANON)) {
        push_raw(ld, c);
        echo_input(ld, c);
        return 0;
    }
    switch (c) {
    case C_DEL:
    case C_BS:
        if (ld->len > 0)
            erase_one(ld);
        return 0;
    case C_KILL:
        while (ld->len > 0)
            erase_one(ld);
        return 0;
    case C_WERASE:
        while (ld->len > 0 && is_blank(ld->line[ld->len - 1]))
            erase_one(ld);
        while (ld->len > 0 && !is_blank(ld->line[ld->len - 1]))
            erase_one(ld);
        return 0;
    case C_EOF:
        commit_line(ld, 0);             /* at the start of a line: an empty record, end of file */
        return 0;
    case '\n':
        echo_input(ld, c);
        commit_line(ld, '\n');
        return 0;
    default:
        if (ld->len >= TTY_LINE_MAX - 1) {
            ld->dropped++;              /* full: only the newline still fits */
            return 0;
        }
        ld->line[ld->len++] = c;
        echo_input(ld, c);
        return 0;
    }
}

/* ---- reads ---- */

size_t ldisc_available(const struct ldisc *ld)
{
    if (ld->nrec == 0)
        return 0;
    return (ld->mode.flags & TTY_ICANON) ? ld->rec[ld->rec_head] : ld->count;
}

bool ldisc_readable(const struct ldisc *ld, size_t max)
{
    size_t want;

    if (ld->mode.flags & TTY_ICANON)
        return ld->nrec > 0;
    want = ld->mode.vmin < max ? (size_t)ld->mode.vmin : max;
    return ld->count >= want;
}

/* Takes up to max bytes of the first record; a record emptied goes. */
static size_t take(struct ldisc *ld, uint8_t *buf, size_t max)
{
    uint32_t *r = &ld->rec[ld->rec_head];
    size_t n = *r < max ? *r : max;

    for (size_t i = 0; i < n; i++)
        buf[i] = ld->ready[(ld->head + i) % LDISC_READY_BYTES];
    ld->head = (ld->head + n) % LDISC_READY_BYTES;
    ld->count -= n;
    *r -= (uint32_t)n;
    if (*r == 0) {
        ld->rec_head = (ld->rec_head + 1) % LDISC_RECORDS;
        ld->nrec--;
        if (ld->nrec == 0)
            ld->open = false;
    }
    return n;
}

size_t ldisc_read(struct ldisc *ld, uint8_t *buf, size_t max)
{
    size_t done = 0;

    if (max == 0 || ld->nrec == 0)
        return 0;
    if (ld->mode.flags & TTY_ICANON)
        return take(ld, buf, max);      /* one line, or end of file (an empty record) */
    /* Raw: across records; end-of-file records left from canonical mode are skipped. */
    while (done < max && ld->nrec > 0)
        done += take(ld, buf + done, max - done);
    return done;
}

/* ---- modes and output ---- */

void ldisc_set_mode(struct ldisc *ld, const struct tty_mode *m, bool flush)
{
    bool was_canon = ld->mode.flags & TTY_ICANON;

    ld->mode = *m;
    if (flush)
        ldisc_flush(ld);
    if (was_canon && !(m->flags & TTY_ICANON)) {
        /* The line being edited becomes raw input, readable now. */
        for (size_t i = 0; i < ld->len; i++)
            push_raw(ld, ld->line[i]);
        ld->len = 0;
    } else if (!was_canon && (m->flags & TTY_ICANON))
        ld->open = false;               /* unread raw bytes read as one line */
}

size_t ldisc_output(const struct ldisc *ld, const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *used)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        bool crlf = in[i] == '\n' && (ld->mode.flags & TTY_ONLCR);

        if (o + (crlf ? 2 : 1) > cap)
            break;
        if (crlf)
            out[o++] = '\r';
        out[o++] = in[i];
    }
    *used = i;
    return o;
}
