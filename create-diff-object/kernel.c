// SPDX-License-Identifier: GPL-2.0
/*
 * The objects as the kernel contains them.
 *
 * Where klp-build compiles the diff pair with other flags than the kernel's
 * own objects (ppc64le: the module code model, DESIGN.md "ppc64le"), GCC's
 * inter-procedural decisions can differ between the two compiles: a static
 * function inlined in one and kept out of line in the other, a clone named
 * "foo.constprop.0" in one and "foo.constprop.0.isra.0" in the other.  The
 * module is built from the diff pair, but what it replaces and what it
 * references must be what the running kernel has.  Two more objects say
 * that: BUILT_ORIG, the build's own object (what vmlinux or the module
 * contains), and BUILT_PATCHED, the patched source compiled with the build's
 * own command line.
 *
 *  - Names (kernel_bridge): every ORIG symbol gets its counterpart in
 *    BUILT_ORIG (symbol->kern, set both ways).  Functions pair by exact name,
 *    except IPA clones: their specialisation (which arguments were dropped
 *    or fixed) is the compiler's choice in each compile, so the diff pair's
 *    "foo.isra.0" need not take the arguments the kernel's "foo.isra.0"
 *    takes.  A clone is never reached in the kernel by name: a referenced one
 *    is carried as a private copy, a changed one is patched through its
 *    callers.  Static locals ("count.3") pair through the functions that use
 *    them, as in correlate().
 *  - Changes (kernel_changes): BUILT_ORIG and BUILT_PATCHED are compared like
 *    the diff pair.  A function that changed there is what the kernel must
 *    replace: its diff-pair counterpart is patched even if that compares
 *    equal (the kernel's copy inlines changed code that the diff pair keeps
 *    out of line); one without counterpart (a kernel-only clone, a function
 *    the diff pair inlined everywhere) is patched through its callers in
 *    BUILT_ORIG, repeatedly, until every path is covered.
 *  - A changed function of the diff pair that the kernel does not have
 *    (inlined into its callers there, or cloned under another name) is
 *    copied, not redirected (include.c); the kernel's changed callers reach
 *    it through their new copies.
 *
 * When BUILT_ORIG is ORIG itself (x86_64: the diff pair is compiled with the
 * kernel's flags) all of this is the identity and costs nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cdo.h"

/* GCC's IPA clones: names with a .constprop.N, .isra.N or .part.N suffix */
bool is_ipa_clone(const char *name)
{
	static const char *const kinds[] = { ".constprop.", ".isra.", ".part." };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strstr(name, kinds[i]))
			return true;
	return false;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!strcmp(a, b))
		return true;
	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Read BUILT_ORIG and BUILT_PATCHED.  Paths naming the diff pair itself mean
 * "the diff pair is what the kernel contains": no kernel view.
 */
int kernel_read(struct cdo *cdo, const char *built_orig, const char *built_patched)
{
	if (!built_orig && !built_patched)
		return 0;
	if (!built_orig || !built_patched) {
		ERROR("--built-orig and --built-patched go together");
		return -1;
	}
	if (same_file(built_orig, cdo->orig->path) && same_file(built_patched, cdo->patched->path))
		return 0;
	cdo->built_orig = elf_read(built_orig);
	cdo->built_patched = elf_read(built_patched);
	if (!cdo->built_orig || !cdo->built_patched)
		return -1;
	if (cdo->built_orig->ehdr.e_machine != cdo->orig->ehdr.e_machine ||
	    cdo->built_patched->ehdr.e_machine != cdo->orig->ehdr.e_machine) {
		ERROR("%s, %s: not for the machine of %s", built_orig, built_patched,
		      cdo->orig->path);
		return -1;
	}
	return 0;
}

static void clear_twins(struct elf *elf)
{
	size_t i;

	for (i = 0; i < elf->nr_symbols; i++)
		elf->symbols[i]->twin = NULL;
	for (i = 0; i < elf->nr_sections; i++)
		elf->sections[i]->twin = NULL;
}

