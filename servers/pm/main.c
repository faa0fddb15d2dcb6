/* pm: the process manager. Starts the first POSIX process, serves include/agora/proto/pm.h, handles its processes' faults. */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/init.h>
#include <agora/proto/names.h>
#include <agora/proto/pm.h>
#include <agora/proto/vfs.h>
#include <libagora/cmdline.h>
#include <libagora/names.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>
#include <libagora/vfs.h>

#include "image.h"
#include "proc.h"
#include "server.h"
#include "svc.h"

#define PAGE 4096ull
/* Where pm maps the command-line page and an ELF file it reads. */
#define FILE_VADDR    0x00007b0000000000ull
#define FILE_MAX      (64ull << 20)
/* How long pm waits for vfs to register at start. */
#define VFS_WAIT_TRIES 200
#define VFS_WAIT_US    10000

#define NO_REPLY PM_NO_REPLY
#define table pm_table
#define vfs_ep pm_vfs_ep

struct pm_table pm_table;
uint64_t pm_vfs_ep;
int64_t pm_tty_sid, pm_tty_fg;
static uint64_t endpoint;            /* pm's endpoint, unbadged: the processes get badged copies */
static uint64_t names_self;          /* names, badged PM_BADGE_SELF; CAP_NULL: no names */
static char args[PM_ARG_MAX];        /* EXEC's argument and environment strings */
static struct pm_image spare;        /* the image an EXEC (or pid 1's start) builds: too big for the stack */

static void delete_slot(uint64_t *slot)
{
    if (*slot == CAP_NULL)
        return;
    sys_cap_delete(*slot);
    agora_slot_free(*slot);
    *slot = CAP_NULL;
}

/* A copy of src badged badge, with rights, in a new slot; CAP_NULL on failure. */
static uint64_t badged_copy(uint64_t src, uint64_t rights, uint64_t badge)
{
    long slot = agora_slot_alloc();

    if (slot < 0)
        return CAP_NULL;
    if (sys_cap_copy(src, (uint64_t)slot, rights, badge) < 0) {
        agora_slot_free((uint64_t)slot);
        return CAP_NULL;
    }
    return (uint64_t)slot;
}

/* ---- vfs ---- */

/* VFS_EXEC or VFS_DROP for a process's table; nothing to do without vfs. */
static void vfs_tell(uint32_t label, uint64_t client)
{
    if (vfs_ep == CAP_NULL)
        return;
    if (label == VFS_EXEC) {
        struct vfs_exec_req rq = { .client = client };
        struct vfs_exec_rep rp;

        vfs_exec_call(vfs_ep, &rq, &rp, 0);
    } else {
        struct vfs_drop_req rq = { .client = client };
        struct vfs_drop_rep rp;

        vfs_drop_call(vfs_ep, &rq, &rp, 0);
    }
}

static long vfs_fork(uint64_t parent, uint64_t child)
{
    struct vfs_fork_req rq = { .parent = parent, .child = child };
    struct vfs_fork_rep rp;

    return vfs_ep == CAP_NULL ? 0 : vfs_fork_call(vfs_ep, &rq, &rp, 0);
}

/*
 * pm's own buffer shared with vfs (vfs.h BULK_ATTACH), for reading executables 64 KiB per
 * request instead of 496 bytes; attached at the first exec, messages if vfs refuses.
 */
#define BULK_VADDR 0x00007b8000000000ull

static const uint8_t *bulk_buffer(void)
{
    static int state;               /* 0 not asked yet, 1 attached, -1 refused: messages */
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct vfs_bulk_attach_req rq;
    struct vfs_bulk_attach_rep rp;
    long r;

    if (state == 0) {
        b->recv_window_vaddr = BULK_VADDR;
        b->recv_window_pages = VFS_BULK_PAGES;
        r = vfs_bulk_attach_call(vfs_ep, &rq, &rp, 0);
        b->recv_window_pages = 0;
        state = r == 0 && rp.bytes == VFS_BULK_BYTES && b->recv_mem_vaddr == BULK_VADDR &&
                        b->recv_mem_pages == VFS_BULK_PAGES ? 1 : -1;
    }
    return state > 0 ? (const uint8_t *)BULK_VADDR : 0;
}

/* Up to max bytes of open file fd into dst: through the bulk buffer, else one READ; the count or an error. */
static long read_chunk(uint64_t fd, uint8_t *dst, uint64_t max)
{
    const uint8_t *bulk = bulk_buffer();
    long r;

    if (bulk) {
        struct vfs_read_bulk_req rq = { .fd = fd, .max = max < VFS_BULK_BYTES ? max : VFS_BULK_BYTES };
        struct vfs_read_bulk_rep rp;

        if ((r = vfs_read_bulk_call(vfs_ep, &rq, &rp, 0)) == 0) {
            if (rp.count > rq.max)
                return -E_RANGE;
            memcpy(dst, bulk, rp.count);
            return (long)rp.count;
        }
        if (r != -E_NOSYS && r != -E_STATE)
            return r;               /* -E_NOSYS: not a regular file; -E_STATE: vfs lost the buffer */
    }
    {
        struct vfs_read_req rq = { .fd = fd, .max = max < VFS_IO_MAX ? max : VFS_IO_MAX };
        struct vfs_read_rep rp;

        if ((r = vfs_read_call(vfs_ep, &rq, &rp, 0)) < 0)
            return r;
        if (rp.count > rq.max)
            return -E_RANGE;
        memcpy(dst, rp.data, rp.count);
        return (long)rp.count;
    }
}

