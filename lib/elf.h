/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one ELF model shared by create-diff-object and klp-convert.
 *
 * An object is read once into memory (sections, symbols, relocations decoded
 * into linked structures), edited through pointers rather than indices, and
 * written once by elf_write(), which renumbers everything: deleted sections
 * and symbols disappear, locals are ordered before globals, relocation
 * sections are regenerated from their reloc arrays, sh_link/sh_info are
 * recomputed from the pointers.  Index numbers are therefore only valid
 * between a read and the next write.
 *
 * Lookups by name go through hash tables that grow with their entries
 * (several symbols may share a name, so a name lookup walks a chain of equal
 * names).  Lookups by offset, and walks over the relocations of an offset
 * range (for_each_reloc_in), use the sorted per-section arrays (binary
 * search).
 */
#ifndef KLPB_ELF_H
#define KLPB_ELF_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef SHN_LIVEPATCH
#define SHN_LIVEPATCH		0xff20
#endif
#ifndef SHF_RELA_LIVEPATCH
#define SHF_RELA_LIVEPATCH	0x00100000
#endif

struct elf;
struct section;
struct symbol;

struct reloc {
	struct section *rsec;		/* the SHT_RELA section holding it (SHT_REL
					   on disk: see struct elf's rel) */
	uint64_t offset;		/* in rsec->base */
	unsigned int type;
	int64_t addend;
	struct symbol *sym;
	bool deleted;
};

struct symbol {
	struct elf *elf;
	char *name;
	unsigned int idx;		/* index at read time / after write */
	unsigned char type;		/* STT_* */
	unsigned char bind;		/* STB_* */
	unsigned char other;		/* st_other (visibility, ppc64 local entry) */
	uint16_t shndx;			/* special st_shndx when sec == NULL */
	struct section *sec;		/* defining section, NULL if special */
	uint64_t offset;		/* st_value */
	uint64_t size;
	bool deleted;

	/* create-diff-object state */
	struct symbol *twin;		/* correlated symbol in the other object */
	struct symbol *kern;		/* ORIG <-> the kernel's own object (kernel.c) */
	struct symbol *clone;		/* copy in the output object */
	int status;			/* enum status in create-diff-object */
	bool include;
	bool strip;
	bool notrace_copy;		/* included without being redirected */
	bool notrace_seen;

	struct symbol *hash_next;	/* chain of the name hash table */
};

struct section {
	struct elf *elf;
	char *name;
	unsigned int idx;
	GElf_Shdr sh;			/* sh_link/sh_info/sh_name recomputed on write */
	unsigned char *data;		/* owned copy of the contents (NULL for NOBITS) */
	size_t size;			/* == sh.sh_size */
	bool deleted;

	struct section *link;		/* sh_link as a pointer (symtab, LINK_ORDER target) */
	struct section *base;		/* relocation sections: the section they relocate */
	struct section *rela;		/* the relocation section that relocates this one */
	struct symbol *secsym;		/* STT_SECTION symbol of this section, if any */
	struct symbol *group_sym;	/* SHT_GROUP: signature symbol (sh_info) */

	struct reloc *relocs;		/* relocation sections: sorted by offset when
					   read; elf_add_reloc() appends, elf_write()
					   and elf_sort_relocs() sort */
	size_t nr_relocs, alloc_relocs;

	struct symbol **syms;		/* symbols defined here, sorted by offset */
	size_t nr_syms, alloc_syms;

	/* create-diff-object state */
	struct section *twin;
	struct section *clone;
	int status;
	bool include;
	bool owner_known;		/* owner is section_owner()'s answer */
	struct symbol *owner;
	int64_t *ftrace_sites;		/* offsets of the ftrace sites listed for
					   this section, sorted (create-diff-object
					   ftrace.c, once elf->ftrace_sites_indexed) */
	size_t nr_ftrace_sites;
	signed char labels_shared;	/* output.c: 0 not decided, 1 its labels
					   stay the running object's, -1 copied */

	struct section *hash_next;
};

struct elf {
	char *path;
	GElf_Ehdr ehdr;
	int elfclass;			/* ELFCLASS32/64 */
	bool big_endian;
	/*
	 * SHT_REL on disk (32-bit arm ET_REL): relocation sections are RELA
	 * in the model (".rela<base>", addend in reloc->addend, zero in the
	 * field's bits), read and written as REL (lib/rel.c)
	 */
	bool rel;

	struct section **sections;	/* index order at read time, appended after */
	size_t nr_sections, alloc_sections;
	struct symbol **symbols;	/* symbol table order */
	size_t nr_symbols, alloc_symbols;

