/*
 * Unit tests for vmm-server/x86_decode.c: a table of real encodings (each one checked by
 * hand against `objdump -D -b binary -mi386:x86-64 | -mi386 | -mi8086 --insn-width=16`),
 * truncation, refused instructions, register write-back, and random bytes under ASan.
 */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <agora/errors.h>
#include "suites.h"
#include "x86_decode.h"

#define L X86_OP_LOAD
#define S X86_OP_STORE
#define I X86_OP_STORE_IMM
#define ZX X86_OP_LOAD_ZX
#define SX X86_OP_LOAD_SX
#define O X86_OP_OTHER_MEM

struct encoding {
    unsigned mode;
    const char *hex;
    const char *objdump;    /* what objdump prints: documentation of the expected fields */
    unsigned length;
    enum x86_op op;
    unsigned access, reg;
    bool high8;
    unsigned dest;
    uint64_t imm;
};

static const struct encoding table[] = {
    { 64, "8b03", "mov (%rbx),%eax", 2, L, 4, 0, false, 0, 0 },
    { 64, "8b4508", "mov 0x8(%rbp),%eax", 3, L, 4, 0, false, 0, 0 },
    { 64, "488b8424c8000000", "mov 0xc8(%rsp),%rax", 8, L, 8, 0, false, 0, 0 },
    { 64, "448b0d78563412", "mov 0x12345678(%rip),%r9d", 7, L, 4, 9, false, 0, 0 },
    { 64, "4c8b8c8a00010000", "mov 0x100(%rdx,%rcx,4),%r9", 8, L, 8, 9, false, 0, 0 },
    { 64, "8a27", "mov (%rdi),%ah", 2, L, 1, 4, true, 0, 0 },
    { 64, "408a27", "mov (%rdi),%spl", 3, L, 1, 4, false, 0, 0 },
    { 64, "88a000100000", "mov %ah,0x1000(%rax)", 6, S, 1, 4, true, 0, 0 },
    { 64, "4088a000100000", "mov %spl,0x1000(%rax)", 7, S, 1, 4, false, 0, 0 },
    { 64, "66894302", "mov %ax,0x2(%rbx)", 4, S, 2, 0, false, 0, 0 },
    { 64, "c70078563412", "movl $0x12345678,(%rax)", 6, I, 4, 0, false, 0, 0x12345678 },
    { 64, "48c700f0ffffff", "movq $0xfffffffffffffff0,(%rax)", 7, I, 8, 0, false, 0, 0xfffffffffffffff0ull },
    { 64, "66c7000100", "movw $0x1,(%rax)", 5, I, 2, 0, false, 0, 1 },
    { 64, "c6000a", "movb $0xa,(%rax)", 3, I, 1, 0, false, 0, 0xa },
    { 64, "c64424ff7f", "movb $0x7f,-0x1(%rsp)", 5, I, 1, 0, false, 0, 0x7f },
    { 64, "0fb60e", "movzbl (%rsi),%ecx", 3, ZX, 1, 1, false, 4, 0 },
    { 64, "480fbf0e", "movswq (%rsi),%rcx", 4, SX, 2, 1, false, 8, 0 },
    { 64, "660fbe08", "movsbw (%rax),%cx", 4, SX, 1, 1, false, 2, 0 },
    { 64, "4c0fb70424", "movzwq (%rsp),%r8", 5, ZX, 2, 8, false, 8, 0 },
    { 64, "a11122334455667788", "movabs 0x8877665544332211,%eax", 9, L, 4, 0, false, 0, 0 },
    { 64, "67a111223344", "addr32 mov 0x44332211,%eax", 6, L, 4, 0, false, 0, 0 },
    { 64, "48a31122334455667788", "movabs %rax,0x8877665544332211", 10, S, 8, 0, false, 0, 0 },
    { 64, "a2efcdab8967452301", "movabs %al,0x123456789abcdef", 9, S, 1, 0, false, 0, 0 },
    { 64, "65488b042528000000", "mov %gs:0x28,%rax", 9, L, 8, 0, false, 0, 0 },
    { 64, "3e8b00", "ds mov (%rax),%eax", 3, L, 4, 0, false, 0, 0 },
    { 64, "8b0425ddccbbaa", "mov 0xffffffffaabbccdd,%eax", 7, L, 4, 0, false, 0, 0 },
    { 64, "418b4500", "mov 0x0(%r13),%eax", 4, L, 4, 0, false, 0, 0 },
    { 64, "438b04ac", "mov (%r12,%r13,4),%eax", 4, L, 4, 0, false, 0, 0 },
    { 64, "42890c20", "mov %ecx,(%rax,%r12,1)", 4, S, 4, 1, false, 0, 0 },
    { 64, "4d89bc24ffff0000", "mov %r15,0xffff(%r12)", 8, S, 8, 15, false, 0, 0 },
    { 64, "0fb74d00", "movzwl 0x0(%rbp),%ecx", 4, ZX, 2, 1, false, 4, 0 },
    { 64, "4b8b44e5f8", "mov -0x8(%r13,%r12,8),%rax", 5, L, 8, 0, false, 0, 0 },
    { 64, "48408b00", "rex.W, rex mov (%rax),%eax: the REX nearest the opcode counts (objdump lists the first apart)", 4, L, 4, 0, false, 0, 0 },
    { 64, "4866890a", "rex.W, mov %cx,(%rdx): a REX before 66 is ignored (objdump lists it apart)", 4, S, 2, 1, false, 0, 0 },
    { 64, "66488b02", "data16 mov (%rdx),%rax: REX.W beats 66", 4, L, 8, 0, false, 0, 0 },
    { 64, "660fb602", "movzbw (%rdx),%ax", 4, ZX, 1, 0, false, 2, 0 },
    { 64, "8b05f0ffffff", "mov -0x10(%rip),%eax", 6, L, 4, 0, false, 0, 0 },
    { 64, "6783000c", "addl $0xc,(%eax)", 4, O, 4, 0, false, 0, 0 },
    { 64, "f6402001", "testb $0x1,0x20(%rax)", 4, O, 1, 0, false, 0, 0 },
    { 64, "48f7401001000000", "testq $0x1,0x10(%rax)", 8, O, 8, 0, false, 0, 0 },
    { 64, "f71f", "negl (%rdi)", 2, O, 4, 3, false, 0, 0 },
    { 64, "810878563412", "orl $0x12345678,(%rax)", 6, O, 4, 1, false, 0, 0 },
    { 64, "4887 08", "xchg %rcx,(%rax)", 3, O, 8, 1, false, 0, 0 },
    { 64, "ff00", "incl (%rax)", 2, O, 4, 0, false, 0, 0 },
    { 64, "3b4f10", "cmp 0x10(%rdi),%ecx", 3, O, 4, 1, false, 0, 0 },
    { 32, "8b03", "mov (%ebx),%eax", 2, L, 4, 0, false, 0, 0 },
    { 32, "8b4508", "mov 0x8(%ebp),%eax", 3, L, 4, 0, false, 0, 0 },
    { 32, "8b8424c8000000", "mov 0xc8(%esp),%eax", 7, L, 4, 0, false, 0, 0 },
    { 32, "8b05dd000000", "mov 0xdd,%eax (no RIP-relative outside long mode)", 6, L, 4, 0, false, 0, 0 },
    { 32, "a1dd000000", "mov 0xdd,%eax", 5, L, 4, 0, false, 0, 0 },
    { 32, "66a1dd000000", "mov 0xdd,%ax", 6, L, 2, 0, false, 0, 0 },
    { 32, "67a1dd00", "addr16 mov 0xdd,%eax", 4, L, 4, 0, false, 0, 0 },
    { 32, "88670a", "mov %ah,0xa(%edi)", 3, S, 1, 4, true, 0, 0 },
    { 32, "c7050403020178563412", "movl $0x12345678,0x1020304", 10, I, 4, 0, false, 0, 0x12345678 },
    { 32, "66c705040302013412", "movw $0x1234,0x1020304", 9, I, 2, 0, false, 0, 0x1234 },
    { 32, "0fb64c2401", "movzbl 0x1(%esp),%ecx", 5, ZX, 1, 1, false, 4, 0 },
    { 32, "0fbf0d00100000", "movswl 0x1000,%ecx", 7, SX, 2, 1, false, 4, 0 },
    { 32, "678b07", "mov (%bx),%eax", 3, L, 4, 0, false, 0, 0 },
    { 32, "26893e", "mov %edi,%es:(%esi)", 3, S, 4, 7, false, 0, 0 },
    { 32, "8b04cd00100000", "mov 0x1000(,%ecx,8),%eax", 7, L, 4, 0, false, 0, 0 },
    { 16, "8b07", "mov (%bx),%ax", 2, L, 2, 0, false, 0, 0 },
    { 16, "8b4602", "mov 0x2(%bp),%ax", 3, L, 2, 0, false, 0, 0 },
    { 16, "8b0e3412", "mov 0x1234,%cx", 4, L, 2, 1, false, 0, 0 },
    { 16, "8b8e3412", "mov 0x1234(%bp),%cx", 4, L, 2, 1, false, 0, 0 },
    { 16, "a10010", "mov 0x1000,%ax", 3, L, 2, 0, false, 0, 0 },
    { 16, "66a10010", "mov 0x1000,%eax", 4, L, 4, 0, false, 0, 0 },
    { 16, "67a100100000", "addr32 mov 0x1000,%ax", 6, L, 2, 0, false, 0, 0 },
    { 16, "c606001012", "movb $0x12,0x1000", 5, I, 1, 0, false, 0, 0x12 },
    { 16, "c70700f0", "movw $0xf000,(%bx)", 4, I, 2, 0, false, 0, 0xf000 },
    { 16, "66c70778563412", "movl $0x12345678,(%bx)", 7, I, 4, 0, false, 0, 0x12345678 },
    { 16, "678b0401", "mov (%ecx,%eax,1),%ax", 4, L, 2, 0, false, 0, 0 },
    { 16, "0fb607", "movzbw (%bx),%ax", 3, ZX, 1, 0, false, 2, 0 },
    { 16, "660fbe07", "movsbl (%bx),%eax", 4, SX, 1, 0, false, 4, 0 },
    { 16, "88260010", "mov %ah,0x1000", 4, S, 1, 4, true, 0, 0 },
};

