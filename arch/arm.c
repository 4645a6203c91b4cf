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
 * (unwind_index).  .pv_table and .alt.smp.init entries of included
 * functions are kept (arm_special below): the module loader applies the
 * patch module's own tables.
 * Thumb-2 (R_ARM_THM_*) is not supported: reloc_size 0 refuses it.
 */
#include <stdio.h>

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

static uint32_t arm_insn(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The __LINE__ argument of a WARN (arm has no __WARN_FLAGS: WARN calls
 * warn_slowpath_fmt(file, line, taint, fmt, ...)) or of __might_sleep:
 * "movw r1, #line" (cond 0011 0000 imm4 0001 imm12) or, for small lines,
 * "mov r1, #imm" (cond 0011 1010 0000 0001 rot imm8), the second argument
 * register; byte 3 (condition, 0011) must be equal in both versions
 * (same_but_immediate), the rest is r1 and the line by the patterns.  Instructions are 4 bytes, aligned in the function.
 */
static bool arm_immediate_load(const unsigned char *buf, size_t size, size_t pos,
			       struct imm_load *insn)
{
	size_t k = pos & ~(size_t)3;
	uint32_t w;

	if (k + 4 > size)
		return false;
	w = arm_insn(buf + k);
	if ((w >> 28) == 0xf)
		return false;		/* unconditional space: not a data-processing insn */
	insn->start = k;
	insn->len = 4;
	insn->imm_off = 0;
	if ((w & 0x0ff0f000) == 0x03001000) {		/* movw r1, #imm16 */
		insn->imm_len = 3;	/* imm12, Rd, imm4 and the opcode nibble */
		return true;
	}
	if ((w & 0x0ffff000) == 0x03a01000) {		/* mov r1, #imm */
		/* as movw: GCC picks mov for a line that fits a rotated
		 * imm8 (2480) and movw for the next one (2482); both are
		 * r1 loads, byte 3 (cond, 0011) is compared */
		insn->imm_len = 3;
		return true;
	}
	return false;
}

/* a bl (cond 1011) in [start, end) of sec, at the instruction words there */
static bool arm_call_between(const struct section *sec, uint64_t start, uint64_t end)
{
	uint64_t k;

	for (k = (start + 3) & ~(uint64_t)3; k < end && k + 4 <= sec->size; k += 4) {
		uint32_t w = arm_insn(sec->data + k);

		if ((w & 0x0f000000) == 0x0b000000 && (w >> 28) != 0xf)
			return true;
	}
	return false;
}

/*
 * .alt.smp.init: word 1, the UP instruction fixup_smp stores at the code,
 * as a B (cond 1010 imm24; BL and BLX are not written there) must branch
 * into the function: its offset is relative to where it is stored.
 */
static bool arm_alt_smp_refused(const unsigned char *entry, int64_t code_off, uint64_t func_size,
				char *why, size_t why_len)
{
	uint32_t w = arm_insn(entry + 4);
	int64_t target;

	if ((w & 0x0f000000) != 0x0a000000 || (w >> 28) == 0xf)
		return false;
	target = code_off + 8 + (int64_t)((int32_t)(w << 8) >> 6);
	if (target >= 0 && (uint64_t)target < func_size)
		return false;
	snprintf(why, why_len, "its UP instruction branches to +0x%llx, outside the function "
		 "(0x%llx bytes): code the asm put after it (.subsection), which the copy does "
		 "not include", (long long)target, (unsigned long long)func_size);
	return true;
}

/*
 * Tables the module loader applies to the module's own text, after its
 * relocations and before the text becomes read-only: module_finalize
 * (arch/arm/kernel/module.c 6.1:455-512 / 6.12:414-470), called from
 * post_relocation (kernel/module/main.c 6.1:2376-2389 / 6.12:2653-2666).
 * Both tables are found by name (find_mod_section, the first section of
 * that name: ld merges the objects' tables into one).  Every entry's first
 * word is "label - ." (R_ARM_REL32 to the instruction, self-relative, so
 * an entry stays valid wherever it is appended); create-diff-object keeps
 * the entries of included functions, the REL32 converted to the copy.
 */
static const struct special_section arm_special[] = {
	/*
	 * ARM_PATCH_PHYS_VIRT: one word per instruction of a __pv_stub /
	 * __pv_add_carry_stub (asm/memory.h 6.1:197-245 / 6.12:202-250,
	 * ARM and Thumb-2 forms): ".long 1b - ., 2b - .", two entries for
	 * the add/sub pair (non-LPAE), movw/mov (LPAE).  fixup_pv_table
	 * (kernel/phys2virt.S 6.1/6.12:54-224, __fixup_a_pv_table)
	 * patches the PHYS_OFFSET - PAGE_OFFSET delta into the immediates;
	 * an instruction without its entry would keep the placeholder
	 * 0x81000000 / 0x810000 and compute a wrong address.  Without
	 * ARM_PATCH_PHYS_VIRT the stubs are not compiled (no table).
	 */
	{ .name = ".pv_table", .size = 4 },
	/*
	 * SMP_ON_UP: 8 bytes, ".long 9998b - ." then the UP instruction
	 * (__ALT_SMP_ASM asm/processor.h 6.1/6.12:93-99, ALT_UP / ALT_UP_B
	 * asm/assembler.h 6.1:272-289 / 6.12:265-282, percpu.h/current.h
	 * for ARMv6: "b . + (2b - 0b)", an offset the assembler resolves
	 * within the function's section).  fixup_smp (kernel/head.S
	 * 6.1:578-600 / 6.12:579-601) stores word 1 at the place word 0
	 * names, only when !is_smp() (asm/smp_plat.h); without SMP_ON_UP a
	 * UP machine refuses a module that has the table (-EINVAL), as it
	 * does for any module.  The UP word is copied verbatim: a relocation
	 * there would be resolved at the table, not at the code it is
	 * stored to, so such an entry is refused (reloc_words).  A UP branch
	 * (ALT_UP_B, ARMv6 percpu.h/current.h) must land inside the
	 * function: the ARMv6 "b . + (2b - 0b)" goes to code the asm put in
	 * ".subsection 1", after the function's st_size, which the copy
	 * does not include (arm_alt_smp_refused).
	 */
	{ .name = ".alt.smp.init", .size = 8, .reloc_words = 0x1,
	  .entry_refused = arm_alt_smp_refused },
};

const struct arch arch_arm = {
	.special = arm_special,
	.nr_special = ARRAY_SIZE(arm_special),
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
	.immediate_load = arm_immediate_load,
	.call_between = arm_call_between,
	.unwind_index = ".ARM.exidx",
	.unwind_table = ".ARM.extab",
};
