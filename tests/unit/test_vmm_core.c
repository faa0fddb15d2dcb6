/* Unit tests for vmm-server's pure checks: CPUID filtering, the MSR allow-list, hypercall arguments. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <agora/errors.h>
#include <agora/hypercall.h>

#include "cpuid_msr.h"
#include "hc_check.h"
#include "suites.h"

static const uint32_t all_ones[4] = { 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu };

static void test_cpuid_hides_and_marks(void)
{
    uint32_t out[4];

    /* Leaf 1 of a host with every feature: no VMX SMX MONITOR x2APIC XSAVE AVX APIC; hypervisor set. */
    cpuid_filter(1, 0, all_ones, out);
    CU_ASSERT_EQUAL(out[2] & ((1u << 3) | (1u << 5) | (1u << 6) | (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28)), 0);
    CU_ASSERT_NOT_EQUAL(out[2] & (1u << 31), 0);
    CU_ASSERT_EQUAL(out[3] & (1u << 9), 0);
    CU_ASSERT_EQUAL(out[1] >> 24, 0);                 /* APIC id 0 */
    CU_ASSERT_EQUAL((out[1] >> 16) & 0xff, 1);        /* one logical CPU */
    CU_ASSERT_NOT_EQUAL(out[3] & 1, 0);               /* FPU stays */
    /* A host without the hypervisor bit still gets it. */
    uint32_t plain[4] = { 0x600f12, 0x800, 0, 0x178bfbff };
    cpuid_filter(1, 0, plain, out);
    CU_ASSERT_EQUAL(out[2], 1u << 31);
    /* Extended leaf 1: no SVM. */
    cpuid_filter(0x80000001u, 0, all_ones, out);
    CU_ASSERT_EQUAL(out[2] & (1u << 2), 0);
    CU_ASSERT_NOT_EQUAL(out[3] & (1u << 29), 0);      /* long mode stays */
    /* The SVM leaf and leaves we do not know are zero. */
    cpuid_filter(0x8000000au, 0, all_ones, out);
    CU_ASSERT(out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0);
    cpuid_filter(0xd, 0, all_ones, out);
    CU_ASSERT(out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0);
    cpuid_filter(0x12345678u, 0, all_ones, out);
    CU_ASSERT(out[0] == 0 && out[1] == 0 && out[2] == 0 && out[3] == 0);
    /* Maxima are capped. */
    cpuid_filter(0, 0, all_ones, out);
    CU_ASSERT_EQUAL(out[0], CPUID_MAX_BASIC);
    cpuid_filter(0x80000000u, 0, all_ones, out);
    CU_ASSERT_EQUAL(out[0], CPUID_MAX_EXTENDED);
    cpuid_filter(7, 0, all_ones, out);
    CU_ASSERT_EQUAL(out[1] & (1u << 5), 0);           /* no AVX2 */
    CU_ASSERT_EQUAL(out[2] & ~(1u << 2), 0);
    CU_ASSERT_EQUAL(out[3], 0);
}

static void test_cpuid_signature(void)
{
    uint32_t out[4];
    char sig[13];

    cpuid_filter(0x40000000u, 0, all_ones, out);
    CU_ASSERT_EQUAL(out[0], CPUID_HV_MAX);
    memcpy(sig, &out[1], 4);
    memcpy(sig + 4, &out[2], 4);
    memcpy(sig + 8, &out[3], 4);
    sig[12] = 0;
    CU_ASSERT_STRING_EQUAL(sig, "AgoraAgoraVM");
    cpuid_filter(0x40000001u, 0, all_ones, out);
    CU_ASSERT_EQUAL(out[0], HC_ABI_VERSION);
}

