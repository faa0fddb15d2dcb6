/* blk-test's worker threads: a batch of READs and WRITEs, several in flight at once, each thread in its own call. */
#ifndef BLK_TEST_IO_H
#define BLK_TEST_IO_H

#include <stdint.h>

#define IO_MAX_WORKERS 8

struct blk_job {
    uint32_t label;                  /* BLK_READ or BLK_WRITE */
    uint64_t sector, count, offset;
    long result;                     /* the call's status */
};

/* Starts n worker threads calling ep (a send capability to the driver); 0 or an error. */
long io_start(uint64_t ep, unsigned n);
/* Runs every job, the workers taking them in order as they come free; returns when all are answered. */
void io_run(struct blk_job *jobs, unsigned njobs);

#endif
