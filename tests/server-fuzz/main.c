/*
 * server-fuzz: sends names, vfs, pm, serial, tty, tmpfs, pci, virtio-blk and (when it runs) ext2 malformed
 * requests directly (sys_call):
 * wrong word counts, unknown labels, bad strings, nonsense numbers, unexpected capabilities
 * and memory, then random messages from a fixed-seed PRNG. Every call must come back
 * promptly with an error, and after each batch the server must still answer a valid
 * request. Reports and halts the machine with its verdict (test= gives it the machine).
 * vfs also gets malformed MOUNT, UNMOUNT and MOUNTS requests; tmpfs (a file-system server,
 * proto/fs.h) and ext2 (another) must refuse everything from us, a stranger, with -E_PERM.
 */
#include <agora/errors.h>
#include <agora/objects.h>
#include <agora/proto/blk.h>
#include <agora/proto/char.h>
#include <agora/proto/fs.h>
#include <agora/proto/init.h>
#include <agora/proto/names.h>
#include <agora/proto/pci.h>
#include <agora/proto/pm.h>
#include <agora/proto/svc.h>
#include <agora/proto/tty.h>
#include <agora/proto/vfs.h>
#include <libagora/names.h>
#include <libagora/pci.h>
#include <libagora/printf.h>
#include <libagora/proto.h>
#include <libagora/runtime.h>
#include <libagora/spawn.h>
#include <libagora/string.h>
#include <libagora/sys.h>
#include <libagora/vfs.h>

#define LOOKUP_TRIES   300          /* x 10 ms: services register as they start */
#define OPTIONAL_TRIES 200          /* x 10 ms: ext2, after virtio-blk (it mounts its disk first) */
#define SLOW_US        2000000      /* a call taking longer than this counts as a hang */
#define RANDOM_PER_SRV 800
#define RANDOM_BATCH   200

/* ---- the messages of each protocol: label and request words ---- */

struct msgdef {
    uint32_t label;
    unsigned words;
    const char *name;
};

#define MSGDEF(label, prefix, num, req, rep) { label, sizeof(struct prefix##_req) / 8, #label },
static const struct msgdef names_msgs[] = { NAMES_MSG_LIST(MSGDEF, PROTO_FIELD_DECL) };
static const struct msgdef vfs_msgs[] = { VFS_MSG_LIST(MSGDEF, PROTO_FIELD_DECL) };
static const struct msgdef char_msgs[] = { CHAR_MSG_LIST(MSGDEF, PROTO_FIELD_DECL) };
static const struct msgdef tty_msgs[] = { TTY_MSG_LIST(MSGDEF, PROTO_FIELD_DECL) };
static const struct msgdef pm_msgs[] = { PM_MSG_LIST(MSGDEF, PROTO_FIELD_DECL) };
static const struct msgdef fs_msgs[] = { FS_MSG_LIST(MSGDEF, PROTO_FIELD_DECL) };
static const struct msgdef pci_msgs[] = { PCI_MSG_LIST(MSGDEF, PROTO_FIELD_DECL) };
static const struct msgdef blk_msgs[] = { BLK_MSG_LIST(MSGDEF, PROTO_FIELD_DECL) };
static const struct msgdef svc_msgs[] = { SVC_MSG_LIST(MSGDEF, PROTO_FIELD_DECL) };
#undef MSGDEF
#define N(a) (sizeof(a) / sizeof((a)[0]))

struct proto {
    const struct msgdef *msgs;
    unsigned n;
    uint32_t id;
};
static const struct proto protos[] = {
    { names_msgs, N(names_msgs), PROTO_ID_NAMES },
    { vfs_msgs, N(vfs_msgs), PROTO_ID_VFS },
    { char_msgs, N(char_msgs), PROTO_ID_CHAR },
    { tty_msgs, N(tty_msgs), PROTO_ID_TTY },
    { pm_msgs, N(pm_msgs), PROTO_ID_PM },
    { fs_msgs, N(fs_msgs), PROTO_ID_FS },
    { pci_msgs, N(pci_msgs), PROTO_ID_PCI },
    { blk_msgs, N(blk_msgs), PROTO_ID_BLK },
    { svc_msgs, N(svc_msgs), PROTO_ID_SVC },
};

/* ---- the servers ---- */

enum srv { S_NAMES, S_VFS, S_PM, S_SERIAL, S_TTY, S_TMPFS, S_PCI, S_VBLK, S_EXT2, S_SVC, S_COUNT };

struct server {
    const char *name;
    uint64_t ep;
    uint32_t protos;                 /* bit per PROTO_ID: the protocols it serves */
    bool optional;                   /* fuzzed when it runs (ext2: only with an ext2 disk) */
    unsigned calls, errors, oks, kernel_errs, slow, dead;
};
static struct server servers[S_COUNT] = {
    [S_NAMES] = { "names", CAP_NAMES, 1u << PROTO_ID_NAMES },
    [S_VFS] = { "vfs", 0, 1u << PROTO_ID_VFS },
    [S_PM] = { "pm", 0, 1u << PROTO_ID_PM },
    [S_SERIAL] = { "serial", 0, 1u << PROTO_ID_CHAR },
    [S_TTY] = { "tty", 0, (1u << PROTO_ID_CHAR) | (1u << PROTO_ID_TTY) },
    [S_TMPFS] = { "tmpfs", 0, 1u << PROTO_ID_FS },
    [S_PCI] = { "pci", 0, 1u << PROTO_ID_PCI },
    [S_VBLK] = { "virtio-blk", 0, 1u << PROTO_ID_BLK },
    [S_EXT2] = { "ext2", 0, 1u << PROTO_ID_FS, true },
    [S_SVC] = { "supervisor", 0, 1u << PROTO_ID_SVC, true },
};

static int passed, failed;
static uint64_t my_ep, my_notify;
static uint8_t mem_page[4096] __attribute__((aligned(4096)));

static void result(bool ok, const char *what, struct server *s, long got)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    agora_printf("server-fuzz: FAIL %s: %s: got %ld (%s)\n", s->name, what, got,
                 got < 0 ? agora_error_name(got) : "success");
}

/* ---- raw calls ---- */

struct raw {
    uint64_t info;
    uint64_t w[IPC_MAX_WORDS];
    unsigned ncaps;
    uint64_t caps[IPC_MAX_CAPS], rights[IPC_MAX_CAPS];
    bool mem;
    uint64_t mem_vaddr, mem_pages, mem_flags;
};

/*
 * Sends the message; returns the kernel's error or the reply's status (0 or negative; a
 * positive status label is returned as is). Accepts no capabilities and no memory back.
 */
static long raw_send(struct server *s, const struct raw *q)
{
    struct agora_ipc_buffer *b = agora_ipc_buffer();
    struct agora_msg m;
    long r, t0, dt;
    unsigned words = IPC_WORDS(q->info);

    for (unsigned i = 0; i < IPC_MAX_CAPS; i++) {
        b->send_caps[i] = i < q->ncaps ? q->caps[i] : 0;
        b->send_cap_rights[i] = i < q->ncaps ? q->rights[i] : 0;
        b->recv_cap_slots[i] = 0;
    }
    b->send_mem_vaddr = q->mem_vaddr;
    b->send_mem_pages = q->mem_pages;
    b->send_mem_flags = q->mem_flags;
    b->recv_window_vaddr = 0;
    b->recv_window_pages = 0;
    m.info = q->info;
    m.badge = 0;
    for (unsigned i = 0; i < IPC_REG_WORDS; i++)
        m.mr[i] = q->w[i];
    if (words > IPC_REG_WORDS)
        memcpy(&b->mr[IPC_REG_WORDS], &q->w[IPC_REG_WORDS],
               ((words < IPC_MAX_WORDS ? words : IPC_MAX_WORDS) - IPC_REG_WORDS) * 8);
    t0 = sys_clock();
    r = sys_call(s->ep, &m);
    dt = sys_clock() - t0;
    s->calls++;
    if (dt > SLOW_US) {
        s->slow++;
        agora_printf("server-fuzz: FAIL %s: a call took %ld ms (label 0x%x, %u words)\n", s->name,
                     dt / 1000, IPC_LABEL(q->info), words);
        failed++;
    }
    if (r < 0) {
        s->kernel_errs++;
        if (r == -E_DEAD)
            s->dead++;
        return r;
    }
    r = PROTO_LABEL_STATUS(IPC_LABEL(m.info));
    if (r < 0)
        s->errors++;
    else
        s->oks++;
    return r;
}

static void raw_init(struct raw *q, uint32_t label, unsigned words)
{
    memset(q, 0, sizeof(*q));
    q->info = IPC_INFO(label, words, 0, 0);
}

/* One message that must be refused (kernel error or negative status). */
static void expect_error(struct server *s, const char *what, const struct raw *q)
{
    long r = raw_send(s, q);

    result(r < 0, what, s, r);
}

