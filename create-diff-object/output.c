// SPDX-License-Identifier: GPL-2.0
/*
 * Building the diff object.
 *
 * Every included function or object becomes its own section in the output
 * (so functions that shared a section, e.g. .sched.text, can be taken
 * alone).  Its relocations are converted one by one:
 *   - to something the output contains (new copies, string literals, jump
 *     tables): a normal relocation against the copy;
 *   - to something the module can link against (exported by vmlinux): a
 *     normal relocation against an undefined global;
 *   - to anything else (locals of the original object, unexported globals,
 *     symbols owned by modules): a record in .klp.relocs that klp-convert
 *     turns into a livepatch relocation after the module link.
 * Changed functions are listed in .klp.funcs for the runtime core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdo.h"
#include "klpb-meta.h"

#define KLP_RELOC_LOCAL KLPB_RELOC_F_LOCAL

static struct symbol *clone_unit(struct cdo *cdo, struct symbol *sym);

/*
 * A symbol of the original object that the kernel's own object lacks
 * (kernel.c: inlined, optimised away or cloned under another name there):
 * nothing to reference, so the patch carries its own copy - of code or
 * constant data; writable data is state the kernel would not share.
 */
static int carry_copy(struct cdo *cdo, struct symbol *s)
{
	if (s->clone)
		return 0;
	if (s->type != STT_FUNC &&
	    (s->type != STT_OBJECT || (s->sec->sh.sh_flags & SHF_WRITE))) {
		ERROR_SYM(s, "patched code uses this variable, which the kernel's build of %s "
			  "does not have (GCC optimised it differently there): its storage "
			  "cannot be shared with the running kernel; hint: read it through a "
			  "function the kernel has, or keep the patch away from it", cdo->objfile);
		return -1;
	}
	if (is_ipa_clone(s->name))
		klpb_msg("note", "%s: %s: an IPA clone, whose specialisation in the diff build "
			 "need not be the kernel's: the patch carries its own copy",
			 cdo->objfile, s->name);
	else
		klpb_msg("note", "%s: %s: not in the kernel's build of this object (inlined or "
			 "optimised differently there): the patch carries its own copy",
			 cdo->objfile, s->name);
	s->include = true;
	s->notrace_copy = true;
	return clone_unit(cdo, s) ? 0 : -1;
}

static uint64_t add_string(struct section *sec, const char *s)
{
	return elf_section_append(sec, s, strlen(s) + 1, 1);
}

static void add_pointer(struct cdo *cdo, struct section *sec, uint64_t off,
			struct symbol *sym, int64_t addend)
{
	elf_add_reloc(sec, off, cdo->arch->abs_reloc, sym, addend);
}

static void add_string_pointer(struct cdo *cdo, struct section *sec, uint64_t off,
			       struct section *strsec, const char *s)
{
	add_pointer(cdo, sec, off, elf_section_symbol(cdo->out, strsec), add_string(strsec, s));
}

int output_begin(struct cdo *cdo)
{
	unsigned int a = elf_addr_size(cdo->patched);

	cdo->out = elf_create_like(cdo->patched, "diff object");
	cdo->funcs = elf_add_section(cdo->out, ".klp.funcs", SHT_PROGBITS,
				     SHF_ALLOC | SHF_WRITE, 0, a, NULL, 0);
	cdo->relocs = elf_add_section(cdo->out, ".klp.relocs", SHT_PROGBITS, 0, 0, a, NULL, 0);
	cdo->strings = elf_add_section(cdo->out, ".klp.strings", SHT_PROGBITS, 0, 0, 1, NULL, 0);
	cdo->rostr = elf_add_section(cdo->out, ".rodata.klpb.str", SHT_PROGBITS, SHF_ALLOC,
				     0, 1, NULL, 0);
	return 0;
}

