// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 back-end (little-endian, 64-bit; issue 10, first slice).
 *
 * Functions start with the two NOPs of -fpatchable-function-entry=2 (Linux
 * 6.1 DYNAMIC_FTRACE_WITH_REGS, 6.12 WITH_ARGS at -Os): no relocation marks
 * the ftrace site, __patchable_function_entries lists it (an ABS64 to the
 * function's first NOP).  vmlinux objects are -mcmodel=small: calls are
 * CALL26 (JUMP26 for the ICF thunks), data is reached with ADRP + a :lo12:
 * ADD/LDR/STR pair; objects of modules are -mcmodel=large (the arch
 * table's module_diff_cflags): every address is an ABS64 literal after the
 * function's code, loaded by ADRP + LDR (klp-convert/slots.c).  Every instruction is 4 bytes and every relocation of
 * code writes bits inside one: RELA objects hold zero in those bits and the
 * loader (arch/arm64/kernel/module.c) replaces only the field, so places are
 * never cleared (reloc_field_in_insn).
 *
 * Not handled yet (DESIGN.md "arm64"): -fpatchable-function-entry=4,2 of
 * 6.12 at -O2 (DYNAMIC_FTRACE_WITH_CALL_OPS, the site before the symbol),
 * GOT relocations (the loader has none), __LINE__ immediates (a MOVZ's
 * immediate spans bits 5-20, not whole bytes: a line shift shows as a
 * change).
 */
#include "arch.h"
#include "util.h"

static unsigned int arm64_reloc_size(unsigned int type)
{
	switch (type) {
	case R_AARCH64_ABS64:
	case R_AARCH64_PREL64:
		return 8;
	case R_AARCH64_ABS32:
	case R_AARCH64_PREL32:
	/* instructions: the field is bits of one 4-byte word */
	case R_AARCH64_CALL26:
	case R_AARCH64_JUMP26:
	case R_AARCH64_ADR_PREL_PG_HI21:
	case R_AARCH64_ADR_PREL_PG_HI21_NC:
	case R_AARCH64_ADR_PREL_LO21:
	case R_AARCH64_ADD_ABS_LO12_NC:
	case R_AARCH64_LDST8_ABS_LO12_NC:
	case R_AARCH64_LDST16_ABS_LO12_NC:
	case R_AARCH64_LDST32_ABS_LO12_NC:
	case R_AARCH64_LDST64_ABS_LO12_NC:
	case R_AARCH64_LDST128_ABS_LO12_NC:
	case R_AARCH64_LD_PREL_LO19:
	case R_AARCH64_CONDBR19:
	case R_AARCH64_TSTBR14:
		return 4;
	case R_AARCH64_ABS16:
	case R_AARCH64_PREL16:
		return 2;
	default:
		/* MOVW_* never carry symbols in kernel C (constants only),
		 * GOT forms are unknown to the module loader: unsupported */
		return 0;
	}
}

static bool arm64_is_pcrel(unsigned int type)
{
	switch (type) {
	case R_AARCH64_PREL64:
	case R_AARCH64_PREL32:
	case R_AARCH64_PREL16:
	case R_AARCH64_CALL26:
	case R_AARCH64_JUMP26:
	case R_AARCH64_ADR_PREL_PG_HI21:
	case R_AARCH64_ADR_PREL_PG_HI21_NC:
	case R_AARCH64_ADR_PREL_LO21:
	case R_AARCH64_LD_PREL_LO19:
	case R_AARCH64_CONDBR19:
	case R_AARCH64_TSTBR14:
		return true;
	default:
		return false;
	}
}

/* AArch64 PC-relative fields are relative to the instruction itself: the
 * addend is the offset in the target, never a bias */
static int64_t arm64_reloc_target_offset(const struct reloc *r)
{
	return r->addend;
}

/* bl (CALL26) and b (JUMP26: ICF thunks, asm tail branches) */
static bool arm64_is_call(const struct reloc *r)
{
	return r->type == R_AARCH64_CALL26 || r->type == R_AARCH64_JUMP26;
}

/*
 * Tables of code addresses the module loader processes: module_finalize
 * applies .altinstructions (struct alt_instr from the kernel's headers; the
 * replacement sits in .subsection 1 of the same text section).  __bug_table,
 * __ex_table, __jump_table and __patchable_function_entries are generic
 * (create-diff-object/special.c).
 */
static const struct special_section arm64_special[] = {
	{ .name = ".altinstructions", .size_name = "alt_instr" },
};

const struct arch arch_arm64 = {
	.special = arm64_special,
	.nr_special = ARRAY_SIZE(arm64_special),
	.name = "arm64",
	.machine = EM_AARCH64,
	.elfclass = ELFCLASS64,
	.abs_reloc = R_AARCH64_ABS64,
	/* two NOPs at the function's first byte, listed in
	 * __patchable_function_entries */
	.fentry_name = NULL,
	.ftrace_sites = "__patchable_function_entries",
	.ftrace_window = 8,
	.reloc_size = arm64_reloc_size,
	.reloc_target_offset = arm64_reloc_target_offset,
	.is_call_reloc = arm64_is_call,
	.is_pcrel_reloc = arm64_is_pcrel,
	.reloc_field_in_insn = true,
};