/* The same, with words and caps from a request struct. */
static void expect_error_req(struct server *s, const char *what, uint32_t label, const void *req,
                             size_t bytes)
{
    struct raw q;

    raw_init(&q, label, (unsigned)(bytes / 8));
    memcpy(q.w, req, bytes);
    expect_error(s, what, &q);
}

/* The supervisor: names it does not have, bad strings, kinds, pids and signals, READY from a stranger. */
static void fuzz_svc(struct server *s)
{
    struct svc_fault_req fq;
    struct svc_kill_pid_req kq;
    struct svc_info_req iq = { .index = 1000 };
    struct raw q;
    long r;

    memset(&fq, 0, sizeof(fq));
    expect_error_req(s, "FAULT with an empty name", SVC_FAULT, &fq, sizeof(fq));
    PROTO_STR_SET(fq.name, "no-such-driver");
    fq.kind = SVC_FAULT_CRASH;
    fq.count = 1;
    expect_error_req(s, "FAULT of an unknown service", SVC_FAULT, &fq, sizeof(fq));
    PROTO_STR_SET(fq.name, "serial");
    fq.kind = SVC_FAULT_KINDS;
    expect_error_req(s, "FAULT of an unknown kind", SVC_FAULT, &fq, sizeof(fq));
    fq.kind = ~0ull;
    expect_error_req(s, "FAULT of kind 2^64-1", SVC_FAULT, &fq, sizeof(fq));
    fq.name.len = sizeof(fq.name.bytes);
    expect_error_req(s, "FAULT with a length past the field", SVC_FAULT, &fq, sizeof(fq));
    fq.name.len = 3;                 /* "ser" but bytes[3] is 'i': not NUL-terminated there */
    expect_error_req(s, "FAULT with a length before the NUL", SVC_FAULT, &fq, sizeof(fq));
    expect_error_req(s, "RESTART of a bad string", SVC_RESTART, &fq, sizeof(struct svc_restart_req));
    expect_error_req(s, "KILL of a bad string", SVC_KILL, &fq, sizeof(struct svc_kill_req));
    expect_error_req(s, "INFO past the last", SVC_INFO, &iq, sizeof(iq));
    iq.index = ~0ull;
    expect_error_req(s, "INFO of 2^64-1", SVC_INFO, &iq, sizeof(iq));
    kq = (struct svc_kill_pid_req){ .pid = SVC_PID_BASE - 1, .sig = 9 };
    expect_error_req(s, "KILL_PID of a pid below the range", SVC_KILL_PID, &kq, sizeof(kq));
    kq = (struct svc_kill_pid_req){ .pid = SVC_PID_LIMIT, .sig = 9 };
    expect_error_req(s, "KILL_PID of a pid above the range", SVC_KILL_PID, &kq, sizeof(kq));
    kq = (struct svc_kill_pid_req){ .pid = SVC_PID_BASE, .sig = -1 };
    expect_error_req(s, "KILL_PID with signal -1", SVC_KILL_PID, &kq, sizeof(kq));
    kq.sig = 64;
    expect_error_req(s, "KILL_PID with signal 64", SVC_KILL_PID, &kq, sizeof(kq));
    /* READY is for the supervisor's children: a stranger gets -E_PERM, with or without a capability. */
    raw_init(&q, SVC_READY, 0);
    r = raw_send(s, &q);
    result(r == -E_PERM, "READY from a stranger", s, r);
    raw_init(&q, SVC_READY, 0);
    q.ncaps = 1;
    q.caps[0] = my_ep;
    q.rights[0] = RIGHT_WRITE;
    r = raw_send(s, &q);
    result(r == -E_PERM, "READY from a stranger with an endpoint", s, r);
    /* IMAGE without an ADD of ours; ADD of a known name, of a bad line, of too big an image. */
    {
        struct svc_image_req mq;
        struct svc_add_req aq;

        memset(&mq, 0, sizeof(mq));
        mq.len = 16;
        expect_error_req(s, "IMAGE without ADD", SVC_IMAGE, &mq, sizeof(mq));
        memset(&aq, 0, sizeof(aq));
        PROTO_STR_SET(aq.line, "serial");
        expect_error_req(s, "ADD of a known service", SVC_ADD, &aq, sizeof(aq));
        PROTO_STR_SET(aq.line, "fuzzed ports=1+0");
        expect_error_req(s, "ADD of a bad line", SVC_ADD, &aq, sizeof(aq));
        PROTO_STR_SET(aq.line, "fuzzed image=no-such-module");
        expect_error_req(s, "ADD of an unknown boot module", SVC_ADD, &aq, sizeof(aq));
        aq.image_bytes = SVC_IMAGE_MAX + 1;
        expect_error_req(s, "ADD of too big an image", SVC_ADD, &aq, sizeof(aq));
        PROTO_STR_SET(aq.line, "a\nb");
        aq.image_bytes = 0;
        expect_error_req(s, "ADD of two lines", SVC_ADD, &aq, sizeof(aq));
    }
    /* PING and INJECT are the drivers' to answer, not the supervisor's. */
    raw_init(&q, SVC_PING, 0);
    expect_error(s, "PING to the supervisor", &q);
    raw_init(&q, SVC_INJECT, 2);
    q.w[0] = SVC_FAULT_CRASH, q.w[1] = 1;
    expect_error(s, "INJECT to the supervisor", &q);
}

/* A driver takes PING and INJECT only from the supervisor's control badge: from us, -E_PERM. */
static void fuzz_control(struct server *s)
{
    struct raw q;
    long r;

    raw_init(&q, SVC_INJECT, 2);
    q.w[0] = SVC_FAULT_CRASH, q.w[1] = 1000;
    r = raw_send(s, &q);
    result(r == -E_PERM, "INJECT from a stranger", s, r);
    raw_init(&q, SVC_PING, 0);
    r = raw_send(s, &q);
    result(r == -E_PERM, "PING from a stranger", s, r);
}

/* ---- is it still there? ---- */

static void check_alive(struct server *s, const char *after)
{
    char what[80];
    long r = -E_INVAL;
    bool ok = false;

    agora_snprintf(what, sizeof(what), "valid request after %s", after);
    switch (s - servers) {
    case S_NAMES: {
        struct names_list_req rq = { .start = 0 };
        struct names_list_rep rp;

        r = names_list_call(s->ep, &rq, &rp, 0);
        ok = r == 0 && rp.total >= 4 && rp.count >= 1;
        break;
    }
    case S_VFS: {
        struct vfs_stat_req rq;
        struct vfs_stat_rep rp;

        memset(&rq, 0, sizeof(rq));
        PROTO_STR_SET(rq.path, "/");
        r = vfs_stat_call(s->ep, &rq, &rp, 0);
        ok = r == 0 && (rp.st.mode & VFS_S_IFMT) == VFS_S_IFDIR;
        break;
    }
    case S_PM: {
        struct pm_getpid_rep rp;

        /* We are no process of pm's: the right answer is -E_PERM, at once. */
        r = proto_call(s->ep, PM_GETPID, 0, 0, &rp, sizeof(rp), 0);
        ok = r == -E_PERM;
        break;
    }
    case S_SERIAL: {
        struct char_status_rep rp;

        r = proto_call(s->ep, CHAR_STATUS, 0, 0, &rp, sizeof(rp), 0);
        ok = r == 0;
        break;
    }
    case S_TTY: {
        struct tty_get_rep rp;

        r = proto_call(s->ep, TTY_GET, 0, 0, &rp, sizeof(rp), 0);
        ok = r == 0 && (rp.mode.flags & ~(uint64_t)TTY_FLAGS) == 0;
        break;
    }
    case S_TMPFS:
    case S_EXT2: {
        struct fs_statfs_rep rp;

        /* Only vfs's badge is served: a stranger gets -E_PERM, at once. */
        r = proto_call(s->ep, FS_STATFS, 0, 0, &rp, sizeof(rp), 0);
        ok = r == -E_PERM;
        break;
    }
    case S_PCI: {
        struct pci_find_req rq = { PCI_ANY_ID, PCI_ANY_ID, 0, 0, 0 };
        struct pci_find_rep rp;

        r = pci_find_call(s->ep, &rq, &rp, 0);
        ok = r == 0 && rp.info.index == 0;
        break;
    }
    case S_VBLK: {
        struct blk_info_rep rp;

        r = proto_call(s->ep, BLK_INFO, 0, 0, &rp, sizeof(rp), 0);
        ok = r == 0 && rp.sector_size == 512 && rp.sectors > 0;
        break;
    }
    case S_SVC: {
        struct svc_info_req rq = { .index = 0 };
        struct svc_info_rep rp;

        /* The boot table's first service, running all along: fuzzing its drivers killed nobody. */
        r = proto_call(s->ep, SVC_INFO, &rq, sizeof(rq), &rp, sizeof(rp), 0);
        ok = r == 0 && PROTO_STR_CHECK(rp.name) == 0 && rp.state == SVC_RUNNING && rp.restarts == 0;
        break;
    }
    }
    result(ok, what, s, r);
}

/* ---- targeted requests, every server ---- */

