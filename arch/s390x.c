// SPDX-License-Identifier: GPL-2.0
/*
 * s390x back-end (big-endian, 64-bit).
 *
 * Functions start with the 6-byte nop "brcl 0,0" (-mfentry -mnop-mcount):
 * no relocation marks the ftrace site, __mcount_loc does.  Diff objects are
 * compiled -fPIC -mno-pic-data-is-text-relative (docs/DESIGN.md, "s390x"):
 * calls are R_390_PLT32DBL and data is reached through GOT slots
 * (R_390_GOTENT), which the module loader fills with full 64-bit addresses,
 * so patched code reaches vmlinux data wherever the kernel put the module
 * (Linux 6.1: about 4 TB away from vmlinux).
 *
 * Instructions are 2, 4 or 6 bytes, big-endian.  The relocated fields this
 * back-end handles are whole bytes of the instruction (the 16/32-bit
 * immediates of RI/RIL formats at instruction+2), so they can be cleared
 * like data.
 */
#include <string.h>

#include "arch.h"
#include "util.h"

/* RIL-format opcodes (first byte, low nibble of the second) */
#define S390_RIL_C0		0xc0
#define S390_RIL_C4		0xc4
#define S390_LARL		0x0	/* c0 r0: load address relative long */
#define S390_BRCL		0x4	/* c0 m4: branch relative on condition long (jg) */
#define S390_BRASL		0x5	/* c0 r5: branch relative and save long (call) */
#define S390_LGRL		0x8	/* c4 r8: load 64 bits relative long */
/* RI-format opcodes (a7 xN) */
#define S390_RI_A7		0xa7
#define S390_BRC		0x4
#define S390_BRAS		0x5
#define S390_LHI		0x8
#define S390_LGHI		0x9
/* PC-relative relocations of code are relative to the instruction, whose
 * immediate starts 2 bytes in: GCC/gas fold the 2 into the addend */
#define S390_FIELD_OFF		2

static unsigned int s390_reloc_size(unsigned int type)
{
	switch (type) {
	case R_390_64:
	case R_390_PC64:
		return 8;
	case R_390_32:
	case R_390_PC32:
	case R_390_PC32DBL:
	case R_390_PLT32DBL:
	case R_390_GOTENT:
		return 4;
	case R_390_16:
	case R_390_PC16:
	case R_390_PC16DBL:
	case R_390_PLT16DBL:
		return 2;
	case R_390_8:
		return 1;
	default:
		/* the 12/20-bit fields share bytes with opcode bits, and the
		 * GOT/PLT offset forms are never emitted for -fPIC kernel
		 * code: refused as unsupported */
		return 0;
	}
}

static bool s390_is_pcrel(unsigned int type)
{
	switch (type) {
	case R_390_PC16:
	case R_390_PC16DBL:
	case R_390_PC32:
	case R_390_PC32DBL:
	case R_390_PC64:
	case R_390_PLT16DBL:
	case R_390_PLT32DBL:
	case R_390_GOTENT:
		return true;
	default:
		return false;
	}
}

/* relocations of an instruction's immediate at instruction+2 */
static bool in_insn_field(const struct reloc *r)
{
	switch (r->type) {
	case R_390_PC16DBL:
	case R_390_PC32DBL:
	case R_390_PLT16DBL:
	case R_390_PLT32DBL:
	case R_390_GOTENT:
		return is_text_section(r->rsec->base);
	default:
		return false;
	}
}

/*
 * "larl %r1,sym" is R_390_PC32DBL sym+2: the 2 is the distance from the
 * instruction to its field, not an offset in sym.  Data (the relative
 * words of special sections, R_390_PC32/PC64) has no such bias.  A GOTENT
 * addend is that bias only: the slot holds sym itself.
 */
static int64_t s390_reloc_target_offset(const struct reloc *r)
{
	if (in_insn_field(r))
		return r->addend - S390_FIELD_OFF;
	return r->addend;
}

