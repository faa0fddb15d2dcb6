/*
 * poweroff: ends Agora. Asks pm to power the machine off (reboot(RB_POWER_OFF), PM_REBOOT in
 * include/agora/proto/pm.h); under QEMU the ACPI power-off ends QEMU. Agora's own tool: it
 * takes no options (-f, -n and the like mean nothing here: there are no services to stop and
 * disks to unmount). It calls sync() first, so that what was written to /mnt (ext2) is on
 * the disk before the machine goes off (the ext2 server also syncs every second by itself).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *name = argc > 0 && argv[0] ? argv[0] : "poweroff";

    if (argc > 1) {
        fprintf(stderr, "usage: %s\n", name);
        return 2;
    }
    fflush(stdout);
    sync();
    reboot(RB_POWER_OFF);
    fprintf(stderr, "%s: %s\n", name, strerror(errno));
    return 1;
}