/* Every label the server serves, with 0, one too few, one too many and 64 words. */
static void fuzz_sizes(struct server *s)
{
    char what[96];
    struct raw q;

    for (unsigned p = 0; p < N(protos); p++) {
        if (!(s->protos & (1u << protos[p].id)))
            continue;
        for (unsigned i = 0; i < protos[p].n; i++) {
            const struct msgdef *d = &protos[p].msgs[i];
            unsigned counts[4] = { 0, d->words - 1, d->words + 1, IPC_MAX_WORDS };

            for (unsigned c = 0; c < 4; c++) {
                if (counts[c] == d->words || (c == 1 && d->words == 0) || counts[c] > IPC_MAX_WORDS + 1)
                    continue;
                raw_init(&q, d->label, counts[c]);
                for (unsigned w = 0; w < IPC_MAX_WORDS; w++)
                    q.w[w] = 1;             /* ones: READ max 1, flags NONBLOCK; never a wait */
                agora_snprintf(what, sizeof(what), "%s with %u words", d->name, counts[c]);
                expect_error(s, what, &q);
            }
        }
    }
    check_alive(s, "wrong word counts");
}

/* Labels it does not serve: other protocols' (zeroed, the right size), and nonsense. */
static void fuzz_labels(struct server *s)
{
    static const uint32_t odd[] = {
        0, 0xFFFFFFFFu, IPC_LABEL_PAGE_FAULT, IPC_LABEL_EXCEPTION, IPC_LABEL_SET_REGS, 0xFFFF0000u,
        0x7FFF0001u, 0x80000000u, 0x00010000u | 0xFFFFu,
    };
    char what[96];
    struct raw q;

    for (unsigned p = 0; p < N(protos); p++) {
        if (s->protos & (1u << protos[p].id)) {
            /* Its own protocol ids: number 0 (the drivers' internal labels), 999, 0xFFFF. */
            uint32_t nums[3] = { 0, 999, 0xFFFF };

            for (unsigned k = 0; k < 3; k++) {
                raw_init(&q, PROTO_LABEL(protos[p].id, nums[k]), 1);
                agora_snprintf(what, sizeof(what), "label 0x%x", PROTO_LABEL(protos[p].id, nums[k]));
                expect_error(s, what, &q);
            }
            continue;
        }
        for (unsigned i = 0; i < protos[p].n; i++) {
            const struct msgdef *d = &protos[p].msgs[i];

            raw_init(&q, d->label, d->words);
            agora_snprintf(what, sizeof(what), "another server's %s", d->name);
            expect_error(s, what, &q);
        }
    }
    for (unsigned i = 0; i < N(odd); i++)
        for (unsigned words = 0; words <= 4; words += 4) {
            raw_init(&q, odd[i], words);
            q.w[0] = 0xdead0000;         /* a fault's address */
            agora_snprintf(what, sizeof(what), "label 0x%x, %u words", odd[i], words);
            expect_error(s, what, &q);
        }
    /* Reserved bits in the info word, a word count over the limit. */
    raw_init(&q, 0, 0);
    q.info = IPC_INFO(PROTO_LABEL(PROTO_ID_NAMES, 4), 1, 0, 0) | 0x80;
    expect_error(s, "reserved info bits", &q);
    q.info = IPC_INFO(PROTO_LABEL(PROTO_ID_NAMES, 4), 0x7F, 0, 0);
    expect_error(s, "127 words", &q);
    check_alive(s, "unknown labels");
}

/* A label it serves, the right size, carrying capabilities or a memory item it never takes. */
static void fuzz_caps(struct server *s, uint32_t label, unsigned words, const void *req, bool names)
{
    static const uint64_t pool[] = { 0 /* my_ep */, 0 /* my_notify */, 4095, 100000, CAP_NULL };
    char what[96];
    struct raw q;
    uint64_t slots[5];

    memcpy(slots, pool, sizeof(slots));
    slots[0] = my_ep;
    slots[1] = my_notify;
    for (unsigned n = 1; n <= IPC_MAX_CAPS + 1; n++) {
        for (unsigned first = 0; first < N(slots); first++) {
            /* names takes two on REGISTER only: LOOKUP-like messages refuse any. */
            raw_init(&q, label, words);
            if (req)
                memcpy(q.w, req, words * 8);
            q.info = IPC_INFO(label, words, n, 0);      /* n = 5 wraps into the reserved bits */
            q.ncaps = n < IPC_MAX_CAPS ? n : IPC_MAX_CAPS;
            for (unsigned i = 0; i < q.ncaps; i++) {
                q.caps[i] = slots[(first + i) % N(slots)];
                q.rights[i] = i & 1 ? RIGHTS_ALL : RIGHT_WRITE | RIGHT_COPY;
            }
            agora_snprintf(what, sizeof(what), "label 0x%x with %u capabilities from slot %lu", label, n,
                           (unsigned long)q.caps[0]);
            expect_error(s, what, &q);
        }
    }
    (void)names;
    /* Memory items: a page of ours, shared or granted; nonsense ones. */
    static const struct { uint64_t off, pages, flags; } mems[] = {
        { 0, 1, IPC_MEM_MAP }, { 0, 1, IPC_MEM_GRANT | IPC_MEM_WRITE }, { 0, 0, IPC_MEM_MAP },
        { 0, 65, IPC_MEM_MAP }, { 1, 1, IPC_MEM_MAP }, { 0, 1, 0 }, { 0, 1, 0xFF },
        { 0, 1, IPC_MEM_MAP | IPC_MEM_GRANT }, { ~0ull, 1, IPC_MEM_MAP },
    };
    for (unsigned i = 0; i < N(mems); i++) {
        raw_init(&q, label, words);
        if (req)
            memcpy(q.w, req, words * 8);
        q.info = IPC_INFO(label, words, 0, 1);
        q.mem = true;
        q.mem_vaddr = mems[i].off == ~0ull ? 0xFFFF800000000000ull : (uint64_t)mem_page + mems[i].off;
        q.mem_pages = mems[i].pages;
        q.mem_flags = mems[i].flags;
        agora_snprintf(what, sizeof(what), "label 0x%x with memory item %u", label, i);
        expect_error(s, what, &q);
    }
    check_alive(s, "capabilities and memory");
}

/* A bounded string field at word offset `at` of a request of `words` words: every bad shape. */
static void fuzz_strings(struct server *s, uint32_t label, unsigned words, unsigned at, size_t cap,
                         const char *name)
{
    struct { const char *what; uint64_t len; int fill; int nul_at; } cases[] = {
        { "empty string", 0, 0, -1 },
        { "length = capacity", cap, 'a', -1 },
        { "length 2^64-1", ~0ull, 'a', -1 },
        { "length 2^63", 1ull << 63, 'a', -1 },
        { "unterminated", 5, 'b', -1 },
        { "unterminated at the end", cap - 1, 'c', -1 },
        { "NUL inside", 6, 'd', 2 },
        { "NUL first", 6, 'e', 0 },
    };
    char what[96];
    struct raw q;

    for (unsigned i = 0; i < N(cases); i++) {
        char *bytes;

        raw_init(&q, label, words);
        q.w[at] = cases[i].len;
        bytes = (char *)&q.w[at + 1];
        memset(bytes, cases[i].fill, cap);
        if (cases[i].nul_at >= 0)
            bytes[cases[i].nul_at] = 0;
        if (cases[i].fill == 0)
            memset(bytes, 0, cap);
        agora_snprintf(what, sizeof(what), "%s: %s", name, cases[i].what);
        expect_error(s, what, &q);
    }
}

/* ---- targeted requests, per server ---- */

static void fuzz_names(struct server *s)
{
    struct names_list_req lq = { .start = ~0ull };
    struct names_list_rep lp;
    struct names_lookup_req rq;
    long r;

    fuzz_strings(s, NAMES_LOOKUP, sizeof(rq) / 8, 0, NAMES_NAME_MAX, "LOOKUP");
    fuzz_strings(s, NAMES_UNREGISTER, sizeof(rq) / 8, 0, NAMES_NAME_MAX, "UNREGISTER");
    fuzz_strings(s, NAMES_REGISTER, sizeof(rq) / 8, 0, NAMES_NAME_MAX, "REGISTER");
    /* A good name without a receive slot: the reply cannot come, names goes on. */
    memset(&rq, 0, sizeof(rq));
    PROTO_STR_SET(rq.name, "vfs");
    expect_error_req(s, "LOOKUP without a receive slot", NAMES_LOOKUP, &rq, sizeof(rq));
    expect_error_req(s, "UNREGISTER of another's name", NAMES_UNREGISTER, &rq, sizeof(rq));
    expect_error_req(s, "REGISTER without capabilities", NAMES_REGISTER, &rq, sizeof(rq));
    /* LIST far beyond the end: an empty page, not an error. */
    r = names_list_call(s->ep, &lq, &lp, 0);
    result(r == 0 && lp.count == 0, "LIST from 2^64-1", s, r);
    lq.start = 1ull << 63;
    r = names_list_call(s->ep, &lq, &lp, 0);
    result(r == 0 && lp.count == 0, "LIST from 2^63", s, r);
    check_alive(s, "bad strings");
    PROTO_STR_SET(rq.name, "fuzz.x");
    fuzz_caps(s, NAMES_LOOKUP, sizeof(rq) / 8, &rq, true);
    fuzz_caps(s, NAMES_LIST, 1, 0, true);
    /* REGISTER: wrong types (notification, bad slots) in either place. */
    fuzz_caps(s, NAMES_REGISTER, sizeof(rq) / 8, &rq, true);
}