/* Reads the regular file at path into a new memory object mapped at FILE_VADDR. */
static long read_file(const char *path, uint64_t *mem, uint64_t *size)
{
    struct vfs_open_req orq = { .flags = VFS_O_RDONLY };
    struct vfs_open_rep orp;
    struct vfs_fstat_req frq;
    struct vfs_fstat_rep frp;
    struct vfs_close_req crq;
    struct vfs_close_rep crp;
    long r, slot;
    uint64_t pages, done = 0;

    *mem = CAP_NULL;
    if (vfs_ep == CAP_NULL)
        return -E_NOENT;
    if ((r = PROTO_STR_SET(orq.path, path)) < 0)
        return r == -E_RANGE ? -E_NAMETOOLONG : -E_NOENT;
    if ((r = vfs_open_call(vfs_ep, &orq, &orp, 0)) < 0)
        return r;
    frq.fd = crq.fd = orp.fd;
    if ((r = vfs_fstat_call(vfs_ep, &frq, &frp, 0)) < 0)
        goto out_close;
    r = -E_PERM;
    if ((frp.st.mode & VFS_S_IFMT) != VFS_S_IFREG || frp.st.size == 0 || frp.st.size > FILE_MAX)
        goto out_close;
    *size = frp.st.size;
    pages = (*size + PAGE - 1) / PAGE;
    if ((slot = agora_slot_alloc()) < 0) {
        r = slot;
        goto out_close;
    }
    *mem = (uint64_t)slot;
    if ((r = sys_memory_create(CAP_CHILD_POOL, pages, *mem)) < 0 ||
        (r = sys_map(CAP_SELF_TASK, *mem, 0, FILE_VADDR, pages, RIGHT_READ | RIGHT_WRITE)) < 0) {
        agora_slot_free(*mem);
        *mem = CAP_NULL;
        goto out_close;
    }
    while (done < *size) {
        if ((r = read_chunk(orp.fd, (uint8_t *)FILE_VADDR + done, *size - done)) < 0)
            break;
        if (r == 0) {
            r = -E_RANGE;           /* the file changed under us */
            break;
        }
        done += (uint64_t)r;
    }
    if (done == *size)
        r = 0;
out_close:
    vfs_close_call(vfs_ep, &crq, &crp, 0);
    return r;
}

static void drop_file(uint64_t *mem, uint64_t size)
{
    if (*mem == CAP_NULL)
        return;
    sys_unmap(CAP_SELF_TASK, FILE_VADDR, (size + PAGE - 1) / PAGE);
    delete_slot(mem);
}

/* ---- images ---- */

/*
 * The VMM's pool (proto/pm.h, PM_VMM_PATH): a process running /bin/vmm-server gets a pool of
 * its own for its VM, vCPU, threads and guest RAM in slot CAP_PM_VMM_POOL; no other program
 * gets one. The task holds the only capability: the pool and everything charged to it go
 * back to pm's pool when the task dies (or execs something else).
 */
static long give_vmm_pool(struct pm_image *img, const char *path)
{
    long slot, r;

    if (strcmp(path, PM_VMM_PATH) != 0)
        return 0;
    if ((slot = agora_slot_alloc()) < 0)
        return -E_NOMEM;
    r = sys_pool_split(CAP_CHILD_POOL, PM_VMM_POOL_PAGES, (uint64_t)slot);
    if (r >= 0)
        r = sys_cap_give(img->task, (uint64_t)slot, CAP_PM_VMM_POOL, RIGHTS_ALL);
    sys_cap_delete((uint64_t)slot);
    agora_slot_free((uint64_t)slot);
    return r < 0 ? -E_NOMEM : 0;
}

/*
 * A new image of the program at path for p (in p's quota) with the argument strings strs
 * (argc + envc of them); started only by start_image. On failure nothing is left.
 */
static long build_image(struct pm_proc *p, const char *path, const char *strs, uint64_t bytes,
                        uint64_t argc, uint64_t envc, struct pm_image *img, struct agora_regs *regs)
{
    uint64_t file, size = 0, names = CAP_NULL;
    elf_info_t elf;
    long r = read_file(path, &file, &size);

    if (r < 0)
        goto out;
    if (elf_parse((const void *)FILE_VADDR, size, &elf) < 0 ||
        !elf_range_free(&elf, AGORA_CHILD_RESERVED_START,
                        AGORA_CHILD_RESERVED_END - AGORA_CHILD_RESERVED_START)) {
        r = -E_PERM;
        goto out;
    }
    memset(regs, 0, sizeof(*regs));
    regs->rip = elf.entry;
    regs->rdi = PM_START_MAGIC;
    if ((r = pm_image_create(img, p->pool, p->ep)) < 0 ||
        (r = pm_image_load(img, p->pool, (const uint8_t *)FILE_VADDR, &elf)) < 0 ||
        (r = pm_image_stack(img, p->pool, strs, bytes, argc, envc, &regs->rsp)) < 0)
        goto out_release;
    if (names_self != CAP_NULL &&
        (names = badged_copy(CAP_PM_NAMES_MINT, RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY, p->badge)) == CAP_NULL) {
        r = -E_NOMEM;
        goto out_release;
    }
    r = pm_image_give(img, names, p->ep);
    delete_slot(&names);
    if (r < 0 || (r = give_vmm_pool(img, path)) < 0)
        goto out_release;
    goto out;
out_release:
    pm_image_release(img);
out:
    drop_file(&file, size);
    return r;
}

/* p's command line for ps: the argc strings at strs joined by spaces, cut to fit. */
static void set_cmd(struct pm_proc *p, const char *strs, uint64_t argc)
{
    size_t n = 0;

    memset(p->cmd, 0, sizeof(p->cmd));
    for (uint64_t i = 0; i < argc && n + 1 < sizeof(p->cmd); i++) {
        size_t len = strlen(strs);

        if (i > 0)
            p->cmd[n++] = ' ';
        if (len > sizeof(p->cmd) - 1 - n)
            len = sizeof(p->cmd) - 1 - n;
        memcpy(p->cmd + n, strs, len);
        n += len;
        strs += strlen(strs) + 1;
    }
}

