/* Stack backtraces by walking the frame-pointer chain (the kernel keeps frame pointers). */
#ifndef AGORA_KERNEL_LIB_BACKTRACE_H
#define AGORA_KERNEL_LIB_BACKTRACE_H

#include <stdint.h>

/* Prints rip, then the return addresses found from frame pointer rbp, at most max_frames. */
void backtrace_print(uint64_t rip, uint64_t rbp, int max_frames);

#endif
