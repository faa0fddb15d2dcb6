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
 *   CAP_CHILD_MACHINE  the machine (SYS_MACHINE_HALT), only when the kernel command line
 *                      has test=...: a test program ends the run with its verdict. Empty
 *                      otherwise.
 */
#define CAP_CHILD_POOL     3
#define CAP_NAMES          4
#define CAP_CHILD_MACHINE  5

#endif
