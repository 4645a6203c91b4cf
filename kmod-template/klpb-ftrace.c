// SPDX-License-Identifier: GPL-2.0
/*
 * The in-module core: the runtime of a klp-build patch module for kernels
 * without CONFIG_LIVEPATCH (arm64 6.1 and 6.12: no HAVE_LIVEPATCH), linked
 * instead of klpb-core.c when the kernel's .config lacks CONFIG_LIVEPATCH
 * (issue 10, first slice; docs/DESIGN.md "arm64").
 *
 * What it does:
 * - every .klp.funcs entry carries the old function's address (old_addr),
 *   written by klp-convert --in-module-core as a relocation the module
 *   loader applied; each is checked with sprint_symbol() to be exactly
 *   "old_name+0x0" before anything is redirected (a module built for
 *   another build of the kernel fails to load, naming the function);
 * - one IPMODIFY ftrace_ops per function sends its callers to the new
 *   function (6.1 DYNAMIC_FTRACE_WITH_REGS: the pc of the saved pt_regs;
 *   6.12 WITH_ARGS: ftrace_regs_set_instruction_pointer);
 * - the same user interface as the kernel's livepatch core:
 *   /sys/kernel/livepatch/<module>/{enabled,transition} (the livepatch
 *   directory is created when the kernel has none, shared by every patch
 *   module), the kernel's log lines, a module reference while enabled;
 *   <module>/<object>/patched and <module>/<object>/<function,sympos>;
 *   "echo 0 > enabled" removes the redirection and, as the kernel does,
 *   the patch's directory, after which the module can be removed.
 *
 * - consistency: all functions switch at once, under stop_machine(), and
 *   only when no task (idle tasks included) has a function being replaced on its stack (the old
 *   ones when enabling, the new ones when disabling): arm64 has no reliable
 *   stack trace, so the core walks each task's frame records itself (see
 *   klpb_check_task); tried KLPB_TRIES times, then the load (or the write of
 *   0 to enabled) fails, naming the task and the function.
 *
 * - callbacks (.klp.callbacks, livepatch_helpers.h / kpatch-macros.h) at
 *   the points the kernel's core runs them: pre-patch before anything is
 *   redirected (an error fails the load, nothing stays patched), post-patch
 *   after the switch, pre-unpatch before and post-unpatch after the switch
 *   back; those of a module object only while it is loaded, and at its
 *   COMING (pre/post patch) and GOING (pre/post unpatch) like
 *   klp_module_coming/going; a struct klp_object of klpb-livepatch.h is
 *   what they get.
 *
 * - shadow variables: klp_shadow_*() with the kernel's semantics, in a
 *   hash that every patch module shares (it hangs off
 *   /sys/kernel/livepatch, see struct klpb_root), so a variable allocated
 *   by one patch is seen by the next, as with the kernel's global hash.
 *
 * - atomic replace (default; KLPB_REPLACE=0 for --no-replace): every
 *   enabled earlier patch of this core is replaced in the same switch; its
 *   functions that this patch does not change go back to the original, it
 *   is disabled (its directory goes away, as with the kernel) and can be
 *   removed.  A function held by an earlier patch is taken over through a
 *   second, non-IPMODIFY ftrace_ops (one IPMODIFY ops per function only).
 *   Functions of modules too: those of a loaded module are taken over or
 *   reverted in the same switch; the replaced patch stops acting on the
 *   module notifications, the new one acts on them.
 *
 * - functions and symbols of modules: resolved from the module's kallsyms
 *   when it is loaded, at init or from its COMING notifier (late module
 *   patching), released at its GOING; references go through slots the
 *   core fills (see "modules" below).
 *
 * - serialisation: the root's BUSY bit (klpb_lock) covers enable, disable,
 *   replace and the module notifier of every patch module of this core.
 *
 * - --no-replace stacking: a patch of a function an earlier patch holds
 *   goes on top of it (through a bridge ops; the earlier one is "covered":
 *   its handler stops redirecting, in the same switch); any patch may be
 *   disabled, as with the kernel's core: the top one hands the function
 *   back to the newest one below, a covered one just leaves.
 */
#define pr_fmt(fmt) "livepatch: " fmt
/*
 * Compiled once per build dir and linked into every patch module of it
 * (klp-build's "link" stage, like klpb-core.c): nothing may depend on the
 * module's name, so the dynamic debug descriptors of pr_debug() get a fixed
 * name instead of KBUILD_MODNAME (the messages name THIS_MODULE->name).
 */
#undef KBUILD_MODNAME
#define KBUILD_MODNAME "klp_build"

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/stop_machine.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/version.h>
#include <linux/wait_bit.h>
#include <linux/bit_spinlock.h>
#include <linux/workqueue.h>
#include <asm/ptrace.h>

#include "klpb-meta.h"
#include "klpb-livepatch.h"
#ifdef CONFIG_ARM
/* 32-bit arm: prologue decoder, redirection, stack check (klpb-arch-arm.c) */
#include "klpb-arch-arm.h"
#include <asm/opcodes.h>	/* __mem_to_opcode_arm: slot words (modules) */
#endif

/* 1 = atomic replace of all earlier patches; --no-replace passes 0 */
#ifndef KLPB_REPLACE
#define KLPB_REPLACE 1
#endif

/* sentinels from klpb-begin.o / klpb-end.o around the diff objects' entries */
extern struct klpb_func __klpb_funcs_begin[], __klpb_funcs_end[];
extern struct klpb_callback __klpb_callbacks_begin[], __klpb_callbacks_end[];

/*
 * One patched object: vmlinux, or a module, which may come and go.  A
 * module's functions are redirected only while it is there (live, set at
 * its COMING and cleared at its GOING, see klpb_module_notify).
 */
struct klpb_fobj {
	const char *name;		/* "vmlinux" or the module's name */
	struct module *mod;		/* while a module object is resolved */
	bool live;			/* its functions' handlers may redirect */
	struct kobject *kobj;		/* NAME/<object> */
	struct klp_object lp;		/* what a module object's callbacks get */
	bool post_unpatch_enabled;	/* its pre-patch callbacks succeeded */
};

struct klpb_ffunc {
	const struct klpb_func *rec;
	struct klpb_fobj *obj;
	unsigned long old_addr, old_size;
	unsigned long new_addr, new_size;
	bool registered;	/* ops (IPMODIFY) */
	bool bridged;		/* bridge (no IPMODIFY): taking over from an earlier patch */
	/*
	 * --no-replace stacking: a newer patch holds the function too, and
	 * its handler redirects, not this one's (written by that patch, under
	 * stop_machine or, for a loading module, before its init).
	 */
	bool covered;
	/* the earlier patch's entry this one covers (enable) or uncovers (disable) */
	struct klpb_ffunc *below;
	struct ftrace_ops ops;
	struct ftrace_ops bridge;
	struct kobject *kobj;	/* NAME/<object>/<function,sympos> */
#ifdef CONFIG_ARM
	struct klpb_arch_func arch;	/* the old function's prologue (arm only) */
#endif
};

/*
 * What the patch modules share, found through /sys/kernel/livepatch: the
 * directory's kobject is the first member, created with the kobj_type of
 * kernel_kobj (the kernel's dynamic kobjects), whose release kfree()s the
 * kobject, i.e. this whole allocation: vmlinux code, so the module that
 * created it may be removed first.  Locks are bits (wait_on_bit_lock,
 * bit_spin_lock): no lock class key in the creator module's memory.  Only
 * patch modules built by the same klp-build core layout (magic, version)
 * share it; another layout is refused at load.
 */
#define KLPB_ROOT_MAGIC		0x6b6c7062726f6f74ULL	/* "klpbroot" */
/*
 * 2: struct klpb_ffunc has its object (functions of modules)
 * 3: struct klpb_ffunc has covered/below (--no-replace stacking)
 */
#define KLPB_ROOT_VERSION	3
#define KLPB_SHADOW_BITS	8
#define KLPB_ROOT_BUSY		0	/* bit of flags: enabling, disabling, replacing */
#define KLPB_SHADOW_LOCK	0	/* bit of shadow_lock */

struct klpb_patch;

struct klpb_root {
	struct kobject kobj;		/* first: released by kfree(kobj) */
	u64 magic;
	unsigned long version;
	unsigned long flags;
	unsigned long users;		/* patch modules holding it (under BUSY) */
	struct list_head patches;	/* struct klpb_patch, enabled ones, load order */
	unsigned long shadow_lock;
	struct hlist_head shadow[1 << KLPB_SHADOW_BITS];
};

/*
 * One enabled patch module, on klpb_root.patches while enabled.  A later
 * patch that replaces it reads its functions and turns its switch off
 * (under stop_machine), then calls replaced() (under BUSY) and drops the
 * module reference the patch held.
 */
struct klpb_patch {
	struct list_head node;
	struct module *mod;
	bool *active;
	struct klpb_ffunc *funcs;
	unsigned long nr_funcs;
	void (*replaced)(void);
};

/* the switch: the handlers redirect only while it is on (set under stop_machine) */
static bool klpb_active;

static struct klpb_ffunc *klpb_funcs;
static unsigned long klpb_nr_funcs;
static struct klpb_fobj *klpb_objs;
static unsigned long klpb_nr_objs;
static bool klpb_enabled;		/* under the root's BUSY bit */
static struct klpb_patch klpb_self;

/* callbacks: the .klp.callbacks entries and the one object they get */
static const struct klpb_callback *klpb_cbs, *klpb_cbs_end;
static struct klp_object klpb_vmlinux_obj;

static struct klpb_root *klpb_root;	/* /sys/kernel/livepatch (a reference) */
static bool klpb_root_user;
static struct kobject klpb_kobj;	/* /sys/kernel/livepatch/<module> */
static bool klpb_kobj_added;
static DECLARE_COMPLETION(klpb_kobj_released);
static void klpb_remove_dir(struct work_struct *work);
static DECLARE_WORK(klpb_remove_work, klpb_remove_dir);

