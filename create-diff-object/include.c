// SPDX-License-Identifier: GPL-2.0
/*
 * Inclusion policy: which changes become part of the patch, and which are
 * refused.  Only the roots are chosen here (changed and new functions); what
 * they need (new data, string literals, jump tables...) is pulled in by
 * output.c while it converts their relocations.
 */
#include <stdio.h>
#include <string.h>

#include "cdo.h"
#include "klpb-meta.h"

bool symbol_is_unit(const struct symbol *sym)
{
	return sym->sec && (sym->type == STT_FUNC || sym->type == STT_OBJECT);
}

/* Sections whose code or data only runs or exists before the patch loads. */
static bool is_init_section(const char *name)
{
	return str_starts(name, ".init.") || str_starts(name, ".exit.") ||
	       str_starts(name, ".meminit.") || str_starts(name, ".ref.");
}

/*
 * Text sections a changed function may live in.  Anything else (noinstr,
 * entry, .head.text...) has no ftrace site or runs in contexts where a
 * livepatch cannot redirect it.
 */
static bool is_patchable_text(const char *name)
{
	return !strcmp(name, ".text") || str_starts(name, ".text.") ||
	       !strcmp(name, ".sched.text") || !strcmp(name, ".spinlock.text") ||
	       !strcmp(name, ".cpuidle.text") || !strcmp(name, ".lock.text");
}

/*
 * Section families of functions. Where a function lives tells the kernel how
 * to treat it (freed after init, excluded from instrumentation, shown as a
 * scheduling point...): a patch that moves a function to another family
 * changes that contract for code the running kernel already placed, so it is
 * refused. .text, .text.<name>, .text.unlikely.* and .text.hot.* are one
 * family (GCC moves functions between them on its own).
 */
static const char *const text_families[] = {
	".sched.text", ".spinlock.text", ".cpuidle.text", ".lock.text",
	".noinstr.text", ".entry.text", ".head.text", ".kprobes.text",
	".init.text", ".exit.text", ".meminit.text", ".ref.text",
};

static const char *text_family(const char *name)
{
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(text_families); i++) {
		n = strlen(text_families[i]);
		if (!strncmp(name, text_families[i], n) && (!name[n] || name[n] == '.'))
			return text_families[i];
	}
	if (!strcmp(name, ".text") || str_starts(name, ".text."))
		return ".text";
	return name;
}

/*
 * Writable sections of descriptors: records of call sites that the kernel
 * keeps state in at run time, whose initial contents describe the source
 * (a line number, a format text for a control file).  A patch that moves
 * code changes them for call sites it does not touch, which is no change of
 * behaviour; the running kernel's records stay in use (a changed function
 * refers to its original record, like any writable data: its state - which
 * call sites are switched on - lives there).  A record added by the patch is
 * new data, copied with its user as usual.
 */
static const char *const descriptor_sections[] = {
	/* struct _ddebug of pr_debug/dev_dbg sites (CONFIG_DYNAMIC_DEBUG):
	 * lineno, format; flags set through <debugfs>/dynamic_debug/control */
	"__dyndbg",
};

static bool is_descriptor_section(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(descriptor_sections); i++)
		if (!strcmp(name, descriptor_sections[i]))
			return true;
	return false;
}

/*
 * The callers of every symbol of PATCHED: the functions whose code has a
 * relocation that resolves to it (a call, a jump, or its address), in
 * symbol-table order, each once.  Asking every function "do you call p?"
 * for each p without an ftrace site is a pass over all the relocations of
 * the object per p: quadratic when a change touches many notrace or inline
 * helpers (bench/notrace-callers).
 */
static void index_callers(const struct cdo *cdo, struct refs *callers)
{
	struct elf *pe = cdo->patched;
	size_t j;

	refs_init(callers, pe);
	for (j = 1; j < pe->nr_symbols; j++) {
		struct symbol *c = pe->symbols[j];
		const struct reloc *r;

		if (c->type != STT_FUNC || !c->sec)
			continue;
		for_each_reloc_in(c->sec, r, c->offset, c->offset + c->size) {
			struct target t;

			resolve_target(cdo, r, &t);
			if (t.kind == T_SYMBOL)
				refs_add(callers, t.sym, c);
		}
	}
	refs_finish(callers);
}

/*
 * A changed function without an ftrace site (notrace, or "inline" that GCC
 * kept out of line, like the __do_sys_* body of a SYSCALL_DEFINE) cannot be
 * redirected.  Its callers in this object can: they are marked changed, and
 * their new copies call the new copy of the function.  Repeated until every
 * such function has a traced caller; refused when one has none here.  The
 * callers come from an index built on the first such function (none: no
 * cost).
 */