static void set_name(struct pm_proc *p, const char *path)
{
    size_t n = strlen(path);

    if (n >= sizeof(p->name))
        path += n - (sizeof(p->name) - 1);
    memset(p->name, 0, sizeof(p->name));
    memcpy(p->name, path, strlen(path));
}

/* ---- quotas ---- */

/*
 * p's quota: a sub-pool of PM_PROC_PAGES pages and its account in the copy-on-write books
 * (cow.h). -E_AGAIN when pm's pool cannot hold another quota or every account is in use
 * (a process that ended still pays for the pages its children share).
 */
static long quota_open(struct pm_proc *p)
{
    long slot = agora_slot_alloc();

    p->pool = CAP_NULL;
    if (slot < 0)
        return -E_AGAIN;
    if (sys_pool_split(CAP_CHILD_POOL, PM_PROC_PAGES, (uint64_t)slot) < 0) {
        agora_slot_free((uint64_t)slot);
        return -E_AGAIN;
    }
    p->pool = (uint64_t)slot;
    if (pm_cow_account_open(&pm_cow, p->pool) < 0) {
        delete_slot(&p->pool);
        return -E_AGAIN;
    }
    return 0;
}

/* The process's quota is closed; its pages still shared stay charged to it until their last user goes. */
static void quota_close(struct pm_proc *p)
{
    if (p->pool == CAP_NULL)
        return;
    pm_cow_account_close(&pm_cow, pm_cow_account_of(&pm_cow, p->pool));
    delete_slot(&p->pool);
}

/*
 * A refused fork is logged, at most once a second (a fork bomb asks thousands of times),
 * with how many were refused since the last message.
 */
static void log_refused_fork(struct pm_proc *p, long why)
{
    static long last_us = -1;
    static unsigned quiet;
    long now = sys_clock();

    if (last_us >= 0 && now - last_us < 1000000) {
        quiet++;
        return;
    }
    agora_printf("pm: pid %ld (%s): fork refused (%s): %u of %d processes, %u of %d quotas in use",
                 (long)p->pid, p->name, agora_error_name(why), table.count, PM_MAX_PROCS,
                 pm_cow_accounts_used(&pm_cow), PM_COW_ACCOUNTS);
    if (quiet)
        agora_printf(" (%u more refused since the last message)", quiet);
    agora_printf("\n");
    last_us = now;
    quiet = 0;
}

/* ---- ending, waiting ---- */

/* WAIT's answer for a child that is ready: a zombie goes, a stop is reported once. */
static void take_child(struct pm_proc *c, struct pm_wait_rep *rp)
{
    rp->pid = c->pid;
    if (c->state == PM_ZOMBIE) {
        rp->status = c->status;
        pm_proc_free(&table, c);
    } else {
        rp->status = pm_status_stopped(c->stop_sig);
        c->report_stop = false;
    }
}

static const char *describe(int64_t status, char *buf, size_t size)
{
    if ((status & 0x7f) == 0)
        agora_snprintf(buf, size, "exited with status %ld", (long)((status >> 8) & 0xff));
    else
        agora_snprintf(buf, size, "ended by signal %ld", (long)(status & 0x7f));
    return buf;
}

/*
 * Ends the machine (ACPI power-off) with the machine capability init gave pm; returns only
 * when pm has none (-E_PERM then).
 */
/* Before the machine stops: every file system synced, unmounted and marked clean (vfs.h SYNC). */
static void unmount_all(void)
{
    struct vfs_sync_req rq = { .flags = VFS_SYNC_UNMOUNT };
    struct vfs_sync_rep rp;
    long r;

    if (vfs_ep != CAP_NULL && (r = vfs_sync_call(vfs_ep, &rq, &rp, 0)) < 0)
        agora_printf("pm: unmounting the file systems failed: %s\n", agora_error_name(r));
}

static long power_off(const char *why)
{
    long r;

    if (sys_cap_info(CAP_CHILD_MACHINE) < 0)
        return -E_PERM;
    agora_printf("pm: %s: powering off\n", why);
    unmount_all();
    agora_flush();
    r = sys_machine_halt(CAP_CHILD_MACHINE, 0);
    return r < 0 ? -E_PERM : r;
}

void pm_answer(uint64_t *reply, long status, const void *rep, uint64_t bytes)
{
    struct agora_msg m;

    proto_reply_pack(&m, agora_ipc_buffer(), status, rep, bytes, 0);
    if (sys_reply_to(*reply, &m) < 0)
        sys_cap_delete(*reply);     /* the caller is gone: the capability goes all the same */
    agora_slot_free(*reply);
    *reply = CAP_NULL;
}

/*
 * When pid 1 ends and no process is left, pm's books must be empty (every page, object and
 * quota went with its last user) and the kernel's own check clean: logged for the tests.
 */
static void check_books(void)
{
    struct agora_kernel_stats st;

    for (unsigned i = 0; i < PM_MAX_PROCS; i++)
        if (table.procs[i].state == PM_ALIVE)
            return;
    agora_printf("pm: no process left: %u memory objects and %u quotas held", pm_cow_objects(&pm_cow),
                 pm_cow_accounts_used(&pm_cow));
    if (sys_kernel_stats(CAP_CHILD_MACHINE, &st) >= 0)
        agora_printf(", kernel check: %lu errors", (unsigned long)st.check_errors);
    agora_printf("\n");
}

