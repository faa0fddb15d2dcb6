/* The vm command's client side of the vmm protocol (include/agora/proto/vmm.h), found through names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/names.h>
#include <libagora/names.h>
#include <libagora/proto.h>
#include <libagora/sys.h>

#include "posix/runtime/posix.h"
#include "vm.h"

PROTO_STUBS(VMM_MSG_LIST)

long vm_lookup(long id, uint64_t *ep)
{
    struct names_lookup_req rq;
    struct names_lookup_rep rp;
    struct proto_caps caps = { .nrecv = 1 };
    char name[32];
    long slot = posix_slot_alloc(), r;

    if (slot < 0)
        return slot;
    snprintf(name, sizeof(name), VMM_NAME_PREFIX "%ld", id);
    if ((r = PROTO_STR_SET(rq.name, name)) < 0)
        return r;
    caps.recv[0] = (uint64_t)slot;
    r = names_lookup_call(CAP_NAMES, &rq, &rp, &caps);
    if (r == 0 && caps.received != NAMES_LOOKUP_REPLY_CAPS)
        r = -E_RANGE;
    if (r == 0)
        *ep = (uint64_t)slot;
    return r;
}

void vm_drop(uint64_t ep)
{
    sys_cap_delete(ep);
}

int vm_wait_registered(pid_t pid, uint64_t *ep, int wait_ms, int *status)
{
    for (int waited = 0; waited <= wait_ms; waited += 20) {
        if (waitpid(pid, status, WNOHANG) == pid)
            return -1;
        if (vm_lookup(pid, ep) == 0)
            return 0;
        usleep(20000);
    }
    *status = -1;
    return -1;
}

long vm_info(uint64_t ep, struct vmm_info *out)
{
    struct vmm_info_req rq;
    struct vmm_info_rep rp;
    long r = vmm_info_call(ep, &rq, &rp, NULL);

    if (r == 0)
        *out = rp.info;
    return r;
}

long vm_input(uint64_t ep, const uint8_t *bytes, unsigned n, unsigned *taken)
{
    struct vmm_input_req rq = { .len = n };
    struct vmm_input_rep rp;
    long r;

    if (n == 0 || n > VMM_INPUT_MAX)
        return -E_INVAL;
    memcpy(rq.bytes, bytes, n);
    if ((r = vmm_input_call(ep, &rq, &rp, NULL)) == 0)
        *taken = (unsigned)rp.taken;
    return r;
}

long vm_stop_ep(uint64_t ep)
{
    struct vmm_stop_req rq;
    struct vmm_stop_rep rp;

    return vmm_stop_call(ep, &rq, &rp, NULL);
}

long vm_detach(uint64_t ep)
{
    struct vmm_detach_req rq;
    struct vmm_detach_rep rp;

    return vmm_detach_call(ep, &rq, &rp, NULL);
}

int vm_each(void (*fn)(long id, void *ctx), void *ctx)
{
    struct names_list_rep rep;
    uint64_t start = 0;
    int found = 0;

    do {
        struct names_list_req rq = { .start = start };

        if (names_list_call(CAP_NAMES, &rq, &rep, NULL) < 0 || rep.count == 0)
            break;
        for (uint64_t i = 0; i < rep.count && i < NAMES_LIST_PAGE; i++) {
            const char *n = rep.names[i].bytes;
            char *end;
            long id;

            if (strncmp(n, VMM_NAME_PREFIX, strlen(VMM_NAME_PREFIX)) != 0)
                continue;
            id = strtol(n + strlen(VMM_NAME_PREFIX), &end, 10);
            if (*end || id <= 0)
                continue;
            fn(id, ctx);
            found++;
        }
        start += rep.count;
    } while (start < rep.total);
    return found;
}

const char *vm_status_text(int status)
{
    static char buf[48];

    switch (status) {
    case VMM_STATUS_STOPPED:      return "stopped";
    case VMM_STATUS_TRIPLE_FAULT: return "triple fault";
    case VMM_STATUS_FAILED:       return "the VMM failed";
    case VMM_STATUS_USAGE:        return "not started (bad arguments or file)";
    case VMM_STATUS_NO_VM:        return "no VM (no SVM, or not /bin/vmm-server)";
    }
    snprintf(buf, sizeof(buf), "shut down, status %d", status);
    return buf;
}