/* Record a reference that only the livepatch loader can resolve. */
static void add_klp_reloc(struct cdo *cdo, struct section *to, uint64_t place,
			  unsigned int type, int64_t addend, const char *name,
			  const char *objname, const char *objfile, unsigned int flags)
{
	unsigned int a = elf_addr_size(cdo->out);
	size_t recsz = KLPB_RELOC_SIZE(a);
	uint64_t off = elf_section_append(cdo->relocs, NULL, recsz, a);
	unsigned char *rec = cdo->relocs->data + off;

	elf_write_word(cdo->out, rec + KLPB_RELOC_ADDEND * a, a, (uint64_t)addend);
	elf_write_word(cdo->out, rec + KLPB_RELOC_TYPE_OFF(a), 4, type);
	elf_write_word(cdo->out, rec + KLPB_RELOC_FLAGS_OFF(a), 4, flags);
	add_pointer(cdo, cdo->relocs, off + KLPB_RELOC_PLACE * a,
		    elf_section_symbol(cdo->out, to), place);
	add_string_pointer(cdo, cdo->relocs, off + KLPB_RELOC_NAME * a, cdo->strings, name);
	if (objname)
		add_string_pointer(cdo, cdo->relocs, off + KLPB_RELOC_OBJNAME * a,
				   cdo->strings, objname);
	if (objfile)
		add_string_pointer(cdo, cdo->relocs, off + KLPB_RELOC_OBJFILE * a,
				   cdo->strings, objfile);
	cdo->nr_klp_relocs++;
	INFO("%s+0x%llx: livepatch relocation to %s (%s)", to->name,
	     (unsigned long long)place, name, objname ? objname : "owner unknown");
}

static struct symbol *undefined_global(struct cdo *cdo, const char *name, unsigned char bind)
{
	struct symbol *sym;

	for (sym = find_symbol(cdo->out, name); sym; sym = find_symbol_next(sym))
		if (!sym->sec && sym->shndx == SHN_UNDEF)
			return sym;
	return elf_add_symbol(cdo->out, name, STT_NOTYPE, bind == STB_WEAK ? STB_WEAK : STB_GLOBAL,
			      NULL, SHN_UNDEF, 0, 0);
}

/*
 * A reference to something that stays in the running kernel.  sym is the
 * ORIGINAL object's symbol when there is one (its name in the kernel's own
 * object is what kallsyms knows, kernel.c), else the patched object's
 * undefined symbol.
 */
static int reference_original(struct cdo *cdo, struct symbol *sym, struct section *to,
			      uint64_t place, unsigned int type, int64_t addend)
{
	struct symbol *ksym = kernel_symbol(cdo, sym);
	const char *owner, *why = NULL;
	int form;

	if (!ksym) {
		/* output_convert_relocs copies what the kernel lacks */
		ERROR_SYM(sym, "internal error: no counterpart in the kernel's object");
		return -1;
	}
	sym = ksym;

	if (!sym->sec && cdo->arch->is_link_symbol && cdo->arch->is_link_symbol(sym->name)) {
		elf_add_reloc(to, place, type, undefined_global(cdo, sym->name, sym->bind), addend);
		return 0;
	}
	/* the object that defines it, when known here (NULL: klp-convert finds it) */
	owner = sym->bind == STB_LOCAL || sym->sec ? cdo->objname :
		symvers_owner(cdo->symvers, sym->name);
	if (cdo->arch->outside_reloc) {
		form = cdo->arch->outside_reloc(to, place, type,
						!owner || !strcmp(owner, "vmlinux"), &why);
		if (form < 0) {
			ERROR("%s: %s+0x%llx: reference to %s: %s", cdo->objfile, to->name,
			      (unsigned long long)place, sym->name, why);
			return -1;
		}
		type = form;
	}
	if (sym->bind == STB_LOCAL) {
		add_klp_reloc(cdo, to, place, type, addend, sym->name, cdo->objname,
			      cdo->objfile, KLP_RELOC_LOCAL);
		return 0;
	}
	owner = symvers_owner(cdo->symvers, sym->name);
	if (owner && !strcmp(owner, "vmlinux")) {
		elf_add_reloc(to, place, type, undefined_global(cdo, sym->name, sym->bind), addend);
		return 0;
	}
	if (owner) {
		/* exported by a module: resolved when that module is there */
		add_klp_reloc(cdo, to, place, type, addend, sym->name, owner, NULL, 0);
		return 0;
	}
	if (sym->sec) {
		add_klp_reloc(cdo, to, place, type, addend, sym->name, cdo->objname,
			      cdo->objfile, 0);
		return 0;
	}
	if (sym->bind == STB_WEAK) {
		elf_add_reloc(to, place, type, undefined_global(cdo, sym->name, sym->bind), addend);
		return 0;
	}
	add_klp_reloc(cdo, to, place, type, addend, sym->name, NULL, NULL, 0);
	return 0;
}

