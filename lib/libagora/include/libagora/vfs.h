/* The file server's client stubs: vfs_open_call, vfs_read_call, ... (include/agora/proto/vfs.h). */
#ifndef LIBAGORA_VFS_H
#define LIBAGORA_VFS_H

#include <agora/proto/vfs.h>
#include <libagora/proto.h>

/*
 * long vfs_open_call(ep, const struct vfs_open_req *, struct vfs_open_rep *, caps), one per
 * message; ep is names_lookup("vfs", &ep)'s result. POSIX programs use them through
 * posix/runtime (open, read, ...); native programs may call them directly.
 */
PROTO_STUBS(VFS_MSG_LIST)

#endif
