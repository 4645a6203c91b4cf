/* SPDX-License-Identifier: GPL-2.0 */
/*
 * create-diff-object: state shared by its passes.
 *
 *   correlate.c  pair symbols and sections of ORIG and PATCHED
 *   kernel.c     the objects as the kernel contains them (names, changes)
 *   compare.c    decide what changed (position independent)
 *   include.c    choose what goes into the output and why
 *   ftrace.c     which functions have an ftrace site (can be redirected)
 *   refs.c       reverse edges: what refers to each symbol (built once)
 *   special.c    special sections: which entries belong to included code
 *   output.c     build the diff object, livepatch records, metadata
 *   symvers.c    exported symbols (Module.symvers)
 *   sizes.c      special-section entry sizes from the kernel's own headers
 */
#ifndef KLPB_CDO_H
#define KLPB_CDO_H

#include "arch.h"
#include "elf.h"
#include "util.h"

enum status { SAME = 0, CHANGED, NEW };

struct symvers;

struct cdo {
	const struct arch *arch;
	struct elf *orig, *patched, *out;
	const char *objname;		/* "vmlinux" or module name */
	const char *objfile;		/* e.g. fs/proc/cmdline.o */
	struct symvers *symvers;
	struct elf *sizes;		/* klpb-sizes.o, optional */
	/*
	 * The kernel's own object and the patched source compiled like it,
	 * when ORIG/PATCHED were compiled with other flags (kernel.c);
	 * NULL when ORIG is what the kernel contains.
	 */
	struct elf *built_orig, *built_patched;
	bool quiet;			/* a helper pass: no notes on stderr */

	unsigned int nr_changed, nr_new;
	unsigned int nr_klp_relocs;

	/* output-side helper sections */
	struct section *funcs;		/* .klp.funcs */
	struct section *relocs;		/* .klp.relocs */
	struct section *strings;	/* .klp.strings (non-alloc) */
	struct section *rostr;		/* .rodata.klpb.str (alloc) */

	/*
	 * The output's TOC slots (ppc64 .toc): copied one by one on first
	 * use, twice at most: once for calls, once for address references
	 * (which keep the original address of a changed function).
	 */
	struct section *toc;
	int64_t *toc_map;		/* [slot * 2 + is_call] -> output offset, or -1 */
	size_t toc_map_len;		/* slots */
	bool address_slot;		/* converting a slot read as an address */
};

/*
 * Where a relocation really points, independent of how the assembler spelled
 * it (section symbol + offset or symbol + addend).
 */
enum target_kind {
	T_SYMBOL,	/* a function/object symbol (or undefined); addend is symbol-relative */
	T_STRING,	/* a string inside a mergeable string section */
	T_ANON,		/* an offset inside a section without covering symbol */
};

struct target {
	enum target_kind kind;
	struct symbol *sym;		/* T_SYMBOL */
	struct section *sec;		/* T_STRING, T_ANON */
	int64_t addend;			/* symbol- or section-relative addend */
	int64_t offset;			/* T_STRING: offset of the string */
};

/* correlate.c */
int correlate(struct cdo *cdo);
struct symbol *section_owner(const struct section *sec);
void unit_range(const struct symbol *sym, uint64_t *start, uint64_t *len);
void resolve_target(const struct cdo *cdo, const struct reloc *r, struct target *t);
bool is_toc_section(const struct cdo *cdo, const struct section *sec);
bool toc_slot_ref(const struct cdo *cdo, const struct reloc *r, uint64_t *slot);

/* kernel.c */
int kernel_read(struct cdo *cdo, const char *built_orig, const char *built_patched);
int kernel_bridge(struct cdo *cdo);
int kernel_changes(struct cdo *cdo);
struct symbol *kernel_symbol(const struct cdo *cdo, struct symbol *orig_sym);
bool kernel_lacks(const struct cdo *cdo, const struct symbol *patched_sym);
bool is_ipa_clone(const char *name);

/* compare.c */
int compare(struct cdo *cdo);
bool range_equal(const struct cdo *cdo, struct section *os, uint64_t o_start,
		 struct section *ps, uint64_t p_start, uint64_t size);

/* include.c */
int include_changes(struct cdo *cdo);
bool symbol_is_unit(const struct symbol *sym);

/* ftrace.c */
bool has_ftrace_site(const struct cdo *cdo, const struct symbol *func);

/* refs.c: for each symbol of elf, the items that refer to it (see refs.c) */
struct ref_edge;
struct refs {
	const struct elf *elf;
	size_t nr_symbols;		/* of elf when finished */
	size_t *first, *end;		/* symbol i: item[first[i] .. end[i]) */
	void **item;
	struct ref_edge *edges;		/* added, not sorted yet */
	size_t nr_edges, alloc_edges;
};
void refs_init(struct refs *refs, const struct elf *elf);
void refs_add(struct refs *refs, const struct symbol *to, void *item);
void refs_finish(struct refs *refs);
size_t refs_of(const struct refs *refs, const struct symbol *to, void *const **items);
void refs_free(struct refs *refs);

/* special.c */
const struct special_section *find_special(const struct cdo *cdo, const char *name);
int special_entry_size(const struct cdo *cdo, const struct section *sec,
		       const char *size_name, unsigned int fixed, unsigned int pointer_words);
int emit_special_sections(struct cdo *cdo);
bool section_is_ignored(const char *name);

/* output.c */
int output_begin(struct cdo *cdo);
int output_units(struct cdo *cdo);
int output_convert_relocs(struct cdo *cdo, struct section *from, uint64_t start,
			  uint64_t end, struct section *to, int64_t delta);
int output_finish(struct cdo *cdo, const char *path);
int output_include_anon(struct cdo *cdo, struct section *sec);
void output_objname_pointer(struct cdo *cdo, struct section *sec, uint64_t off);

/* include.c */
int apply_author_records(struct cdo *cdo);

/* symvers.c */
struct symvers *symvers_read(const char *path);
/* module that exports name: "vmlinux", a module name, or NULL */
const char *symvers_owner(const struct symvers *sv, const char *name);

/* sizes.c */
int sizes_lookup(const struct cdo *cdo, const char *name, uint64_t *size);

/* name helpers */
struct symbol *cold_parent(const struct symbol *sym);
const char *strip_suffix_number(const char *name, char *buf, size_t len);

#endif