/* p ends with the wait status: its task and memory go, it stays as a zombie for its parent. */
void pm_proc_end(struct pm_proc *p, int64_t status)
{
    struct pm_proc *parent;
    char why[48];

    if (p->state != PM_ALIVE)
        return;
    if (p->waiting) {
        delete_slot(&p->wait_reply);
        p->waiting = false;
    }
    if (p->sigwaiting) {
        delete_slot(&p->sigwait_reply);
        p->sigwaiting = false;
    }
    pm_image_release(&p->img);
    delete_slot(&p->ep);
    quota_close(p);
    vfs_tell(VFS_DROP, p->badge);
    p->state = PM_ZOMBIE;
    p->status = status;
    p->stopped = p->report_stop = false;
    p->sig_pending = 0;
    /*
     * How a process ended is its parent's business (the shell shows $? or "Killed"); only
     * pid 1's end is logged (a fault is logged where it is found).
     */
    if (p->pid == 1)
        agora_printf("pm: pid %ld (%s) %s\n", (long)p->pid, p->name, describe(status, why, sizeof(why)));
    if (p->pid == 1) {
        check_books();
        power_off("pid 1 ended");
    }
    pm_signal_proc_gone(p);
    if (pm_reparent(&table, p->pid) > 0 && (parent = pm_proc_by_pid(&table, 1)))
        pm_wake_waiter(parent);
    parent = p->ppid ? pm_proc_by_pid(&table, p->ppid) : 0;
    if (!parent || parent->state != PM_ALIVE)
        pm_proc_free(&table, p);     /* no one will wait for it */
    else
        pm_signal_child_changed(p);
}

/* Answers parent's held WAIT if a child it waits for has ended or stopped (or none is left). */
void pm_wake_waiter(struct pm_proc *parent)
{
    struct pm_proc *ready;
    struct pm_wait_rep rp = { 0 };
    long status = 0;

    if (!parent->waiting)
        return;
    if (!pm_wait_find(&table, parent, parent->wait_pid, parent->wait_options, &ready))
        status = -E_CHILD;
    else if (!ready)
        return;
    else
        take_child(ready, &rp);
    parent->waiting = false;
    pm_answer(&parent->wait_reply, status, &rp, sizeof(rp));
}

/* ---- the handlers ---- */

struct pm_call {
    struct pm_proc *caller;
};

static long do_fork(void *ctx, const struct pm_fork_req *rq, struct pm_fork_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller, *c;
    struct agora_regs regs;
    uint64_t names = CAP_NULL;
    long r;

    (void)rq;
    if (!(c = pm_proc_new(&table, p->pid))) {
        log_refused_fork(p, -E_AGAIN);
        return -E_AGAIN;
    }
    c->pool = c->ep = CAP_NULL;
    if ((r = quota_open(c)) < 0) {
        log_refused_fork(p, r);
        goto out_free;
    }
    r = -E_NOMEM;
    if ((c->ep = badged_copy(endpoint, RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY, c->badge)) == CAP_NULL)
        goto out_free;
    if ((r = pm_image_create(&c->img, c->pool, c->ep)) < 0 ||
        (r = pm_image_copy(&c->img, &p->img, c->pool)) < 0)
        goto out_release;
    if (names_self != CAP_NULL &&
        (names = badged_copy(CAP_PM_NAMES_MINT, RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY, c->badge)) == CAP_NULL) {
        r = -E_NOMEM;
        goto out_release;
    }
    r = pm_image_give(&c->img, names, c->ep);
    delete_slot(&names);
    if (r < 0 || (r = sys_thread_regs(p->img.thread, &regs)) < 0)
        goto out_release;
    if ((r = vfs_fork(p->badge, c->badge)) < 0) {
        r = r == -E_NOMEM ? -E_AGAIN : r;
        goto out_release;
    }
    /* The child returns from its FORK call as if answered: status 0, one word, pid 0. */
    regs.rax = 0;
    regs.rdi = 0;
    regs.rsi = IPC_INFO(PROTO_STATUS_LABEL(0), sizeof(struct pm_fork_rep) / 8, 0, 0);
    regs.rdx = 0;
    regs.r10 = regs.r8 = regs.r9 = 0;
    if ((r = sys_thread_start_regs(c->img.thread, &regs)) < 0) {
        vfs_tell(VFS_DROP, c->badge);
        goto out_release;
    }
    memcpy(c->name, p->name, sizeof(c->name));
    memcpy(c->cmd, p->cmd, sizeof(c->cmd));
    c->pgid = p->pgid;
    c->sid = p->sid;
    c->sig_handled = p->sig_handled;
    c->sig_ignored = p->sig_ignored;
    c->sig_entry = p->sig_entry;
    c->sig_serial = p->sig_serial;      /* the child's runtime remembers the parent's count */
    rp->pid = c->pid;
    return 0;

out_release:
    pm_image_release(&c->img);
out_free:
    delete_slot(&c->ep);
    quota_close(c);
    pm_proc_free(&table, c);
    return r;
}

/* Reads the NUL-terminated string at vaddr of p into dst (room bytes); its length or an error. */
static long read_string(struct pm_proc *p, uint64_t vaddr, char *dst, uint64_t room)
{
    uint64_t len = 0;

    while (len < room) {
        uint64_t n = PAGE - ((vaddr + len) & (PAGE - 1));
        long r;

        if (n > room - len)
            n = room - len;
        if ((r = pm_image_read(&p->img, vaddr + len, dst + len, n)) < 0)
            return r;
        for (uint64_t i = 0; i < n; i++)
            if (dst[len + i] == '\0')
                return (long)(len + i);
        len += n;
    }
    return -E_RANGE;
}

