/* serial-test: the serial driver from a client's side, driven over the serial console by tests/system/cases/serial.test. */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/char.h>
#include <agora/proto/init.h>
#include <libagora/chardev.h>
#include <libagora/names.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#define PROMPT        "type> "
#define EOT           0x04
#define LINE_MAX      256
#define BULK_LINES    128
#define BULK_LINE     64
#define BULK_PATTERN  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"   /* "L0000 " + this + "\n" */
#define NREADERS      2
/* The reader threads' IPC buffers and stacks: one page of buffer, then the stack, per thread. */
#define THREAD_AREA   0x0000000030000000ull
#define THREAD_PAGES  3

_Static_assert(6 + sizeof(BULK_PATTERN) - 1 + 1 == BULK_LINE, "bulk lines are BULK_LINE bytes");

static uint64_t serial;        /* send capability to the driver */
static bool check_ok;
static unsigned passed, failed;

static void check_eq(const char *a, const char *b, long va, long vb, int line)
{
    if (va == vb)
        return;
    agora_printf("    check failed: %s == %s (line %d): got %ld (%s), want %ld (%s)\n", a, b, line, va,
                 va < 0 ? agora_error_name(va) : "", vb, vb < 0 ? agora_error_name(vb) : "");
    check_ok = false;
}
#define CHECK_EQ(a, b) check_eq(#a, #b, (long)(a), (long)(b), __LINE__)
#define CHECK(c) CHECK_EQ(!!(c), 1)

static void report(const char *name, bool ok)
{
    agora_printf("serial-test %s: %s\n", name, ok ? "ok" : "FAIL");
    if (ok)
        passed++;
    else
        failed++;
}

static void run(const char *name, bool (*fn)(void))
{
    check_ok = true;
    report(name, fn() && check_ok);
}

static void say(const char *s)
{
    long r = chardev_write(serial, s, strlen(s));

    CHECK_EQ(r, (long)strlen(s));
}

/* Any message to the driver: label, words, nwords; returns the call's error or the reply's status. */
static long raw_call(uint32_t label, const void *words, unsigned nwords)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct agora_msg m;
    long r;

    for (unsigned i = 0; i < IPC_MAX_CAPS; i++) {
        b->send_caps[i] = 0;
        b->recv_cap_slots[i] = 0;
    }
    proto_pack(&m, b, label, words, nwords * 8, 0);
    r = sys_call(serial, &m);
    return r < 0 ? r : PROTO_LABEL_STATUS(IPC_LABEL(m.info));
}

/* ---- tests before any input ---- */

static bool test_lookup(void)
{
    long r = -E_NOCAP, info;

    for (int i = 0; i < 300 && r == -E_NOCAP; i++) {
        r = names_lookup("serial", &serial);
        if (r == -E_NOCAP)
            sys_sleep(10000);
    }
    CHECK_EQ(r, 0);
    if (r < 0)
        return false;
    info = sys_cap_info(serial);
    CHECK_EQ(AGORA_CAP_INFO_TYPE(info), OBJ_ENDPOINT);
    CHECK_EQ(AGORA_CAP_INFO_RIGHTS(info), NAMES_CLIENT_RIGHTS);
    return true;
}

static bool test_bad_requests(void)
{
    struct char_write_req w;
    struct char_read_req rd = { .max = 0 };
    uint64_t junk[3] = { 1, 2, 3 };
    uint8_t byte;

    memset(&w, 0, sizeof(w));
    CHECK_EQ(raw_call(CHAR_WRITE, &w, sizeof(w) / 8), -E_INVAL);          /* len 0 */
    w.len = CHAR_IO_MAX + 1;
    CHECK_EQ(raw_call(CHAR_WRITE, &w, sizeof(w) / 8), -E_RANGE);
    CHECK_EQ(raw_call(CHAR_WRITE, &w, 3), -E_RANGE);                      /* wrong size */
    CHECK_EQ(raw_call(CHAR_READ, &rd, sizeof(rd) / 8), -E_INVAL);         /* max 0 */
    rd = (struct char_read_req){ .max = 1, .flags = 0x80 };
    CHECK_EQ(raw_call(CHAR_READ, &rd, sizeof(rd) / 8), -E_INVAL);         /* unknown flag */
    CHECK_EQ(raw_call(CHAR_STATUS, junk, 3), -E_RANGE);
    CHECK_EQ(raw_call(PROTO_LABEL(PROTO_ID_CHAR, 99), junk, 1), -E_NOSYS);
    CHECK_EQ(raw_call(PROTO_LABEL(PROTO_ID_NAMES, 2), junk, 1), -E_NOSYS);
    CHECK_EQ(raw_call(CHAR_READ, junk, 0), -E_RANGE);
    /* Capabilities are not taken: the kernel refuses the call. */
    {
        struct agora_ipc_buffer *b = agora_ipc_buffer();
        struct agora_msg m;

        b->send_caps[0] = CAP_SELF_TASK;
        b->send_cap_rights[0] = 0;
        proto_pack(&m, b, CHAR_STATUS, 0, 0, 1);
        CHECK_EQ(sys_call(serial, &m), -E_NOWINDOW);
        b->send_caps[0] = 0;
    }
    /* Nothing was typed yet. */
    CHECK_EQ(chardev_read_nonblock(serial, &byte, 1), -E_AGAIN);
    return true;
}

