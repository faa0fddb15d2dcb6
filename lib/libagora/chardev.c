/* A character device's client calls (libagora/chardev.h). */
#include <libagora/chardev.h>

#include <agora/errors.h>
#include <libagora/string.h>

long chardev_write(uint64_t ep, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    struct char_write_req rq;
    struct char_write_rep rp;
    size_t done = 0;

    while (done < len) {
        size_t n = len - done < CHAR_IO_MAX ? len - done : CHAR_IO_MAX;
        long r;

        rq.len = n;
        memcpy(rq.bytes, p + done, n);
        memset(rq.bytes + n, 0, CHAR_IO_MAX - n);
        r = char_write_call(ep, &rq, &rp, 0);
        if (r < 0)
            return r;
        if (rp.count == 0 || rp.count > n)      /* the protocol promises 1..n */
            return -E_RANGE;
        done += rp.count;
    }
    return (long)len;
}

static long read_flags(uint64_t ep, void *buf, size_t max, uint64_t flags)
{
    struct char_read_req rq = { .max = max < CHAR_IO_MAX ? max : CHAR_IO_MAX, .flags = flags };
    struct char_read_rep rp;
    long r;

    if (max == 0)
        return 0;
    r = char_read_call(ep, &rq, &rp, 0);
    if (r < 0)
        return r;
    if (rp.len == 0 || rp.len > rq.max)
        return -E_RANGE;
    memcpy(buf, rp.bytes, rp.len);
    return (long)rp.len;
}

long chardev_read(uint64_t ep, void *buf, size_t max)
{
    return read_flags(ep, buf, max, 0);
}

long chardev_read_nonblock(uint64_t ep, void *buf, size_t max)
{
    return read_flags(ep, buf, max, CHAR_READ_NONBLOCK);
}

long chardev_status(uint64_t ep, struct char_status_rep *rep)
{
    struct char_status_req rq;

    return char_status_call(ep, &rq, rep, 0);
}