static void klpb_lock(void)
{
	wait_on_bit_lock(&klpb_root->flags, KLPB_ROOT_BUSY, TASK_UNINTERRUPTIBLE);
}

static void klpb_unlock(void)
{
	clear_and_wake_up_bit(KLPB_ROOT_BUSY, &klpb_root->flags);
}

/* ---------------------------------------------------------------- redirection */

static void notrace klpb_handler(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct klpb_ffunc *f = op->private;

	if (!READ_ONCE(klpb_active) || !READ_ONCE(f->obj->live) || READ_ONCE(f->covered))
		return;
#ifdef CONFIG_ARM
	/* the site is after the prologue: undo it (klpb-arch-arm.c) */
	klpb_arch_redirect(f, ip, fregs);
#elif defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
	/* 6.12: ftrace_caller returns to fregs->pc */
	ftrace_regs_set_instruction_pointer(fregs, f->new_addr);
#else
	/* 6.1 WITH_REGS: ftrace_regs_caller returns to regs->pc (the
	 * generic ftrace_instruction_pointer_set() is empty there) */
	instruction_pointer_set(ftrace_get_regs(fregs), f->new_addr);
#endif
}

/*
 * The bridge has no IPMODIFY: ftrace checks only IPMODIFY ops against each
 * other, and every ops of a site sees the same registers, so it can move
 * the pc of a function whose IPMODIFY ops an earlier patch still holds.
 */
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
/* SAVE_REGS is refused (-EINVAL) where only WITH_ARGS exists */
#define KLPB_BRIDGE_FLAGS	FTRACE_OPS_FL_PERMANENT
#else
#define KLPB_BRIDGE_FLAGS	(FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_PERMANENT)
#endif
#define KLPB_FTRACE_FLAGS	(KLPB_BRIDGE_FLAGS | FTRACE_OPS_FL_IPMODIFY)

static int klpb_register_ops(struct klpb_ffunc *f, struct ftrace_ops *ops, unsigned long flags)
{
	int ret;

	/*
	 * A module's functions are registered again at each of its loads:
	 * ftrace_free_filter() frees the ops' hashes without resetting the
	 * pointers (nor FTRACE_OPS_FL_INITIALIZED), so start from a clean ops
	 * (booted: the second load of configs.ko oopsed in
	 * alloc_and_copy_ftrace_hash without this).
	 */
	memset(ops, 0, sizeof(*ops));
	ops->func = klpb_handler;
	ops->flags = flags;
	ops->private = f;
#ifdef CONFIG_ARM
	ret = klpb_arch_prepare(f);
	if (ret)
		return ret;
#endif
	ret = ftrace_set_filter_ip(ops, f->old_addr, 0, 0);
	if (ret) {
		pr_err("'%s': no ftrace site at %s (%pS): ftrace_set_filter_ip failed: %d\n",
		       THIS_MODULE->name, f->rec->old_name, (void *)f->old_addr, ret);
		return ret;
	}
	ret = register_ftrace_function(ops);
	if (ret) {
		pr_err("'%s': cannot redirect %s: register_ftrace_function failed: %d%s\n",
		       THIS_MODULE->name, f->rec->old_name, ret,
		       ret == -EBUSY ? " (another patch or IPMODIFY user holds it)" : "");
		ftrace_free_filter(ops);
		return ret;
	}
	return 0;
}

static void klpb_unregister_ops(struct klpb_ffunc *f, struct ftrace_ops *ops)
{
	int ret = unregister_ftrace_function(ops);

	if (ret)
		pr_warn("'%s': unregister_ftrace_function(%s) failed: %d\n",
			THIS_MODULE->name, f->rec->old_name, ret);
	ftrace_free_filter(ops);
}

/* the IPMODIFY ops, or the bridge when an earlier patch holds the function */
static int klpb_register(struct klpb_ffunc *f, bool bridge)
{
	int ret;

	if (bridge) {
		ret = klpb_register_ops(f, &f->bridge, KLPB_BRIDGE_FLAGS);
		f->bridged = !ret;
	} else {
		ret = klpb_register_ops(f, &f->ops, KLPB_FTRACE_FLAGS);
		f->registered = !ret;
	}
	return ret;
}

static void klpb_unregister(struct klpb_ffunc *f)
{
	if (f->registered)
		klpb_unregister_ops(f, &f->ops);
	if (f->bridged)
		klpb_unregister_ops(f, &f->bridge);
	f->registered = f->bridged = false;
}

/*
 * After a replace: the earlier patch's ops are gone, so the function's
 * IPMODIFY ops can be ours; the bridge goes once it is (both redirect to
 * the same place meanwhile).  If another IPMODIFY user took the function
 * in between, the bridge stays: it redirects as well.
 */
static void klpb_settle(struct klpb_ffunc *f)
{
	if (!f->bridged || f->registered)
		return;
	if (klpb_register(f, false))
		return;
	klpb_unregister_ops(f, &f->bridge);
	f->bridged = false;
}

/*
 * The enabled earlier patch that holds the function at addr, if any: its
 * ops are registered there (a function of a module that is not loaded has
 * no address and holds nothing).
 */
static struct klpb_patch *klpb_holder(unsigned long addr)
{
	struct klpb_patch *p;
	unsigned long i;

	if (!addr)
		return NULL;
	list_for_each_entry(p, &klpb_root->patches, node)
		for (i = 0; i < p->nr_funcs; i++)
			if (p->funcs[i].old_addr == addr &&
			    (p->funcs[i].registered || p->funcs[i].bridged))
				return p;
	return NULL;
}

/*
 * --no-replace stacking: the entry of the newest other enabled patch whose
 * ops are on the function at addr (the one whose handler redirects it: the
 * root's list is in load order, and a newer patch covers the older ones).
 */
static struct klpb_ffunc *klpb_top_holder(unsigned long addr)
{
	struct klpb_ffunc *top = NULL;
	struct klpb_patch *p;
	unsigned long i;

	if (!addr)
		return NULL;
	list_for_each_entry(p, &klpb_root->patches, node) {
		if (p == &klpb_self)
			continue;
		for (i = 0; i < p->nr_funcs; i++)
			if (p->funcs[i].old_addr == addr &&
			    (p->funcs[i].registered || p->funcs[i].bridged))
				top = &p->funcs[i];
	}
	return top;
}

/* ---------------------------------------------------------------- callbacks */

static bool klpb_is_module_obj(const struct klpb_fobj *obj);

/* the object a callback entry belongs to (NULL or "vmlinux": vmlinux) */
static bool klpb_cb_of(const struct klpb_callback *cb, const struct klpb_fobj *obj)
{
	return !strcmp(cb->objname ? cb->objname : "vmlinux", obj->name);
}

/* what obj's callbacks get: name and mod NULL for vmlinux, as the kernel's */
static struct klp_object *klpb_cb_obj(struct klpb_fobj *obj)
{
	return klpb_is_module_obj(obj) ? &obj->lp : &klpb_vmlinux_obj;
}

/* vmlinux is always there; a module object while it is resolved */
static bool klpb_obj_loaded(const struct klpb_fobj *obj)
{
	return !klpb_is_module_obj(obj) || obj->mod;
}