/* Appends the strings of the NULL-terminated vector at vaddr of p to args[*used...]. */
static long read_vector(struct pm_proc *p, uint64_t vaddr, uint64_t *used, uint64_t *count)
{
    for (uint64_t i = 0;; i++) {
        uint64_t ptr;
        long r;

        if (vaddr == 0)
            return 0;               /* a NULL vector is an empty one (as Linux takes it) */
        if ((r = pm_image_read(&p->img, vaddr + i * 8, &ptr, 8)) < 0)
            return r;
        if (ptr == 0)
            return 0;
        if (*count >= PM_ARG_COUNT)
            return -E_RANGE;
        if ((r = read_string(p, ptr, args + *used, PM_ARG_MAX - *used)) < 0)
            return r;
        *used += (uint64_t)r + 1;
        (*count)++;
    }
}

static long do_exec(void *ctx, const struct pm_exec_req *rq, struct pm_exec_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller;
    char path[PM_PATH_MAX];
    struct pm_image *img = &spare;
    struct agora_regs regs;
    uint64_t used = 0, argc = 0, envc = 0;
    long r;

    (void)rp;
    if ((r = read_string(p, rq->path, path, sizeof(path))) < 0)
        return r == -E_RANGE ? -E_NAMETOOLONG : r;
    if (r == 0)
        return -E_NOENT;
    if ((r = read_vector(p, rq->argv, &used, &argc)) < 0 ||
        (r = read_vector(p, rq->envp, &used, &envc)) < 0)
        return r;
    if ((r = build_image(p, path, args, used, argc, envc, img, &regs)) < 0)
        return r;
    /* The point of no return: the old image (and the caller's thread) goes. */
    pm_image_release(&p->img);
    p->img = *img;
    vfs_tell(VFS_EXEC, p->badge);
    set_name(p, path);
    set_cmd(p, args, argc);
    p->execed = true;
    p->sig_handled = p->sig_pending = 0;   /* handlers are gone with the image; ignored stays */
    p->sig_entry = 0;
    p->sig_serial = 0;
    if ((r = sys_thread_start(p->img.thread, regs.rip, regs.rsp, regs.rdi)) < 0)
        pm_proc_end(p, pm_status_signaled(PM_SIGKILL));
    return NO_REPLY;
}

static long do_exit(void *ctx, const struct pm_exit_req *rq, struct pm_exit_rep *rp)
{
    (void)rp;
    pm_proc_end(((struct pm_call *)ctx)->caller, pm_status_exited(rq->status));
    return NO_REPLY;
}

static long do_wait(void *ctx, const struct pm_wait_req *rq, struct pm_wait_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller, *ready;
    long slot;

    if (rq->options & ~(uint64_t)(PM_WNOHANG | PM_WUNTRACED))
        return -E_INVAL;
    if (!pm_wait_find(&table, p, rq->pid, rq->options, &ready))
        return -E_CHILD;
    if (ready) {
        take_child(ready, rp);
        return 0;
    }
    if (rq->options & PM_WNOHANG)
        return 0;                   /* pid 0: none is ready yet */
    if ((slot = agora_slot_alloc()) < 0)
        return -E_NOMEM;
    if (sys_reply_save((uint64_t)slot) < 0) {
        agora_slot_free((uint64_t)slot);
        return -E_NOMEM;
    }
    p->waiting = true;
    p->wait_pid = rq->pid;
    p->wait_options = rq->options;
    p->wait_reply = (uint64_t)slot;
    return NO_REPLY;
}

static long do_getpid(void *ctx, const struct pm_getpid_req *rq, struct pm_getpid_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller;

    (void)rq;
    rp->pid = p->pid;
    rp->ppid = p->ppid;
    return 0;
}

static long do_kill(void *ctx, const struct pm_kill_req *rq, struct pm_kill_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller;
    unsigned found = 0;

    (void)rp;
    if (rq->sig < 0 || rq->sig >= PM_NSIG)
        return -E_INVAL;
    if (pm_svc_pid(rq->pid))
        return pm_svc_kill(rq->pid, rq->sig);     /* a driver the supervisor started */
    if (rq->pid > 0) {
        struct pm_proc *target = pm_proc_by_pid(&table, rq->pid);

        if (!target || (target->state != PM_ALIVE && rq->sig != 0))
            return -E_SRCH;
        pm_signal(target, (int)rq->sig);
        found = 1;
    } else if (rq->pid == -1) {
        for (unsigned i = 0; i < PM_MAX_PROCS; i++) {
            struct pm_proc *t = &table.procs[i];

            if (t->state == PM_ALIVE && t->pid != 1 && t != p) {
                found++;
                pm_signal(t, (int)rq->sig);
            }
        }
    } else {
        found = pm_signal_group(rq->pid == 0 ? p->pgid : -rq->pid, (int)rq->sig);
    }
    if (!found)
        return -E_SRCH;
    return p->state == PM_ALIVE ? 0 : NO_REPLY;
}

static long do_brk(void *ctx, const struct pm_brk_req *rq, struct pm_brk_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller;
    long r = pm_image_brk(&p->img, p->pool, rq->end);

    if (r < 0)
        return r;
    rp->mapped = (uint64_t)r;
    return 0;
}

static long do_reboot(void *ctx, const struct pm_reboot_req *rq, struct pm_reboot_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller;
    char why[64];

    (void)rp;
    if (rq->how != PM_REBOOT_POWER_OFF && rq->how != PM_REBOOT_HALT)
        return -E_INVAL;
    agora_snprintf(why, sizeof(why), "pid %ld (%s) asked", (long)p->pid, p->name);
    return power_off(why);
}

static long do_setpgid(void *ctx, const struct pm_setpgid_req *rq, struct pm_setpgid_rep *rp)
{
    (void)rp;
    return pm_setpgid(&table, ((struct pm_call *)ctx)->caller, rq->pid, rq->pgid);
}