/* POLL, TCGET, TCSET, CHMOD, FCHMOD, UMASK: sizes, bits and descriptors they refuse; fd is the root's. */
static void fuzz_vfs_new(struct server *s, long fd)
{
    struct vfs_poll_req pq;
    struct vfs_poll_rep pr;
    struct vfs_tcset_req tq;
    struct vfs_chmod_req cq;
    const uint64_t counts[] = { VFS_POLL_MAX + 1, 1000, ~0ull, 1ull << 63 };
    const uint64_t modes[] = { 010000, 0170755, ~0ull, 1ull << 40 };
    long r;

    memset(&pq, 0, sizeof(pq));
    for (unsigned i = 0; i < N(counts); i++) {
        pq.count = counts[i];
        expect_error_req(s, "POLL count over VFS_POLL_MAX", VFS_POLL, &pq, sizeof(pq));
    }
    pq.count = 1;
    pq.fds[0].fd = (uint32_t)fd;
    pq.fds[0].events = 0x40;
    expect_error_req(s, "POLL unknown event bit", VFS_POLL, &pq, sizeof(pq));
    pq.fds[0].events = ~0u;
    expect_error_req(s, "POLL all event bits", VFS_POLL, &pq, sizeof(pq));
    /* Bad descriptors are no error: each is answered NVAL; the root directory is ready. */
    memset(&pq, 0, sizeof(pq));
    pq.count = 4;
    pq.fds[0] = (struct vfs_pollfd){ ~0u, VFS_POLLIN };
    pq.fds[1] = (struct vfs_pollfd){ VFS_FD_MAX, VFS_POLLOUT };
    pq.fds[2] = (struct vfs_pollfd){ 63, 0 };
    pq.fds[3] = (struct vfs_pollfd){ (uint32_t)fd, VFS_POLLIN | VFS_POLLOUT };
    r = vfs_poll_call(s->ep, &pq, &pr, 0);
    result(r == 0 && pr.ready == 4 && pr.revents[0] == VFS_POLLNVAL && pr.revents[1] == VFS_POLLNVAL &&
           pr.revents[2] == VFS_POLLNVAL && pr.revents[3] == (VFS_POLLIN | VFS_POLLOUT),
           "POLL bad descriptors: NVAL each", s, r);
    pq.count = 0;
    r = vfs_poll_call(s->ep, &pq, &pr, 0);
    result(r == 0 && pr.ready == 0, "POLL of nothing", s, r);
    /* Terminal calls on a directory; TCSET's own checks come after the descriptor's. */
    {
        uint64_t w1[1] = { (uint64_t)fd };

        expect_error_req(s, "TCGET of a directory", VFS_TCGET, w1, 8);
    }
    memset(&tq, 0, sizeof(tq));
    tq.fd = (uint64_t)fd;
    expect_error_req(s, "TCSET of a directory", VFS_TCSET, &tq, sizeof(tq));
    tq.how = ~0ull;
    tq.mode.flags = ~0ull;
    expect_error_req(s, "TCSET nonsense of a directory", VFS_TCSET, &tq, sizeof(tq));
    /* Modes beyond the permission bits, masks beyond 0777. */
    for (unsigned i = 0; i < N(modes); i++) {
        uint64_t fm[2] = { (uint64_t)fd, modes[i] }, um[1] = { modes[i] };

        memset(&cq, 0, sizeof(cq));
        cq.mode = modes[i];
        PROTO_STR_SET(cq.path, "/");
        expect_error_req(s, "CHMOD nonsense mode", VFS_CHMOD, &cq, sizeof(cq));
        expect_error_req(s, "FCHMOD nonsense mode", VFS_FCHMOD, fm, 16);
        expect_error_req(s, "UMASK nonsense mask", VFS_UMASK, um, 8);
    }
    memset(&cq, 0, sizeof(cq));
    cq.mode = 0755;
    PROTO_STR_SET(cq.path, "/no/such/file");
    expect_error_req(s, "CHMOD of a missing file", VFS_CHMOD, &cq, sizeof(cq));
    check_alive(s, "POLL, TCGET, TCSET, CHMOD, UMASK nonsense");
}

static void fuzz_vfs_mounts(struct server *s);

