/* The worker pool, shared with blk-test (tests/blk-test/io.c). */
#include "../io.c"