static long do_getpgid(void *ctx, const struct pm_getpgid_req *rq, struct pm_getpgid_rep *rp)
{
    struct pm_proc *p = rq->pid == 0 ? ((struct pm_call *)ctx)->caller : pm_proc_by_pid(&table, rq->pid);

    if (!p || rq->pid < 0)
        return -E_SRCH;
    rp->pgid = p->pgid;
    rp->sid = p->sid;
    return 0;
}

static long do_setsid(void *ctx, const struct pm_setsid_req *rq, struct pm_setsid_rep *rp)
{
    long r = pm_setsid(&table, ((struct pm_call *)ctx)->caller);

    (void)rq;
    if (r < 0)
        return r;
    rp->sid = r;
    return 0;
}

/* Bits 1..31 that a handler or SIG_IGN may take (not SIGKILL, not SIGSTOP). */
#define SIG_SETTABLE (((1ull << PM_NSIG) - 2) & ~PM_SIG_BIT(PM_SIGKILL) & ~PM_SIG_BIT(PM_SIGSTOP))

static long do_sigstate(void *ctx, const struct pm_sigstate_req *rq, struct pm_sigstate_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller;

    if (rq->set > 1)
        return -E_INVAL;
    if (rq->set) {
        p->sig_entry = rq->entry;
        p->sig_handled = rq->handled & SIG_SETTABLE;
        p->sig_ignored = rq->ignored & SIG_SETTABLE & ~p->sig_handled;
        p->sig_pending &= ~p->sig_ignored;
    }
    rp->handled = p->sig_handled;
    rp->ignored = p->sig_ignored;
    return 0;
}

static long do_sigreturn(void *ctx, const struct pm_sigreturn_req *rq, struct pm_sigreturn_rep *rp)
{
    (void)rp;
    return pm_signal_return(((struct pm_call *)ctx)->caller, rq->frame);
}

static long do_sigwait(void *ctx, const struct pm_sigwait_req *rq, struct pm_sigwait_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller;
    uint64_t ready = p->sig_pending & p->sig_handled;
    long slot;

    /* A delivery through the stack since the runtime looked, or signals here: answer now. */
    if (rq->serial != p->sig_serial || ready) {
        p->sig_pending &= ~ready;
        rp->sigs = ready;
        rp->serial = p->sig_serial;
        return 0;
    }
    if ((slot = agora_slot_alloc()) < 0)
        return -E_NOMEM;
    if (sys_reply_save((uint64_t)slot) < 0) {
        agora_slot_free((uint64_t)slot);
        return -E_NOMEM;
    }
    p->sigwaiting = true;
    p->sigwait_reply = (uint64_t)slot;
    return NO_REPLY;
}

static long do_tcgetpgrp(void *ctx, const struct pm_tcgetpgrp_req *rq, struct pm_tcgetpgrp_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller;

    (void)rq;
    if (!pm_tty_sid || p->sid != pm_tty_sid)
        return -E_NOTTY;
    rp->pgrp = pm_tty_fg;
    return 0;
}

static long do_tcsetpgrp(void *ctx, const struct pm_tcsetpgrp_req *rq, struct pm_tcsetpgrp_rep *rp)
{
    struct pm_proc *p = ((struct pm_call *)ctx)->caller;

    (void)rp;
    if (!pm_tty_sid || p->sid != pm_tty_sid)
        return -E_NOTTY;
    if (rq->pgrp <= 0)
        return -E_INVAL;
    if (!pm_pgrp_in_session(&table, rq->pgrp, p->sid))
        return -E_PERM;
    pm_tty_fg = rq->pgrp;
    return 0;
}

static long do_tty_signal(void *ctx, const struct pm_tty_signal_req *rq, struct pm_tty_signal_rep *rp)
{
    (void)ctx;
    (void)rp;
    if (rq->sig <= 0 || rq->sig >= PM_NSIG)
        return -E_INVAL;
    if (pm_tty_sid)
        pm_signal_group(pm_tty_fg, (int)rq->sig);
    return 0;
}

static long do_proc_info(void *ctx, const struct pm_proc_info_req *rq, struct pm_proc_info_rep *rp)
{
    struct pm_proc *next = 0;

    (void)ctx;
    for (unsigned i = 0; i < PM_MAX_PROCS; i++) {
        struct pm_proc *p = &table.procs[i];

        if (p->state != PM_FREE && p->pid > rq->after && (!next || p->pid < next->pid))
            next = p;
    }
    if (!next)
        return -E_SRCH;
    rp->info.pid = next->pid;
    rp->info.ppid = next->ppid;
    rp->info.pgid = next->pgid;
    rp->info.sid = next->sid;
    rp->info.state = next->state == PM_ZOMBIE ? 'Z' : next->stopped ? 'T' : 'R';
    rp->info.tty_fg = pm_tty_sid && next->sid == pm_tty_sid && next->pgid == pm_tty_fg;
    memcpy(rp->info.cmd, next->cmd, sizeof(rp->info.cmd));
    return 0;
}

static long do_alarm(void *ctx, const struct pm_alarm_req *rq, struct pm_alarm_rep *rp)
{
    if (rq->set > 1)
        return -E_INVAL;
    return pm_timer_set(((struct pm_call *)ctx)->caller, rq->set == 1, rq->value_us, rq->interval_us,
                        &rp->old_value_us, &rp->old_interval_us);
}