static int klpb_check_callbacks(void)
{
	const struct klpb_callback *cb;

	for (cb = klpb_cbs; cb < klpb_cbs_end; cb++) {
		if (!cb->fn || cb->type < KLPB_CB_PRE_PATCH || cb->type > KLPB_CB_POST_UNPATCH) {
			pr_err("'%s': bad callback entry (type %lu, function %ps)\n",
			       THIS_MODULE->name, cb->type, cb->fn);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * As the kernel's klp_pre_patch_callback: obj's pre-patch callbacks in
 * entry order, the first error stops them and fails the patch (or the
 * loading module); post-unpatch runs later only if they succeeded.
 */
static int klpb_pre_patch_obj(struct klpb_fobj *obj)
{
	const struct klpb_callback *cb;
	int ret = 0;

	for (cb = klpb_cbs; cb < klpb_cbs_end; cb++) {
		if (cb->type != KLPB_CB_PRE_PATCH || !klpb_cb_of(cb, obj))
			continue;
		ret = ((int (*)(struct klp_object *))cb->fn)(klpb_cb_obj(obj));
		if (ret) {
			pr_err("'%s': pre-patch callback %ps of %s failed: %d\n",
			       THIS_MODULE->name, cb->fn, obj->name, ret);
			pr_warn("pre-patch callback failed for object '%s'\n", obj->name);
			break;
		}
	}
	obj->post_unpatch_enabled = !ret;
	return ret;
}

/*
 * obj's void callbacks of one type: forwards, or backwards for
 * unpatching; post-unpatch only after a successful pre-patch, once.
 */
static void klpb_run_obj(struct klpb_fobj *obj, unsigned long type, bool reverse)
{
	long i, n = klpb_cbs_end - klpb_cbs;
	const struct klpb_callback *cb;

	if (type == KLPB_CB_POST_UNPATCH) {
		if (!obj->post_unpatch_enabled)
			return;
		obj->post_unpatch_enabled = false;
	}
	for (i = 0; i < n; i++) {
		cb = reverse ? &klpb_cbs[n - 1 - i] : &klpb_cbs[i];
		if (cb->type == type && klpb_cb_of(cb, obj))
			((void (*)(struct klp_object *))cb->fn)(klpb_cb_obj(obj));
	}
}

/*
 * The pre-patch callbacks of every loaded object, in object order, as
 * __klp_enable_patch runs them; on an error the objects done so far get
 * their post-unpatch callbacks from the caller (klpb_run_void).
 */
static int klpb_pre_patch(void)
{
	unsigned long i;
	int ret;

	for (i = 0; i < klpb_nr_objs; i++) {
		if (!klpb_obj_loaded(&klpb_objs[i]))
			continue;
		ret = klpb_pre_patch_obj(&klpb_objs[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* the callbacks of one type of every loaded object */
static void klpb_run_void(unsigned long type, bool reverse)
{
	unsigned long i;

	for (i = 0; i < klpb_nr_objs; i++)
		if (klpb_obj_loaded(&klpb_objs[i]))
			klpb_run_obj(&klpb_objs[i], type, reverse);
}

/* ---------------------------------------------------------------- shadow variables */

/*
 * Shadow variables, written from the semantics of the kernel's
 * kernel/livepatch/shadow.c: one variable per (obj, id), data zeroed and
 * then set by the optional constructor (called with the lock held, so it
 * must not sleep), lookups under RCU, freed after a grace period, the
 * destructor called with the lock held when it is freed.  The hash is the
 * root's, shared by every patch module of this core.
 */
struct klpb_shadow {
	struct hlist_node node;
	struct rcu_head rcu;
	void *obj;
	unsigned long id;
	char data[];
};

static struct hlist_head *klpb_shadow_bucket(void *obj)
{
	return &klpb_root->shadow[hash_ptr(obj, KLPB_SHADOW_BITS)];
}

static struct klpb_shadow *klpb_shadow_find(void *obj, unsigned long id)
{
	struct klpb_shadow *sv;

	hlist_for_each_entry_rcu(sv, klpb_shadow_bucket(obj), node)
		if (sv->obj == obj && sv->id == id)
			return sv;
	return NULL;
}

#define klpb_shadow_lock(flags)						\
	do {								\
		local_irq_save(flags);					\
		bit_spin_lock(KLPB_SHADOW_LOCK, &klpb_root->shadow_lock); \
	} while (0)
#define klpb_shadow_unlock(flags)					\
	do {								\
		bit_spin_unlock(KLPB_SHADOW_LOCK, &klpb_root->shadow_lock); \
		local_irq_restore(flags);				\
	} while (0)

void *klp_shadow_get(void *obj, unsigned long id)
{
	struct klpb_shadow *sv;
	void *data = NULL;

	rcu_read_lock();
	sv = klpb_shadow_find(obj, id);
	if (sv)
		data = sv->data;
	rcu_read_unlock();
	return data;
}

static void *klpb_shadow_get_or_alloc(void *obj, unsigned long id, size_t size,
				      gfp_t gfp_flags, klp_shadow_ctor_t ctor,
				      void *ctor_data, bool warn_on_exist)
{
	struct klpb_shadow *sv, *new;
	unsigned long flags;
	void *data;
	int ret;

	data = klp_shadow_get(obj, id);
	if (data)
		goto exists;

	/* allocated outside the lock: gfp_flags may sleep */
	new = kzalloc(sizeof(*new) + size, gfp_flags);
	if (!new)
		return NULL;

	klpb_shadow_lock(flags);
	sv = klpb_shadow_find(obj, id);
	if (unlikely(sv)) {
		/* someone else was quicker */
		klpb_shadow_unlock(flags);
		kfree(new);
		data = sv->data;
		goto exists;
	}
	new->obj = obj;
	new->id = id;
	if (ctor) {
		ret = ctor(obj, new->data, ctor_data);
		if (ret) {
			klpb_shadow_unlock(flags);
			kfree(new);
			pr_err("Failed to construct shadow variable <%p, %lx> (%d)\n", obj, id, ret);
			return NULL;
		}
	}
	hlist_add_head_rcu(&new->node, klpb_shadow_bucket(obj));
	klpb_shadow_unlock(flags);
	return new->data;

exists:
	if (warn_on_exist) {
		WARN(1, "Duplicate shadow variable <%p, %lx>\n", obj, id);
		return NULL;
	}
	return data;
}

void *klp_shadow_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp_flags,
		       klp_shadow_ctor_t ctor, void *ctor_data)
{
	return klpb_shadow_get_or_alloc(obj, id, size, gfp_flags, ctor, ctor_data, true);
}

void *klp_shadow_get_or_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp_flags,
			      klp_shadow_ctor_t ctor, void *ctor_data)
{
	return klpb_shadow_get_or_alloc(obj, id, size, gfp_flags, ctor, ctor_data, false);
}

/* under the lock: unhash, destructor, free after readers are gone */
static void klpb_shadow_drop(struct klpb_shadow *sv, klp_shadow_dtor_t dtor)
{
	hlist_del_rcu(&sv->node);
	if (dtor)
		dtor(sv->obj, sv->data);
	kfree_rcu(sv, rcu);
}

void klp_shadow_free(void *obj, unsigned long id, klp_shadow_dtor_t dtor)
{
	struct klpb_shadow *sv;
	unsigned long flags;

	klpb_shadow_lock(flags);
	sv = klpb_shadow_find(obj, id);
	if (sv)
		klpb_shadow_drop(sv, dtor);
	klpb_shadow_unlock(flags);
}

void klp_shadow_free_all(unsigned long id, klp_shadow_dtor_t dtor)
{
	struct klpb_shadow *sv;
	struct hlist_node *tmp;
	unsigned long flags;
	unsigned int i;

	klpb_shadow_lock(flags);
	for (i = 0; i < ARRAY_SIZE(klpb_root->shadow); i++)
		hlist_for_each_entry_safe(sv, tmp, &klpb_root->shadow[i], node)
			if (sv->id == id)
				klpb_shadow_drop(sv, dtor);
	klpb_shadow_unlock(flags);
}

/*
 * The last patch module to go: nobody can reach the variables left (the
 * kernel's would stay in its global hash); free them, without destructors
 * (their code may be gone), and say how many.
 */
static void klpb_shadow_release_all(void)
{
	struct klpb_shadow *sv;
	struct hlist_node *tmp;
	unsigned long flags, n = 0;
	unsigned int i;

	klpb_shadow_lock(flags);
	for (i = 0; i < ARRAY_SIZE(klpb_root->shadow); i++) {
		hlist_for_each_entry_safe(sv, tmp, &klpb_root->shadow[i], node) {
			klpb_shadow_drop(sv, NULL);
			n++;
		}
	}
	klpb_shadow_unlock(flags);
	if (n)
		pr_info("'%s': the last patch module: %lu shadow variable(s) left, freed\n",
			THIS_MODULE->name, n);
}

/* ---------------------------------------------------------------- consistency */

/*
 * Policy: how often the switch is tried while some task has a function
 * being replaced on its stack, and how long apart.  The kernel's core would
 * keep the patch in transition instead; without a reliable stack trace
 * there is no per-task switch to wait for, so the load fails and can be
 * retried by the user.
 */
#define KLPB_TRIES		5
#define KLPB_RETRY_MS		100
/* deepest stack looked at; a deeper one counts as unreliable (busy) */
#define KLPB_MAX_FRAMES		512

/*
 * idle_task(cpu) (kernel/sched/core.c, not exported): the idle tasks are
 * not in the task list; klp-convert --in-module-core fills the word
 * (KLPB_KADDR_PREFIX), klpb_check_kaddrs checks it.
 */
unsigned long klpb_kaddr_idle_task __section(".data.klpb_kaddr") = 0;

/*
 * The graph tracer's return trampoline and the function that gives the
 * return address it replaced (neither exported; klp-convert fills the
 * words): each arch's stack check recovers what return_to_handler hides
 * (below: arm64; klpb-arch-arm.c: 32-bit arm).
 */
#ifdef CONFIG_FUNCTION_GRAPH_TRACER
unsigned long klpb_kaddr_return_to_handler __section(".data.klpb_kaddr") = 0;
unsigned long klpb_kaddr_ftrace_graph_ret_addr __section(".data.klpb_kaddr") = 0;
#endif

/* what stopped the last try (written under stop_machine, printed after) */
static struct {
	pid_t pid;
	char comm[TASK_COMM_LEN];
	const char *func;
	unsigned long addr;
	unsigned long via;	/* the return trampoline addr was recovered from */
	bool unreliable;
} klpb_busy;

/* set by the walk of one task: the trampoline its hit was recovered from */
static unsigned long klpb_walk_via;
static char klpb_busy_via[KSYM_SYMBOL_LEN + 16];

#ifdef CONFIG_ARM64
static unsigned long klpb_strip_pac(unsigned long lr)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return ptrauth_strip_kernel_insn_pac(lr);
#else
	return ptrauth_strip_insn_pac(lr);
#endif
}
#endif

/*
 * The code a task must not be in for the switch: when enabling, the old
 * functions this patch replaces and every new function of the patches it
 * replaces (theirs are about to be abandoned); when disabling, this
 * patch's new functions.  Built before stop_machine, read under it.
 */
struct klpb_range {
	unsigned long start, size;
	const char *name;
};
static struct klpb_range *klpb_ranges;
static unsigned long klpb_nr_ranges;

static const struct klpb_range *klpb_find_range(unsigned long addr)
{
	unsigned long i;

	for (i = 0; i < klpb_nr_ranges; i++) {
		const struct klpb_range *r = &klpb_ranges[i];

		if (addr >= r->start && addr < r->start + r->size)
			return r;
	}
	return NULL;
}

static void klpb_add_range(unsigned long start, unsigned long size, const char *name)
{
	klpb_ranges[klpb_nr_ranges].start = start;
	klpb_ranges[klpb_nr_ranges].size = size;
	klpb_ranges[klpb_nr_ranges].name = name;
	klpb_nr_ranges++;
}

/* under BUSY; replacing: the enabled earlier patches are replaced too */
static int klpb_build_ranges(bool enable, bool replacing)
{
	struct klpb_patch *p;
	unsigned long i, n = klpb_nr_funcs;

	if (enable && replacing)
		list_for_each_entry(p, &klpb_root->patches, node)
			n += p->nr_funcs;
	else if (enable)
		n *= 2;
	kfree(klpb_ranges);
	klpb_nr_ranges = 0;
	klpb_ranges = kcalloc(n ? n : 1, sizeof(*klpb_ranges), GFP_KERNEL);
	if (!klpb_ranges)
		return -ENOMEM;
	for (i = 0; i < klpb_nr_funcs; i++) {
		const struct klpb_ffunc *f = &klpb_funcs[i];

		if (enable)
			klpb_add_range(f->old_addr, f->old_size, f->rec->old_name);
		else
			klpb_add_range(f->new_addr, f->new_size, f->rec->old_name);
		/* stacking: the new function of the patch below is abandoned too */
		if (enable && f->below)
			klpb_add_range(f->below->new_addr, f->below->new_size, f->rec->old_name);
	}
	if (enable && replacing)
		list_for_each_entry(p, &klpb_root->patches, node)
			for (i = 0; i < p->nr_funcs; i++)
				klpb_add_range(p->funcs[i].new_addr, p->funcs[i].new_size,
					       p->funcs[i].rec->old_name);
	return 0;
}

#ifdef CONFIG_ARM
/* klpb_check_task with the kernel's EABI unwinder, and the redirection */
#include "klpb-arch-arm.c"
#else
/*
 * Return trampolines: while the function graph tracer or a kretprobe is
 * active, the saved return address of a traced/probed function is
 * return_to_handler or __kretprobe_trampoline, not the address in its
 * caller, so the frame records of a sleeping task hide exactly the
 * functions the check looks for.  The kernel's own unwinder recovers them
 * (6.1 arch/arm64/kernel/stacktrace.c unwind_next, 6.12
 * kunwind_recover_return_address); the core does the same with the same
 * functions, which vmlinux does not export (klp-convert fills the words):
 * ftrace_graph_ret_addr() with retp = the caller's frame pointer (what
 * prepare_ftrace_return recorded), then kretprobe_find_ret_addr() with the
 * same fp (what arch_prepare_kretprobe recorded as ri->fp).  A trampoline
 * that cannot be recovered makes the stack unreliable: no switch.
 */
#ifdef CONFIG_KRETPROBES
unsigned long klpb_kaddr___kretprobe_trampoline __section(".data.klpb_kaddr") = 0;
unsigned long klpb_kaddr_kretprobe_find_ret_addr __section(".data.klpb_kaddr") = 0;
#endif

/* the unwinder's cursors into the task's return stacks (0/NULL at the start) */
struct klpb_unwind {
	int graph_idx;
	void *kr_cur;
};

static bool klpb_is_trampoline(unsigned long addr)
{
#ifdef CONFIG_FUNCTION_GRAPH_TRACER
	if (addr == klpb_kaddr_return_to_handler)
		return true;
#endif
#ifdef CONFIG_KRETPROBES
	if (addr == klpb_kaddr___kretprobe_trampoline)
		return true;
#endif
	return false;
}

/*
 * *lr (read at a record whose caller's frame pointer is fp) becomes the
 * return address it stands for, as the kernel's unwinder recovers it (left
 * alone when it is no trampoline); false when a trampoline cannot be
 * recovered.
 */
static bool klpb_recover_ret(struct task_struct *t, struct klpb_unwind *u,
			     unsigned long *lr, unsigned long fp)
{
#ifdef CONFIG_FUNCTION_GRAPH_TRACER
	if (*lr == klpb_kaddr_return_to_handler) {
		unsigned long (*graph_ret_addr)(struct task_struct *, int *, unsigned long,
						unsigned long *) =
			(void *)klpb_kaddr_ftrace_graph_ret_addr;
		unsigned long orig;

		if (!t->ret_stack)
			return false;
		orig = graph_ret_addr(t, &u->graph_idx, *lr, (unsigned long *)fp);
		if (orig == *lr)
			return false;
		*lr = klpb_strip_pac(orig);
	}
#endif
#ifdef CONFIG_KRETPROBES
	if (*lr == klpb_kaddr___kretprobe_trampoline) {
		unsigned long (*find_ret_addr)(struct task_struct *, void *, void **) =
			(void *)klpb_kaddr_kretprobe_find_ret_addr;
		unsigned long orig = find_ret_addr(t, (void *)fp, &u->kr_cur);

		if (!orig)
			return false;
		*lr = klpb_strip_pac(orig);
	}
#endif
	return true;
}

/*
 * Walk the frame records of task t, which is off-CPU (stop_machine): its
 * saved pc, then every record's return address (a return trampoline
 * recovered as above).  At an exception boundary (a record that is the
 * stackframe of an EL1 pt_regs on this stack: entry.S stores {x29, elr}
 * there) the interrupted function may not have saved its LR yet (a leaf,
 * or before its prologue), so regs[30] counts as live too: conservative, a
 * stale LR only delays the switch (a trampoline there is recovered with
 * the interrupted x29, with cursors of its own, or the stack is
 * unreliable).  Returns the range found, or NULL; *unreliable when the
 * chain leaves the stack, is too deep or has a trampoline that cannot be
 * recovered.
 */
static const struct klpb_range *klpb_check_task(struct task_struct *t, unsigned long *where,
						bool *unreliable)
{
	unsigned long low = (unsigned long)task_stack_page(t), high = low + THREAD_SIZE;
	unsigned long fp = thread_saved_fp(t), pc = thread_saved_pc(t);
	struct klpb_unwind u = { 0, NULL };
	const struct klpb_range *f;
	int depth;

	*unreliable = false;
	*where = pc;
	klpb_walk_via = 0;
	if (klpb_is_trampoline(pc)) {
		*unreliable = true;
		return NULL;
	}
	f = klpb_find_range(pc);
	if (f)
		return f;
	for (depth = 0; fp; depth++) {
		struct pt_regs *regs;
		unsigned long next, lr, raw;

		if (depth == KLPB_MAX_FRAMES || (fp & 7) || fp < low || fp > high - 16) {
			*unreliable = true;
			return NULL;
		}
		next = READ_ONCE_NOCHECK(((unsigned long *)fp)[0]);
		raw = klpb_strip_pac(READ_ONCE_NOCHECK(((unsigned long *)fp)[1]));
		*where = lr = raw;
		if (!klpb_recover_ret(t, &u, &lr, next)) {
			*unreliable = true;
			return NULL;
		}
		*where = lr;
		f = klpb_find_range(lr);
		if (f) {
			if (lr != raw)
				klpb_walk_via = raw;
			return f;
		}
		regs = (struct pt_regs *)(fp - offsetof(struct pt_regs, stackframe));
		if ((unsigned long)regs >= low && regs->pc == raw &&
		    (regs->pstate & PSR_MODE_MASK) == PSR_MODE_EL1h) {
			struct klpb_unwind ux = { 0, NULL };

			*where = lr = klpb_strip_pac(regs->regs[30]);
			if (!klpb_recover_ret(t, &ux, &lr, regs->regs[29])) {
				*unreliable = true;
				return NULL;
			}
			f = klpb_find_range(lr);
			if (f) {
				if (lr != *where)
					klpb_walk_via = *where;
				*where = lr;
				return f;
			}
		}
		/* the end of the chain: the record of the first frame is zero */
		if (!next)
			break;
		if (next <= fp) {
			*unreliable = true;
			return NULL;
		}
		fp = next;
	}
	return NULL;
}
#endif /* !CONFIG_ARM */

/*
 * Runs on one CPU while every other CPU spins with interrupts off: every
 * task but the stoppers (on a CPU right now) is switched out with its
 * registers saved.  Checks them all, then flips the switch: this patch's,
 * and when enabling with replace, off for every earlier patch.
 */
struct klpb_switch_req {
	bool enable, replacing;
};

/* task t (off-CPU) may not be in a range: -EBUSY, what and where noted */
static int klpb_check_one(struct task_struct *t)
{
	const struct klpb_range *f;
	unsigned long where;
	bool unreliable;

	if (!t || READ_ONCE(t->on_cpu) || !task_stack_page(t))
		return 0;
	klpb_walk_via = 0;
	f = klpb_check_task(t, &where, &unreliable);
	if (!f && !unreliable)
		return 0;
	klpb_busy.via = f ? klpb_walk_via : 0;
	klpb_busy.pid = task_pid_nr(t);
	memcpy(klpb_busy.comm, t->comm, sizeof(klpb_busy.comm));
	klpb_busy.func = f ? f->name : NULL;
	klpb_busy.addr = where;
	klpb_busy.unreliable = unreliable;
	return -EBUSY;
}

static int klpb_switch(void *data)
{
	struct task_struct *(*idle)(int cpu) = (void *)klpb_kaddr_idle_task;
	const struct klpb_switch_req *req = data;
	struct task_struct *g, *t;
	struct klpb_patch *p;
	unsigned long i;
	int cpu, ret = 0;

	/* for_each_process_thread is two loops: leave both at the first hit */
	rcu_read_lock();
	for_each_process_thread(g, t) {
		ret = klpb_check_one(t);
		if (ret)
			goto busy;
	}
busy:
	rcu_read_unlock();
	if (ret)
		return ret;
	/* the idle tasks (not in the task list): each waits in schedule_idle() */
	for_each_online_cpu(cpu) {
		ret = klpb_check_one(idle(cpu));
		if (ret)
			return ret;
	}
	WRITE_ONCE(klpb_active, req->enable);
	if (req->enable && req->replacing)
		list_for_each_entry(p, &klpb_root->patches, node)
			WRITE_ONCE(*p->active, false);
	/*
	 * --no-replace stacking: enabling covers the patch below (its handler
	 * stops redirecting, this one's starts); disabling the top one hands
	 * the function back to the newest one below.
	 */
	for (i = 0; i < klpb_nr_funcs; i++)
		if (klpb_funcs[i].below)
			WRITE_ONCE(klpb_funcs[i].below->covered, req->enable);
	return 0;
}

/* the switch, tried KLPB_TRIES times; the reason named when it fails */
static int klpb_try_switch(bool enable, bool replacing)
{
	struct klpb_switch_req req = { .enable = enable, .replacing = replacing };
	int i, ret;

	ret = klpb_build_ranges(enable, replacing);
	if (ret)
		return ret;
	for (i = 0; i < KLPB_TRIES; i++) {
		if (i)
			msleep(KLPB_RETRY_MS);
		ret = stop_machine(klpb_switch, &req, NULL);
		if (ret != -EBUSY)
			break;
	}
	/* a return address recovered from a trampoline: which one (under BUSY) */
	klpb_busy_via[0] = 0;
	if (ret == -EBUSY && klpb_busy.func && klpb_busy.via)
		snprintf(klpb_busy_via, sizeof(klpb_busy_via), ", behind %ps",
			 (void *)klpb_busy.via);
	if (ret == -EBUSY && klpb_busy.func)
		pr_err("'%s': %s refused: task %d (%s) is in %s%s (%pS%s), tried %d times %d ms apart\n",
		       THIS_MODULE->name, enable ? "patching" : "unpatching", klpb_busy.pid,
		       klpb_busy.comm, enable ? "" : "the patched ", klpb_busy.func,
		       (void *)klpb_busy.addr, klpb_busy_via, KLPB_TRIES, KLPB_RETRY_MS);
	else if (ret == -EBUSY)
		pr_err("'%s': %s refused: the stack of task %d (%s) cannot be walked (at %pS), tried %d times %d ms apart\n",
		       THIS_MODULE->name, enable ? "patching" : "unpatching", klpb_busy.pid,
		       klpb_busy.comm, (void *)klpb_busy.addr, KLPB_TRIES, KLPB_RETRY_MS);
	else if (ret)
		pr_err("'%s': stop_machine failed: %d\n", THIS_MODULE->name, ret);
	kfree(klpb_ranges);
	klpb_ranges = NULL;
	klpb_nr_ranges = 0;
	return ret;
}

/* obj->patched of every loaded object, as klp_(un)patch_object set it */
static void klpb_set_patched(bool patched)
{
	unsigned long i;

	klpb_vmlinux_obj.patched = patched;
	for (i = 0; i < klpb_nr_objs; i++)
		if (klpb_is_module_obj(&klpb_objs[i]) && klpb_objs[i].mod)
			klpb_objs[i].lp.patched = patched;
}

/*
 * Called by the patch that replaced this one, under BUSY, after the switch
 * turned this one off: its ops go (those of modules' functions too, and
 * its module notifier stops acting: the new patch's acts), it is disabled
 * and its directory goes away, as the kernel does with a replaced patch.  The caller drops the
 * module reference this patch held while enabled.
 */
static void klpb_modules_disarm(void);

static void klpb_replaced(void)
{
	unsigned long i = klpb_nr_funcs;

	while (i--)
		klpb_unregister(&klpb_funcs[i]);
	/* its functions of modules and slots: the notifier leaves them alone */
	klpb_modules_disarm();
	klpb_vmlinux_obj.patched = false;
	WRITE_ONCE(klpb_enabled, false);
	list_del_init(&klpb_self.node);
	schedule_work(&klpb_remove_work);
}

/*
 * Enable, under BUSY: the pre-patch callbacks; the ops registered with the
 * switch off (ftrace reaches the sites one by one on arm64, without
 * stop_machine), a bridge where an earlier patch holds the function
 * (replacing it, or stacking on top of it with --no-replace, where the
 * bridge stays: the earlier patch keeps its IPMODIFY ops to take the
 * function back when this one goes); then the switch turns every
 * redirection on at once and, replacing, the earlier patches off, or,
 * stacking, covers the patch below; then the replaced patches are
 * dismantled and the post-patch callbacks run.  A failure takes everything back; post-unpatch callbacks
 * run if the pre-patch ones did, as the kernel's core does.
 */
static int klpb_patch(void)
{
	bool replacing = KLPB_REPLACE && !list_empty(&klpb_root->patches);
	struct klpb_patch *p, *tmp;
	unsigned long i;
	int ret;

	/* --no-replace: on top of the patch that redirects the function now */
	for (i = 0; !KLPB_REPLACE && i < klpb_nr_funcs; i++)
		klpb_funcs[i].below = klpb_top_holder(klpb_funcs[i].old_addr);
	ret = klpb_pre_patch();
	if (ret) {
		/* the objects whose pre-patch callbacks ran, as the kernel cancels */
		klpb_run_void(KLPB_CB_POST_UNPATCH, true);
		return ret;
	}
	pr_info("'%s': starting patching transition\n", THIS_MODULE->name);
	for (i = 0; i < klpb_nr_funcs; i++) {
		/* a module that is not there: its COMING redirects it */
		if (!klpb_funcs[i].old_addr)
			continue;
		ret = klpb_register(&klpb_funcs[i], klpb_holder(klpb_funcs[i].old_addr) != NULL);
		if (ret)
			goto undo;
	}
	ret = klpb_try_switch(true, replacing);
	if (ret)
		goto undo;
	if (replacing) {
		list_for_each_entry_safe(p, tmp, &klpb_root->patches, node) {
			pr_info("'%s': replaced by '%s'\n", p->mod->name, THIS_MODULE->name);
			p->replaced();
			module_put(p->mod);
		}
		for (i = 0; i < klpb_nr_funcs; i++)
			klpb_settle(&klpb_funcs[i]);
	}
	klpb_set_patched(true);
	klpb_run_void(KLPB_CB_POST_PATCH, false);
	pr_info("'%s': patching complete\n", THIS_MODULE->name);
	return 0;
undo:
	while (i--)
		klpb_unregister(&klpb_funcs[i]);
	klpb_run_void(KLPB_CB_POST_UNPATCH, true);
	pr_err("'%s': patching failed\n", THIS_MODULE->name);
	return ret;
}

/*
 * Disable, under BUSY: pre-unpatch callbacks, the switch off (nobody in a
 * new function), the ops go, post-unpatch callbacks.  When the switch is
 * refused the patch stays and its post-patch callbacks run again, as after
 * a reversed transition of the kernel's core.
 */
static int klpb_unpatch(void)
{
	unsigned long i;
	int ret;

	klpb_run_void(KLPB_CB_PRE_UNPATCH, true);
	pr_info("'%s': starting unpatching transition\n", THIS_MODULE->name);
	/*
	 * Stacking, as the kernel's func_stack: a function this patch
	 * redirects (not covered by a newer one) goes back to the newest
	 * earlier patch that holds it, else to the original; a covered one
	 * stays with the newer patch.  Any patch may be disabled: the kernel
	 * has no stack order rule either (6.1 and 6.12 __klp_disable_patch).
	 */
	for (i = 0; i < klpb_nr_funcs; i++)
		klpb_funcs[i].below = klpb_funcs[i].covered ? NULL :
				      klpb_top_holder(klpb_funcs[i].old_addr);
	ret = klpb_try_switch(false, false);
	if (ret) {
		pr_err("'%s': unpatching failed: the patch stays enabled\n", THIS_MODULE->name);
		klpb_run_void(KLPB_CB_POST_PATCH, false);
		return ret;
	}
	for (i = klpb_nr_funcs; i--; ) {
		klpb_unregister(&klpb_funcs[i]);
		klpb_funcs[i].below = NULL;
	}
	klpb_set_patched(false);
	klpb_run_void(KLPB_CB_POST_UNPATCH, true);
	pr_info("'%s': unpatching complete\n", THIS_MODULE->name);
	return 0;
}

/* ---------------------------------------------------------------- symbols */

/*
 * Is addr the start of a function called name, and how long is it?
 * sprint_symbol() prints "name+0x0/0xSIZE", with " [module]" for a module's
 * (the new functions are the patch module's own).
 */
static int klpb_sym_size(unsigned long addr, const char *name, unsigned long *size)
{
	char buf[KSYM_SYMBOL_LEN], *end;
	size_t n = strlen(name);

	sprint_symbol(buf, addr);
	/*
	 * SYSCALL_DEFINEn without syscall wrappers (32-bit arm) makes
	 * sys_NAME an alias of __se_sys_NAME, the name create-diff-object
	 * patches; kallsyms prints the alias with fewer underscores
	 */
	if (!strncmp(name, "__se_sys_", 9) && !strncmp(buf, name + 5, n - 5) &&
	    !strncmp(buf + n - 5, "+0x0/0x", 7)) {
		name += 5;
		n -= 5;
	}
	if (strncmp(buf, name, n) || strncmp(buf + n, "+0x0/0x", 7)) {
		pr_err("'%s': %s: the address the module carries is %s: built for another kernel?\n",
		       THIS_MODULE->name, name, buf);
		return -EINVAL;
	}
	end = strchr(buf + n + 7, ' ');
	if (end)
		*end = 0;
	if (kstrtoul(buf + n + 7, 16, size) || !*size) {
		pr_err("'%s': %s: no size in '%s'\n", THIS_MODULE->name, name, buf);
		return -EINVAL;
	}
	return 0;
}

static struct klpb_fobj *klpb_get_obj(const char *name);
static int klpb_add_obj(struct klpb_ffunc *f);
static bool klpb_is_module_obj(const struct klpb_fobj *obj);

static int klpb_setup_funcs(void)
{
	const struct klpb_func *begin = __klpb_funcs_begin, *end = __klpb_funcs_end, *f;
	const struct klpb_callback *cb;
	unsigned long i = 0;
	int ret;

	/* two distinct symbols: keep the compiler from assuming they differ */
	OPTIMIZER_HIDE_VAR(begin);
	if (begin == end && klpb_cbs == klpb_cbs_end) {
		pr_err("'%s': no functions to patch: .klp.funcs is empty\n", THIS_MODULE->name);
		return -EINVAL;
	}
	/* a patch of callbacks only has no functions */
	klpb_nr_funcs = end - begin;
	klpb_funcs = kcalloc(klpb_nr_funcs ? klpb_nr_funcs : 1, sizeof(*klpb_funcs), GFP_KERNEL);
	/* at most one object per function and one per callback */
	klpb_objs = kcalloc(klpb_nr_funcs + (klpb_cbs_end - klpb_cbs) + 1, sizeof(*klpb_objs),
			    GFP_KERNEL);
	if (!klpb_funcs || !klpb_objs)
		return -ENOMEM;
	for (f = begin; f < end; f++, i++) {
		klpb_funcs[i].rec = f;
		klpb_funcs[i].new_addr = (unsigned long)f->new_func;
		ret = klpb_add_obj(&klpb_funcs[i]);
		if (ret)
			return ret;
		if (klpb_is_module_obj(klpb_funcs[i].obj)) {
			/* resolved when the module is there (klpb_resolve_obj) */
			ret = klpb_sym_size(klpb_funcs[i].new_addr, f->old_name,
					    &klpb_funcs[i].new_size);
			if (ret)
				return ret;
			continue;
		}
		if (!f->old_addr) {
			pr_err("'%s': %s: no address (module not converted with klp-convert --in-module-core?)\n",
			       THIS_MODULE->name, f->old_name);
			return -EINVAL;
		}
		klpb_funcs[i].old_addr = f->old_addr;
		ret = klpb_sym_size(f->old_addr, f->old_name, &klpb_funcs[i].old_size);
		if (!ret)
			ret = klpb_sym_size(klpb_funcs[i].new_addr, f->old_name,
					    &klpb_funcs[i].new_size);
		if (ret)
			return ret;
		pr_debug("%s at %pS -> %pS\n", f->old_name, (void *)f->old_addr, f->new_func);
	}
	/* an object of callbacks only has its directory too (the kernel's) */
	for (cb = klpb_cbs; cb < klpb_cbs_end; cb++)
		klpb_get_obj(cb->objname ? cb->objname : "vmlinux");
	return 0;
}

/* ---------------------------------------------------------------- modules */

/*
 * Functions and symbols of modules (docs/DESIGN.md "arm64"): a module may
 * be loaded before the patch, after it, or go and come back.  Its functions
 * are found by (name, sympos) in its mod->kallsyms, the kernel's order for
 * sympos; the references of patched code to its symbols go through slots
 * (struct klpb_slot, written by klp-convert --in-module-core): words this
 * core fills when the module is there and clears when it goes, so that
 * nothing of the patch module's text is written after its load.  A module
 * loaded later is resolved and redirected from its COMING notifier, before
 * its init runs: none of its code has run yet, so no task can be in one of
 * its functions and the stack rule of the switch holds without a check.
 * At GOING (its exit has run, before ftrace_release_mod) the redirection
 * and the slots go, as the kernel's klp_module_going does.
 */

/* klp-convert --in-module-core fills these (KLPB_SLOTS_SYM, KLPB_KADDR_PREFIX) */
struct klpb_slot_table klpb_slot_table __section(".data.klpb_slot_table") = { NULL, 0 };
unsigned long klpb_kaddr_find_module __section(".data.klpb_kaddr") = 0;
unsigned long klpb_kaddr_module_mutex __section(".data.klpb_kaddr") = 0;

#ifdef CONFIG_ARM
/*
 * 32-bit arm: a slot is a literal word in the text of a patched function,
 * or the word of a veneer "ldr pc, [pc, #-4]; .word slot" (klp-convert
 * slots.c): read-only text under STRICT_MODULE_RWX.  It is written through
 * the kernel's own primitive, as ftrace and jump labels write module text:
 * arch/arm/kernel/patch.c __patch_text_real(addr, word, remap) maps the
 * page at a fixmap alias (vmalloc_to_page, under patch_lock), stores the
 * aligned word and flushes the alias and the icache range.  It stores
 * __opcode_to_mem_arm(word), a byte swap on BE8 only: undone here, the word
 * is data.
 */
unsigned long klpb_kaddr___patch_text_real __section(".data.klpb_kaddr") = 0;

static void klpb_slot_write(unsigned long *word, unsigned long val)
{
	void (*patch)(void *addr, unsigned int insn, bool remap) =
		(void *)klpb_kaddr___patch_text_real;

	if (READ_ONCE(*word) != val)
		patch(word, __mem_to_opcode_arm(val), true);
}
#else
static void klpb_slot_write(unsigned long *word, unsigned long val)
{
	WRITE_ONCE(*word, val);
}
#endif

static bool klpb_modules_armed;		/* the notifier acts (under BUSY) */
static bool klpb_nb_registered;

static bool klpb_is_module_obj(const struct klpb_fobj *obj)
{
	return strcmp(obj->name, "vmlinux");
}

/* the object called name, added on first use; vmlinux is always there */
static struct klpb_fobj *klpb_get_obj(const char *name)
{
	unsigned long i;

	for (i = 0; i < klpb_nr_objs; i++)
		if (!strcmp(klpb_objs[i].name, name))
			break;
	if (i == klpb_nr_objs) {
		klpb_objs[i].name = name;
		klpb_objs[i].lp.name = name;
		klpb_objs[i].live = !klpb_is_module_obj(&klpb_objs[i]);
		klpb_nr_objs++;
	}
	return &klpb_objs[i];
}

static int klpb_add_obj(struct klpb_ffunc *f)
{
	f->obj = klpb_get_obj(f->rec->objname ? f->rec->objname : "vmlinux");
	return 0;
}

static bool klpb_have_modules(void)
{
	unsigned long i;

	for (i = 0; i < klpb_nr_objs; i++)
		if (klpb_is_module_obj(&klpb_objs[i]))
			return true;
	return false;
}

static int __maybe_unused klpb_check_kaddr(unsigned long addr, const char *name)
{
	unsigned long size;

	if (!addr) {
		pr_err("'%s': %s has no address (module not converted with klp-convert --in-module-core?)\n",
		       THIS_MODULE->name, name);
		return -EINVAL;
	}
	return klpb_sym_size(addr, name, &size);
}

/* the core's unexported needs, checked like the functions' addresses */
static int klpb_check_kaddrs(void)
{
	unsigned long size;
	int ret;

	if (!klpb_kaddr_idle_task) {
		pr_err("'%s': idle_task has no address (module not converted with klp-convert --in-module-core?)\n",
		       THIS_MODULE->name);
		return -EINVAL;
	}
	ret = klpb_sym_size(klpb_kaddr_idle_task, "idle_task", &size);
	if (ret)
		return ret;
#ifdef CONFIG_FUNCTION_GRAPH_TRACER
	ret = klpb_check_kaddr(klpb_kaddr_return_to_handler, "return_to_handler") ?:
	      klpb_check_kaddr(klpb_kaddr_ftrace_graph_ret_addr, "ftrace_graph_ret_addr");
	if (ret)
		return ret;
#endif
#if !defined(CONFIG_ARM) && defined(CONFIG_KRETPROBES)
	ret = klpb_check_kaddr(klpb_kaddr___kretprobe_trampoline, "__kretprobe_trampoline") ?:
	      klpb_check_kaddr(klpb_kaddr_kretprobe_find_ret_addr, "kretprobe_find_ret_addr");
	if (ret)
		return ret;
#endif
#ifdef CONFIG_ARM
	if (klpb_slot_table.nr) {
		ret = klpb_check_kaddr(klpb_kaddr___patch_text_real, "__patch_text_real");
		if (ret)
			return ret;
	}
#endif
	if (!klpb_have_modules())
		return 0;
	if (!klpb_kaddr_find_module || !klpb_kaddr_module_mutex) {
		pr_err("'%s': find_module/module_mutex have no address (module not converted with klp-convert --in-module-core?)\n",
		       THIS_MODULE->name);
		return -EINVAL;
	}
	return klpb_sym_size(klpb_kaddr_find_module, "find_module", &size) ?:
	       klpb_sym_size(klpb_kaddr_module_mutex, "module_mutex", &size);
}

/*
 * Address of the sympos-th symbol called name in mod's symbol table (0:
 * the name must be unique), as the kernel's klp_find_object_symbol counts.
 * The caller keeps mod from going away.
 */
static unsigned long klpb_module_sym(struct module *mod, const char *name,
				     unsigned long sympos, unsigned long *count)
{
	struct mod_kallsyms *ks;
	unsigned long addr = 0, seen = 0;
	unsigned int i;

	preempt_disable();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];

		if (sym->st_shndx == SHN_UNDEF || strcmp(ks->strtab + sym->st_name, name))
			continue;
		seen++;
		if (sympos ? seen == sympos : seen == 1)
			addr = sym->st_value;
	}
	preempt_enable();
	*count = seen;
	if (!sympos && seen > 1)
		return 0;
	return addr;
}

static int klpb_lookup(struct module *mod, const char *name, unsigned long sympos,
		       unsigned long *addr)
{
	unsigned long count;

	*addr = klpb_module_sym(mod, name, sympos, &count);
	if (*addr)
		return 0;
	if (!sympos && count > 1)
		pr_err("'%s': symbol %s of module %s is not unique (%lu) and has no position\n",
		       THIS_MODULE->name, name, mod->name, count);
	else
		pr_err("'%s': unresolvable symbol %s (position %lu) in module %s (%lu found)\n",
		       THIS_MODULE->name, name, sympos, mod->name, count);
	return -ENOENT;
}

static void klpb_clear_slots(struct klpb_fobj *obj)
{
	unsigned long i;

	for (i = 0; i < klpb_slot_table.nr; i++)
		if (!strcmp(klpb_slot_table.slots[i].objname, obj->name))
			klpb_slot_write(klpb_slot_table.slots[i].word, 0);
}

/* obj's functions and slots from mod; nothing is redirected yet */
static int klpb_resolve_obj(struct klpb_fobj *obj, struct module *mod)
{
	unsigned long i, addr;
	int ret;

	for (i = 0; i < klpb_slot_table.nr; i++) {
		const struct klpb_slot *sl = &klpb_slot_table.slots[i];

		if (strcmp(sl->objname, obj->name))
			continue;
		ret = klpb_lookup(mod, sl->name, sl->sympos, &addr);
		if (ret)
			goto err;
		klpb_slot_write(sl->word, addr + sl->addend);
	}
	for (i = 0; i < klpb_nr_funcs; i++) {
		struct klpb_ffunc *f = &klpb_funcs[i];

		if (f->obj != obj)
			continue;
		ret = klpb_lookup(mod, f->rec->old_name, f->rec->sympos, &addr);
		if (!ret)
			ret = klpb_sym_size(addr, f->rec->old_name, &f->old_size);
		if (ret)
			goto err;
		f->old_addr = addr;
	}
	obj->mod = mod;
	obj->lp.mod = mod;
	return 0;
err:
	klpb_clear_slots(obj);
	for (i = 0; i < klpb_nr_funcs; i++)
		if (klpb_funcs[i].obj == obj)
			klpb_funcs[i].old_addr = klpb_funcs[i].old_size = 0;
	return ret;
}

/* no more redirection into the module (its slots stay) */
static void klpb_unredirect_obj(struct klpb_fobj *obj)
{
	unsigned long i;

	WRITE_ONCE(obj->live, false);
	obj->lp.patched = false;
	for (i = 0; i < klpb_nr_funcs; i++)
		if (klpb_funcs[i].obj == obj)
			klpb_unregister(&klpb_funcs[i]);
}

/* the module goes: no more redirection into it, no stale addresses */
static void klpb_release_obj(struct klpb_fobj *obj)
{
	unsigned long i;

	klpb_unredirect_obj(obj);
	for (i = 0; i < klpb_nr_funcs; i++) {
		if (klpb_funcs[i].obj != obj)
			continue;
		klpb_funcs[i].old_addr = klpb_funcs[i].old_size = 0;
		/* a newer patch covers it again when the module comes back */
		klpb_funcs[i].covered = false;
	}
	klpb_clear_slots(obj);
	obj->mod = NULL;
	obj->lp.mod = NULL;
	obj->lp.patched = false;
}

/* obj's functions redirected (they switch together: live is set last) */
static int klpb_redirect_obj(struct klpb_fobj *obj)
{
	struct klpb_ffunc *top;
	unsigned long i;
	int ret;

	for (i = 0; i < klpb_nr_funcs; i++) {
		if (klpb_funcs[i].obj != obj)
			continue;
		/*
		 * An earlier patch replaced by this one was disarmed; an
		 * earlier one of --no-replace whose notifier ran first holds
		 * the IPMODIFY ops: this one goes on top of it through the
		 * bridge and covers it (no task is in the module: its init
		 * has not run).  Any other IPMODIFY holder makes this fail
		 * (-EBUSY, named).
		 */
		ret = klpb_register(&klpb_funcs[i], klpb_top_holder(klpb_funcs[i].old_addr) != NULL);
		if (ret) {
			klpb_release_obj(obj);
			return ret;
		}
	}
	for (i = 0; i < klpb_nr_funcs; i++) {
		if (klpb_funcs[i].obj != obj)
			continue;
		top = klpb_top_holder(klpb_funcs[i].old_addr);
		if (top)
			WRITE_ONCE(top->covered, true);
	}
	WRITE_ONCE(obj->live, true);
	return 0;
}

static int klpb_module_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;
	unsigned long i;
	int ret = 0;

	if (action != MODULE_STATE_COMING && action != MODULE_STATE_GOING)
		return 0;
	/* the objects are fixed at init: no lock to see whether mod is one */
	for (i = 0; i < klpb_nr_objs; i++)
		if (klpb_is_module_obj(&klpb_objs[i]) && !strcmp(klpb_objs[i].name, mod->name))
			break;
	if (i == klpb_nr_objs)
		return 0;
	/*
	 * The root's BUSY bit, as enable, disable and replace: a patch that
	 * replaces this one, or the disabling of this one, is either done
	 * (disarmed: nothing to do) or not begun.  Never held while taking
	 * the notifier chain's lock (register/unregister_module_notifier run
	 * outside it), and no module_mutex here: no cycle.
	 */
	klpb_lock();
	for (i = 0; klpb_modules_armed && i < klpb_nr_objs; i++) {
		struct klpb_fobj *obj = &klpb_objs[i];

		if (!klpb_is_module_obj(obj) || strcmp(obj->name, mod->name))
			continue;
		if (action == MODULE_STATE_GOING) {
			if (obj->mod != mod)
				continue;
			/*
			 * klp_cleanup_module_patches_limited's order; the
			 * slots stay filled for post-unpatch (the module's
			 * code is still there), as the kernel clears the
			 * relocations after it
			 */
			klpb_run_obj(obj, KLPB_CB_PRE_UNPATCH, true);
			pr_notice("reverting patch '%s' on unloading module '%s'\n",
				  THIS_MODULE->name, mod->name);
			klpb_unredirect_obj(obj);
			klpb_run_obj(obj, KLPB_CB_POST_UNPATCH, true);
			klpb_release_obj(obj);
			continue;
		}
		/* already resolved by klpb_init's look at the loaded modules */
		if (obj->mod == mod)
			continue;
		pr_notice("applying patch '%s' to loading module '%s'\n",
			  THIS_MODULE->name, mod->name);
		/* klp_module_coming's order: pre-patch, patch, post-patch */
		ret = klpb_resolve_obj(obj, mod);
		if (!ret) {
			ret = klpb_pre_patch_obj(obj);
			if (ret)
				klpb_release_obj(obj);
		}
		if (!ret)
			ret = klpb_redirect_obj(obj);
		if (!ret) {
			obj->lp.patched = true;
			klpb_run_obj(obj, KLPB_CB_POST_PATCH, false);
		}
		if (ret) {
			pr_warn("patch '%s' failed for module '%s', refusing to load module '%s'\n",
				THIS_MODULE->name, mod->name, mod->name);
			break;
		}
	}
	klpb_unlock();
	/* an error refuses the target module's load, as klp_module_coming does */
	return notifier_from_errno(ret);
}

static struct notifier_block klpb_module_nb = {
	.notifier_call = klpb_module_notify,
	.priority = INT_MIN + 1,	/* after ftrace and jump labels, like livepatch */
};

/*
 * Under BUSY, before the switch: the modules already loaded get
 * resolved; their functions are registered by klpb_patch with the others.
 * module_mutex keeps them from being freed; one that is already GOING is
 * left alone (its notifier may be waiting for BUSY).
 */
static int klpb_resolve_loaded(void)
{
	struct module *(*find_mod)(const char *name) = (void *)klpb_kaddr_find_module;
	struct mutex *mod_mutex = (struct mutex *)klpb_kaddr_module_mutex;
	unsigned long i;
	int ret = 0;

	klpb_modules_armed = true;
	for (i = 0; !ret && i < klpb_nr_objs; i++) {
		struct klpb_fobj *obj = &klpb_objs[i];
		struct module *mod;

		if (!klpb_is_module_obj(obj))
			continue;
		mutex_lock(mod_mutex);
		mod = find_mod(obj->name);
		if (mod && (mod->state == MODULE_STATE_COMING || mod->state == MODULE_STATE_LIVE)) {
			ret = klpb_resolve_obj(obj, mod);
			if (!ret)
				WRITE_ONCE(obj->live, true);
		}
		mutex_unlock(mod_mutex);
	}
	return ret;
}

/* before BUSY is taken: the notifier chain's lock is taken first there */
static int klpb_modules_start(void)
{
	int ret;

	if (!klpb_have_modules())
		return 0;
	ret = register_module_notifier(&klpb_module_nb);
	if (ret) {
		pr_err("'%s': register_module_notifier failed: %d\n", THIS_MODULE->name, ret);
		return ret;
	}
	klpb_nb_registered = true;
	return 0;
}

/* disabled or replaced (BUSY held, switched off): modules are left alone */
static void klpb_modules_disarm(void)
{
	unsigned long i;

	klpb_modules_armed = false;
	for (i = 0; i < klpb_nr_objs; i++)
		if (klpb_is_module_obj(&klpb_objs[i]) && klpb_objs[i].mod)
			klpb_release_obj(&klpb_objs[i]);
}

/* BUSY not held: unregister_module_notifier waits for running notifiers */
static void klpb_modules_stop(void)
{
	if (klpb_nb_registered) {
		unregister_module_notifier(&klpb_module_nb);
		klpb_nb_registered = false;
	}
	if (IS_ERR_OR_NULL(klpb_root) || !klpb_objs)
		return;
	klpb_lock();
	klpb_modules_disarm();
	klpb_unlock();
}

/* ---------------------------------------------------------------- sysfs */

static ssize_t enabled_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(klpb_enabled));
}

