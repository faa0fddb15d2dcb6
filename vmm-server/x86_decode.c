/* The MMIO instruction decoder: prefixes, opcode, ModRM/SIB/displacement, immediate; see x86_decode.h. */
#include "x86_decode.h"

#include <agora/errors.h>
#include <libagora/string.h>

#define REX_W 0x8
#define REX_R 0x4

/* The bytes still to decode; pos never passes avail or 15. */
struct cursor {
    const uint8_t *code;
    size_t avail;
    unsigned pos;
};

/* The prefixes seen, and the sizes they give. */
struct prefixes {
    bool opsize, addrsize;
    uint8_t rex;            /* 0: none (only in 64-bit mode, only right before the opcode) */
    unsigned op_bytes;      /* 2, 4 or 8 */
    unsigned addr_bytes;    /* 2, 4 or 8 */
};

/* Reads n bytes little-endian into *val. */
static int take(struct cursor *c, unsigned n, uint64_t *val)
{
    uint64_t v = 0;

    if (c->pos + n > X86_MAX_INSN_BYTES)
        return -E_INVAL;
    if (c->pos + n > c->avail)
        return -E_RANGE;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)c->code[c->pos + i] << (8 * i);
    c->pos += n;
    *val = v;
    return 0;
}

static int take_byte(struct cursor *c, uint8_t *b)
{
    uint64_t v = 0;
    int r = take(c, 1, &v);

    *b = (uint8_t)v;
    return r;
}

static uint64_t size_mask(unsigned bytes)
{
    return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned bytes)
{
    unsigned shift = 64 - 8 * bytes;

    return bytes >= 8 ? v : (uint64_t)((int64_t)(v << shift) >> shift);
}

static bool is_legacy_prefix(uint8_t b)
{
    switch (b) {
    case 0x66: case 0x67: case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0xf0: case 0xf2: case 0xf3:
        return true;
    default:
        return false;
    }
}

/* Reads the prefixes and the first opcode byte. */
static int decode_prefixes(struct cursor *c, enum x86_mode mode, struct prefixes *p, uint8_t *opcode)
{
    uint8_t b;
    int r;

    memset(p, 0, sizeof(*p));
    for (;;) {
        if ((r = take_byte(c, &b)) != 0)
            return r;
        if (is_legacy_prefix(b)) {
            if (b == 0xf0 || b == 0xf2 || b == 0xf3)
                return -E_INVAL;        /* lock is #UD on a move; rep/repne we refuse */
            p->opsize |= b == 0x66;
            p->addrsize |= b == 0x67;
            p->rex = 0;                 /* a REX before a legacy prefix is ignored */
            continue;
        }
        if (mode == X86_MODE_LONG64 && (b & 0xf0) == 0x40) {
            p->rex = b;                 /* a later REX replaces an earlier one */
            continue;
        }
        break;
    }
    *opcode = b;
    switch (mode) {
    case X86_MODE_LONG64:
        p->op_bytes = (p->rex & REX_W) ? 8 : p->opsize ? 2 : 4;
        p->addr_bytes = p->addrsize ? 4 : 8;
        return 0;
    case X86_MODE_PROT32:
        p->op_bytes = p->opsize ? 2 : 4;
        p->addr_bytes = p->addrsize ? 2 : 4;
        return 0;
    case X86_MODE_REAL16:
        p->op_bytes = p->opsize ? 4 : 2;
        p->addr_bytes = p->addrsize ? 4 : 2;
        return 0;
    }
    return -E_INVAL;
}

/* The memory operand after a ModRM byte: SIB and displacement; a register operand is refused. */
static int decode_memory_operand(struct cursor *c, const struct prefixes *p, enum x86_mode mode, uint8_t modrm,
                                 struct x86_insn *out)
{
    unsigned mod = modrm >> 6, rm = modrm & 7, disp_bytes = 0;
    uint64_t ignored;
    uint8_t sib;
    int r;

    if (mod == 3)
        return -E_INVAL;
    if (p->addr_bytes == 2) {
        if (mod == 1)
            disp_bytes = 1;
        else if (mod == 2 || rm == 6)
            disp_bytes = 2;
        return disp_bytes ? take(c, disp_bytes, &ignored) : 0;
    }
    if (rm == 4) {
        if ((r = take_byte(c, &sib)) != 0)
            return r;
        if (mod == 0 && (sib & 7) == 5)
            disp_bytes = 4;
    } else if (mod == 0 && rm == 5) {
        disp_bytes = 4;
        out->rip_relative = mode == X86_MODE_LONG64;
    }
    if (mod == 1)
        disp_bytes = 1;
    else if (mod == 2)
        disp_bytes = 4;
    return disp_bytes ? take(c, disp_bytes, &ignored) : 0;
}

