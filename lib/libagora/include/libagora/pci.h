/* The PCI bus driver's client stubs (include/agora/proto/pci.h). */
#ifndef LIBAGORA_PCI_H
#define LIBAGORA_PCI_H

#include <agora/proto/pci.h>
#include <libagora/proto.h>

/* pci_find_call(ep, &req, &rep, &caps), pci_claim_call, ...: one per message. */
PROTO_STUBS(PCI_MSG_LIST)

#endif
