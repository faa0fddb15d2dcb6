/* Notifications: a word of signal bits; waiters block until it is non-zero. */
#ifndef AGORA_KERNEL_OBJECT_NOTIFICATION_H
#define AGORA_KERNEL_OBJECT_NOTIFICATION_H

#include <stdint.h>
#include "object/kobject.h"
#include "object/thread.h"

typedef struct notification {
    kobject_t obj;
    uint64_t word;
    thread_t *waiters;       /* FIFO through q_next */
} notification_t;

notification_t *notification_create(void);
void notification_destroy(notification_t *n);
/* ORs bits in; wakes the first waiter with the word (which is then cleared). */
void notification_signal(notification_t *n, uint64_t bits);
/* Current thread: the word (then cleared) in its frame's rax at once if non-zero, else once signalled. */
void notification_wait(notification_t *n);
/* Returns and clears the word without blocking. */
uint64_t notification_poll(notification_t *n);
void notification_dequeue(notification_t *n, thread_t *t);

#endif
