/* Pipes: the ring buffer, the open ends, and the readers and writers waiting. Pure code (tests/unit/test_vfs.c). */
#ifndef VFS_PIPE_H
#define VFS_PIPE_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/vfs.h>

#include "fdtable.h"
#include "ramfs.h"

/*
 * A pipe is a node (VFS_S_IFIFO, in no directory) whose `pipe` points here; its two ends
 * are two open file descriptions, O_RDONLY and O_WRONLY, shared by DUP and FORK like any
 * other, so readers and writers count descriptions, not descriptors: end of file comes when
 * the write end's last descriptor anywhere closes (fdtable's release hook: pipe_release).
 */
struct vfs_pipe {
    uint32_t head;                  /* the oldest byte's index in buf */
    uint32_t count;                 /* bytes in buf */
    uint32_t readers, writers;      /* open descriptions of each end */
    uint32_t resv_left;             /* room kept for resv_badge's rest of a WRITE_PART */
    uint64_t resv_badge;
    char buf[VFS_PIPE_CAP];
};

/*
 * A request that cannot be answered yet: its reply capability (token: vfs's slot; 0 is
 * never one), the caller, the description it came through, and for a write its data.
 * Served in arrival order per pipe and direction.
 */
#define PIPE_MAX_WAITERS 64

/*
 * How answers leave (vfs: proto_reply_pack and SYS_REPLY_TO; the tests record them).
 * answer: status 0 with rep[bytes] (struct vfs_read_rep or vfs_write_rep), or a negated
 * error; either way the token is used up. discard: the caller is gone: drop the token.
 */
struct pipe_hooks {
    void (*answer)(uint64_t token, long status, const void *rep, uint64_t bytes);
    void (*discard)(uint64_t token);
};

void pipe_init(const struct pipe_hooks *hooks);

static inline bool pipe_is(const struct vfs_node *n)
{
    return n && n->pipe;
}

/* A new pipe node (no references yet): 0 and *out, or -E_NOMEM. */
long pipe_new(struct ramfs *fs, struct vfs_node **out);
/* Counts a new description of a pipe node as a reader or writer (by its access mode). */
void pipe_opened(struct vfs_file *f);
/* fdtable's release hook: a description goes; waiters on it get -E_BADF. */
void pipe_release(struct fdtable *t, struct vfs_file *f);

/*
 * READ now: the count (> 0), 0 at end of file, or -E_AGAIN (empty while a write end is
 * open: wait, or tell an O_NONBLOCK caller).
 */
long pipe_read(struct vfs_file *f, void *buf, uint64_t max);
/*
 * WRITE now (total 0) or WRITE_PART (count < total <= VFS_PIPE_BUF): the count, or
 * -E_PIPE (no reader), -E_AGAIN (no room for it all, or others wait or hold room: wait).
 * count <= VFS_IO_MAX.
 */
long pipe_write(struct vfs_file *f, uint64_t badge, const void *buf, uint64_t count, uint64_t total);
/*
 * POLL's readiness of a pipe end for the client badge (VFS_POLL* bits, all that hold;
 * the caller keeps those asked for and ERR, HUP): a read end is IN while data is there,
 * HUP once no write end is open; a write end OUT while badge could write VFS_PIPE_BUF
 * bytes without waiting (room for them, no writer queued first, no room kept for another
 * client's part-write; badge's own part-write always has its rest), ERR once no read end
 * is open.
 */
uint32_t pipe_poll(const struct vfs_file *f, uint64_t badge);
/* Whether a waiter can be queued (the table has room). */
bool pipe_can_wait(void);
/* Queues a READ (write false: max = count) or a WRITE/WRITE_PART to answer later: 0 or -E_NOMEM. */
long pipe_wait(struct vfs_file *f, bool write, uint64_t badge, uint64_t token, const void *data,
               uint64_t count, uint64_t total);
/* Answers every waiter that can be answered now (after each request). */
void pipe_run(void);
/* The client is going (EXIT, DROP): its waiters are discarded, the room it held is freed. */
void pipe_client_gone(struct vfs_client *c);
/* Answers -E_INTR to every request of the client with that badge that waits (pm delivers a signal). */
void pipe_interrupt(uint64_t badge);

/* Waiters queued (for the tests). */
unsigned pipe_waiters(void);

#endif