static int patch_notrace_through_callers(struct cdo *cdo)
{
	struct elf *pe = cdo->patched;
	struct refs callers = { 0 };
	bool again, indexed = false;
	int errors = 0;
	size_t i, j;

	do {
		again = false;
		for (i = 1; i < pe->nr_symbols; i++) {
			struct symbol *p = pe->symbols[i];
			void *const *of;
			size_t n;
			int nr_callers = 0;

			if (p->type != STT_FUNC || !p->sec || p->status != CHANGED ||
			    p->notrace_seen || cold_parent(p) || section_is_ignored(p->sec->name) ||
			    !is_patchable_text(p->sec->name) || has_ftrace_site(cdo, p))
				continue;
			p->notrace_seen = true;
			if (!indexed) {
				index_callers(cdo, &callers);
				indexed = true;
			}
			n = refs_of(&callers, p, &of);
			for (j = 0; j < n; j++) {
				struct symbol *c = of[j];

				if (c == p)
					continue;	/* recursion */
				nr_callers++;
				if (c->status == SAME) {
					c->status = CHANGED;
					again = true;
				}
				klpb_msg("note", "%s: %s has no ftrace site (notrace or inline): "
					 "patching it through its caller %s", cdo->objfile, p->name,
					 c->name);
			}
			if (!nr_callers) {
				ERROR_SYM(p, "changed function has no ftrace call (notrace or inline) and "
					  "no caller in this object through which to patch it; hint: "
					  "patch the functions that call it");
				errors++;
			}
		}
	} while (again);
	refs_free(&callers);
	return errors ? -1 : 0;
}

/*
 * Another function symbol at the same place that stands for it: the one its
 * section was emitted for (".text.NAME"), else the first in the symbol
 * table.  s390 syscalls: __s390x_sys_NAME is an alias of __se_sys_NAME.
 * One name is patched: the kernel's livepatch core redirects an address.
 */
static struct symbol *alias_of(const struct symbol *p)
{
	const struct section *sec = p->sec;
	size_t i, n = strlen(".text.");

	if (!strncmp(sec->name, ".text.", n) && !strcmp(sec->name + n, p->name))
		return NULL;
	for (i = 0; i < sec->nr_syms; i++) {
		struct symbol *s = sec->syms[i];

		if (s == p || s->deleted || s->type != STT_FUNC || s->offset != p->offset)
			continue;
		if ((!strncmp(sec->name, ".text.", n) && !strcmp(sec->name + n, s->name)) ||
		    s->idx < p->idx)
			return s;
	}
	return NULL;
}

int include_changes(struct cdo *cdo)
{
	struct elf *pe = cdo->patched;
	int errors = 0;
	size_t i;

	if (patch_notrace_through_callers(cdo))
		return -1;

	for (i = 1; i < pe->nr_symbols; i++) {
		struct symbol *p = pe->symbols[i];
		const char *secname;

		if (!symbol_is_unit(p) || p->status == SAME)
			continue;
		secname = p->sec->name;
		if (section_is_ignored(secname))
			continue;

		if (p->type == STT_FUNC) {
			if (cold_parent(p))
				continue;	/* copied along with its parent */
			/* a COMDAT thunk new to this object: copied with its users */
			if (p->status == NEW && (p->sec->sh.sh_flags & SHF_GROUP))
				continue;
			if (alias_of(p)) {
				INFO("%s: %s is an alias of %s, patched under that name", cdo->objfile,
				     p->name, alias_of(p)->name);
				continue;
			}
			if (p->status == CHANGED && p->twin && p->twin->sec &&
			    strcmp(text_family(secname), text_family(p->twin->sec->name))) {
				ERROR_SYM(p, "changed function moved from section %s to %s: the "
					  "running kernel placed it by its original annotations "
					  "(__init, __sched, noinstr...); hint: keep them and change "
					  "only the body", p->twin->sec->name, secname);
				errors++;
				continue;
			}
			if (is_init_section(secname)) {
				if (p->status == NEW)
					continue;	/* never runs after boot: harmless */
				ERROR_SYM(p, "changed __init/__exit function: it already ran (or never will) "
					  "in the running kernel, a livepatch cannot change it; "
					  "hint: use a post-patch callback to redo its effect");
				errors++;
				continue;
			}
			if (!is_patchable_text(secname)) {
				ERROR_SYM(p, "changed function in section %s cannot be livepatched "
					  "(no ftrace site); hint: patch its callers instead", secname);
				errors++;
				continue;
			}
			if (p->status == CHANGED && !has_ftrace_site(cdo, p)) {
				/* copied; its callers were marked changed */
				p->include = true;
				p->notrace_copy = true;
				continue;
			}
			if (p->status == CHANGED && kernel_lacks(cdo, p)) {
				/* the kernel's changed callers were marked (kernel.c) */
				klpb_msg("note", "%s: %s changed, but the kernel's build of this "
					 "object has no function of that name (inlined or cloned "
					 "differently there): copied, reached through the patched "
					 "callers", cdo->objfile, p->name);
				p->include = true;
				p->notrace_copy = true;
				continue;
			}
			p->include = true;
			if (p->status == CHANGED)
				cdo->nr_changed++;
			else
				cdo->nr_new++;
			continue;
		}

		/* STT_OBJECT */
		if (p->status != CHANGED)
			continue;	/* new data is copied when referenced */
		if (is_init_section(secname)) {
			ERROR_SYM(p, "changed init data (section %s): it was used during boot "
				  "and freed, a livepatch cannot change it; hint: redo its effect "
				  "in a post-patch callback (KLP_POST_PATCH_CALLBACK)", secname);
			errors++;
			continue;
		}
		if (!(p->sec->sh.sh_flags & SHF_WRITE))
			continue;	/* constant data is copied along with its users */
		if (is_descriptor_section(secname))
			continue;	/* line numbers moved: the original record stays */
		ERROR_SYM(p, "changed initialised data (%s): the running kernel keeps the original "
			  "values and other code uses them; a livepatch cannot change data; "
			  "hint: leave the definition alone and change the code that uses it, "
			  "use shadow variables (klp_shadow_*) for new fields or a post-patch "
			  "callback to update the value", p->size != p->twin->size ?
			  "size changed" : "contents changed");
		errors++;
	}

	if (errors)
		return -1;
	return 0;
}