/* Hex (spaces allowed) to bytes; returns the count. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;

    while (*hex && n < cap) {
        unsigned v;

        if (*hex == ' ') {
            hex++;
            continue;
        }
        if (sscanf(hex, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

/* Decodes exactly the given bytes from a heap copy of that size, so ASan sees any read past avail. */
static int decode_exact(const uint8_t *bytes, size_t n, enum x86_mode mode, struct x86_insn *insn)
{
    uint8_t *copy = malloc(n ? n : 1);
    int r;

    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, bytes, n);
    r = x86_decode(copy, n, mode, insn);
    free(copy);
    return r;
}

static void test_table(void)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        const struct encoding *e = &table[i];
        struct x86_insn insn;
        uint8_t bytes[32];
        size_t n = unhex(e->hex, bytes, sizeof(bytes));
        int r = decode_exact(bytes, n, (enum x86_mode)e->mode, &insn);
        bool ok = r == 0 && insn.length == e->length && insn.length == n && insn.op == e->op &&
                  insn.access_bytes == e->access && insn.reg == e->reg && insn.reg_high8 == e->high8 &&
                  (e->op != ZX && e->op != SX ? true : insn.dest_bytes == e->dest) &&
                  (e->op != I ? true : insn.imm == e->imm);

        if (!ok)
            fprintf(stderr, "\ndecode %u-bit %s (%s): r %d len %u op %d access %u reg %u high8 %d dest %u imm %#llx\n",
                    e->mode, e->hex, e->objdump, r, insn.length, insn.op, insn.access_bytes, insn.reg, insn.reg_high8,
                    insn.dest_bytes, (unsigned long long)insn.imm);
        CU_ASSERT(ok);
        /* Extra bytes after the instruction change nothing. */
        memset(bytes + n, 0x90, sizeof(bytes) - n);
        CU_ASSERT_EQUAL(x86_decode(bytes, sizeof(bytes), (enum x86_mode)e->mode, &insn), 0);
        CU_ASSERT_EQUAL(insn.length, e->length);
    }
}