static bool test_status(void)
{
    struct char_status_rep st;

    CHECK_EQ(chardev_status(serial, &st), 0);
    CHECK_EQ(st.readable, 0);
    CHECK_EQ(st.readers, 0);
    CHECK_EQ(st.dropped, 0);
    return true;
}

/* ---- the echo session ---- */

static void upcase(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'a' && s[i] <= 'z')
            s[i] = (char)(s[i] - 'a' + 'A');
}

/* 8 KiB in one chardev_write (17 messages), then up to 2 s for input that came meanwhile. */
static void bulk(void)
{
    static char buf[BULK_LINES * BULK_LINE];
    struct char_status_rep before, after;
    char head[8];
    long r, start;

    say("bulk: start\n");
    CHECK_EQ(chardev_status(serial, &before), 0);
    for (int i = 0; i < BULK_LINES; i++) {
        agora_snprintf(head, sizeof(head), "L%04d ", i);
        memcpy(buf + i * BULK_LINE, head, 6);
        memcpy(buf + i * BULK_LINE + 6, BULK_PATTERN, BULK_LINE - 7);
        buf[i * BULK_LINE + BULK_LINE - 1] = '\n';
    }
    r = chardev_write(serial, buf, sizeof(buf));
    CHECK_EQ(r, (long)sizeof(buf));
    /* We are not reading: what is typed now must wait in the driver. */
    start = sys_clock();
    do {
        CHECK_EQ(chardev_status(serial, &after), 0);
        if (after.readable > 0)
            break;
        sys_sleep(20000);
    } while (sys_clock() - start < 2000000);
    CHECK_EQ(after.written - before.written, (long)sizeof(buf));
    agora_snprintf(buf, sizeof(buf), "bulk: end, %lu bytes were waiting\n", (unsigned long)after.readable);
    say(buf);
}

static void answer(char *line, size_t len, unsigned *lines)
{
    char out[LINE_MAX + 16];

    if (len == 4 && memcmp(line, "bulk", 4) == 0) {
        bulk();
    } else {
        upcase(line, len);
        memcpy(out, "ECHO: ", 6);
        memcpy(out + 6, line, len);
        out[6 + len] = '\n';
        CHECK_EQ(chardev_write(serial, out, 7 + len), (long)(7 + len));
        (*lines)++;
    }
    say(PROMPT);
}

/* Echoes lines uppercased until ^D; "bulk" writes 8 KiB while input waits. */
static bool test_echo_session(void)
{
    char line[LINE_MAX], in[64];
    size_t len = 0;
    unsigned lines = 0;

    say("serial-test: ready: type lines, bulk for 8 KiB, ^D to end\n");
    say(PROMPT);
    for (;;) {
        long n = chardev_read(serial, in, sizeof(in));

        CHECK(n > 0);
        if (n <= 0)
            return false;
        for (long i = 0; i < n; i++) {
            char c = in[i];

            if (c == EOT) {
                say("\n");
                agora_printf("serial-test: end of input after %u lines\n", lines);
                return lines > 0;
            }
            if (c == '\n' || c == '\r') {
                if (len > 0)
                    answer(line, len, &lines);
                len = 0;
            } else if (len < LINE_MAX) {
                line[len++] = c;
            }
        }
    }
}

/* ---- readers waiting at the same time ---- */

struct reader {
    uint64_t slot;             /* thread capability */
    volatile long result;      /* bytes read, or an error */
    volatile uint8_t byte;
    volatile bool done;
};

static struct reader readers[NREADERS];

