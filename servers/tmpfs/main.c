/* tmpfs: an in-memory file-system server (include/agora/proto/fs.h) that mounts itself at /tmp through vfs. */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/fs.h>
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

#include "../vfs/heap.h"
#include "fsops.h"

#define PAGE_SIZE 4096ull
/* The heap: 1 GiB of address space from 16 TiB, mapped as it grows (as vfs's). */
#define HEAP_BASE 0x0000100000000000ull
#define HEAP_SIZE 0x0000000040000000ull
/* The mounter thread: its IPC buffer page, then its stack. */
#define MOUNTER_AREA  0x0000000020000000ull
#define MOUNTER_PAGES 4
/* How long to wait for vfs to register (it loads the root image first). */
#define VFS_WAIT_TRIES 500
#define VFS_WAIT_US    10000

/* File times: the wall clock (drivers/rtc), since boot until rtc answers. */
static struct agora_clock wall_clock;

static struct tmpfs tmpfs;
static uint64_t endpoint, vfs_ep, vfs_copy;

static long heap_grow(uintptr_t at, size_t bytes)
{
    return agora_map_new(at, bytes / PAGE_SIZE, 0);
}

/*
 * The mounter: asks vfs to MOUNT this server at /tmp, handing over the badged copy of the
 * endpoint. It must not be the serving thread: vfs sends FS_MOUNT before it answers.
 * It uses its own IPC buffer (MOUNTER_AREA), prints nothing (agora_printf is not
 * thread-safe: vfs logs the outcome), deletes its copy of vfs's capability and ends.
 */
static noreturn void mounter(uint64_t arg)
{
    struct agora_ipc_buffer *b = (struct agora_ipc_buffer *)MOUNTER_AREA;
    struct vfs_mount_req rq = { .flags = 0 };
    struct agora_msg m;

    (void)arg;
    PROTO_STR_SET(rq.type, "tmpfs");
    PROTO_STR_SET(rq.path, "/tmp");
    memset(b, 0, sizeof(*b));
    b->send_caps[0] = vfs_copy;
    b->send_cap_rights[0] = RIGHT_WRITE | RIGHT_GRANT;
    proto_pack(&m, b, VFS_MOUNT, &rq, sizeof(rq), 1);
    sys_call(vfs_ep, &m);
    sys_cap_delete(vfs_copy);       /* vfs holds the only copy now (or none: refused) */
    sys_thread_exit();
    for (;;)
        sys_yield();
}

static long start_mounter(void)
{
    return agora_thread_spawn(MOUNTER_AREA, MOUNTER_PAGES, mounter, 0, 0);
}

static long start(void)
{
    long slot, r;

    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    agora_clock_init(&wall_clock, agora_slot_alloc());
    heap_init(&vfs_heap, HEAP_BASE, HEAP_BASE + HEAP_SIZE, heap_grow);
    if ((r = tmpfs_init(&tmpfs)) < 0)
        return r;
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    endpoint = (uint64_t)slot;
    if ((r = sys_endpoint_create(CAP_CHILD_POOL, endpoint)) < 0)
        return r;
    /* vfs's copy: the only badge served (fs.h). */
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    vfs_copy = (uint64_t)slot;
    if ((r = sys_cap_copy(endpoint, vfs_copy, RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY, FS_BADGE_VFS)) < 0)
        return r;
    /* Public only so that a supervisor can find and watch it: names' copies carry other badges. */
    if ((r = names_register("tmpfs", endpoint)) < 0)
        return r;
    for (int i = 0; (r = names_lookup("vfs", &vfs_ep)) == -E_NOCAP && i < VFS_WAIT_TRIES; i++)
        sys_sleep(VFS_WAIT_US);
    if (r < 0)
        return r;
    return start_mounter();
}

static void handle(struct agora_msg *m)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS];
    uint64_t in_bytes, out_bytes = 0;
    struct tmpfs_request req = { .t = &tmpfs, .badge = m->badge, .ncaps = IPC_CAPS(m->info) };
    uint32_t label = IPC_LABEL(m->info);
    long status;

    memset(out, 0, sizeof(out));
    in_bytes = proto_unpack_any(m, b, in);
    /* After the unpacking: asking rtc (the first time) reuses the IPC buffer. */
    tmpfs.fs.now = agora_clock_realtime_us(&wall_clock) / 1000000;
    status = fs_dispatch(&tmpfs_ops, &req, label, in, in_bytes, out, &out_bytes);
    if (label == FS_MOUNT && status == 0)
        agora_printf("tmpfs: mounted by vfs\n");
    proto_reply_pack(m, b, status, out, out_bytes, 0);
}

int main(uint64_t arg)
{
    struct agora_msg m;
    long r;

    (void)arg;
    if ((r = start()) < 0) {
        agora_printf("tmpfs: cannot start: %s: exiting\n", agora_error_name(r));
        return 1;
    }
    agora_printf("tmpfs: serving\n");
    agora_ipc_accept_nothing(agora_ipc_buffer());
    r = sys_recv(endpoint, &m);
    for (;;) {
        if (r < 0) {
            agora_printf("tmpfs: receiving failed: %s: exiting\n", agora_error_name(r));
            return 1;
        }
        handle(&m);
        agora_ipc_accept_nothing(agora_ipc_buffer());
        r = sys_reply_recv(endpoint, &m);
    }
}