/*
 * The output symbol a GOT relocation to offset off of copy c needs: the
 * slot holds the symbol's address, so the symbol must sit exactly there
 * (a section symbol plus an addend would point the slot at the section).
 * An existing symbol there, else a local label named like the original's.
 */
static struct symbol *got_target(struct cdo *cdo, struct section *c, uint64_t off,
				 const struct symbol *orig)
{
	struct symbol *s = find_symbol_at(c, off);

	if (s)
		return s;
	return elf_add_symbol(cdo->out, orig->type == STT_SECTION ? ".Lklpb_got" : orig->name,
			      STT_NOTYPE, STB_LOCAL, c, 0, off, 0);
}

/*
 * r as a relocation at place of to against sym, a symbol of the output that
 * stands for r's target: a GOT relocation to sym+within (within != 0 only
 * for a label inside it), else sym+addend
 */
static void add_copy_reloc(struct cdo *cdo, struct section *to, uint64_t place,
			   const struct reloc *r, struct symbol *sym, int64_t within,
			   int64_t addend)
{
	if (!cdo->arch->is_got_reloc || !cdo->arch->is_got_reloc(r->type)) {
		elf_add_reloc(to, place, r->type, sym, addend);
		return;
	}
	if (within)
		sym = got_target(cdo, sym->sec, sym->offset + within, r->sym);
	elf_add_reloc(to, place, r->type, sym, r->addend);
}

static bool range_has_relocs(const struct symbol *sym)
{
	return find_reloc_range(sym->sec, sym->offset, sym->offset + sym->size) != NULL;
}

/* Should a referenced symbol be copied into the patch rather than referenced? */
static bool should_copy(const struct symbol *sym)
{
	struct symbol *parent = cold_parent(sym);

	if (sym->include || sym->status == NEW)
		return true;
	if (parent && parent->include)
		return true;	/* the part of an included function */
	/*
	 * A COMDAT group member (s390 expoline thunks): every object carries
	 * its own copy and the kernel keeps one of them, anywhere, maybe out
	 * of reach; the patch carries one too.
	 */
	if (sym->type == STT_FUNC && (sym->sec->sh.sh_flags & SHF_GROUP))
		return true;
	if (sym->type != STT_OBJECT)
		return false;
	if (sym->sec->sh.sh_flags & SHF_WRITE)
		return false;	/* state lives in the original */
	if (sym->status == CHANGED)
		return true;	/* changed constant: its users changed too */
	/* an unchanged local constant without pointers: a copy is cheaper and
	 * safer than a livepatch relocation to it */
	return sym->bind == STB_LOCAL && !range_has_relocs(sym);
}

/*
 * An assembler label: a global or weak symbol without type defined in a
 * section (kernel/configs.c's asm block names the .incbin of the config
 * in .rodata kernel_config_data and kernel_config_data_end).  It has no
 * size; a reference through it resolves section-relative (resolve_target).
 */
static bool is_global_label(const struct symbol *sym)
{
	return sym->type == STT_NOTYPE && sym->bind != STB_LOCAL && sym->sec && *sym->name;
}

/*
 * Could the reference r makes take a form the loader applies when it goes
 * to the running object (arch->outside_reloc, which may rewrite the
 * instruction: tried on a scratch copy of r's section)?  s390x module
 * objects read a global's address with "larl rX, sym@GOTENT" and use the
 * GOT slot through rX: refused for a module's symbol, which moves.
 */
static bool outside_form_exists(const struct cdo *cdo, const struct reloc *r)
{
	const struct section *from = r->rsec->base;
	bool far = !cdo->objname || !strcmp(cdo->objname, "vmlinux");
	struct section tmp = *from;
	const char *why = NULL;
	int form;

	if (!cdo->arch->outside_reloc)
		return true;
	tmp.data = from->data ? xzalloc(from->size + 1) : NULL;
	if (tmp.data)
		memcpy(tmp.data, from->data, from->size);
	form = cdo->arch->outside_reloc(&tmp, r->offset, r->type, far, &why);
	free(tmp.data);
	if (form < 0)
		INFO("%s: %s+0x%llx: reference to %s: %s", cdo->objfile, from->name,
		     (unsigned long long)r->offset, r->sym->name, why);
	return form >= 0;
}

