// SPDX-License-Identifier: GPL-2.0
/*
 * --in-module-core on arm64: references from patched code to symbols of
 * MODULES (docs/DESIGN.md "arm64", "The lead's direction, checked" 2-3).
 *
 * The module may load after the patch, go and come back elsewhere, and the
 * patch module cannot write its own text once loaded: such a reference
 * goes through a slot, an 8-byte word the in-module core fills with the
 * symbol's address (+ addend) when the module is there and clears when it
 * goes.  All slot words share one 4 KB page (.data.klpb_slot_words, aligned
 * and at most KLPB_SLOTS_MAX words), so every ADRP of a module symbol can
 * become an ADRP of that page whatever lo12 use follows it, and no ADRP
 * has to be paired with its uses:
 *
 * - ADR_PREL_PG_HI21(_NC) sym     -> same, against the slot page;
 * - ADD_ABS_LO12_NC  add xD, xN, :lo12:sym+a
 *                                 -> ldr xD, [xN, :lo12:slot(sym+a)]
 *   (the instruction is rewritten here, in the file: the module's text is
 *   never written after load);
 * - CALL26/JUMP26 sym+a           -> a veneer of this module,
 *   "adrp x16, slot; ldr x16, [x16, :lo12:slot]; br x16" (x16/x17 are
 *   free at any call: AAPCS64 IP0/IP1);
 * - ABS64 in code: a literal of -mcmodel=large, the route of module
 *   objects (the driver compiles them so): the patched code loads
 *   sym+a with "adrp xM, lit; ldr xM, [xM, :lo12:lit]" and then loads,
 *   stores or calls through xM.  Every ADRP and LDR of that literal
 *   becomes the same instruction against slot(sym+a) (ADR_PREL_PG_HI21
 *   and LDST64_ABS_LO12_NC retargeted, nothing rewritten); the literal
 *   itself keeps no relocation and is never read (literal_reloc);
 * - anything else (a direct load or store of a module's variable in
 *   -mcmodel=small code, a data word holding a module address) is
 *   refused, named.
 *
 * 32-bit arm (REL, -mword-relocations): a symbol address is an R_ARM_ABS32
 * word of a literal pool INSIDE the function's text, loaded by one
 * "ldr rN, [pc, #off]"; no instruction can be added to load through a
 * slot, so the literal word itself is the slot: the core writes it through
 * the kernel's own text-writing primitive (__patch_text_real, which maps
 * the read-only page at a fixmap alias and flushes the caches), at the
 * module's COMING, and writes 0 at its GOING (docs/DESIGN.md "32-bit arm",
 * "Symbols of modules"):
 *
 * - ABS32/TARGET1 word (literal or data) -> the word is the slot (its
 *   relocation dropped, the word 0 until the module is there);
 * - CALL/JUMP24 sym+a                    -> a veneer of this module,
 *   "ldr pc, [pc, #-4]; .word slot" in .text.klpb_veneers, whose word is
 *   the slot (lr untouched; ldr pc interworks);
 * - anything else (PREL31, REL32, MOVW/MOVT, a blx) is refused, named.
 *
 * A table of struct klpb_slot (.data.klpb_slot_recs) tells the core what
 * goes into each word; the core's KLPB_SLOTS_SYM gets its address and size.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "klp-convert.h"
#include "klpb-meta.h"

#define INSN_ADD_X_IMM_MASK	0xffc00000u	/* add xD, xN, #imm12 (no shift) */
#define INSN_ADD_X_IMM		0x91000000u
#define INSN_LDR_X_UIMM		0xf9400000u	/* ldr xT, [xN, #imm12*8] */
#define VENEER_SIZE		12
#define ARM_LDR_PC_PC_M4	0xe51ff004u	/* ldr pc, [pc, #-4] */
#define ARM_VENEER_SIZE		8

