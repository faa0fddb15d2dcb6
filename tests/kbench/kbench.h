/* kbench: what the benchmark program (tests/kbench/main.c) and its peer, kbench-peer, share. */
#ifndef AGORA_TESTS_KBENCH_H
#define AGORA_TESTS_KBENCH_H

/* The peer's role, its main's argument: one spawn per benchmark. */
#define KB_ROLE_ECHO   1   /* answers every call on KB_CAP_EP with the words it got */
#define KB_ROLE_NOTIFY 2   /* waits on KB_CAP_PING, signals KB_CAP_PONG, for ever */
#define KB_ROLE_PAGER  3   /* answers page faults on KB_CAP_EP with its page mapped there */

/* The peer's capability slots (agora_spawn's passed range). */
#define KB_CAP_EP   3      /* echo and pager: receive */
#define KB_CAP_PING 4      /* notify: wait */
#define KB_CAP_PONG 5      /* notify: signal */
#define KB_CAP_POOL 6      /* pager: for its page */

/* Where the pager keeps the page it lends out. */
#define KB_PAGER_PAGE 0x0000000010000000ull

#endif
