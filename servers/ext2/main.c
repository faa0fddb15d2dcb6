/*
 * ext2: the ext2 file-system server (include/agora/proto/fs.h) over the ext2 library, on the
 * block device "virtio-blk" (libagora/blkdev.h), mounted by vfs at /mnt. Without a disk, or
 * without ext2 on it, it says why and exits: the system goes on without /mnt.
 *
 * Threads: the main thread serves; a helper thread first asks vfs to MOUNT this server
 * (vfs sends FS_MOUNT before it answers, so it cannot be the serving thread), then calls the
 * endpoint once a second with its own badge (TICK_BADGE), and the main thread syncs when
 * anything changed since the last sync: data reaches the disk within about a second
 * without anybody calling sync (power-off does not unmount file systems).
 */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/fs.h>
#include <agora/proto/init.h>
#include <agora/proto/pci.h>
#include <agora/proto/vfs.h>
#include <libagora/blkdev.h>
#include <libagora/cmdline.h>
#include <libagora/clock.h>
#include <libagora/names.h>
#include <libagora/pci.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>

#include "../vfs/heap.h"
#include "ext2fs.h"
#include "fsops.h"

#define PAGE_SIZE 4096ull
#define HEAP_BASE 0x0000100000000000ull
#define HEAP_SIZE 0x0000000040000000ull
/* The helper thread: its IPC buffer page, then its stack. */
#define HELPER_AREA  0x0000000020000000ull
#define HELPER_PAGES 4
/* The block buffer shared with the driver: a whole run of the cache (EXT2_CLUSTER_BYTES) per request. */
#define BLK_AREA  0x0000000030000000ull
#define BLK_PAGES 16
#define BLK_SECTOR 512u
/* Where vfs's bulk buffer is mapped (fs.h: BULK_ATTACH). */
#define BULK_WINDOW 0x0000300000000000ull
/* Restarts of the driver (or garbage answers) one request may sit out. */
#define BLK_RETRIES 1000
/* Waiting for names' entries: virtio-blk (pci probes first) and vfs. */
#define WAIT_TRIES 500
#define WAIT_US    10000
#define TICK_US    1000000
/* The helper's badge on its copy of the endpoint: only the periodic sync, never a request. */
#define TICK_BADGE  0x4653000000000002ull
#define TICK_LABEL  1
#define CACHE_BLOCKS 1024

/*
 * Where vfs mounts the disk: "/" with root=ext2 on the kernel command line (the root file
 * system comes from the disk: pm waits for it), else /mnt.
 */
/* File times: the wall clock (drivers/rtc), since boot until rtc answers. */
static struct agora_clock wall_clock;

static const char *mount_path = "/mnt";

static struct ext2srv srv;
static struct blkdev disk;
static uint64_t endpoint, vfs_ep, vfs_copy, tick_copy;

static long heap_grow(uintptr_t at, size_t bytes)
{
    return agora_map_new(at, bytes / PAGE_SIZE, 0);
}

/* ---- the block device: file-system blocks as sectors through the shared buffer ---- */

/*
 * The driver died or answered garbage: wait for its restart (blkdev_reconnect) and repeat
 * the request, which is idempotent (a write of the same sectors with the same bytes), as
 * often as it takes, up to BLK_RETRIES.
 */
static long transfer(bool write, uint64_t sector, uint64_t count)
{
    long r = write ? blkdev_write(&disk, sector, count, 0) : blkdev_read(&disk, sector, count, 0);

    for (unsigned i = 0; blkdev_retryable(r) && i < BLK_RETRIES; i++) {
        if (r == -E_DEAD || r == -E_NOCAP)
            r = blkdev_reconnect(&disk);
        else
            r = 0;                      /* garbage: the driver lives, ask again */
        if (r == 0)
            r = write ? blkdev_write(&disk, sector, count, 0) : blkdev_read(&disk, sector, count, 0);
    }
    return r < 0 ? -E_IO : 0;
}

static uint64_t chunk_sectors(void)
{
    uint64_t n = BLK_PAGES * PAGE_SIZE / BLK_SECTOR;

    if (disk.info.max_sectors && disk.info.max_sectors < n)
        n = disk.info.max_sectors;
    return n;
}

/* count blocks from first, in pieces of the shared buffer's size (and the driver's max_sectors). */
static int dev_read_blocks(void *ctx, uint64_t first, uint32_t count, uint32_t block_size, void *buf)
{
    uint64_t sector = first * (block_size / BLK_SECTOR), left = (uint64_t)count * (block_size / BLK_SECTOR), n;
    uint8_t *p = buf;

    (void)ctx;
    for (; left; left -= n, sector += n, p += n * BLK_SECTOR) {
        n = left < chunk_sectors() ? left : chunk_sectors();
        if (transfer(false, sector, n) < 0)
            return -E_IO;
        memcpy(p, disk.data, n * BLK_SECTOR);
    }
    return 0;
}

