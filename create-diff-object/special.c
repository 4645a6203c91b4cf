// SPDX-License-Identifier: GPL-2.0
/*
 * Special sections: keep the entries that belong to included functions,
 * relocated to the new copies, so the kernel processes them when the patch
 * module loads (module_finalize and friends).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdo.h"
#include "klpb-meta.h"

/* Tables every architecture may have. */
static const struct special_section generic_special[] = {
	/* ftrace call sites (x86 -mrecord-mcount, s390, ...) */
	{ .name = "__mcount_loc", .pointer_words = 1 },
	/* WARN/BUG sites */
	{ .name = "__bug_table", .size_name = "bug_entry" },
	/* exception fixups of user accesses */
	{ .name = "__ex_table", .size_name = "exception_table_entry" },
	/* static keys and tracepoint sites */
	{ .name = "__jump_table", .size_name = "jump_entry" },
	/* -fpatchable-function-entry sites */
	{ .name = "__patchable_function_entries", .pointer_words = 1 },
	/* printk format index: pointers to pi_entry records, whose word 1 is
	 * the printing function's __func__ (struct pi_entry, linux/printk.h) */
	{ .name = ".printk_index", .pointer_words = 1,
	  .owner_by_func_name = true, .func_name_word = 1 },
	/* callbacks of livepatch_helpers.h / kpatch-macros.h (klpb-meta.h) */
	{ .name = KLPB_CALLBACKS_SECTION, .pointer_words = KLPB_CB_NR_WORDS,
	  .objname_word = KLPB_CB_OBJNAME },
	/* kCFI trap sites */
	{ .name = ".kcfi_traps", .size = 4 },
};

/*
 * Sections dropped from the diff object: they describe the original object
 * (exports, module info, init-time registration) or carry nothing the patch
 * module needs.
 */
static const char *const ignored_prefixes[] = {
	".comment", ".note", ".discard", ".modinfo", "__ksymtab", "___ksymtab",
	"__kcrctab", "___kcrctab", ".initcall", ".con_initcall", "__param",
	"__modver", ".eh_frame", ".debug", ".BTF", ".llvm", ".gnu.linkonce.this_module",
	".export_symbol", "__ex_table_end", ".rela", ".symtab", ".strtab", ".shstrtab",
	/* records that steer create-diff-object itself (kpatch-macros.h) */
	".klpb.",
};

bool section_is_ignored(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ignored_prefixes); i++)
		if (str_starts(name, ignored_prefixes[i]))
			return true;
	return false;
}

const struct special_section *find_special(const struct cdo *cdo, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(generic_special); i++)
		if (!strcmp(generic_special[i].name, name))
			return &generic_special[i];
	for (i = 0; i < cdo->arch->nr_special; i++)
		if (!strcmp(cdo->arch->special[i].name, name))
			return &cdo->arch->special[i];
	return NULL;
}

int special_entry_size(const struct cdo *cdo, const struct section *sec,
		       const char *size_name, unsigned int fixed, unsigned int pointer_words)
{
	uint64_t size;

	if (fixed)
		return fixed;
	if (pointer_words)
		return pointer_words * elf_addr_size(sec->elf);
	if (!size_name || sizes_lookup(cdo, size_name, &size))
		size = sec->sh.sh_entsize;
	if (!size) {
		ERROR_SEC(sec, "entry size unknown (struct %s): pass --sizes klpb-sizes.o "
			  "compiled against this kernel", size_name ? size_name : "?");
		return -1;
	}
	/* read from a file: an entry is a few words */
	if (size > 4096) {
		ERROR_SEC(sec, "entry size %llu (from %s) out of range", (unsigned long long)size,
			  size == sec->sh.sh_entsize ? "sh_entsize" : "--sizes");
		return -1;
	}
	return size;
}