static void fuzz_vfs(struct server *s)
{
    struct vfs_open_req oq;
    struct vfs_open_rep op;
    long r, fd;

    fuzz_strings(s, VFS_OPEN, sizeof(struct vfs_open_req) / 8, 2, VFS_PATH_CAP, "OPEN");
    fuzz_strings(s, VFS_STAT, sizeof(struct vfs_stat_req) / 8, 0, VFS_PATH_CAP, "STAT");
    fuzz_strings(s, VFS_MKDIR, sizeof(struct vfs_mkdir_req) / 8, 1, VFS_PATH_CAP, "MKDIR");
    fuzz_strings(s, VFS_UNLINK, sizeof(struct vfs_unlink_req) / 8, 0, VFS_PATH_CAP, "UNLINK");
    fuzz_strings(s, VFS_RMDIR, sizeof(struct vfs_rmdir_req) / 8, 0, VFS_PATH_CAP, "RMDIR");
    fuzz_strings(s, VFS_CHDIR, sizeof(struct vfs_chdir_req) / 8, 0, VFS_PATH_CAP, "CHDIR");
    fuzz_strings(s, VFS_CHMOD, sizeof(struct vfs_chmod_req) / 8, 1, VFS_PATH_CAP, "CHMOD");
    check_alive(s, "bad strings");
    fuzz_vfs_mounts(s);

    /* A real descriptor to aim nonsense at: the root directory. */
    memset(&oq, 0, sizeof(oq));
    oq.flags = VFS_O_RDONLY | VFS_O_DIRECTORY;
    PROTO_STR_SET(oq.path, "/");
    r = vfs_open_call(s->ep, &oq, &op, 0);
    result(r == 0, "OPEN / (to aim at)", s, r);
    fd = r == 0 ? (long)op.fd : 0;

    const uint64_t bad_fds[] = { ~0ull, (uint64_t)-2, VFS_FD_MAX, 1ull << 32, 1ull << 63, 63 };
    for (unsigned i = 0; i < N(bad_fds); i++) {
        uint64_t f = bad_fds[i];
        uint64_t w2[2] = { f, 1 }, w3[3] = { f, 0, VFS_SEEK_SET }, w1[1] = { f };

        expect_error_req(s, "CLOSE bad fd", VFS_CLOSE, w1, 8);
        expect_error_req(s, "READ bad fd", VFS_READ, w2, 16);
        expect_error_req(s, "READ_MORE bad fd", VFS_READ_MORE, w2, 16);
        expect_error_req(s, "LSEEK bad fd", VFS_LSEEK, w3, 24);
        expect_error_req(s, "FSTAT bad fd", VFS_FSTAT, w1, 8);
        expect_error_req(s, "GETDENTS bad fd", VFS_GETDENTS, w1, 8);
        expect_error_req(s, "DUP bad fd", VFS_DUP, w3, 24);
        expect_error_req(s, "DUP2 bad fd", VFS_DUP2, w2, 16);
        expect_error_req(s, "FCNTL bad fd", VFS_FCNTL, w3, 24);
        expect_error_req(s, "ISATTY bad fd", VFS_ISATTY, w1, 8);
        expect_error_req(s, "FTRUNCATE bad fd", VFS_FTRUNCATE, w2, 16);
        expect_error_req(s, "TCGET bad fd", VFS_TCGET, w1, 8);
        expect_error_req(s, "FCHMOD bad fd", VFS_FCHMOD, w2, 16);
        {
            struct vfs_tcset_req tq;

            memset(&tq, 0, sizeof(tq));
            tq.fd = f;
            expect_error_req(s, "TCSET bad fd", VFS_TCSET, &tq, sizeof(tq));
        }
        /* As a second descriptor: DUP2 onto it. */
        uint64_t d2[2] = { (uint64_t)fd, f };
        if (f != 63)
            expect_error_req(s, "DUP2 onto a bad fd", VFS_DUP2, d2, 16);
    }
    {
        struct vfs_write_req wq;
        struct vfs_write_part_req pq;
        uint64_t big[] = { VFS_IO_MAX + 1, ~0ull, 1ull << 63 };

        for (unsigned i = 0; i < N(big); i++) {
            uint64_t rq[2] = { (uint64_t)fd, big[i] };

            expect_error_req(s, "READ huge max", VFS_READ, rq, 16);
            memset(&wq, 0, sizeof(wq));
            wq.fd = (uint64_t)fd;
            wq.count = big[i];
            expect_error_req(s, "WRITE huge count", VFS_WRITE, &wq, sizeof(wq));
            memset(&pq, 0, sizeof(pq));
            pq.fd = (uint64_t)fd;
            pq.total = big[i];
            pq.count = big[i];
            expect_error_req(s, "WRITE_PART huge count", VFS_WRITE_PART, &pq, sizeof(pq));
        }
        memset(&pq, 0, sizeof(pq));
        pq.fd = (uint64_t)fd, pq.total = 4, pq.count = 8;
        expect_error_req(s, "WRITE_PART count > total", VFS_WRITE_PART, &pq, sizeof(pq));
        memset(&wq, 0, sizeof(wq));
        wq.fd = (uint64_t)fd, wq.count = 4;
        expect_error_req(s, "WRITE to a directory", VFS_WRITE, &wq, sizeof(wq));
    }
    {
        uint64_t rd[2] = { (uint64_t)fd, 16 };
        uint64_t seeks[][3] = {
            { (uint64_t)fd, 0, 3 }, { (uint64_t)fd, 0, ~0ull }, { (uint64_t)fd, (uint64_t)INT64_MIN, VFS_SEEK_SET },
            { (uint64_t)fd, (uint64_t)-1, VFS_SEEK_SET }, { (uint64_t)fd, (uint64_t)INT64_MIN, VFS_SEEK_CUR },
        };
        uint64_t dups[][3] = {
            { (uint64_t)fd, VFS_FD_MAX, 0 }, { (uint64_t)fd, ~0ull, 0 }, { (uint64_t)fd, 0, 0xFFFF },
        };
        uint64_t fcntls[][3] = {
            { (uint64_t)fd, 0, 0 }, { (uint64_t)fd, 999, 0 }, { (uint64_t)fd, ~0ull, ~0ull },
        };
        uint64_t trunc[2] = { (uint64_t)fd, (uint64_t)-1 };

        expect_error_req(s, "READ a directory", VFS_READ, rd, 16);
        for (unsigned i = 0; i < N(seeks); i++)
            expect_error_req(s, "LSEEK nonsense", VFS_LSEEK, seeks[i], 24);
        for (unsigned i = 0; i < N(dups); i++)
            expect_error_req(s, "DUP nonsense", VFS_DUP, dups[i], 24);
        for (unsigned i = 0; i < N(fcntls); i++)
            expect_error_req(s, "FCNTL nonsense", VFS_FCNTL, fcntls[i], 24);
        expect_error_req(s, "FTRUNCATE -1 of a directory", VFS_FTRUNCATE, trunc, 16);
    }
    fuzz_vfs_new(s, fd);
    {
        uint64_t flags[] = { ~0ull, 0x4, 1ull << 40, VFS_O_WRONLY | VFS_O_RDWR };

        for (unsigned i = 0; i < N(flags); i++) {
            memset(&oq, 0, sizeof(oq));
            oq.flags = flags[i];
            oq.mode = ~0ull;
            PROTO_STR_SET(oq.path, "/fuzz-open");
            expect_error_req(s, "OPEN nonsense flags", VFS_OPEN, &oq, sizeof(oq));
            uint64_t pf[1] = { flags[i] };
            expect_error_req(s, "PIPE nonsense flags", VFS_PIPE, pf, 8);
        }
        memset(&oq, 0, sizeof(oq));
        oq.flags = VFS_O_WRONLY;
        PROTO_STR_SET(oq.path, "/");
        expect_error_req(s, "OPEN / for writing", VFS_OPEN, &oq, sizeof(oq));
        PROTO_STR_SET(oq.path, "/no/such/dir/file");
        oq.flags = VFS_O_CREAT | VFS_O_RDWR;
        expect_error_req(s, "OPEN under a missing directory", VFS_OPEN, &oq, sizeof(oq));
    }
    {
        /* pm's messages from someone else. */
        uint64_t fk[2] = { 1, 2 }, one[1] = { 1 };

        expect_error_req(s, "FORK (not pm)", VFS_FORK, fk, 16);
        expect_error_req(s, "EXEC (not pm)", VFS_EXEC, one, 8);
        expect_error_req(s, "DROP (not pm)", VFS_DROP, one, 8);
    }
    check_alive(s, "nonsense numbers");
    {
        struct vfs_stat_req sq;

        memset(&sq, 0, sizeof(sq));
        PROTO_STR_SET(sq.path, "/");
        fuzz_caps(s, VFS_STAT, sizeof(sq) / 8, &sq, false);
    }
    if (fd > 0 || r == 0) {
        uint64_t c[1] = { (uint64_t)fd };
        struct raw q;

        raw_init(&q, VFS_CLOSE, 1);
        q.w[0] = c[0];
        result(raw_send(s, &q) == 0, "CLOSE of the root's descriptor", s, 0);
    }
}

/* MOUNT with one capability (or none, or the wrong kind), path and type as given. */
static void mount_req(struct server *s, const char *what, uint64_t cap, uint64_t rights, uint64_t flags,
                      const char *type, const char *path, long want)
{
    struct vfs_mount_req rq;
    struct raw q;
    long r;

    memset(&rq, 0, sizeof(rq));
    rq.flags = flags;
    PROTO_STR_SET(rq.type, type);
    PROTO_STR_SET(rq.path, path);
    raw_init(&q, VFS_MOUNT, sizeof(rq) / 8);
    memcpy(q.w, &rq, sizeof(rq));
    if (cap) {
        q.info = IPC_INFO(VFS_MOUNT, sizeof(rq) / 8, 1, 0);
        q.ncaps = 1;
        q.caps[0] = cap;
        q.rights[0] = rights;
    }
    r = raw_send(s, &q);
    result(r == want, what, s, r);
}

/* Mounts: malformed MOUNT and UNMOUNT (we are a boot module: allowed to try), MOUNTS. */
static void fuzz_vfs_mounts(struct server *s)
{
    const uint64_t w = RIGHT_WRITE | RIGHT_COPY;
    struct vfs_unmount_req uq;
    struct vfs_mounts_req lq = { .index = 0 };
    struct vfs_mounts_rep lp;
    long r;

    mount_req(s, "MOUNT without a capability", 0, 0, 0, "fuzz", "/home", -E_RANGE);
    mount_req(s, "MOUNT of a notification", my_notify, RIGHTS_ALL, 0, "fuzz", "/home", -E_TYPE);
    mount_req(s, "MOUNT of an endpoint without write", my_ep, RIGHT_COPY, 0, "fuzz", "/home", -E_PERM);
    /* Not "/" or /home: vfs would mount us and wait for our FS_MOUNT answer (a mounter must serve on another thread). */
    mount_req(s, "MOUNT on /tmp (taken)", my_ep, w, 0, "fuzz", "/tmp", -E_BUSY);
    mount_req(s, "MOUNT on a file", my_ep, w, 0, "fuzz", "/etc/motd", -E_NOTDIR);
    mount_req(s, "MOUNT on nothing", my_ep, w, 0, "fuzz", "/no/such", -E_NOENT);
    mount_req(s, "MOUNT with bad flags", my_ep, w, 0x100, "fuzz", "/home", -E_INVAL);
    {
        struct vfs_mount_req rq;
        struct raw q;

        memset(&rq, 0, sizeof(rq));
        PROTO_STR_SET(rq.path, "/home");
        rq.type.len = VFS_FSTYPE_CAP;   /* no NUL: unterminated */
        memset(rq.type.bytes, 'x', sizeof(rq.type.bytes));
        raw_init(&q, VFS_MOUNT, sizeof(rq) / 8);
        memcpy(q.w, &rq, sizeof(rq));
        q.info = IPC_INFO(VFS_MOUNT, sizeof(rq) / 8, 1, 0);
        q.ncaps = 1;
        q.caps[0] = my_ep;
        q.rights[0] = w;
        expect_error(s, "MOUNT with a bad type string", &q);
    }
    fuzz_strings(s, VFS_MOUNT, sizeof(struct vfs_mount_req) / 8, 1 + VFS_FSTYPE_CAP / 8 + 1, VFS_PATH_CAP,
                 "MOUNT path");
    memset(&uq, 0, sizeof(uq));
    PROTO_STR_SET(uq.path, "/");
    r = vfs_unmount_call(s->ep, &uq, 0, 0);
    result(r == -E_INVAL, "UNMOUNT of the root", s, r);
    PROTO_STR_SET(uq.path, "/etc");
    r = vfs_unmount_call(s->ep, &uq, 0, 0);
    result(r == -E_INVAL, "UNMOUNT of no mount point", s, r);
    fuzz_strings(s, VFS_UNMOUNT, sizeof(uq) / 8, 0, VFS_PATH_CAP, "UNMOUNT");
    /* tmpfs at /tmp, and ext2 at /mnt when it runs (in either order). */
    bool found = false;

    for (lq.index = 0; !found && (r = vfs_mounts_call(s->ep, &lq, &lp, 0)) == 0 && lq.index < lp.total; lq.index++)
        found = strcmp(lp.path.bytes, "/tmp") == 0 && strcmp(lp.type.bytes, "tmpfs") == 0;
    result(found && lp.total == (servers[S_EXT2].ep ? 2u : 1u), "MOUNTS lists tmpfs at /tmp", s, r);
    lq.index = ~0ull;
    r = vfs_mounts_call(s->ep, &lq, &lp, 0);
    result(r == -E_NOENT, "MOUNTS past the end", s, r);
    check_alive(s, "mounts");
}