/* the two bytes before a relocated RIL/RI field: the opcode and r1/m1 */
static bool insn_before(const struct section *sec, uint64_t field, unsigned char *op,
			unsigned char *sub)
{
	if (!sec->data || field < S390_FIELD_OFF || field > sec->size)
		return false;
	*op = sec->data[field - 2];
	*sub = sec->data[field - 1] & 0x0f;
	return true;
}

/* brasl/brcl (and the short bras/brc) to the target: a call or a jump */
static bool s390_is_call(const struct reloc *r)
{
	unsigned char op, sub;

	if (!in_insn_field(r) || r->type == R_390_GOTENT ||
	    !insn_before(r->rsec->base, r->offset, &op, &sub))
		return false;
	if (op == S390_RIL_C0)
		return sub == S390_BRASL || sub == S390_BRCL;
	if (op == S390_RI_A7)
		return sub == S390_BRAS || sub == S390_BRC;
	return false;
}

/*
 * "lhi/lghi %rN,imm" (a7 N8 / a7 N9 iiii) with N an argument register
 * after the first (r3-r6): how __LINE__ reaches __might_sleep(file, line)
 * and friends.  s390 instructions are 2-byte aligned; the immediate is the
 * last two bytes.
 */
static bool s390_immediate_load(const unsigned char *buf, size_t size, size_t pos,
				struct imm_load *insn)
{
	size_t k;

	for (k = pos >= 3 ? (pos - 3) & ~(size_t)1 : 0; k <= pos && k + 4 <= size; k += 2) {
		unsigned int reg = buf[k + 1] >> 4, sub = buf[k + 1] & 0x0f;

		if (buf[k] != S390_RI_A7 || (sub != S390_LHI && sub != S390_LGHI) ||
		    reg < 3 || reg > 6 || pos < k + 2)
			continue;
		insn->start = k;
		insn->len = 4;
		insn->imm_off = 2;
		insn->imm_len = 2;
		return true;
	}
	return false;
}

/*
 * A call (brasl; indirect calls go through brasl to an expoline thunk, or
 * basr) in [start, end) of sec.  The bounds are relocation places or an
 * immediate load: a brasl whose field is end itself (end - 2) is the call
 * the range leads to, not one in between.  Instruction boundaries are not
 * known from an arbitrary start, so every halfword is looked at: a false
 * match only makes the caller keep a difference as a real change.
 */
static bool s390_call_between(const struct section *sec, uint64_t start, uint64_t end)
{
	uint64_t k;

	if (!sec->data)
		return false;
	for (k = start & ~(uint64_t)1; k < end && k + 2 <= sec->size; k += 2) {
		const unsigned char *p = sec->data + k;

		if (p[0] == S390_RIL_C0 && (p[1] & 0x0f) == S390_BRASL && k + S390_FIELD_OFF != end)
			return true;
		if (p[0] == 0x0d)	/* basr */
			return true;
	}
	return false;
}

/*
 * References from patched code to outside the patch module (see arch.h).
 *
 * far (vmlinux, or an owner not known yet): Linux 6.1 maps modules near the
 * top of the vmalloc area, about 4 TB from vmlinux, out of reach of any
 * 32-bit PC-relative field.  Calls become R_390_PLT32DBL (the loader
 * branches through a PLT slot when the target is too far), and "larl" of an
 * address becomes "lgrl" of a GOT slot that holds it (same length, same
 * result: the address in the register).  GCC marks a function address
 * loaded with larl R_390_PLT32DBL too; through a PLT the register would
 * hold the slot's address, a pointer into the patch module: it is turned
 * into a GOT load as well.
 *
 * !far (a module): the loader applies a module's livepatch relocations
 * again each time it loads, but fills a GOT slot only once
 * (arch/s390/kernel/module.c: got_initialized), so the slot would keep the
 * address of the first load.  Modules share one 2 GB area: "lgrl" of a GOT
 * slot becomes "larl" of the address itself, recomputed at every load.
 * PLT32DBL calls stay (in range, the loader branches directly and
 * recomputes the branch every time).
 */
