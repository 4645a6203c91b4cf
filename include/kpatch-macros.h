/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpatch compatibility for klp-build: patches written for kpatch-build that
 * do `#include "kpatch-macros.h"` build unchanged.  Everything maps onto
 * klp-build's own helpers (<linux/livepatch_helpers.h>) and records
 * (docs/DESIGN.md "Callbacks and patch-author records"):
 *
 *	KPATCH_PRE_PATCH_CALLBACK(fn)	int fn(patch_object *obj)  (= KLP_PRE_PATCH_CALLBACK)
 *	KPATCH_POST_PATCH_CALLBACK(fn)	void fn(patch_object *obj)
 *	KPATCH_PRE_UNPATCH_CALLBACK(fn)	void fn(patch_object *obj)
 *	KPATCH_POST_UNPATCH_CALLBACK(fn) void fn(patch_object *obj)
 *	KPATCH_IGNORE_FUNCTION(fn)	changes of fn are ignored (.klpb.ignore.functions)
 *	KPATCH_IGNORE_SECTION("sec")	changes of section sec are ignored (.klpb.ignore.sections)
 *	KPATCH_FORCE_UNSAFE(fn)		accepted and reported, no effect (.klpb.force):
 *					the kernel's consistency model checks the stacks
 *	KPATCH_PRINTK(fmt, ...)		printk on a path of its own
 *	KPATCH_SYSCALL_DEFINEn(...)	see kpatch-syscall.h (included here, as kpatch does)
 *
 * patch_object is struct klp_object.  As with kpatch, the macros may be
 * followed by a semicolon or not.
 */
#ifndef __KPATCH_MACROS_H_
#define __KPATCH_MACROS_H_

#include <linux/compiler.h>
#include <linux/jiffies.h>
#include <linux/livepatch.h>
#include <linux/printk.h>
#include <linux/version.h>
#include <linux/livepatch_helpers.h>

typedef struct klp_object patch_object;

typedef int (*kpatch_pre_patch_call_t)(patch_object *obj);
typedef void (*kpatch_post_patch_call_t)(patch_object *obj);
typedef void (*kpatch_pre_unpatch_call_t)(patch_object *obj);
typedef void (*kpatch_post_unpatch_call_t)(patch_object *obj);

#define KPATCH_PRE_PATCH_CALLBACK(fn)	KLP_PRE_PATCH_CALLBACK(fn);
#define KPATCH_POST_PATCH_CALLBACK(fn)	KLP_POST_PATCH_CALLBACK(fn);
#define KPATCH_PRE_UNPATCH_CALLBACK(fn)	KLP_PRE_UNPATCH_CALLBACK(fn);
#define KPATCH_POST_UNPATCH_CALLBACK(fn) KLP_POST_UNPATCH_CALLBACK(fn);

#define KPATCH_IGNORE_FUNCTION(fn)	__KLPB_PTR_RECORD(KLPB_IGNORE_FUNCTIONS_SECTION, fn);
#define KPATCH_IGNORE_SECTION(sec)	__KLPB_PTR_RECORD(KLPB_IGNORE_SECTIONS_SECTION, sec);
#define KPATCH_FORCE_UNSAFE(fn)		__KLPB_PTR_RECORD(KLPB_FORCE_SECTION, fn);

/*
 * printk() is __cold: GCC treats a path that calls it as unlikely and may
 * move the surrounding code to .text.unlikely or stop inlining into it,
 * which makes unrelated code look changed.  Behind a condition the compiler
 * cannot evaluate (jiffies is volatile), only the printk branch is cold.
 */
#define KPATCH_PRINTK(fmt, ...)							\
	({									\
		if (jiffies != 0)						\
			printk(fmt, ##__VA_ARGS__);				\
	})

#include "kpatch-syscall.h"

#endif /* __KPATCH_MACROS_H_ */