static void test_rip_relative_and_sizes(void)
{
    struct x86_insn insn;

    CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\x8b\x05\xf0\xff\xff\xff", 6, X86_MODE_LONG64, &insn), 0);
    CU_ASSERT_TRUE(insn.rip_relative);
    CU_ASSERT_EQUAL(insn.addr_bytes, 8);
    CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\x8b\x05\xf0\xff\xff\xff", 6, X86_MODE_PROT32, &insn), 0);
    CU_ASSERT_FALSE(insn.rip_relative);
    CU_ASSERT_EQUAL(insn.addr_bytes, 4);
    CU_ASSERT_EQUAL(x86_decode((const uint8_t *)"\x0f\xb6\x07", 3, X86_MODE_REAL16, &insn), 0);
    CU_ASSERT_EQUAL(insn.opcode, 0x0fb6);
    CU_ASSERT_EQUAL(insn.addr_bytes, 2);
}

/* Every proper prefix of a table entry asks for more bytes. */
static void test_truncated(void)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        uint8_t bytes[32];
        size_t n = unhex(table[i].hex, bytes, sizeof(bytes));

        for (size_t cut = 0; cut < n; cut++) {
            struct x86_insn insn;
            int r = decode_exact(bytes, cut, (enum x86_mode)table[i].mode, &insn);

            if (r != -E_RANGE)
                fprintf(stderr, "\ndecode: %s cut to %zu gave %d\n", table[i].hex, cut, r);
            CU_ASSERT_EQUAL(r, -E_RANGE);
        }
    }
}