/* The included function an entry belongs to: first reloc into included code. */
static struct symbol *entry_owner(const struct cdo *cdo, const struct section *sec,
				  uint64_t start, uint64_t end, bool *any_code)
{
	const struct reloc *r;

	*any_code = false;
	for_each_reloc_in(sec, r, start, end) {
		struct target t;

		resolve_target(cdo, r, &t);
		if (t.kind == T_SYMBOL && t.sym->type == STT_FUNC && t.sym->sec) {
			struct symbol *parent = cold_parent(t.sym);

			*any_code = true;
			/* a .cold part travels with its included parent */
			if (t.sym->include || (parent && parent->include))
				return t.sym;
			return NULL;
		}
		if (t.kind != T_SYMBOL && is_text_section(t.sec)) {
			*any_code = true;
			return NULL;
		}
	}
	return NULL;
}

/* Where a relocation points: section and offset (false if undefined). */
static bool reloc_points_at(const struct cdo *cdo, const struct reloc *r,
			    const struct section **sec, uint64_t *off)
{
	struct target t;

	resolve_target(cdo, r, &t);
	if (t.kind == T_SYMBOL) {
		if (!t.sym->sec)
			return false;
		*sec = t.sym->sec;
		*off = t.sym->offset + t.addend;
	} else {
		*sec = t.sec;
		*off = t.kind == T_STRING ? (uint64_t)t.offset : (uint64_t)t.addend;
	}
	return true;
}

/* the included functions of PATCHED, sorted by name */
struct func_list {
	struct symbol **v;
	size_t n;
};

static int cmp_func_name(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol * const *)a;
	const struct symbol *y = *(struct symbol * const *)b;

	return strcmp(x->name, y->name);
}

static void included_functions(const struct cdo *cdo, struct func_list *l)
{
	size_t i;

	l->v = xzalloc(cdo->patched->nr_symbols * sizeof(*l->v));
	l->n = 0;
	for (i = 0; i < cdo->patched->nr_symbols; i++) {
		struct symbol *s = cdo->patched->symbols[i];

		if (s->type == STT_FUNC && s->sec && s->include)
			l->v[l->n++] = s;
	}
	qsort(l->v, l->n, sizeof(*l->v), cmp_func_name);
}

/* The first (in table order) included clone "name.<suffix>", not a .cold part. */
static struct symbol *included_clone(const struct func_list *l, const char *name)
{
	size_t len = strlen(name), lo = 0, hi = l->n;
	struct symbol *first = NULL;
	char *prefix = xzalloc(len + 2);

	/* the names starting with "name." are together, from the first >= it */
	sprintf(prefix, "%s.", name);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(l->v[mid]->name, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->n && !strncmp(l->v[lo]->name, prefix, len + 1); lo++) {
		struct symbol *s = l->v[lo];

		if (!strstr(s->name + len, ".cold") && (!first || s->idx < first->idx))
			first = s;
	}
	free(prefix);
	return first;
}

/*
 * The included function an entry belongs to, for entries that point at a
 * record naming the function by its __func__ string. The function may be
 * an IPA clone (name.constprop.0 ...) of the source-level name; a .cold
 * part is never the owner (its parent is).  The name of an inlined function
 * is no symbol at all: clones are looked up among the included functions,
 * sorted by name, not looked for in all symbols for every such entry.
 */
static struct symbol *owner_by_func_name(const struct cdo *cdo, const struct section *sec,
					 uint64_t start, unsigned int word,
					 const struct func_list *included)
{
	size_t ps = elf_addr_size(cdo->patched);
	const struct reloc *r = find_reloc(sec, start);
	const struct section *rec_sec, *str_sec;
	uint64_t rec_off, off;
	const char *name;
	struct symbol *s;

	if (!r || !reloc_points_at(cdo, r, &rec_sec, &rec_off))
		return NULL;
	r = find_reloc(rec_sec, rec_off + word * ps);
	if (!r || !reloc_points_at(cdo, r, &str_sec, &off))
		return NULL;
	if (!str_sec->data || off >= str_sec->size ||
	    !memchr(str_sec->data + off, 0, str_sec->size - off))
		return NULL;
	name = (const char *)str_sec->data + off;
	for (s = find_symbol(cdo->patched, name); s; s = find_symbol_next(s))
		if (s->type == STT_FUNC && s->sec)
			return s->include ? s : NULL;
	/* clones, only when the exact name is absent */
	return included_clone(included, name);
}