/* Reads one byte through this thread's own IPC buffer (agora_ipc_buffer() is main's). */
static noreturn void reader_main(uint64_t i)
{
    struct agora_ipc_buffer *b = (struct agora_ipc_buffer *)(THREAD_AREA + i * THREAD_PAGES * 4096);
    struct char_read_req rq = { .max = 1 };
    struct char_read_rep rp;
    struct agora_msg m;
    long r;

    memset(&rp, 0, sizeof(rp));
    proto_pack(&m, b, CHAR_READ, &rq, sizeof(rq), 0);
    r = sys_call(serial, &m);
    if (r == 0)
        r = PROTO_LABEL_STATUS(IPC_LABEL(m.info));
    if (r == 0)
        r = proto_unpack(&m, b, &rp, sizeof(rp));
    readers[i].byte = rp.bytes[0];
    readers[i].result = r == 0 ? (long)rp.len : r;
    __atomic_store_n(&readers[i].done, true, __ATOMIC_RELEASE);
    sys_thread_exit();
    for (;;)
        sys_yield();
}

static long start_reader(uint64_t i)
{
    uint64_t area = THREAD_AREA + i * THREAD_PAGES * 4096;
    long t = agora_slot_alloc(), r;

    if (t < 0)
        return t;
    readers[i].slot = (uint64_t)t;
    if ((r = sys_thread_create(CAP_SELF_TASK, CAP_CHILD_POOL, (uint64_t)t)) < 0 ||
        (r = sys_thread_setup((uint64_t)t, area, CAP_NULL, AGORA_SPAWN_DEFAULT_PRIORITY)) < 0)
        return r;
    return sys_thread_start((uint64_t)t, (uint64_t)reader_main, area + THREAD_PAGES * 4096 - 8, i);
}

/* Waits (up to 2 s) until the driver has n readers waiting. */
static bool readers_waiting(uint64_t n)
{
    struct char_status_rep st = { 0 };

    for (int i = 0; i < 200; i++) {
        if (chardev_status(serial, &st) == 0 && st.readers == n)
            return true;
        sys_sleep(10000);
    }
    CHECK_EQ(st.readers, n);
    return false;
}

/* Two threads READ one byte each, queued in that order; "xy" typed at once: x to the first. */
static bool test_two_readers(void)
{
    long mem = agora_slot_alloc();

    CHECK(mem >= 0);
    CHECK_EQ(sys_memory_create(CAP_CHILD_POOL, NREADERS * THREAD_PAGES, (uint64_t)mem), 0);
    CHECK_EQ(sys_map(CAP_SELF_TASK, (uint64_t)mem, 0, THREAD_AREA, NREADERS * THREAD_PAGES,
                     RIGHT_READ | RIGHT_WRITE), 0);
    if (!check_ok)
        return false;
    for (uint64_t i = 0; i < NREADERS; i++) {
        CHECK_EQ(start_reader(i), 0);
        if (!check_ok || !readers_waiting(i + 1))
            return false;
    }
    say("serial-test: two readers waiting\n");
    for (int i = 0; i < 1000 && !(readers[0].done && readers[1].done); i++)
        sys_sleep(10000);
    CHECK(readers[0].done && readers[1].done);
    CHECK_EQ(readers[0].result, 1);
    CHECK_EQ(readers[1].result, 1);
    CHECK_EQ(readers[0].byte, 'x');
    CHECK_EQ(readers[1].byte, 'y');
    return true;
}

static bool test_final_status(void)
{
    struct char_status_rep st;

    CHECK_EQ(chardev_status(serial, &st), 0);
    CHECK_EQ(st.readers, 0);
    CHECK_EQ(st.dropped, 0);
    CHECK(st.received > 0);
    agora_printf("serial-test: driver received %lu, wrote %lu, dropped %lu bytes\n",
                 (unsigned long)st.received, (unsigned long)st.written, (unsigned long)st.dropped);
    return true;
}

int main(uint64_t arg)
{
    (void)arg;
    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    agora_printf("serial-test: starting\n");
    run("lookup", test_lookup);
    if (failed == 0) {
        run("bad_requests", test_bad_requests);
        run("status", test_status);
        run("echo_session", test_echo_session);
        run("two_readers", test_two_readers);
        run("final_status", test_final_status);
    }
    agora_printf("serial-test: %u passed, %u failed\n", passed, failed);
    agora_flush();
    sys_machine_halt(CAP_CHILD_MACHINE, failed == 0 && passed == 6 ? 0 : 1);
    return 1;
}
