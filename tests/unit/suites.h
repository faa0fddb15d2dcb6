/* The unit-test suites main.c registers; each adds its tests to the CUnit registry. */
#ifndef AGORA_TESTS_UNIT_SUITES_H
#define AGORA_TESTS_UNIT_SUITES_H

/* Each returns CUE_SUCCESS or the CUnit error that stopped the registration. */
int test_format_register(void);
int test_cmdline_register(void);
int test_multiboot2_register(void);
int test_frame_register(void);
int test_acpi_register(void);
int test_elf_register(void);
int test_cap_register(void);
int test_pagetable_register(void);
int test_proto_register(void);
int test_names_register(void);
int test_vfs_register(void);
int test_pipe_register(void);
int test_tty_register(void);
int test_pm_register(void);
int test_termios_register(void);
int test_cow_register(void);
int test_blk_register(void);
int test_mount_register(void);
int test_fslinks_register(void);
int test_ext2_register(void);
int test_ext2_hostile_register(void);
int test_ext2_model_register(void);
int test_vmm_decode_register(void);
int test_vmm_uart_register(void);
int test_vmm_pic_register(void);
int test_vmm_pit_register(void);
int test_vmm_paging_register(void);
int test_vmm_image_register(void);
int test_rtc_register(void);
int test_vmm_core_register(void);
int test_svc_register(void);

#endif