/*
 * A reference through a label that can go to the running object's: its
 * twin in ORIG is a label at the same offset, the kernel's object has it,
 * the reference lands inside the section (its end included), and the
 * arch has a form for it.
 */
static bool label_ref_ok(const struct cdo *cdo, const struct reloc *r)
{
	const struct symbol *p = r->sym, *o = p->twin;
	int64_t at = (int64_t)p->offset + cdo->arch->reloc_target_offset(r);

	return is_global_label(p) && o && is_global_label(o) && o->offset == p->offset &&
	       !kernel_lacks(cdo, p) && at >= 0 && (uint64_t)at <= p->sec->size &&
	       outside_form_exists(cdo, r);
}

/*
 * Do the labels of sec (PATCHED) stay the running object's?  Yes when the
 * patch leaves sec as it was - its ORIG twin has the same size and is equal
 * byte for byte with its relocations - and every section-relative
 * reference into it anywhere in PATCHED is one label_ref_ok() accepts.
 * Then a reference through a label goes there by name like one to any
 * unchanged global - a livepatch relocation, or a slot for a module's -
 * instead of copying the section (configs.o's .rodata: 10 KB of config).
 * Decided once for the section, not per label or per reference: its
 * labels belong together (kernel_config_data_end - kernel_config_data),
 * so when anything in it changed, a label is new, or one reference cannot
 * leave the patch, every reference goes to the copy, which carries the
 * patched contents.
 */
static bool decide_labels_shared(const struct cdo *cdo, struct section *sec)
{
	const struct elf *pe = cdo->patched;
	const struct section *o = sec->twin;
	size_t i, j;

	if (!o || o->size != sec->size || !range_equal(cdo, (struct section *)o, 0, sec, 0,
						       sec->size))
		return false;
	for (i = 1; i < pe->nr_sections; i++) {
		const struct section *rs = pe->sections[i];

		if (!is_rela_section(rs) || !rs->base || !(rs->base->sh.sh_flags & SHF_ALLOC) ||
		    section_is_ignored(rs->base->name))
			continue;
		for (j = 0; j < rs->nr_relocs; j++) {
			const struct reloc *r = &rs->relocs[j];
			struct target t;
			uint64_t slot;

			/* (a load of a ppc64 .toc slot: the slot's relocation is checked) */
			if (r->deleted || toc_slot_ref(cdo, r, &slot))
				continue;
			resolve_target(cdo, r, &t);
			if (t.kind != T_ANON || t.sec != sec || label_ref_ok(cdo, r))
				continue;
			INFO("%s: %s+0x%llx: reference into %s through %s: %s copied", cdo->objfile,
			     rs->base->name, (unsigned long long)r->offset, sec->name, r->sym->name,
			     sec->name);
			return false;
		}
	}
	return true;
}

/* is r a reference through a label whose section stays the running object's? */
static bool unchanged_label(const struct cdo *cdo, const struct reloc *r)
{
	struct section *sec = r->sym->sec;

	if (!is_global_label(r->sym) || r->sym->elf != cdo->patched)
		return false;
	if (!sec->labels_shared) {
		sec->labels_shared = decide_labels_shared(cdo, sec) ? 1 : -1;
		if (sec->labels_shared > 0)
			INFO("%s: %s unchanged: its labels are referenced, not copied",
			     cdo->objfile, sec->name);
	}
	return sec->labels_shared > 0;
}

static struct section *clone_anon(struct cdo *cdo, struct section *sec)
{
	struct section *c;

	if (sec->clone)
		return sec->clone;
	if (sec->sh.sh_flags & SHF_WRITE) {
		ERROR_SEC(sec, "changed code references writable data in this section by offset; "
			  "it cannot be shared with the running kernel");
		return NULL;
	}
	c = elf_add_section(cdo->out, sec->name, sec->sh.sh_type, sec->sh.sh_flags & ~SHF_GROUP,
			    sec->sh.sh_entsize, sec->sh.sh_addralign, sec->data, sec->size);
	elf_section_symbol(cdo->out, c);
	sec->clone = c;
	if (output_convert_relocs(cdo, sec, 0, sec->size, c, 0))
		return NULL;
	return c;
}