/*
 * Writing 0 disables the patch; as with the kernel's core a disabled patch
 * cannot be enabled again (its directory goes away): reload the module.
 */
static ssize_t enabled_store(struct kobject *kobj, struct kobj_attribute *attr,
			     const char *buf, size_t count)
{
	bool enable;
	int ret;

	ret = kstrtobool(buf, &enable);
	if (ret)
		return ret;
	klpb_lock();
	if (enable || !klpb_enabled) {
		/* the kernel's core: enabled == patch->enabled is -EINVAL */
		klpb_unlock();
		return -EINVAL;
	}
	ret = klpb_unpatch();
	if (ret) {
		klpb_unlock();
		return ret;
	}
	WRITE_ONCE(klpb_enabled, false);
	klpb_modules_disarm();
	list_del_init(&klpb_self.node);
	klpb_unlock();
	/* the directory cannot remove itself from its own store method */
	schedule_work(&klpb_remove_work);
	/* the reference taken when the patch was enabled: rmmod may go on */
	module_put(THIS_MODULE);
	return count;
}

static ssize_t transition_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	/* no per-task transition: all functions switch at once */
	return sysfs_emit(buf, "0\n");
}

static ssize_t replace_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", KLPB_REPLACE);
}

static struct kobj_attribute klpb_enabled_attr = __ATTR_RW(enabled);
static struct kobj_attribute klpb_transition_attr = __ATTR_RO(transition);
static struct kobj_attribute klpb_replace_attr = __ATTR_RO(replace);
static struct attribute *klpb_attrs[] = {
	&klpb_enabled_attr.attr,
	&klpb_transition_attr.attr,
	&klpb_replace_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(klpb);

static void klpb_kobj_release(struct kobject *kobj)
{
	complete(&klpb_kobj_released);
}

static const struct kobj_type klpb_ktype = {
	.release = klpb_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = klpb_groups,
};

static ssize_t patched_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	unsigned long i;
	bool patched = false;

