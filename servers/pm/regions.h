/* Lookups in an image's regions and pages (image.h): which page backs an address, ranges, mapping runs. Pure (tests/unit/test_cow.c). */
#ifndef PM_REGIONS_H
#define PM_REGIONS_H

#include <stdint.h>

#include "image.h"

/* The index in img->page[] of the page holding vaddr, in a region with all of rights; -1 if none. */
long pm_region_entry(const struct pm_image *img, uint64_t vaddr, uint64_t rights);
/*
 * Whether every page of [vaddr, vaddr + len) is in a region with all of rights: 0, or
 * -E_FAULT (a page outside, a region without them, or a range that wraps). len 0 is 0.
 */
long pm_region_check(const struct pm_image *img, uint64_t vaddr, uint64_t len, uint64_t rights);
/*
 * How many of img's pages from page[j] on (at most max, at least 1) are consecutive pages
 * of one object with the same writable flag: one SYS_MAP maps them.
 */
uint32_t pm_region_run(const struct pm_image *img, uint32_t j, uint64_t max);

#endif