static int dev_write_blocks(void *ctx, uint64_t first, uint32_t count, uint32_t block_size, const void *buf)
{
    uint64_t sector = first * (block_size / BLK_SECTOR), left = (uint64_t)count * (block_size / BLK_SECTOR), n;
    const uint8_t *p = buf;

    (void)ctx;
    for (; left; left -= n, sector += n, p += n * BLK_SECTOR) {
        n = left < chunk_sectors() ? left : chunk_sectors();
        memcpy(disk.data, p, n * BLK_SECTOR);
        if (transfer(true, sector, n) < 0)
            return -E_IO;
    }
    return 0;
}

static int dev_read(void *ctx, uint64_t block_no, uint32_t block_size, void *buf)
{
    return dev_read_blocks(ctx, block_no, 1, block_size, buf);
}

static int dev_write(void *ctx, uint64_t block_no, uint32_t block_size, const void *buf)
{
    return dev_write_blocks(ctx, block_no, 1, block_size, buf);
}

static int dev_flush(void *ctx)
{
    long r;

    (void)ctx;
    r = blkdev_flush(&disk);
    for (unsigned i = 0; blkdev_retryable(r) && i < BLK_RETRIES; i++) {
        r = r == -E_DEAD || r == -E_NOCAP ? blkdev_reconnect(&disk) : 0;
        if (r == 0)
            r = blkdev_flush(&disk);
    }
    return r < 0 ? -E_IO : 0;
}

static uint32_t env_now(void *ctx)
{
    (void)ctx;
    /*
     * Seconds since 1970 once rtc answers, since boot before. Never 0: a superblock time of
     * 0 reads as "never" to e2fsck, which then takes the small i_dtime of files deleted in
     * the first second for orphan-list links (a boot that did all its work within its first
     * second failed e2fsck).
     */
    uint32_t t = (uint32_t)(agora_clock_realtime_us(&wall_clock) / 1000000);     /* since boot until rtc answers */

    return t ? t : 1;
}

/* ---- the helper thread: MOUNT at /mnt, then the periodic sync ---- */

static noreturn void helper(uint64_t arg)
{
    struct agora_ipc_buffer *b = (struct agora_ipc_buffer *)HELPER_AREA;
    struct vfs_mount_req rq = { .flags = 0 };
    struct agora_msg m;

    (void)arg;
    PROTO_STR_SET(rq.type, "ext2");
    PROTO_STR_SET(rq.path, mount_path);
    memset(b, 0, sizeof(*b));
    b->send_caps[0] = vfs_copy;
    b->send_cap_rights[0] = RIGHT_WRITE | RIGHT_GRANT;
    proto_pack(&m, b, VFS_MOUNT, &rq, sizeof(rq), 1);
    sys_call(vfs_ep, &m);
    sys_cap_delete(vfs_copy);       /* vfs holds the only copy now (or none: refused) */
    for (;;) {
        sys_sleep(TICK_US);
        m = (struct agora_msg){ .info = IPC_INFO(TICK_LABEL, 0, 0, 0) };
        if (sys_call(tick_copy, &m) < 0)
            break;
    }
    sys_thread_exit();
    for (;;)
        sys_yield();
}

static long start_helper(void)
{
    return agora_thread_spawn(HELPER_AREA, HELPER_PAGES, helper, 0, 0);
}

/* ---- start: the disk, the file system, the endpoint, vfs ---- */

static long copy_badged(uint64_t badge, uint64_t *out)
{
    long slot = agora_slot_alloc();

    if (slot < 0)
        return slot;
    *out = (uint64_t)slot;
    return sys_cap_copy(endpoint, *out, RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY, badge);
}

/*
 * Whether pci has a virtio block device, for which virtio-blk will register: without one
 * there is nothing to wait for (and a late "no disk" line would land in the shell's
 * session). No pci at all: assume a disk may come.
 */
static bool disk_present(void)
{
    static const uint64_t ids[] = { 0x1001, 0x1042 };     /* virtio-blk: transitional, modern */
    uint64_t pci;
    long r = -E_NOCAP;
    bool found = false;

    for (int i = 0; (r = names_lookup("pci", &pci)) == -E_NOCAP && i < WAIT_TRIES; i++)
        sys_sleep(WAIT_US);
    if (r < 0)
        return true;
    for (unsigned i = 0; i < 2 && !found; i++) {
        struct pci_find_req rq = { 0x1AF4, ids[i], 0, 0, 0 };
        struct pci_find_rep rp;

        found = pci_find_call(pci, &rq, &rp, 0) == 0;
    }
    sys_cap_delete(pci);
    agora_slot_free(pci);
    return found;
}