/*
 * ORIG -> BUILT_ORIG names, before the diff pair is correlated (correlate()
 * pairs through ->twin, so the bridge borrows it and hands it back).
 */
int kernel_bridge(struct cdo *cdo)
{
	struct cdo b = {
		.arch = cdo->arch, .orig = cdo->built_orig, .patched = cdo->orig,
		.objname = cdo->objname, .objfile = cdo->objfile,
	};
	size_t i;

	if (!cdo->built_orig)
		return 0;
	if (correlate(&b))
		return -1;
	for (i = 1; i < cdo->orig->nr_symbols; i++) {
		struct symbol *o = cdo->orig->symbols[i], *k = o->twin;

		if (!k || o->type == STT_SECTION || o->type == STT_FILE)
			continue;
		if (o->type == STT_FUNC && (strcmp(k->name, o->name) || is_ipa_clone(o->name)))
			continue;
		o->kern = k;
		k->kern = o;
	}
	clear_twins(cdo->orig);
	clear_twins(cdo->built_orig);
	return 0;
}

/* The kernel's symbol for a symbol of ORIG (itself without a kernel view). */
struct symbol *kernel_symbol(const struct cdo *cdo, struct symbol *orig_sym)
{
	if (!cdo->built_orig || !orig_sym->sec)
		return orig_sym;
	return orig_sym->kern;
}

/*
 * A defined symbol of PATCHED that exists in the diff pair's original but
 * not in the kernel: it cannot be referenced, only copied.
 */
bool kernel_lacks(const struct cdo *cdo, const struct symbol *patched_sym)
{
	return cdo->built_orig && patched_sym->sec && patched_sym->twin &&
	       patched_sym->twin->sec && !patched_sym->twin->kern;
}

/* Sections whose references to a function are not calls nor its address. */
static bool is_site_table(const struct cdo *k, const struct section *sec)
{
	const char *name = sec->name;

	return !(sec->sh.sh_flags & SHF_ALLOC) || find_special(k, name) ||
	       !strcmp(name, "__mcount_loc") || !strcmp(name, "__patchable_function_entries") ||
	       str_starts(name, ".discard") || str_starts(name, ".eh_frame") ||
	       (k->arch->unwind_index && str_starts(name, k->arch->unwind_index)) ||
	       is_toc_section(k, sec);
}

/*
 * The references to every symbol of BUILT_ORIG: the relocations that
 * resolve to it, outside site tables, in section and offset order (the
 * order of a pass over every relocation section).  Such a pass for each
 * function patched through its callers is quadratic when a change touches
 * many of them (notrace or inline helpers: bench/notrace-callers -b).
 */
static void index_references(const struct cdo *k, struct refs *refs)
{
	struct elf *ke = k->orig;
	size_t i, j;

	refs_init(refs, ke);
	for (i = 1; i < ke->nr_sections; i++) {
		struct section *rsec = ke->sections[i], *from = rsec->base;

		if (!is_rela_section(rsec) || !from || is_site_table(k, from))
			continue;
		for (j = 0; j < rsec->nr_relocs; j++) {
			struct reloc *r = &rsec->relocs[j];
			struct target t;

			resolve_target(k, r, &t);
			if (t.kind == T_SYMBOL)
				refs_add(refs, t.sym, r);
		}
	}
	refs_finish(refs);
}

/*
 * Callers of kernel function v in BUILT_ORIG: marked CHANGED (returns how
 * many call it; *again when one was not CHANGED yet).  A reference that is
 * not a call (its address taken: a function pointer, an ops table) cannot be
 * covered by patching callers: -1, and nothing is marked.
 */
