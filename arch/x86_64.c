// SPDX-License-Identifier: GPL-2.0
/* x86_64 back-end. */
#include "arch.h"
#include "util.h"

static unsigned int x86_reloc_size(unsigned int type)
{
	switch (type) {
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	case R_X86_64_32:
	case R_X86_64_32S:
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
		return 4;
	case R_X86_64_16:
	case R_X86_64_PC16:
		return 2;
	case R_X86_64_8:
	case R_X86_64_PC8:
		return 1;
	default:
		return 0;
	}
}

static bool x86_is_pcrel(unsigned int type)
{
	switch (type) {
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_PC64:
	case R_X86_64_PC16:
	case R_X86_64_PC8:
		return true;
	default:
		return false;
	}
}

/*
 * A PC-relative reference from code is relative to the end of the
 * instruction; for the common "disp32 is the last field" encodings that is
 * 4 bytes after the place, which GCC/gas fold into the addend as -4.
 * References from data (e.g. the relative pointers of special sections) have
 * no such bias: the field itself is the place.
 */
static int64_t x86_reloc_target_offset(const struct reloc *r)
{
	if (x86_is_pcrel(r->type) && is_text_section(r->rsec->base))
		return r->addend + 4;
	return r->addend;
}

/*
 * Branches: call rel32 (e8), jmp rel32 (e9), jcc rel32 (0f 80..8f); the
 * opcode precedes the field.  A RIP-relative operand is preceded by a ModRM
 * byte (mod 00, r/m 101), which never takes these values.
 */
static bool x86_is_call(const struct reloc *r)
{
	const struct section *sec = r->rsec->base;
	const unsigned char *d = sec->data;

	if (r->type != R_X86_64_PLT32 && r->type != R_X86_64_PC32)
		return false;
	if (!d || r->offset < 1 || r->offset > sec->size)
		return false;
	if (d[r->offset - 1] == 0xe8 || d[r->offset - 1] == 0xe9)
		return true;
	return r->offset >= 2 && d[r->offset - 2] == 0x0f && (d[r->offset - 1] & 0xf0) == 0x80;
}

/*
 * mov $imm32, %r32: b8+r imm32, or 41 b8+r imm32 for r8d-r15d.  Only the
 * immediate may differ (the register is the same in both versions).
 */
static bool x86_immediate_load(const unsigned char *buf, size_t size, size_t pos,
			       struct imm_load *insn)
{
	size_t k;

	for (k = pos >= 4 ? pos - 4 : 0; k < pos; k++) {
		if ((buf[k] & 0xf8) != 0xb8 || pos - k > 4 || k + 5 > size)
			continue;
		if (k >= 1 && buf[k - 1] == 0x41) {
			insn->start = k - 1;
			insn->len = 6;
		} else {
			insn->start = k;
			insn->len = 5;
		}
		insn->imm_off = insn->len - 4;
		insn->imm_len = 4;
		return true;
	}
	return false;
}

/*
 * x86 tables that describe code.  Sizes of kernel structs come from
 * klpb-sizes.o; the 4-byte ones are arrays of s32 relative pointers in every
 * kernel version we support.
 */
static const struct special_section x86_special[] = {
	/* alternatives: entry -> instruction + replacement (.altinstr_replacement) */
	{ .name = ".altinstructions", .size_name = "alt_instr" },
	/* paravirt patch sites (6.1) */
	{ .name = ".parainstructions", .size_name = "paravirt_patch_site" },
	/* LOCK prefixes to patch out on UP */
	{ .name = ".smp_locks", .size = 4 },
	/* inline static calls */
	{ .name = ".static_call_sites", .size_name = "static_call_site" },
	/* objtool-generated site lists */
	{ .name = ".retpoline_sites", .size = 4 },
	{ .name = ".return_sites", .size = 4 },
	{ .name = ".call_sites", .size = 4 },
	{ .name = ".ibt_endbr_seal", .size = 4 },
	/* ORC: ip table and the parallel entry table */
	{ .name = ".orc_unwind_ip", .size = 4,
	  .companion = ".orc_unwind", .companion_size_name = "orc_entry" },
};

const struct arch arch_x86_64 = {
	.special = x86_special,
	.nr_special = ARRAY_SIZE(x86_special),
	.name = "x86_64",
	.machine = EM_X86_64,
	.elfclass = ELFCLASS64,
	.abs_reloc = R_X86_64_64,
	.fentry_name = "__fentry__",
	.ftrace_window = 16,
	.reloc_size = x86_reloc_size,
	.reloc_target_offset = x86_reloc_target_offset,
	.is_call_reloc = x86_is_call,
	.is_pcrel_reloc = x86_is_pcrel,
	.immediate_load = x86_immediate_load,
};