/* tmpfs: every message, well formed, from a stranger: -E_PERM each. */
static void fuzz_tmpfs(struct server *s)
{
    char what[64];

    for (unsigned i = 0; i < N(fs_msgs); i++) {
        struct raw q;
        long r;

        raw_init(&q, fs_msgs[i].label, fs_msgs[i].words);
        q.w[0] = 1;                     /* the root's inode number, usually */
        r = raw_send(s, &q);
        agora_snprintf(what, sizeof(what), "%s from a stranger", fs_msgs[i].name);
        result(r == -E_PERM, what, s, r);
    }
    check_alive(s, "a stranger's requests");
}

static void fuzz_pm(struct server *s)
{
    /* From a task that is not one of pm's processes, every request is refused: even these. */
    struct raw q;
    uint64_t waits[][2] = { { (uint64_t)-1, 0 }, { 1, 0 }, { 0, ~0ull } };
    uint64_t kills[][2] = { { 1, PM_SIGKILL }, { ~0ull, 0 }, { 1ull << 62, 99 } };
    uint64_t reboots[] = { PM_REBOOT_POWER_OFF, PM_REBOOT_HALT, 99 };
    uint64_t execs[][3] = { { 0, 0, 0 }, { (uint64_t)"/bin/posix-hello", 0, 0 }, { ~0ull, ~0ull, ~0ull } };

    for (unsigned i = 0; i < N(waits); i++)
        expect_error_req(s, "WAIT (blocking, from a stranger)", PM_WAIT, waits[i], 16);
    for (unsigned i = 0; i < N(kills); i++)
        expect_error_req(s, "KILL (from a stranger)", PM_KILL, kills[i], 16);
    for (unsigned i = 0; i < N(reboots); i++)
        expect_error_req(s, "REBOOT (from a stranger)", PM_REBOOT, &reboots[i], 8);
    for (unsigned i = 0; i < N(execs); i++)
        expect_error_req(s, "EXEC (from a stranger)", PM_EXEC, execs[i], 24);
    raw_init(&q, PM_FORK, 0);
    expect_error(s, "FORK (from a stranger)", &q);
    raw_init(&q, PM_EXIT, 1);
    expect_error(s, "EXIT (from a stranger)", &q);
    raw_init(&q, PM_BRK, 1);
    q.w[0] = ~0ull;
    expect_error(s, "BRK 2^64-1 (from a stranger)", &q);
    /* The signal messages are a process's own: a stranger is refused. */
    uint64_t sigstates[][4] = { { 1, 0x1000, ~0ull, ~0ull }, { 7, 0, 0, 0 } };
    uint64_t frames[] = { 0, ~0ull, 0x200000 };
    for (unsigned i = 0; i < N(sigstates); i++)
        expect_error_req(s, "SIGSTATE (from a stranger)", PM_SIGSTATE, sigstates[i], 32);
    for (unsigned i = 0; i < N(frames); i++)
        expect_error_req(s, "SIGRETURN (from a stranger)", PM_SIGRETURN, &frames[i], 8);
    expect_error_req(s, "SIGWAIT (from a stranger)", PM_SIGWAIT, &frames[0], 8);
    expect_error_req(s, "SETPGID (from a stranger)", PM_SETPGID, kills[0], 16);
    expect_error_req(s, "TCSETPGRP (from a stranger)", PM_TCSETPGRP, &frames[0], 8);
    /* TTY_SIGNAL is for servers (this is one): bad signal numbers are refused. */
    uint64_t bad_sigs[] = { 0, 32, ~0ull };
    for (unsigned i = 0; i < N(bad_sigs); i++)
        expect_error_req(s, "TTY_SIGNAL with a bad signal", PM_TTY_SIGNAL, &bad_sigs[i], 8);
    /* A forged fault message: the kernel's label, sent by a call. */
    raw_init(&q, IPC_LABEL_PAGE_FAULT, 3);
    expect_error(s, "a forged page fault", &q);
    raw_init(&q, IPC_LABEL_EXCEPTION, 4);
    expect_error(s, "a forged exception", &q);
    check_alive(s, "strangers' requests");
    fuzz_caps(s, PM_GETPID, 0, 0, false);
}

static void fuzz_char(struct server *s)
{
    struct char_write_req wq;
    uint64_t lens[] = { 0, CHAR_IO_MAX + 1, ~0ull, 1ull << 63 };
    uint64_t reads[][2] = {
        { 0, CHAR_READ_NONBLOCK }, { 1, 2 }, { 1, ~0ull }, { 0, 0 }, { ~0ull, 0x80000000ull | CHAR_READ_NONBLOCK },
    };
    uint64_t nb[2] = { ~0ull, CHAR_READ_NONBLOCK };
    long r;

    for (unsigned i = 0; i < N(lens); i++) {
        memset(&wq, 0, sizeof(wq));
        wq.len = lens[i];
        expect_error_req(s, "WRITE bad length", CHAR_WRITE, &wq, sizeof(wq));
    }
    for (unsigned i = 0; i < N(reads); i++)
        expect_error_req(s, "READ bad max or flags", CHAR_READ, reads[i], 16);
    /* Nothing typed: a huge non-blocking READ answers -E_AGAIN at once. */
    {
        struct raw q;

        raw_init(&q, CHAR_READ, 2);
        q.w[0] = nb[0], q.w[1] = nb[1];
        r = raw_send(s, &q);
        result(r == -E_AGAIN, "READ 2^64-1 bytes, non-blocking", s, r);
    }
    if (s - servers == S_TTY) {
        struct tty_set_req tq;
        struct tty_get_rep before, after;

        r = proto_call(s->ep, TTY_GET, 0, 0, &before, sizeof(before), 0);
        result(r == 0, "TTY_GET", s, r);
        memset(&tq, 0, sizeof(tq));
        tq.mode = before.mode;
        tq.mode.flags = ~0ull;
        expect_error_req(s, "TTY_SET unknown flags", TTY_SET, &tq, sizeof(tq));
        tq.mode.flags = 1ull << 40;
        expect_error_req(s, "TTY_SET flag bit 40", TTY_SET, &tq, sizeof(tq));
        tq.mode = before.mode;
        tq.how = 2;
        expect_error_req(s, "TTY_SET how 2", TTY_SET, &tq, sizeof(tq));
        tq.how = ~0ull;
        expect_error_req(s, "TTY_SET how 2^64-1", TTY_SET, &tq, sizeof(tq));
        r = proto_call(s->ep, TTY_GET, 0, 0, &after, sizeof(after), 0);
        result(r == 0 && memcmp(&before, &after, sizeof(before)) == 0, "mode unchanged by refused SETs", s, r);
    }
    check_alive(s, "bad lengths and flags");
    fuzz_caps(s, CHAR_STATUS, 0, 0, false);
}

/* ---- pci and virtio-blk ---- */

static long pci_req(struct server *s, uint32_t label, const void *rq, size_t bytes, uint64_t *got_cap)
{
    struct proto_caps caps = { .nrecv = 1 };
    long slot = agora_slot_alloc(), r;

    if (slot < 0)
        return slot;
    caps.recv[0] = (uint64_t)slot;
    s->calls++;
    r = proto_call(s->ep, label, rq, bytes, 0, 0, &caps);
    if (r == 0 && caps.received == 1 && got_cap) {
        *got_cap = (uint64_t)slot;
        return 0;
    }
    sys_cap_delete((uint64_t)slot);
    agora_slot_free((uint64_t)slot);
    return r;
}

/*
 * pci: a stranger's requests for the device virtio-blk holds; then a device of our own
 * (the first unclaimed one with a BAR) and every bad argument about it; then RELEASE.
 */