/*
 * A code reference to a TOC slot (ppc64 .toc): the output gets its own copy
 * of each slot used, with the slot's relocation converted like any other
 * (to a copy, an exported symbol, or a livepatch relocation).  A slot read
 * as an address rather than to call it is converted as an address
 * reference from code: a changed function's address stays the original's
 * (as on x86_64, see output_convert_relocs), so a callback registered by
 * patched code never points into the patch module.  Returns the slot's
 * offset in the output's .toc, or -1.
 */
static int64_t copy_toc_slot(struct cdo *cdo, struct section *toc, uint64_t off, bool call)
{
	unsigned int a = elf_addr_size(cdo->out);
	uint64_t start = off - off % a, new_off;
	size_t idx;
	bool saved;
	int ret;

	if (!toc->data) {	/* (its size would then not be bounded by the file) */
		ERROR_SEC(toc, "address table without contents (SHT_NOBITS)");
		return -1;
	}
	if (!cdo->toc) {
		cdo->toc = elf_add_section(cdo->out, toc->name, toc->sh.sh_type,
					   toc->sh.sh_flags & ~SHF_GROUP, 0, a, NULL, 0);
		elf_section_symbol(cdo->out, cdo->toc);
		cdo->toc_map_len = toc->size / a + 1;
		cdo->toc_map = xzalloc(cdo->toc_map_len * 2 * sizeof(*cdo->toc_map));
		memset(cdo->toc_map, 0xff, cdo->toc_map_len * 2 * sizeof(*cdo->toc_map));
	}
	if (start / a >= cdo->toc_map_len || start + a > toc->size) {
		ERROR_SEC(toc, "reference to offset 0x%llx outside the section",
			  (unsigned long long)off);
		return -1;
	}
	idx = start / a * 2 + call;
	if (cdo->toc_map[idx] >= 0)
		return cdo->toc_map[idx] + (int64_t)(off - start);
	new_off = elf_section_append(cdo->toc, toc->data + start, a, a);
	cdo->toc_map[idx] = (int64_t)new_off;
	saved = cdo->address_slot;	/* slots are copied recursively */
	cdo->address_slot = !call;
	ret = output_convert_relocs(cdo, toc, start, start + a, cdo->toc,
				    (int64_t)new_off - (int64_t)start);
	cdo->address_slot = saved;
	if (ret)
		return -1;
	return (int64_t)(new_off + (off - start));
}

/* Can the loader make this reference from patched code to outside the module? */
static int check_external(struct cdo *cdo, const struct reloc *r, const char *name)
{
	const struct section *from = r->rsec->base;
	struct symbol *func;
	const char *why;

	if (!cdo->arch->external_reloc_problem || !is_text_section(from) ||
	    (cdo->arch->is_link_symbol && cdo->arch->is_link_symbol(name)))
		return 0;
	why = cdo->arch->external_reloc_problem(r, name);
	if (!why)
		return 0;
	func = find_func_containing(from, r->offset);
	if (func)
		ERROR("%s: %s+0x%llx (in %s): %s: %s", from->elf->path, from->name,
		      (unsigned long long)r->offset, func->name, name, why);
	else	/* e.g. ppc64 .fixup: stubs of several functions, copied whole */
		ERROR("%s: %s+0x%llx: code without a function symbol, copied whole because "
		      "patched code uses part of it, branches to %s outside the patch "
		      "module: %s", from->elf->path, from->name,
		      (unsigned long long)r->offset, name, why);
	return -1;
}

int output_include_anon(struct cdo *cdo, struct section *sec)
{
	return clone_anon(cdo, sec) ? 0 : -1;
}