/*
 * Records patch authors leave through kpatch-macros.h: functions and sections
 * whose changes are to be ignored, and functions forced "unsafe".  Each
 * record is a pointer, i.e. a relocation to the function or to a string.
 */
int apply_author_records(struct cdo *cdo)
{
	struct elf *pe = cdo->patched;
	struct section *sec;
	size_t i, j;

	sec = find_section(pe, KLPB_IGNORE_FUNCTIONS_SECTION);
	for (i = 0; sec && sec->rela && i < sec->rela->nr_relocs; i++) {
		struct target t;

		resolve_target(cdo, &sec->rela->relocs[i], &t);
		if (t.kind != T_SYMBOL || t.sym->type != STT_FUNC || !t.sym->sec) {
			ERROR_SEC(sec, "entry %zu does not point at a function of this file", i);
			return -1;
		}
		if (t.sym->status != SAME && !cdo->quiet)
			fprintf(stderr, "%s: %s: changes ignored (KPATCH_IGNORE_FUNCTION)\n",
				cdo->objfile, t.sym->name);
		/* both sides, as compare() set them: kernel_changes() reads the
		 * original side of the kernel's pair */
		t.sym->status = SAME;
		if (t.sym->twin)
			t.sym->twin->status = SAME;
	}

	sec = find_section(pe, KLPB_IGNORE_SECTIONS_SECTION);
	for (i = 0; sec && sec->rela && i < sec->rela->nr_relocs; i++) {
		struct target t;
		const char *name;
		struct section *ign;

		resolve_target(cdo, &sec->rela->relocs[i], &t);
		if (t.kind != T_STRING) {
			ERROR_SEC(sec, "entry %zu does not point at a section name", i);
			return -1;
		}
		name = (const char *)t.sec->data + t.offset;
		ign = find_section(pe, name);
		if (!ign) {
			if (!cdo->quiet)
				WARN("%s: KPATCH_IGNORE_SECTION(\"%s\"): no such section", cdo->objfile, name);
			continue;
		}
		for (j = 0; j < ign->nr_syms; j++) {
			ign->syms[j]->status = SAME;
			if (ign->syms[j]->twin)
				ign->syms[j]->twin->status = SAME;
		}
		if (!cdo->quiet)
			fprintf(stderr, "%s: section %s: changes ignored (KPATCH_IGNORE_SECTION)\n",
			cdo->objfile, name);
	}

	sec = find_section(pe, KLPB_FORCE_SECTION);
	for (i = 0; sec && sec->rela && i < sec->rela->nr_relocs; i++) {
		struct target t;

		resolve_target(cdo, &sec->rela->relocs[i], &t);
		if (t.kind == T_SYMBOL && !cdo->quiet)
			INFO("%s: %s: KPATCH_FORCE_UNSAFE has no effect: the kernel's consistency "
			     "model checks every task", cdo->objfile, t.sym->name);
	}
	return 0;
}
