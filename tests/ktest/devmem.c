/* ktest: device memory objects: registers outside RAM, uncached, never the kernel's own. */
#include "ktest.h"

#include <agora/errors.h>
#include <agora/objects.h>
#include <libagora/sys.h>

#define VGA_TEXT 0xB8000ull        /* a legacy hole in QEMU's memory map: VGA memory, not RAM */
#define LAPIC    0xFEE00000ull     /* the kernel's own */
#define IOAPIC   0xFEC00000ull

KTEST(device_memory_map_and_use)
{
    uint64_t m = ktest_slot();
    KTEST_OK(sys_device_memory(CAP_INIT_MACHINE, VGA_TEXT, 1, m));
    KTEST_EQ(sys_memory_info(m), 1);
    /* Never executable: the capability lacks RIGHT_EXEC. */
    KTEST_EQ(sys_map(CAP_SELF_TASK, m, 0, KTEST_SCRATCH_VADDR, 1, RIGHT_READ | RIGHT_EXEC), -E_PERM);
    KTEST_OK(sys_map(CAP_SELF_TASK, m, 0, KTEST_SCRATCH_VADDR, 1, RIGHT_READ | RIGHT_WRITE));
    volatile uint16_t *cell = (volatile uint16_t *)(KTEST_SCRATCH_VADDR + 3998);
    uint16_t old = *cell;
    *cell = 0x2f41;   /* 'A', white on green: bottom right of the (hidden) VGA screen */
    KTEST_EQ(*cell, 0x2f41);
    *cell = old;
    KTEST_EQ(sys_unmap(CAP_SELF_TASK, KTEST_SCRATCH_VADDR, 1), 1);
    return true;
}

KTEST(device_memory_refuses_ram_and_kernel_devices)
{
    uint64_t m = ktest_slot();
    KTEST_EQ(sys_device_memory(CAP_INIT_MACHINE, 0x100000, 1, m), -E_PERM);      /* RAM */
    KTEST_EQ(sys_device_memory(CAP_INIT_MACHINE, 0x9F000, 2, m), -E_PERM);       /* straddles RAM's end */
    KTEST_EQ(sys_device_memory(CAP_INIT_MACHINE, LAPIC, 1, m), -E_PERM);
    KTEST_EQ(sys_device_memory(CAP_INIT_MACHINE, IOAPIC - 0x1000, 2, m), -E_PERM);
    KTEST_EQ(sys_device_memory(CAP_INIT_MACHINE, VGA_TEXT + 1, 1, m), -E_ALIGN);
    KTEST_EQ(sys_device_memory(CAP_INIT_MACHINE, VGA_TEXT, 0, m), -E_RANGE);
    KTEST_EQ(sys_device_memory(CAP_INIT_MACHINE, 0xFFFFFFFFFFFFF000ull, 1, m), -E_RANGE);
    KTEST_EQ(sys_device_memory(CAP_INIT_POOL, VGA_TEXT, 1, m), -E_TYPE);
    KTEST_EQ(sys_device_memory(CAP_INIT_MACHINE, VGA_TEXT, 1, CAP_SELF_TASK), -E_EXIST);
    uint64_t weak = ktest_slot();
    KTEST_OK(sys_cap_copy(CAP_INIT_MACHINE, weak, RIGHT_COPY, 0));
    KTEST_EQ(sys_device_memory(weak, VGA_TEXT, 1, m), -E_PERM);
    KTEST_EQ(sys_cap_info(m), -E_NOCAP);   /* nothing was created by any of these */
    return true;
}

/* Halting needs the machine capability with the manage right and a known code; nothing halts here. */
KTEST(machine_halt_bad_arguments)
{
    uint64_t weak = ktest_slot();
    KTEST_EQ(sys_machine_halt(CAP_INIT_POOL, 0), -E_TYPE);
    KTEST_EQ(sys_machine_halt(ktest_slot(), 0), -E_NOCAP);
    KTEST_OK(sys_cap_copy(CAP_INIT_MACHINE, weak, RIGHT_COPY, 0));
    KTEST_EQ(sys_machine_halt(weak, 0), -E_PERM);
    KTEST_EQ(sys_machine_halt(CAP_INIT_MACHINE, 3), -E_INVAL);
    KTEST_EQ(sys_machine_halt(CAP_INIT_MACHINE, ~0ull), -E_INVAL);
    return true;
}

/* SYS_MEMORY_PHYS: one page's frame, for DMA; the machine's read right and a writable object. */
KTEST(memory_phys_addresses_and_errors)
{
    uint64_t m = ktest_slot(), ro = ktest_slot(), dma = ktest_slot(), none = ktest_slot();
    uint64_t dev = ktest_slot();
    long p0, p1;

    KTEST_OK(sys_memory_create(CAP_INIT_POOL, 2, m));
    p0 = sys_memory_phys(CAP_INIT_MACHINE, m, 0);
    p1 = sys_memory_phys(CAP_INIT_MACHINE, m, 1);
    KTEST_CHECK(p0 > 0 && p1 > 0 && p0 != p1);
    KTEST_CHECK((p0 & 0xFFF) == 0 && (p1 & 0xFFF) == 0);
    KTEST_EQ(sys_memory_phys(CAP_INIT_MACHINE, m, 0), p0);       /* frames never move */
    /* The DMA right alone: a machine copy with RIGHT_READ, which cannot halt. */
    KTEST_OK(sys_cap_copy(CAP_INIT_MACHINE, dma, RIGHT_READ, 0));
    KTEST_EQ(sys_memory_phys(dma, m, 1), p1);
    KTEST_EQ(sys_machine_halt(dma, 0), -E_PERM);
    KTEST_EQ(sys_device_memory(dma, 0xB8000, 1, dev), -E_PERM);
    KTEST_OK(sys_cap_copy(CAP_INIT_MACHINE, none, RIGHT_MANAGE | RIGHT_COPY, 0));
    KTEST_EQ(sys_memory_phys(none, m, 0), -E_PERM);
    /* A read-only memory capability must not become device-writable. */
    KTEST_OK(sys_cap_copy(m, ro, RIGHT_READ, 0));
    KTEST_EQ(sys_memory_phys(CAP_INIT_MACHINE, ro, 0), -E_PERM);
    KTEST_EQ(sys_memory_phys(CAP_INIT_MACHINE, m, 2), -E_RANGE);
    KTEST_EQ(sys_memory_phys(CAP_INIT_MACHINE, m, ~0ull), -E_RANGE);
    KTEST_EQ(sys_memory_phys(CAP_INIT_POOL, m, 0), -E_TYPE);
    KTEST_EQ(sys_memory_phys(CAP_INIT_MACHINE, CAP_INIT_POOL, 0), -E_TYPE);
    KTEST_EQ(sys_memory_phys(CAP_INIT_MACHINE, ktest_slot(), 0), -E_NOCAP);
    KTEST_EQ(sys_memory_phys(~0ull, m, 0), -E_NOCAP);
    /* Device memory answers with its own address. */
    KTEST_OK(sys_device_memory(CAP_INIT_MACHINE, 0xB8000, 1, dev));
    KTEST_EQ(sys_memory_phys(CAP_INIT_MACHINE, dev, 0), 0xB8000);
    return true;
}
