/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The narrow per-architecture interface.  Each architecture lives in its own
 * file (arch/<name>.c) and fills one struct arch; nothing outside arch/
 * switches on the machine type.
 */
#ifndef KLPB_ARCH_H
#define KLPB_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "elf.h"

/*
 * A special section: a table whose entries describe code (bug sites,
 * exception fixups, patch sites...).  The diff object keeps exactly the
 * entries that belong to included functions.  Entry sizes come from the
 * kernel's own headers (klpb-sizes.o, see kmod-template/klpb-sizes.c), from a
 * fixed ABI size, or from the section's sh_entsize, never from guesses.
 */
struct special_section {
	const char *name;
	/* name in the patch module, when the module loader looks for the
	 * table under another name than the compiler emits (default: name) */
	const char *output_name;
	const char *size_name;		/* klpb_size_<size_name> from --sizes */
	unsigned int size;		/* fixed entry size in bytes */
	unsigned int pointer_words;	/* entry is this many pointers */
	int objname_word;		/* word to point at the object's name (0: none) */
	/*
	 * Entries that point at a record without code references (printk
	 * index): the owner is the function named by the __func__ string
	 * that word func_name_word of the record points at.
	 */
	bool owner_by_func_name;
	unsigned int func_name_word;
	/*
	 * Words hold code offsets from the START of the entry ("label -
	 * entry"), not from themselves: a PC-relative relocation of word k
	 * then carries k's offset in the entry in its addend (ppc64 feature
	 * fixups).
	 */
	bool entry_relative;
	/*
	 * Bit k set: word k (pointer-sized) of an entry may carry a
	 * relocation; a kept entry with a relocation in another word is
	 * refused (0: any word).  arm .alt.smp.init: word 1 is an
	 * instruction the kernel copies to another place.
	 */
	unsigned int reloc_words;
	/*
	 * A kept entry the kernel would apply wrongly to the copy: ENTRY (es
	 * bytes) describes the code at CODE_OFF of a function of FUNC_SIZE
	 * bytes; returns false, or true with the reason in WHY.
	 */
	bool (*entry_refused)(const unsigned char *entry, int64_t code_off, uint64_t func_size,
			      char *why, size_t why_len);
	const char *companion;		/* parallel table without relocations */
	const char *companion_size_name;
	unsigned int companion_size;
};

/* an instruction that loads an immediate, and the immediate's bytes in it */
struct imm_load {
	size_t start, len;		/* the instruction, in the buffer */
	size_t imm_off, imm_len;	/* the immediate, in the instruction */
};

struct arch {
	const char *name;		/* klp-build's -a name */
	unsigned int machine;		/* e_machine */
	int elfclass;

	/* absolute, pointer-sized relocation (metadata pointer fields) */
	unsigned int abs_reloc;

	/*
	 * The ftrace site every traceable function starts with: a call of
	 * fentry_name (a relocation within ftrace_window bytes of the
	 * symbol), or - fentry_name NULL - a nop the compiler emits without
	 * relocation and lists in __mcount_loc (s390 -mnop-mcount).
	 */
	const char *fentry_name;
	/*
	 * With fentry_name NULL: the section that lists the sites, one
	 * pointer each (NULL: "__mcount_loc"; arm64:
	 * "__patchable_function_entries").
	 */
	const char *ftrace_sites;

	/* bytes of the instruction/data field a relocation type writes */
	unsigned int (*reloc_size)(unsigned int type);

	/*
	 * Offset inside the referenced section that a relocation against a
	 * section symbol really points at (undoes PC-relative biases).
	 */
	int64_t (*reloc_target_offset)(const struct reloc *r);

	/* a direct call or branch (it may go to the new copy of a function) */
	bool (*is_call_reloc)(const struct reloc *r);

	/* a PC-relative relocation (place-dependent) */
	bool (*is_pcrel_reloc)(unsigned int type);

	/*
	 * A relocation to a GOT slot of its symbol (s390 R_390_GOTENT): the
	 * slot holds the symbol's address, so the symbol must be exactly
	 * the target; the addend is the instruction's bias only.
	 */
	bool (*is_got_reloc)(unsigned int type);

	/*
	 * If byte pos of buf (a function's code) lies in an instruction that
	 * loads an immediate into an argument register (how __LINE__ reaches
	 * a call), return true with that instruction's extent and where in it
	 * the immediate is.
	 */
	bool (*immediate_load)(const unsigned char *buf, size_t size, size_t pos,
			       struct imm_load *insn);
	/*
	 * How far before such a load the call of the __LINE__ consumer may
	 * start (ppc64: GCC loads the callee's .toc slot into r12 first),
	 * and whether a call instruction lies in [start, end) of a section
	 * (the load and the consumer's call must not be separated by one).
	 */
	unsigned int line_call_before;
	bool (*call_between)(const struct section *sec, uint64_t start, uint64_t end);

