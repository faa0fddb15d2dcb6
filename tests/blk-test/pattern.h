/* The disk pattern shared by blk-test and the host tool tools/diskpattern.c: byte i of a sector, per seed. */
#ifndef BLK_TEST_PATTERN_H
#define BLK_TEST_PATTERN_H

#include <stdint.h>

#define DISK_SECTOR 512
#define SEED_HOST   0                /* what the host writes into a fresh image */
#define SEED_TEST   1                /* what blk-test writes */

static inline uint8_t disk_pattern(uint64_t sector, unsigned i, unsigned seed)
{
    uint64_t x = sector * 0x9E3779B97F4A7C15ull + i * 0x100000001B3ull + seed * 0xD6E8FEB86659FD93ull;

    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 32;
    return (uint8_t)x;
}

#endif
