/*
 * The x86 instruction decoder the VMM uses to emulate guest MMIO accesses: lengths and
 * operands of the moves a guest uses on device memory (SVM under QEMU TCG gives neither
 * NRIP nor decode assists). Pure logic: no libc, no allocation.
 */
#ifndef VMM_X86_DECODE_H
#define VMM_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest x86 instruction; more bytes than this is #GP on hardware. */
#define X86_MAX_INSN_BYTES 15

/* The code size: 16 real mode or a 16-bit CS, 32 a 32-bit CS (or compatibility mode), 64 CS.L in long mode. */
enum x86_mode { X86_MODE_REAL16 = 16, X86_MODE_PROT32 = 32, X86_MODE_LONG64 = 64 };

enum x86_op {
    X86_OP_LOAD,        /* mov reg, [mem] (8A 8B A0 A1) */
    X86_OP_STORE,       /* mov [mem], reg (88 89 A2 A3) */
    X86_OP_STORE_IMM,   /* mov [mem], imm (C6 /0, C7 /0) */
    X86_OP_LOAD_ZX,     /* movzx reg, [mem] (0F B6, 0F B7) */
    X86_OP_LOAD_SX,     /* movsx reg, [mem] (0F BE, 0F BF) */
    X86_OP_OTHER_MEM    /* decoded but not emulable: caller reports it */
};

struct x86_insn {
    unsigned length;        /* bytes, 1..15 */
    enum x86_op op;
    unsigned access_bytes;  /* 1, 2, 4 or 8: size of the memory access */
    unsigned reg;           /* GPR index 0..15 (rax=0 ... r15=15; for 8-bit regs without REX: 4..7 = ah ch dh bh, see reg_high8) */
    bool reg_high8;         /* the register is ah/ch/dh/bh (reg 4..7; the GPR is reg - 4, bits 15:8) */
    unsigned dest_bytes;    /* for LOAD_ZX/LOAD_SX: size of the destination register */
    uint64_t imm;           /* for STORE_IMM: the value stored, already sign-extended to access_bytes */
    /* Added: how the decoder got there (for reports and tests). */
    unsigned opcode;        /* the opcode: one byte, or 0x0F00 | second byte */
    unsigned addr_bytes;    /* 2, 4 or 8: the address size */
    bool rip_relative;      /* the operand is [rip + disp32] */
};

/*
 * Decodes the instruction at code (avail bytes readable there; never reads more).
 * 0, -E_RANGE (avail too short for the instruction; fetch more), -E_INVAL (not an
 * instruction we emulate: anything but the moves above or the ALU forms reported as
 * X86_OP_OTHER_MEM, a register operand where memory must be, a LOCK, REP or REPNE prefix,
 * or more than 15 bytes). Segment overrides are accepted and ignored (flat guests).
 *
 * X86_OP_OTHER_MEM covers read-modify-write and compare forms with a memory operand
 * (00-3B ALU r/m, 80/81/83 group 1, 84/85 test, 86/87 xchg, F6/F7 group 3, FE/FF inc/dec):
 * length, access_bytes and reg (of the ModRM reg field) are set, so the caller can say
 * exactly which instruction it cannot emulate.
 */
int x86_decode(const uint8_t *code, size_t avail, enum x86_mode mode, struct x86_insn *out);

/*
 * Applies a completed access to the register file (regs[16] in the GPR order above): for
 * LOAD*, writes value into reg with x86's rules (32-bit writes zero-extend to 64 in long
 * mode, 8/16-bit writes merge; movzx/movsx extend to dest_bytes first). Does nothing for
 * the other ops.
 */
void x86_apply_load(const struct x86_insn *insn, enum x86_mode mode, uint64_t regs[16], uint64_t value);

/* The value a STORE or STORE_IMM writes (access_bytes wide, zero above); 0 for the other ops. */
uint64_t x86_store_value(const struct x86_insn *insn, const uint64_t regs[16]);

/* The index into regs[16] of insn->reg (ah..bh live in rax..rbx). */
unsigned x86_insn_gpr(const struct x86_insn *insn);

#endif
