/* Unit tests for the block stack's pure parts: PCI BAR decoding, virtqueue indexes, blk request checks and DMA segments. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "agora/errors.h"
#include "bar.h"
#include "libagora/blkdriver.h"
#include "suites.h"
#include "virtqueue.h"

/* ---- PCI BARs: value and write-ones probe ---- */

static void test_bar_io(void)
{
    struct pci_bar b;

    /* 0x80 ports at 0xc000: the probe reads back 0xffffff81 (32-bit decoder) or 0xff81 (16-bit). */
    CU_ASSERT_TRUE(bar_decode(0xc001, 0xffffff81u, 0, 0, &b));
    CU_ASSERT_EQUAL(b.base, 0xc000);
    CU_ASSERT_EQUAL(b.size, 0x80);
    CU_ASSERT_EQUAL(b.flags, PCI_BAR_IO);
    CU_ASSERT_TRUE(bar_decode(0xc081, 0x0000ffc1u, 0, 0, &b));
    CU_ASSERT_EQUAL(b.base, 0xc080);
    CU_ASSERT_EQUAL(b.size, 0x40);
    CU_ASSERT_FALSE(bar_is_64(0xc001));
    /* No writable bit at all: nonsense. */
    CU_ASSERT_FALSE(bar_decode(0xc001, 0x1, 0, 0, &b));
    CU_ASSERT_EQUAL(b.size, 0);
}

static void test_bar_memory(void)
{
    struct pci_bar b;

    CU_ASSERT_TRUE(bar_decode(0xfebc0000u, 0xfffe0000u, 0, 0, &b));
    CU_ASSERT_EQUAL(b.base, 0xfebc0000u);
    CU_ASSERT_EQUAL(b.size, 0x20000);
    CU_ASSERT_EQUAL(b.flags, 0);
    CU_ASSERT_EQUAL(bar_pages(&b), 32);
    /* Prefetchable 32-bit, 16 MiB. */
    CU_ASSERT_TRUE(bar_decode(0xfd000008u, 0xff000008u, 0, 0, &b));
    CU_ASSERT_EQUAL(b.base, 0xfd000000u);
    CU_ASSERT_EQUAL(b.size, 0x1000000);
    CU_ASSERT_EQUAL(b.flags, PCI_BAR_PREFETCH);
    /* A sub-page BAR still covers one page. */
    CU_ASSERT_TRUE(bar_decode(0xfebf1000u, 0xffffff00u, 0, 0, &b));
    CU_ASSERT_EQUAL(b.size, 0x100);
    CU_ASSERT_EQUAL(bar_pages(&b), 1);
    /* A size that is no power of two. */
    CU_ASSERT_FALSE(bar_decode(0xfe000000u, 0xfff0f000u, 0, 0, &b));
}

static void test_bar_64(void)
{
    struct pci_bar b;

    /* virtio's BAR4: 64-bit prefetchable, 16 KiB below 4 GiB. */
    CU_ASSERT_TRUE(bar_is_64(0xfe00000cu));
    CU_ASSERT_TRUE(bar_decode(0xfe00000cu, 0xffffc00cu, 0, 0xffffffffu, &b));
    CU_ASSERT_EQUAL(b.base, 0xfe000000u);
    CU_ASSERT_EQUAL(b.size, 0x4000);
    CU_ASSERT_EQUAL(b.flags, PCI_BAR_64 | PCI_BAR_PREFETCH);
    /* Above 4 GiB, 8 GiB large. */
    CU_ASSERT_TRUE(bar_decode(0x0000000cu, 0x0000000cu, 0x8, 0xfffffffeu, &b));
    CU_ASSERT_EQUAL(b.base, 0x800000000ull);
    CU_ASSERT_EQUAL(b.size, 0x200000000ull);
}

static void test_bar_absent(void)
{
    struct pci_bar b = { 1, 2, 3 };

    CU_ASSERT_TRUE(bar_decode(0, 0, 0, 0, &b));
    CU_ASSERT_EQUAL(b.base, 0);
    CU_ASSERT_EQUAL(b.size, 0);
    CU_ASSERT_EQUAL(b.flags, 0);
}

/* ---- virtqueue ---- */

static void test_vq_indexes(void)
{
    CU_ASSERT_EQUAL(vq_ring_slot(0, 256), 0);
    CU_ASSERT_EQUAL(vq_ring_slot(257, 256), 1);
    CU_ASSERT_EQUAL(vq_ring_slot(0xFFFF, 128), 127);
    CU_ASSERT_EQUAL(vq_between(5, 3), 2);
    CU_ASSERT_EQUAL(vq_between(2, 0xFFFE), 4);          /* across the 16-bit wrap */
    CU_ASSERT_EQUAL(vq_between(7, 7), 0);
}

