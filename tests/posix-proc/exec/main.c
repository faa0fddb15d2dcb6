/*
 * posix-proc-exec: what tests/posix-proc runs with execve. It checks what it was given and
 * exits 0, or with the number of the first check that failed:
 *   argv: posix-proc-exec, "alpha", "beta gamma", PID, KEPT_FD, CLOEXEC_FD
 *   envp: FOO=bar, EMPTY=  (and nothing else)
 * PID must be its own pid (exec keeps it), KEPT_FD an open descriptor at offset 3 (exec
 * keeps descriptors), CLOEXEC_FD closed (close-on-exec).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv, char **envp)
{
    if (argc != 6 || argv[6] != NULL)
        return 1;
    if (strcmp(argv[0], "posix-proc-exec") || strcmp(argv[1], "alpha") || strcmp(argv[2], "beta gamma"))
        return 2;
    if (!envp || !envp[0] || strcmp(envp[0], "FOO=bar") || !envp[1] || strcmp(envp[1], "EMPTY=") || envp[2])
        return 3;
    if (environ != envp || !getenv("FOO") || strcmp(getenv("FOO"), "bar"))
        return 4;
    if (atoi(argv[3]) != getpid())
        return 5;
    if (lseek(atoi(argv[4]), 0, SEEK_CUR) != 3)
        return 6;
    if (fcntl(atoi(argv[5]), F_GETFD) != -1 || errno != EBADF)
        return 7;
    if (getppid() != 1)
        return 8;
    return 0;
}