struct slot {
	const char *objname;
	const char *name;
	unsigned long sympos;
	int64_t addend;
	int64_t veneer;			/* offset in the veneer section, -1: none */
	struct section *wsec;		/* the word: section and offset */
	uint64_t woff;
};

struct slots {
	struct elf *elf;
	struct section *words, *recs, *names, *veneers;
	struct slot *slot;
	size_t nr, alloc;
};

struct slots *slots_new(struct elf *elf)
{
	struct slots *s = xzalloc(sizeof(*s));

	s->elf = elf;
	return s;
}

void slots_free(struct slots *s)
{
	if (!s)
		return;
	free(s->slot);
	free(s);
}

static struct section *words_section(struct slots *s)
{
	if (!s->words)
		s->words = elf_add_section(s->elf, ".data.klpb_slot_words", SHT_PROGBITS,
					   SHF_ALLOC | SHF_WRITE, 0, 4096, NULL, 0);
	return s->words;
}

/* the slot of (objname, name, sympos, addend), added if new; -1 when full */
static long slot_get(struct slots *s, const char *objname, const char *name,
		     unsigned long sympos, int64_t addend)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->slot[i].sympos == sympos && s->slot[i].addend == addend &&
		    !strcmp(s->slot[i].objname, objname) && !strcmp(s->slot[i].name, name))
			return i;
	if (s->nr == KLPB_SLOTS_MAX) {
		ERROR("%s: more than %d distinct references to symbols of modules: the slots must fit one 4 KB page",
		      s->elf->path, KLPB_SLOTS_MAX);
		return -1;
	}
	if (s->nr == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 16;
		s->slot = xrealloc(s->slot, s->alloc * sizeof(*s->slot));
	}
	s->slot[s->nr] = (struct slot){ objname, name, sympos, addend, -1, NULL, 0 };
	words_section(s);
	s->slot[s->nr].wsec = s->words;
	s->slot[s->nr].woff = elf_section_append(s->words, NULL, 8, 8);
	return s->nr++;
}

/* arm: a slot whose word is at (wsec, woff), never shared */
static long slot_at(struct slots *s, const char *objname, const char *name,
		    unsigned long sympos, int64_t addend, struct section *wsec, uint64_t woff)
{
	if (s->nr == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 16;
		s->slot = xrealloc(s->slot, s->alloc * sizeof(*s->slot));
	}
	s->slot[s->nr] = (struct slot){ objname, name, sympos, addend, -1, wsec, woff };
	return s->nr++;
}

static struct symbol *secsym(struct slots *s, struct section *sec)
{
	return elf_section_symbol(s->elf, sec);
}

static int64_t veneer_get(struct slots *s, long i)
{
	static const unsigned int insn[3] = {
		0x90000010,	/* adrp x16, slot */
		0xf9400210,	/* ldr x16, [x16, :lo12:slot] */
		0xd61f0200,	/* br x16 */
	};
	unsigned char code[VENEER_SIZE];
	uint64_t off;
	int k;

	if (s->slot[i].veneer >= 0)
		return s->slot[i].veneer;
	if (!s->veneers)
		s->veneers = elf_add_section(s->elf, ".text.klpb_veneers", SHT_PROGBITS,
					     SHF_ALLOC | SHF_EXECINSTR, 0, 4, NULL, 0);
	for (k = 0; k < 3; k++)
		elf_write_word(s->elf, code + 4 * k, 4, insn[k]);
	off = elf_section_append(s->veneers, code, sizeof(code), 4);
	elf_add_reloc(s->veneers, off, R_AARCH64_ADR_PREL_PG_HI21, secsym(s, s->words), 8 * i);
	elf_add_reloc(s->veneers, off + 4, R_AARCH64_LDST64_ABS_LO12_NC, secsym(s, s->words),
		      8 * i);
	s->slot[i].veneer = off;
	return off;
}