static int mark_kernel_callers(struct cdo *k, const struct refs *refs, struct symbol *v,
			       bool *again, bool *pulled)
{
	struct symbol **callers;
	void *const *of;
	size_t i, j, nr_of, n = 0;

	nr_of = refs_of(refs, v, &of);
	/* at most one caller per reference: sized once (nr_of is bounded by the relocations read) */
	callers = xzalloc(nr_of * sizeof(*callers));
	for (j = 0; j < nr_of; j++) {
		const struct reloc *r = of[j];
		struct section *from = r->rsec->base;
		struct symbol *caller, *parent;
		struct target t;
		bool call;

		resolve_target(k, r, &t);	/* t.sym is v: for t.addend */
		caller = is_text_section(from) ? find_func_containing(from, r->offset) : NULL;
		if (caller == v)
			continue;	/* recursion, or its own ftrace/entry relocations */
		/* a call lands on the function's first byte; ppc64 may call through a .toc slot */
		call = caller && t.addend + (k->arch->reloc_target_offset(r) - r->addend) == 0 &&
		       (k->arch->is_call_reloc(r) ||
			(k->arch->toc_ref_is_call && k->arch->toc_ref_is_call(r)));
		if (!call) {
			ERROR_SYM(v, "changed as built into the kernel, where the diff build has "
				  "no traceable function of that name, and it is referenced other "
				  "than by a call (%s+0x%llx): it cannot be patched through its "
				  "callers; hint: mark it noinline in the patch so that both "
				  "builds keep it", from->name, (unsigned long long)r->offset);
			free(callers);
			return -1;
		}
		parent = cold_parent(caller);
		callers[n++] = parent ? parent : caller;
	}
	for (i = 0; i < n; i++) {
		struct symbol *caller = callers[i];

		if (caller->status == CHANGED)
			continue;	/* changed itself, or already noted */
		caller->status = CHANGED;
		pulled[caller->idx] = true;
		*again = true;
		klpb_msg("note", "%s: %s (as built into the kernel) cannot be patched by name "
			 "(no traceable counterpart in the diff build: inlined, cloned differently "
			 "or notrace): patching its caller %s", k->objfile, v->name, caller->name);
	}
	free(callers);
	return (int)n;
}

/*
 * Compare the kernel's pair and make the diff pair patch every function the
 * kernel must replace (see the comment at the top).
 */
int kernel_changes(struct cdo *cdo)
{
	struct cdo k = {
		.arch = cdo->arch, .orig = cdo->built_orig, .patched = cdo->built_patched,
		.objname = cdo->objname, .objfile = cdo->objfile, .quiet = true,
	};
	struct elf *ke;
	struct refs refs = { 0 };
	bool again, indexed = false, *done, *pulled;
	int errors = 0;
	size_t i;

	if (!cdo->built_orig)
		return 0;
	if (correlate(&k) || compare(&k) || apply_author_records(&k))
		return -1;
	ke = k.orig;
	done = xzalloc(ke->nr_symbols * sizeof(*done));
	/* marked as a caller (not changed by itself): noted by the callee */
	pulled = xzalloc(ke->nr_symbols * sizeof(*pulled));
	do {
		again = false;
		for (i = 1; i < ke->nr_symbols; i++) {
			struct symbol *v = ke->symbols[i], *o, *p;
			int n;

			if (done[i] || v->type != STT_FUNC || !v->sec || v->status != CHANGED ||
			    cold_parent(v))
				continue;
			done[i] = true;
			o = v->kern;
			p = o ? o->twin : NULL;
			if (p && p->sec && p->type == STT_FUNC && has_ftrace_site(&k, v)) {
				if (p->status == SAME) {
					p->status = o->status = CHANGED;
					if (!pulled[i])
						klpb_msg("note", "%s: %s: changed as built into the "
							 "kernel (its copy there inlines changed code "
							 "that the diff build keeps out of line): "
							 "patched too", cdo->objfile, p->name);
				}
				continue;
			}
			if (!indexed) {
				index_references(&k, &refs);
				indexed = true;
			}
			n = mark_kernel_callers(&k, &refs, v, &again, pulled);
			if (n < 0) {
				errors++;
			} else if (n == 0) {
				ERROR_SYM(v, "changed as built into the kernel, where the diff build "
					  "has no function of that name, and nothing in %s calls it: "
					  "it cannot be patched", cdo->objfile);
				errors++;
			}
		}
	} while (again && !errors);
	refs_free(&refs);
	free(done);
	free(pulled);
	return errors ? -1 : 0;
}