static void fuzz_pci(struct server *s)
{
    struct pci_find_req fq = { PCI_ANY_ID, PCI_ANY_ID, 0, 0, 0 };
    struct pci_find_rep fr;
    struct pci_claim_req cq;
    struct pci_claim_rep cr;
    struct proto_caps caps = { .nsend = 1, .send = { CAP_SELF_TASK }, .send_rights = { RIGHT_COPY } };
    uint64_t held = ~0ull, mine = ~0ull, cap;
    long r;

    for (fq.start = 0; pci_find_call(s->ep, &fq, &fr, 0) == 0; fq.start = fr.info.index + 1) {
        if (fr.info.claimed && held == ~0ull)
            held = fr.info.index;
        if (!fr.info.claimed && mine == ~0ull && fr.info.bars[0].size)
            mine = fr.info.index;
    }
    result(held != ~0ull && mine != ~0ull, "a claimed device (virtio-blk's) and a free one", s, (long)held);
    fq = (struct pci_find_req){ 0x1AF4, 0xFFFE, 0, 0, 0 };
    result(pci_find_call(s->ep, &fq, &fr, 0) == -E_NOENT, "FIND of no such device", s, 0);
    fq = (struct pci_find_req){ PCI_ANY_ID, PCI_ANY_ID, 0x010000, 0xFFFF00, 0 };
    r = pci_find_call(s->ep, &fq, &fr, 0);
    result(r == 0 && fr.info.vendor == 0x1AF4, "FIND by class (mass storage, SCSI: virtio's)", s, r);
    fq = (struct pci_find_req){ PCI_ANY_ID, PCI_ANY_ID, 0, 0, 1000 };
    result(pci_find_call(s->ep, &fq, &fr, 0) == -E_NOENT, "FIND past the end", s, 0);
    /* Someone else's device. */
    cq.index = held;
    result(pci_claim_call(s->ep, &cq, &cr, &caps) == -E_BUSY, "CLAIM of a held device", s, 0);
    struct pci_bar_req bq = { held, 0 };
    result(pci_req(s, PCI_BAR, &bq, sizeof(bq), 0) == -E_PERM, "BAR of another's device", s, 0);
    struct pci_irq_req iq = { held };
    result(pci_req(s, PCI_IRQ, &iq, sizeof(iq), 0) == -E_PERM, "IRQ of another's device", s, 0);
    result(pci_req(s, PCI_DMA, &iq, sizeof(iq), 0) == -E_PERM, "DMA of another's device", s, 0);
    struct pci_config_read_req rq = { held, 0, 4 };
    result(pci_req(s, PCI_CONFIG_READ, &rq, sizeof(rq), 0) == -E_PERM, "CONFIG_READ of another's device", s, 0);
    result(pci_req(s, PCI_RELEASE, &iq, sizeof(iq), 0) == -E_PERM, "RELEASE of another's device", s, 0);
    cq.index = 1000;
    result(pci_claim_call(s->ep, &cq, &cr, &caps) == -E_NOENT, "CLAIM of no device", s, 0);
    cq.index = mine;
    result(pci_claim_call(s->ep, &cq, &cr, 0) == -E_RANGE, "CLAIM without the task", s, 0);
    caps.send[0] = my_notify;
    result(pci_claim_call(s->ep, &cq, &cr, &caps) == -E_TYPE, "CLAIM with a notification", s, 0);
    caps.send[0] = CAP_SELF_TASK;
    /* Our own device. */
    r = pci_claim_call(s->ep, &cq, &cr, &caps);
    result(r == 0 && cr.info.claimed == 1, "CLAIM of a free device", s, r);
    result(pci_claim_call(s->ep, &cq, &cr, &caps) == -E_BUSY, "CLAIM twice", s, 0);
    bq = (struct pci_bar_req){ mine, PCI_BARS };
    result(pci_req(s, PCI_BAR, &bq, sizeof(bq), 0) == -E_RANGE, "BAR 6", s, 0);
    bq.bar = ~0ull;
    result(pci_req(s, PCI_BAR, &bq, sizeof(bq), 0) == -E_RANGE, "BAR ~0", s, 0);
    bq.bar = 0;
    r = pci_req(s, PCI_BAR, &bq, sizeof(bq), &cap);
    result(r == 0 && sys_cap_info(cap) >= 0, "BAR 0 of our device", s, r);
    if (r == 0) {
        long info = sys_cap_info(cap);
        bool io = cr.info.bars[0].flags & PCI_BAR_IO;

        result(AGORA_CAP_INFO_TYPE(info) == (io ? OBJ_IOPORT : OBJ_MEMORY), "BAR 0's capability type", s, info);
        if (!io)
            result(sys_memory_info(cap) == (long)((cr.info.bars[0].size + 4095) / 4096), "BAR 0's pages", s, 0);
        sys_cap_delete(cap);
    }
    for (unsigned b = 0; b < PCI_BARS; b++)
        if (cr.info.bars[b].size == 0) {
            bq.bar = b;
            result(pci_req(s, PCI_BAR, &bq, sizeof(bq), 0) == -E_NOENT, "an empty BAR", s, 0);
            break;
        }
    r = pci_req(s, PCI_DMA, &(struct pci_dma_req){ mine }, sizeof(struct pci_dma_req), &cap);
    result(r == 0, "DMA of our device", s, r);
    if (r == 0) {
        result(AGORA_CAP_INFO_RIGHTS(sys_cap_info(cap)) == RIGHT_READ, "DMA: the read right alone", s, 0);
        result(sys_machine_halt(cap, 1) == -E_PERM, "DMA capability cannot halt", s, 0);
        sys_cap_delete(cap);
    }
    static const struct { uint64_t offset, width; long want; } cfg[] = {
        { 0, 4, 0 }, { 2, 2, 0 }, { 3, 1, 0 }, { 0xFC, 4, 0 }, { 1, 2, -E_ALIGN }, { 2, 4, -E_ALIGN },
        { 0, 3, -E_INVAL }, { 0, 0, -E_INVAL }, { 0, 8, -E_INVAL }, { 256, 1, -E_RANGE }, { ~0ull, 4, -E_RANGE },
    };
    struct pci_config_read_rep rr;
    for (unsigned i = 0; i < N(cfg); i++) {
        rq = (struct pci_config_read_req){ mine, cfg[i].offset, cfg[i].width };
        s->calls++;
        r = pci_config_read_call(s->ep, &rq, &rr, 0);
        result(r == cfg[i].want, "CONFIG_READ arguments", s, r);
    }
    rq = (struct pci_config_read_req){ mine, 0, 2 };
    r = pci_config_read_call(s->ep, &rq, &rr, 0);
    result(r == 0 && rr.value == cr.info.vendor, "CONFIG_READ of the vendor id", s, r);
    static const struct { uint64_t offset, width, value; long want; } wr[] = {
        { 0x10, 4, 0, -E_PERM }, { 0x24, 4, 0, -E_PERM }, { 0x26, 2, 0, -E_PERM }, { 0x30, 4, 0, -E_PERM },
        { 0x0E, 4, 0, -E_ALIGN }, { 0x0D, 1, 0x100, -E_RANGE }, { 0x0D, 1, 0, 0 },
    };
    for (unsigned i = 0; i < N(wr); i++) {
        struct pci_config_write_req wq = { mine, wr[i].offset, wr[i].width, wr[i].value };

        r = pci_req(s, PCI_CONFIG_WRITE, &wq, sizeof(wq), 0);
        result(r == wr[i].want, "CONFIG_WRITE arguments", s, r);
    }
    r = pci_req(s, PCI_RELEASE, &(struct pci_release_req){ mine }, sizeof(struct pci_release_req), 0);
    result(r == 0, "RELEASE", s, r);
    result(pci_req(s, PCI_BAR, &bq, sizeof(bq), 0) == -E_PERM, "BAR after RELEASE", s, 0);
    /* A holder's death frees the device: claim it for a task of our own making, then kill that. */
    long dummy = agora_slot_alloc();
    r = dummy < 0 ? dummy : sys_task_create(CAP_CHILD_POOL, (uint64_t)dummy);
    result(r == 0, "a task to hold the device", s, r);
    if (r == 0) {
        caps.send[0] = (uint64_t)dummy;
        r = pci_claim_call(s->ep, &cq, &cr, &caps);
        result(r == 0, "CLAIM for another task", s, r);
        caps.send[0] = CAP_SELF_TASK;
        result(pci_claim_call(s->ep, &cq, &cr, &caps) == -E_BUSY, "CLAIM while that task lives", s, 0);
        sys_task_kill((uint64_t)dummy, 0);
        r = pci_claim_call(s->ep, &cq, &cr, &caps);
        result(r == 0, "CLAIM after the holder died", s, r);
        r = pci_req(s, PCI_RELEASE, &(struct pci_release_req){ mine }, sizeof(struct pci_release_req), 0);
        result(r == 0, "RELEASE again", s, r);
        sys_cap_delete((uint64_t)dummy);
    }
    fuzz_caps(s, PCI_FIND, sizeof(struct pci_find_req) / 8, 0, false);
    check_alive(s, "claims, BARs and config space");
}

/* virtio-blk: no buffer attached, so every READ and WRITE fails; ATTACH with the wrong capabilities. */
static void fuzz_blk(struct server *s)
{
    struct blk_read_req rq = { 0, 1, 0 };
    struct raw q;

    expect_error_req(s, "READ without a buffer", BLK_READ, &rq, sizeof(rq));
    expect_error_req(s, "WRITE without a buffer", BLK_WRITE, &rq, sizeof(rq));
    expect_error_req(s, "DETACH without a buffer", BLK_DETACH, 0, 0);
    raw_init(&q, BLK_ATTACH, 0);
    q.info = IPC_INFO(BLK_ATTACH, 0, 2, 0);
    q.ncaps = 2;
    q.caps[0] = my_notify;
    q.caps[1] = CAP_SELF_TASK;
    q.rights[0] = q.rights[1] = RIGHTS_ALL;
    expect_error(s, "ATTACH of a notification", &q);
    q.caps[0] = CAP_SELF_TASK;
    expect_error(s, "ATTACH of a task", &q);
    q.caps[0] = (uint64_t)mem_page;  /* nonsense slot number */
    expect_error(s, "ATTACH of a nonsense slot", &q);
    fuzz_caps(s, BLK_INFO, 0, 0, false);
    fuzz_caps(s, BLK_READ, 3, &rq, false);
    check_alive(s, "reads without a buffer, bad attaches");
}

