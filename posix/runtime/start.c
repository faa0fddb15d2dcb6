/* From _start to main: argc/argv/envp, newlib's constructors, exit with main's status. */
#include <stdint.h>
#include <stdlib.h>

#include "posix.h"

/*
 * The program's name: agora-cc links one generated from the output file's name (the boot
 * module is named after it); "a.out" if the program was linked without it.
 */
extern const char posix_argv0[] __attribute__((weak));

extern char **environ;
extern int main(int argc, char **argv, char **envp);
extern void __libc_init_array(void);
extern void __libc_fini_array(void);

/* newlib (built with HAVE_INIT_FINI) calls these around the .init_array/.fini_array entries. */
void _init(void) {}
void _fini(void) {}

_Noreturn void posix_start(uint64_t arg);

/*
 * arg is the starter's word (init: the module index): it carries nothing for POSIX yet.
 * pm will hand over the real argument vector and environment; until then argv is
 * { program name, NULL } and the environment is empty.
 */
_Noreturn void posix_start(uint64_t arg)
{
    static char *argv[2];

    argv[0] = (char *)(posix_argv0 ? posix_argv0 : "a.out");
    argv[1] = NULL;
    posix_files_init();
    atexit(__libc_fini_array);
    __libc_init_array();
    exit(main(1, argv, environ));
}
