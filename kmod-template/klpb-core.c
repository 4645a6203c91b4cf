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
 *
 * Callbacks (struct klpb_callback in .klp.callbacks, written by the
 * KLP_*_CALLBACK macros of include/linux/livepatch_helpers.h) are attached to
 * the klp_object of their objname; an object that only has callbacks gets an
 * empty function list.  Several callbacks of one kind for one object are
 * allowed: the object's klp_callbacks point at dispatchers here that call
 * them all (patch callbacks in link order, unpatch callbacks in reverse).
 *
 * Kernel threads that never leave a patched function: a kthread's thread
 * function (kthread_worker_fn for a kthread_worker, worker_thread for a
 * kworker, ...) stays on its stack for the kthread's whole life, so the
 * livepatch transition could never switch that kthread and would never end.
 * Every object with functions gets a pre-patch check (it runs after the
 * kernel resolved old_func/old_size, before any function is redirected) that
 * refuses the patch when a live kthread's thread function is one of them.
 */
/*
 * This object is compiled once per build dir and linked into every patch
 * module of it (klp-build's "link" stage, docs/DESIGN.md "Module link"), so
 * nothing in it may depend on the module's name: the messages start with the
 * name read at run time (klpb_err, klpb_debug), and the dynamic debug
 * descriptors of pr_debug() get a fixed name instead of KBUILD_MODNAME.
 */
#undef KBUILD_MODNAME
#define KBUILD_MODNAME "klp_build"

#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "klpb-meta.h"

#define klpb_err(fmt, ...) pr_err("%s: " fmt, THIS_MODULE->name, ##__VA_ARGS__)
#define klpb_debug(fmt, ...) pr_debug("%s: " fmt, THIS_MODULE->name, ##__VA_ARGS__)

/* 1 = atomic replace of all earlier livepatches; --no-replace passes 0 */
#ifndef KLPB_REPLACE
#define KLPB_REPLACE 1
#endif

/* sentinels from klpb-begin.o / klpb-end.o around the diff objects' entries */
extern struct klpb_func __klpb_funcs_begin[], __klpb_funcs_end[];
extern struct klpb_callback __klpb_callbacks_begin[], __klpb_callbacks_end[];

/* the callback entries, set once in klpb_init() */
static const struct klpb_callback *klpb_cbs, *klpb_cbs_end;

static struct klp_patch *klpb_patch;

/*
 * NULL objname means vmlinux.  A record spelling out "vmlinux" means the
 * same; klp_object.name must then be NULL, or the livepatch core would wait
 * for a module called vmlinux.
 */
static const char *klpb_norm_objname(const char *name)
{
	return name && strcmp(name, "vmlinux") ? name : NULL;
}

static const char *klpb_objname(const struct klpb_func *f)
{
	return klpb_norm_objname(f->objname);
}

static bool klpb_same_obj(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static const char *klpb_cb_type_name(unsigned long type)
{
	switch (type) {
	case KLPB_CB_PRE_PATCH: return "pre-patch";
	case KLPB_CB_POST_PATCH: return "post-patch";
	case KLPB_CB_PRE_UNPATCH: return "pre-unpatch";
	case KLPB_CB_POST_UNPATCH: return "post-unpatch";
	}
	return "unknown";
}

/* does callback entry cb belong to obj and is it of this type? */
static bool klpb_cb_match(const struct klpb_callback *cb, const struct klp_object *obj,
			  unsigned long type)
{
	return cb->type == type && klpb_same_obj(klpb_norm_objname(cb->objname), obj->name);
}

/* the function of obj (not a nop of atomic replace) whose old code holds addr */
static struct klp_func *klpb_old_func_at(struct klp_object *obj, unsigned long addr)
{
	struct klp_func *func;

	klp_for_each_func(obj, func) {
		unsigned long start = (unsigned long)func->old_func;

		if (!func->nop && start && addr >= start && addr < start + func->old_size)
			return func;
	}
	return NULL;
}

/*
 * Refuse the patch when a kernel thread that exists now runs one of obj's
 * patched functions as its thread function: it sleeps and loops there until
 * it is stopped, and the livepatch transition would wait for it forever.
 * Called before the transition starts (old_func and old_size are resolved).
 */
static int klpb_check_kthreads(struct klp_object *obj)
{
	struct task_struct *g, *t;
	struct klp_func *func, *hit = NULL;
	unsigned int n = 0;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		if (!(t->flags & PF_KTHREAD))
			continue;
		func = klpb_old_func_at(obj, (unsigned long)kthread_func(t));
		if (!func)
			continue;
		if (n++ < 3)
			klpb_err("kernel thread %s (pid %d) runs %s as its thread function: it stays in it until it is stopped\n",
			         t->comm, t->pid, func->old_name);
		hit = func;
	}
	rcu_read_unlock();
	if (!hit)
		return 0;
	if (n > 3)
		klpb_err("... and %u more kernel threads\n", n - 3);
	klpb_err("refusing the patch: the livepatch transition could never switch %s while it runs %s; "
	         "hint: patch the functions %s calls instead\n",
	         n > 1 ? "these kernel threads" : "this kernel thread", hit->old_name, hit->old_name);
	return -EBUSY;
}

