// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime core of every klp-build patch module.
 *
 * The diff objects carry one struct klpb_func per changed function in
 * .klp.funcs (sympos already written by klp-convert).  At init this file
 * turns that flat array into the nested, NULL-terminated klp_patch /
 * klp_object / klp_func arrays the livepatch API wants and enables the patch;
 * the kernel then resolves the .klp.rela.* sections and redirects the
 * functions.  Everything is allocated here and freed at module exit, when the
 * livepatch core has released the patch (it holds a module reference until
 * then).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "klpb-meta.h"

/* 1 = atomic replace of all earlier livepatches; --no-replace passes 0 */
#ifndef KLPB_REPLACE
#define KLPB_REPLACE 1
#endif

/* sentinels from klpb-begin.o / klpb-end.o around the diff objects' entries */
extern struct klpb_func __klpb_funcs_begin[], __klpb_funcs_end[];

static struct klp_patch *klpb_patch;

/*
 * NULL objname means vmlinux.  A record spelling out "vmlinux" means the
 * same; klp_object.name must then be NULL, or the livepatch core would wait
 * for a module called vmlinux.
 */
static const char *klpb_objname(const struct klpb_func *f)
{
	return f->objname && strcmp(f->objname, "vmlinux") ? f->objname : NULL;
}

static bool klpb_same_obj(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

/*
 * Extension point for later features (callbacks, shadow variable helpers):
 * called once per object after its functions are filled, before the patch is
 * enabled.  A feature that needs per-object setup (e.g. filling
 * obj->callbacks from its own record section, which klp_object still has in
 * 6.1 and 6.12) adds it here; returning an error aborts the module load.
 */
static int klpb_setup_object(struct klp_object *obj)
{
	return 0;
}

/* Same, once for the patch (e.g. klp_patch.states for shadow variables). */
static int klpb_setup_patch(struct klp_patch *patch)
{
	return 0;
}

static void klpb_free(struct klp_patch *patch)
{
	struct klp_object *obj;

	if (!patch)
		return;
	if (patch->objs) {
		for (obj = patch->objs; obj->funcs || obj->name; obj++)
			kfree(obj->funcs);
		kfree(patch->objs);
	}
	kfree(patch);
}

/* Fill obj->funcs with the entries of objname; returns the count or -errno. */
static int klpb_fill_object(struct klp_object *obj, const char *objname,
			    const struct klpb_func *begin, const struct klpb_func *end)
{
	const struct klpb_func *f;
	struct klp_func *func;
	unsigned long n = 0;

	for (f = begin; f < end; f++)
		if (klpb_same_obj(klpb_objname(f), objname))
			n++;

	/* one more, zeroed, as the terminator klp_for_each_func_static wants */
	obj->funcs = kcalloc(n + 1, sizeof(*obj->funcs), GFP_KERNEL);
	if (!obj->funcs)
		return -ENOMEM;
	obj->name = objname;

	func = obj->funcs;
	for (f = begin; f < end; f++) {
		if (!klpb_same_obj(klpb_objname(f), objname))
			continue;
		func->old_name = f->old_name;
		func->new_func = f->new_func;
		func->old_sympos = f->sympos;
		func++;
	}
	return n;
}

static struct klp_patch *klpb_build_patch(const struct klpb_func *begin,
					  const struct klpb_func *end)
{
	const struct klpb_func *f, *g;
	struct klp_patch *patch;
	unsigned long nr_objs = 0, i = 0;
	int ret;

	patch = kzalloc(sizeof(*patch), GFP_KERNEL);
	if (!patch)
		return ERR_PTR(-ENOMEM);

	/* count distinct objects: an entry is the first of its object ... */
	for (f = begin; f < end; f++) {
		for (g = begin; g < f; g++)
			if (klpb_same_obj(klpb_objname(g), klpb_objname(f)))
				break;
		if (g == f)
			nr_objs++;
	}

	patch->mod = THIS_MODULE;
	patch->replace = KLPB_REPLACE;
	patch->objs = kcalloc(nr_objs + 1, sizeof(*patch->objs), GFP_KERNEL);
	if (!patch->objs) {
		ret = -ENOMEM;
		goto err;
	}

	/* ... and objects appear in the order of their first entry */
	for (f = begin; f < end; f++) {
		struct klp_object *obj = &patch->objs[i];

		for (g = begin; g < f; g++)
			if (klpb_same_obj(klpb_objname(g), klpb_objname(f)))
				break;
		if (g != f)
			continue;
		ret = klpb_fill_object(obj, klpb_objname(f), begin, end);
		if (ret < 0)
			goto err;
		pr_debug("object %s: %d function(s)\n",
			 obj->name ? obj->name : "vmlinux", ret);
		ret = klpb_setup_object(obj);
		if (ret)
			goto err;
		i++;
	}

	ret = klpb_setup_patch(patch);
	if (ret)
		goto err;
	return patch;
err:
	klpb_free(patch);
	return ERR_PTR(ret);
}

static int __init klpb_init(void)
{
	const struct klpb_func *begin = __klpb_funcs_begin, *end = __klpb_funcs_end;
	struct klp_patch *patch;
	int ret;

	/* the tools only know the word offsets of klpb-meta.h: keep them true */
	BUILD_BUG_ON(offsetof(struct klpb_func, sympos) !=
		     KLPB_FUNC_SYMPOS * sizeof(long));
	BUILD_BUG_ON(sizeof(struct klpb_func) != KLPB_FUNC_SIZE(sizeof(long)));
	BUILD_BUG_ON(offsetof(struct klpb_reloc, type) !=
		     KLPB_RELOC_TYPE_OFF(sizeof(long)));
	BUILD_BUG_ON(sizeof(struct klpb_reloc) != KLPB_RELOC_SIZE(sizeof(long)));

	/* two distinct symbols: keep the compiler from assuming they differ */
	OPTIMIZER_HIDE_VAR(begin);
	if (begin == end) {
		pr_err("no functions to patch: .klp.funcs is empty (module not linked by klp-build?)\n");
		return -EINVAL;
	}

	patch = klpb_build_patch(begin, end);
	if (IS_ERR(patch))
		return PTR_ERR(patch);

	ret = klp_enable_patch(patch);
	if (ret) {
		pr_err("klp_enable_patch failed: %d\n", ret);
		klpb_free(patch);
		return ret;
	}
	klpb_patch = patch;
	return 0;
}

static void __exit klpb_exit(void)
{
	/*
	 * The module can only be removed after the patch was disabled and
	 * the livepatch core dropped its module reference, so nothing uses
	 * these structures any more.
	 */
	klpb_free(klpb_patch);
}

module_init(klpb_init);
module_exit(klpb_exit);
MODULE_INFO(livepatch, "Y");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch module built by klp-build");