/* 1: no disk or no ext2 on it (said why; exit quietly); 0: serving; < 0: an error. */
static long start(void)
{
    static const struct ext2_env env = {
        .alloc = vfs_alloc, .free = vfs_free, .now = env_now, .ctx = &srv, .in_use = ext2srv_in_use,
    };
    static struct ext2_dev dev = { .read_block = dev_read, .write_block = dev_write, .flush = dev_flush,
                                   .read_blocks = dev_read_blocks, .write_blocks = dev_write_blocks };
    struct ext2_mount_opts opts = { .read_only = false, .cache_blocks = CACHE_BLOCKS };
    struct ext2_statfs st;
    const char *why = 0;
    long slot, r;

    char root[8];

    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    agora_clock_init(&wall_clock, agora_slot_alloc());
    heap_init(&vfs_heap, HEAP_BASE, HEAP_BASE + HEAP_SIZE, heap_grow);
    if (agora_cmdline_get("root", root, sizeof(root)) && strcmp(root, "ext2") == 0)
        mount_path = "/";
    if (!disk_present()) {
        agora_printf("ext2: no virtio disk: not mounting %s\n", mount_path);
        return 1;
    }
    for (int i = 0; (r = blkdev_open(&disk, "virtio-blk", BLK_PAGES, BLK_AREA)) == -E_NOCAP && i < WAIT_TRIES; i++)
        sys_sleep(WAIT_US);
    if (r < 0) {
        agora_printf("ext2: no disk (virtio-blk: %s): not mounting %s\n", agora_error_name(r), mount_path);
        return 1;
    }
    if (disk.info.sector_size != BLK_SECTOR) {
        agora_printf("ext2: virtio-blk has sectors of %lu bytes, not 512: not mounting\n",
                     (unsigned long)disk.info.sector_size);
        return 1;
    }
    dev.size = disk.info.sectors * BLK_SECTOR;
    opts.read_only = disk.info.flags & BLK_READ_ONLY;
    if ((r = ext2_mount(&dev, &env, &opts, &srv.fs, &why)) < 0) {
        agora_printf("ext2: no ext2 file system on virtio-blk (%s%s%s): not mounting %s\n", agora_error_name(r),
                     why ? ": " : "", why ? why : "", mount_path);
        return 1;
    }
    if ((r = ext2_statfs(srv.fs, &st)) < 0)
        return r;
    agora_printf("ext2: mounted virtio-blk at %s: %lu blocks of %u bytes, %lu inodes%s\n", mount_path,
                 (unsigned long)st.blocks, st.block_size, (unsigned long)st.inodes,
                 ext2_is_read_only(srv.fs) ? " (read-only)" : "");
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    endpoint = (uint64_t)slot;
    if ((r = sys_endpoint_create(CAP_CHILD_POOL, endpoint)) < 0)
        return r;
    if ((r = copy_badged(FS_BADGE_VFS, &vfs_copy)) < 0 || (r = copy_badged(TICK_BADGE, &tick_copy)) < 0)
        return r;
    if ((r = names_register("ext2", endpoint)) < 0)
        return r;
    for (int i = 0; (r = names_lookup("vfs", &vfs_ep)) == -E_NOCAP && i < WAIT_TRIES; i++)
        sys_sleep(WAIT_US);
    if (r < 0)
        return r;
    return start_helper();
}

/* Every receive offers the bulk window (fs.h: BULK_ATTACH's memory lands there) and no capability. */
static void accept_bulk(void)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();

    agora_ipc_accept_nothing(b);
    b->recv_window_vaddr = BULK_WINDOW;
    b->recv_window_pages = FS_BULK_PAGES;
}

static void handle(struct agora_msg *m)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS];
    uint64_t in_bytes, out_bytes = 0;
    struct ext2srv_request req = { .s = &srv, .badge = m->badge, .ncaps = IPC_CAPS(m->info) };
    bool mem = IPC_HAS_MEM(m->info) && b->recv_mem_pages;
    uint32_t label = IPC_LABEL(m->info);
    long status;

    if (m->badge == TICK_BADGE) {
        if ((status = ext2srv_sync_if_dirty(&srv)) < 0)
            agora_printf("ext2: sync failed: %s\n", agora_error_name(status));
        proto_reply_pack(m, b, 0, out, 0, 0);
        return;
    }
    memset(out, 0, sizeof(out));
    in_bytes = proto_unpack_any(m, b, in);
    if (mem) {
        req.mem = (uint8_t *)b->recv_mem_vaddr;
        req.mem_pages = b->recv_mem_pages;
    }
    status = fs_dispatch(&ext2srv_ops, &req, label, in, in_bytes, out, &out_bytes);
    if (mem && !req.mem_taken)     /* (the IPC buffer may have been reused: asking rtc for the time) */
        sys_unmap(CAP_SELF_TASK, (uint64_t)req.mem, req.mem_pages);     /* memory nobody asked for */
    if (label == FS_MOUNT && status == 0)
        agora_printf("ext2: mounted by vfs\n");
    if (label == FS_UNMOUNT && status == 0)
        agora_printf("ext2: unmounted by vfs: synced and marked clean\n");
    proto_reply_pack(m, b, status, out, out_bytes, 0);
}

int main(uint64_t arg)
{
    struct agora_msg m;
    long r;

    (void)arg;
    if ((r = start()) != 0) {
        if (r < 0)
            agora_printf("ext2: cannot start: %s: exiting\n", agora_error_name(r));
        return r < 0;
    }
    agora_printf("ext2: serving\n");
    accept_bulk();
    r = sys_recv(endpoint, &m);
    for (;;) {
        if (r < 0) {
            agora_printf("ext2: receiving failed: %s: exiting\n", agora_error_name(r));
            return 1;
        }
        handle(&m);
        accept_bulk();
        r = sys_reply_recv(endpoint, &m);
    }
}