	for (i = 0; i < klpb_nr_objs; i++)
		if (klpb_objs[i].kobj == kobj)
			patched = READ_ONCE(klpb_vmlinux_obj.patched) &&
				  READ_ONCE(klpb_objs[i].live);
	return sysfs_emit(buf, "%d\n", patched);
}

static struct kobj_attribute klpb_patched_attr = __ATTR_RO(patched);

/*
 * As the kernel's core lays them out: <module>/<object>/patched (vmlinux,
 * or a module's name, there whether the module is loaded or not) and one
 * directory per function, "<name>,<sympos>" (1 for a unique name).  Plain
 * kobjects (kobject_create_and_add: vmlinux code frees them).
 */
static int klpb_add_object_dirs(void)
{
	char name[KSYM_NAME_LEN + 24];
	unsigned long i;
	int ret;

	for (i = 0; i < klpb_nr_objs; i++) {
		klpb_objs[i].kobj = kobject_create_and_add(klpb_objs[i].name, &klpb_kobj);
		if (!klpb_objs[i].kobj)
			return -ENOMEM;
		ret = sysfs_create_file(klpb_objs[i].kobj, &klpb_patched_attr.attr);
		if (ret)
			return ret;
	}
	for (i = 0; i < klpb_nr_funcs; i++) {
		const struct klpb_func *rec = klpb_funcs[i].rec;

		snprintf(name, sizeof(name), "%s,%lu", rec->old_name, rec->sympos ? rec->sympos : 1);
		klpb_funcs[i].kobj = kobject_create_and_add(name, klpb_funcs[i].obj->kobj);
		if (!klpb_funcs[i].kobj)
			return -ENOMEM;
	}
	return 0;
}

