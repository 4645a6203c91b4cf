// SPDX-License-Identifier: GPL-2.0
/*
 * ppc64le (ELFv2) back-end.
 *
 * Diff objects are compiled the way the kernel compiles modules
 * (-mcmodel=large) plus -mlongcall -mno-pltseq (see docs/DESIGN.md,
 * "ppc64le"): data and functions are reached through 8-byte ".toc" slots
 * that R_PPC64_ADDR64 relocations fill, calls are indirect through r12 with
 * r2 saved and restored.  The only direct calls left are the ftrace calls
 * ("mflr r0; bl _mcount"), which the loader handles itself.
 */
#include <string.h>

#include "arch.h"
#include "util.h"

#ifndef R_PPC64_REL24_NOTOC
#define R_PPC64_REL24_NOTOC	116
#endif
#ifndef R_PPC64_ENTRY
#define R_PPC64_ENTRY		118
#endif

/* instruction fields and the few instructions this back-end recognises */
#define PPC_OPCODE(insn)	((insn) >> 26)
#define PPC_RT(insn)		(((insn) >> 21) & 31)
#define PPC_RA(insn)		(((insn) >> 16) & 31)
#define PPC_OP_ADDI		14	/* li rD,imm is addi rD,0,imm */
#define PPC_OP_ADDIS		15
#define PPC_OP_B		18	/* b, bl, ba, bla */
#define PPC_OP_LD		58	/* ld (DS form, XO 0) */
#define PPC_LK			1u	/* link bit: bl */
#define PPC_NOP			0x60000000u
#define PPC_BCTRL		0x4e800421u
#define PPC_R12			12

/* The relocation types module_64.c applies (6.1 and 6.12), with the bytes
 * of the instruction or data field each one writes. */
static unsigned int ppc64_reloc_size(unsigned int type)
{
	switch (type) {
	case R_PPC64_ADDR64:
	case R_PPC64_REL64:
	case R_PPC64_TOC:
		return 8;
	case R_PPC64_ADDR32:
	case R_PPC64_REL32:
	case R_PPC64_REL24:
	case R_PPC64_REL24_NOTOC:
	case R_PPC64_TOCSAVE:	/* marks a "std r2,24(r1)" slot */
	case R_PPC64_ENTRY:	/* marks the global entry ("ld r2,-8(r12)") */
		return 4;
	case R_PPC64_TOC16:
	case R_PPC64_TOC16_LO:
	case R_PPC64_TOC16_DS:
	case R_PPC64_TOC16_LO_DS:
	case R_PPC64_TOC16_HA:
	case R_PPC64_REL16_HA:
	case R_PPC64_REL16_LO:
		return 2;
	default:
		return 0;
	}
}

static bool ppc64_is_pcrel(unsigned int type)
{
	switch (type) {
	case R_PPC64_REL64:
	case R_PPC64_REL32:
	case R_PPC64_REL24:
	case R_PPC64_REL24_NOTOC:
	case R_PPC64_REL16_HA:
	case R_PPC64_REL16_LO:
		return true;
	default:
		return false;
	}
}

/* PowerPC branches and PC-relative data are relative to the place itself:
 * the addend is the offset in the target, with no bias. */
static int64_t ppc64_reloc_target_offset(const struct reloc *r)
{
	return r->addend;
}

/* a little-endian instruction word */
static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* the instruction word at offset off of section sec (0 outside it) */
static uint32_t insn_at(const struct section *sec, uint64_t off)
{
	if (!sec->data || off + 4 > sec->size)
		return 0;
	return le32(sec->data + off);
}

static bool ppc64_is_call(const struct reloc *r)
{
	return r->type == R_PPC64_REL24 || r->type == R_PPC64_REL24_NOTOC;
}

static bool ppc64_is_toc_reloc(unsigned int type)
{
	switch (type) {
	case R_PPC64_TOC16:
	case R_PPC64_TOC16_LO:
	case R_PPC64_TOC16_HI:
	case R_PPC64_TOC16_HA:
	case R_PPC64_TOC16_DS:
	case R_PPC64_TOC16_LO_DS:
		return true;
	default:
		return false;
	}
}

