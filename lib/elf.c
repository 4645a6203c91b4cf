// SPDX-License-Identifier: GPL-2.0
/*
 * ELF model: read an object into linked structures, edit, write once.
 * See elf.h for the rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf.h"
#include "rel.h"
#include "util.h"

#define HASH_MIN 1024
#define ADDEND_MAX ((int64_t)1 << 62)

/* ---- hash tables ---------------------------------------------------- */

/*
 * Name lookups at vmlinux scale (100k+ symbols): each table keeps at least
 * one bucket per entry, doubling as entries are added, so chains stay short
 * and a lookup or an insert at a chain's tail costs O(1) on average.  A table
 * sized once from the section count would give vmlinux's symbols 1024
 * buckets.
 */
static void hash_init(struct elf *elf, size_t nsec)
{
	size_t size = HASH_MIN;

	while (size < nsec * 2)
		size <<= 1;
	elf->sec_hash_size = size;
	elf->sec_hash = xzalloc(size * sizeof(*elf->sec_hash));
	elf->sym_hash_size = HASH_MIN;
	elf->sym_hash = xzalloc(HASH_MIN * sizeof(*elf->sym_hash));
}

/*
 * Doubling a table splits bucket b into b and b + old size.  Each entry
 * keeps its place relative to the others of its chain: lookups of a name
 * shared by several symbols still return them in table order.
 */
static void sec_hash_grow(struct elf *elf)
{
	size_t old = elf->sec_hash_size, b;
	struct section **t = xzalloc(2 * old * sizeof(*t));

	for (b = 0; b < old; b++) {
		struct section *sec = elf->sec_hash[b], *next;
		struct section **tail[2] = { &t[b], &t[b + old] };

		for (; sec; sec = next) {
			bool hi = str_hash(sec->name) & old;

			next = sec->hash_next;
			sec->hash_next = NULL;
			*tail[hi] = sec;
			tail[hi] = &sec->hash_next;
		}
	}
	free(elf->sec_hash);
	elf->sec_hash = t;
	elf->sec_hash_size = 2 * old;
}

static void sym_hash_grow(struct elf *elf)
{
	size_t old = elf->sym_hash_size, b;
	struct symbol **t = xzalloc(2 * old * sizeof(*t));

	for (b = 0; b < old; b++) {
		struct symbol *sym = elf->sym_hash[b], *next;
		struct symbol **tail[2] = { &t[b], &t[b + old] };

		for (; sym; sym = next) {
			bool hi = str_hash(sym->name) & old;

			next = sym->hash_next;
			sym->hash_next = NULL;
			*tail[hi] = sym;
			tail[hi] = &sym->hash_next;
		}
	}
	free(elf->sym_hash);
	elf->sym_hash = t;
	elf->sym_hash_size = 2 * old;
}

static void hash_add_sec(struct elf *elf, struct section *sec)
{
	size_t b;

	if (++elf->nr_sec_hashed > elf->sec_hash_size)
		sec_hash_grow(elf);
	b = str_hash(sec->name) & (elf->sec_hash_size - 1);
	sec->hash_next = elf->sec_hash[b];
	elf->sec_hash[b] = sec;
}

static void hash_del_sec(struct elf *elf, struct section *sec)
{
	size_t b = str_hash(sec->name) & (elf->sec_hash_size - 1);
	struct section **pp;

	for (pp = &elf->sec_hash[b]; *pp; pp = &(*pp)->hash_next)
		if (*pp == sec) {
			*pp = sec->hash_next;
			elf->nr_sec_hashed--;
			return;
		}
}

/* Symbols are chained in table order so find_symbol() returns the first. */
static void hash_add_sym(struct elf *elf, struct symbol *sym)
{
	struct symbol **pp;

	if (++elf->nr_sym_hashed > elf->sym_hash_size)
		sym_hash_grow(elf);
	pp = &elf->sym_hash[str_hash(sym->name) & (elf->sym_hash_size - 1)];
	while (*pp)
		pp = &(*pp)->hash_next;
	sym->hash_next = NULL;
	*pp = sym;
}

/*
 * At read time: symbols pushed at their bucket's head, last to first, so
 * the chains are in table order without walking them.  Appending walks
 * the chain: quadratic for a name that thousands of symbols share (a
 * 32-bit arm vmlinux has 50538 mapping symbols $a/$d/$t: klp-convert
 * spent 98% of its 9 s there).
 */
static void hash_push_sym(struct elf *elf, struct symbol *sym)
{
	size_t b;

	if (++elf->nr_sym_hashed > elf->sym_hash_size)
		sym_hash_grow(elf);
	b = str_hash(sym->name) & (elf->sym_hash_size - 1);
	sym->hash_next = elf->sym_hash[b];
	elf->sym_hash[b] = sym;
}

static void hash_del_sym(struct elf *elf, struct symbol *sym)
{
	size_t b = str_hash(sym->name) & (elf->sym_hash_size - 1);
	struct symbol **pp;

	for (pp = &elf->sym_hash[b]; *pp; pp = &(*pp)->hash_next)
		if (*pp == sym) {
			*pp = sym->hash_next;
			elf->nr_sym_hashed--;
			return;
		}
}

struct section *find_section(const struct elf *elf, const char *name)
{
	size_t b = str_hash(name) & (elf->sec_hash_size - 1);
	struct section *sec;

	for (sec = elf->sec_hash[b]; sec; sec = sec->hash_next)
		if (!sec->deleted && !strcmp(sec->name, name))
			return sec;
	return NULL;
}

struct symbol *find_symbol(const struct elf *elf, const char *name)
{
	size_t b = str_hash(name) & (elf->sym_hash_size - 1);
	struct symbol *sym;

	for (sym = elf->sym_hash[b]; sym; sym = sym->hash_next)
		if (!sym->deleted && !strcmp(sym->name, name))
			return sym;
	return NULL;
}

struct symbol *find_symbol_next(const struct symbol *prev)
{
	struct symbol *sym;

	for (sym = prev->hash_next; sym; sym = sym->hash_next)
		if (!sym->deleted && !strcmp(sym->name, prev->name))
			return sym;
	return NULL;
}

struct symbol *find_symbol_by_index(const struct elf *elf, unsigned int idx)
{
	return idx < elf->nr_symbols ? elf->symbols[idx] : NULL;
}

struct section *find_section_by_index(const struct elf *elf, unsigned int idx)
{
	return idx < elf->nr_sections ? elf->sections[idx] : NULL;
}