static void test_msr_allow_list(void)
{
    struct msr_store s;
    uint64_t v = 0;

    CU_ASSERT_EQUAL(msr_classify(MSR_IA32_TSC), MSR_TSC);
    CU_ASSERT_EQUAL(msr_classify(MSR_EFER), MSR_STATE);
    CU_ASSERT_EQUAL(msr_classify(MSR_LSTAR), MSR_STATE);
    CU_ASSERT_EQUAL(msr_classify(MSR_IA32_PAT), MSR_STATE);
    CU_ASSERT_EQUAL(msr_classify(MSR_IA32_APIC_BASE), MSR_DENIED);
    CU_ASSERT_EQUAL(msr_classify(MSR_VM_CR), MSR_DENIED);
    CU_ASSERT_EQUAL(msr_classify(MSR_VM_HSAVE_PA), MSR_DENIED);
    CU_ASSERT_EQUAL(msr_classify(0xffffffffu), MSR_DENIED);
    CU_ASSERT_EQUAL(msr_classify(MSR_IA32_UCODE_REV), MSR_ZERO);
    msr_store_init(&s);
    CU_ASSERT_EQUAL(msr_store_read(&s, MSR_IA32_MISC_ENABLE, &v), 0);
    CU_ASSERT_EQUAL(v, 1);
    CU_ASSERT_EQUAL(msr_store_write(&s, MSR_IA32_MTRR_DEF_TYPE, 0xc06), 0);
    CU_ASSERT_EQUAL(msr_store_read(&s, MSR_IA32_MTRR_DEF_TYPE, &v), 0);
    CU_ASSERT_EQUAL(v, 0xc06);
    CU_ASSERT_EQUAL(msr_store_write(&s, MSR_IA32_APIC_BASE, 1), -1);
    CU_ASSERT_EQUAL(msr_store_read(&s, MSR_EFER, &v), -1);
    /* Random MSR numbers never crash and are denied unless listed. */
    srand(7);
    for (int i = 0; i < 100000; i++) {
        uint32_t msr = (uint32_t)rand() ^ ((uint32_t)rand() << 16);
        enum msr_kind k = msr_classify(msr);
        CU_ASSERT_FATAL(k == MSR_DENIED || msr < 0x300 || (msr >= 0xc0000080u && msr <= 0xc0000102u));
    }
}

#define MIB (1ull << 20)

