/*
 * mount: with no arguments, lists vfs's mount table (agora_mount_at, <sys/agora.h>) as
 * "TYPE on PATH type TYPE (rw|ro)", like mount(8)'s listing. Mounting is for boot modules
 * only (servers/vfs/README.md: processes have no right to mount yet), so arguments are
 * refused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/agora.h>

int main(int argc, char **argv)
{
    const char *name = argc > 0 && argv[0] ? argv[0] : "mount";
    struct agora_mount m;
    int i;

    if (argc > 1) {
        fprintf(stderr, "%s: only boot modules mount; with no arguments, lists the mounts\n", name);
        return 1;
    }
    printf("rootfs on / type ramfs (rw)\n");
    for (i = 0; agora_mount_at(i, &m) == 0; i++)
        printf("%s on %s type %s (%s)\n", m.type, m.path, m.type, m.readonly ? "ro" : "rw");
    if (errno != ENOENT) {
        fprintf(stderr, "%s: %s\n", name, strerror(errno));
        return 1;
    }
    return 0;
}
