/* The hypercall argument checks (include/agora/hypercall.h): pure, so the unit tests feed them anything. */
#ifndef VMM_HC_CHECK_H
#define VMM_HC_CHECK_H

#include <stdint.h>

/* What the checks need to know of the VM. */
struct hc_limits {
    uint64_t mem_bytes, mem_max;
    unsigned events;                    /* EVENTs outstanding */
};

/*
 * 0 if function fn with arguments a[0..3] (already cut to 32 bits for a 32-bit guest) may
 * be carried out, else the error hypercall.h gives for it. Nothing is changed.
 */
long hc_check(uint64_t fn, const uint64_t a[4], const struct hc_limits *l);

#endif