/*
 * The pre-patch callback of every object with functions: the kthread check,
 * then the object's own pre-patch callbacks in order; the first error stops
 * them.
 */
static int klpb_pre_patch(struct klp_object *obj)
{
	const struct klpb_callback *cb;
	int ret;

	ret = klpb_check_kthreads(obj);
	if (ret)
		return ret;
	for (cb = klpb_cbs; cb < klpb_cbs_end; cb++) {
		if (!klpb_cb_match(cb, obj, KLPB_CB_PRE_PATCH))
			continue;
		ret = ((int (*)(struct klp_object *))cb->fn)(obj);
		if (ret) {
			klpb_err("pre-patch callback %ps of %s failed: %d\n", cb->fn,
			         obj->name ? obj->name : "vmlinux", ret);
			return ret;
		}
	}
	return 0;
}

/* the void callbacks of one type: forwards, or backwards for unpatching */
static void klpb_run_void(struct klp_object *obj, unsigned long type, bool reverse)
{
	const struct klpb_callback *cb;
	long i, n = klpb_cbs_end - klpb_cbs;

	for (i = 0; i < n; i++) {
		cb = reverse ? &klpb_cbs[n - 1 - i] : &klpb_cbs[i];
		if (klpb_cb_match(cb, obj, type))
			((void (*)(struct klp_object *))cb->fn)(obj);
	}
}

static void klpb_post_patch(struct klp_object *obj)
{
	klpb_run_void(obj, KLPB_CB_POST_PATCH, false);
}

static void klpb_pre_unpatch(struct klp_object *obj)
{
	klpb_run_void(obj, KLPB_CB_PRE_UNPATCH, true);
}

static void klpb_post_unpatch(struct klp_object *obj)
{
	klpb_run_void(obj, KLPB_CB_POST_UNPATCH, true);
}

/*
 * Called once per object after its functions are filled, before the patch
 * is enabled: point obj->callbacks at the dispatchers for the kinds of
 * callback the object has (a kind it has none of stays NULL), and pre_patch
 * at klpb_pre_patch for the kthread check whenever the object has functions.
 * An error aborts the module load.
 */
static int klpb_setup_object(struct klp_object *obj)
{
	const struct klpb_callback *cb;
	unsigned int n = 0;

	if (obj->funcs[0].old_name)
		obj->callbacks.pre_patch = klpb_pre_patch;

	for (cb = klpb_cbs; cb < klpb_cbs_end; cb++) {
		if (!klpb_same_obj(klpb_norm_objname(cb->objname), obj->name))
			continue;
		if (!cb->fn) {
			klpb_err("%s callback entry without a function\n", klpb_cb_type_name(cb->type));
			return -EINVAL;
		}
		switch (cb->type) {
		case KLPB_CB_PRE_PATCH:
			obj->callbacks.pre_patch = klpb_pre_patch;
			break;
		case KLPB_CB_POST_PATCH:
			obj->callbacks.post_patch = klpb_post_patch;
			break;
		case KLPB_CB_PRE_UNPATCH:
			obj->callbacks.pre_unpatch = klpb_pre_unpatch;
			break;
		case KLPB_CB_POST_UNPATCH:
			obj->callbacks.post_unpatch = klpb_post_unpatch;
			break;
		default:
			klpb_err("callback %ps: unknown type %lu\n", cb->fn, cb->type);
			return -EINVAL;
		}
		n++;
	}
	if (n)
		klpb_debug("object %s: %u callback(s)\n", obj->name ? obj->name : "vmlinux", n);
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

/* is objname one of the first n objects of patch? */
static bool klpb_have_obj(const struct klp_patch *patch, unsigned long n, const char *objname)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (klpb_same_obj(patch->objs[i].name, objname))
			return true;
	return false;
}