int output_convert_relocs(struct cdo *cdo, struct section *from, uint64_t start,
			  uint64_t end, struct section *to, int64_t delta)
{
	const struct arch *arch = cdo->arch;
	struct reloc *r;

	for_each_reloc_in(from, r, start, end) {
		uint64_t place = r->offset + delta;
		unsigned int n = arch->reloc_size(r->type);
		struct target t;
		int64_t within;

		if (r->deleted)
			continue;
		if (!n) {
			ERROR("%s: section %s+0x%llx: unsupported relocation type %u",
			      from->elf->path, from->name, (unsigned long long)r->offset, r->type);
			return -1;
		}
		/* relocation targets must hold zero (x86 apply_relocate_add checks) */
		if (to->data && place + n <= to->size && !arch->reloc_field_in_insn)
			memset(to->data + place, 0, n);

		/* the null symbol: markers such as ppc64's R_PPC64_ENTRY */
		if (r->sym == from->elf->symbols[0]) {
			elf_add_reloc(to, place, r->type, cdo->out->symbols[0], r->addend);
			continue;
		}

		uint64_t slot;

		if (toc_slot_ref(cdo, r, &slot)) {
			bool call = !arch->toc_ref_is_call || arch->toc_ref_is_call(r);
			int64_t new_off = copy_toc_slot(cdo, r->sym->sec, slot, call);

			if (new_off < 0)
				return -1;
			elf_add_reloc(to, place, r->type, cdo->toc->secsym, new_off);
			continue;
		}

		resolve_target(cdo, r, &t);
		if (t.kind == T_ANON && unchanged_label(cdo, r)) {
			t.kind = T_SYMBOL;
			t.sym = r->sym;
			t.addend = r->addend;
		}
		/* the target's offset in its symbol or section, without the bias */
		within = t.addend + (arch->reloc_target_offset(r) - r->addend);
		if (t.kind != T_SYMBOL) {
			struct section *c = clone_anon(cdo, t.sec);

			if (!c)
				return -1;
			add_copy_reloc(cdo, to, place, r, c->secsym, within, t.addend);
			continue;
		}

		struct symbol *s = t.sym;

		if (!s->sec) {
			if (check_external(cdo, r, s->name) ||
			    reference_original(cdo, s, to, place, r->type, t.addend))
				return -1;
			continue;
		}
		if (!should_copy(s) && kernel_lacks(cdo, s)) {
			if (carry_copy(cdo, s))
				return -1;
			add_copy_reloc(cdo, to, place, r, s->clone, within, t.addend);
			continue;
		}
		if (should_copy(s)) {
			/*
			 * Taking the address of a changed function from code
			 * keeps the original's address (pointer comparisons,
			 * callbacks registered before the patch); calls and
			 * references into the middle go to the new copy.
			 */
			/* the slot of an address load is code's reference too */
			bool from_code = is_text_section(from) ||
				(cdo->address_slot && to == cdo->toc);
			bool keep_original = s->status == CHANGED && s->type == STT_FUNC &&
				!cold_parent(s) && !s->notrace_copy &&
				from_code && !arch->is_call_reloc(r) && within == 0 &&
				!kernel_lacks(cdo, s);

			if (!keep_original) {
				if (!s->clone && !clone_unit(cdo, s))
					return -1;
				add_copy_reloc(cdo, to, place, r, s->clone, within, t.addend);
				continue;
			}
		}
		if (str_starts(s->sec->name, ".init.") || str_starts(s->sec->name, ".exit.")) {
			ERROR_SYM(s, "patched code references init/exit code or data, which no "
				  "longer exists in the running kernel");
			return -1;
		}
		if (check_external(cdo, r, s->name) ||
		    reference_original(cdo, s->twin ? s->twin : s, to, place, r->type, t.addend))
			return -1;
	}
	return 0;
}

/* type 0 (R_ARM_NONE): a hint for the linker, which the loader ignores */
static void drop_none_relocs(struct section *sec)
{
	size_t i;

	for (i = 0; sec && sec->rela && i < sec->rela->nr_relocs; i++)
		if (sec->rela->relocs[i].type == 0)
			sec->rela->relocs[i].deleted = true;
}

/*
 * A function of a text section it shares with others (.sched.text even
 * with -ffunction-sections): only the index entries (8 bytes: a PREL31
 * to the code they start at, then the unwind data or a PREL31 to it) that
 * start inside the function are copied, in their order, into an index
 * named after the function's copy.  An entry without its PREL31 is
 * refused.
 */
static int copy_unwind_entries(struct cdo *cdo, struct symbol *sym, struct section *c,
			       struct section *idx)
{
	struct section *out = NULL;
	char name[1024];
	uint64_t i;