/* ModRM, then the memory operand; *modrm gets the byte. */
static int decode_modrm(struct cursor *c, const struct prefixes *p, enum x86_mode mode, uint8_t *modrm,
                        struct x86_insn *out)
{
    int r;

    if ((r = take_byte(c, modrm)) != 0)
        return r;
    out->reg = ((*modrm >> 3) & 7) | ((p->rex & REX_R) ? 8 : 0);
    return decode_memory_operand(c, p, mode, *modrm, out);
}

/* The register operand is 8 bits wide: without a REX prefix, 4..7 are ah ch dh bh. */
static void mark_byte_register(const struct prefixes *p, struct x86_insn *out)
{
    out->reg_high8 = p->rex == 0 && out->reg >= 4 && out->reg <= 7;
}

/* 88 89 8A 8B: mov between a register and memory. */
static int decode_mov_rm(struct cursor *c, const struct prefixes *p, enum x86_mode mode, uint8_t opcode,
                         struct x86_insn *out)
{
    uint8_t modrm;
    int r;

    if ((r = decode_modrm(c, p, mode, &modrm, out)) != 0)
        return r;
    out->op = (opcode & 2) ? X86_OP_LOAD : X86_OP_STORE;
    out->access_bytes = (opcode & 1) ? p->op_bytes : 1;
    if (out->access_bytes == 1)
        mark_byte_register(p, out);
    return 0;
}

/* C6 /0 ib, C7 /0 iw/id: mov memory, immediate (imm32 sign-extended under REX.W). */
static int decode_mov_imm(struct cursor *c, const struct prefixes *p, enum x86_mode mode, uint8_t opcode,
                          struct x86_insn *out)
{
    unsigned imm_bytes;
    uint8_t modrm;
    uint64_t imm;
    int r;

    if ((r = decode_modrm(c, p, mode, &modrm, out)) != 0)
        return r;
    if (((modrm >> 3) & 7) != 0)
        return -E_INVAL;
    out->reg = 0;
    out->op = X86_OP_STORE_IMM;
    out->access_bytes = (opcode & 1) ? p->op_bytes : 1;
    imm_bytes = out->access_bytes > 4 ? 4 : out->access_bytes;
    if ((r = take(c, imm_bytes, &imm)) != 0)
        return r;
    out->imm = sign_extend(imm, imm_bytes) & size_mask(out->access_bytes);
    return 0;
}

/* A0-A3: mov al/ax/eax/rax to or from a memory offset of the address size. */
static int decode_mov_moffs(struct cursor *c, const struct prefixes *p, uint8_t opcode, struct x86_insn *out)
{
    uint64_t ignored;

    out->op = (opcode & 2) ? X86_OP_STORE : X86_OP_LOAD;
    out->access_bytes = (opcode & 1) ? p->op_bytes : 1;
    out->reg = 0;
    return take(c, p->addr_bytes, &ignored);
}

/* 0F B6 B7 BE BF: movzx and movsx from memory. */
static int decode_movx(struct cursor *c, const struct prefixes *p, enum x86_mode mode, struct x86_insn *out)
{
    uint8_t second, modrm;
    int r;

    if ((r = take_byte(c, &second)) != 0)
        return r;
    out->opcode = 0x0f00 | second;
    switch (second) {
    case 0xb6: case 0xb7:
        out->op = X86_OP_LOAD_ZX;
        break;
    case 0xbe: case 0xbf:
        out->op = X86_OP_LOAD_SX;
        break;
    default:
        return -E_INVAL;
    }
    if ((r = decode_modrm(c, p, mode, &modrm, out)) != 0)
        return r;
    out->access_bytes = (second & 1) ? 2 : 1;
    out->dest_bytes = p->op_bytes;
    return 0;
}

/* The ALU and group forms with a memory operand that we decode but do not emulate. */
static int decode_other_mem(struct cursor *c, const struct prefixes *p, enum x86_mode mode, uint8_t opcode,
                            struct x86_insn *out)
{
    unsigned imm_bytes = 0, ext;
    uint64_t ignored;
    uint8_t modrm;
    int r;