static const struct pm_handlers handlers = {
    .pm_fork = do_fork,
    .pm_exec = do_exec,
    .pm_exit = do_exit,
    .pm_wait = do_wait,
    .pm_getpid = do_getpid,
    .pm_kill = do_kill,
    .pm_brk = do_brk,
    .pm_reboot = do_reboot,
    .pm_setpgid = do_setpgid,
    .pm_getpgid = do_getpgid,
    .pm_setsid = do_setsid,
    .pm_sigstate = do_sigstate,
    .pm_sigreturn = do_sigreturn,
    .pm_sigwait = do_sigwait,
    .pm_tcgetpgrp = do_tcgetpgrp,
    .pm_tcsetpgrp = do_tcsetpgrp,
    .pm_tty_signal = do_tty_signal,
    .pm_proc_info = do_proc_info,
    .pm_alarm = do_alarm,
};

/* TTY_SIGNAL alone, for callers that are not processes (the tty server). */
static const struct pm_handlers server_handlers = {
    .pm_tty_signal = do_tty_signal,
};

/*
 * A fault of a process's thread (the kernel's message). A write to a copy-on-write page is
 * served (true: *m is the reply that resumes the thread); anything else ends the process
 * with a signal, and so does a copy that does not fit its quota (SIGKILL).
 */
static bool fault(struct pm_proc *p, struct agora_msg *m)
{
    int sig = PM_SIGSEGV;
    long r;

    if (IPC_LABEL(m->info) == IPC_LABEL_PAGE_FAULT) {
        r = pm_image_fault(&p->img, p->pool, m->mr[0], m->mr[1]);
        if (r == 0) {
            m->info = IPC_INFO(IPC_LABEL_RESUME, 0, 0, 0);
            return true;
        }
        if (r != -E_FAULT) {
            sig = PM_SIGKILL;
            agora_printf("pm: pid %ld (%s): no memory for a copy-on-write page at 0x%lx (%s: its quota is "
                         "%d pages): ends with SIGKILL\n", (long)p->pid, p->name, (unsigned long)m->mr[0],
                         agora_error_name(r), PM_PROC_PAGES);
        } else {
            agora_printf("pm: pid %ld (%s): page fault at 0x%lx, rip 0x%lx\n", (long)p->pid, p->name,
                         (unsigned long)m->mr[0], (unsigned long)m->mr[2]);
        }
    } else {
        sig = m->mr[0] == 0 ? PM_SIGFPE : m->mr[0] == 13 ? PM_SIGSEGV : PM_SIGILL;
        agora_printf("pm: pid %ld (%s): exception %lu at rip 0x%lx\n", (long)p->pid, p->name,
                     (unsigned long)m->mr[0], (unsigned long)m->mr[2]);
    }
    pm_proc_end(p, pm_status_signaled(sig));
    return false;
}

/* Turns the message in *m into its reply; false when no reply is to be sent. */
static bool handle(struct agora_msg *m)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    uint64_t in[IPC_MAX_WORDS], out[IPC_MAX_WORDS], in_bytes, out_bytes = 0;
    struct pm_call call = { pm_proc_by_badge(&table, m->badge) };
    uint32_t label = IPC_LABEL(m->info);
    long status;

    /*
     * A fault of a live process's thread: copy-on-write is answered, anything else ends it
     * (no reply). A process forging the label only makes its own page private. The same
     * label from anyone else (a task that is not one of pm's processes, or a late fault of
     * a process already gone) gets -E_PERM below, as every other request of theirs: no
     * reply would leave the caller waiting for good.
     */
    if ((label == IPC_LABEL_PAGE_FAULT || label == IPC_LABEL_EXCEPTION) && call.caller &&
        call.caller->state == PM_ALIVE)
        return fault(call.caller, m);
    if (m->badge == PM_TIMER_BADGE && label == PM_TIMER_LABEL) {
        pm_timer_tick(m);
        return true;
    }
    memset(out, 0, sizeof(out));
    in_bytes = proto_unpack_any(m, b, in);
    if (IPC_CAPS(m->info))
        status = -E_RANGE;
    else if (call.caller && call.caller->state == PM_ALIVE)
        status = pm_dispatch(&handlers, &call, label, in, in_bytes, out, &out_bytes);
    else if (!call.caller && m->badge != 0 && m->badge < PM_BADGE_BASE && label == PM_TTY_SIGNAL)
        status = pm_dispatch(&server_handlers, &call, label, in, in_bytes, out, &out_bytes);
    else
        status = -E_PERM;
    if (status == NO_REPLY)
        return false;
    proto_reply_pack(m, b, status, out, out_bytes, 0);
    return true;
}

/* ---- start ---- */

/*
 * root=NAME on the command line: the root file system comes from a server that mounts
 * itself on "/" (ext2, once pci, virtio-blk and the disk are ready), so pid 1 waits for a
 * mount on "/", as Linux's rootwait does, polling vfs's mount list every 20 ms for up to
 * ROOT_WAIT_MS; without one it goes on with vfs's own tree (and says so).
 */
#define ROOT_WAIT_MS 30000u
#define ROOT_POLL_MS 20u

static bool root_mounted(void)
{
    for (uint64_t i = 0;; i++) {
        struct vfs_mounts_req rq = { .index = i };
        struct vfs_mounts_rep rp;

        if (vfs_mounts_call(vfs_ep, &rq, &rp, 0) < 0)
            return false;
        if (rp.path.len == 1 && rp.path.bytes[0] == '/')
            return true;
    }
}

static void wait_for_root(void)
{
    char root[16];

    if (!agora_cmdline_get("root", root, sizeof(root)) || vfs_ep == CAP_NULL)
        return;
    for (unsigned ms = 0; ms < ROOT_WAIT_MS; ms += ROOT_POLL_MS) {
        if (root_mounted())
            return;
        if (ms == 5000)
            agora_printf("pm: waiting for the root file system (root=%s)\n", root);
        sys_sleep(ROOT_POLL_MS * 1000u);
    }
    agora_printf("pm: no root file system on \"/\" after %u s (root=%s): going on without it\n",
                 ROOT_WAIT_MS / 1000, root);
}

