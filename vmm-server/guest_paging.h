/*
 * The guest page-table walker: guest-virtual to guest-physical addresses through the
 * guest's own tables, read with the caller's function (the VMM fetches instruction bytes
 * at the guest's rip and reads hypercall buffers by guest-virtual address). Pure logic.
 *
 * Decisions:
 * - The mode comes from the registers as the CPU takes it: CR0.PG off: no paging; CR4.PAE
 *   off: 32-bit tables (4 MiB pages with CR4.PSE, PSE-36 high bits); EFER.LMA off: PAE
 *   (2 MiB pages); EFER.LMA on: 4 levels (2 MiB, 1 GiB), 5 with CR4.LA57.
 * - Rights: write needs R/W at every level when the access is a user one or CR0.WP is set;
 *   user needs U/S at every level. NX, SMEP, SMAP and protection keys are not checked
 *   (the walker is told no fetch or AC state); A and D bits are not set.
 * - Reserved bits (-E_INVAL): physical-address bits at and above maxphyaddr, NX without
 *   EFER.NXE, PS where a level has no large pages, the low bits of a large page's
 *   address, and the PAE PDPTE's reserved bits. A non-canonical long-mode address gives
 *   -E_FAULT (the guest would take #GP).
 * - Paging off: gva is the gpa, unchanged (the caller computed the linear address).
 */
#ifndef VMM_GUEST_PAGING_H
#define VMM_GUEST_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_paging {
    uint64_t cr0, cr3, cr4, efer;
    /* Added: the guest's physical-address width (what its CPUID 0x80000008 says); 0: 52. */
    unsigned maxphyaddr;
};

typedef int (*guest_phys_read_fn)(void *ctx, uint64_t gpa, void *buf, size_t len); /* 0 or -error */

/*
 * 0; -E_FAULT not present / rights violated (write to read-only with CR0.WP or user, user
 * access to supervisor page) / non-canonical; -E_INVAL reserved bits; read's error as it
 * is. Paging off: gva is the gpa.
 */
int guest_translate(const struct guest_paging *p, uint64_t gva, bool write, bool user, guest_phys_read_fn read,
                    void *ctx, uint64_t *gpa);

/* Added: copies len bytes at guest-virtual gva into buf, page by page; 0 or the first error. */
int guest_read_virt(const struct guest_paging *p, uint64_t gva, void *buf, size_t len, bool user,
                    guest_phys_read_fn read, void *ctx);

#endif
