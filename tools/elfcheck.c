/*
 * elfcheck FILE...: runs kernel/lib/elf.c's checks (what the kernel and agora_spawn do
 * before loading) on user programs at build time, and checks that no segment touches the
 * runtime's reserved range. -v prints the segments. Exits 1 if any file is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <agora/boot.h>
#include <agora/errors.h>
#include "lib/elf.h"

static const char *const error_names[] = {
#define ERROR_NAME(name, num, desc) [num] = #name ": " desc,
    AGORA_ERROR_LIST(ERROR_NAME)
#undef ERROR_NAME
};

static int check(const char *path, int verbose)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;
    elf_info_t info;
    int err;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        goto fail;
    }
    buf = malloc(size > 0 ? (size_t)size : 1);
    if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "elfcheck: %s: cannot read\n", path);
        goto fail;
    }
    err = elf_parse(buf, (size_t)size, &info);
    if (err < 0) {
        fprintf(stderr, "elfcheck: %s: refused: %s\n", path,
                -err < AGORA_ERROR_COUNT && error_names[-err] ? error_names[-err] : "unknown error");
        goto fail;
    }
    /* The IPC buffer and the stack (and init's boot information): lib/libagora/include/libagora/spawn.h. */
    if (!elf_range_free(&info, AGORA_BOOT_INFO_VADDR, AGORA_INIT_STACK_TOP - AGORA_BOOT_INFO_VADDR)) {
        fprintf(stderr, "elfcheck: %s: a segment lies in [0x%llx, 0x%llx), the runtime's\n", path,
                (unsigned long long)AGORA_BOOT_INFO_VADDR, (unsigned long long)AGORA_INIT_STACK_TOP);
        goto fail;
    }
    if (verbose) {
        printf("%s: entry 0x%llx\n", path, (unsigned long long)info.entry);
        for (unsigned i = 0; i < info.nsegments; i++) {
            const elf_segment_t *s = &info.segments[i];
            printf("  0x%08llx +0x%-8llx file 0x%-6llx +0x%-8llx %c%c%c\n",
                   (unsigned long long)s->vaddr, (unsigned long long)s->memsz,
                   (unsigned long long)s->offset, (unsigned long long)s->filesz,
                   s->flags & ELF_SEG_READ ? 'r' : '-', s->flags & ELF_SEG_WRITE ? 'w' : '-',
                   s->flags & ELF_SEG_EXEC ? 'x' : '-');
        }
    }
    free(buf);
    fclose(f);
    return 0;

fail:
    free(buf);
    if (f != NULL)
        fclose(f);
    return 1;
}

int main(int argc, char **argv)
{
    int verbose = 0, failed = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0)
            verbose = 1;
        else
            failed |= check(argv[i], verbose);
    }
    return failed;
}