	if (idx->size % 8 || !idx->data) {
		ERROR_SEC(idx, "unwind index of %zu bytes: not 8-byte entries", idx->size);
		return -1;
	}
	drop_none_relocs(idx);
	for (i = 0; i < idx->size; i += 8) {
		struct reloc *r = find_reloc(idx, i);
		int64_t at;
		uint64_t off;

		if (!r || r->deleted || r->sym->sec != sym->sec) {
			if (r && !r->deleted)
				continue;	/* code of another section */
			ERROR_SEC(idx, "entry at 0x%llx has no relocation to its code",
				  (unsigned long long)i);
			return -1;
		}
		at = cdo->arch->reloc_target_offset(r) +
		     (r->sym->type == STT_SECTION ? 0 : (int64_t)r->sym->offset);
		if (at < (int64_t)sym->offset || at >= (int64_t)(sym->offset + sym->size))
			continue;
		if (!out) {
			snprintf(name, sizeof(name), "%s%s", cdo->arch->unwind_index, c->name);
			out = elf_add_section(cdo->out, name, idx->sh.sh_type,
					      idx->sh.sh_flags & ~SHF_GROUP, idx->sh.sh_entsize,
					      idx->sh.sh_addralign, NULL, 0);
			out->link = c;
			elf_section_symbol(cdo->out, out);
		}
		off = elf_section_append(out, idx->data + i, 8, 4);
		if (output_convert_relocs(cdo, idx, i, i + 8, out, (int64_t)off - (int64_t)i))
			return -1;
	}
	/* handled (check_unsupported): the other entries are other functions' */
	if (out)
		idx->clone = out;
	return 0;
}

/*
 * The unwind index of a copied function's own text section (arm:
 * .ARM.exidx.text.f, whose PREL31 words point at the function and maybe at
 * its .ARM.extab.text.f entry): copied too, named after the copy and
 * linked to it, so the module loader registers it for the copy's text
 * (module_finalize pairs them by name) and a backtrace through the new
 * code unwinds.  An index shared with other functions cannot be split:
 * refused.  Its R_ARM_NONE hints to the personality routine are dropped.
 */
static int copy_unwind_index(struct cdo *cdo, struct symbol *sym, struct section *c)
{
	const char *pfx = cdo->arch->unwind_index;
	struct section *sec = sym->sec, *idx, *out;
	char name[1024];

	snprintf(name, sizeof(name), "%s%s", pfx, sec->name);
	idx = find_section(sec->elf, name);
	if (!idx)
		return 0;
	if (cdo->arch->unwind_table) {
		snprintf(name, sizeof(name), "%s%s", cdo->arch->unwind_table, sec->name);
		drop_none_relocs(find_section(sec->elf, name));
	}
	if (section_owner(sec) != sym)
		return copy_unwind_entries(cdo, sym, c, idx);
	if (idx->clone)
		return 0;
	drop_none_relocs(idx);
	snprintf(name, sizeof(name), "%s%s", pfx, c->name);
	out = elf_add_section(cdo->out, name, idx->sh.sh_type, idx->sh.sh_flags & ~SHF_GROUP,
			      idx->sh.sh_entsize, idx->sh.sh_addralign, idx->data, idx->size);
	out->link = c;
	elf_section_symbol(cdo->out, out);
	idx->clone = out;
	return output_convert_relocs(cdo, idx, 0, idx->size, out, 0);
}

static struct symbol *clone_unit(struct cdo *cdo, struct symbol *sym)
{
	struct section *sec = sym->sec, *c;
	char name[1024];
	bool nobits = sec->sh.sh_type == SHT_NOBITS, grouped;
	uint64_t start, len;

	if (sym->clone)
		return sym->clone;
	/*
	 * The group is not kept, so a COMDAT member's copy must be private
	 * (several diff objects of one patch module may carry the same one),
	 * in a section whose name the module's own COMDAT copy (the runtime
	 * core is compiled with the same flags) does not have: the module
	 * loader lists sections by name in sysfs, and refuses duplicates.
	 */
	grouped = (sec->sh.sh_flags & SHF_GROUP) && sym->bind != STB_LOCAL;
	if (grouped)
		snprintf(name, sizeof(name), "%s.klpb", sec->name);
	else if (section_owner(sec) == sym)
		snprintf(name, sizeof(name), "%s", sec->name);
	else
		snprintf(name, sizeof(name), "%s.%s", sec->name, sym->name);
	/* with function padding, the unit starts before the symbol */
	unit_range(sym, &start, &len);
	c = elf_add_section(cdo->out, name, sec->sh.sh_type, sec->sh.sh_flags & ~SHF_GROUP,
			    0, sec->sh.sh_addralign, nobits ? NULL : sec->data + start, len);
	elf_section_symbol(cdo->out, c);
	sym->clone = elf_add_symbol(cdo->out, sym->name, sym->type,
				    grouped ? STB_LOCAL : sym->bind, c, 0,
				    sym->offset - start, sym->size);
	sym->clone->other = grouped ? STV_DEFAULT : sym->other;
	sec->clone = sec->clone ? sec->clone : (section_owner(sec) == sym ? c : NULL);
	if (!nobits && output_convert_relocs(cdo, sec, start, start + len, c, -(int64_t)start))
		return NULL;
	if (cdo->arch->unwind_index && is_text_section(sec) && copy_unwind_index(cdo, sym, c))
		return NULL;
	return sym->clone;
}

