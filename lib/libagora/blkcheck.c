/* The block-driver library's pure parts: request validation and splitting a buffer range into physical segments. */
#include <libagora/blkdriver.h>

#include <agora/errors.h>

#define PAGE_SIZE 4096ull

long blkdriver_check(const struct blkdriver_info *info, bool write, uint64_t sector, uint64_t count,
                     uint64_t offset, uint64_t buffer_pages)
{
    uint64_t buffer = buffer_pages * PAGE_SIZE;

    if (buffer_pages == 0)
        return -E_STATE;
    if (count == 0)
        return -E_INVAL;
    if (count > info->max_sectors || sector >= info->sectors || count > info->sectors - sector)
        return -E_RANGE;
    if (offset % info->sector_size)
        return -E_ALIGN;
    if (offset >= buffer || count * info->sector_size > buffer - offset)
        return -E_RANGE;
    if (write && (info->flags & BLK_READ_ONLY))
        return -E_PERM;
    return 0;
}

long blkdriver_split(const uint64_t *phys, uint64_t offset, uint64_t bytes,
                     struct blkdriver_segment *segs, unsigned max)
{
    unsigned n = 0;

    while (bytes > 0) {
        uint64_t in_page = PAGE_SIZE - offset % PAGE_SIZE;
        uint64_t take = bytes < in_page ? bytes : in_page;
        uint64_t at = phys[offset / PAGE_SIZE] + offset % PAGE_SIZE;

        if (n > 0 && segs[n - 1].phys + segs[n - 1].bytes == at) {
            segs[n - 1].bytes += take;
        } else {
            if (n == max)
                return -E_RANGE;
            segs[n++] = (struct blkdriver_segment){ at, take };
        }
        offset += take;
        bytes -= take;
    }
    return n;
}
