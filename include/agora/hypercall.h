/*
 * The hypercall ABI between a guest and vmm-server (VMMCALL): the one home of it, included
 * by vmm-server and by guests of our own (guests/test, guests/hostile), so it uses nothing
 * but integer constants and macros.
 *
 * A guest executes VMMCALL (0f 01 d9) with the function in rax and up to four arguments in
 * rbx, rcx, rdx, rsi (a 32-bit guest: the low halves). The result comes back in rax: >= 0
 * on success, else a negated Agora error (include/agora/errors.h; in a 32-bit guest, eax
 * read as int32_t). Nothing else changes; rip moves past the instruction. VMMCALL from
 * guest user mode (CPL > 0) gets #UD injected, as on hardware without a hypervisor: only
 * the guest's kernel makes hypercalls. Bad arguments never stop the guest or the VMM:
 *   -E_NOSYS   unknown function
 *   -E_INVAL   an argument out of its range (a field, a vector, a status)
 *   -E_ALIGN   a guest-physical address not page aligned
 *   -E_FAULT   a guest-physical range that is not the guest's RAM
 *   -E_RANGE   a length or page count too large (CONSOLE_WRITE, MEM_REQUEST)
 *   -E_NOMEM   the VM's quota cannot hold it
 *   -E_BUSY    too many of something outstanding (EVENT, PAGE_FLIP table)
 *
 * INFO(field) -> value
 *   HC_INFO_ABI         HC_ABI_VERSION
 *   HC_INFO_MEM_BYTES   the guest's RAM now: [0, mem_bytes) (MEM_REQUEST/RELEASE change it)
 *   HC_INFO_MEM_MAX     the most RAM MEM_REQUEST can reach (the VM's quota)
 *   HC_INFO_VCPUS       vCPUs of the VM (1)
 *   HC_INFO_VM_ID       the VM's id (the vmm-server's pid, as `vm list` shows it)
 *   HC_INFO_NESTED_FAULTS  nested page faults the VMM served by mapping RAM (primitive 5)
 *   HC_INFO_EXCEPTIONS  guest exceptions the VMM intercepted and re-injected (primitive 7;
 *                       the VMM intercepts #DE, vector 0)
 *   HC_INFO_EXITS       VM exits so far
 *   HC_INFO_BOOTS       how many times the guest started: 1, then one more per RESET
 * MEM_REQUEST(pages) -> gpa: RAM grows by pages at its end, returned (primitive 4); the
 *   pages are mapped when first touched. At most HC_MEM_REQUEST_MAX pages per call.
 * MEM_RELEASE(gpa, pages): RAM shrinks; [gpa, gpa + pages * 4096) must be the end of RAM,
 *   never below HC_MEM_FLOOR. The pages leave the VM and go back to the quota.
 * PAGE_FLIP(gpa) -> hash (primitive 6): the guest gives the RAM page at gpa to the VMM.
 *   The VMM unmaps it from the VM, reads it (the answer is the FNV-1a hash of its 4096
 *   bytes, HC_HASH_*, masked to 31 bits so it is never negative: the guest checks what the
 *   VMM saw), and maps a different page at gpa that it filled
 *   with HC_FLIP_WORD(gpa, i) at 32-bit word i. The guest's old page stays with the VMM.
 * EVENT(vector, delay_us) (primitive 8): in delay_us (at most HC_EVENT_DELAY_MAX) a VMM
 *   thread signals a notification, and the VMM injects interrupt `vector` (32-255) when
 *   the guest can take it. At most HC_EVENT_MAX outstanding.
 * CONSOLE_WRITE(gpa, len) -> len: the bytes at gpa (RAM, at most HC_CONSOLE_MAX) go to the
 *   guest's console as if written to its serial port.
 * SHUTDOWN(status): the VM ends; vmm-server exits with status & 0xff (the `vm` command
 *   reports it). No return.
 * RESET(): the VM starts again from its image, as at first (RAM cleared and of its first
 *   size, devices reset, the file read again). No return.
 */
#ifndef AGORA_HYPERCALL_H
#define AGORA_HYPERCALL_H

#define HC_ABI_VERSION      1

#define HC_INFO             1
#define HC_MEM_REQUEST      2
#define HC_MEM_RELEASE      3
#define HC_PAGE_FLIP        4
#define HC_EVENT            5
#define HC_CONSOLE_WRITE    6
#define HC_SHUTDOWN         7
#define HC_RESET            8

#define HC_INFO_ABI            0
#define HC_INFO_MEM_BYTES      1
#define HC_INFO_MEM_MAX        2
#define HC_INFO_VCPUS          3
#define HC_INFO_VM_ID          4
#define HC_INFO_NESTED_FAULTS  5
#define HC_INFO_EXCEPTIONS     6
#define HC_INFO_EXITS          7
#define HC_INFO_BOOTS          8
#define HC_INFO_FIELDS         9

#define HC_MEM_REQUEST_MAX  4096              /* pages per MEM_REQUEST */
#define HC_MEM_FLOOR        (1024 * 1024)     /* MEM_RELEASE never goes below 1 MiB of RAM */
#define HC_EVENT_DELAY_MAX  10000000          /* 10 s */
#define HC_EVENT_MAX        8
#define HC_CONSOLE_MAX      4096

/* What the VMM puts into a flipped page: word i (of 1024) of the page at gpa. */
#define HC_FLIP_WORD(gpa, i) ((unsigned)(((unsigned)(gpa) ^ 0x50494c46u) + (unsigned)(i) * 0x9e3779b9u))

/* PAGE_FLIP's answer: FNV-1a over the page's bytes (32 bits), & HC_HASH_MASK. */
#define HC_HASH_SEED   0x811c9dc5u
#define HC_HASH_PRIME  0x01000193u
#define HC_HASH_MASK   0x7fffffffu

/* The CPUID leaf 0x40000000 signature (ebx, ecx, edx): "AgoraAgoraVM". */
#define HC_CPUID_SIGNATURE_EBX 0x726f6741u    /* "Agor" */
#define HC_CPUID_SIGNATURE_ECX 0x6f674161u    /* "aAgo" */
#define HC_CPUID_SIGNATURE_EDX 0x4d566172u    /* "raVM" */

/* The debug/exit port: a byte written there ends the VM with that status (as SHUTDOWN). */
#define HC_EXIT_PORT   0xf4

#endif