static void test_hypercall_checks(void)
{
    struct hc_limits l = { 8 * MIB, 24 * MIB, 0 };
    uint64_t a[4] = { 0 };

#define CHECK(fn, x0, x1, want) do { a[0] = (x0); a[1] = (x1); CU_ASSERT_EQUAL(hc_check((fn), a, &l), (want)); } while (0)
    CHECK(HC_INFO, HC_INFO_ABI, 0, 0);
    CHECK(HC_INFO, HC_INFO_FIELDS, 0, -E_INVAL);
    CHECK(HC_INFO, ~0ull, 0, -E_INVAL);
    CHECK(0, 0, 0, -E_NOSYS);
    CHECK(999, 0, 0, -E_NOSYS);
    CHECK(~0ull, 0, 0, -E_NOSYS);
    CHECK(HC_MEM_REQUEST, 0, 0, -E_INVAL);
    CHECK(HC_MEM_REQUEST, 16, 0, 0);
    CHECK(HC_MEM_REQUEST, HC_MEM_REQUEST_MAX, 0, 0);   /* 16 MiB: exactly the quota */
    CHECK(HC_MEM_REQUEST, HC_MEM_REQUEST_MAX + 1, 0, -E_RANGE);
    CHECK(HC_MEM_REQUEST, ~0ull, 0, -E_RANGE);
    l.mem_bytes = 20 * MIB;
    CHECK(HC_MEM_REQUEST, 1025, 0, -E_NOMEM);
    CHECK(HC_MEM_REQUEST, 1024, 0, 0);
    l.mem_bytes = 8 * MIB;
    CHECK(HC_MEM_RELEASE, 8 * MIB - 4096, 1, 0);
    CHECK(HC_MEM_RELEASE, 8 * MIB - 4095, 1, -E_ALIGN);
    CHECK(HC_MEM_RELEASE, 4 * MIB, 1, -E_INVAL);                /* not the end of RAM */
    CHECK(HC_MEM_RELEASE, 4 * MIB, 1024, 0);
    CHECK(HC_MEM_RELEASE, 0, 2048, -E_INVAL);                   /* below the floor */
    CHECK(HC_MEM_RELEASE, 8 * MIB, 0, -E_INVAL);
    CHECK(HC_MEM_RELEASE, 8 * MIB - 4096, (1ull << 52) + 1, -E_INVAL);  /* wraps to the end */
    CHECK(HC_PAGE_FLIP, 0x700000, 0, 0);
    CHECK(HC_PAGE_FLIP, 0x700004, 0, -E_ALIGN);
    CHECK(HC_PAGE_FLIP, 8 * MIB, 0, -E_FAULT);
    CHECK(HC_PAGE_FLIP, 8 * MIB - 4096, 0, 0);
    CHECK(HC_PAGE_FLIP, ~0ull & ~4095ull, 0, -E_FAULT);
    CHECK(HC_EVENT, 31, 0, -E_INVAL);
    CHECK(HC_EVENT, 256, 0, -E_INVAL);
    CHECK(HC_EVENT, 32, HC_EVENT_DELAY_MAX, 0);
    CHECK(HC_EVENT, 255, HC_EVENT_DELAY_MAX + 1, -E_INVAL);
    l.events = HC_EVENT_MAX;
    CHECK(HC_EVENT, 0x41, 100, -E_BUSY);
    l.events = 0;
    CHECK(HC_CONSOLE_WRITE, 0x1000, HC_CONSOLE_MAX, 0);
    CHECK(HC_CONSOLE_WRITE, 0x1000, HC_CONSOLE_MAX + 1, -E_RANGE);
    CHECK(HC_CONSOLE_WRITE, 8 * MIB - 10, 11, -E_FAULT);
    CHECK(HC_CONSOLE_WRITE, 8 * MIB - 10, 10, 0);
    CHECK(HC_CONSOLE_WRITE, ~0ull - 5, 10, -E_FAULT);
    CHECK(HC_SHUTDOWN, 0, 0, 0);
    CHECK(HC_SHUTDOWN, 250, 0, 0);
    CHECK(HC_SHUTDOWN, 251, 0, -E_INVAL);
    CHECK(HC_RESET, 0, 0, 0);
#undef CHECK
    /* Random calls: only the documented errors, never anything else. */
    srand(11);
    for (int i = 0; i < 200000; i++) {
        uint64_t fn = (uint64_t)(rand() % 12);
        long r;

        for (int k = 0; k < 4; k++)
            a[k] = rand() % 3 ? (uint64_t)rand() << (rand() % 40) : ~0ull - (uint64_t)(rand() % 8192);
        l.events = (unsigned)(rand() % (HC_EVENT_MAX + 1));
        r = hc_check(fn, a, &l);
        CU_ASSERT_FATAL(r == 0 || r == -E_NOSYS || r == -E_INVAL || r == -E_ALIGN || r == -E_FAULT ||
                        r == -E_RANGE || r == -E_NOMEM || r == -E_BUSY);
        CU_ASSERT_FATAL(fn >= 1 && fn <= HC_RESET ? r != -E_NOSYS : r == -E_NOSYS);
    }
}

int test_vmm_core_register(void)
{
    CU_pSuite s = CU_add_suite("vmm_core", NULL, NULL);

    if (!s || !CU_add_test(s, "cpuid hides and marks", test_cpuid_hides_and_marks) ||
        !CU_add_test(s, "cpuid signature", test_cpuid_signature) ||
        !CU_add_test(s, "msr allow-list", test_msr_allow_list) ||
        !CU_add_test(s, "hypercall checks", test_hypercall_checks))
        return CU_get_error();
    return CUE_SUCCESS;
}
