/*
 * svc-dummy: a character driver without a device, for the supervisor's `svc load` test
 * (tests/system/cases/svc-load.test): it serves the char protocol as "svc-dummy" through
 * libagora's chardriver (so it says READY, answers PING and takes injected faults) and
 * swallows what is written to it. /sbin/svc-dummy in build/user/svc-rootfs.cpio (the normal
 * root plus this file).
 */
#include <agora/errors.h>
#include <libagora/chardriver.h>
#include <libagora/printf.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>

static struct chardriver dev;

static long swallow(void *ctx, const uint8_t *bytes, size_t len)
{
    (void)ctx;
    (void)bytes;
    return (long)len;
}

static const struct chardriver_ops ops = { .write = swallow };

int main(uint64_t arg)
{
    long r;

    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    if ((r = chardriver_init(&dev, "svc-dummy", &ops, 0)) < 0) {
        agora_printf("svc-dummy: no endpoint: %s\n", agora_error_name(r));
        return 1;
    }
    agora_printf("svc-dummy: started with argument %lu\n", (unsigned long)arg);
    return (int)chardriver_serve(&dev);
}
