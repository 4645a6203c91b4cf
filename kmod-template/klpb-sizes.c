// SPDX-License-Identifier: GPL-2.0
/*
 * Entry sizes of the kernel's special sections, as this kernel (config,
 * arch, version) defines them.  Compiled with the kernel's own flags in the
 * module build dir, never linked into a module: create-diff-object --sizes
 * reads each klpb_size_<struct> symbol's contents (one unsigned long, target
 * byte order) to split special sections into entries without hard-coding
 * struct layouts that change between versions and configs.
 *
 * Every definition is guarded by the option that makes the struct exist, so
 * the file compiles on any config; a missing symbol means "this kernel has no
 * such section".
 */
#include <linux/bug.h>
#include <linux/uaccess.h>	/* struct exception_table_entry, via asm/uaccess.h */
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/static_call_types.h>
#include <linux/version.h>

#define KLPB_SIZE(name) \
	const unsigned long klpb_size_##name = sizeof(struct name)

/* __bug_table */
#ifdef CONFIG_GENERIC_BUG
KLPB_SIZE(bug_entry);
#endif

/* __ex_table */
KLPB_SIZE(exception_table_entry);

/* __jump_table */
#ifdef CONFIG_JUMP_LABEL
KLPB_SIZE(jump_entry);
#endif

/* .altinstructions (the arches that have struct alt_instr) */
#if defined(CONFIG_X86) || defined(CONFIG_ARM64) || defined(CONFIG_S390)
#include <asm/alternative.h>
KLPB_SIZE(alt_instr);
#endif

/* .parainstructions: x86 only, removed in 6.8 (paravirt calls became alternatives) */
#if defined(CONFIG_X86) && defined(CONFIG_PARAVIRT) && \
	LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
#include <asm/paravirt_types.h>
KLPB_SIZE(paravirt_patch_site);
#endif

/* .static_call_sites */
#ifdef CONFIG_HAVE_STATIC_CALL_INLINE
KLPB_SIZE(static_call_site);
#endif

/* .orc_unwind (entries) / .orc_unwind_ip (one s32 each) */
#if defined(CONFIG_X86) && defined(CONFIG_UNWINDER_ORC)
#include <asm/orc_types.h>
KLPB_SIZE(orc_entry);
#endif

/* .printk_index */
#ifdef CONFIG_PRINTK_INDEX
KLPB_SIZE(pi_entry);
#endif
