/* What init hands every program it starts: the capability slots below AGORA_CHILD_FIRST_FREE_SLOT. */
#ifndef AGORA_PROTO_INIT_H
#define AGORA_PROTO_INIT_H

/*
 * Slots 1 and 2 are the child's own task and thread (objects.h); init fills these
 * (servers/init/README.md has the rights and the rules):
 *
 *   CAP_CHILD_POOL     init's pool, all rights (until pools can be split with a quota)
 *   CAP_NAMES          the name service's endpoint: send-only (write, grant, copy), badged
 *                      with the child's boot-module index + 1; in names itself, the
 *                      receive side (all rights). Empty when no module is named "names".
 *   CAP_CHILD_MACHINE  the machine (SYS_MACHINE_HALT): for the module named "pm" always
 *                      (PM_REBOOT, the end of pid 1: proto/pm.h); for every child when the
 *                      kernel command line has test=... (a test program ends the run with its
 *                      verdict). Empty otherwise.
 *   CAP_DEVICE_IOPORTS the I/O-port range of the device a driver drives, all rights; only
 *                      for the driver modules of init's device table (servers/init/devices.c:
 *                      "serial" gets COM1's ports 0x3F8-0x3FF). Empty for everyone else.
 *   CAP_DEVICE_IRQ     that device's IRQ line, all rights (unbound: the driver binds it);
 *                      "serial" gets ISA IRQ 4. Empty for everyone else.
 *   CAP_VFS_ROOTFS     only for the module named "vfs": the memory object of the boot module
 *                      named "rootfs.cpio" (the root file system as a cpio newc archive,
 *                      images/rootfs), read right only. Empty for everyone else, and when
 *                      there is no such module. A module whose name has a '.' is data: init
 *                      does not start it (servers/init/data.c).
 *   CAP_PM_NAMES_MINT  only for the module named "pm": the names endpoint unbadged (write,
 *                      grant, copy), from which pm badges its processes' identities
 *                      (include/agora/proto/pm.h). Empty for everyone else.
 *   CAP_CMDLINE        for "pm" and "ext2": one page, read only, holding the kernel command line
 *                      (NUL-terminated), where pm finds posix_init=PATH.
 *   For the module named "pci" (drivers/pci), the bus driver that hands PCI devices to
 *   their drivers: CAP_DEVICE_IOPORTS is 0xCF8-0xCFF (configuration mechanism #1), no
 *   CAP_DEVICE_IRQ, and
 *   CAP_PCI_IOSPACE    ports 0x1000-0xFFFF, where the firmware puts I/O BARs (all rights);
 *   CAP_PCI_IRQ_CONTROL init's IRQ control (all rights): the lines of PCI devices;
 *   CAP_PCI_MACHINE    the machine with manage, read and copy: device memory for memory
 *                      BARs, and the DMA right (read alone) it gives each claimant.
 *   Empty for everyone else. Drivers of PCI devices get theirs from pci (proto/pci.h).
 * The module named "supervisor" gets other capabilities at 5-8 and 10-15 instead
 * (include/agora/proto/svc.h CAP_SVC_*), and the drivers it starts get, besides the slots
 * above, CAP_SVC (15): the supervisor's endpoint, badged for their READY.
 * Slot 9 stays empty in every module: pm's processes have pm's endpoint there (CAP_PM), and
 * the POSIX runtime takes a filled slot 9 to mean it runs under pm.
 */
#define CAP_CHILD_POOL     3
#define CAP_NAMES          4
#define CAP_CHILD_MACHINE  5
#define CAP_DEVICE_IOPORTS 6
#define CAP_DEVICE_IRQ     7
#define CAP_VFS_ROOTFS     8
#define CAP_PM_NAMES_MINT  10
#define CAP_CMDLINE        11
#define CAP_PCI_IOSPACE    12
#define CAP_PCI_IRQ_CONTROL 13
#define CAP_PCI_MACHINE    14

#endif