/* ---- random messages ---- */

static uint64_t rng = 0x5eed5eed12345678ull;

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Dull;
}

static uint64_t rnd_word(void)
{
    switch (rnd() % 8) {
    case 0: return 0;
    case 1: return rnd() % 8;
    case 2: return ~0ull;
    case 3: return (uint64_t)-(int64_t)(rnd() % 100);
    case 4: return 1ull << (rnd() % 64);
    case 5: return 0x2f2f61612f2f6161ull ^ (rnd() & 0x0101010101010101ull);   /* text-like */
    case 6: return rnd() % 300;
    default: return rnd();
    }
}

static const struct msgdef *rnd_msgdef(uint32_t mask)
{
    for (;;) {
        const struct proto *p = &protos[rnd() % N(protos)];

        if (mask && !(mask & (1u << p->id)))
            continue;
        return &p->msgs[rnd() % p->n];
    }
}

/* Makes a random message safe from waiting or spewing: valid blocking shapes get changed. */
static void sanitize(struct server *s, struct raw *q)
{
    uint32_t label = IPC_LABEL(q->info);
    unsigned words = IPC_WORDS(q->info);

    if ((s - servers == S_SERIAL || s - servers == S_TTY)) {
        if (label == CHAR_READ && words == 2 && !(q->w[1] & ~(uint64_t)CHAR_READ_FLAGS))
            q->w[1] |= CHAR_READ_NONBLOCK;      /* nothing is typed: it would wait for good */
        if (label == CHAR_WRITE && words == CHAR_IO_MAX / 8 + 1 && q->w[0] >= 1 && q->w[0] <= CHAR_IO_MAX)
            q->w[0] = 0;                        /* no garbage on the console */
    }
    if (s - servers == S_VFS && label == VFS_PIPE && words == 1 &&
        !(q->w[0] & ~(uint64_t)(VFS_O_NONBLOCK | VFS_O_CLOEXEC)))
        q->w[0] |= VFS_O_WRONLY;                /* a pipe's READ or WRITE could wait */
}

static void fuzz_random(struct server *s)
{
    char what[64];

    for (unsigned n = 0; n < RANDOM_PER_SRV; n++) {
        struct raw q;
        uint32_t label;
        unsigned words;
        uint64_t pick = rnd() % 100;
        const struct msgdef *d = 0;

        memset(&q, 0, sizeof(q));
        if (pick < 50)
            d = rnd_msgdef(s->protos);
        else if (pick < 70)
            d = rnd_msgdef(0);
        if (d)
            label = d->label;
        else if (pick < 85)
            label = (uint32_t)rnd();
        else
            label = PROTO_LABEL(rnd() % 8, rnd() % 40);
        pick = rnd() % 100;
        if (d && pick < 40)
            words = d->words;
        else if (pick < 95)
            words = (unsigned)(rnd() % (IPC_MAX_WORDS + 1));
        else
            words = (unsigned)(IPC_MAX_WORDS + 1 + rnd() % 63);
        for (unsigned i = 0; i < IPC_MAX_WORDS; i++)
            q.w[i] = rnd_word();
        /* A string field's length word first: small lengths make more strings valid. */
        if (rnd() % 2)
            q.w[0] = rnd() % 64;
        pick = rnd() % 100;
        if (pick < 8) {
            q.ncaps = 1 + (unsigned)(rnd() % IPC_MAX_CAPS);
            for (unsigned i = 0; i < q.ncaps; i++) {
                uint64_t c[] = { my_ep, my_notify, 4095, rnd() % 64 + 64 };

                q.caps[i] = c[rnd() % N(c)];
                q.rights[i] = rnd() % 2 ? RIGHTS_ALL : rnd();
            }
        } else if (pick < 13) {
            q.mem = true;
            q.mem_vaddr = rnd() % 2 ? (uint64_t)mem_page : rnd();
            q.mem_pages = rnd() % 4;
            q.mem_flags = rnd() % 8;
        }
        q.info = IPC_INFO(label, words, q.ncaps, q.mem);
        if (rnd() % 100 < 3)
            q.info = rnd();                    /* anything at all, reserved bits too */
        sanitize(s, &q);
        raw_send(s, &q);
        if ((n + 1) % RANDOM_BATCH == 0) {
            agora_snprintf(what, sizeof(what), "%u random messages", n + 1);
            check_alive(s, what);
        }
    }
}

/* ---- main ---- */

static long lookup_wait(const char *name, uint64_t *slot, int tries)
{
    long r = -E_NOCAP;

    for (int i = 0; i < tries && r == -E_NOCAP; i++) {
        r = names_lookup(name, slot);
        if (r == -E_NOCAP)
            sys_sleep(10000);
    }
    return r;
}

int main(uint64_t arg)
{
    long r;

    agora_slots_init(AGORA_CHILD_FIRST_FREE_SLOT);
    agora_printf("server-fuzz: module %lu, looking up the servers\n", (unsigned long)arg);
    if ((r = agora_slot_alloc()) > 0 && sys_endpoint_create(CAP_CHILD_POOL, (uint64_t)r) == 0)
        my_ep = (uint64_t)r;
    if ((r = agora_slot_alloc()) > 0 && sys_notify_create(CAP_CHILD_POOL, (uint64_t)r) == 0)
        my_notify = (uint64_t)r;
    if (!my_ep || !my_notify) {
        agora_printf("server-fuzz: no endpoint or notification of our own: FAIL\n");
        failed++;
    }
    for (unsigned i = 1; i < S_COUNT; i++) {
        r = lookup_wait(servers[i].name, &servers[i].ep, servers[i].optional ? OPTIONAL_TRIES : LOOKUP_TRIES);
        if (r < 0 && servers[i].optional) {
            agora_printf("server-fuzz: %s is not running: not fuzzed\n", servers[i].name);
            servers[i].ep = 0;
        } else if (r < 0) {
            agora_printf("server-fuzz: FAIL lookup %s: %s\n", servers[i].name, agora_error_name(r));
            failed++;
            servers[i].ep = 0;
        }
    }
    for (unsigned i = 0; i < S_COUNT; i++) {
        struct server *s = &servers[i];
        int f0 = failed;

        if (!s->ep)
            continue;
        check_alive(s, "lookup");
        fuzz_sizes(s);
        fuzz_labels(s);
        if (i == S_SERIAL || i == S_VBLK)
            fuzz_control(s);
        switch (i) {
        case S_NAMES: fuzz_names(s); break;
        case S_VFS: fuzz_vfs(s); break;
        case S_PM: fuzz_pm(s); break;
        case S_TMPFS:
        case S_EXT2: fuzz_tmpfs(s); break;
        case S_PCI: fuzz_pci(s); break;
        case S_VBLK: fuzz_blk(s); break;
        case S_SVC: fuzz_svc(s); check_alive(s, "svc nonsense"); break;
        default: fuzz_char(s); break;
        }
        if (i == S_TTY) {
            /* Random SETs may change the mode: put it back afterwards. */
            struct tty_get_rep mode;
            struct tty_set_req set;

            memset(&set, 0, sizeof(set));
            r = proto_call(s->ep, TTY_GET, 0, 0, &mode, sizeof(mode), 0);
            fuzz_random(s);
            set.mode = mode.mode;
            if (r == 0)
                r = proto_call(s->ep, TTY_SET, &set, sizeof(set), 0, 0, 0);
            result(r == 0, "TTY_SET back to the mode before", s, r);
        } else {
            fuzz_random(s);
        }
        check_alive(s, "everything");
        agora_printf("server-fuzz: %s: %u calls: %u refused by the server, %u by the kernel, %u answered; "
                     "%u slow, %u dead: %s\n", s->name, s->calls, s->errors, s->kernel_errs, s->oks,
                     s->slow, s->dead, failed == f0 ? "ok" : "FAIL");
    }
    /* Last, every server once more: the later ones' fuzzing must not have hurt the earlier. */
    for (unsigned i = 0; i < S_COUNT; i++)
        if (servers[i].ep)
            check_alive(&servers[i], "all servers' fuzzing");
    agora_printf("server-fuzz: %d passed, %d failed\n", passed, failed);
    agora_flush();
    r = sys_machine_halt(CAP_CHILD_MACHINE, failed ? 1 : 0);
    agora_printf("server-fuzz: SYS_MACHINE_HALT returned %s: FAIL\n", agora_error_name(r));
    return 1;
}