/*
 * Entry-relative words (see struct special_section): remove (sign -1) or
 * put back (+1) the bias of the PC-relative relocations of a table of
 * es-byte entries, the word's offset in its entry, so that while the
 * entries are chosen and converted each word resolves to the code it
 * describes - not to a place 16-40 bytes after it, which may be the next
 * function.
 */
static void entry_bias(const struct cdo *cdo, struct section *sec, unsigned int es, int sign)
{
	struct section *rsec = sec->rela;
	size_t i;

	for (i = 0; rsec && i < rsec->nr_relocs; i++) {
		struct reloc *r = &rsec->relocs[i];

		if (cdo->arch->is_pcrel_reloc(r->type))
			r->addend += sign * (int64_t)(r->offset % es);
	}
}

/*
 * A relocation in a word of the entry at START that the table's policy says
 * holds none (reloc_words): refused, naming the function.
 */
static bool foreign_word_reloc(const struct cdo *cdo, const struct section *sec,
			       const struct special_section *ss, uint64_t start, unsigned int es,
			       const struct symbol *owner)
{
	unsigned int ws = elf_addr_size(cdo->patched);
	const struct reloc *r;

	for_each_reloc_in(sec, r, start, start + es) {
		unsigned int word = (unsigned int)((r->offset - start) / ws);

		if (word >= 32 || !(ss->reloc_words & (1u << word))) {
			ERROR_SEC(sec, "entry at offset 0x%llx (function %s) has a relocation "
				  "in word %u (%s): the kernel copies that word into the code "
				  "without relocating it; not supported",
				  (unsigned long long)start, owner->name, word, r->sym->name);
			return true;
		}
	}
	return false;
}

/* the arch's verdict on a kept entry (entry_refused), naming the function */
static bool entry_refused(const struct cdo *cdo, const struct section *sec,
			  const struct special_section *ss, uint64_t start, const struct symbol *owner)
{
	const struct reloc *r = find_reloc_from(sec, start);
	struct target t;
	char why[256];

	if (!r || r->offset >= start + (uint64_t)ss->size)
		return false;
	resolve_target(cdo, r, &t);
	if (t.kind != T_SYMBOL || t.sym != owner)
		return false;
	why[0] = 0;
	if (!ss->entry_refused(sec->data + start, t.addend, owner->size, why, sizeof(why)))
		return false;
	ERROR_SEC(sec, "entry at offset 0x%llx (function %s+0x%llx): %s; not supported",
		  (unsigned long long)start, owner->name, (long long)t.addend, why);
	return true;
}

