/* The device table: what enumeration found on the bus, and who holds each device. */
#ifndef PCI_BUS_H
#define PCI_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include <agora/proto/pci.h>

#define PCI_MAX_DEVICES 64

struct pci_dev {
    struct pci_device_info info;     /* info.claimed mirrors holder != 0 */
    /* The claim: owned by the receive loop. */
    uint64_t holder;                 /* the claimant's badge (any value, 0 too) */
    uint64_t task;                   /* its task capability, watched through watch; 0: free */
    uint64_t watch;                  /* notification signalled when the holder dies */
};

struct pci_bus {
    unsigned count;
    struct pci_dev devs[PCI_MAX_DEVICES];
};

/*
 * Scans buses 0-255 (every device, function 0, and functions 1-7 of multi-function
 * devices) and fills the table in bus order; BARs are sized with decoding switched off
 * for the moment of the probe. Devices past PCI_MAX_DEVICES are counted in *missed.
 */
void bus_scan(struct pci_bus *bus, unsigned *missed);

#endif