/* Publishes and completes chains across the 16-bit wrap, as a device would see them. */
static void test_vq_round_trip(void)
{
    void *desc = aligned_alloc(4096, 4096), *avail = aligned_alloc(4096, 4096), *used = aligned_alloc(4096, 4096);
    struct vq q;
    uint16_t head;
    uint32_t len;
    uint16_t device_seen = 0, device_used = 0;

    vq_init(&q, 8, desc, avail, used);
    q.avail_idx = q.last_used = 0xFFF0;                  /* start just before the wrap */
    q.avail->idx = q.used->idx = 0xFFF0;
    device_seen = device_used = 0xFFF0;
    CU_ASSERT_FALSE(vq_take_used(&q, &head, &len));
    for (unsigned round = 0; round < 40; round++) {
        uint16_t h = (uint16_t)(round % 8);

        vq_set_desc(&q, h, 0x1000 * round, 512, VQ_DESC_F_WRITE, 0);
        vq_publish(&q, h);
        /* The device: one new available entry, at its ring slot. */
        CU_ASSERT_EQUAL(vq_between(q.avail->idx, device_seen), 1);
        CU_ASSERT_EQUAL(q.avail->ring[vq_ring_slot(device_seen, 8)], h);
        CU_ASSERT_EQUAL(q.desc[h].addr, 0x1000ull * round);
        device_seen++;
        q.used->ring[vq_ring_slot(device_used, 8)] = (struct vq_used_elem){ h, 512 };
        device_used++;
        q.used->idx = device_used;
        CU_ASSERT_TRUE(vq_take_used(&q, &head, &len));
        CU_ASSERT_EQUAL(head, h);
        CU_ASSERT_EQUAL(len, 512);
        CU_ASSERT_FALSE(vq_take_used(&q, &head, &len));
    }
    CU_ASSERT_EQUAL(q.avail_idx, (uint16_t)(0xFFF0 + 40));
    free(desc);
    free(avail);
    free(used);
}

/* ---- blk requests ---- */

static const struct blkdriver_info disk = { 512, 1000, 0, 128, 8 };

static void test_blk_check(void)
{
    struct blkdriver_info ro = disk;

    ro.flags = BLK_READ_ONLY;
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 0, 1, 0, 4), 0);
    CU_ASSERT_EQUAL(blkdriver_check(&disk, true, 999, 1, 0, 4), 0);
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 0, 32, 0, 4), 0);          /* fills 16 KiB */
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 0, 1, 0, 0), -E_STATE);    /* no buffer */
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 0, 0, 0, 4), -E_INVAL);
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 0, 129, 0, 64), -E_RANGE);
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 1000, 1, 0, 4), -E_RANGE);
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 999, 2, 0, 4), -E_RANGE);
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, ~0ull, 2, 0, 4), -E_RANGE);  /* would wrap */
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 0, 1, 100, 4), -E_ALIGN);
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 0, 1, 16384, 4), -E_RANGE);
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 0, 2, 16384 - 512, 4), -E_RANGE);
    CU_ASSERT_EQUAL(blkdriver_check(&disk, false, 0, 1, ~0ull - 511, 4), -E_RANGE);
    CU_ASSERT_EQUAL(blkdriver_check(&ro, true, 0, 1, 0, 4), -E_PERM);
    CU_ASSERT_EQUAL(blkdriver_check(&ro, false, 0, 1, 0, 4), 0);
}

static void test_blk_segments(void)
{
    const uint64_t phys[4] = { 0x10000, 0x11000, 0x30000, 0x20000 };
    struct blkdriver_segment segs[4];

    /* Within one page. */
    CU_ASSERT_EQUAL(blkdriver_split(phys, 512, 1024, segs, 4), 1);
    CU_ASSERT_EQUAL(segs[0].phys, 0x10200);
    CU_ASSERT_EQUAL(segs[0].bytes, 1024);
    /* Pages 0 and 1 are adjacent: one segment; then two more. */
    CU_ASSERT_EQUAL(blkdriver_split(phys, 3584, 4096 * 2 + 1024, segs, 4), 3);
    CU_ASSERT_EQUAL(segs[0].phys, 0x10E00);
    CU_ASSERT_EQUAL(segs[0].bytes, 512 + 4096);
    CU_ASSERT_EQUAL(segs[1].phys, 0x30000);
    CU_ASSERT_EQUAL(segs[1].bytes, 4096);
    CU_ASSERT_EQUAL(segs[2].phys, 0x20000);
    CU_ASSERT_EQUAL(segs[2].bytes, 512);
    /* Too many for the room given. */
    CU_ASSERT_EQUAL(blkdriver_split(phys, 4096, 4096 * 3, segs, 1), -E_RANGE);
    CU_ASSERT_EQUAL(blkdriver_split(phys, 0, 0, segs, 0), 0);
}

int test_blk_register(void)
{
    CU_pSuite s = CU_add_suite("block stack: PCI BARs, virtqueue, blk requests", 0, 0);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "I/O BARs", test_bar_io) || !CU_add_test(s, "memory BARs", test_bar_memory) ||
        !CU_add_test(s, "64-bit BARs", test_bar_64) || !CU_add_test(s, "absent BARs", test_bar_absent) ||
        !CU_add_test(s, "virtqueue indexes", test_vq_indexes) ||
        !CU_add_test(s, "virtqueue round trip across the wrap", test_vq_round_trip) ||
        !CU_add_test(s, "blk request checks", test_blk_check) ||
        !CU_add_test(s, "blk DMA segments", test_blk_segments))
        return CU_get_error();
    return CUE_SUCCESS;
}
