// SPDX-License-Identifier: GPL-2.0
/*
 * Correlation: pair every symbol and section of PATCHED with its counterpart
 * in ORIG ("twin").
 *
 * Functions and objects are paired by name.  GCC numbers static locals and
 * compiler-made clones ("count.0", "__func__.3", "foo.isra.0"): the number may
 * change when the patch adds another such symbol, so a name that finds no
 * exact twin is retried on its stem among the still unpaired symbols, and is
 * paired only when that leaves exactly one candidate.  Sections owned by a
 * single function/object follow their owner; the others pair by name.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdo.h"

/* "count.12" -> "count"; "foo.isra.0" -> "foo.isra"; other names unchanged */
const char *strip_suffix_number(const char *name, char *buf, size_t len)
{
	const char *dot = strrchr(name, '.');
	const char *p;

	if (!dot || dot == name || !dot[1])
		return name;
	for (p = dot + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return name;
	snprintf(buf, len, "%.*s", (int)(dot - name), name);
	return buf;
}

/*
 * GCC moves unlikely paths of foo() into "foo.cold" (or "foo.cold.N"): not a
 * function of its own, but a part of its parent, patched with it.
 */
struct symbol *cold_parent(const struct symbol *sym)
{
	const char *p = strstr(sym->name, ".cold");
	char buf[512];
	struct symbol *parent;

	if (!p || sym->type != STT_FUNC || (p[5] && p[5] != '.'))
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s", (int)(p - sym->name), sym->name);
	for (parent = find_symbol(sym->elf, buf); parent; parent = find_symbol_next(parent))
		if (parent->type == STT_FUNC && parent->sec)
			return parent;
	return NULL;
}

/* an ARM/AArch64 data mapping symbol: "$d", "$d.N" */
static bool is_data_mapping_symbol(const struct symbol *s)
{
	return s->type == STT_NOTYPE && s->bind == STB_LOCAL && s->name[0] == '$' &&
	       s->name[1] == 'd' && (!s->name[2] || s->name[2] == '.');
}

/*
 * Is [end, sec->size) of a code section a literal pool, data words that
 * belong to the code before them?  AArch64 -mcmodel=large (klp-build's
 * module objects) puts every symbol address a function loads in 8-byte
 * words after its code, outside the function symbol's size: the first
 * thing there (after at most 7 bytes of alignment) is a "$d" mapping
 * symbol, and no symbol in it is anything but data mapping symbols.
 */
static bool literal_pool_tail(const struct section *sec, uint64_t end)
{
	bool data = false;
	size_t i;

	for (i = 0; i < sec->nr_syms; i++) {
		const struct symbol *s = sec->syms[i];

		if (s->deleted || s->type == STT_SECTION || s->offset < end)
			continue;
		if (!is_data_mapping_symbol(s))
			return false;
		if (!data && s->offset >= end + 8)
			return false;
		data = true;
	}
	return data;
}

/* The one function or object symbol that a section exists for, if any. */
static struct symbol *find_section_owner(const struct section *sec)
{
	struct symbol *owner = NULL;
	size_t i;

	for (i = 0; i < sec->nr_syms; i++) {
		struct symbol *s = sec->syms[i];

		if (s->deleted || (s->type != STT_FUNC && s->type != STT_OBJECT))
			continue;
		if (owner)
			return NULL;
		owner = s;
	}
	if (!owner)
		return NULL;
	if (owner->offset == 0 && owner->size == sec->size)
		return owner;
	/*
	 * The one function of a COMDAT group member: a thunk the compiler
	 * emits into every object that uses it (s390 expolines,
	 * "__s390_indirect_jump_rN", symbol size 0).  The section is its.
	 */
	if (owner->type == STT_FUNC && owner->offset == 0 && (sec->sh.sh_flags & SHF_GROUP))
		return owner;
	/*
	 * A function preceded by bytes no symbol claims: the NOP padding of
	 * -fpatchable-function-entry=N,N (x86_64 6.12 CALL_PADDING: 16 bytes,
	 * referenced by __patchable_function_entries and used by call-depth
	 * tracking), or a kCFI type hash.  They belong to the function's unit:
	 * the section is its own and is copied whole (see unit_range()).
	 */
	if (owner->type == STT_FUNC && (sec->sh.sh_flags & SHF_EXECINSTR) &&
	    owner->offset > 0 && owner->offset <= 64 &&
	    owner->offset + owner->size == sec->size)
		return owner;
	/*
	 * A function followed by its literal pool (literal_pool_tail), with
	 * or without such padding before it: the pool's words are loaded by
	 * the function's own adrp + ldr pairs, so they travel with it and
	 * compare with it.
	 */
	if (owner->type == STT_FUNC && (sec->sh.sh_flags & SHF_EXECINSTR) &&
	    owner->offset <= 64 && owner->offset + owner->size < sec->size &&
	    literal_pool_tail(sec, owner->offset + owner->size))
		return owner;
	return NULL;
}

/*
 * section_owner() is asked for every relocation through a section symbol
 * (resolve_target), and a shared data section holds thousands of symbols:
 * the answer is kept per section.  It does not change: ORIG's and
 * PATCHED's sections gain and lose no symbols after reading.
 */
struct symbol *section_owner(const struct section *sec)
{
	struct section *s = (struct section *)sec;

	if (!s->owner_known) {
		s->owner = find_section_owner(sec);
		s->owner_known = true;
	}
	return s->owner;
}

/*
 * The bytes of sec that travel with sym when it is copied: the whole section
 * when sym owns it (padding before a function included), else the symbol.
 */
void unit_range(const struct symbol *sym, uint64_t *start, uint64_t *len)
{
	if (sym->sec && section_owner(sym->sec) == sym) {
		*start = 0;
		*len = sym->sec->size;
	} else {
		*start = sym->offset;
		*len = sym->size;
	}
}

static bool pairable(const struct symbol *a, const struct symbol *b)
{
	if (a->twin || b->twin || a->type != b->type)
		return false;
	/* defined with defined, undefined with undefined */
	if (!a->sec != !b->sec)
		return false;
	return true;
}

static void pair(struct symbol *o, struct symbol *p)
{
	o->twin = p;
	p->twin = o;
}

/* A numbered static local ("count.3"): its number is not stable. */
static bool is_numbered_local(const struct symbol *sym, char *buf, size_t len)
{
	return sym->bind == STB_LOCAL && sym->type == STT_OBJECT && sym->sec &&
	       strip_suffix_number(sym->name, buf, len) != sym->name;
}

/* numbered locals that function f references, in order of first use */
static size_t local_refs(const struct cdo *cdo, const struct symbol *f,
			 struct symbol **out, size_t max)
{
	const struct reloc *r;
	char buf[512];
	size_t j, n = 0;

	for_each_reloc_in(f->sec, r, f->offset, f->offset + f->size) {
		struct target t;

		if (n == max)
			break;
		resolve_target(cdo, r, &t);
		if (t.kind != T_SYMBOL || t.sym->twin || !is_numbered_local(t.sym, buf, sizeof(buf)))
			continue;
		for (j = 0; j < n && out[j] != t.sym; j++)
			;
		if (j == n)
			out[n++] = t.sym;
	}
	return n;
}

/*
 * Static locals are paired through the functions that use them: the k-th
 * "count.N" used by patched foo() is the k-th "count.M" used by original
 * foo(), whatever N and M are.
 */
static void correlate_static_locals(struct cdo *cdo)
{
	struct elf *pe = cdo->patched;
	struct symbol *pr[256], *or[256];
	char b1[512], b2[512];
	size_t i, j, k, np, no;

	for (i = 1; i < pe->nr_symbols; i++) {
		struct symbol *p = pe->symbols[i];

		if (p->type != STT_FUNC || !p->sec || !p->twin || !p->twin->sec)
			continue;
		np = local_refs(cdo, p, pr, ARRAY_SIZE(pr));
		if (!np)
			continue;
		no = local_refs(cdo, p->twin, or, ARRAY_SIZE(or));
		for (j = 0; j < np; j++) {
			const char *stem = strip_suffix_number(pr[j]->name, b1, sizeof(b1));

			for (k = 0; k < no; k++) {
				if (or[k]->twin || !pairable(or[k], pr[j]))
					continue;
				if (strcmp(strip_suffix_number(or[k]->name, b2, sizeof(b2)), stem))
					continue;
				pair(or[k], pr[j]);
				break;
			}
		}
	}
}

/*
 * The candidates of an unpaired numbered local p are ORIG's unpaired locals
 * of p's type and definedness whose name has p's stem ("count.3" and "count"
 * both have "count").  They are filed once, sorted by (stem, type,
 * definedness) and table order, so that a lookup is a binary search and not
 * a walk over every symbol of ORIG: CONFIG_PRINTK_INDEX alone makes two such
 * locals per pr_*() call of an object.
 */
struct stem_ent {
	char *stem;
	struct symbol *sym;
};

/* e against the group of (stem, like's type, like's definedness) */
static int cmp_stem_group(const struct stem_ent *e, const char *stem,
			  const struct symbol *like)
{
	int c = strcmp(e->stem, stem);

	if (c)
		return c;
	if (e->sym->type != like->type)
		return e->sym->type < like->type ? -1 : 1;
	return (int)!e->sym->sec - (int)!like->sec;
}

static int cmp_stem_ent(const void *a, const void *b)
{
	const struct stem_ent *x = a, *y = b;
	int c = cmp_stem_group(x, y->stem, y->sym);

	if (c)
		return c;
	return x->sym->idx < y->sym->idx ? -1 : x->sym->idx > y->sym->idx;
}

static struct stem_ent *stem_index(const struct elf *oe, size_t *nr)
{
	struct stem_ent *v = xzalloc(oe->nr_symbols * sizeof(*v));
	char buf[512];
	size_t j, n = 0;

	for (j = 1; j < oe->nr_symbols; j++) {
		struct symbol *o = oe->symbols[j];

		if (o->twin || o->bind != STB_LOCAL ||
		    (o->type != STT_OBJECT && o->type != STT_FUNC))
			continue;
		v[n].stem = xstrdup(strip_suffix_number(o->name, buf, sizeof(buf)));
		v[n++].sym = o;
	}
	qsort(v, n, sizeof(*v), cmp_stem_ent);
	*nr = n;
	return v;
}

static void stem_index_free(struct stem_ent *v, size_t n)
{
	while (n--)
		free(v[n].stem);
	free(v);
}

/* the entries [*first, *last) of p's group: stem, type, definedness */
static void stem_group(const struct stem_ent *v, size_t n, const char *stem,
		       const struct symbol *p, size_t *first, size_t *last)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (cmp_stem_group(&v[mid], stem, p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (hi = n; lo < hi;) {
		mid = (lo + hi) / 2;
		if (cmp_stem_group(&v[mid], stem, p) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*last = lo;
}

static void correlate_symbols(struct cdo *cdo)
{
	struct elf *pe = cdo->patched, *oe = cdo->orig;
	struct stem_ent *index = NULL;
	size_t i, nr_index = 0;
	char buf[512];

	/* exact names first, except numbered static locals */
	for (i = 1; i < pe->nr_symbols; i++) {
		struct symbol *p = pe->symbols[i], *o;

		if (p->type == STT_SECTION || p->type == STT_FILE || !*p->name ||
		    is_numbered_local(p, buf, sizeof(buf)))
			continue;
		for (o = find_symbol(oe, p->name); o; o = find_symbol_next(o)) {
			if (pairable(o, p)) {
				pair(o, p);
				break;
			}
		}
	}

	correlate_static_locals(cdo);

	/* then numbered locals by stem, when unambiguous */
	for (i = 1; i < pe->nr_symbols; i++) {
		struct symbol *p = pe->symbols[i];
		const char *stem;
		size_t first, last, n;

		if (p->twin || p->bind != STB_LOCAL ||
		    (p->type != STT_OBJECT && p->type != STT_FUNC))
			continue;
		stem = strip_suffix_number(p->name, buf, sizeof(buf));
		if (stem == p->name)
			continue;
		if (!index)
			index = stem_index(oe, &nr_index);
		stem_group(index, nr_index, stem, p, &first, &last);
		/*
		 * Filed unpaired; one is paired here only as the sole
		 * candidate of its group, so a group of several stays so.
		 */
		n = last - first;
		if (n == 1 && index[first].sym->twin)
			n = 0;
		if (n == 1)
			pair(index[first].sym, p);
		else if (n > 1)
			INFO("%s: %zu candidates for %s, treated as new", pe->path, n, p->name);
	}
	if (index)
		stem_index_free(index, nr_index);
}

static void correlate_sections(struct cdo *cdo)
{
	struct elf *pe = cdo->patched, *oe = cdo->orig;
	size_t i;

	for (i = 1; i < pe->nr_sections; i++) {
		struct section *p = pe->sections[i], *o = NULL;
		struct symbol *owner;

		if (is_rela_section(p))
			continue;
		owner = section_owner(p);
		if (owner) {
			if (owner->twin && owner->twin->sec &&
			    section_owner(owner->twin->sec) == owner->twin)
				o = owner->twin->sec;
		} else {
			o = find_section(oe, p->name);
			if (o && section_owner(o))
				o = NULL;
		}
		if (o && !o->twin) {
			p->twin = o;
			o->twin = p;
		}
	}
	for (i = 1; i < pe->nr_sections; i++) {
		struct section *p = pe->sections[i];

		if (p->twin && p->twin->secsym && p->secsym) {
			p->secsym->twin = p->twin->secsym;
			p->twin->secsym->twin = p->secsym;
		}
	}
}

int correlate(struct cdo *cdo)
{
	correlate_symbols(cdo);
	correlate_sections(cdo);
	return 0;
}

/* the arch's table of address slots (ppc64 ".toc") */
bool is_toc_section(const struct cdo *cdo, const struct section *sec)
{
	return cdo->arch->toc_section && !strcmp(sec->name, cdo->arch->toc_section);
}

/*
 * A TOC-relative code reference to a slot of the arch's address table (ppc64
 * ".toc"): true with the slot's offset.  The slot itself is data filled by a
 * relocation; what the code reaches is what that relocation points at.
 */
bool toc_slot_ref(const struct cdo *cdo, const struct reloc *r, uint64_t *slot)
{
	const struct symbol *sym = r->sym;
	int64_t off;

	if (!sym->sec || !is_toc_section(cdo, sym->sec) || !cdo->arch->is_toc_reloc(r->type))
		return false;
	off = r->addend + (sym->type == STT_SECTION ? 0 : (int64_t)sym->offset);
	if (off < 0 || (uint64_t)off >= sym->sec->size)
		return false;
	*slot = off;
	return true;
}

/*
 * Resolve what a relocation points at.  Section-symbol references are turned
 * into symbol references when a function or object covers the target offset,
 * so that later passes never depend on where things sit in a section.  A
 * reference to a TOC slot resolves to what the slot points at.
 */
void resolve_target(const struct cdo *cdo, const struct reloc *r, struct target *t)
{
	struct symbol *sym = r->sym, *cover;
	struct section *sec = sym->sec;
	const struct reloc *slot_reloc;
	uint64_t slot;
	int64_t off, base;

	memset(t, 0, sizeof(*t));
	if (toc_slot_ref(cdo, r, &slot) && (slot_reloc = find_reloc(sec, slot))) {
		resolve_target(cdo, slot_reloc, t);
		return;
	}
	if (!sec || sym->type == STT_FUNC || sym->type == STT_OBJECT ||
	    (sym->type != STT_SECTION && sym->type != STT_NOTYPE)) {
		t->kind = T_SYMBOL;
		t->sym = sym;
		t->addend = r->addend;
		return;
	}
	/*
	 * Section symbols, and assembler labels kept in the symbol table
	 * (".LC0" in mergeable string sections): section-relative.
	 */
	base = sym->type == STT_SECTION ? 0 : (int64_t)sym->offset;
	off = cdo->arch->reloc_target_offset(r) + base;
	cover = section_owner(sec);
	if (!cover && off >= 0)
		cover = find_func_containing(sec, off);
	if (cover && (cover->type == STT_FUNC || cover->type == STT_OBJECT)) {
		t->kind = T_SYMBOL;
		t->sym = cover;
		t->addend = r->addend + base - (int64_t)cover->offset;
		return;
	}
	t->sec = sec;
	t->addend = r->addend + base;
	if ((sec->sh.sh_flags & SHF_STRINGS) && off >= 0 && (uint64_t)off < sec->size) {
		t->kind = T_STRING;
		t->offset = off;
	} else {
		t->kind = T_ANON;
	}
}
