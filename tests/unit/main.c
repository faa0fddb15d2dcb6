/* Runs every unit-test suite under CUnit and checks that the harness really ran them all. */
#include <CUnit/Basic.h>
#include <stdbool.h>
#include <stdio.h>

#include "suites.h"

static int (*const suite_registrations[])(void) = {
    test_format_register,
    test_cmdline_register,
    test_multiboot2_register,
    test_frame_register,
    test_acpi_register,
    test_elf_register,
    test_cap_register,
    test_pagetable_register,
    test_proto_register,
    test_names_register,
    test_vfs_register,
    test_pipe_register,
    test_tty_register,
    test_pm_register,
    test_termios_register,
    test_cow_register,
    test_blk_register,
    test_mount_register,
    test_fslinks_register,
    test_ext2_register,
    test_ext2_hostile_register,
    test_ext2_model_register,
    test_vmm_decode_register,
    test_vmm_uart_register,
    test_vmm_pic_register,
    test_vmm_pit_register,
    test_vmm_paging_register,
    test_vmm_image_register,
    test_rtc_register,
    test_vmm_core_register,
    test_svc_register,
};

static bool register_all(void)
{
    size_t n = sizeof(suite_registrations) / sizeof(suite_registrations[0]);

    for (size_t i = 0; i < n; i++) {
        if (suite_registrations[i]() != CUE_SUCCESS) {
            fprintf(stderr, "unit: registering suite %zu failed: %s\n", i, CU_get_error_msg());
            return false;
        }
    }
    return true;
}

int main(void)
{
    unsigned registered, run, failed, suites_failed;
    CU_ErrorCode run_error;
    bool ok = true;

    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "unit: cannot create the CUnit registry: %s\n", CU_get_error_msg());
        return 2;
    }
    if (!register_all()) {
        ok = false;
        goto out_cleanup;
    }
    registered = CU_get_registry()->uiNumberOfTests;

    CU_basic_set_mode(CU_BRM_VERBOSE);
    run_error = CU_basic_run_tests();
    run = CU_get_number_of_tests_run();
    failed = CU_get_number_of_tests_failed();
    suites_failed = CU_get_number_of_suites_failed();
    if (CU_get_number_of_failure_records() > 0) {
        printf("\nFailures:\n");
        CU_basic_show_failures(CU_get_failure_list());
        printf("\n");
    }

    if (run_error != CUE_SUCCESS) {
        fprintf(stderr, "unit: CUnit reported: %s\n", CU_get_error_msg());
        ok = false;
    }
    /* A suite whose set-up failed runs none of its tests: that is a failure, not a pass. */
    if (run != registered || suites_failed != 0) {
        fprintf(stderr, "unit: harness: %u tests registered, %u run, %u suites failed to start\n",
                registered, run, suites_failed);
        ok = false;
    }
    if (failed != 0)
        ok = false;
    printf("unit: %u passed, %u failed\n", run - failed, failed);

out_cleanup:
    CU_cleanup_registry();
    return ok ? 0 : 1;
}