static const char *arm_type_name(unsigned int type)
{
	switch (type) {
	case R_ARM_ABS32: return "R_ARM_ABS32";
	case R_ARM_REL32: return "R_ARM_REL32";
	case R_ARM_TARGET1: return "R_ARM_TARGET1";
	case R_ARM_PREL31: return "R_ARM_PREL31";
	case R_ARM_PC24: return "R_ARM_PC24";
	case R_ARM_CALL: return "R_ARM_CALL";
	case R_ARM_JUMP24: return "R_ARM_JUMP24";
	case R_ARM_MOVW_ABS_NC: return "R_ARM_MOVW_ABS_NC";
	case R_ARM_MOVT_ABS: return "R_ARM_MOVT_ABS";
	default: return "another type";
	}
}

/* the veneer "ldr pc, [pc, #-4]; .word slot" of slot i (arm) */
static int64_t arm_veneer_get(struct slots *s, const char *objname, const char *name,
			      unsigned long sympos, int64_t addend)
{
	unsigned char code[ARM_VENEER_SIZE];
	uint64_t off;
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->slot[i].veneer >= 0 && s->slot[i].sympos == sympos &&
		    s->slot[i].addend == addend && !strcmp(s->slot[i].objname, objname) &&
		    !strcmp(s->slot[i].name, name))
			return s->slot[i].veneer;
	if (!s->veneers)
		s->veneers = elf_add_section(s->elf, ".text.klpb_veneers", SHT_PROGBITS,
					     SHF_ALLOC | SHF_EXECINSTR, 0, 4, NULL, 0);
	elf_write_word(s->elf, code, 4, ARM_LDR_PC_PC_M4);
	elf_write_word(s->elf, code + 4, 4, 0);
	off = elf_section_append(s->veneers, code, sizeof(code), 4);
	i = slot_at(s, objname, name, sympos, addend, s->veneers, off + 4);
	s->slot[i].veneer = off;
	return off;
}

static int arm_slots_reloc(struct slots *s, const struct reloc_rec *rec, const struct symres *res)
{
	struct section *sec = rec->sec;
	unsigned char *p = sec->data + rec->place;
	unsigned int insn;
	int64_t veneer;

	switch (rec->type) {
	case R_ARM_ABS32:
	case R_ARM_TARGET1:
		/*
		 * a literal of code, or a word of ordinary data: never an entry
		 * of a table the kernel reads when the patch module loads
		 * (__jump_table, __bug_table, __ex_table, .ARM.exidx...), which
		 * would see the 0 the word holds until the module comes
		 */
		if (!(sec->sh.sh_flags & SHF_EXECINSTR) && !str_starts(sec->name, ".data") &&
		    !str_starts(sec->name, ".rodata")) {
			ERROR("%s: %s+0x%llx: reference to %s of module %s (%s) in section %s: only literal words of code and words of ordinary data (.data*, .rodata*) can be slots the core writes when the module comes; the kernel reads %s when the patch module loads",
			      s->elf->path, sec->name, (unsigned long long)rec->place, rec->name,
			      res->objname, arm_type_name(rec->type), sec->name, sec->name);
			return -1;
		}
		if (rec->place % 4) {
			ERROR("%s: %s+0x%llx: reference to %s of module %s (%s): the word is not 4-byte aligned, the core cannot write it",
			      s->elf->path, sec->name, (unsigned long long)rec->place, rec->name,
			      res->objname, arm_type_name(rec->type));
			return -1;
		}
		/* the word is the slot: no relocation, 0 until the module is there */
		elf_write_word(s->elf, p, 4, 0);
		slot_at(s, res->objname, rec->name, res->sympos, rec->addend, sec, rec->place);
		return 0;
	case R_ARM_CALL:
	case R_ARM_JUMP24:
		insn = elf_read_word(s->elf, p, 4);
		if ((insn >> 28) == 0xf) {
			ERROR("%s: %s+0x%llx: reference to %s of module %s: a blx (%08x) switches to Thumb and cannot go through a veneer",
			      s->elf->path, sec->name, (unsigned long long)rec->place, rec->name,
			      res->objname, insn);
			return -1;
		}
		/* the branch's target is its addend + 8 (ARM pc bias) */
		veneer = arm_veneer_get(s, res->objname, rec->name, res->sympos, rec->addend + 8);
		elf_add_reloc(sec, rec->place, rec->type, secsym(s, s->veneers), veneer - 8);
		return 0;
	default:
		ERROR("%s: %s+0x%llx: reference to %s of module %s (%s, type %u): on 32-bit arm only address words (R_ARM_ABS32 literals and data) and calls (R_ARM_CALL/R_ARM_JUMP24) reach symbols of modules on kernels without CONFIG_LIVEPATCH",
		      s->elf->path, sec->name, (unsigned long long)rec->place, rec->name,
		      res->objname, arm_type_name(rec->type), rec->type);
		return -1;
	}
}