    if ((r = decode_modrm(c, p, mode, &modrm, out)) != 0)
        return r;
    ext = (modrm >> 3) & 7;
    out->op = X86_OP_OTHER_MEM;
    out->access_bytes = (opcode & 1) ? p->op_bytes : 1;
    switch (opcode) {
    case 0x80: case 0x83:
        imm_bytes = 1;
        break;
    case 0x81:
        imm_bytes = p->op_bytes > 4 ? 4 : p->op_bytes;
        break;
    case 0xf6: case 0xf7:
        if (ext == 0 || ext == 1)   /* test r/m, imm; 2-7 (not neg mul imul div idiv) have none */
            imm_bytes = opcode == 0xf6 ? 1 : (p->op_bytes > 4 ? 4 : p->op_bytes);
        break;
    case 0xfe: case 0xff:
        if (ext > 1)
            return -E_INVAL;        /* only inc and dec */
        break;
    }
    return imm_bytes ? take(c, imm_bytes, &ignored) : 0;
}

static bool is_other_mem_opcode(uint8_t opcode)
{
    if (opcode < 0x40 && (opcode & 7) <= 3)
        return true;                /* add or adc sbb and sub xor cmp, r/m forms */
    switch (opcode) {
    case 0x80: case 0x81: case 0x83: case 0x84: case 0x85: case 0x86: case 0x87:
    case 0xf6: case 0xf7: case 0xfe: case 0xff:
        return true;
    default:
        return false;
    }
}

int x86_decode(const uint8_t *code, size_t avail, enum x86_mode mode, struct x86_insn *out)
{
    struct cursor c = { code, avail, 0 };
    struct prefixes p;
    uint8_t opcode;
    int r;

    memset(out, 0, sizeof(*out));
    if ((r = decode_prefixes(&c, mode, &p, &opcode)) != 0)
        return r;
    out->opcode = opcode;
    out->addr_bytes = p.addr_bytes;
    switch (opcode) {
    case 0x88: case 0x89: case 0x8a: case 0x8b:
        r = decode_mov_rm(&c, &p, mode, opcode, out);
        break;
    case 0xc6: case 0xc7:
        r = decode_mov_imm(&c, &p, mode, opcode, out);
        break;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3:
        r = decode_mov_moffs(&c, &p, opcode, out);
        break;
    case 0x0f:
        r = decode_movx(&c, &p, mode, out);
        break;
    default:
        r = is_other_mem_opcode(opcode) ? decode_other_mem(&c, &p, mode, opcode, out) : -E_INVAL;
        break;
    }
    if (r != 0)
        return r;
    out->length = c.pos;
    return 0;
}

unsigned x86_insn_gpr(const struct x86_insn *insn)
{
    return insn->reg_high8 ? insn->reg & 3 : insn->reg & 15;    /* masked: never an index past regs[16] */
}

/* Writes the low bytes of v into a register as x86 does for a destination of that size. */
static void write_register(uint64_t *reg, unsigned bytes, bool high8, enum x86_mode mode, uint64_t v)
{
    switch (bytes) {
    case 1:
        if (high8)
            *reg = (*reg & ~0xff00ull) | ((v & 0xff) << 8);
        else
            *reg = (*reg & ~0xffull) | (v & 0xff);
        break;
    case 2:
        *reg = (*reg & ~0xffffull) | (v & 0xffff);
        break;
    case 4:
        if (mode == X86_MODE_LONG64)
            *reg = v & 0xffffffffull;
        else
            *reg = (*reg & ~0xffffffffull) | (v & 0xffffffffull);
        break;
    default:
        *reg = v;
        break;
    }
}

void x86_apply_load(const struct x86_insn *insn, enum x86_mode mode, uint64_t regs[16], uint64_t value)
{
    uint64_t v = value & size_mask(insn->access_bytes);

    switch (insn->op) {
    case X86_OP_LOAD:
        write_register(&regs[x86_insn_gpr(insn)], insn->access_bytes, insn->reg_high8, mode, v);
        break;
    case X86_OP_LOAD_SX:
        v = sign_extend(v, insn->access_bytes);
        /* fall through */
    case X86_OP_LOAD_ZX:
        write_register(&regs[x86_insn_gpr(insn)], insn->dest_bytes, false, mode, v & size_mask(insn->dest_bytes));
        break;
    default:
        break;
    }
}

uint64_t x86_store_value(const struct x86_insn *insn, const uint64_t regs[16])
{
    uint64_t v;

    switch (insn->op) {
    case X86_OP_STORE:
        v = regs[x86_insn_gpr(insn)];
        if (insn->reg_high8)
            v >>= 8;
        return v & size_mask(insn->access_bytes);
    case X86_OP_STORE_IMM:
        return insn->imm & size_mask(insn->access_bytes);
    default:
        return 0;
    }
}
