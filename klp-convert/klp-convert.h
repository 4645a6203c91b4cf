/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klp-convert: state shared by its parts.
 *
 *   main.c     options, the order of the steps
 *   records.c  decode the klpb_func / klpb_reloc records of the module
 *   symdb.c    symbol tables of the original kernel as kallsyms sees them
 *              (owner object, STT_FILE attribution, sympos)
 *   convert.c  write .klp.rela.* / .klp.sym.* and sympos, drop the records
 */
#ifndef KLPB_KLP_CONVERT_H
#define KLPB_KLP_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arch.h"
#include "elf.h"
#include "util.h"

/* ---- records.c ---------------------------------------------------------- */

/* one struct klpb_func of .klp.funcs */
struct func_rec {
	uint64_t offset;		/* of the entry in .klp.funcs */
	const char *old_name;
	const char *objname;		/* NULL = vmlinux */
	const char *objfile;
	unsigned long sympos;		/* written by convert() */
};

/* one struct klpb_reloc of .klp.relocs */
struct reloc_rec {
	uint64_t offset;		/* of the entry in .klp.relocs (messages) */
	struct section *sec;		/* the place: section ... */
	uint64_t place;			/* ... and offset in it */
	const char *name;
	const char *objname;		/* NULL = unknown owner */
	const char *objfile;
	int64_t addend;
	unsigned int type;
	unsigned int flags;
	/* set by convert() when the record became a livepatch relocation */
	const char *klp_objname;	/* the object it resolved in, or NULL */
	unsigned long sympos;
};

struct records {
	struct section *funcs;		/* .klp.funcs or NULL */
	struct section *relocs;		/* .klp.relocs or NULL */
	struct func_rec *func;
	size_t nr_funcs;
	struct reloc_rec *reloc;
	size_t nr_relocs;
};

int records_read(struct elf *elf, struct records *recs);
/* 1 if a .klp.callbacks entry names objname, 0 if none, -1 on error */
int records_callbacks_of(struct elf *elf, const char *objname);
void records_free(struct records *recs);

/* ---- symdb.c ------------------------------------------------------------ */

struct symdb;

/* What a record knows about the symbol it needs. */
struct symreq {
	const char *name;
	const char *objname;	/* "vmlinux", a module, or NULL = search */
	const char *objfile;	/* object of the build defining it, or NULL */
	bool local;		/* was local in objfile: find it in objfile's
				   STT_FILE block */
	bool func;		/* a .klp.funcs entry: local or global, a function */
};

struct symres {
	const char *objname;	/* "vmlinux" or a module name (owned by the db) */
	unsigned long sympos;	/* 0 = unique, else 1-based position */
	unsigned char type;	/* STT_* of the symbol found */
	uint64_t addr;		/* its link-time address (vmlinux only) */
};

struct symdb *symdb_open(const char *build);
void symdb_free(struct symdb *db);
/*
 * Announce every local name a request will look for in (objname, objfile)
 * before resolving: when several STT_FILE blocks carry objfile's source
 * name, the block that holds all of them is the object.  maybe = the name may
 * as well be global (a function record).
 */
void symdb_need(struct symdb *db, const char *objname, const char *objfile,
		const char *name, bool maybe);
int symdb_resolve(struct symdb *db, const struct symreq *req, struct symres *res);
/* the link-time address of a global symbol vmlinux defines; -1 if none */
int symdb_vmlinux_global(struct symdb *db, const char *name, uint64_t *addr);
/* the same without an error message when there is none */
int symdb_vmlinux_find(struct symdb *db, const char *name, uint64_t *addr);

/* ---- convert.c ---------------------------------------------------------- */

/*
 * in_module_core: the kernel has no CONFIG_LIVEPATCH; the patch module's
 * own core (kmod-template/klpb-ftrace.c) redirects the functions, and
 * references to vmlinux become ordinary relocations the module loader
 * applies (see convert.c).
 */
int convert(struct elf *elf, const struct arch *arch, struct symdb *db,
	    struct records *recs, bool in_module_core);
/* --list: one line per function record and per livepatch symbol */
void convert_list(FILE *f, const struct records *recs);

/* ---- slots.c (--in-module-core, arm64 and arm: symbols of modules) -------- */

struct slots;

struct slots *slots_new(struct elf *elf);
void slots_free(struct slots *s);
/* rec resolved to res in a module: route it through a slot */
int slots_reloc(struct slots *s, const struct reloc_rec *rec, const struct symres *res);
/* the slot table, pointed at by the core's KLPB_SLOTS_SYM */
int slots_finish(struct slots *s, const struct records *recs);

/* "vmlinux" for NULL */
static inline const char *objname_str(const char *objname)
{
	return objname ? objname : "vmlinux";
}

#endif
