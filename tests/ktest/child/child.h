/* The protocol between ktest's spawn tests (tests/ktest/spawn.c) and the ktest-child program. */
#ifndef AGORA_TESTS_KTEST_CHILD_H
#define AGORA_TESTS_KTEST_CHILD_H

/* The child's slot of the endpoint it reports on (given by the parent through agora_spawn). */
#define CHILD_CAP_EP 3

/* Child -> parent, a call: mr0 = the argument it started with, mr1 = CHILD_OK_* bits. */
#define CHILD_LABEL_HELLO 0x4b43u   /* "KC" */
/* Parent -> child, the reply: mr0 = argument + 1. Then the child returns 0 from main. */
#define CHILD_LABEL_REPLY 0x4b50u   /* "KP" */

#define CHILD_OK_STACK       (1u << 0)   /* its stack is below AGORA_CHILD_STACK_TOP */
#define CHILD_OK_IPC_BUFFER  (1u << 1)   /* the IPC buffer is mapped, writable, where expected */
#define CHILD_OK_SELF_TASK   (1u << 2)   /* CAP_SELF_TASK is a task */
#define CHILD_OK_SELF_THREAD (1u << 3)   /* CAP_SELF_THREAD is a thread */
#define CHILD_OK_PASSED_CAP  (1u << 4)   /* CHILD_CAP_EP is an endpoint */
#define CHILD_OK_FREE_SLOTS  (1u << 5)   /* nothing else: AGORA_CHILD_FIRST_FREE_SLOT and slot 4 empty */
#define CHILD_OK_DATA        (1u << 6)   /* initialised data has its values */
#define CHILD_OK_BSS         (1u << 7)   /* the bss is zero */
#define CHILD_OK_ALL         0xffu

#endif
