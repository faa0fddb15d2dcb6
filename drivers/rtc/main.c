/*
 * rtc: the PC's CMOS real-time clock, read once at start and served as "rtc" with names
 * (include/agora/proto/rtc.h): the offset from the kernel's clock to the wall clock.
 */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/rtc.h>
#include <libagora/names.h>
#include <libagora/portio.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "cmos_time.h"

#define RTC_NAME    "rtc"
#define CMOS_INDEX  0x70            /* what init's CAP_DEVICE_IOPORTS covers (2 ports) */
#define CMOS_DATA   0x71
#define CMOS_NMI_OFF 0x80           /* keep NMIs masked while selecting, as the BIOS does */
#define READ_TRIES  1000            /* an update takes under 2 ms; a dead clock never settles */

static struct rtc_get_rep now;

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, CMOS_NMI_OFF | reg);
    return inb(CMOS_DATA);
}

static void snapshot(struct cmos_regs *r)
{
    r->seconds = cmos_read(CMOS_SECONDS);
    r->minutes = cmos_read(CMOS_MINUTES);
    r->hours = cmos_read(CMOS_HOURS);
    r->day = cmos_read(CMOS_DAY);
    r->month = cmos_read(CMOS_MONTH);
    r->year = cmos_read(CMOS_YEAR);
    r->century = cmos_read(CMOS_CENTURY);
    r->status_b = cmos_read(CMOS_STATUS_B);
}

/* Two equal snapshots outside an update (the registers change under a reader otherwise). */
static long read_clock(struct cmos_regs *r)
{
    struct cmos_regs again;

    for (int i = 0; i < READ_TRIES; i++) {
        if (cmos_read(CMOS_STATUS_A) & CMOS_A_UPDATING)
            continue;
        snapshot(r);
        if (cmos_read(CMOS_STATUS_A) & CMOS_A_UPDATING)
            continue;
        snapshot(&again);
        if (memcmp(r, &again, sizeof(again)) == 0)
            return 0;
    }
    return -E_BUSY;
}

static long do_get(void *ctx, const struct rtc_get_req *rq, struct rtc_get_rep *rp)
{
    (void)ctx;
    (void)rq;
    *rp = now;
    return 0;
}

static const struct rtc_handlers handlers = { .rtc_get = do_get };

static long serve(uint64_t ep)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS];
    struct agora_msg m;
    long r;

    agora_ipc_accept_nothing(b);
    r = sys_recv(ep, &m);
    for (;;) {
        uint64_t in_bytes, out_bytes = 0;
        long status;

        if (r < 0)
            return r;
        memset(out, 0, sizeof(out));
        in_bytes = proto_unpack_any(&m, b, in);
        status = IPC_CAPS(m.info) ? -E_RANGE
                                  : rtc_dispatch(&handlers, 0, IPC_LABEL(m.info), in, in_bytes, out, &out_bytes);
        proto_reply_pack(&m, b, status, out, out_bytes, 0);
        agora_ipc_accept_nothing(b);
        r = sys_reply_recv(ep, &m);
    }
}

static int fail(const char *what, long err)
{
    agora_printf("rtc: %s: %s: exiting\n", what, agora_error_name(err));
    return 1;
}

int main(uint64_t arg)
{
    struct cmos_regs regs;
    int64_t epoch, year, secs;
    unsigned month, day;
    long r, ep, clock;

    (void)arg;
    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    if ((r = sys_ioport_enable(CAP_DEVICE_IOPORTS)) < 0)
        return fail("no I/O ports at CAP_DEVICE_IOPORTS", r);
    if ((r = read_clock(&regs)) < 0)
        return fail("the CMOS clock never settles", r);
    if ((clock = sys_clock()) < 0)
        return fail("no kernel clock", clock);
    if ((epoch = cmos_to_epoch(&regs)) < 0)
        return fail("the CMOS clock holds no valid time", -E_INVAL);
    now = (struct rtc_get_rep){
        .offset_us = (uint64_t)epoch * 1000000 - (uint64_t)clock,
        .read_at_us = (uint64_t)clock,
        .epoch_s = (uint64_t)epoch,
    };
    civil_from_days(epoch / 86400, &year, &month, &day);
    secs = epoch % 86400;
    agora_printf("rtc: %04ld-%02u-%02u %02ld:%02ld:%02ld UTC from the CMOS clock\n", (long)year, month, day,
                 (long)(secs / 3600), (long)(secs / 60 % 60), (long)(secs % 60));
    if ((ep = agora_slot_alloc()) < 0 || (r = sys_endpoint_create(CAP_CHILD_POOL, (uint64_t)ep)) < 0)
        return fail("no endpoint", ep < 0 ? ep : r);
    if ((r = names_register(RTC_NAME, (uint64_t)ep)) < 0)
        return fail("cannot register with names", r);
    return fail("receiving", serve((uint64_t)ep));
}
