/* The vmm protocol: what the vm command (userland/vm) asks a running guest's vmm-server. */
#ifndef AGORA_PROTO_VMM_H
#define AGORA_PROTO_VMM_H

#include <stdint.h>

#include <agora/proto/proto.h>

/*
 * One vmm-server process runs one guest (vmm-server/README.md). Its id is its pid; it
 * registers its endpoint with names as "vm.<id>" (VMM_NAME_PREFIX) once the guest runs, so
 * `vm list` finds every guest by names LIST and asks each VMM_INFO. The name goes with the
 * process (names watches the task). Any process may ask (one user, root).
 *
 * INFO() -> info: id, pid, RAM, state, console and the guest's file.
 * INPUT(len, bytes) -> taken: bytes typed for the guest's serial port (its 16550 receive
 *   FIFO, raising IRQ 4); taken may be less than len when the FIFO is full (ask again).
 *   -E_INVAL len 0 or over VMM_INPUT_MAX.
 * STOP(): the guest ends; vmm-server exits with VMM_STATUS_STOPPED (the reply comes first).
 * DETACH(): the guest's console output goes from now on to VMM_LOG_FORMAT (the id) instead
 *   of the terminal (the vm command's Ctrl-] d). -E_STATE already detached; the error of
 *   the open (-E_NOENT no /tmp, ...) otherwise.
 * EVENT(vector): interrupt vector (32-255) is injected into the guest when it can take it:
 *   an event from another process (primitive 8). -E_INVAL another vector; -E_BUSY too many
 *   outstanding.
 * Errors common to all: -E_NOSYS unknown label, -E_RANGE wrong size.
 */
#define VMM_NAME_PREFIX  "vm."
#define VMM_LOG_FORMAT   "/tmp/vm-%ld.log"
#define VMM_INPUT_MAX    32
#define VMM_FILE_MAX     64

/* vmm-server's exit status: 0-250 the guest's SHUTDOWN status (& 0xff), or one of these. */
#define VMM_STATUS_STOPPED      251     /* STOP (vm stop, Ctrl-] q) */
#define VMM_STATUS_TRIPLE_FAULT 252     /* the guest triple-faulted */
#define VMM_STATUS_FAILED       253     /* the VMM could not go on (no memory, a refused state) */
#define VMM_STATUS_USAGE        254     /* bad arguments, no such file, not a guest image */
#define VMM_STATUS_NO_VM        255     /* no pool (not run as /bin/vmm-server) or no SVM */

#define VMM_STATE_RUNNING  'R'
#define VMM_STATE_HALTED   'H'          /* in HLT, waiting for an interrupt */

struct vmm_info {
    int64_t id, pid;
    uint64_t mem_bytes;
    uint64_t state;                     /* VMM_STATE_* */
    uint64_t detached;                  /* 1: console to the log file */
    uint64_t exits;
    char file[VMM_FILE_MAX];            /* the guest's file (its last 63 bytes), NUL-terminated */
};

#define VMM_MSG_LIST(X, F)                                                                         \
    X(VMM_INFO,   vmm_info,   1, (), (F(struct vmm_info, info)))                                   \
    X(VMM_INPUT,  vmm_input,  2, (F(uint64_t, len) F(uint8_t, bytes[VMM_INPUT_MAX])), (F(uint64_t, taken))) \
    X(VMM_STOP,   vmm_stop,   3, (), ())                                                           \
    X(VMM_DETACH, vmm_detach, 4, (), ())                                                           \
    X(VMM_EVENT,  vmm_event,  5, (F(uint64_t, vector)), ())

enum vmm_msg {
#define VMM_MSG_ENUM(label, prefix, num, req, rep) label = PROTO_LABEL(PROTO_ID_VMM, num),
    VMM_MSG_LIST(VMM_MSG_ENUM, PROTO_FIELD_DECL)
#undef VMM_MSG_ENUM
};

PROTO_STRUCTS(VMM_MSG_LIST)
PROTO_HANDLERS(VMM_MSG_LIST, vmm_handlers);
PROTO_DISPATCH(VMM_MSG_LIST, vmm_handlers, vmm_dispatch)

#endif