	struct section *symtab, *strtab, *shstrtab;

	/* hash tables by name: buckets (powers of two) and entries */
	struct section **sec_hash;
	struct symbol **sym_hash;
	size_t sec_hash_size, nr_sec_hashed;
	size_t sym_hash_size, nr_sym_hashed;

	/* create-diff-object state */
	bool ftrace_sites_indexed;	/* section->ftrace_sites are filled */
};

/* Reading, writing, freeing */
struct elf *elf_read(const char *path);
/* the same with the section headers, symbols and string tables only: no
 * other section's contents (data NULL) and no relocations (for lookups in
 * a linked vmlinux or module) */
struct elf *elf_read_symbols(const char *path);
struct elf *elf_create_like(const struct elf *tmpl, const char *path);
int elf_write(struct elf *elf, const char *path);
void elf_free(struct elf *elf);

/* Lookups */
struct section *find_section(const struct elf *elf, const char *name);
struct symbol *find_symbol(const struct elf *elf, const char *name);
struct symbol *find_symbol_next(const struct symbol *sym); /* next with same name */
struct symbol *find_symbol_by_index(const struct elf *elf, unsigned int idx);
struct section *find_section_by_index(const struct elf *elf, unsigned int idx);
struct symbol *find_func_containing(const struct section *sec, uint64_t offset);
struct symbol *find_symbol_at(const struct section *sec, uint64_t offset);
struct reloc *find_reloc(const struct section *sec, uint64_t offset);
/* first relocation of sec with offset in [start, end) or NULL */
struct reloc *find_reloc_range(const struct section *sec, uint64_t start, uint64_t end);
/* first relocation of sec at or after offset, deleted ones included, or NULL */
struct reloc *find_reloc_from(const struct section *sec, uint64_t offset);
/*
 * Each relocation of sec with offset in [start, end), deleted ones included,
 * in offset order: a binary search for the first, then the array, instead of
 * a pass over every relocation of the section.  The relocations must be
 * sorted, as elf_read() and elf_sort_relocs() leave them.
 */
#define for_each_reloc_in(sec, r, start, end)					\
	for ((r) = find_reloc_from((sec), (start));				\
	     (r) && (r) < (sec)->rela->relocs + (sec)->rela->nr_relocs &&	\
	     (r)->offset < (end); (r)++)

/* Construction */
struct section *elf_add_section(struct elf *elf, const char *name, unsigned int type,
				uint64_t flags, uint64_t entsize, uint64_t align,
				const void *data, size_t size);
struct section *elf_add_rela_section(struct elf *elf, struct section *base);
struct symbol *elf_add_symbol(struct elf *elf, const char *name, unsigned char type,
			      unsigned char bind, struct section *sec, uint16_t shndx,
			      uint64_t offset, uint64_t size);
struct symbol *elf_section_symbol(struct elf *elf, struct section *sec);
struct reloc *elf_add_reloc(struct section *base, uint64_t offset, unsigned int type,
			    struct symbol *sym, int64_t addend);
/* the same into relocation section rsec (a .klp.rela section, not base->rela) */
struct reloc *elf_append_reloc(struct section *rsec, uint64_t offset, unsigned int type,
			       struct symbol *sym, int64_t addend);
void elf_sort_relocs(struct section *rsec);
int elf_section_resize(struct section *sec, size_t size);
void elf_rename_symbol(struct symbol *sym, const char *name);
void elf_rename_section(struct section *sec, const char *name);
/* Append to a section, returns the offset of the appended bytes (aligned). */
uint64_t elf_section_append(struct section *sec, const void *data, size_t size,
			    size_t align);

/* Target-endian scalar access to section contents */
uint64_t elf_read_word(const struct elf *elf, const void *p, size_t size);
void elf_write_word(const struct elf *elf, void *p, size_t size, uint64_t val);
static inline size_t elf_addr_size(const struct elf *elf)
{
	return elf->elfclass == ELFCLASS64 ? 8 : 4;
}

/* Helpers */
static inline bool is_rela_section(const struct section *sec)
{
	return sec->sh.sh_type == SHT_RELA;
}
static inline bool is_text_section(const struct section *sec)
{
	return (sec->sh.sh_flags & SHF_EXECINSTR) != 0;
}
static inline bool is_func(const struct symbol *sym)
{
	return sym->type == STT_FUNC;
}
/* Relocation target as "symbol + addend" with section symbols resolved to the
 * symbol covering that offset when one exists (data, functions). */
const char *reloc_target_name(const struct reloc *r, char *buf, size_t len);

#endif
