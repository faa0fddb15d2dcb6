/* Hypercall argument checks (hc_check.h). */
#include <agora/errors.h>
#include <agora/hypercall.h>

#include "hc_check.h"

#define PAGE 4096ull

/* [gpa, gpa + len) inside RAM, without wrapping. */
static int in_ram(uint64_t gpa, uint64_t len, const struct hc_limits *l)
{
    return gpa <= l->mem_bytes && len <= l->mem_bytes - gpa;
}

long hc_check(uint64_t fn, const uint64_t a[4], const struct hc_limits *l)
{
    switch (fn) {
    case HC_INFO:
        return a[0] < HC_INFO_FIELDS ? 0 : -E_INVAL;
    case HC_MEM_REQUEST:
        if (a[0] == 0)
            return -E_INVAL;
        if (a[0] > HC_MEM_REQUEST_MAX)
            return -E_RANGE;
        return a[0] * PAGE <= l->mem_max - l->mem_bytes ? 0 : -E_NOMEM;
    case HC_MEM_RELEASE:
        if (a[0] & (PAGE - 1))
            return -E_ALIGN;
        if (a[1] == 0 || a[1] > l->mem_bytes / PAGE || a[0] < HC_MEM_FLOOR || a[0] + a[1] * PAGE != l->mem_bytes)
            return -E_INVAL;
        return 0;
    case HC_PAGE_FLIP:
        if (a[0] & (PAGE - 1))
            return -E_ALIGN;
        return in_ram(a[0], PAGE, l) ? 0 : -E_FAULT;
    case HC_EVENT:
        if (a[0] < 32 || a[0] > 255 || a[1] > HC_EVENT_DELAY_MAX)
            return -E_INVAL;
        return l->events < HC_EVENT_MAX ? 0 : -E_BUSY;
    case HC_CONSOLE_WRITE:
        if (a[1] > HC_CONSOLE_MAX)
            return -E_RANGE;
        return in_ram(a[0], a[1], l) ? 0 : -E_FAULT;
    case HC_SHUTDOWN:
        return a[0] <= 250 ? 0 : -E_INVAL;
    case HC_RESET:
        return 0;
    default:
        return -E_NOSYS;
    }
}
