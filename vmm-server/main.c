/*
 * vmm-server: runs one guest. `vmm-server FILE [-m MEM] [-c CMDLINE]` (the vm command starts
 * it): loads FILE (multiboot or ELF) into a new VM, runs its vCPU and serves its exits until
 * the guest shuts down; the exit status says how it ended (proto/vmm.h VMM_STATUS_*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/pm.h>
#include <agora/proto/vmm.h>
#include <libagora/sys.h>

#include "posix/runtime/posix.h"
#include "vmm.h"

#define POOL_RESERVE (3ull << 20)        /* the VM's own tables, the vCPU, threads, flipped pages */

static struct vmm vmm;

void vmm_end(struct vmm *v, int status, const char *why)
{
    if (v->ending)
        return;
    v->ending = true;
    v->status = status;
    if (why) {
        console_flush(v);
        fprintf(stderr, "vmm-server: vm %ld: %s\n", (long)v->id, why);
    }
}

/* "8M", "512K", "16777216": bytes, or 0 when it is not a size. */
static uint64_t parse_size(const char *s)
{
    char *end;
    unsigned long long n = strtoull(s, &end, 10);

    if (end == s)
        return 0;
    if (*end == 'K' || *end == 'k')
        n <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        n <<= 20, end++;
    else if (*end == 'G' || *end == 'g')
        n <<= 30, end++;
    return *end ? 0 : (uint64_t)n;
}

static int usage(void)
{
    fprintf(stderr, "usage: vmm-server FILE [-m MEM] [-c CMDLINE] [-d]\n");
    return VMM_STATUS_USAGE;
}

static long new_slot(uint64_t *slot)
{
    long s = posix_slot_alloc();

    if (s < 0)
        return s;
    *slot = (uint64_t)s;
    return 0;
}

/* The endpoint, the VM, the RAM's books: 0, or the status to exit with. */
static int setup(struct vmm *v, uint64_t mem_bytes)
{
    long pages = sys_pool_info(CAP_PM_VMM_POOL), r;
    uint64_t max;

    if (pages < 0) {
        fprintf(stderr, "vmm-server: no pool for a VM (pm gives one only to %s)\n", PM_VMM_PATH);
        return VMM_STATUS_NO_VM;
    }
    v->pool = CAP_PM_VMM_POOL;
    max = (uint64_t)pages * GM_PAGE > POOL_RESERVE ? (uint64_t)pages * GM_PAGE - POOL_RESERVE : 0;
    max &= ~(GM_CHUNK_BYTES - 1);
    if (max > GM_MAX_BYTES)
        max = GM_MAX_BYTES;
    if (mem_bytes > max) {
        fprintf(stderr, "vmm-server: %llu KiB of RAM asked, at most %llu KiB\n",
                (unsigned long long)(mem_bytes >> 10), (unsigned long long)(max >> 10));
        return VMM_STATUS_USAGE;
    }
    if (new_slot(&v->ep) < 0 || new_slot(&v->exit_ep) < 0 || new_slot(&v->vm) < 0 ||
        new_slot(&v->vcpu) < 0 || new_slot(&v->saved_reply) < 0)
        return VMM_STATUS_FAILED;
    if ((r = sys_endpoint_create(v->pool, v->ep)) < 0 ||
        (r = sys_cap_copy(v->ep, v->exit_ep, RIGHT_WRITE, VMM_BADGE_EXIT)) < 0) {
        fprintf(stderr, "vmm-server: no endpoint (%ld)\n", r);
        return VMM_STATUS_FAILED;
    }
    if ((r = sys_vm_create(v->pool, 0, v->vm)) < 0) {
        fprintf(stderr, "vmm-server: no VM: %s\n", r == -E_NOSYS ? "this CPU has no SVM with nested paging" :
                                                   r == -E_NOMEM ? "no memory or no free ASID" : "refused");
        return VMM_STATUS_NO_VM;
    }
    gm_init(&v->mem, v->pool, v->vm, mem_bytes, max);
    msr_store_init(&v->msrs);
    io_init(v);
    return 0;
}

static int start(struct vmm *v)
{
    const char *why = "";
    long r;

    if ((r = loader_load(v, &v->boot, &why)) < 0) {
        fprintf(stderr, "vmm-server: %s: %s\n", v->file, why);
        return VMM_STATUS_USAGE;
    }
    if ((r = sys_vcpu_create(v->vm, CAP_SELF_TASK, v->pool, v->vcpu)) < 0 ||
        (r = sys_vcpu_state_write(v->vcpu, &v->boot)) < 0) {
        fprintf(stderr, "vmm-server: the vCPU was refused (%ld)\n", r);
        return VMM_STATUS_FAILED;
    }
    if ((r = irq_start_timer(v)) < 0 || (r = control_register(v)) < 0) {
        fprintf(stderr, "vmm-server: no timer thread or name (%ld)\n", r);
        return VMM_STATUS_FAILED;
    }
    v->boots = 1;
    v->last_npf = ~0ull;
    if ((r = sys_vcpu_start(v->vcpu, v->exit_ep, VMM_PRIORITY)) < 0) {
        fprintf(stderr, "vmm-server: the vCPU did not start (%ld)\n", r);
        return VMM_STATUS_FAILED;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct vmm *v = &vmm;
    uint64_t mem_bytes = VMM_DEFAULT_MEM;
    int status;

    v->cmdline = "";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-m") && i + 1 < argc) {
            mem_bytes = parse_size(argv[++i]);
            if (mem_bytes < VMM_MIN_MEM || mem_bytes % GM_PAGE)
                return usage();
        } else if (!strcmp(argv[i], "-d")) {
            v->detached = true;         /* stdout is already a log (vm start) */
        } else if (!strcmp(argv[i], "-c") && i + 1 < argc) {
            v->cmdline = argv[++i];
        } else if (argv[i][0] != '-' && !v->file) {
            v->file = argv[i];
        } else {
            return usage();
        }
    }
    if (!v->file)
        return usage();
    snprintf(v->file_tail, sizeof(v->file_tail), "%s",
             strlen(v->file) < sizeof(v->file_tail) ? v->file : v->file + strlen(v->file) - (sizeof(v->file_tail) - 1));
    v->id = getpid();
    if ((status = setup(v, mem_bytes)) != 0 || (status = start(v)) != 0)
        return status;
    vcpu_loop_run(v);
    return v->status;
}
