/* The client setup, shared with blk-test (tests/blk-test/setup.c). */
#include "../setup.c"
