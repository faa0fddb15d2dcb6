/* blk-test's client setup: find the driver, read INFO, attach a buffer. */
#ifndef BLK_TEST_SETUP_H
#define BLK_TEST_SETUP_H

#include <stdint.h>

#include <agora/proto/blk.h>

#define BLK_SERVICE   "virtio-blk"
#define BUFFER_VADDR  0x0000000060000000ull

/* Looks the driver up (waiting for it to register); 0 or an error. */
long setup_lookup(uint64_t *ep);
long setup_info(uint64_t ep, struct blk_info_rep *info);
/* A new buffer of pages, mapped at BUFFER_VADDR, attached: 0 or an error; its slot in *memory. */
long setup_attach(uint64_t ep, uint64_t pages, uint64_t *memory);

#endif