static void klpb_del_object_dirs(void)
{
	unsigned long i;

	for (i = 0; klpb_funcs && i < klpb_nr_funcs; i++) {
		kobject_put(klpb_funcs[i].kobj);
		klpb_funcs[i].kobj = NULL;
	}
	for (i = 0; klpb_objs && i < klpb_nr_objs; i++) {
		kobject_put(klpb_objs[i].kobj);
		klpb_objs[i].kobj = NULL;
	}
}

static void klpb_remove_dir(struct work_struct *work)
{
	klpb_del_object_dirs();
	if (klpb_kobj_added) {
		klpb_kobj_added = false;
		kobject_put(&klpb_kobj);
	}
}

/*
 * /sys/kernel/livepatch: the kernel's livepatch core would own it; here the
 * first patch module creates it as a struct klpb_root (see there) and the
 * others take a reference on the existing one (a sysfs directory's kernfs
 * node points at its kobject) after checking that it is one of this
 * layout.  The last reference removes it.
 */
static struct klpb_root *klpb_get_root(void)
{
	struct kernfs_node *kn;
	struct kobject *kobj = NULL;
	struct klpb_root *root;
	unsigned int i;
	int ret;

	kn = kernfs_find_and_get(kernel_kobj->sd, "livepatch");
	if (kn) {
		if (kernfs_type(kn) == KERNFS_DIR && kn->priv)
			kobj = kobject_get_unless_zero(kn->priv) ? kn->priv : NULL;
		kernfs_put(kn);
	}
	if (kobj) {
		root = container_of(kobj, struct klpb_root, kobj);
		/* a plain kobject (an earlier core) is smaller than a root */
		if (ksize(kobj) < sizeof(*root) || root->magic != KLPB_ROOT_MAGIC ||
		    root->version != KLPB_ROOT_VERSION) {
			pr_err("'%s': /sys/kernel/livepatch belongs to patch modules of another klp-build core: remove them first\n",
			       THIS_MODULE->name);
			kobject_put(kobj);
			return ERR_PTR(-EBUSY);
		}
		return root;
	}
	root = kzalloc(sizeof(*root), GFP_KERNEL);
	if (!root)
		return ERR_PTR(-ENOMEM);
	root->magic = KLPB_ROOT_MAGIC;
	root->version = KLPB_ROOT_VERSION;
	INIT_LIST_HEAD(&root->patches);
	for (i = 0; i < ARRAY_SIZE(root->shadow); i++)
		INIT_HLIST_HEAD(&root->shadow[i]);
	/* kernel_kobj's type: the kernel's dynamic kobjects, freed by kfree(kobj) */
	kobject_init(&root->kobj, get_ktype(kernel_kobj));
	ret = kobject_add(&root->kobj, kernel_kobj, "livepatch");
	if (ret) {
		/* someone else just created it: try again */
		kobject_put(&root->kobj);
		return ERR_PTR(ret == -EEXIST ? -EAGAIN : ret);
	}
	return root;
}

