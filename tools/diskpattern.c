/* Host tool for block-device tests: make a disk image filled with a known pattern, or check sectors of one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

static int usage(void)
{
    fprintf(stderr, "usage: diskpattern make FILE SECTORS\n"
                    "       diskpattern check FILE FIRST COUNT SEED\n");
    return 2;
}

static int make(const char *path, unsigned long long sectors)
{
    FILE *f = fopen(path, "wb");
    unsigned char sector[DISK_SECTOR];

    if (!f) {
        perror(path);
        return 1;
    }
    for (unsigned long long s = 0; s < sectors; s++) {
        for (unsigned i = 0; i < DISK_SECTOR; i++)
            sector[i] = disk_pattern(s, i, SEED_HOST);
        if (fwrite(sector, 1, sizeof(sector), f) != sizeof(sector)) {
            perror(path);
            fclose(f);
            return 1;
        }
    }
    return fclose(f) == 0 ? 0 : 1;
}

static int check(const char *path, unsigned long long first, unsigned long long count, unsigned seed)
{
    FILE *f = fopen(path, "rb");
    unsigned char sector[DISK_SECTOR];

    if (!f || fseek(f, (long)(first * DISK_SECTOR), SEEK_SET) != 0) {
        perror(path);
        return 1;
    }
    for (unsigned long long s = first; s < first + count; s++) {
        if (fread(sector, 1, sizeof(sector), f) != sizeof(sector)) {
            fprintf(stderr, "diskpattern: %s: short read at sector %llu\n", path, s);
            return 1;
        }
        for (unsigned i = 0; i < DISK_SECTOR; i++)
            if (sector[i] != disk_pattern(s, i, seed)) {
                fprintf(stderr, "diskpattern: %s: sector %llu byte %u is 0x%02x, not 0x%02x (seed %u)\n", path,
                        s, i, sector[i], disk_pattern(s, i, seed), seed);
                return 1;
            }
    }
    fclose(f);
    printf("diskpattern: %s: sectors %llu-%llu hold seed %u\n", path, first, first + count - 1, seed);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "make") == 0)
        return make(argv[2], strtoull(argv[3], 0, 0));
    if (argc == 6 && strcmp(argv[1], "check") == 0)
        return check(argv[2], strtoull(argv[3], 0, 0), strtoull(argv[4], 0, 0), (unsigned)strtoul(argv[5], 0, 0));
    return usage();
}
