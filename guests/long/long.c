/*
 * The long-mode guest: an ELF64 kernel the VMM starts in 64-bit mode on its own identity
 * page tables (vmm-server/loader.c). It checks what it sees of the CPU (CPUID filtered, the
 * "AgoraAgoraVM" leaf, EFER through rdmsr), a 64-bit hypercall, and an MMIO load decoded in
 * 64-bit mode through its 4-level page tables, prints "long guest: ok" (or FAIL lines) and
 * shuts down with the number of failures.
 */
#include <stdint.h>

#include <agora/hypercall.h>

#define COM1 0x3f8

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;

    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static void puts_(const char *s)
{
    for (; *s; s++) {
        while (!(inb(COM1 + 5) & 0x20))
            ;
        outb(COM1, (uint8_t)*s);
    }
}

static int failed;

static void check(int ok, const char *what)
{
    if (ok)
        return;
    puts_("long guest: FAIL ");
    puts_(what);
    puts_("\n");
    failed++;
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static int64_t hypercall(uint64_t fn, uint64_t a)
{
    int64_t r;

    __asm__ volatile("vmmcall" : "=a"(r) : "a"(fn), "b"(a), "c"(0), "d"(0), "S"(0) : "memory");
    return r;
}

void long_main(void);

void long_main(void)
{
    uint32_t r[4], lo, hi;
    uint64_t v;

    puts_("long guest: started in 64-bit mode\n");
    cpuid(0x40000000u, r);
    check(r[1] == HC_CPUID_SIGNATURE_EBX && r[2] == HC_CPUID_SIGNATURE_ECX && r[3] == HC_CPUID_SIGNATURE_EDX,
          "no AgoraAgoraVM signature");
    cpuid(1, r);
    check((r[2] & (1u << 31)) && !(r[2] & (1u << 5)), "hypervisor bit or VMX");
    cpuid(0x80000001u, r);
    check(!(r[2] & (1u << 2)) && (r[3] & (1u << 29)), "SVM shown or long mode hidden");
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080u));
    check((lo & (1u << 10)) && !(lo & (1u << 12)), "EFER: LMA clear or SVME shown");
    check(hypercall(HC_INFO, HC_INFO_ABI) == HC_ABI_VERSION, "INFO in 64-bit mode");
    check(hypercall(HC_INFO, 1ull << 40) == -1, "a 64-bit argument was cut to 32 bits");
    /* Nothing at 3 GiB: a 64-bit load of all ones into r9, decoded in long mode. */
    __asm__ volatile("mov (%1), %%r9; mov %%r9, %0" : "=r"(v) : "r"(0xc0000000ull) : "r9", "memory");
    check(v == ~0ull, "MMIO load in long mode");
    puts_(failed ? "long guest: done with failures\n" : "long guest: ok\n");
    hypercall(HC_SHUTDOWN, (uint64_t)failed);
    for (;;)
        __asm__ volatile("hlt");
}