/*
 * pid 1: the program named by posix_init=PATH, with argv { PATH } and a small environment.
 * With posix_login=1, argv[0] is "-" and PATH's last component ("-sh"), as login(1) starts
 * a shell: a login shell reads /etc/profile.
 */
static void start_first(void)
{
    static const char env[] = "PATH=/bin\0HOME=/\0TERM=vt100";
    char path[PM_PATH_MAX], login[2];
    struct pm_proc *p;
    struct agora_regs regs;
    uint64_t used;
    long r;

    if (!agora_cmdline_get("posix_init", path, sizeof(path))) {
        agora_printf("pm: no posix_init=PATH on the command line: no first process\n");
        return;
    }
    wait_for_root();
    if (agora_cmdline_get("posix_login", login, sizeof(login)) && login[0] == '1') {
        const char *base = path;

        for (const char *c = path; *c; c++)
            if (*c == '/' && c[1])
                base = c + 1;

        args[0] = '-';
        used = strlen(base) + 1;
        memcpy(args + 1, base, used);
        used++;
    } else {
        used = strlen(path) + 1;
        memcpy(args, path, used);
    }
    memcpy(args + used, env, sizeof(env));
    used += sizeof(env);
    p = pm_proc_new(&table, 0);
    r = -E_NOMEM;
    if (!p || (r = quota_open(p)) < 0)
        goto fail;
    r = -E_NOMEM;
    if ((p->ep = badged_copy(endpoint, RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY, p->badge)) == CAP_NULL)
        goto fail;
    if ((r = build_image(p, path, args, used, 1, 3, &spare, &regs)) < 0)
        goto fail;
    p->img = spare;
    set_name(p, path);
    set_cmd(p, args, 1);
    if ((r = sys_thread_start(p->img.thread, regs.rip, regs.rsp, regs.rdi)) < 0)
        goto fail;
    pm_tty_sid = pm_tty_fg = p->pid;    /* pid 1's session has the console */
    agora_printf("pm: started %s as pid %ld\n", path, (long)p->pid);
    return;
fail:
    agora_printf("pm: cannot start %s: %s\n", path, agora_error_name(r));
    if (p) {
        pm_image_release(&p->img);
        delete_slot(&p->ep);
        quota_close(p);
        pm_proc_free(&table, p);
    }
}

/* vfs, looked up as PM_BADGE_SELF (so vfs knows pm), waiting for it to register. */
static void find_vfs(void)
{
    struct names_lookup_req rq;
    struct names_lookup_rep rp;
    long r = -E_NOCAP, slot = agora_slot_alloc();

    if (slot < 0 || names_self == CAP_NULL)
        return;
    PROTO_STR_SET(rq.name, "vfs");
    for (int i = 0; i < VFS_WAIT_TRIES && r == -E_NOCAP; i++) {
        struct proto_caps caps = { .nrecv = 1, .recv = { (uint64_t)slot } };

        r = names_lookup_call(names_self, &rq, &rp, &caps);
        if (r == 0 && caps.received != NAMES_LOOKUP_REPLY_CAPS)
            r = -E_RANGE;
        if (r == -E_NOCAP)
            sys_sleep(VFS_WAIT_US);
    }
    if (r < 0) {
        agora_printf("pm: no vfs (%s): programs cannot be loaded\n", agora_error_name(r));
        return;
    }
    vfs_ep = (uint64_t)slot;
}

static long start(void)
{
    long slot, r;

    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    pm_table_init(&table);
    pm_cow_init(&pm_cow);
    if ((slot = agora_slot_alloc()) < 0)
        return slot;
    endpoint = (uint64_t)slot;
    if ((r = sys_endpoint_create(CAP_CHILD_POOL, endpoint)) < 0)
        return r;
    names_self = badged_copy(CAP_PM_NAMES_MINT, RIGHT_WRITE | RIGHT_GRANT | RIGHT_COPY, PM_BADGE_SELF);
    if (names_self == CAP_NULL)
        agora_printf("pm: no names endpoint to badge: processes run without names and vfs\n");
    vfs_ep = CAP_NULL;
    find_vfs();
    /* Reachable through names too (a badged copy per client: unknown ones get -E_PERM). */
    if ((r = names_register("pm", endpoint)) < 0)
        agora_printf("pm: cannot register with names: %s\n", agora_error_name(r));
    if ((r = pm_timer_start(endpoint)) < 0)
        agora_printf("pm: no timer thread (%s): alarm() never fires\n", agora_error_name(r));
    return 0;
}

int main(uint64_t arg)
{
    struct agora_msg m;
    long r;

    (void)arg;
    if ((r = start()) < 0) {
        agora_printf("pm: cannot start: %s: exiting\n", agora_error_name(r));
        return 1;
    }
    agora_printf("pm: serving (at most %d processes of %d pages each)\n", PM_MAX_PROCS, PM_PROC_PAGES);
    start_first();
    agora_ipc_accept_nothing(agora_ipc_buffer());
    r = sys_recv(endpoint, &m);
    for (;;) {
        if (r < 0) {
            agora_printf("pm: receiving failed: %s: exiting\n", agora_error_name(r));
            return 1;
        }
        bool reply = handle(&m);

        /* Handlers run once the request is answered (its sender may be the one to get one). */
        if (pm_signal_deliverable()) {
            if (reply)
                sys_reply(&m);
            reply = false;
            pm_signal_deliver_all();
            pm_timer_changed();         /* one still undelivered (busy): try again soon */
        }
        agora_ipc_accept_nothing(agora_ipc_buffer());
        r = reply ? sys_reply_recv(endpoint, &m) : sys_recv(endpoint, &m);
    }
}
