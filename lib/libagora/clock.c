/* The wall clock from the kernel's clock and rtc's offset (libagora/clock.h). */
#include <libagora/clock.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/names.h>
#include <agora/proto/rtc.h>
#include <libagora/proto.h>
#include <libagora/sys.h>

#define RETRY_US 1000000u

PROTO_STUBS(RTC_MSG_LIST)

void agora_clock_init(struct agora_clock *c, long slot)
{
    *c = (struct agora_clock){ .slot = slot > 0 ? (uint64_t)slot : 0 };
}

/* names' LOOKUP of "rtc" into c->slot and one GET; the endpoint goes again either way. */
static long ask(struct agora_clock *c)
{
    struct names_lookup_req lq;
    struct names_lookup_rep lp;
    struct rtc_get_req rq;
    struct rtc_get_rep rp;
    struct proto_caps caps = { .nrecv = 1, .recv = { c->slot } };
    long r;

    PROTO_STR_SET(lq.name, "rtc");
    r = proto_call(CAP_NAMES, NAMES_LOOKUP, &lq, sizeof(lq), &lp, sizeof(lp), &caps);
    if (r == 0 && caps.received != NAMES_LOOKUP_REPLY_CAPS)
        r = -E_RANGE;
    if (r == 0 && (r = rtc_get_call(c->slot, &rq, &rp, 0)) == 0) {
        c->offset_us = rp.offset_us;
        c->known = true;
    }
    sys_cap_delete(c->slot);
    return r;
}

uint64_t agora_clock_realtime_us(struct agora_clock *c)
{
    long now = sys_clock();
    uint64_t us = now > 0 ? (uint64_t)now : 0;

    if (!c->known && us >= c->next_try_us && c->slot && ask(c) < 0)
        c->next_try_us = us + RETRY_US;
    return us + (c->known ? c->offset_us : 0);
}
