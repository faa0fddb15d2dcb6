/* The vm command's pieces: the client of a guest's vmm-server (client.c) and the console (console.c). */
#ifndef USERLAND_VM_H
#define USERLAND_VM_H

#include <stdint.h>
#include <sys/types.h>

#include <agora/proto/vmm.h>

#define VMM_PATH "/bin/vmm-server"

/* The endpoint of guest id's vmm-server ("vm.<id>" from names) in *ep: 0 or an Agora error. */
long vm_lookup(long id, uint64_t *ep);
/* Waits up to wait_ms for child pid's vmm-server to register: 0, or -1 if the child ended (*status). */
int vm_wait_registered(pid_t pid, uint64_t *ep, int wait_ms, int *status);
long vm_info(uint64_t ep, struct vmm_info *out);
long vm_input(uint64_t ep, const uint8_t *bytes, unsigned n, unsigned *taken);
long vm_stop_ep(uint64_t ep);
long vm_detach(uint64_t ep);
void vm_drop(uint64_t ep);
/* Calls fn for every registered guest id; returns how many. */
int vm_each(void (*fn)(long id, void *ctx), void *ctx);

/* console.c: the guest's console in the foreground until it ends (its status) or is detached (-1). */
int vm_console(pid_t pid, uint64_t ep);

/* How a vmm-server status reads (proto/vmm.h VMM_STATUS_*). */
const char *vm_status_text(int status);

#endif
