/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records that create-diff-object writes into a diff object and that the
 * patch module (klpb-core.c) and klp-convert read back.  See docs/DESIGN.md.
 *
 * Included by kernel C (the patch module) and by the userspace tools.  The
 * tools handle objects of any target, so they never use these structs
 * directly: they use the word offsets below, in units of the target's pointer
 * size.  The structs only use pointers and (unsigned) long, so their layout is
 * the natural one of every arch and the two views agree (checked at compile
 * time in klpb-core.c).
 */
#ifndef KLPB_META_H
#define KLPB_META_H

/* struct klpb_func: one changed function, section .klp.funcs */
#define KLPB_FUNCS_SECTION	".klp.funcs"
#define KLPB_FUNC_OLD_NAME	0	/* -> string in .rodata.klpb.str */
#define KLPB_FUNC_NEW_FUNC	1	/* -> the new function */
#define KLPB_FUNC_OBJNAME	2	/* NULL = vmlinux, else module name */
#define KLPB_FUNC_SYMPOS	3	/* written by klp-convert */
#define KLPB_FUNC_OBJFILE	4	/* object in the build defining old_name */
#define KLPB_FUNC_OLD_ADDR	5	/* in-module core: written by klp-convert
					   --in-module-core; else 0 */
#define KLPB_FUNC_NR_WORDS	6
#define KLPB_FUNC_SIZE(ptrsize)	(KLPB_FUNC_NR_WORDS * (ptrsize))

/* struct klpb_reloc: one deferred relocation, section .klp.relocs */
#define KLPB_RELOCS_SECTION	".klp.relocs"
#define KLPB_STRINGS_SECTION	".klp.strings"
#define KLPB_RELOC_PLACE	0	/* -> section symbol + offset of the place */
#define KLPB_RELOC_NAME		1	/* -> string in .klp.strings */
#define KLPB_RELOC_OBJNAME	2	/* NULL = unknown owner */
#define KLPB_RELOC_OBJFILE	3	/* for local symbols: defining object */
#define KLPB_RELOC_ADDEND	4
#define KLPB_RELOC_NR_WORDS	5	/* pointer-sized words before type/flags */
/* byte offsets of the two 32-bit fields that follow the words */
#define KLPB_RELOC_TYPE_OFF(ptrsize)	(KLPB_RELOC_NR_WORDS * (ptrsize))
#define KLPB_RELOC_FLAGS_OFF(ptrsize)	(KLPB_RELOC_NR_WORDS * (ptrsize) + 4)
/* 48 bytes on 64-bit, 28 on 32-bit (already a multiple of the alignment) */
#define KLPB_RELOC_SIZE(ptrsize)	(KLPB_RELOC_NR_WORDS * (ptrsize) + 8)

#define KLPB_RELOC_F_LOCAL	0x1	/* symbol was local in its object */

/* struct klpb_callback: one callback, section .klp.callbacks (DESIGN.md) */
#define KLPB_CALLBACKS_SECTION	".klp.callbacks"
#define KLPB_CB_TYPE		0
#define KLPB_CB_FN		1
#define KLPB_CB_OBJNAME		2	/* NULL in the source, filled by create-diff-object */
#define KLPB_CB_NR_WORDS	3
#define KLPB_CB_PRE_PATCH	1
#define KLPB_CB_POST_PATCH	2
#define KLPB_CB_PRE_UNPATCH	3
#define KLPB_CB_POST_UNPATCH	4

/* records that steer create-diff-object (kpatch-macros.h); never copied */
#define KLPB_IGNORE_FUNCTIONS_SECTION	".klpb.ignore.functions"
#define KLPB_IGNORE_SECTIONS_SECTION	".klpb.ignore.sections"
#define KLPB_FORCE_SECTION		".klpb.force"

/*
 * Kernels without CONFIG_LIVEPATCH (in-module core, arm64, arm): symbols of
 * modules are reached through slots, words the core fills with the symbol's
 * address when the module is there (at load or from its COMING notifier)
 * and clears when it goes.  klp-convert --in-module-core writes one struct
 * klpb_slot per (object, name, sympos, addend) into .data.klpb_slot_recs,
 * the words into .data.klpb_slot_words (one 4 KB page: one ADRP reaches
 * them all), and points the core's KLPB_SLOTS_SYM at the table.  32-bit
 * arm: a slot word is an ABS32 literal word in the text of patched code,
 * or the word of a veneer "ldr pc, [pc, #-4]; .word"; the core writes it
 * with the kernel's __patch_text_real (docs/DESIGN.md "32-bit arm").
 */
#define KLPB_SLOTS_SYM		"klpb_slot_table"
#define KLPB_SLOT_WORD		0	/* -> the word in .data.klpb_slot_words */
#define KLPB_SLOT_OBJNAME	1
#define KLPB_SLOT_NAME		2
#define KLPB_SLOT_SYMPOS	3	/* 0 = unique, else 1-based in mod->kallsyms */
#define KLPB_SLOT_ADDEND	4
#define KLPB_SLOT_NR_WORDS	5
#define KLPB_SLOTS_MAX		512	/* 8-byte words in one 4 KB page */
/*
 * Unexported vmlinux symbols the core itself needs: a word named
 * KLPB_KADDR_PREFIX<name> defined in the module gets <name>'s address as an
 * anchor relocation from klp-convert --in-module-core.
 */
#define KLPB_KADDR_PREFIX	"klpb_kaddr_"

/* name limits of the kernel's .klp.sym parser (kernel/livepatch/core.c) */
#define KLPB_OBJNAME_MAX	55
#define KLPB_SYMNAME_MAX	511

struct klpb_func {		/* section .klp.funcs, SHF_ALLOC|SHF_WRITE, align 8 */
	const char *old_name;
	void *new_func;
	const char *objname;
	unsigned long sympos;
	const char *objfile;
	unsigned long old_addr;		/* kernels without CONFIG_LIVEPATCH only */
};

struct klpb_slot {		/* .data.klpb_slot_recs, written by klp-convert */
	unsigned long *word;
	const char *objname;
	const char *name;
	unsigned long sympos;
	long addend;
};

struct klpb_slot_table {	/* KLPB_SLOTS_SYM, in the in-module core */
	const struct klpb_slot *slots;
	unsigned long nr;
};

struct klpb_callback {		/* section .klp.callbacks, SHF_ALLOC|SHF_WRITE */
	unsigned long type;
	void *fn;
	const char *objname;
};

struct klpb_reloc {		/* section .klp.relocs, non-alloc, align 8 */
	unsigned long place;
	const char *name;
	const char *objname;
	const char *objfile;
	long addend;
	unsigned int type;
	unsigned int flags;
};

#endif