	/*
	 * Relocation fields share bytes with opcode bits (ppc64: a REL24
	 * field inside a "bl", the low two bits of a TOC16_LO_DS field
	 * select ld/ldu/lwa).  The place is then never cleared nor masked:
	 * RELA objects hold zero in the field itself, and the loaders
	 * replace only the field bits.
	 */
	bool reloc_field_in_insn;

	/*
	 * A table of address slots that code reaches TOC-relative (ppc64
	 * ".toc", filled by R_PPC64_ADDR64 relocations): a code reference
	 * to a slot is a reference to what the slot's relocation points at.
	 * is_toc_reloc tells the relocation types that reference a slot.
	 */
	const char *toc_section;
	bool (*is_toc_reloc)(unsigned int type);
	/*
	 * A code reference to a slot that loads a function address to call
	 * it (ppc64: into r12, the register of indirect calls), as opposed
	 * to taking the address.
	 */
	bool (*toc_ref_is_call)(const struct reloc *r);

	/*
	 * Undefined symbols that the module link or the loader define (ppc64:
	 * ".TOC.", the out-of-line register save/restore functions): they stay
	 * ordinary undefined references.
	 */
	bool (*is_link_symbol)(const char *name);

	/* the ftrace call is within this many bytes of a function's symbol */
	unsigned int ftrace_window;

	/*
	 * A relocation of patched code that will reach something outside the
	 * patch module (through a livepatch or an ordinary relocation): NULL
	 * when the loader can do that, else why not (a sibling call through
	 * a stub, a call without the slot to restore the TOC pointer).
	 */
	const char *(*external_reloc_problem)(const struct reloc *r, const char *name);

	/*
	 * The form of a relocation at place of sec (output code or data)
	 * that reaches outside the patch module, for a loader that must
	 * apply it correctly: far - the target may be vmlinux, beyond any
	 * PC-relative reach of a module (s390 6.1: about 4 TB); !far - the
	 * target is another module, whose livepatch relocations are applied
	 * again at each of its loads (a slot the loader fills once would
	 * keep the first address).  May rewrite the instruction in sec;
	 * returns the relocation type to use, or -1 with *why.  NULL: every
	 * relocation type works as it is.
	 */
	int (*outside_reloc)(struct section *sec, uint64_t place, unsigned int type, bool far,
			     const char **why);

	/*
	 * Unwind index sections named after their text section (arm:
	 * ".ARM.exidx" + ".text.f", SHF_LINK_ORDER): a function's index is
	 * copied with the function and named after its copy (the module
	 * loader pairs them by name).  NULL: none.
	 */
	const char *unwind_index;
	/* their out-of-line entries (arm: ".ARM.extab" + ".text.f"),
	 * reached from the index and copied as its data */
	const char *unwind_table;

	/* special sections of this architecture (the generic ones are in
	 * create-diff-object/special.c) */
	const struct special_section *special;
	unsigned int nr_special;
};

/*
 * What klp-build knows of each architecture it recognises, back-end or not:
 * the one place the driver and the tests read it from (create-diff-object
 * --arch-info).
 */
struct arch_info {
	const char *name;		/* klp-build's -a name */
	const char *aliases;		/* other accepted names, uname -m's among them */
	const char *kernel_arch;	/* kbuild's ARCH= */
	const char *srcarch;		/* arch/<srcarch>/ in the kernel tree */
	const char *cross_compile;	/* Debian's cross toolchain prefix */
	const char *boot_image;		/* the image a test boots, in the build dir */
	const char *kconfig;		/* lines every .config for this arch has */
	/*
	 * Flags added to both sides of the diff (before -c): the diff pair is
	 * then compiled unlike the kernel's own objects, and create-diff-object
	 * gets those as --built-orig/--built-patched (DESIGN.md "The kernel's
	 * own objects").
	 */
	const char *diff_cflags;
	/*
	 * Flags added on top of diff_cflags for the objects of MODULES only
	 * (NULL: none).  arm64: -mcmodel=large, so that patched code reaches
	 * every symbol through an 8-byte literal that klp-convert can point
	 * at a slot when the symbol is a module's (DESIGN.md "arm64").
	 */
	const char *module_diff_cflags;
	/*
	 * Kernels of this arch without CONFIG_LIVEPATCH get klp-build's own
	 * core in the patch module (kmod-template/klpb-ftrace.c: ftrace
	 * redirection, /sys/kernel/livepatch) and klp-convert
	 * --in-module-core; false: such kernels are refused.
	 */
	bool in_module_core;
	const struct arch *backend;	/* NULL: recognised, not supported yet */
	const char *no_backend;		/* why, when backend is NULL */
};

const struct arch *arch_find(unsigned int machine);
/* by -a name or alias; NULL if unknown */
const struct arch_info *arch_info_find(const char *name);
const struct arch_info *arch_info_at(unsigned int i);	/* NULL past the end */

extern const struct arch arch_x86_64;
extern const struct arch arch_ppc64le;
extern const struct arch arch_s390x;
extern const struct arch arch_arm64;
extern const struct arch arch_arm;

#endif