static void test_refused(void)
{
    static const struct { unsigned mode; const char *hex; } refused[] = {
        { 64, "8bc3" },             /* mov %ebx,%eax: no memory operand */
        { 64, "f08b00" },           /* lock mov */
        { 64, "f3a5" },             /* rep movsl */
        { 64, "f28b00" },           /* repne mov */
        { 64, "c64800ff" },         /* C6 /1: not a move */
        { 64, "c6f801" },           /* xabort */
        { 64, "90" },               /* nop */
        { 64, "0f0b" },             /* ud2 */
        { 64, "0fb7c0" },           /* movzx from a register */
        { 64, "ff10" },             /* call *(%rax) */
        { 64, "0f" },               /* only the escape: needs more first */
        { 32, "488b00" },           /* dec %eax in 32-bit mode, not REX */
        { 16, "8bc0" },
        { 64, "6666666666666666666666666666668b00" },   /* 15 prefixes: too long */
        { 64, "26262626262626262626268b8000000000" },   /* 11 prefixes + 6 bytes = 17 */
    };

    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct x86_insn insn;
        uint8_t bytes[32];
        size_t n = unhex(refused[i].hex, bytes, sizeof(bytes));
        int r = decode_exact(bytes, n, (enum x86_mode)refused[i].mode, &insn);
        int want = n == 1 && bytes[0] == 0x0f ? -E_RANGE : -E_INVAL;

        if (r != want)
            fprintf(stderr, "\ndecode: %s gave %d\n", refused[i].hex, r);
        CU_ASSERT_EQUAL(r, want);
    }
    {
        /* 14 prefixes and a 2-byte mov is 16 bytes: refused even with 32 bytes available. */
        uint8_t bytes[32];
        struct x86_insn insn;

        memset(bytes, 0x3e, 14);
        bytes[14] = 0x8b;
        bytes[15] = 0x00;
        CU_ASSERT_EQUAL(x86_decode(bytes, 32, X86_MODE_LONG64, &insn), -E_INVAL);
        /* 13 prefixes: exactly 15, fine. */
        CU_ASSERT_EQUAL(x86_decode(bytes + 1, 31, X86_MODE_LONG64, &insn), 0);
        CU_ASSERT_EQUAL(insn.length, 15);
    }
}

