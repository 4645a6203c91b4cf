// SPDX-License-Identifier: GPL-2.0
/*
 * Change detection.  A function or object is compared as its own byte range
 * plus the relocations inside it, position independently:
 *   - bytes covered by a relocation are masked (they hold link-time values);
 *   - relocations are compared by what they point at (resolve_target): the
 *     correlated symbol and symbol-relative addend, or the string content for
 *     string literals, never by raw section offsets.
 * So a function that only moved, or whose strings moved because another
 * function gained a literal, compares equal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdo.h"

static bool same_symbol(const struct symbol *o, const struct symbol *p)
{
	if (o->twin)
		return o->twin == p;
	/* undefined externals, or unpaired: same name */
	return !o->sec && !p->sec && !strcmp(o->name, p->name);
}

static bool same_target(const struct cdo *cdo, const struct reloc *ro, const struct reloc *rp)
{
	struct target to, tp;

	if (ro->type != rp->type)
		return false;
	resolve_target(cdo, ro, &to);
	resolve_target(cdo, rp, &tp);
	if (to.kind != tp.kind)
		return false;
	switch (to.kind) {
	case T_SYMBOL:
		return to.addend == tp.addend && same_symbol(to.sym, tp.sym);
	case T_STRING:
		/* same bias from the string, same string */
		return to.addend - to.offset == tp.addend - tp.offset &&
		       !strcmp((char *)to.sec->data + to.offset, (char *)tp.sec->data + tp.offset);
	case T_ANON:
		return to.sec->twin == tp.sec && to.addend == tp.addend;
	}
	return false;
}

static void mask_relocs(const struct cdo *cdo, const struct section *sec, uint64_t start,
			uint64_t end, unsigned char *buf)
{
	const struct reloc *r;

	/* fields inside instructions hold zero in a RELA object: nothing to mask */
	if (cdo->arch->reloc_field_in_insn)
		return;
	for_each_reloc_in(sec, r, start, end) {
		unsigned int n = cdo->arch->reloc_size(r->type);

		if (r->deleted)
			continue;
		if (r->offset + n > end)
			n = end - r->offset;
		memset(buf + (r->offset - start), 0, n);
	}
}

/* relocations of sec in [start, end), in offset order */
static size_t collect(const struct section *sec, uint64_t start, uint64_t end,
		      const struct reloc ***out)
{
	const struct reloc **v = NULL, *r;
	size_t n = 0, alloc = 0;

	for_each_reloc_in(sec, r, start, end) {
		if (r->deleted)
			continue;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		v[n++] = r;
	}
	*out = v;
	return n;
}

/*
 * Functions that take __LINE__ as an argument.  A patch that only moves code
 * changes the line numbers loaded for their calls, which is no functional
 * change (WARN/BUG line numbers live in __bug_table, which is data).
 */
static const char *const line_consumers[] = {
	"__might_sleep", "__might_resched", "__might_fault", "__cant_sleep",
	"__cant_migrate", "lockdep_rcu_suspicious", "warn_slowpath_fmt", "__warn",
	"__warn_printk_line",
};

/*
 * A call of a __LINE__ consumer: a direct call, or (ppc64) the load of its
 * .toc slot for an indirect call.
 */
static bool is_line_consumer_call(const struct cdo *cdo, const struct reloc *r)
{
	const struct arch *arch = cdo->arch;
	struct target t;
	uint64_t slot;
	size_t j;

	if (!arch->is_call_reloc(r) &&
	    !(toc_slot_ref(cdo, r, &slot) && arch->toc_ref_is_call && arch->toc_ref_is_call(r)))
		return false;
	resolve_target(cdo, r, &t);
	if (t.kind != T_SYMBOL)
		return false;
	for (j = 0; j < ARRAY_SIZE(line_consumers); j++)
		if (!strcmp(t.sym->name, line_consumers[j]))
			return true;
	return false;
}

/*
 * Is there a call to a __LINE__ consumer within the 48 bytes after off (or
 * up to arch->line_call_before bytes before it)?
 */
static bool line_consumer_call_near(const struct cdo *cdo, const struct section *sec,
				    uint64_t off)
{
	uint64_t lo = off >= cdo->arch->line_call_before ? off - cdo->arch->line_call_before : 0;
	const struct reloc *r;

	for_each_reloc_in(sec, r, lo, off + 48 + 1) {
		if (r->offset == off)
			continue;
		if (r->offset < off && !cdo->arch->line_call_before)
			continue;
		/* another call in between: the immediate is that call's */
		if (cdo->arch->call_between &&
		    (r->offset < off ? cdo->arch->call_between(sec, r->offset, off) :
				       cdo->arch->call_between(sec, off + 1, r->offset)))
			continue;
		if (is_line_consumer_call(cdo, r))
			return true;
	}
	return false;
}

/* bytes of the instruction outside its immediate are equal */
static bool same_but_immediate(const unsigned char *a, const unsigned char *b,
			       const struct imm_load *in)
{
	size_t k;

	for (k = 0; k < in->len; k++)
		if ((k < in->imm_off || k >= in->imm_off + in->imm_len) &&
		    a[in->start + k] != b[in->start + k])
			return false;
	return true;
}