/* ---------------------------------------------------------------- module */

static void klpb_put_root(void)
{
	if (IS_ERR_OR_NULL(klpb_root))
		return;
	if (klpb_root_user) {
		klpb_lock();
		if (!--klpb_root->users)
			klpb_shadow_release_all();
		klpb_root_user = false;
		klpb_unlock();
	}
	kobject_put(&klpb_root->kobj);
	klpb_root = NULL;
}

static void klpb_cleanup(void)
{
	klpb_modules_stop();
	flush_work(&klpb_remove_work);
	klpb_del_object_dirs();
	if (klpb_kobj_added) {
		klpb_kobj_added = false;
		kobject_put(&klpb_kobj);
	}
	if (klpb_kobj.state_initialized)
		wait_for_completion(&klpb_kobj_released);
	klpb_put_root();
	kfree(klpb_funcs);
	kfree(klpb_objs);
}

static int __init klpb_init(void)
{
	const struct klpb_callback *cbs = __klpb_callbacks_begin;
	int ret, tries = 0;

	BUILD_BUG_ON(offsetof(struct klpb_func, old_addr) != KLPB_FUNC_OLD_ADDR * sizeof(long));
	BUILD_BUG_ON(sizeof(struct klpb_func) != KLPB_FUNC_SIZE(sizeof(long)));
	BUILD_BUG_ON(offsetof(struct klpb_callback, type) != KLPB_CB_TYPE * sizeof(long));
	BUILD_BUG_ON(offsetof(struct klpb_callback, fn) != KLPB_CB_FN * sizeof(long));
	BUILD_BUG_ON(offsetof(struct klpb_callback, objname) != KLPB_CB_OBJNAME * sizeof(long));
	BUILD_BUG_ON(sizeof(struct klpb_callback) != KLPB_CB_NR_WORDS * sizeof(long));

	/* two distinct symbols: keep the compiler from assuming they differ */
	OPTIMIZER_HIDE_VAR(cbs);
	klpb_cbs = cbs;
	klpb_cbs_end = __klpb_callbacks_end;
	ret = klpb_check_callbacks();
	if (ret)
		return ret;
	ret = klpb_setup_funcs() ?: klpb_check_kaddrs();
	if (ret)
		goto err;

	do
		klpb_root = klpb_get_root();
	while (PTR_ERR(klpb_root) == -EAGAIN && ++tries < 3);
	if (IS_ERR(klpb_root)) {
		ret = PTR_ERR(klpb_root);
		pr_err("'%s': cannot create /sys/kernel/livepatch: %d\n", THIS_MODULE->name, ret);
		goto err;
	}
	klpb_lock();
	klpb_root->users++;
	klpb_root_user = true;
	klpb_unlock();

	ret = kobject_init_and_add(&klpb_kobj, &klpb_ktype, &klpb_root->kobj, "%s",
				   THIS_MODULE->name);
	if (ret) {
		pr_err("'%s': cannot create /sys/kernel/livepatch/%s: %d\n", THIS_MODULE->name,
		       THIS_MODULE->name, ret);
		kobject_put(&klpb_kobj);
		goto err;
	}
	klpb_kobj_added = true;
	ret = klpb_add_object_dirs();
	if (ret) {
		pr_err("'%s': cannot create the object and function directories: %d\n",
		       THIS_MODULE->name, ret);
		goto err;
	}

	pr_notice("enabling patch '%s'\n", THIS_MODULE->name);
	/* as the module loader does for livepatch modules */
	add_taint(TAINT_LIVEPATCH, LOCKDEP_STILL_OK);
	ret = klpb_modules_start();
	if (ret)
		goto err;
	klpb_lock();
	ret = klpb_resolve_loaded() ?: klpb_patch();
	if (ret)
		klpb_modules_disarm();
	else {
		/* held while enabled, like the kernel's core: no rmmod */
		__module_get(THIS_MODULE);
		WRITE_ONCE(klpb_enabled, true);
		klpb_self.mod = THIS_MODULE;
		klpb_self.active = &klpb_active;
		klpb_self.funcs = klpb_funcs;
		klpb_self.nr_funcs = klpb_nr_funcs;
		klpb_self.replaced = klpb_replaced;
		list_add_tail(&klpb_self.node, &klpb_root->patches);
	}
	klpb_unlock();
	if (ret)
		goto err;
	return 0;
err:
	klpb_cleanup();
	return ret;
}

static void __exit klpb_exit(void)
{
	/* only reachable once disabled or replaced: the enabled patch holds a reference */
	klpb_cleanup();
}

module_init(klpb_init);
module_exit(klpb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch module built by klp-build (in-module core: kernel without CONFIG_LIVEPATCH)");