/* "ld r12,lo(rA)" of a slot: the address of a function about to be called
 * (ELFv2 indirect calls go through r12, which the callee's global entry
 * needs); any other load takes an address */
static bool ppc64_toc_lo_is_call(const struct reloc *r)
{
	uint32_t insn = insn_at(r->rsec->base, r->offset);

	return PPC_OPCODE(insn) == PPC_OP_LD && (insn & 3) == 0 && PPC_RT(insn) == PPC_R12;
}

/*
 * The high half ("addis rT,r2,slot@ha") loads nothing: it is a call when
 * the low half that uses rT for the same slot (the next TOC16_LO_DS against
 * the same slot whose base register is rT, within 64 bytes) is one.
 */
static bool ppc64_toc_ref_is_call(const struct reloc *r)
{
	const struct section *rsec = r->rsec;
	uint32_t insn;
	size_t i;

	if (r->type != R_PPC64_TOC16_HA && r->type != R_PPC64_TOC16_HI)
		return ppc64_toc_lo_is_call(r);
	insn = insn_at(rsec->base, r->offset);
	if (PPC_OPCODE(insn) != PPC_OP_ADDIS)
		return false;
	for (i = (size_t)(r - rsec->relocs) + 1; i < rsec->nr_relocs; i++) {
		const struct reloc *lo = &rsec->relocs[i];

		if (lo->offset > r->offset + 64)
			break;
		if (lo->deleted || lo->sym != r->sym || lo->addend != r->addend ||
		    lo->type == R_PPC64_TOC16_HA || lo->type == R_PPC64_TOC16_HI ||
		    !ppc64_is_toc_reloc(lo->type))
			continue;
		if (PPC_RA(insn_at(rsec->base, lo->offset)) == PPC_RT(insn))
			return ppc64_toc_lo_is_call(lo);
	}
	return false;
}

/*
 * "li rD,imm" with rD an argument register after the first (r4-r10): how
 * __LINE__ reaches __might_sleep(file, line) and friends.  The immediate is
 * the low half of the (little-endian) instruction word.
 */
static bool ppc64_immediate_load(const unsigned char *buf, size_t size, size_t pos,
				 struct imm_load *insn)
{
	size_t k = pos & ~(size_t)3;
	uint32_t w;

	if (k + 4 > size)
		return false;
	w = le32(buf + k);
	if (PPC_OPCODE(w) != PPC_OP_ADDI || PPC_RA(w) != 0 || PPC_RT(w) < 4 || PPC_RT(w) > 10)
		return false;
	insn->start = k;
	insn->len = 4;
	insn->imm_off = 0;
	insn->imm_len = 2;
	return true;
}

/* a call instruction (bl, bctrl) in [start, end) of sec */
static bool ppc64_call_between(const struct section *sec, uint64_t start, uint64_t end)
{
	uint64_t k;

	for (k = start & ~(uint64_t)3; k < end && k + 4 <= sec->size; k += 4) {
		uint32_t w = insn_at(sec, k);

		if (w == PPC_BCTRL || (PPC_OPCODE(w) == PPC_OP_B && (w & PPC_LK)))
			return true;
	}
	return false;
}

/*
 * ".TOC.": module_64.c dedotify() makes it the module's TOC pointer.
 * The register save/restore functions that -Os code calls (_savegpr0_N,
 * _restgpr0_N, ...): the module link provides them (--save-restore-funcs or
 * arch/powerpc/lib/crtsavres.o, KBUILD_LDFLAGS_MODULE), inside the module,
 * so the "b _restgpr0_N" tail calls never go through a stub.
 */
static bool ppc64_is_link_symbol(const char *name)
{
	static const char *const save_restore[] = {
		"_savegpr0_", "_restgpr0_", "_savegpr1_", "_restgpr1_",
		"_savefpr_", "_restfpr_", "_savevr_", "_restvr_",
	};
	size_t i;

	if (!strcmp(name, ".TOC."))
		return true;
	for (i = 0; i < ARRAY_SIZE(save_restore); i++)
		if (!strncmp(name, save_restore[i], strlen(save_restore[i])))
			return true;
	return false;
}