static void test_apply_load(void)
{
    uint64_t regs[16];
    struct x86_insn insn;

    for (int i = 0; i < 16; i++)
        regs[i] = 0x1111111111111111ull * (uint64_t)(i + 1) | 0x8080808080808080ull;
    /* mov (%rdi),%ah */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x8a\x27", 2, X86_MODE_LONG64, &insn), 0);
    CU_ASSERT_EQUAL(x86_insn_gpr(&insn), 0);
    x86_apply_load(&insn, X86_MODE_LONG64, regs, 0x1234);
    CU_ASSERT_EQUAL(regs[0], 0x9191919191913491ull);
    /* mov (%rdi),%spl */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x40\x8a\x27", 3, X86_MODE_LONG64, &insn), 0);
    x86_apply_load(&insn, X86_MODE_LONG64, regs, 0xab);
    CU_ASSERT_EQUAL(regs[4], 0xd5d5d5d5d5d5d5abull);
    /* mov (%rbx),%eax zero-extends in long mode, merges in 32-bit mode */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x8b\x03", 2, X86_MODE_LONG64, &insn), 0);
    x86_apply_load(&insn, X86_MODE_LONG64, regs, 0xfedcba9876543210ull);
    CU_ASSERT_EQUAL(regs[0], 0x76543210ull);
    regs[0] = 0xaaaaaaaa00000000ull;
    x86_apply_load(&insn, X86_MODE_PROT32, regs, 0x87654321);
    CU_ASSERT_EQUAL(regs[0], 0xaaaaaaaa87654321ull);
    /* mov 0x2(%bx),%cx style 16-bit load merges */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x66\x8b\x4b\x02", 4, X86_MODE_LONG64, &insn), 0);
    regs[1] = 0x1122334455667788ull;
    x86_apply_load(&insn, X86_MODE_LONG64, regs, 0xffffbeef);
    CU_ASSERT_EQUAL(regs[1], 0x112233445566beefull);
    /* mov 0x100(%rdx,%rcx,4),%r9 */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x4c\x8b\x8c\x8a\x00\x01\x00\x00", 8, X86_MODE_LONG64, &insn), 0);
    x86_apply_load(&insn, X86_MODE_LONG64, regs, 0x0123456789abcdefull);
    CU_ASSERT_EQUAL(regs[9], 0x0123456789abcdefull);
    /* movsbw (%rax),%cx: sign-extends to 16, merges */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x66\x0f\xbe\x08", 4, X86_MODE_LONG64, &insn), 0);
    regs[1] = 0x1122334455667788ull;
    x86_apply_load(&insn, X86_MODE_LONG64, regs, 0x80);
    CU_ASSERT_EQUAL(regs[1], 0x112233445566ff80ull);
    /* movswq (%rsi),%rcx */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x48\x0f\xbf\x0e", 4, X86_MODE_LONG64, &insn), 0);
    x86_apply_load(&insn, X86_MODE_LONG64, regs, 0x12348000);
    CU_ASSERT_EQUAL(regs[1], 0xffffffffffff8000ull);
    /* movzbl (%rsi),%ecx: zero-extends to 32, then to 64 */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x0f\xb6\x0e", 3, X86_MODE_LONG64, &insn), 0);
    x86_apply_load(&insn, X86_MODE_LONG64, regs, 0xfff0);
    CU_ASSERT_EQUAL(regs[1], 0xf0);
    /* a store changes no register */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x89\x08", 2, X86_MODE_LONG64, &insn), 0);
    regs[1] = 5;
    x86_apply_load(&insn, X86_MODE_LONG64, regs, 7);
    CU_ASSERT_EQUAL(regs[1], 5);
}

static void test_store_value(void)
{
    uint64_t regs[16] = { 0 };
    struct x86_insn insn;

    regs[0] = 0x1122334455667788ull;
    regs[15] = 0x8877665544332211ull;
    /* mov %ah,0x1000(%rax) */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x88\xa0\x00\x10\x00\x00", 6, X86_MODE_LONG64, &insn), 0);
    CU_ASSERT_EQUAL(x86_store_value(&insn, regs), 0x77);
    /* mov %ax,0x2(%rbx) */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x66\x89\x43\x02", 4, X86_MODE_LONG64, &insn), 0);
    CU_ASSERT_EQUAL(x86_store_value(&insn, regs), 0x7788);
    /* mov %r15,0xffff(%r12) */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x4d\x89\xbc\x24\xff\xff\x00\x00", 8, X86_MODE_LONG64, &insn), 0);
    CU_ASSERT_EQUAL(x86_store_value(&insn, regs), 0x8877665544332211ull);
    /* mov %r15d,(%rax) */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x44\x89\x38", 3, X86_MODE_LONG64, &insn), 0);
    CU_ASSERT_EQUAL(x86_store_value(&insn, regs), 0x44332211ull);
    /* movq $-16,(%rax) */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x48\xc7\x00\xf0\xff\xff\xff", 7, X86_MODE_LONG64, &insn), 0);
    CU_ASSERT_EQUAL(x86_store_value(&insn, regs), 0xfffffffffffffff0ull);
    /* movl $-16,(%rax): 32 bits only */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\xc7\x00\xf0\xff\xff\xff", 6, X86_MODE_LONG64, &insn), 0);
    CU_ASSERT_EQUAL(x86_store_value(&insn, regs), 0xfffffff0ull);
    /* a load stores nothing */
    CU_ASSERT_EQUAL_FATAL(x86_decode((const uint8_t *)"\x8b\x00", 2, X86_MODE_LONG64, &insn), 0);
    CU_ASSERT_EQUAL(x86_store_value(&insn, regs), 0);
}