static int s390_outside_reloc(struct section *sec, uint64_t place, unsigned int type,
			      bool far, const char **why)
{
	unsigned char op, sub;

	if (!is_text_section(sec)) {
		if (far && (type == R_390_PC32 || type == R_390_PC16 || type == R_390_PC16DBL ||
			    type == R_390_PC32DBL)) {
			*why = "a 32-bit PC-relative word in data cannot reach vmlinux from a module "
			       "(Linux 6.1 maps modules about 4 TB away from vmlinux)";
			return -1;
		}
		return type;
	}
	if (!insn_before(sec, place, &op, &sub))
		return type;
	if (far) {
		switch (type) {
		case R_390_PC32DBL:
		case R_390_PLT32DBL:
			if (op == S390_RIL_C0 && sub == S390_LARL) {
				sec->data[place - 2] = S390_RIL_C4;
				sec->data[place - 1] = (sec->data[place - 1] & 0xf0) | S390_LGRL;
				return R_390_GOTENT;
			}
			if (op == S390_RIL_C0 && (sub == S390_BRASL || sub == S390_BRCL))
				return R_390_PLT32DBL;
			*why = "PC-relative access (a 32-bit field, +-4 GB) to something outside the "
			       "patch module, which the loader cannot route through a GOT or PLT slot "
			       "(Linux 6.1 maps modules about 4 TB away from vmlinux); hint: read it "
			       "through a pointer, or keep this instruction out of the patch";
			return -1;
		case R_390_PC16DBL:
		case R_390_PLT16DBL:
		case R_390_PC32:
		case R_390_PC16:
			*why = "short PC-relative reference to something outside the patch module: it "
			       "cannot reach another module or vmlinux";
			return -1;
		default:
			return type;
		}
	}
	if (type == R_390_GOTENT) {
		if (op != S390_RIL_C4 || sub != S390_LGRL) {
			*why = "GOT slot of a module symbol used by an instruction other than lgrl: "
			       "the loader fills the slot only on the module's first load";
			return -1;
		}
		sec->data[place - 2] = S390_RIL_C0;
		sec->data[place - 1] = (sec->data[place - 1] & 0xf0) | S390_LARL;
		return R_390_PC32DBL;
	}
	return type;
}

/* GOT relocations: the slot holds the symbol itself, the addend is the
 * instruction bias only */
static bool s390_is_got_reloc(unsigned int type)
{
	return type == R_390_GOTENT;
}

/*
 * Tables of code addresses that the module loader processes
 * (arch/s390/kernel/module.c module_finalize, 6.1 and 6.12): the expoline
 * sites (-mindirect-branch-table, and the kernel's own asm macros in
 * .s390_indirect_branches), reverted to plain branches by nospec_revert()
 * when expolines are off, and the alternatives.  Every entry is an s32
 * relative to itself, except struct alt_instr (size from the kernel).
 */
static const struct special_section s390_special[] = {
	{ .name = ".s390_indirect_jump", .size = 4 },
	{ .name = ".s390_indirect_call", .size = 4 },
	{ .name = ".s390_indirect_branches", .size = 4 },
	{ .name = ".s390_return_reg", .size = 4 },
	{ .name = ".s390_return_mem", .size = 4 },
	{ .name = ".altinstructions", .size_name = "alt_instr" },
};

const struct arch arch_s390x = {
	.special = s390_special,
	.nr_special = ARRAY_SIZE(s390_special),
	.name = "s390x",
	.machine = EM_S390,
	.elfclass = ELFCLASS64,
	.abs_reloc = R_390_64,
	/* "brcl 0,0" at the function's first byte, listed in __mcount_loc */
	.fentry_name = NULL,
	.ftrace_window = 6,
	.reloc_size = s390_reloc_size,
	.reloc_target_offset = s390_reloc_target_offset,
	.is_call_reloc = s390_is_call,
	.is_pcrel_reloc = s390_is_pcrel,
	.is_got_reloc = s390_is_got_reloc,
	.immediate_load = s390_immediate_load,
	.call_between = s390_call_between,
	.outside_reloc = s390_outside_reloc,
};