static int emit_one(struct cdo *cdo, struct section *sec, const struct special_section *ss)
{
	struct section *comp = NULL, *out = NULL, *out_comp = NULL;
	struct func_list included = { NULL, 0 };
	unsigned int klp_relocs = cdo->nr_klp_relocs;
	int es, ces = 0, ret = 0;
	uint64_t n, i, kept = 0;

	if (sec->size && !sec->data) {
		ERROR_SEC(sec, "special section without contents (SHT_NOBITS)");
		return -1;
	}
	es = special_entry_size(cdo, sec, ss->size_name, ss->size, ss->pointer_words);
	if (es <= 0)
		return -1;
	if (sec->size % es) {
		ERROR_SEC(sec, "size %zu is not a multiple of the entry size %d", sec->size, es);
		return -1;
	}
	n = sec->size / es;
	if (ss->companion) {
		comp = find_section(cdo->patched, ss->companion);
		if (!comp) {
			ERROR_SEC(sec, "companion section %s missing", ss->companion);
			return -1;
		}
		if (comp->size && !comp->data) {
			ERROR_SEC(comp, "special section without contents (SHT_NOBITS)");
			return -1;
		}
		ces = special_entry_size(cdo, comp, ss->companion_size_name,
					 ss->companion_size, 0);
		if (ces <= 0)
			return -1;
		if (comp->size != n * ces) {
			ERROR_SEC(comp, "%zu bytes do not match %llu entries of %d bytes in %s",
				  comp->size, (unsigned long long)n, ces, sec->name);
			return -1;
		}
	}

	if (ss->entry_relative)
		entry_bias(cdo, sec, es, -1);
	if (ss->owner_by_func_name)
		included_functions(cdo, &included);
	for (i = 0; i < n; i++) {
		bool code;
		struct symbol *owner = ss->owner_by_func_name ?
			owner_by_func_name(cdo, sec, i * es, ss->func_name_word, &included) :
			entry_owner(cdo, sec, i * es, (i + 1) * es, &code);
		uint64_t off;

		if (!owner)
			continue;
		if (ss->reloc_words && foreign_word_reloc(cdo, sec, ss, i * es, es, owner)) {
			ret = -1;
			break;
		}
		if (ss->entry_refused && ss->size && entry_refused(cdo, sec, ss, i * es, owner)) {
			ret = -1;
			break;
		}
		if (!out) {
			out = elf_add_section(cdo->out, ss->output_name ? ss->output_name : sec->name,
					      sec->sh.sh_type,
					      sec->sh.sh_flags & ~SHF_GROUP, sec->sh.sh_entsize,
					      sec->sh.sh_addralign, NULL, 0);
			elf_section_symbol(cdo->out, out);
			/*
			 * SHF_LINK_ORDER (__patchable_function_entries): ld
			 * refuses to mix it with sections that have no linked
			 * section; link to the first kept entry's function.
			 */
			if (sec->sh.sh_flags & SHF_LINK_ORDER) {
				if (owner->clone)
					out->link = owner->clone->sec;
				else
					out->sh.sh_flags &= ~(uint64_t)SHF_LINK_ORDER;
			}
			if (comp) {
				out_comp = elf_add_section(cdo->out, comp->name, comp->sh.sh_type,
							   comp->sh.sh_flags & ~SHF_GROUP,
							   comp->sh.sh_entsize,
							   comp->sh.sh_addralign, NULL, 0);
				elf_section_symbol(cdo->out, out_comp);
			}
		}
		off = elf_section_append(out, sec->data + i * es, es, 1);
		if (output_convert_relocs(cdo, sec, i * es, (i + 1) * es, out,
					  (int64_t)off - (int64_t)(i * es))) {
			ret = -1;
			break;
		}
		if (comp)
			elf_section_append(out_comp, comp->data + i * ces, ces, 1);
		if (ss->objname_word && strcmp(cdo->objname, "vmlinux"))
			output_objname_pointer(cdo, out, off + ss->objname_word * elf_addr_size(cdo->out));
		kept++;
	}
	if (ss->entry_relative) {
		entry_bias(cdo, sec, es, +1);
		if (out)
			entry_bias(cdo, out, es, +1);
		/* the bias cannot be put back on a livepatch relocation record */
		if (!ret && cdo->nr_klp_relocs != klp_relocs) {
			ERROR_SEC(sec, "an entry describes code outside the patch module");
			ret = -1;
		}
	}
	if (kept)
		INFO("%s: kept %llu of %llu entries", sec->name,
		     (unsigned long long)kept, (unsigned long long)n);
	free(included.v);
	return ret;
}

int emit_special_sections(struct cdo *cdo)
{
	struct elf *pe = cdo->patched;
	int errors = 0;
	size_t i;

	for (i = 1; i < pe->nr_sections; i++) {
		struct section *sec = pe->sections[i];
		const struct special_section *ss = find_special(cdo, sec->name);

		if (ss && emit_one(cdo, sec, ss))
			errors++;
	}
	return errors ? -1 : 0;
}