/* Random bytes, in heap buffers of exactly avail bytes: never a crash, never a read past avail, sane results. */
static void test_random_bytes(void)
{
    static const enum x86_mode modes[] = { X86_MODE_REAL16, X86_MODE_PROT32, X86_MODE_LONG64 };
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned decoded = 0;

    for (int iter = 0; iter < 200000; iter++) {
        uint8_t bytes[20];
        size_t avail;
        struct x86_insn insn;
        int r;

        for (size_t i = 0; i < sizeof(bytes); i++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes[i] = (uint8_t)seed;
        }
        /* Bias toward our opcodes so deep paths run too. */
        if (seed & 0x100)
            bytes[(seed >> 12) & 3] = (const uint8_t[]){ 0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0x0f, 0xa1 }[(seed >> 20) & 7];
        avail = (seed >> 32) % (sizeof(bytes) + 1);
        r = decode_exact(bytes, avail, modes[iter % 3], &insn);
        CU_ASSERT(r == 0 || r == -E_RANGE || r == -E_INVAL);
        if (r == 0) {
            decoded++;
            CU_ASSERT(insn.length >= 1 && insn.length <= 15 && insn.length <= avail);
            CU_ASSERT(insn.access_bytes == 1 || insn.access_bytes == 2 || insn.access_bytes == 4 ||
                      insn.access_bytes == 8);
            CU_ASSERT(insn.reg < 16);
            CU_ASSERT(insn.access_bytes != 8 || modes[iter % 3] == X86_MODE_LONG64);
            /* The same bytes with more room decode the same way. */
            {
                uint8_t more[32];
                struct x86_insn again;

                memset(more, 0xcc, sizeof(more));
                memcpy(more, bytes, avail);
                CU_ASSERT_EQUAL(x86_decode(more, sizeof(more), modes[iter % 3], &again), 0);
                CU_ASSERT_EQUAL(again.length, insn.length);
            }
        }
    }
    CU_ASSERT(decoded > 1000);
}

/* ---- random encodings, lengths checked by objdump ---- */

#define OBJDUMP_INSNS 3000

static uint64_t xorshift(uint64_t *seed)
{
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    return *seed;
}