/*
 * A direct branch out of the module goes through a stub that saves r2 at
 * 24(r1) and enters the target's global entry.  The loader then rewrites the
 * "nop" after a "bl" into "ld r2,24(r1)" and refuses anything else ("Expected
 * nop after call").  A sibling call ("b", no link) through a stub would
 * return to the caller's caller with the target's r2 and overwrite the slot
 * where that caller keeps its own r2.  The ftrace call needs neither.
 */
static const char *ppc64_external_reloc_problem(const struct reloc *r, const char *name)
{
	const struct section *sec = r->rsec->base;
	uint32_t insn;

	if (!ppc64_is_call(r) || !strcmp(name, "_mcount"))
		return NULL;
	/* REL24 places are the whole instruction word */
	insn = insn_at(sec, r->offset);
	if (PPC_OPCODE(insn) != PPC_OP_B)
		return NULL;
	if (!(insn & PPC_LK))
		return "sibling call (b without link) to a function outside the patch module: "
		       "its stub would clobber the caller's saved TOC pointer; hint: make the "
		       "call a normal one (e.g. use its result before returning), or patch the "
		       "callee too";
	if (insn_at(sec, r->offset + 4) != PPC_NOP)
		return "call without a nop after it to a function outside the patch module: the "
		       "loader needs that slot to restore the TOC pointer (\"Expected nop after "
		       "call\"); hint: build with the flags klp-build gives ppc64le diff objects "
		       "(-mlongcall -mno-pltseq)";
	return NULL;
}

/*
 * Feature-fixup tables: struct fixup_entry (mask, value, then four offsets
 * of code relative to the entry: start, end, alt_start, alt_end), 48 bytes
 * on 64-bit (arch/powerpc/include/asm/feature-fixups.h).  The one-word
 * tables hold one offset each, relative to the word itself.
 *
 * Only tables that module_finalize() (arch/powerpc/kernel/module.c, 6.1 and
 * 6.12) applies to modules are listed.  It looks for the speculation
 * barriers under "__spec_barrier_fixup", the name of vmlinux's OUTPUT
 * section (vmlinux.lds.S) - a name the compiler never emits, so ordinary
 * modules keep their barrier_nospec sites as nops.  The patched copies of
 * vmlinux functions must keep the barrier their originals got at boot: the
 * entries go out under the name the loader looks for.  The other one-word
 * tables (__stf_*, __rfi_flush_fixup, __entry_flush_fixup,
 * __uaccess_flush_fixup, ...) are never applied to modules: entries of
 * patched code in them are refused as an unsupported section.
 */
static const struct special_section ppc64_special[] = {
	{ .name = "__ftr_fixup", .size = 48, .entry_relative = true },
	{ .name = "__mmu_ftr_fixup", .size = 48, .entry_relative = true },
	{ .name = "__fw_ftr_fixup", .size = 48, .entry_relative = true },
	{ .name = "__lwsync_fixup", .size = 8 },
	{ .name = "__barrier_nospec_fixup", .output_name = "__spec_barrier_fixup", .size = 8 },
};

const struct arch arch_ppc64le = {
	.special = ppc64_special,
	.nr_special = ARRAY_SIZE(ppc64_special),
	.name = "ppc64le",
	.machine = EM_PPC64,
	.elfclass = ELFCLASS64,
	.abs_reloc = R_PPC64_ADDR64,
	.fentry_name = "_mcount",
	/* global entry (8) + mflr r0 (4) [+ std r0,16(r1) (4)] before bl _mcount */
	.ftrace_window = 20,
	.reloc_size = ppc64_reloc_size,
	.reloc_target_offset = ppc64_reloc_target_offset,
	.is_call_reloc = ppc64_is_call,
	.is_pcrel_reloc = ppc64_is_pcrel,
	.reloc_field_in_insn = true,
	.toc_section = ".toc",
	.is_toc_reloc = ppc64_is_toc_reloc,
	.toc_ref_is_call = ppc64_toc_ref_is_call,
	.immediate_load = ppc64_immediate_load,
	.line_call_before = 48,
	.call_between = ppc64_call_between,
	.is_link_symbol = ppc64_is_link_symbol,
	.external_reloc_problem = ppc64_external_reloc_problem,
};
