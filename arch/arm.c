// SPDX-License-Identifier: GPL-2.0
/*
 * 32-bit arm back-end (armhf, little-endian, ARM mode; issue 12).
 *
 * Relocations are REL: the addend lives in the relocated field.  lib/elf.c
 * (through lib/rel.c) gives this back-end the same RELA model as everywhere
 * else: reloc->addend holds it and the field's bits are zero, the opcode
 * bits stay (reloc_field_in_insn).
 *
 * The ftrace site is "push {lr}; bl __gnu_mcount_nc" (-pg), AFTER the
 * function's prologue: the R_ARM_CALL to __gnu_mcount_nc within the first
 * 16 instructions (the in-module core's decoder reads at most that many,
 * kmod-template/klpb-arch-arm.c).  Calls are R_ARM_CALL (bl), tail calls
 * R_ARM_JUMP24 (b); a branch field holds imm24 << 2 with the -8 of the
 * ARM pc bias, so a section-relative target is addend + 8.  Diff objects
 * are compiled with -mword-relocations (arch table): every symbol address
 * is an R_ARM_ABS32 literal word, none a MOVW/MOVT pair, whose 16-bit
 * field could not carry the distances of klp-convert's anchors.
 *
 * Unwind tables: each text section .text.f has its index .ARM.exidx.text.f
 * (SHF_LINK_ORDER, PREL31 to the function), which the module loader pairs
 * with the text by name (module_finalize): kept with the function
 * (unwind_index).  .alt.smp.init and .pv_table entries of changed code are
 * not supported yet: create-diff-object refuses them, naming the section.
 * Thumb-2 (R_ARM_THM_*) is not supported: reloc_size 0 refuses it.
 */
#include "arch.h"
#include "util.h"

#ifndef R_ARM_TARGET1
#define R_ARM_TARGET1 38
#endif

static unsigned int arm_reloc_size(unsigned int type)
{
	switch (type) {
	case R_ARM_ABS32:
	case R_ARM_REL32:
	case R_ARM_TARGET1:
	case R_ARM_PREL31:
	case R_ARM_PC24:
	case R_ARM_CALL:
	case R_ARM_JUMP24:
	case R_ARM_MOVW_ABS_NC:
	case R_ARM_MOVT_ABS:
		return 4;
	default:
		return 0;
	}
}

static bool arm_is_branch(unsigned int type)
{
	return type == R_ARM_CALL || type == R_ARM_JUMP24 || type == R_ARM_PC24;
}

static bool arm_is_pcrel(unsigned int type)
{
	return arm_is_branch(type) || type == R_ARM_REL32 || type == R_ARM_PREL31;
}

/* a branch is relative to its own address + 8 (the ARM pc bias) */
static int64_t arm_reloc_target_offset(const struct reloc *r)
{
	return arm_is_branch(r->type) ? r->addend + 8 : r->addend;
}

static bool arm_is_call(const struct reloc *r)
{
	return arm_is_branch(r->type);
}

const struct arch arch_arm = {
	.name = "arm",
	.machine = EM_ARM,
	.elfclass = ELFCLASS32,
	.abs_reloc = R_ARM_ABS32,
	.fentry_name = "__gnu_mcount_nc",
	/* after the prologue: at most 16 instructions in */
	.ftrace_window = 64,
	.reloc_size = arm_reloc_size,
	.reloc_target_offset = arm_reloc_target_offset,
	.is_call_reloc = arm_is_call,
	.is_pcrel_reloc = arm_is_pcrel,
	.reloc_field_in_insn = true,
	.unwind_index = ".ARM.exidx",
	.unwind_table = ".ARM.extab",
};