/* ---- per-section sorted arrays ---------------------------------------- */

static int cmp_sym_offset(const void *a, const void *b)
{
	const struct symbol *x = *(struct symbol * const *)a;
	const struct symbol *y = *(struct symbol * const *)b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	/* prefer real symbols over section symbols at the same offset */
	if ((x->type == STT_SECTION) != (y->type == STT_SECTION))
		return x->type == STT_SECTION ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void sec_add_sym(struct section *sec, struct symbol *sym)
{
	if (sec->nr_syms == sec->alloc_syms) {
		sec->alloc_syms = sec->alloc_syms ? sec->alloc_syms * 2 : 4;
		sec->syms = xrealloc(sec->syms, sec->alloc_syms * sizeof(*sec->syms));
	}
	sec->syms[sec->nr_syms++] = sym;
}

static void sec_sort_syms(struct section *sec)
{
	if (sec->nr_syms > 1)
		qsort(sec->syms, sec->nr_syms, sizeof(*sec->syms), cmp_sym_offset);
}

/*
 * Add a symbol to a sorted sec->syms at its place: what sorting the whole
 * array again would give (cmp_sym_offset orders by index last, and indices
 * are unique until elf_write() renumbers), at the cost of one move.
 */
static void sec_insert_sym(struct section *sec, struct symbol *sym)
{
	size_t lo = 0, hi = sec->nr_syms;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cmp_sym_offset(&sec->syms[mid], &sym) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	sec_add_sym(sec, sym);
	memmove(&sec->syms[lo + 1], &sec->syms[lo],
		(sec->nr_syms - 1 - lo) * sizeof(*sec->syms));
	sec->syms[lo] = sym;
}

/* the index of the first symbol of sec starting after offset */
static size_t syms_upper_bound(const struct section *sec, uint64_t offset)
{
	size_t lo = 0, hi = sec->nr_syms;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (sec->syms[mid]->offset <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The non-section symbol starting exactly at offset. */
struct symbol *find_symbol_at(const struct section *sec, uint64_t offset)
{
	size_t lo = 0, hi = sec->nr_syms;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (sec->syms[mid]->offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < sec->nr_syms && sec->syms[lo]->offset == offset; lo++)
		if (sec->syms[lo]->type != STT_SECTION && !sec->syms[lo]->deleted)
			return sec->syms[lo];
	return NULL;
}

/*
 * An arm/arm64 mapping symbol ($a, $d, $t, $x, or with a ".N" suffix): it
 * marks where code or data starts for disassemblers, never names a target.
 */
static bool is_mapping_symbol(const struct symbol *s)
{
	return s->type == STT_NOTYPE && s->name[0] == '$' && strchr("adtx", s->name[1]) &&
	       s->name[1] && (s->name[2] == '\0' || s->name[2] == '.');
}

/*
 * The function or object symbol whose [offset, offset+size) holds offset.
 * Mapping symbols do not count: "$x" at a function's first byte sorts after
 * the function (higher index) and would hide it when the section is longer
 * than the function (arm64 .altinstructions replacements in .subsection 1).
 */
struct symbol *find_func_containing(const struct section *sec, uint64_t offset)
{
	size_t i;

	/* downwards from the last symbol that starts at or before offset */
	for (i = syms_upper_bound(sec, offset); i-- > 0;) {
		struct symbol *s = sec->syms[i];

		if (s->deleted || s->type == STT_SECTION || is_mapping_symbol(s))
			continue;
		if (offset < s->offset + s->size || (offset == s->offset))
			return s;
		if (s->type == STT_FUNC || s->type == STT_OBJECT)
			break;
	}
	return NULL;
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct reloc *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void elf_sort_relocs(struct section *rsec)
{
	if (rsec->nr_relocs > 1)
		qsort(rsec->relocs, rsec->nr_relocs, sizeof(*rsec->relocs), cmp_reloc);
}

static size_t reloc_lower_bound(const struct section *rsec, uint64_t offset)
{
	size_t lo = 0, hi = rsec->nr_relocs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (rsec->relocs[mid].offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct reloc *find_reloc_from(const struct section *sec, uint64_t offset)
{
	const struct section *rsec = sec->rela;
	size_t i;

	if (!rsec)
		return NULL;
	i = reloc_lower_bound(rsec, offset);
	return i < rsec->nr_relocs ? &rsec->relocs[i] : NULL;
}

struct reloc *find_reloc(const struct section *sec, uint64_t offset)
{
	const struct section *rsec = sec->rela;
	size_t i;

	if (!rsec)
		return NULL;
	for (i = reloc_lower_bound(rsec, offset);
	     i < rsec->nr_relocs && rsec->relocs[i].offset == offset; i++)
		if (!rsec->relocs[i].deleted)
			return &rsec->relocs[i];
	return NULL;
}

struct reloc *find_reloc_range(const struct section *sec, uint64_t start, uint64_t end)
{
	const struct section *rsec = sec->rela;
	size_t i;

	if (!rsec)
		return NULL;
	for (i = reloc_lower_bound(rsec, start);
	     i < rsec->nr_relocs && rsec->relocs[i].offset < end; i++)
		if (!rsec->relocs[i].deleted)
			return &rsec->relocs[i];
	return NULL;
}

/* ---- reading ---------------------------------------------------------- */

static struct section *new_section(struct elf *elf)
{
	struct section *sec = xzalloc(sizeof(*sec));

	sec->elf = elf;
	if (elf->nr_sections == elf->alloc_sections) {
		elf->alloc_sections = elf->alloc_sections ? elf->alloc_sections * 2 : 64;
		elf->sections = xrealloc(elf->sections,
					 elf->alloc_sections * sizeof(*elf->sections));
	}
	sec->idx = elf->nr_sections;
	elf->sections[elf->nr_sections++] = sec;
	return sec;
}

static struct symbol *new_symbol(struct elf *elf)
{
	struct symbol *sym = xzalloc(sizeof(*sym));

	sym->elf = elf;
	if (elf->nr_symbols == elf->alloc_symbols) {
		elf->alloc_symbols = elf->alloc_symbols ? elf->alloc_symbols * 2 : 256;
		elf->symbols = xrealloc(elf->symbols,
					elf->alloc_symbols * sizeof(*elf->symbols));
	}
	sym->idx = elf->nr_symbols;
	elf->symbols[elf->nr_symbols++] = sym;
	return sym;
}

/*
 * Reading validates everything later passes rely on, so that a corrupt or
 * truncated object is refused here with the file (and section or symbol)
 * named, never read out of bounds or trusted for an allocation size:
 * contents inside the file, names inside their string tables, table entry
 * sizes, symbol and relocation indices, and in relocatable objects the
 * offsets of symbols and relocations inside their sections.  (In linked
 * files, vmlinux, symbol values and relocation offsets are addresses.)
 */
/*
 * symbols_only (elf_read_symbols): section contents only of the tables the
 * symbols need (symbol, string, extended index and group sections), no
 * relocations: a vmlinux with debug info and --emit-relocs (x86_64 with
 * RANDOMIZE_BASE, i.e. distribution kernels) has hundreds of MB of both.
 */
static bool wants_data(const struct section *sec, bool symbols_only)
{
	switch (sec->sh.sh_type) {
	case SHT_SYMTAB: case SHT_STRTAB: case SHT_SYMTAB_SHNDX: case SHT_GROUP:
		return true;
	default:
		return !symbols_only;
	}
}

static int read_sections(struct elf *elf, Elf *e, size_t file_size, bool symbols_only)
{
	size_t shnum, shstrndx, i;

	if (elf_getshdrnum(e, &shnum) || elf_getshdrstrndx(e, &shstrndx)) {
		ERROR("%s: %s", elf->path, elf_errmsg(-1));
		return -1;
	}
	/* every section header is in the file: bounds all counts below */
	if (!shnum || gelf_fsize(e, ELF_T_SHDR, shnum, EV_CURRENT) > file_size) {
		ERROR("%s: bad section header count %zu (file of %zu bytes)", elf->path,
		      shnum, file_size);
		return -1;
	}
	if (shstrndx >= shnum) {
		ERROR("%s: section name table index %zu out of range (%zu sections)",
		      elf->path, shstrndx, shnum);
		return -1;
	}
	hash_init(elf, shnum);

	for (i = 0; i < shnum; i++) {
		struct section *sec = new_section(elf);
		Elf_Scn *scn = elf_getscn(e, i);
		Elf_Data *d;
		const char *name;

		if (!scn || !gelf_getshdr(scn, &sec->sh)) {
			ERROR("%s: section %zu: %s", elf->path, i, elf_errmsg(-1));
			return -1;
		}
		name = i ? elf_strptr(e, shstrndx, sec->sh.sh_name) : "";
		if (!name) {
			ERROR("%s: section %zu: name offset %u outside the section name table",
			      elf->path, i, (unsigned)sec->sh.sh_name);
			return -1;
		}
		sec->name = xstrdup(name);
		sec->size = sec->sh.sh_size;
		if (sec->sh.sh_type != SHT_NOBITS && sec->size && i) {
			if (sec->sh.sh_offset > file_size ||
			    sec->sh.sh_size > file_size - sec->sh.sh_offset) {
				ERROR("%s: section %s: contents (offset 0x%llx, %llu bytes) outside the file (%zu bytes)",
				      elf->path, sec->name, (unsigned long long)sec->sh.sh_offset,
				      (unsigned long long)sec->sh.sh_size, file_size);
				return -1;
			}
			/*
			 * Raw file bytes: symbol and relocation tables are
			 * decoded through gelf below, everything else stays in
			 * target byte order.
			 */
			if (!wants_data(sec, symbols_only))
				goto no_data;
			d = elf_rawdata(scn, NULL);
			if (!d || d->d_size != sec->size) {
				ERROR("%s: section %s: cannot read data: %s",
				      elf->path, sec->name, elf_errmsg(-1));
				return -1;
			}
			sec->data = xzalloc(sec->size);
			memcpy(sec->data, d->d_buf, sec->size);
		}
no_data:
		if (i && sec->sh.sh_type != SHT_NOBITS && sec->sh.sh_entsize &&
		    sec->size % sec->sh.sh_entsize) {
			ERROR("%s: section %s: size %zu is not a multiple of its entry size %llu",
			      elf->path, sec->name, sec->size,
			      (unsigned long long)sec->sh.sh_entsize);
			return -1;
		}
		if (i && (sec->sh.sh_flags & SHF_STRINGS) && sec->data &&
		    sec->data[sec->size - 1]) {
			ERROR("%s: section %s: string section does not end with a NUL",
			      elf->path, sec->name);
			return -1;
		}
		if (sec->sh.sh_type == SHT_GROUP && (sec->size < 4 || sec->size % 4 || !sec->data)) {
			ERROR("%s: section %s: group section of %zu bytes (a flag word and 4-byte members expected)",
			      elf->path, sec->name, sec->size);
			return -1;
		}
		if (i)
			hash_add_sec(elf, sec);
		if (sec->sh.sh_type == SHT_SYMTAB) {
			if (elf->symtab) {
				ERROR("%s: sections %s and %s: more than one symbol table",
				      elf->path, elf->symtab->name, sec->name);
				return -1;
			}
			elf->symtab = sec;
		}
		if (i == shstrndx)
			elf->shstrtab = sec;
	}
	if (!elf->symtab) {
		ERROR("%s: no symbol table", elf->path);
		return -1;
	}
	return 0;
}

/* sh_entsize of a table of ELF_T_SYM / ELF_T_RELA entries, and its size */
static int check_table(struct elf *elf, Elf *e, struct section *sec, Elf_Type type)
{
	size_t es = gelf_fsize(e, type, 1, EV_CURRENT);

	if (sec->sh.sh_entsize != es || sec->size % es) {
		ERROR("%s: section %s: entry size %llu and size %zu do not fit %zu-byte entries",
		      elf->path, sec->name, (unsigned long long)sec->sh.sh_entsize, sec->size, es);
		return -1;
	}
	if (sec->sh.sh_type == SHT_NOBITS) {
		ERROR("%s: section %s: table without contents (SHT_NOBITS)", elf->path, sec->name);
		return -1;
	}
	return 0;
}

static int read_symbols(struct elf *elf, Elf *e)
{
	Elf_Scn *scn = elf_getscn(e, elf->symtab->idx);
	Elf_Data *d, *xd = NULL;
	size_t n, i, first;
	struct section *s;
	bool is_rel = elf->ehdr.e_type == ET_REL;

	if (check_table(elf, e, elf->symtab, ELF_T_SYM))
		return -1;
	n = elf->symtab->size / elf->symtab->sh.sh_entsize;
	elf->strtab = find_section_by_index(elf, elf->symtab->sh.sh_link);
	if (!elf->strtab || elf->strtab->sh.sh_type != SHT_STRTAB || !n) {
		ERROR("%s: section %s: %s", elf->path, elf->symtab->name,
		      n ? "its sh_link is no string table" : "no symbols, not even the null symbol");
		return -1;
	}
	d = elf_getdata(scn, NULL);
	if (!d) {
		ERROR("%s: section %s: %s", elf->path, elf->symtab->name, elf_errmsg(-1));
		return -1;
	}
	/* SHT_SYMTAB_SHNDX for objects with more than 65279 sections */
	for (i = 1; i < elf->nr_sections; i++) {
		s = elf->sections[i];
		if (s->sh.sh_type == SHT_SYMTAB_SHNDX && s->sh.sh_link == elf->symtab->idx)
			xd = elf_getdata(elf_getscn(e, i), NULL);
	}

	first = elf->nr_symbols;
	for (i = 0; i < n; i++) {
		struct symbol *sym = new_symbol(elf);
		GElf_Sym gs;
		Elf32_Word xidx = 0;
		unsigned int shndx;
		const char *name;

		if (!gelf_getsymshndx(d, xd, i, &gs, &xidx)) {
			ERROR("%s: symbol %zu: %s", elf->path, i, elf_errmsg(-1));
			return -1;
		}
		name = elf_strptr(e, elf->symtab->sh.sh_link, gs.st_name);
		if (!name) {
			ERROR("%s: symbol %zu: name offset %u outside %s", elf->path, i,
			      (unsigned)gs.st_name, elf->strtab->name);
			return -1;
		}
		sym->name = xstrdup(name);
		sym->type = GELF_ST_TYPE(gs.st_info);
		sym->bind = GELF_ST_BIND(gs.st_info);
		sym->other = gs.st_other;
		sym->offset = gs.st_value;
		sym->size = gs.st_size;
		if (gs.st_shndx == SHN_XINDEX && !xd) {
			ERROR("%s: symbol %s: extended section index without SHT_SYMTAB_SHNDX",
			      elf->path, sym->name);
			return -1;
		}
		shndx = gs.st_shndx == SHN_XINDEX ? xidx : gs.st_shndx;
		if (shndx != SHN_UNDEF && (shndx < SHN_LORESERVE || gs.st_shndx == SHN_XINDEX)) {
			if (shndx >= elf->nr_sections) {
				ERROR("%s: symbol %s: section index %u out of range (%zu sections)",
				      elf->path, sym->name, shndx, elf->nr_sections);
				return -1;
			}
			sym->sec = elf->sections[shndx];
			if (is_rel && (sym->offset > sym->sec->size ||
				    sym->size > sym->sec->size - sym->offset)) {
				ERROR("%s: symbol %s: offset 0x%llx and size %llu outside section %s (%zu bytes)",
				      elf->path, sym->name, (unsigned long long)sym->offset,
				      (unsigned long long)sym->size, sym->sec->name, sym->sec->size);
				return -1;
			}
			sec_add_sym(sym->sec, sym);
			if (sym->type == STT_SECTION) {
				sym->sec->secsym = sym;
				free(sym->name);
				sym->name = xstrdup(sym->sec->name);
			}
		} else {
			sym->shndx = shndx;
		}
	}
	/* symbol 0 (the null symbol) is not hashed; table order in each chain */
	for (i = n; i-- > 1;)
		hash_push_sym(elf, elf->symbols[first + i]);
	for (i = 0; i < elf->nr_sections; i++)
		sec_sort_syms(elf->sections[i]);
	return 0;
}

/*
 * SHT_REL (32-bit arm): the model is RELA.  The addend is taken out of the
 * relocated field (lib/rel.c), which is left with zero in its bits, as a
 * RELA object has it; elf_write() puts it back (rel_fold).
 */
static int rel_read_addend(struct section *rsec, struct reloc *r)
{
	struct elf *elf = rsec->elf;
	struct section *base = rsec->base;
	unsigned int size = rel_field_size(elf->ehdr.e_machine, r->type);

	if (!size)
		return 0;	/* kept as it is, field and all */
	if (!base->data || r->offset + size > base->size) {
		ERROR_SEC(rsec, "relocation at 0x%llx: its %u-byte field lies outside section %s",
			  (unsigned long long)r->offset, size, base->name);
		return -1;
	}
	if (rel_extract(elf->ehdr.e_machine, r->type, base->data + r->offset, &r->addend)) {
		ERROR_SEC(rsec, "relocation at 0x%llx: type %u: cannot read its implicit addend",
			  (unsigned long long)r->offset, r->type);
		return -1;
	}
	return 0;
}

/* a REL section read: from now on a RELA section of the model (".rela...") */
static void rel_to_rela_model(struct section *rsec)
{
	struct elf *elf = rsec->elf;

	rsec->sh.sh_type = SHT_RELA;
	rsec->sh.sh_entsize = elf->elfclass == ELFCLASS64 ? sizeof(Elf64_Rela) : sizeof(Elf32_Rela);
	if (str_starts(rsec->name, ".rel") && !str_starts(rsec->name, ".rela")) {
		char *name = xzalloc(strlen(rsec->name) + 2);

		sprintf(name, ".rela%s", rsec->name + 4);
		elf_rename_section(rsec, name);
		free(name);
	}
}

static int read_relocs(struct elf *elf, Elf *e, bool symbols_only)
{
	bool is_rel = elf->ehdr.e_type == ET_REL;
	size_t i, j;

	for (i = 1; i < elf->nr_sections; i++) {
		struct section *sec = elf->sections[i];

		if (sec->sh.sh_link && sec->sh.sh_link < elf->nr_sections)
			sec->link = elf->sections[sec->sh.sh_link];
		if (sec->sh.sh_type == SHT_GROUP)
			sec->group_sym = find_symbol_by_index(elf, sec->sh.sh_info);
		if (symbols_only)
			continue;
		if (sec->sh.sh_type == SHT_REL && !rel_machine(elf->ehdr.e_machine)) {
			ERROR("%s: section %s: REL relocations are not supported for machine %u",
			      elf->path, sec->name, (unsigned)elf->ehdr.e_machine);
			return -1;
		}
		/* REL of an executable (never written back): not ours */
		if (sec->sh.sh_type == SHT_REL && !is_rel)
			continue;
		if (sec->sh.sh_type != SHT_RELA && sec->sh.sh_type != SHT_REL)
			continue;
		if (sec->sh.sh_info >= elf->nr_sections ||
		    (is_rel && (!sec->sh.sh_info || sec->sh.sh_info == i))) {
			ERROR_SEC(sec, "bad sh_info %u: no section to relocate",
				  (unsigned)sec->sh.sh_info);
			return -1;
		}
		sec->base = elf->sections[sec->sh.sh_info];
		if (is_rel && sec->base->rela) {
			ERROR_SEC(sec, "section %s already has relocation section %s",
				  sec->base->name, sec->base->rela->name);
			return -1;
		}
		sec->base->rela = sec;
		if (sec->sh.sh_link != elf->symtab->idx)
			continue;	/* not ours to decode */
		bool implicit = sec->sh.sh_type == SHT_REL;

		if (check_table(elf, e, sec, implicit ? ELF_T_REL : ELF_T_RELA))
			return -1;

		Elf_Data *d = elf_getdata(elf_getscn(e, i), NULL);
		size_t n = sec->sh.sh_size / sec->sh.sh_entsize;

		if (!d) {
			ERROR_SEC(sec, "%s", elf_errmsg(-1));
			return -1;
		}
		sec->relocs = xzalloc(n * sizeof(*sec->relocs));
		sec->nr_relocs = sec->alloc_relocs = n;
		for (j = 0; j < n; j++) {
			GElf_Rela r;
			struct reloc *rel = &sec->relocs[j];
			unsigned long long symidx;

			GElf_Rel rr;

			if (implicit ? !gelf_getrel(d, j, &rr) : !gelf_getrela(d, j, &r)) {
				ERROR_SEC(sec, "reloc %zu: %s", j, elf_errmsg(-1));
				return -1;
			}
			if (implicit) {
				r.r_offset = rr.r_offset;
				r.r_info = rr.r_info;
				r.r_addend = 0;
			}
			rel->rsec = sec;
			rel->offset = r.r_offset;
			rel->addend = r.r_addend;
			/* gelf gives ELF64 r_info for both classes */
			rel->type = GELF_R_TYPE(r.r_info);
			symidx = GELF_R_SYM(r.r_info);
			rel->sym = symidx < elf->nr_symbols ? elf->symbols[symidx] : NULL;
			if (!rel->sym) {
				ERROR_SEC(sec, "reloc %zu: symbol index %llu out of range (%zu symbols)",
					  j, symidx, elf->nr_symbols);
				return -1;
			}
			if (is_rel && (sec->base->sh.sh_type == SHT_NOBITS ||
				       rel->offset >= sec->base->size)) {
				ERROR_SEC(sec, "reloc %zu: offset 0x%llx outside section %s (%zu bytes)",
					  j, (unsigned long long)rel->offset, sec->base->name,
					  sec->base->size);
				return -1;
			}
			/*
			 * An offset into the target or a small constant; the
			 * bound leaves room for the arithmetic of later passes
			 * (section offsets, instruction biases) without overflow.
			 */
			if (implicit && rel_read_addend(sec, rel))
				return -1;
			if (is_rel && (rel->addend > ADDEND_MAX || rel->addend < -ADDEND_MAX)) {
				ERROR_SEC(sec, "reloc %zu at offset 0x%llx: addend %lld out of range",
					  j, (unsigned long long)rel->offset, (long long)rel->addend);
				return -1;
			}
		}
		elf_sort_relocs(sec);
		if (implicit)
			rel_to_rela_model(sec);
	}
	return 0;
}

static struct elf *read_elf(const char *path, bool symbols_only)
{
	struct elf *elf;
	struct stat st;
	Elf *e;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		ERROR("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		ERROR("%s: not an ELF file", path);
		elf_end(e);
		close(fd);
		return NULL;
	}
	elf = xzalloc(sizeof(*elf));
	elf->path = xstrdup(path);
	if (!gelf_getehdr(e, &elf->ehdr)) {
		ERROR("%s: %s", path, elf_errmsg(-1));
		goto err;
	}
	elf->elfclass = gelf_getclass(e);
	elf->big_endian = elf->ehdr.e_ident[EI_DATA] == ELFDATA2MSB;
	elf->rel = elf->ehdr.e_type == ET_REL && rel_machine(elf->ehdr.e_machine);
	if ((elf->elfclass != ELFCLASS32 && elf->elfclass != ELFCLASS64) ||
	    (elf->ehdr.e_ident[EI_DATA] != ELFDATA2LSB && !elf->big_endian)) {
		ERROR("%s: unknown ELF class %d or byte order %d", path, elf->elfclass,
		      elf->ehdr.e_ident[EI_DATA]);
		goto err;
	}

	if (read_sections(elf, e, st.st_size, symbols_only) || read_symbols(elf, e) ||
	    read_relocs(elf, e, symbols_only))
		goto err;
	elf_end(e);
	close(fd);
	return elf;
err:
	elf_end(e);
	close(fd);
	elf_free(elf);
	return NULL;
}

struct elf *elf_read(const char *path)
{
	return read_elf(path, false);
}

struct elf *elf_read_symbols(const char *path)
{
	return read_elf(path, true);
}

struct elf *elf_create_like(const struct elf *tmpl, const char *path)
{
	struct elf *elf = xzalloc(sizeof(*elf));
	struct section *null;
	struct symbol *nullsym;

	elf->path = xstrdup(path);
	elf->ehdr = tmpl->ehdr;
	elf->ehdr.e_shnum = elf->ehdr.e_shstrndx = 0;
	elf->ehdr.e_phnum = elf->ehdr.e_phoff = 0;
	elf->elfclass = tmpl->elfclass;
	elf->big_endian = tmpl->big_endian;
	elf->rel = tmpl->rel;
	hash_init(elf, 4096);

	null = new_section(elf);
	null->name = xstrdup("");
	elf->shstrtab = elf_add_section(elf, ".shstrtab", SHT_STRTAB, 0, 0, 1, NULL, 0);
	elf->strtab = elf_add_section(elf, ".strtab", SHT_STRTAB, 0, 0, 1, NULL, 0);
	elf->symtab = elf_add_section(elf, ".symtab", SHT_SYMTAB, 0,
				      tmpl->symtab->sh.sh_entsize, 8, NULL, 0);
	elf->symtab->link = elf->strtab;
	nullsym = new_symbol(elf);
	nullsym->name = xstrdup("");
	return elf;
}

void elf_free(struct elf *elf)
{
	size_t i;

	if (!elf)
		return;
	for (i = 0; i < elf->nr_sections; i++) {
		struct section *sec = elf->sections[i];

		free(sec->name);
		free(sec->data);
		free(sec->relocs);
		free(sec->syms);
		free(sec);
	}
	for (i = 0; i < elf->nr_symbols; i++) {
		free(elf->symbols[i]->name);
		free(elf->symbols[i]);
	}
	free(elf->sections);
	free(elf->symbols);
	free(elf->sec_hash);
	free(elf->sym_hash);
	free(elf->path);
	free(elf);
}

/* ---- construction ----------------------------------------------------- */

struct section *elf_add_section(struct elf *elf, const char *name, unsigned int type,
				uint64_t flags, uint64_t entsize, uint64_t align,
				const void *data, size_t size)
{
	struct section *sec = new_section(elf);

	sec->name = xstrdup(name);
	sec->sh.sh_type = type;
	sec->sh.sh_flags = flags;
	sec->sh.sh_entsize = entsize;
	sec->sh.sh_addralign = align ? align : 1;
	sec->sh.sh_size = sec->size = size;
	if (type != SHT_NOBITS && size) {
		sec->data = xzalloc(size);
		if (data)
			memcpy(sec->data, data, size);
	}
	hash_add_sec(elf, sec);
	return sec;
}

struct section *elf_add_rela_section(struct elf *elf, struct section *base)
{
	struct section *rsec;
	char *name;

	if (base->rela)
		return base->rela;
	name = xzalloc(strlen(base->name) + 6);
	sprintf(name, ".rela%s", base->name);
	rsec = elf_add_section(elf, name, SHT_RELA,
			       SHF_INFO_LINK | (base->sh.sh_flags & SHF_ALLOC ? 0 : 0),
			       elf->elfclass == ELFCLASS64 ? sizeof(Elf64_Rela) : sizeof(Elf32_Rela),
			       elf_addr_size(elf), NULL, 0);
	free(name);
	rsec->base = base;
	rsec->link = elf->symtab;
	base->rela = rsec;
	return rsec;
}

struct symbol *elf_add_symbol(struct elf *elf, const char *name, unsigned char type,
			      unsigned char bind, struct section *sec, uint16_t shndx,
			      uint64_t offset, uint64_t size)
{
	struct symbol *sym = new_symbol(elf);

	sym->name = xstrdup(name);
	sym->type = type;
	sym->bind = bind;
	sym->sec = sec;
	sym->shndx = sec ? 0 : shndx;
	sym->offset = offset;
	sym->size = size;
	if (sec) {
		sec_insert_sym(sec, sym);
		if (type == STT_SECTION)
			sec->secsym = sym;
	}
	hash_add_sym(elf, sym);
	return sym;
}

struct symbol *elf_section_symbol(struct elf *elf, struct section *sec)
{
	if (sec->secsym && !sec->secsym->deleted)
		return sec->secsym;
	return elf_add_symbol(elf, sec->name, STT_SECTION, STB_LOCAL, sec, 0, 0, 0);
}

struct reloc *elf_add_reloc(struct section *base, uint64_t offset, unsigned int type,
			    struct symbol *sym, int64_t addend)
{
	struct section *rsec = elf_add_rela_section(base->elf, base);
	struct reloc *r;

	if (rsec->nr_relocs == rsec->alloc_relocs) {
		rsec->alloc_relocs = rsec->alloc_relocs ? rsec->alloc_relocs * 2 : 16;
		rsec->relocs = xrealloc(rsec->relocs, rsec->alloc_relocs * sizeof(*r));
	}
	r = &rsec->relocs[rsec->nr_relocs++];
	memset(r, 0, sizeof(*r));
	r->rsec = rsec;
	r->offset = offset;
	r->type = type;
	r->sym = sym;
	r->addend = addend;
	return r;
}

int elf_section_resize(struct section *sec, size_t size)
{
	if (sec->sh.sh_type != SHT_NOBITS) {
		sec->data = xrealloc(sec->data, size);
		if (size > sec->size)
			memset(sec->data + sec->size, 0, size - sec->size);
	}
	sec->size = sec->sh.sh_size = size;
	return 0;
}

uint64_t elf_section_append(struct section *sec, const void *data, size_t size,
			    size_t align)
{
	uint64_t off = sec->size;

	if (align > 1)
		off = (off + align - 1) & ~(uint64_t)(align - 1);
	elf_section_resize(sec, off + size);
	if (data && sec->data)
		memcpy(sec->data + off, data, size);
	if (align > sec->sh.sh_addralign)
		sec->sh.sh_addralign = align;
	return off;
}

void elf_rename_symbol(struct symbol *sym, const char *name)
{
	hash_del_sym(sym->elf, sym);
	free(sym->name);
	sym->name = xstrdup(name);
	hash_add_sym(sym->elf, sym);
}

void elf_rename_section(struct section *sec, const char *name)
{
	hash_del_sec(sec->elf, sec);
	free(sec->name);
	sec->name = xstrdup(name);
	hash_add_sec(sec->elf, sec);
}

uint64_t elf_read_word(const struct elf *elf, const void *p, size_t size)
{
	const unsigned char *b = p;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < size; i++) {
		unsigned int shift = elf->big_endian ? (size - 1 - i) * 8 : i * 8;

		v |= (uint64_t)b[i] << shift;
	}
	return v;
}

void elf_write_word(const struct elf *elf, void *p, size_t size, uint64_t val)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < size; i++) {
		unsigned int shift = elf->big_endian ? (size - 1 - i) * 8 : i * 8;

		b[i] = (val >> shift) & 0xff;
	}
}

const char *reloc_target_name(const struct reloc *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%+lld", r->sym->name, (long long)r->addend);
	return buf;
}

/* ---- writing ---------------------------------------------------------- */

struct strtab {
	char *buf;
	size_t size, alloc;
};

static size_t strtab_add(struct strtab *st, const char *s)
{
	size_t len = strlen(s) + 1, off;

	if (!*s && st->size)
		return 0;
	if (st->size + len > st->alloc) {
		st->alloc = (st->size + len) * 2 + 4096;
		st->buf = xrealloc(st->buf, st->alloc);
	}
	off = st->size;
	memcpy(st->buf + off, s, len);
	st->size += len;
	return off;
}

static bool sym_is_local(const struct symbol *sym)
{
	return sym->bind == STB_LOCAL;
}

/* What elf_write() builds on its way, step by step. */
struct writer {
	struct elf *elf;
	const char *path;
	Elf *e;
	struct strtab shstr, str;
	struct symbol **order;		/* the output symbol table */
	size_t nsym, first_global;
};

static bool sym_is_gone(const struct symbol *sym)
{
	return sym->deleted || (sym->sec && sym->sec->deleted);
}

/*
 * Step 1: number the sections that are written.  A relocation section whose
 * base is gone goes with it; extended section indices are not written (no
 * output of ours needs them).
 */
static void number_sections(struct elf *elf)
{
	size_t i, nsec = 0;

	for (i = 0; i < elf->nr_sections; i++) {
		struct section *sec = elf->sections[i];

		if (is_rela_section(sec) && sec->base && sec->base->deleted)
			sec->deleted = true;
		if (sec->sh.sh_type == SHT_SYMTAB_SHNDX)
			sec->deleted = true;
		sec->idx = sec->deleted ? 0 : nsec++;
	}
}

/* Step 2: order and number the symbols: null, locals, globals (ELF rule). */
static void order_symbols(struct writer *w)
{
	struct elf *elf = w->elf;
	size_t i;

	w->order = xzalloc(elf->nr_symbols * sizeof(*w->order));
	for (i = 0; i < elf->nr_symbols; i++) {
		struct symbol *sym = elf->symbols[i];

		if (i && sym_is_gone(sym)) {
			sym->idx = 0;
			continue;
		}
		if (!i || sym_is_local(sym))
			w->order[w->nsym++] = sym;
	}
	w->first_global = w->nsym;
	for (i = 1; i < elf->nr_symbols; i++) {
		struct symbol *sym = elf->symbols[i];

		if (sym_is_gone(sym) || sym_is_local(sym))
			continue;
		w->order[w->nsym++] = sym;
	}
	for (i = 0; i < w->nsym; i++)
		w->order[i]->idx = i;
}

static int symtab_data(struct writer *w, GElf_Shdr *sh, Elf_Data *d)
{
	size_t j;

	sh->sh_info = w->first_global;
	sh->sh_link = w->elf->strtab->idx;
	sh->sh_entsize = gelf_fsize(w->e, ELF_T_SYM, 1, EV_CURRENT);
	d->d_type = ELF_T_SYM;
	d->d_size = w->nsym * sh->sh_entsize;
	d->d_buf = xzalloc(d->d_size);
	for (j = 0; j < w->nsym; j++) {
		struct symbol *sym = w->order[j];
		GElf_Sym gs = { 0 };

		/* section symbols are named by their section */
		gs.st_name = sym->type == STT_SECTION ? 0 : strtab_add(&w->str, sym->name);
		gs.st_info = GELF_ST_INFO(sym->bind, sym->type);
		gs.st_other = sym->other;
		gs.st_value = sym->offset;
		gs.st_size = sym->size;
		gs.st_shndx = sym->sec ? sym->sec->idx : sym->shndx;
		if (!gelf_update_sym(d, j, &gs)) {
			ERROR("%s: %s", w->path, elf_errmsg(-1));
			return -1;
		}
	}
	return 0;
}

/* A relocation section of ours: regenerated from its (sorted) reloc array. */
static int rela_data(struct writer *w, struct section *sec, GElf_Shdr *sh, Elf_Data *d)
{
	struct elf *elf = w->elf;
	size_t j, n = 0;

	sh->sh_info = sec->base ? sec->base->idx : 0;
	if (elf->rel)
		sh->sh_type = SHT_REL;
	sh->sh_entsize = gelf_fsize(w->e, elf->rel ? ELF_T_REL : ELF_T_RELA, 1, EV_CURRENT);
	d->d_type = elf->rel ? ELF_T_REL : ELF_T_RELA;
	d->d_buf = xzalloc(sec->nr_relocs * sh->sh_entsize + 1);
	elf_sort_relocs(sec);
	for (j = 0; j < sec->nr_relocs; j++) {
		struct reloc *r = &sec->relocs[j];
		GElf_Rela gr;

		if (r->deleted)
			continue;
		if (!r->sym->idx && r->sym != elf->symbols[0]) {
			ERROR("%s: section %s: relocation at 0x%llx references deleted symbol %s",
			      w->path, sec->name, (unsigned long long)r->offset, r->sym->name);
			return -1;
		}
		gr.r_offset = r->offset;
		gr.r_addend = r->addend;
		/* gelf takes ELF64 r_info for both classes */
		gr.r_info = GELF_R_INFO(r->sym->idx, r->type);
		d->d_size = (n + 1) * sh->sh_entsize;
		if (elf->rel) {
			GElf_Rel rr = { .r_offset = gr.r_offset, .r_info = gr.r_info };

			if (!gelf_update_rel(d, n++, &rr)) {
				ERROR("%s: %s", w->path, elf_errmsg(-1));
				return -1;
			}
			continue;
		}
		if (!gelf_update_rela(d, n++, &gr)) {
			ERROR("%s: %s", w->path, elf_errmsg(-1));
			return -1;
		}
	}
	d->d_size = n * sh->sh_entsize;
	return 0;
}

/* SHT_GROUP: flag word, then the members still written, renumbered. */
static void group_data(struct writer *w, struct section *sec, GElf_Shdr *sh, Elf_Data *d)
{
	struct elf *elf = w->elf;
	size_t j, n = sec->size / 4, m = 1;
	uint32_t *words = xzalloc(sec->size + 4);

	/* members are read-time indices == positions in elf->sections */
	sh->sh_info = sec->group_sym ? sec->group_sym->idx : 0;
	words[0] = elf_read_word(elf, sec->data, 4);
	for (j = 1; j < n; j++) {
		unsigned int old = elf_read_word(elf, sec->data + 4 * j, 4);
		struct section *mem = find_section_by_index(elf, old);

		if (mem && !mem->deleted)
			words[m++] = mem->idx;
	}
	d->d_type = ELF_T_WORD;
	d->d_buf = words;
	d->d_size = m * 4;
}

/* Everything else: the section's own bytes, sh_info from its base if any. */
static void plain_data(struct section *sec, GElf_Shdr *sh, Elf_Data *d)
{
	if (sh->sh_flags & SHF_INFO_LINK || is_rela_section(sec)) {
		if (sec->base)
			sh->sh_info = sec->base->idx;
	}
	d->d_buf = sec->data;
	d->d_size = sec->size;
	if (sec->sh.sh_type == SHT_NOBITS)
		d->d_buf = NULL;
}

/*
 * Step 3: one section.  sh_name, sh_link and sh_info come from the names
 * and pointers of the model, never from the numbers read.
 */
static int write_section(struct writer *w, struct section *sec)
{
	struct elf *elf = w->elf;
	Elf_Scn *scn = elf_newscn(w->e);
	GElf_Shdr sh;
	Elf_Data *d;

	if (!scn) {
		ERROR("%s: %s", w->path, elf_errmsg(-1));
		return -1;
	}
	sh = sec->sh;
	/* REL on disk: ".rela<base>" of the model is written ".rel<base>" */
	if (elf->rel && is_rela_section(sec) && sec->link == elf->symtab &&
	    str_starts(sec->name, ".rela")) {
		char *name = xzalloc(strlen(sec->name));

		sprintf(name, ".rel%s", sec->name + 5);
		sh.sh_name = strtab_add(&w->shstr, name);
		free(name);
	} else {
		sh.sh_name = strtab_add(&w->shstr, sec->name);
	}
	sh.sh_link = sec->link && !sec->link->deleted ? sec->link->idx : 0;
	sh.sh_offset = 0;
	if (sec->sh.sh_flags & SHF_ALLOC)
		sh.sh_addr = sec->sh.sh_addr;

	d = elf_newdata(scn);
	d->d_align = sec->sh.sh_addralign ? sec->sh.sh_addralign : 1;
	d->d_version = EV_CURRENT;
	d->d_type = ELF_T_BYTE;

	if (sec == elf->symtab) {
		if (symtab_data(w, &sh, d))
			return -1;
	} else if (is_rela_section(sec) && sec->link == elf->symtab) {
		if (rela_data(w, sec, &sh, d))
			return -1;
	} else if (sec->sh.sh_type == SHT_GROUP) {
		group_data(w, sec, &sh, d);
	} else {
		plain_data(sec, &sh, d);
	}
	sh.sh_size = d->d_size;
	if (sec->sh.sh_type == SHT_NOBITS)
		sh.sh_size = sec->size;
	if (!gelf_update_shdr(scn, &sh)) {
		ERROR("%s: %s", w->path, elf_errmsg(-1));
		return -1;
	}
	return 0;
}

static void set_strtab(Elf *e, size_t idx, const struct strtab *st)
{
	Elf_Scn *scn = elf_getscn(e, idx);
	Elf_Data *d = elf_getdata(scn, NULL);
	GElf_Shdr sh;

	d->d_buf = st->buf;
	d->d_size = st->size;
	gelf_getshdr(scn, &sh);
	sh.sh_size = st->size;
	gelf_update_shdr(scn, &sh);
}

/* Step 4: the string tables last, their contents are complete now. */
static void write_strtabs(struct writer *w)
{
	strtab_add(&w->shstr, "");
	set_strtab(w->e, w->elf->shstrtab->idx, &w->shstr);
	set_strtab(w->e, w->elf->strtab->idx, &w->str);
}

/*
 * REL on disk: each addend goes into its field before the bytes are
 * written (fold), and out again afterwards (the model keeps zero there).
 * A relocation whose addend its field cannot hold is refused, named.
 */
static int elf_write_out(struct elf *elf, const char *path);

static int rel_fold(struct elf *elf, bool in)
{
	unsigned int mach = elf->ehdr.e_machine;
	int ret = 0;
	size_t i, j;

	for (i = 0; i < elf->nr_sections; i++) {
		struct section *rsec = elf->sections[i], *base = rsec->base;

		if (rsec->deleted || !is_rela_section(rsec) || rsec->link != elf->symtab ||
		    !base || base->deleted || !base->data)
			continue;
		for (j = 0; j < rsec->nr_relocs; j++) {
			struct reloc *r = &rsec->relocs[j];
			unsigned int size = rel_field_size(mach, r->type);

			if (r->deleted)
				continue;
			if (!size && r->addend) {
				ERROR_SEC(base, "relocation at 0x%llx against %s: type %u has no implicit addend field of ours, the addend %lld is lost",
					  (unsigned long long)r->offset, r->sym->name, r->type,
					  (long long)r->addend);
				ret = -1;
				continue;
			}
			if (!size)
				continue;
			if (r->offset + size > base->size) {
				ERROR_SEC(base, "relocation at 0x%llx against %s: field outside the section",
					  (unsigned long long)r->offset, r->sym->name);
				ret = -1;
				continue;
			}
			if (!in) {
				rel_clear(mach, r->type, base->data + r->offset);
				continue;
			}
			if (rel_insert(mach, r->type, base->data + r->offset, r->addend)) {
				ERROR_SEC(base, "relocation at 0x%llx against %s: type %u cannot hold the addend %lld in its field",
					  (unsigned long long)r->offset, r->sym->name, r->type,
					  (long long)r->addend);
				ret = -1;
			}
		}
	}
	return ret;
}

int elf_write(struct elf *elf, const char *path)
{
	int ret;

	if (!elf->rel)
		return elf_write_out(elf, path);
	ret = rel_fold(elf, true);
	if (!ret)
		ret = elf_write_out(elf, path);
	rel_fold(elf, false);
	return ret;
}

static int elf_write_out(struct elf *elf, const char *path)
{
	struct writer w = { .elf = elf, .path = path };
	int fd, ret = -1;
	GElf_Ehdr eh;
	size_t i;

	number_sections(elf);
	order_symbols(&w);

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		ERROR("%s: %s", path, strerror(errno));
		free(w.order);
		return -1;
	}
	w.e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!w.e || !gelf_newehdr(w.e, elf->elfclass)) {
		ERROR("%s: %s", path, elf_errmsg(-1));
		goto out;
	}
	eh = elf->ehdr;
	eh.e_phnum = 0;
	eh.e_phoff = 0;
	eh.e_shstrndx = elf->shstrtab->idx;
	eh.e_shnum = 0;

	strtab_add(&w.shstr, "");
	strtab_add(&w.str, "");
	for (i = 1; i < elf->nr_sections; i++)
		if (!elf->sections[i]->deleted && write_section(&w, elf->sections[i]))
			goto out;
	write_strtabs(&w);

	if (!gelf_update_ehdr(w.e, &eh)) {
		ERROR("%s: %s", path, elf_errmsg(-1));
		goto out;
	}
	if (elf_update(w.e, ELF_C_WRITE) < 0) {
		ERROR("%s: write: %s", path, elf_errmsg(-1));
		goto out;
	}
	ret = 0;
out:
	if (w.e)
		elf_end(w.e);
	close(fd);
	free(w.order);
	if (ret)
		unlink(path);
	return ret;
}
