// SPDX-License-Identifier: GPL-2.0
/*
 * Implicit addends of SHT_REL objects (32-bit arm: the module loader knows
 * REL only, arch/arm/kernel/module.c apply_relocate).
 *
 * The model (lib/elf.h) is RELA: every relocation has its addend in
 * reloc->addend and, for the types below, zero in the bits of the field it
 * writes.  elf_read() turns a REL section into that model through
 * rel_extract() (the addend is read from the field, then the field bits are
 * cleared; opcode bits stay), elf_write() turns it back through
 * rel_insert() just before the bytes are written and rel_clear() after.
 * So create-diff-object and klp-convert see the same model as on RELA
 * arches (an addend changed by klp-convert's anchors lands in the field),
 * and this file is the one place that knows the field encodings.
 *
 * Types not listed are kept as they are: addend 0 in the model, the field
 * untouched (its implicit addend travels with the bytes); rel_insert()
 * refuses a non-zero addend for them.
 */
#include <elf.h>
#include <string.h>

#include "rel.h"

#ifndef R_ARM_TARGET1
#define R_ARM_TARGET1 38
#endif
#ifndef R_ARM_MOVW_PREL_NC
#define R_ARM_MOVW_PREL_NC 45
#define R_ARM_MOVT_PREL 46
#endif

enum field {
	F_NONE,		/* not a type of ours: kept as it is */
	F_WORD,		/* the whole 32-bit word */
	F_PREL31,	/* bits 0-30, bit 31 kept (.ARM.exidx) */
	F_BRANCH24,	/* bl/b: imm24 << 2, signed */
	F_MOVW,		/* movw/movt: imm4:imm12 (bits 16-19, 0-11), signed 16 */
};

static enum field arm_field(unsigned int type)
{
	switch (type) {
	case R_ARM_ABS32:
	case R_ARM_REL32:
	case R_ARM_TARGET1:
		return F_WORD;
	case R_ARM_PREL31:
		return F_PREL31;
	case R_ARM_PC24:
	case R_ARM_CALL:
	case R_ARM_JUMP24:
		return F_BRANCH24;
	case R_ARM_MOVW_ABS_NC:
	case R_ARM_MOVT_ABS:
	case R_ARM_MOVW_PREL_NC:
	case R_ARM_MOVT_PREL:
		return F_MOVW;
	default:
		return F_NONE;
	}
}

static uint32_t get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static int64_t sext(uint32_t v, unsigned int bits)
{
	uint32_t m = 1u << (bits - 1);

	v &= (bits == 32) ? 0xffffffffu : (1u << bits) - 1;
	return (int64_t)(int32_t)((v ^ m) - m);
}

bool rel_machine(unsigned int machine)
{
	return machine == EM_ARM;
}

unsigned int rel_field_size(unsigned int machine, unsigned int type)
{
	return machine == EM_ARM && arm_field(type) != F_NONE ? 4 : 0;
}

bool rel_addend_fits(unsigned int machine, unsigned int type, int64_t addend)
{
	if (machine != EM_ARM)
		return true;
	switch (arm_field(type)) {
	case F_WORD:
		return addend >= INT32_MIN && addend <= UINT32_MAX;
	case F_PREL31:
		return addend >= -(1LL << 30) && addend < (1LL << 30);
	case F_BRANCH24:
		return !(addend & 3) && addend >= -(1LL << 25) && addend < (1LL << 25);
	case F_MOVW:
		return addend >= -32768 && addend <= 32767;
	default:
		return !addend;
	}
}

int rel_extract(unsigned int machine, unsigned int type, unsigned char *p, int64_t *addend)
{
	uint32_t w;

	*addend = 0;
	if (machine != EM_ARM)
		return -1;
	w = get32(p);
	switch (arm_field(type)) {
	case F_WORD:
		*addend = (int32_t)w;
		put32(p, 0);
		break;
	case F_PREL31:
		*addend = sext(w, 31);
		put32(p, w & 0x80000000u);
		break;
	case F_BRANCH24:
		*addend = sext((w & 0x00ffffffu) << 2, 26);
		put32(p, w & 0xff000000u);
		break;
	case F_MOVW:
		*addend = sext(((w >> 4) & 0xf000) | (w & 0xfff), 16);
		put32(p, w & ~0x000f0fffu);
		break;
	default:
		break;
	}
	return 0;
}

int rel_insert(unsigned int machine, unsigned int type, unsigned char *p, int64_t addend)
{
	uint32_t w, a = (uint32_t)addend;

	if (machine != EM_ARM || !rel_addend_fits(machine, type, addend))
		return -1;
	w = get32(p);
	switch (arm_field(type)) {
	case F_WORD:
		w = a;
		break;
	case F_PREL31:
		w = (w & 0x80000000u) | (a & 0x7fffffffu);
		break;
	case F_BRANCH24:
		w = (w & 0xff000000u) | ((a >> 2) & 0x00ffffffu);
		break;
	case F_MOVW:
		w = (w & ~0x000f0fffu) | ((a & 0xf000) << 4) | (a & 0xfff);
		break;
	default:
		break;
	}
	put32(p, w);
	return 0;
}

void rel_clear(unsigned int machine, unsigned int type, unsigned char *p)
{
	int64_t dummy;

	if (machine == EM_ARM && arm_field(type) != F_NONE)
		rel_extract(machine, type, p, &dummy);
}
