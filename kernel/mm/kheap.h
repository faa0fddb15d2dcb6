/* Kernel heap: small objects from power-of-two size classes, large ones as whole frames. */
#ifndef AGORA_KERNEL_MM_KHEAP_H
#define AGORA_KERNEL_MM_KHEAP_H

#include <stddef.h>

/* Zero-filled memory, or NULL when physical memory is exhausted. */
void *kzalloc(size_t size);
void kfree(void *p);

/* Bytes currently allocated (for leak checks). */
size_t kheap_in_use(void);

#endif
