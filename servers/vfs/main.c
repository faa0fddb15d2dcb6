/* vfs: the file server. Loads the root file system from the boot image, registers "vfs" with names, serves include/agora/proto/vfs.h. */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/vfs.h>
#include <libagora/clock.h>
#include <libagora/names.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "cpio.h"
#include "dev.h"
#include "heap.h"
#include "ops.h"
#include "pipe.h"
#include "vnode.h"

#define PAGE_SIZE 4096ull
/* The heap: 1 GiB of address space from 16 TiB, mapped as it grows (heap.h). */
#define HEAP_BASE 0x0000100000000000ull
#define HEAP_SIZE 0x0000000040000000ull
/* Where the root image is mapped, read-only, for good: its files' contents stay in it. */
#define ROOTFS_VADDR 0x0000200000000000ull

/* File times: the wall clock (drivers/rtc), since boot until rtc answers. */
static struct agora_clock wall_clock;

static uint64_t endpoint;
/* The slot offered for a capability with each request (only MOUNT's is kept). */
static uint64_t recv_slot;

/* heap.h's grow hook: a memory object from the pool, mapped rw- at `at` (bytes: whole pages). */
static long heap_grow(uintptr_t at, size_t bytes)
{
    return agora_map_new(at, bytes / PAGE_SIZE, 0);
}

/* The root file system from the cpio image init passes at CAP_VFS_ROOTFS (if it does). */
static void load_rootfs(void)
{
    struct cpio_stats st;
    long pages = sys_memory_info(CAP_VFS_ROOTFS), r;

    if (pages < 0) {
        struct vfs_node *tmp;

        /* /tmp for tmpfs, which may mount before a root disk does (the mount then moves there). */
        agora_printf("vfs: no root image (slot %d: %s): starting with an empty root\n", CAP_VFS_ROOTFS,
                     agora_error_name(pages));
        ramfs_create(&vfs_fs, vfs_fs.root, "tmp", 3, VFS_S_IFDIR | 01777, 0, &tmp);
        return;
    }
    r = sys_map(CAP_SELF_TASK, CAP_VFS_ROOTFS, 0, ROOTFS_VADDR, (uint64_t)pages, RIGHT_READ);
    if (r < 0) {
        agora_printf("vfs: cannot map the root image: %s\n", agora_error_name(r));
        return;
    }
    /* The archive ends at its trailer; what follows in the last page is never read. */
    cpio_load(&vfs_fs, (const void *)ROOTFS_VADDR, (uint64_t)pages * PAGE_SIZE, &st);
    agora_printf("vfs: root image: %lu directories, %lu files, %lu skipped%s%s\n",
                 (unsigned long)st.dirs, (unsigned long)st.files, (unsigned long)st.skipped,
                 st.error ? ", stopped early: " : "", st.error ? agora_error_name(st.error) : "");
}

/* pipe.h's hooks: answer a saved reply (SYS_REPLY_TO uses the capability up), or drop it. */
static void pipe_answer(uint64_t reply, long status, const void *rep, uint64_t bytes)
{
    struct agora_msg m;

    proto_reply_pack(&m, agora_ipc_buffer(), status, rep, bytes, 0);
    /* A caller that died meanwhile loses the answer (-E_DEAD); the capability goes either way. */
    if (sys_reply_to(reply, &m) < 0)
        sys_cap_delete(reply);
    agora_slot_free(reply);
}

static void pipe_discard(uint64_t reply)
{
    sys_cap_delete(reply);
    agora_slot_free(reply);
}

static const struct pipe_hooks pipe_hooks = { pipe_answer, pipe_discard };

/* vnode.h's transport: a call on a file-system server's endpoint. */
static long fs_server_call(uint64_t ep, uint32_t label, const void *req, size_t req_bytes, void *rep,
                           size_t rep_bytes)
{
    return proto_call(ep, label, req, req_bytes, rep, rep_bytes, 0);
}

/* Offers one slot for a capability (VFS_MOUNT's endpoint), and no memory. */
static void accept_one_cap(void)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();

    agora_ipc_accept_nothing(b);
    b->recv_cap_slots[0] = recv_slot;
}

/*
 * Turns the request in *m into its reply, in *m and the IPC buffer; false when the handler
 * kept the reply for later (a pipe READ or WRITE that waits). Then answers the waiters the
 * request made answerable (pipe_run: their replies go out first, through SYS_REPLY_TO).
 */
static bool handle(struct agora_msg *m)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS];
    uint64_t in_bytes, out_bytes = 0;
    struct vfs_request req = { .badge = m->badge, .ncaps = IPC_CAPS(m->info), .cap_slot = recv_slot };
    long status;

    memset(out, 0, sizeof(out));
    in_bytes = proto_unpack_any(m, b, in);
    /* After the unpacking: asking rtc (the first time) reuses the IPC buffer. */
    vfs_fs.now = agora_clock_realtime_us(&wall_clock) / 1000000;
    status = vfs_dispatch(&vfs_ops, &req, IPC_LABEL(m->info), in, in_bytes, out, &out_bytes);
    if (req.cap_taken) {
        long slot = agora_slot_alloc();

        recv_slot = slot < 0 ? 0 : (uint64_t)slot;     /* none left: no more mounts */
    } else if (req.ncaps) {
        sys_cap_delete(recv_slot);  /* a capability nobody takes */
    }
    vn_gc();
    pipe_run();
    if (req.deferred)
        return false;
    proto_reply_pack(m, b, status, out, out_bytes, 0);
    return true;
}

static long start(void)
{
    long slot, r;

    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    agora_clock_init(&wall_clock, agora_slot_alloc());
    heap_init(&vfs_heap, HEAP_BASE, HEAP_BASE + HEAP_SIZE, heap_grow);
    if ((r = ramfs_init(&vfs_fs)) < 0)
        return r;
    fdt_init(&vfs_fdt, &vfs_fs);
    vn_init(&vfs_fs, fs_server_call);
    vfs_fdt.release = pipe_release;
    pipe_init(&pipe_hooks);
    load_rootfs();
    if ((r = dev_setup(&vfs_fs)) < 0)
        return r;
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    recv_slot = (uint64_t)slot;
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    endpoint = (uint64_t)slot;
    if ((r = sys_endpoint_create(CAP_CHILD_POOL, endpoint)) < 0)
        return r;
    return names_register("vfs", endpoint);
}

int main(uint64_t arg)
{
    struct agora_msg m;
    long r;

    (void)arg;
    if ((r = start()) < 0) {
        agora_printf("vfs: cannot start: %s: exiting\n", agora_error_name(r));
        return 1;
    }
    agora_printf("vfs: serving (%lu nodes, %lu bytes of heap)\n", (unsigned long)vfs_fs.nodes,
                 (unsigned long)vfs_heap.in_use);
    accept_one_cap();
    r = sys_recv(endpoint, &m);
    for (;;) {
        if (r < 0) {
            agora_printf("vfs: receiving failed: %s: exiting\n", agora_error_name(r));
            return 1;
        }
        bool reply = handle(&m);

        accept_one_cap();
        r = reply ? sys_reply_recv(endpoint, &m) : sys_recv(endpoint, &m);
    }
}