/* is the callback entry cb the first one of its object among the callbacks? */
static bool klpb_first_cb_of_obj(const struct klpb_callback *cb)
{
	const struct klpb_callback *c;

	for (c = klpb_cbs; c < cb; c++)
		if (klpb_same_obj(klpb_norm_objname(c->objname), klpb_norm_objname(cb->objname)))
			return false;
	return true;
}

static struct klp_patch *klpb_build_patch(const struct klpb_func *begin,
					  const struct klpb_func *end)
{
	const struct klpb_func *f, *g;
	const struct klpb_callback *cb;
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
	/* ... plus, at most, one per distinct objname of the callbacks */
	for (cb = klpb_cbs; cb < klpb_cbs_end; cb++)
		if (klpb_first_cb_of_obj(cb))
			nr_objs++;

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
		klpb_debug("object %s: %d function(s)\n",
			   obj->name ? obj->name : "vmlinux", ret);
		ret = klpb_setup_object(obj);
		if (ret)
			goto err;
		i++;
	}

	/* objects that only have callbacks: empty (terminated) function list */
	for (cb = klpb_cbs; cb < klpb_cbs_end; cb++) {
		const char *objname = klpb_norm_objname(cb->objname);
		struct klp_object *obj = &patch->objs[i];

		if (klpb_have_obj(patch, i, objname))
			continue;
		ret = klpb_fill_object(obj, objname, begin, end);
		if (ret < 0)
			goto err;
		klpb_debug("object %s: callbacks only\n", objname ? objname : "vmlinux");
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
	const struct klpb_callback *cbs = __klpb_callbacks_begin;
	struct klp_patch *patch;
	int ret;

	/* the tools only know the word offsets of klpb-meta.h: keep them true */
	BUILD_BUG_ON(offsetof(struct klpb_func, sympos) !=
		     KLPB_FUNC_SYMPOS * sizeof(long));
	BUILD_BUG_ON(sizeof(struct klpb_func) != KLPB_FUNC_SIZE(sizeof(long)));
	BUILD_BUG_ON(offsetof(struct klpb_reloc, type) !=
		     KLPB_RELOC_TYPE_OFF(sizeof(long)));
	BUILD_BUG_ON(sizeof(struct klpb_reloc) != KLPB_RELOC_SIZE(sizeof(long)));
	BUILD_BUG_ON(offsetof(struct klpb_callback, type) != KLPB_CB_TYPE * sizeof(long));
	BUILD_BUG_ON(offsetof(struct klpb_callback, fn) != KLPB_CB_FN * sizeof(long));
	BUILD_BUG_ON(offsetof(struct klpb_callback, objname) != KLPB_CB_OBJNAME * sizeof(long));
	BUILD_BUG_ON(sizeof(struct klpb_callback) != KLPB_CB_NR_WORDS * sizeof(long));

	/* two distinct symbols: keep the compiler from assuming they differ */
	OPTIMIZER_HIDE_VAR(begin);
	OPTIMIZER_HIDE_VAR(cbs);
	klpb_cbs = cbs;
	klpb_cbs_end = __klpb_callbacks_end;
	if (begin == end && klpb_cbs == klpb_cbs_end) {
		klpb_err("no functions to patch: .klp.funcs is empty (module not linked by klp-build?)\n");
		return -EINVAL;
	}

	patch = klpb_build_patch(begin, end);
	if (IS_ERR(patch))
		return PTR_ERR(patch);

	ret = klp_enable_patch(patch);
	if (ret) {
		klpb_err("klp_enable_patch failed: %d\n", ret);
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