#define INSN_LDR_X_UIMM_MASK	0xffc00000u

/* the section and offset r points at, when it is a defined symbol's */
static bool reloc_points_at(const struct reloc *r, const struct section *sec, uint64_t off)
{
	return !r->deleted && r->sym && r->sym->sec == sec &&
	       (int64_t)r->sym->offset + r->addend == (int64_t)off;
}

/*
 * rec is an ABS64 in code: a literal word (-mcmodel=large) holding the
 * address of a module's symbol.  Point every use of the literal at the
 * slot instead: the ADRPs at the slot page, the 64-bit LDRs at the slot.
 * Any other use (an ldr-literal of -mpc-relative-literal-loads, the
 * literal's own address taken, a data word pointing at it) is refused,
 * and so is a literal nothing loads the adrp + ldr way.  GCC pairs one
 * ADRP with loads of one literal only (DESIGN.md "What GCC 12 emits for
 * data"), so an ADRP retargeted here serves no other literal's load.
 */
static int literal_reloc(struct slots *s, const struct reloc_rec *rec,
			 const struct symres *res)
{
	struct elf *elf = s->elf;
	size_t k, nr_adrp = 0, nr_ldr = 0;
	struct reloc *r;
	long i;

	i = slot_get(s, res->objname, rec->name, res->sympos, rec->addend);
	if (i < 0)
		return -1;
	for (k = 1; k < elf->nr_sections; k++) {
		struct section *base = elf->sections[k];

		if (base->deleted || !base->rela || !(base->sh.sh_flags & SHF_ALLOC) ||
		    base == s->words || base == s->veneers || base == s->recs)
			continue;
		for (size_t n = 0; n < base->rela->nr_relocs; n++) {
			unsigned int insn;

			r = &base->rela->relocs[n];
			if (!reloc_points_at(r, rec->sec, rec->place))
				continue;
			switch (r->type) {
			case R_AARCH64_ADR_PREL_PG_HI21:
			case R_AARCH64_ADR_PREL_PG_HI21_NC:
				r->sym = secsym(s, s->words);
				r->addend = 0;
				nr_adrp++;
				continue;
			case R_AARCH64_LDST64_ABS_LO12_NC:
				insn = elf_read_word(elf, base->data + r->offset, 4);
				if ((insn & INSN_LDR_X_UIMM_MASK) != INSN_LDR_X_UIMM)
					break;
				r->sym = secsym(s, s->words);
				r->addend = 8 * i;
				nr_ldr++;
				continue;
			default:
				break;
			}
			ERROR("%s: %s+0x%llx: the literal at %s+0x%llx holding the address of %s of module %s is used by relocation type %u, not by 'adrp' + 'ldr xT, [xN, #:lo12:]': it cannot be pointed at a slot (compiled with other flags than -mcmodel=large?)",
			      elf->path, base->name, (unsigned long long)r->offset, rec->sec->name,
			      (unsigned long long)rec->place, rec->name, res->objname, r->type);
			return -1;
		}
	}
	if (!nr_adrp || !nr_ldr) {
		ERROR("%s: %s+0x%llx: a word in code holds the address of %s of module %s, but no 'adrp' + 'ldr' pair loads it (%zu adrp, %zu ldr): only -mcmodel=large literals reach symbols of modules this way",
		      elf->path, rec->sec->name, (unsigned long long)rec->place, rec->name,
		      res->objname, nr_adrp, nr_ldr);
		return -1;
	}
	return 0;
}