/*
 * After masking, bo and bp differ.  Equal after all if every difference is
 * an immediate loaded into a register next to a call to a __LINE__
 * consumer, in both versions.
 */
static bool only_line_numbers_differ(const struct cdo *cdo, const struct section *os,
				     uint64_t o_start, const struct section *ps,
				     uint64_t p_start, const unsigned char *bo,
				     const unsigned char *bp, size_t size)
{
	struct imm_load io, ip;
	size_t i;

	if (!cdo->arch->immediate_load)
		return false;
	for (i = 0; i < size; i++) {
		if (bo[i] == bp[i])
			continue;
		if (!cdo->arch->immediate_load(bo, size, i, &io) ||
		    !cdo->arch->immediate_load(bp, size, i, &ip) ||
		    io.start != ip.start || io.len != ip.len || io.imm_off != ip.imm_off ||
		    i < io.start + io.imm_off || i >= io.start + io.imm_off + io.imm_len ||
		    !same_but_immediate(bo, bp, &io))
			return false;
		if (!line_consumer_call_near(cdo, os, o_start + io.start) ||
		    !line_consumer_call_near(cdo, ps, p_start + io.start))
			return false;
		INFO("%s+0x%zx: only a line number differs", ps->name, io.start);
		i = io.start + io.len - 1;
	}
	return true;
}

/* Compare the byte ranges [o_start, +size) and [p_start, +size) with relocs. */
bool range_equal(const struct cdo *cdo, struct section *os, uint64_t o_start,
			struct section *ps, uint64_t p_start, uint64_t size)
{
	const struct reloc **ro, **rp;
	size_t no, np, i;
	bool equal = true;

	if (os->sh.sh_type == SHT_NOBITS || ps->sh.sh_type == SHT_NOBITS)
		return os->sh.sh_type == ps->sh.sh_type;

	if (size) {
		unsigned char *bo = xzalloc(size), *bp = xzalloc(size);

		memcpy(bo, os->data + o_start, size);
		memcpy(bp, ps->data + p_start, size);
		mask_relocs(cdo, os, o_start, o_start + size, bo);
		mask_relocs(cdo, ps, p_start, p_start + size, bp);
		equal = !memcmp(bo, bp, size) ||
			only_line_numbers_differ(cdo, os, o_start, ps, p_start, bo, bp, size);
		free(bo);
		free(bp);
		if (!equal)
			return false;
	}

	no = collect(os, o_start, o_start + size, &ro);
	np = collect(ps, p_start, p_start + size, &rp);
	if (no != np)
		equal = false;
	for (i = 0; equal && i < no; i++) {
		if (ro[i]->offset - o_start != rp[i]->offset - p_start ||
		    !same_target(cdo, ro[i], rp[i]))
			equal = false;
	}
	free(ro);
	free(rp);
	return equal;
}

static bool symbol_equal(const struct cdo *cdo, struct symbol *o, struct symbol *p)
{
	if (o->size != p->size)
		return false;
	return range_equal(cdo, o->sec, o->offset, p->sec, p->offset, p->size);
}

/* A read-only object: its changes can be followed by copying it. */
static bool is_readonly_object(const struct symbol *sym)
{
	return sym->type == STT_OBJECT && !(sym->sec->sh.sh_flags & SHF_WRITE);
}

/* Does function f (patched) reference a symbol whose status is CHANGED/NEW rodata? */
static bool references_changed_rodata(const struct cdo *cdo, const struct symbol *f)
{
	const struct reloc *r;

	for_each_reloc_in(f->sec, r, f->offset, f->offset + f->size) {
		struct target t;

		resolve_target(cdo, r, &t);
		if (t.kind == T_SYMBOL && t.sym->sec && t.sym->twin &&
		    t.sym->status == CHANGED && is_readonly_object(t.sym))
			return true;
	}
	return false;
}

int compare(struct cdo *cdo)
{
	struct elf *pe = cdo->patched;
	bool again;
	size_t i;

	for (i = 1; i < pe->nr_symbols; i++) {
		struct symbol *p = pe->symbols[i];

		if (!p->sec || (p->type != STT_FUNC && p->type != STT_OBJECT))
			continue;
		if (!p->twin) {
			p->status = NEW;
			continue;
		}
		p->twin->status = p->status = symbol_equal(cdo, p->twin, p) ? SAME : CHANGED;
	}

	/* a changed .cold part changes its parent (they are patched together) */
	for (i = 1; i < pe->nr_symbols; i++) {
		struct symbol *p = pe->symbols[i], *parent = cold_parent(p);

		if (parent && p->status != SAME && parent->status == SAME) {
			parent->status = CHANGED;
			INFO("%s: %s changed: its part %s changed", pe->path, parent->name, p->name);
		}
	}

	/* a changed constant table changes every function that reads it */
	do {
		again = false;
		for (i = 1; i < pe->nr_symbols; i++) {
			struct symbol *p = pe->symbols[i];

			if (p->type != STT_FUNC || !p->sec || p->status != SAME)
				continue;
			if (references_changed_rodata(cdo, p)) {
				p->status = CHANGED;
				INFO("%s: %s changed: reads changed constant data", pe->path, p->name);
				again = true;
			}
		}
	} while (again);
	return 0;
}