/* One random instruction of a form the decoder takes, with random bytes after its ModRM (trimmed by the decoder). */
static size_t random_encoding(uint64_t *seed, enum x86_mode mode, uint8_t *b)
{
    static const uint8_t prefixes[] = { 0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
    static const uint16_t ops[] = { 0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0xa0, 0xa1, 0xa2, 0xa3, 0x0fb6, 0x0fb7,
                                    0x0fbe, 0x0fbf, 0x01, 0x03, 0x08, 0x2b, 0x39, 0x80, 0x81, 0x83, 0x84, 0x85,
                                    0x86, 0x87, 0xf6, 0xf7, 0xfe, 0xff };
    unsigned nprefix = (unsigned)(xorshift(seed) % 6), op;
    size_t n = 0;
    uint8_t modrm;

    nprefix = nprefix < 3 ? 0 : nprefix < 5 ? 1 : 2;
    for (unsigned i = 0; i < nprefix; i++)
        b[n++] = prefixes[xorshift(seed) % sizeof(prefixes)];
    if (mode == X86_MODE_LONG64 && xorshift(seed) % 5 < 3)
        b[n++] = (uint8_t)(0x40 | (xorshift(seed) & 15));
    op = ops[xorshift(seed) % (sizeof(ops) / sizeof(ops[0]))];
    if (op > 0xff)
        b[n++] = 0x0f;
    b[n++] = (uint8_t)op;
    if (op < 0xa0 || op > 0xa3) {
        do
            modrm = (uint8_t)xorshift(seed);
        while ((modrm >> 6) == 3);
        if (op == 0xc6 || op == 0xc7)
            modrm &= (uint8_t)~0x38;
        if (op == 0xfe || op == 0xff)
            modrm = (uint8_t)((modrm & ~0x38) | ((xorshift(seed) & 1) << 3));
        b[n++] = modrm;
    }
    for (unsigned i = 0; i < 12; i++)
        b[n++] = (uint8_t)xorshift(seed);
    return n;
}

/* Decodes a stream of random instructions, writes it out, and compares every boundary with objdump's. */
static void check_mode_against_objdump(enum x86_mode mode, const char *arch)
{
    static unsigned lengths[OBJDUMP_INSNS];
    uint8_t *stream = malloc(OBJDUMP_INSNS * 32);
    char path[] = "/tmp/agora-x86-decode-XXXXXX", cmd[256], line[512];
    uint64_t seed = 0x5851f42d4c957f2dull ^ (uint64_t)mode;
    size_t total = 0, next = 0, matched = 0;
    FILE *f, *pipe;
    int fd;

    CU_ASSERT_PTR_NOT_NULL_FATAL(stream);
    for (unsigned i = 0; i < OBJDUMP_INSNS; i++) {
        uint8_t b[32];
        struct x86_insn insn;
        size_t n = random_encoding(&seed, mode, b);

        CU_ASSERT_EQUAL_FATAL(x86_decode(b, n, mode, &insn), 0);
        memcpy(stream + total, b, insn.length);
        lengths[i] = insn.length;
        total += insn.length;
    }
    fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    f = fdopen(fd, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT_EQUAL(fwrite(stream, 1, total, f), total);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "objdump -D -b binary -m%s --insn-width=16 %s 2>&1", arch, path);
    pipe = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pipe);
    /* Lines "   off:\tbytes \tmnemonic": each offset must be where our lengths put the next instruction. */
    while (fgets(line, sizeof(line), pipe)) {
        unsigned long off;
        char *tab;

        if (sscanf(line, " %lx:", &off) != 1 || !(tab = strchr(line, '\t')))
            continue;
        if (matched < OBJDUMP_INSNS && off == next && !strstr(line, "(bad)")) {
            next += lengths[matched++];
        } else {
            fprintf(stderr, "\ndecode: objdump -m%s disagrees at %#lx (instruction %zu): %s", arch, off, matched, line);
            break;
        }
    }
    pclose(pipe);
    unlink(path);
    free(stream);
    CU_ASSERT_EQUAL(matched, OBJDUMP_INSNS);
    CU_ASSERT_EQUAL(next, total);
}

static void test_against_objdump(void)
{
    check_mode_against_objdump(X86_MODE_LONG64, "i386:x86-64");
    check_mode_against_objdump(X86_MODE_PROT32, "i386");
    check_mode_against_objdump(X86_MODE_REAL16, "i8086");
}

int test_vmm_decode_register(void)
{
    CU_pSuite s = CU_add_suite("vmm x86 decoder", NULL, NULL);

    if (!s)
        return CU_get_error();
    if (!CU_add_test(s, "encodings against objdump", test_table) ||
        !CU_add_test(s, "rip-relative and sizes", test_rip_relative_and_sizes) ||
        !CU_add_test(s, "truncated input", test_truncated) || !CU_add_test(s, "refused", test_refused) ||
        !CU_add_test(s, "loads into registers", test_apply_load) ||
        !CU_add_test(s, "store values", test_store_value) || !CU_add_test(s, "random bytes", test_random_bytes) ||
        !CU_add_test(s, "random encodings against objdump", test_against_objdump))
        return CU_get_error();
    return CUE_SUCCESS;
}
