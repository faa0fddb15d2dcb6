/* reboot, which newlib lacks (posix/runtime/reboot.c): Linux's call and constants. */
#ifndef _AGORA_SYS_REBOOT_H
#define _AGORA_SYS_REBOOT_H

#define RB_AUTOBOOT     0x01234567   /* restart: not supported yet (EINVAL) */
#define RB_HALT_SYSTEM  0xcdef0123   /* halt: Agora powers off */
#define RB_POWER_OFF    0x4321fedc   /* power off (ACPI) */
#define RB_ENABLE_CAD   0x89abcdef   /* Ctrl-Alt-Del: accepted, nothing to do */
#define RB_DISABLE_CAD  0

/* Asks pm to end the machine; returns only on failure (-1, errno: EPERM, EINVAL, ENOSYS without pm). */
int reboot(int howto);

#endif
