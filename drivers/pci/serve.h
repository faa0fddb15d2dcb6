/* pci's request handlers: the protocol of include/agora/proto/pci.h over the device table. */
#ifndef PCI_SERVE_H
#define PCI_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/pci.h>

#include "bus.h"

/* One request as the handlers see it (the void *ctx of pci_dispatch). */
struct pci_request {
    struct pci_bus *bus;
    uint64_t badge;                  /* the caller's identity */
    unsigned ncaps;                  /* capabilities that came with it (in recv_slot) */
    uint64_t recv_slot;              /* where CLAIM's task capability arrived */
    bool keep;                       /* a handler took recv_slot over */
    uint64_t reply_cap;              /* a capability to send with the reply (0: none) */
    uint64_t reply_rights;
    bool reply_temp;                 /* reply_cap is a slot of ours to empty after the reply */
};

extern const struct pci_handlers pci_server_handlers;

#endif