int slots_reloc(struct slots *s, const struct reloc_rec *rec, const struct symres *res)
{
	struct section *sec = rec->sec;
	unsigned char *p = sec->data + rec->place;
	unsigned int insn, rd, rn;
	int64_t veneer;
	long i;

	if (s->elf->ehdr.e_machine == EM_ARM)
		return arm_slots_reloc(s, rec, res);
	/* the instructions below are AArch64's */
	if (s->elf->ehdr.e_machine != EM_AARCH64) {
		ERROR("%s: %s+0x%llx: reference to %s of module %s: symbols of modules are reached through slots on arm64 and 32-bit arm only; on this architecture the in-module core does not support them yet",
		      s->elf->path, sec->name, (unsigned long long)rec->place, rec->name,
		      res->objname);
		return -1;
	}
	switch (rec->type) {
	case R_AARCH64_ADR_PREL_PG_HI21:
	case R_AARCH64_ADR_PREL_PG_HI21_NC:
		/* every slot is in this page: the lo12 uses pick theirs */
		elf_add_reloc(sec, rec->place, rec->type, secsym(s, words_section(s)), 0);
		return 0;
	case R_AARCH64_ADD_ABS_LO12_NC:
		insn = elf_read_word(s->elf, p, 4);
		rd = insn & 31;
		rn = (insn >> 5) & 31;
		if ((insn & INSN_ADD_X_IMM_MASK) != INSN_ADD_X_IMM || rd == 31 || rn == 31) {
			ERROR("%s: %s+0x%llx: the address of %s of module %s is formed by an instruction (%08x) that is not 'add xD, xN, #:lo12:' and cannot become a slot load",
			      s->elf->path, sec->name, (unsigned long long)rec->place, rec->name,
			      res->objname, insn);
			return -1;
		}
		i = slot_get(s, res->objname, rec->name, res->sympos, rec->addend);
		if (i < 0)
			return -1;
		elf_write_word(s->elf, p, 4, INSN_LDR_X_UIMM | rn << 5 | rd);
		elf_add_reloc(sec, rec->place, R_AARCH64_LDST64_ABS_LO12_NC,
			      secsym(s, s->words), 8 * i);
		return 0;
	case R_AARCH64_ABS64:
		if (sec->sh.sh_flags & SHF_EXECINSTR)
			return literal_reloc(s, rec, res);
		ERROR("%s: %s+0x%llx: a data word holds the address of %s of module %s: the module may load after the patch and move when loaded again, and the patch module cannot rewrite its data words then (hint: reach it from code, or through a pointer the code reads)",
		      s->elf->path, sec->name, (unsigned long long)rec->place, rec->name,
		      res->objname);
		return -1;
	case R_AARCH64_CALL26:
	case R_AARCH64_JUMP26:
		i = slot_get(s, res->objname, rec->name, res->sympos, rec->addend);
		if (i < 0)
			return -1;
		veneer = veneer_get(s, i);
		elf_add_reloc(sec, rec->place, rec->type, secsym(s, s->veneers), veneer);
		return 0;
	default:
		ERROR("%s: %s+0x%llx: reference to %s of module %s (relocation type %u): on kernels without CONFIG_LIVEPATCH, symbols of modules are reached by calls, by addresses (adrp + add) and by -mcmodel=large literals (adrp + ldr, how klp-build compiles module objects); this direct load or store was compiled otherwise (hint: reach it through a pointer hidden with OPTIMIZER_HIDE_VAR())",
		      s->elf->path, sec->name, (unsigned long long)rec->place, rec->name,
		      res->objname, rec->type);
		return -1;
	}
}

