/* placeholder */
#include <CUnit/CUnit.h>
#include "suites.h"
int test_ext2_hostile_register(void) { return CUE_SUCCESS; }
