// SPDX-License-Identifier: GPL-2.0
/*
 * Reverse edges of an object, built once: for each symbol, the items (a
 * function, a relocation) that refer to it.
 *
 * "Who refers to this function?" asked of every relocation costs a pass
 * over the object per question; a change that touches many functions which
 * are patched through their callers (notrace helpers, the kernel's inline
 * functions kept out of line) asks it once per function: quadratic in the
 * object's size.  The index answers it with a slice of one array.
 *
 * The edges are added in any number (refs_add), then sorted by symbol with
 * a counting sort, which is stable: each symbol's items stay in the order
 * they were added, so a walk over them meets them in the order the pass it
 * replaces met them, and reports in the same order.
 */
#include <stdlib.h>

#include "cdo.h"

struct ref_edge {
	unsigned int to;	/* symbol index */
	void *item;
};

void refs_init(struct refs *refs, const struct elf *elf)
{
	refs->elf = elf;
	refs->nr_symbols = 0;
	refs->first = refs->end = NULL;
	refs->item = NULL;
	refs->edges = NULL;
	refs->nr_edges = refs->alloc_edges = 0;
}

/* item refers to symbol to (a symbol of another object: nothing to find) */
void refs_add(struct refs *refs, const struct symbol *to, void *item)
{
	if (to->elf != refs->elf)
		return;
	if (refs->nr_edges == refs->alloc_edges) {
		refs->alloc_edges = refs->alloc_edges ? refs->alloc_edges * 2 : 256;
		refs->edges = xrealloc(refs->edges, refs->alloc_edges * sizeof(*refs->edges));
	}
	refs->edges[refs->nr_edges].to = to->idx;
	refs->edges[refs->nr_edges].item = item;
	refs->nr_edges++;
}

/*
 * Sort the edges into the slices item[first[i] .. end[i]) of each symbol i.
 * An item added for the same symbol twice in a row is kept once (a function
 * that calls a helper twice is one caller).  Every edge's index is below
 * n: its symbol was in elf when added, and an object gains symbols only.
 */
void refs_finish(struct refs *refs)
{
	size_t n = refs->elf->nr_symbols, i;

	refs->nr_symbols = n;
	refs->first = xzalloc((n + 1) * sizeof(*refs->first));
	refs->end = xzalloc((n + 1) * sizeof(*refs->end));
	refs->item = xzalloc((refs->nr_edges + 1) * sizeof(*refs->item));
	for (i = 0; i < refs->nr_edges; i++)
		refs->first[refs->edges[i].to + 1]++;
	for (i = 0; i < n; i++) {
		refs->first[i + 1] += refs->first[i];
		refs->end[i] = refs->first[i];
	}
	for (i = 0; i < refs->nr_edges; i++) {
		const struct ref_edge *e = &refs->edges[i];
		size_t *end = &refs->end[e->to];

		if (*end > refs->first[e->to] && refs->item[*end - 1] == e->item)
			continue;
		refs->item[(*end)++] = e->item;
	}
	free(refs->edges);
	refs->edges = NULL;
	refs->nr_edges = refs->alloc_edges = 0;
}

/* the items that refer to symbol to (of the indexed object), and how many */
size_t refs_of(const struct refs *refs, const struct symbol *to, void *const **items)
{
	*items = refs->item;
	if (to->elf != refs->elf || to->idx >= refs->nr_symbols)
		return 0;
	*items = refs->item + refs->first[to->idx];
	return refs->end[to->idx] - refs->first[to->idx];
}

void refs_free(struct refs *refs)
{
	free(refs->first);
	free(refs->end);
	free(refs->item);
	free(refs->edges);
	refs_init(refs, refs->elf);
}
