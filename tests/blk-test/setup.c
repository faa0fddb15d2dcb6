/* Client setup: lookup (the driver may register after we start), INFO, a buffer created, mapped and attached. */
#include "setup.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/blkdev.h>
#include <libagora/names.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/sys.h>

#define LOOKUP_TRIES 500             /* 10 ms apart */

long setup_lookup(uint64_t *ep)
{
    long r = -E_NOCAP;

    for (unsigned i = 0; i < LOOKUP_TRIES && r == -E_NOCAP; i++)
        if ((r = names_lookup(BLK_SERVICE, ep)) == -E_NOCAP)
            sys_sleep(10000);
    return r;
}

long setup_info(uint64_t ep, struct blk_info_rep *info)
{
    struct blk_info_req rq;

    return blk_info_call(ep, &rq, info, 0);
}

long setup_attach(uint64_t ep, uint64_t pages, uint64_t *memory)
{
    struct blk_attach_req rq;
    struct blk_attach_rep rp;
    struct proto_caps caps = { .nsend = 2, .send = { 0, CAP_SELF_TASK },
                               .send_rights = { RIGHT_READ | RIGHT_WRITE, RIGHT_COPY } };
    long s = agora_slot_alloc(), r;

    if (s < 0)
        return s;
    *memory = (uint64_t)s;
    caps.send[0] = *memory;
    if ((r = sys_memory_create(CAP_CHILD_POOL, pages, *memory)) < 0 ||
        (r = sys_map(CAP_SELF_TASK, *memory, 0, BUFFER_VADDR, pages, RIGHT_READ | RIGHT_WRITE)) < 0)
        return r;
    if ((r = blk_attach_call(ep, &rq, &rp, &caps)) < 0)
        return r;
    return rp.pages == pages ? 0 : -E_RANGE;
}
