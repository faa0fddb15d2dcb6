/* A block device's client: open (lookup, INFO, buffer, ATTACH), reconnect after a driver's death, register-only transfers. */
#include <libagora/blkdev.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <libagora/names.h>
#include <libagora/runtime.h>
#include <libagora/string.h>
#include <libagora/sys.h>
#include <agora/proto/svc.h>

static long attach(struct blkdev *d)
{
    struct blk_info_req iq;
    struct blk_attach_req aq;
    struct blk_attach_rep ar;
    struct proto_caps caps = { .nsend = 2, .send = { d->memory, CAP_SELF_TASK },
                               .send_rights = { RIGHT_READ | RIGHT_WRITE, RIGHT_COPY } };
    long r;

    if ((r = blk_info_call(d->ep, &iq, &d->info, 0)) < 0 || (r = blk_attach_call(d->ep, &aq, &ar, &caps)) < 0)
        return r;
    return ar.pages == d->pages ? 0 : -E_RANGE;
}

long blkdev_open(struct blkdev *d, const char *name, uint64_t pages, uint64_t vaddr)
{
    long s, r;

    memset(d, 0, sizeof(*d));
    d->name = name;
    d->pages = pages;
    if ((s = agora_slot_alloc()) < 0)
        return s;
    d->memory = (uint64_t)s;
    if ((r = sys_memory_create(CAP_CHILD_POOL, pages, d->memory)) < 0)
        goto out_slot;
    if ((r = sys_map(CAP_SELF_TASK, d->memory, 0, vaddr, pages, RIGHT_READ | RIGHT_WRITE)) < 0)
        goto out_memory;
    d->data = (uint8_t *)vaddr;
    if ((r = names_lookup(name, &d->ep)) < 0)
        goto out_unmap;
    if ((r = attach(d)) < 0)
        goto out_ep;
    return 0;

out_ep:
    sys_cap_delete(d->ep);
    agora_slot_free(d->ep);
    d->ep = 0;
out_unmap:
    sys_unmap(CAP_SELF_TASK, vaddr, pages);
out_memory:
    sys_cap_delete(d->memory);
out_slot:
    agora_slot_free(d->memory);
    d->memory = 0;
    return r;
}

bool blkdev_retryable(long r)
{
    return r == -E_DEAD || r == -E_NOCAP || SVC_STATUS_IS_GARBAGE(r);
}

static void drop_ep(struct blkdev *d)
{
    if (d->ep) {
        sys_cap_delete(d->ep);
        agora_slot_free(d->ep);
        d->ep = 0;
    }
}

/*
 * The driver is being restarted (by the supervisor): its name comes back once the new one
 * registers. Until then names says -E_NOCAP; the new one may die too (-E_DEAD) or answer
 * garbage: all of these are waited out, up to BLKDEV_WAIT_US.
 */
long blkdev_reconnect(struct blkdev *d)
{
    long r = -E_NOCAP, start = sys_clock();

    do {
        drop_ep(d);
        if ((r = names_lookup(d->name, &d->ep)) == 0 && (r = attach(d)) == 0)
            return 0;
        if (r == -E_NOCAP && d->ep == 0)
            sys_sleep(BLKDEV_WAIT_STEP_US);
    } while (blkdev_retryable(r) && sys_clock() - start < BLKDEV_WAIT_US);
    drop_ep(d);
    return r;
}

static long transfer(const struct blkdev *d, uint32_t label, unsigned words, uint64_t a, uint64_t b, uint64_t c)
{
    struct agora_msg m = { .info = IPC_INFO(label, words, 0, 0), .mr = { a, b, c } };
    long r = sys_call(d->ep, &m);

    return r < 0 ? r : PROTO_LABEL_STATUS(IPC_LABEL(m.info));
}

long blkdev_read(const struct blkdev *d, uint64_t sector, uint64_t count, uint64_t offset)
{
    return transfer(d, BLK_READ, 3, sector, count, offset);
}

long blkdev_write(const struct blkdev *d, uint64_t sector, uint64_t count, uint64_t offset)
{
    return transfer(d, BLK_WRITE, 3, sector, count, offset);
}

long blkdev_flush(const struct blkdev *d)
{
    return transfer(d, BLK_FLUSH, 0, 0, 0, 0);
}