static uint64_t add_string(struct slots *s, const char *str)
{
	if (!s->names)
		s->names = elf_add_section(s->elf, ".rodata.klpb_slot_names", SHT_PROGBITS,
					   SHF_ALLOC, 0, 1, NULL, 0);
	return elf_section_append(s->names, str, strlen(str) + 1, 1);
}

/*
 * The table the core reads: one struct klpb_slot per word, and the core's
 * KLPB_SLOTS_SYM pointed at it.  Every object a slot names must be one
 * the patch changes a function of or has callbacks of: the core fills
 * slots only for those.
 */
int slots_finish(struct slots *s, const struct records *recs)
{
	bool arm = s->elf->ehdr.e_machine == EM_ARM;
	unsigned int abs = arm ? R_ARM_ABS32 : R_AARCH64_ABS64;
	size_t ps = arm ? 4 : 8;
	struct symbol *table;
	uint64_t off;
	size_t i, j;
	int ret = 0;

	if (!s->nr)
		return 0;
	for (i = 0; i < s->nr; i++) {
		for (j = 0; j < recs->nr_funcs; j++)
			if (recs->func[j].objname &&
			    !strcmp(recs->func[j].objname, s->slot[i].objname))
				break;
		if (j < recs->nr_funcs)
			continue;
		switch (records_callbacks_of(s->elf, s->slot[i].objname)) {
		case 1:
			continue;
		case 0:
			ERROR("%s: %s of module %s is referenced, but the patch changes no function of %s and has no callbacks of it: nothing would fill its slot",
			      s->elf->path, s->slot[i].name, s->slot[i].objname, s->slot[i].objname);
			/* fall through */
		default:
			ret = -1;
		}
	}
	if (ret)
		return ret;
	for (table = find_symbol(s->elf, KLPB_SLOTS_SYM); table; table = find_symbol_next(table))
		if (table->sec && table->sec->data && table->size >= 2 * ps)
			break;
	if (!table) {
		ERROR("%s: no %s (struct klpb_slot_table) in the module: not linked with the in-module core?",
		      s->elf->path, KLPB_SLOTS_SYM);
		return -1;
	}
	s->recs = elf_add_section(s->elf, ".data.klpb_slot_recs", SHT_PROGBITS,
				  SHF_ALLOC | SHF_WRITE, 0, ps, NULL, 0);
	for (i = 0; i < s->nr; i++) {
		uint64_t obj = add_string(s, s->slot[i].objname);
		uint64_t name = add_string(s, s->slot[i].name);

		off = elf_section_append(s->recs, NULL, KLPB_SLOT_NR_WORDS * ps, ps);
		elf_add_reloc(s->recs, off + KLPB_SLOT_WORD * ps, abs,
			      secsym(s, s->slot[i].wsec), s->slot[i].woff);
		elf_add_reloc(s->recs, off + KLPB_SLOT_OBJNAME * ps, abs,
			      secsym(s, s->names), obj);
		elf_add_reloc(s->recs, off + KLPB_SLOT_NAME * ps, abs,
			      secsym(s, s->names), name);
		elf_write_word(s->elf, s->recs->data + off + KLPB_SLOT_SYMPOS * ps, ps,
			       s->slot[i].sympos);
		elf_write_word(s->elf, s->recs->data + off + KLPB_SLOT_ADDEND * ps, ps,
			       s->slot[i].addend);
	}
	if (find_reloc_range(table->sec, table->offset, table->offset + 2 * ps)) {
		ERROR("%s: %s already has relocations", s->elf->path, KLPB_SLOTS_SYM);
		return -1;
	}
	elf_add_reloc(table->sec, table->offset, abs, secsym(s, s->recs), 0);
	elf_write_word(s->elf, table->sec->data + table->offset, ps, 0);
	elf_write_word(s->elf, table->sec->data + table->offset + ps, ps, s->nr);
	return 0;
}
