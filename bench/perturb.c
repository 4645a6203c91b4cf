// SPDX-License-Identifier: GPL-2.0
/*
 * Bench helper: make a "patched" twin of a kernel object without compiling
 * anything.  OUT is a byte copy of IN in which one byte of the code of each
 * chosen function is flipped, so create-diff-object sees exactly those
 * functions changed and everything else (sections, symbols, relocations,
 * layout) identical.
 *
 *   perturb [-n N | -a] IN.o OUT.o
 *     -n N  the N largest eligible functions (default 1)
 *     -a    every eligible function (the worst case for the output passes)
 *
 * Prints the chosen function names.  Eligible: a function that
 * create-diff-object would include when changed: in .text or .text.*, with
 * its ftrace call (or its entry in the table of ftrace sites), no .cold part, no reference into init/exit sections and
 * no reference the arch refuses from patched code.  The flipped byte is the
 * first one no relocation covers (relocated bytes are masked in the
 * comparison).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "elf.h"
#include "util.h"

static bool in_patchable_text(const struct symbol *f)
{
	const char *n = f->sec->name;

	return is_text_section(f->sec) && (!strcmp(n, ".text") || str_starts(n, ".text."));
}

static bool is_init_exit(const struct section *sec)
{
	return sec && (str_starts(sec->name, ".init.") || str_starts(sec->name, ".exit."));
}

/* the first byte of f no relocation covers, or -1 */
static int64_t free_byte(const struct arch *arch, const struct symbol *f)
{
	const struct section *rsec = f->sec->rela;
	uint64_t off = f->offset;
	size_t i;

	for (i = 0; rsec && i < rsec->nr_relocs && off < f->offset + f->size; i++) {
		const struct reloc *r = &rsec->relocs[i];

		if (r->offset + arch->reloc_size(r->type) <= off)
			continue;
		if (r->offset > off)
			break;
		off = r->offset + arch->reloc_size(r->type);
	}
	return off < f->offset + f->size ? (int64_t)off : -1;
}

/*
 * A reference by section offset into writable data that no symbol covers:
 * create-diff-object refuses it (the data cannot be shared).
 */
static bool anon_writable(const struct arch *arch, const struct reloc *r)
{
	const struct symbol *s = r->sym;
	int64_t off;

	if (!s->sec || !(s->sec->sh.sh_flags & SHF_WRITE) ||
	    (s->type != STT_SECTION && s->type != STT_NOTYPE))
		return false;
	off = arch->reloc_target_offset(r) + (s->type == STT_SECTION ? 0 : (int64_t)s->offset);
	s = off >= 0 ? find_func_containing(s->sec, off) : NULL;
	return !s || (s->type != STT_FUNC && s->type != STT_OBJECT);
}

/*
 * Arches whose ftrace site is a nop without relocation (arch->fentry_name
 * NULL: s390x, arm64) list the sites in a table: site[idx] is true for the
 * functions with an entry there (the one containing the site, else the one
 * whose symbol follows within the window: arm64's NOPs before the symbol).
 */
static bool *sites_of(const struct arch *arch, const struct elf *elf)
{
	const struct section *table = find_section(elf, arch->ftrace_sites ?
						   arch->ftrace_sites : "__mcount_loc");
	bool *site = xzalloc(elf->nr_symbols * sizeof(*site));
	size_t i;
	uint64_t d;

	for (i = 0; table && table->rela && i < table->rela->nr_relocs; i++) {
		const struct reloc *r = &table->rela->relocs[i];
		const struct symbol *f = NULL;
		int64_t off;

		if (!r->sym->sec)
			continue;
		off = arch->reloc_target_offset(r) +
		      (r->sym->type == STT_SECTION ? 0 : (int64_t)r->sym->offset);
		if (off < 0)
			continue;
		for (d = 0; !f && d <= arch->ftrace_window; d += 2)
			f = find_func_containing(r->sym->sec, off + d);
		if (f)
			site[f->idx] = true;
	}
	return site;
}

static bool eligible(const struct arch *arch, const struct symbol *f, const bool *site)
{
	const struct section *rsec;
	bool fentry = site && site[f->idx];
	size_t i;

	if (f->type != STT_FUNC || !f->sec || !f->size || !in_patchable_text(f) ||
	    strstr(f->name, ".cold") || !(rsec = f->sec->rela))
		return false;
	for (i = 0; i < rsec->nr_relocs; i++) {
		const struct reloc *r = &rsec->relocs[i];

		if (r->offset < f->offset || r->offset >= f->offset + f->size)
			continue;
		if (arch->fentry_name && r->offset < f->offset + arch->ftrace_window &&
		    !strcmp(r->sym->name, arch->fentry_name))
			fentry = true;
		if (is_init_exit(r->sym->sec) || anon_writable(arch, r))
			return false;
		if (arch->external_reloc_problem &&
		    arch->external_reloc_problem(r, r->sym->name))
			return false;
	}
	return fentry && free_byte(arch, f) >= 0;
}

static int cmp_size_desc(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol * const *)a;
	const struct symbol *y = *(struct symbol * const *)b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	int in, out;
	ssize_t n = 0;

	in = open(from, O_RDONLY);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0) {
		ERROR("%s: %s", in < 0 ? from : to, strerror(errno));
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (close(out) || n < 0) {
		ERROR("%s: %s", to, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct arch *arch;
	struct symbol **v;
	struct elf *elf;
	bool *site;
	size_t i, nv = 0, want = 1;
	bool all = false;
	int c, fd;

	klpb_prog = "perturb";
	while ((c = getopt(argc, argv, "n:a")) != -1) {
		switch (c) {
		case 'n': want = strtoul(optarg, NULL, 0); break;
		case 'a': all = true; break;
		default: return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: perturb [-n N | -a] IN.o OUT.o\n");
		return 2;
	}
	elf = elf_read(argv[optind]);
	if (!elf)
		return 1;
	arch = arch_find(elf->ehdr.e_machine);
	if (!arch) {
		ERROR("%s: unsupported machine %u", elf->path, elf->ehdr.e_machine);
		return 1;
	}
	site = arch->fentry_name ? NULL : sites_of(arch, elf);
	v = xzalloc(elf->nr_symbols * sizeof(*v));
	for (i = 1; i < elf->nr_symbols; i++)
		if (eligible(arch, elf->symbols[i], site))
			v[nv++] = elf->symbols[i];
	qsort(v, nv, sizeof(*v), cmp_size_desc);
	if (all || want > nv)
		want = nv;
	if (!want) {
		ERROR("%s: no eligible function", elf->path);
		return 1;
	}

	if (copy_file(argv[optind], argv[optind + 1]))
		return 1;
	fd = open(argv[optind + 1], O_WRONLY);
	if (fd < 0) {
		ERROR("%s: %s", argv[optind + 1], strerror(errno));
		return 1;
	}
	for (i = 0; i < want; i++) {
		struct symbol *f = v[i];
		int64_t off = free_byte(arch, f);
		unsigned char b = f->sec->data[off] ^ 0x01;

		if (pwrite(fd, &b, 1, f->sec->sh.sh_offset + off) != 1) {
			ERROR("%s: %s", argv[optind + 1], strerror(errno));
			return 1;
		}
		printf("%s\n", f->name);
	}
	close(fd);
	return 0;
}
