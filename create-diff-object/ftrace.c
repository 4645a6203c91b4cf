// SPDX-License-Identifier: GPL-2.0
/*
 * Ftrace sites: whether a function can be redirected at all.
 *
 * A livepatch redirects a function at its ftrace call, which the compiler
 * puts within the first instructions (after ENDBR or the ppc64 global entry):
 * within arch->ftrace_window bytes of the symbol.  Without a call to look
 * for (s390 -mnop-mcount, arm64 -fpatchable-function-entry: nops without
 * relocation), the compiler's __mcount_loc (arch->ftrace_sites) entry for
 * that place says it.  Those entries are indexed once per object: the
 * sorted offsets of the sites of each text section (section->ftrace_sites),
 * so a function's question is a binary search, not a pass over the table.
 */
#include <stdlib.h>
#include <string.h>

#include "cdo.h"

static int cmp_offset(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* where a site entry points: by place, not by symbol (aliases, s390
 * __s390x_sys_* of __se_sys_*, share the entry) */
static int64_t site_offset(const struct cdo *cdo, const struct reloc *r)
{
	return cdo->arch->reloc_target_offset(r) +
	       (r->sym->type == STT_SECTION ? 0 : (int64_t)r->sym->offset);
}

/* section->ftrace_sites of every section of elf, from the site table's
 * relocations (counted, then filled and sorted) */
static void index_sites(const struct cdo *cdo, struct elf *elf)
{
	const struct section *table;
	size_t i;

	elf->ftrace_sites_indexed = true;
	table = find_section(elf, cdo->arch->ftrace_sites ? cdo->arch->ftrace_sites :
			     "__mcount_loc");
	if (!table || !table->rela)
		return;
	for (i = 0; i < table->rela->nr_relocs; i++) {
		struct section *sec = table->rela->relocs[i].sym->sec;

		if (sec)
			sec->nr_ftrace_sites++;
	}
	for (i = 0; i < elf->nr_sections; i++) {
		struct section *sec = elf->sections[i];

		if (sec->nr_ftrace_sites) {
			sec->ftrace_sites = xzalloc(sec->nr_ftrace_sites * sizeof(*sec->ftrace_sites));
			sec->nr_ftrace_sites = 0;
		}
	}
	for (i = 0; i < table->rela->nr_relocs; i++) {
		const struct reloc *r = &table->rela->relocs[i];
		struct section *sec = r->sym->sec;

		if (sec)
			sec->ftrace_sites[sec->nr_ftrace_sites++] = site_offset(cdo, r);
	}
	for (i = 0; i < elf->nr_sections; i++) {
		struct section *sec = elf->sections[i];

		if (sec->nr_ftrace_sites > 1)
			qsort(sec->ftrace_sites, sec->nr_ftrace_sites,
			      sizeof(*sec->ftrace_sites), cmp_offset);
	}
}

/* is a site of sec at an offset in [lo, hi)? */
static bool site_in(const struct section *sec, int64_t lo, int64_t hi)
{
	size_t a = 0, b = sec->nr_ftrace_sites;

	while (a < b) {			/* the first site at or after lo */
		size_t m = a + (b - a) / 2;

		if (sec->ftrace_sites[m] < lo)
			a = m + 1;
		else
			b = m;
	}
	return a < sec->nr_ftrace_sites && sec->ftrace_sites[a] < hi;
}

/*
 * -fpatchable-function-entry=N,M puts M NOPs before a function's symbol
 * (arm64 6.12 DYNAMIC_FTRACE_WITH_CALL_OPS: 4,2, the ops literal's two
 * NOPs) and the ftrace site entry names the first of them: where the bytes
 * before the symbol that no symbol claims begin (all of them when the
 * function owns its section, see section_owner; else up to 64 bytes back
 * in a shared section such as .sched.text).
 */
static int64_t prefix_start(const struct symbol *func)
{
	uint64_t lo = func->offset;

	if (!lo || section_owner(func->sec) == func)
		return 0;
	while (lo >= 4 && func->offset - (lo - 4) <= 64 &&
	       !find_func_containing(func->sec, lo - 4))
		lo -= 4;
	return (int64_t)lo;
}

bool has_ftrace_site(const struct cdo *cdo, const struct symbol *func)
{
	const struct reloc *r;
	uint64_t window;

	if (!cdo->arch->fentry_name) {
		if (!func->sec->elf->ftrace_sites_indexed)
			index_sites(cdo, func->sec->elf);
		return site_in(func->sec, prefix_start(func),
			       (int64_t)(func->offset + cdo->arch->ftrace_window));
	}
	/* not past the function: the next one's site is not this one's
	 * (arm: the site comes after the prologue, up to 64 bytes in) */
	window = cdo->arch->ftrace_window;
	if (func->size && func->size < window)
		window = func->size;
	for_each_reloc_in(func->sec, r, func->offset, func->offset + window) {
		if (!strcmp(r->sym->name, cdo->arch->fentry_name))
			return true;
	}
	return false;
}
