/* The block protocol's client stubs (include/agora/proto/blk.h). */
#ifndef LIBAGORA_BLKDEV_H
#define LIBAGORA_BLKDEV_H

#include <agora/proto/blk.h>
#include <libagora/proto.h>

/* blk_info_call(ep, &req, &rep, &caps), blk_read_call, ...: one per message. */
PROTO_STUBS(BLK_MSG_LIST)

#endif