/* point a record's objname field at the name of the object patched here */
void output_objname_pointer(struct cdo *cdo, struct section *sec, uint64_t off)
{
	struct reloc *r = find_reloc(sec, off);

	if (r)
		r->deleted = true;
	memset(sec->data + off, 0, elf_addr_size(cdo->out));
	add_string_pointer(cdo, sec, off, cdo->rostr, cdo->objname);
}

static void add_func_entry(struct cdo *cdo, struct symbol *sym)
{
	unsigned int a = elf_addr_size(cdo->out);
	uint64_t off = elf_section_append(cdo->funcs, NULL, KLPB_FUNC_SIZE(a), a);

	add_string_pointer(cdo, cdo->funcs, off + KLPB_FUNC_OLD_NAME * a, cdo->rostr,
			   kernel_symbol(cdo, sym->twin)->name);
	add_pointer(cdo, cdo->funcs, off + KLPB_FUNC_NEW_FUNC * a, sym->clone, 0);
	if (strcmp(cdo->objname, "vmlinux"))
		add_string_pointer(cdo, cdo->funcs, off + KLPB_FUNC_OBJNAME * a, cdo->rostr,
				   cdo->objname);
	add_string_pointer(cdo, cdo->funcs, off + KLPB_FUNC_OBJFILE * a, cdo->rostr,
			   cdo->objfile);
}

int output_units(struct cdo *cdo)
{
	struct elf *pe = cdo->patched;
	size_t i;

	for (i = 1; i < pe->nr_symbols; i++) {
		struct symbol *s = pe->symbols[i];

		if (!s->include)
			continue;
		if (!clone_unit(cdo, s))
			return -1;
		if (s->status == CHANGED && !s->notrace_copy)
			add_func_entry(cdo, s);
	}
	return 0;
}

/* Tables we do not know must not silently lose entries of changed code. */
static int check_unsupported(struct cdo *cdo)
{
	struct elf *pe = cdo->patched;
	int errors = 0;
	size_t i, j;

	for (i = 1; i < pe->nr_sections; i++) {
		struct section *sec = pe->sections[i];
		const struct special_section *ss = find_special(cdo, sec->name);

		/* TOC slots are followed from the code that uses them */
		if (is_toc_section(cdo, sec))
			continue;
		if (is_rela_section(sec) || !sec->rela || sec->clone || ss ||
		    section_is_ignored(sec->name) || is_text_section(sec))
			continue;
		for (j = 0; j < sec->nr_syms; j++)
			if (symbol_is_unit(sec->syms[j]))
				break;
		if (j < sec->nr_syms)
			continue;	/* data with symbols: pointers to the original are fine */
		for (j = 0; j < sec->rela->nr_relocs; j++) {
			struct target t;

			resolve_target(cdo, &sec->rela->relocs[j], &t);
			if (t.kind == T_SYMBOL && t.sym->include && t.sym->type == STT_FUNC) {
				ERROR_SEC(sec, "has entries for changed function %s, and this kind of "
					  "section is not supported; hint: report it, or avoid the "
					  "construct that emits it in the changed function", t.sym->name);
				errors++;
				break;
			}
		}
	}
	return errors ? -1 : 0;
}

int output_finish(struct cdo *cdo, const char *path)
{
	if (emit_special_sections(cdo) || check_unsupported(cdo))
		return -1;
	if (!cdo->funcs->size)
		cdo->funcs->deleted = true;
	if (!cdo->relocs->size) {
		cdo->relocs->deleted = true;
		cdo->strings->deleted = true;
	}
	if (!cdo->rostr->size)
		cdo->rostr->deleted = true;
	return elf_write(cdo->out, path);
}
