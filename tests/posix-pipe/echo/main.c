/*
 * posix-pipe-echo: what tests/posix-pipe runs with execve in a child whose stdout is a
 * pipe's write end: prints its arguments, one per line, through stdio, and exits 0.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf("%s\n", argv[i]);
    return 0;
}
