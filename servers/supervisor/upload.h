/* An image under way to the supervisor (ADD, then IMAGE messages: proto/svc.h): one at a time. */
#ifndef SUPERVISOR_UPLOAD_H
#define SUPERVISOR_UPLOAD_H

#include <stdint.h>

#include "table.h"

/*
 * Starts an upload of bytes for the entry e from the caller with badge: 0, -E_RANGE (too
 * big), -E_BUSY (another caller's is under way and not stale), or an error making its
 * memory. The same caller's earlier one is dropped.
 */
long upload_begin(uint64_t badge, const struct svc_entry *e, uint64_t bytes);
/*
 * The next piece: 0 (more to come), 1 when it was the last (then *e, *image (a memory
 * object in a slot of ours, the caller's now) and *size are the service's), or -E_STATE
 * (no upload of this caller's), -E_INVAL (not the next offset, or a bad len).
 */
long upload_data(uint64_t badge, uint64_t offset, uint64_t len, const uint8_t *bytes,
                 struct svc_entry *e, uint64_t *image, uint64_t *size);

#endif
