/* tty-test: the tty server from a program's side, typed at by tests/system/cases/tty.test. */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/char.h>
#include <agora/proto/init.h>
#include <agora/proto/tty.h>
#include <libagora/chardev.h>
#include <libagora/names.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

PROTO_STUBS(TTY_MSG_LIST)

#define LINES 9              /* canonical reads the case types, the EOF included */

static uint64_t tty;
static unsigned passed, failed;

static void say(const char *s)
{
    chardev_write(tty, s, strlen(s));
}

static void check(const char *what, bool ok)
{
    char buf[128];

    agora_snprintf(buf, sizeof(buf), "tty-test %s: %s\n", what, ok ? "ok" : "FAIL");
    say(buf);
    if (ok)
        passed++;
    else
        failed++;
}

/* A READ that may answer len 0 (end of file): the count, or a negated error. */
static long tty_read(uint8_t *buf, uint64_t max)
{
    struct char_read_req rq = { .max = max };
    struct char_read_rep rp;
    long r = char_read_call(tty, &rq, &rp, 0);

    if (r < 0)
        return r;
    if (rp.len > max)
        return -E_RANGE;
    memcpy(buf, rp.bytes, rp.len);
    return (long)rp.len;
}

/* "got N: text" with \n and control bytes escaped. */
static void report(const char *tag, const uint8_t *b, long n)
{
    char out[600];
    size_t o;

    o = (size_t)agora_snprintf(out, sizeof(out), "%s %ld: ", tag, n);
    for (long i = 0; i < n && o < sizeof(out) - 8; i++) {
        if (b[i] == '\n')
            o += (size_t)agora_snprintf(out + o, sizeof(out) - o, "\\n");
        else if (b[i] < 0x20 || b[i] >= 0x7f)
            o += (size_t)agora_snprintf(out + o, sizeof(out) - o, "\\x%02x", b[i]);
        else
            out[o++] = (char)b[i];
    }
    out[o++] = '\n';
    chardev_write(tty, out, o);
}

static long set_mode(uint64_t flags, uint64_t vmin, uint64_t how)
{
    struct tty_get_req gq;
    struct tty_get_rep gp;
    struct tty_set_req sq;
    struct tty_set_rep sp;
    long r = tty_get_call(tty, &gq, &gp, 0);

    if (r < 0)
        return r;
    sq.mode = gp.mode;
    sq.mode.flags = flags;
    sq.mode.vmin = vmin;
    sq.how = how;
    return tty_set_call(tty, &sq, &sp, 0);
}

static void test_modes(void)
{
    struct tty_get_req gq;
    struct tty_get_rep gp;
    struct tty_set_req sq = { .mode = { .flags = 0x1000 } };
    struct tty_set_rep sp;
    struct char_status_rep st;
    uint8_t byte;

    check("get", tty_get_call(tty, &gq, &gp, 0) == 0 && gp.mode.flags == TTY_FLAGS_DEFAULT && gp.mode.vmin == 1);
    check("set_bad_flags", tty_set_call(tty, &sq, &sp, 0) == -E_INVAL);
    sq.mode = gp.mode;
    sq.how = 7;
    check("set_bad_how", tty_set_call(tty, &sq, &sp, 0) == -E_INVAL);
    check("nonblock_empty", chardev_read_nonblock(tty, &byte, 1) == -E_AGAIN);
    check("status", chardev_status(tty, &st) == 0 && st.readable == 0 && st.readers == 0);
}

int main(uint64_t arg)
{
    uint8_t buf[CHAR_IO_MAX];
    long r = -E_NOCAP, n;
    unsigned eofs = 0;

    (void)arg;
    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    for (int i = 0; i < 500 && r == -E_NOCAP; i++) {
        r = names_lookup("tty", &tty);
        if (r == -E_NOCAP)
            sys_sleep(10000);
    }
    if (r < 0) {
        agora_printf("tty-test: no tty: %s\n", agora_error_name(r));
        sys_machine_halt(CAP_CHILD_MACHINE, 1);
        return 1;
    }
    test_modes();
    say("tty-test: ready\n");

    /* Canonical lines, one READ each (max 200: a line is never split). */
    for (unsigned i = 0; i < LINES; i++) {
        say("line> ");
        n = tty_read(buf, 200);
        if (n < 0) {
            check("read", false);
            break;
        }
        if (n == 0) {
            eofs++;
            say("tty-test: end of file\n");
            continue;
        }
        report("got", buf, n);
    }
    check("eof", eofs == 1);

    /* A READ of 3 bytes of a 5-byte line: the rest comes with the next READ. */
    say("split> ");
    n = tty_read(buf, 3);
    report("part", buf, n);
    n = tty_read(buf, 200);
    report("part", buf, n);

    /* Raw mode, no echo: a READ waits for vmin (3) bytes, then for 1. */
    check("raw", set_mode(TTY_ISIG | TTY_ONLCR, 3, TTY_SET_NOW) == 0);
    say("raw> ");
    n = tty_read(buf, 16);
    report("raw", buf, n);
    check("vmin", n == 3);
    check("raw_one", set_mode(TTY_ISIG | TTY_ONLCR, 1, TTY_SET_NOW) == 0);
    say("raw1> ");
    n = tty_read(buf, 16);
    report("raw", buf, n);

    /* Back to the defaults. */
    check("canonical", set_mode(TTY_FLAGS_DEFAULT, 1, TTY_SET_FLUSH) == 0);
    say("line> ");
    n = tty_read(buf, 200);
    report("got", buf, n);

    agora_printf("tty-test: %u passed, %u failed\n", passed, failed);
    agora_flush();
    sys_machine_halt(CAP_CHILD_MACHINE, failed == 0 ? 0 : 1);
    return 0;
}
