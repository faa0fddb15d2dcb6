/* From _start to main: argc/argv/envp, newlib's constructors, exit with main's status. */
#include <stdint.h>
#include <stdlib.h>

#include <agora/proto/pm.h>

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

_Noreturn void posix_start(uint64_t arg, uint64_t *sp);

/*
 * arg is the starter's word. From pm it is PM_START_MAGIC and sp points at argc, then
 * argv[0..argc-1], NULL, envp..., NULL (include/agora/proto/pm.h), as on Linux. From init
 * it is the module index and there is nothing on the stack: argv is { program name, NULL }
 * and the environment is empty.
 */
_Noreturn void posix_start(uint64_t arg, uint64_t *sp)
{
    static char *argv0[2];
    char **argv = argv0;
    int argc = 1;

    if (arg == PM_START_MAGIC) {
        argc = (int)sp[0];
        argv = (char **)(sp + 1);
        environ = argv + argc + 1;
    } else {
        argv0[0] = (char *)(posix_argv0 ? posix_argv0 : "a.out");
        argv0[1] = NULL;
    }
    posix_files_init();
    posix_signals_init();
    atexit(__libc_fini_array);
    __libc_init_array();
    exit(main(argc, argv, environ));
}
