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
 *   only when no task has a function being replaced on its stack (the old
 *   ones when enabling, the new ones when disabling): arm64 has no reliable
 *   stack trace, so the core walks each task's frame records itself (see
 *   klpb_check_task); tried KLPB_TRIES times, then the load (or the write of
 *   0 to enabled) fails, naming the task and the function.
 *
 * - functions and symbols of modules: resolved from the module's kallsyms
 *   when it is loaded, at init or from its COMING notifier (late module
 *   patching), released at its GOING; references go through slots the
 *   core fills (see "modules" below).
 *
 * Not done yet (refused or documented, DESIGN.md): atomic replace of an
 * earlier patch (a second patch of the same function fails to load: one
 * IPMODIFY ops per function), callbacks, shadow variables, the idle
 * tasks' stacks.
 */
#define pr_fmt(fmt) "livepatch: " fmt

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kernfs.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/stop_machine.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/version.h>
#include <linux/workqueue.h>
#include <asm/ptrace.h>

#include "klpb-meta.h"

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
};

struct klpb_ffunc {
	const struct klpb_func *rec;
	struct klpb_fobj *obj;
	unsigned long old_addr, old_size;
	unsigned long new_addr, new_size;
	bool registered;
	struct ftrace_ops ops;
	struct kobject *kobj;		/* NAME/vmlinux/<function,sympos> */
};

/* the switch: the handlers redirect only while it is on (set under stop_machine) */
static bool klpb_active;

static struct klpb_ffunc *klpb_funcs;
static unsigned long klpb_nr_funcs;
static struct klpb_fobj *klpb_objs;
static unsigned long klpb_nr_objs;
static DEFINE_MUTEX(klpb_lock);		/* klpb_enabled, the ops */
static bool klpb_enabled;

static struct kobject *klpb_root;	/* /sys/kernel/livepatch (a reference) */
static struct kobject klpb_kobj;	/* /sys/kernel/livepatch/<module> */
static bool klpb_kobj_added;
static DECLARE_COMPLETION(klpb_kobj_released);
static void klpb_remove_dir(struct work_struct *work);
static DECLARE_WORK(klpb_remove_work, klpb_remove_dir);

/* ---------------------------------------------------------------- redirection */

static void notrace klpb_handler(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct klpb_ffunc *f = container_of(op, struct klpb_ffunc, ops);

	if (!READ_ONCE(klpb_active) || !READ_ONCE(f->obj->live))
		return;
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
	/* 6.12: ftrace_caller returns to fregs->pc */
	ftrace_regs_set_instruction_pointer(fregs, f->new_addr);
#else
	/* 6.1 WITH_REGS: ftrace_regs_caller returns to regs->pc (the
	 * generic ftrace_instruction_pointer_set() is empty there) */
	instruction_pointer_set(ftrace_get_regs(fregs), f->new_addr);
#endif
}

#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
/* SAVE_REGS is refused (-EINVAL) where only WITH_ARGS exists */
#define KLPB_FTRACE_FLAGS (FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT)
#else
#define KLPB_FTRACE_FLAGS (FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY | \
			   FTRACE_OPS_FL_PERMANENT)
#endif

static int klpb_register(struct klpb_ffunc *f)
{
	int ret;

	/*
	 * A module's functions are registered again at each of its loads:
	 * ftrace_free_filter() frees the ops' hashes without resetting the
	 * pointers (nor FTRACE_OPS_FL_INITIALIZED), so start from a clean ops
	 * (booted: the second load of configs.ko oopsed in
	 * alloc_and_copy_ftrace_hash without this).
	 */
	memset(&f->ops, 0, sizeof(f->ops));
	f->ops.func = klpb_handler;
	f->ops.flags = KLPB_FTRACE_FLAGS;
	ret = ftrace_set_filter_ip(&f->ops, f->old_addr, 0, 0);
	if (ret) {
		pr_err("'%s': no ftrace site at %s (%pS): ftrace_set_filter_ip failed: %d\n",
		       THIS_MODULE->name, f->rec->old_name, (void *)f->old_addr, ret);
		return ret;
	}
	ret = register_ftrace_function(&f->ops);
	if (ret) {
		pr_err("'%s': cannot redirect %s: register_ftrace_function failed: %d%s\n",
		       THIS_MODULE->name, f->rec->old_name, ret,
		       ret == -EBUSY ? " (another patch or IPMODIFY user holds it)" : "");
		ftrace_free_filter(&f->ops);
		return ret;
	}
	f->registered = true;
	return 0;
}

static void klpb_unregister(struct klpb_ffunc *f)
{
	int ret;

	if (!f->registered)
		return;
	ret = unregister_ftrace_function(&f->ops);
	if (ret)
		pr_warn("'%s': unregister_ftrace_function(%s) failed: %d\n",
			THIS_MODULE->name, f->rec->old_name, ret);
	ftrace_free_filter(&f->ops);
	f->registered = false;
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

/* what stopped the last try (written under stop_machine, printed after) */
static struct {
	pid_t pid;
	char comm[TASK_COMM_LEN];
	const char *func;
	unsigned long addr;
	bool unreliable;
} klpb_busy;

static unsigned long klpb_strip_pac(unsigned long lr)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return ptrauth_strip_kernel_insn_pac(lr);
#else
	return ptrauth_strip_insn_pac(lr);
#endif
}

/* is addr in one of the functions being replaced (new: the module's copies)? */
static const struct klpb_ffunc *klpb_find_func(unsigned long addr, bool new)
{
	unsigned long i;

	for (i = 0; i < klpb_nr_funcs; i++) {
		const struct klpb_ffunc *f = &klpb_funcs[i];
		unsigned long start = new ? f->new_addr : f->old_addr;
		unsigned long size = new ? f->new_size : f->old_size;

		if (addr >= start && addr < start + size)
			return f;
	}
	return NULL;
}

/*
 * Walk the frame records of task t, which is off-CPU (stop_machine): its
 * saved pc, then every record's return address.  At an exception boundary
 * (a record that is the stackframe of an EL1 pt_regs on this stack: entry.S
 * stores {x29, elr} there) the interrupted function may not have saved its
 * LR yet (a leaf, or before its prologue), so regs[30] counts as live too:
 * conservative, a stale LR only delays the switch.  Returns the function
 * found, or NULL; *unreliable when the chain leaves the stack or is too
 * deep.
 */
static const struct klpb_ffunc *klpb_check_task(struct task_struct *t, bool new,
						unsigned long *where, bool *unreliable)
{
	unsigned long low = (unsigned long)task_stack_page(t), high = low + THREAD_SIZE;
	unsigned long fp = thread_saved_fp(t), pc = thread_saved_pc(t);
	const struct klpb_ffunc *f;
	int depth;

	*unreliable = false;
	*where = pc;
	f = klpb_find_func(pc, new);
	if (f)
		return f;
	for (depth = 0; fp; depth++) {
		struct pt_regs *regs;
		unsigned long next, lr;

		if (depth == KLPB_MAX_FRAMES || (fp & 7) || fp < low || fp > high - 16) {
			*unreliable = true;
			return NULL;
		}
		next = READ_ONCE_NOCHECK(((unsigned long *)fp)[0]);
		lr = klpb_strip_pac(READ_ONCE_NOCHECK(((unsigned long *)fp)[1]));
		*where = lr;
		f = klpb_find_func(lr, new);
		if (f)
			return f;
		regs = (struct pt_regs *)(fp - offsetof(struct pt_regs, stackframe));
		if ((unsigned long)regs >= low && regs->pc == lr &&
		    (regs->pstate & PSR_MODE_MASK) == PSR_MODE_EL1h) {
			*where = klpb_strip_pac(regs->regs[30]);
			f = klpb_find_func(*where, new);
			if (f)
				return f;
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

/*
 * Runs on one CPU while every other CPU spins with interrupts off: every
 * task but the stoppers (on a CPU right now) is switched out with its
 * registers saved.  Checks them all, then flips the switch.
 */
static int klpb_switch(void *data)
{
	bool enable = (bool)(unsigned long)data;
	struct task_struct *g, *t;
	const struct klpb_ffunc *f;
	unsigned long where;
	bool unreliable;
	int ret = 0;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		if (READ_ONCE(t->on_cpu) || !task_stack_page(t))
			continue;
		/* enabling: nobody in an old function; disabling: in a new one */
		f = klpb_check_task(t, !enable, &where, &unreliable);
		if (f || unreliable) {
			klpb_busy.pid = task_pid_nr(t);
			memcpy(klpb_busy.comm, t->comm, sizeof(klpb_busy.comm));
			klpb_busy.func = f ? f->rec->old_name : NULL;
			klpb_busy.addr = where;
			klpb_busy.unreliable = unreliable;
			ret = -EBUSY;
			break;
		}
	}
	rcu_read_unlock();
	if (!ret)
		WRITE_ONCE(klpb_active, enable);
	return ret;
}

/* the switch, tried KLPB_TRIES times; the reason named when it fails */
static int klpb_try_switch(bool enable)
{
	int i, ret = 0;

	for (i = 0; i < KLPB_TRIES; i++) {
		if (i)
			msleep(KLPB_RETRY_MS);
		ret = stop_machine(klpb_switch, (void *)(unsigned long)enable, NULL);
		if (ret != -EBUSY)
			break;
	}
	if (ret == -EBUSY && klpb_busy.func)
		pr_err("'%s': %s refused: task %d (%s) is in %s%s (%pS), tried %d times %d ms apart\n",
		       THIS_MODULE->name, enable ? "patching" : "unpatching", klpb_busy.pid,
		       klpb_busy.comm, enable ? "" : "the patched ", klpb_busy.func,
		       (void *)klpb_busy.addr, KLPB_TRIES, KLPB_RETRY_MS);
	else if (ret == -EBUSY)
		pr_err("'%s': %s refused: the stack of task %d (%s) cannot be walked (at %pS), tried %d times %d ms apart\n",
		       THIS_MODULE->name, enable ? "patching" : "unpatching", klpb_busy.pid,
		       klpb_busy.comm, (void *)klpb_busy.addr, KLPB_TRIES, KLPB_RETRY_MS);
	else if (ret)
		pr_err("'%s': stop_machine failed: %d\n", THIS_MODULE->name, ret);
	return ret;
}

/*
 * All functions, or none: the ops are registered with the switch off (ftrace
 * reaches the sites one by one on arm64, without stop_machine), then the
 * switch turns every redirection on at once.  A failure takes everything
 * back.
 */
static int klpb_patch(void)
{
	unsigned long i;
	int ret;

	pr_info("'%s': starting patching transition\n", THIS_MODULE->name);
	for (i = 0; i < klpb_nr_funcs; i++) {
		/* a module that is not there: its COMING redirects it */
		if (!klpb_funcs[i].old_addr)
			continue;
		ret = klpb_register(&klpb_funcs[i]);
		if (ret)
			goto undo;
	}
	ret = klpb_try_switch(true);
	if (!ret) {
		pr_info("'%s': patching complete\n", THIS_MODULE->name);
		return 0;
	}
undo:
	while (i--)
		klpb_unregister(&klpb_funcs[i]);
	pr_err("'%s': patching failed\n", THIS_MODULE->name);
	return ret;
}

/* the switch off (nobody in a new function), then the ops go */
static int klpb_unpatch(void)
{
	unsigned long i = klpb_nr_funcs;
	int ret;

	pr_info("'%s': starting unpatching transition\n", THIS_MODULE->name);
	ret = klpb_try_switch(false);
	if (ret) {
		pr_err("'%s': unpatching failed: the patch stays enabled\n", THIS_MODULE->name);
		return ret;
	}
	while (i--)
		klpb_unregister(&klpb_funcs[i]);
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

static int klpb_add_obj(struct klpb_ffunc *f);
static bool klpb_is_module_obj(const struct klpb_fobj *obj);

static int klpb_setup_funcs(void)
{
	const struct klpb_func *begin = __klpb_funcs_begin, *end = __klpb_funcs_end, *f;
	unsigned long i = 0;
	int ret;

	/* two distinct symbols: keep the compiler from assuming they differ */
	OPTIMIZER_HIDE_VAR(begin);
	if (begin == end) {
		pr_err("'%s': no functions to patch: .klp.funcs is empty\n", THIS_MODULE->name);
		return -EINVAL;
	}
	klpb_nr_funcs = end - begin;
	klpb_funcs = kcalloc(klpb_nr_funcs, sizeof(*klpb_funcs), GFP_KERNEL);
	/* at most one object per function */
	klpb_objs = kcalloc(klpb_nr_funcs, sizeof(*klpb_objs), GFP_KERNEL);
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

static bool klpb_modules_armed;		/* the notifier acts (klpb_lock) */
static bool klpb_nb_registered;

static bool klpb_is_module_obj(const struct klpb_fobj *obj)
{
	return strcmp(obj->name, "vmlinux");
}

/* f's object, added on first use; vmlinux is always there */
static int klpb_add_obj(struct klpb_ffunc *f)
{
	const char *name = f->rec->objname ? f->rec->objname : "vmlinux";
	unsigned long i;

	for (i = 0; i < klpb_nr_objs; i++)
		if (!strcmp(klpb_objs[i].name, name))
			break;
	if (i == klpb_nr_objs) {
		klpb_objs[i].name = name;
		klpb_objs[i].live = !klpb_is_module_obj(&klpb_objs[i]);
		klpb_nr_objs++;
	}
	f->obj = &klpb_objs[i];
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

/* the core's unexported needs, checked like the functions' addresses */
static int klpb_check_kaddrs(void)
{
	unsigned long size;

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
			WRITE_ONCE(*klpb_slot_table.slots[i].word, 0);
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
		WRITE_ONCE(*sl->word, addr + sl->addend);
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
	return 0;
err:
	klpb_clear_slots(obj);
	for (i = 0; i < klpb_nr_funcs; i++)
		if (klpb_funcs[i].obj == obj)
			klpb_funcs[i].old_addr = klpb_funcs[i].old_size = 0;
	return ret;
}

/* the module goes: no more redirection into it, no stale addresses */
static void klpb_release_obj(struct klpb_fobj *obj)
{
	unsigned long i;

	WRITE_ONCE(obj->live, false);
	for (i = 0; i < klpb_nr_funcs; i++) {
		struct klpb_ffunc *f = &klpb_funcs[i];

		if (f->obj != obj)
			continue;
		klpb_unregister(f);
		f->old_addr = f->old_size = 0;
	}
	klpb_clear_slots(obj);
	obj->mod = NULL;
}

/* obj's functions redirected (they switch together: live is set last) */
static int klpb_redirect_obj(struct klpb_fobj *obj)
{
	unsigned long i;
	int ret;

	for (i = 0; i < klpb_nr_funcs; i++) {
		if (klpb_funcs[i].obj != obj)
			continue;
		ret = klpb_register(&klpb_funcs[i]);
		if (ret) {
			klpb_release_obj(obj);
			return ret;
		}
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
	mutex_lock(&klpb_lock);
	for (i = 0; klpb_modules_armed && i < klpb_nr_objs; i++) {
		struct klpb_fobj *obj = &klpb_objs[i];

		if (!klpb_is_module_obj(obj) || strcmp(obj->name, mod->name))
			continue;
		if (action == MODULE_STATE_GOING) {
			if (obj->mod != mod)
				continue;
			pr_notice("reverting patch '%s' on unloading module '%s'\n",
				  THIS_MODULE->name, mod->name);
			klpb_release_obj(obj);
			continue;
		}
		/* already resolved by klpb_init's look at the loaded modules */
		if (obj->mod == mod)
			continue;
		pr_notice("applying patch '%s' to loading module '%s'\n",
			  THIS_MODULE->name, mod->name);
		ret = klpb_resolve_obj(obj, mod);
		if (!ret)
			ret = klpb_redirect_obj(obj);
		if (ret) {
			pr_warn("patch '%s' failed for module '%s', refusing to load module '%s'\n",
				THIS_MODULE->name, mod->name, mod->name);
			break;
		}
	}
	mutex_unlock(&klpb_lock);
	/* an error refuses the target module's load, as klp_module_coming does */
	return notifier_from_errno(ret);
}

static struct notifier_block klpb_module_nb = {
	.notifier_call = klpb_module_notify,
	.priority = INT_MIN + 1,	/* after ftrace and jump labels, like livepatch */
};

/*
 * Under klpb_lock, before the switch: the modules already loaded get
 * resolved; their functions are registered by klpb_patch with the others.
 * module_mutex keeps them from being freed; one that is already GOING is
 * left alone (its notifier may be waiting for klpb_lock).
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

/* before klpb_lock is taken: the notifier chain's lock is taken first there */
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

/* disabled (klpb_lock held, every ops gone): modules are left alone */
static void klpb_modules_disarm(void)
{
	unsigned long i;

	klpb_modules_armed = false;
	for (i = 0; i < klpb_nr_objs; i++)
		if (klpb_is_module_obj(&klpb_objs[i]) && klpb_objs[i].mod)
			klpb_release_obj(&klpb_objs[i]);
}

/* no klpb_lock held */
static void klpb_modules_stop(void)
{
	if (klpb_nb_registered) {
		unregister_module_notifier(&klpb_module_nb);
		klpb_nb_registered = false;
	}
	mutex_lock(&klpb_lock);
	if (klpb_objs)
		klpb_modules_disarm();
	mutex_unlock(&klpb_lock);
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
	mutex_lock(&klpb_lock);
	if (enable || !klpb_enabled) {
		/* the kernel's core: enabled == patch->enabled is -EINVAL */
		mutex_unlock(&klpb_lock);
		return -EINVAL;
	}
	ret = klpb_unpatch();
	if (ret) {
		mutex_unlock(&klpb_lock);
		return ret;
	}
	WRITE_ONCE(klpb_enabled, false);
	klpb_modules_disarm();
	mutex_unlock(&klpb_lock);
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

static struct kobj_attribute klpb_enabled_attr = __ATTR_RW(enabled);
static struct kobj_attribute klpb_transition_attr = __ATTR_RO(transition);
static struct attribute *klpb_attrs[] = {
	&klpb_enabled_attr.attr,
	&klpb_transition_attr.attr,
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
			patched = READ_ONCE(klpb_active) && READ_ONCE(klpb_objs[i].live);
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
 * first patch module creates it (kobject_create_and_add: its release is
 * vmlinux code, so the creator may be removed first) and the others take a
 * reference on the existing one (a sysfs directory's kernfs node points at
 * its kobject).  The last reference removes it.
 */
static struct kobject *klpb_get_root(void)
{
	struct kernfs_node *kn;
	struct kobject *root = NULL;

	kn = kernfs_find_and_get(kernel_kobj->sd, "livepatch");
	if (kn) {
		if (kernfs_type(kn) == KERNFS_DIR && kn->priv)
			root = kobject_get_unless_zero(kn->priv) ? kn->priv : NULL;
		kernfs_put(kn);
		if (root)
			return root;
	}
	root = kobject_create_and_add("livepatch", kernel_kobj);
	return root ? root : ERR_PTR(-ENOMEM);
}

/* ---------------------------------------------------------------- module */

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
	if (!IS_ERR_OR_NULL(klpb_root))
		kobject_put(klpb_root);
	kfree(klpb_funcs);
	kfree(klpb_objs);
}

static int __init klpb_init(void)
{
	const struct klpb_callback *cbs = __klpb_callbacks_begin;
	int ret;

	BUILD_BUG_ON(offsetof(struct klpb_func, old_addr) != KLPB_FUNC_OLD_ADDR * sizeof(long));
	BUILD_BUG_ON(sizeof(struct klpb_func) != KLPB_FUNC_SIZE(sizeof(long)));

	OPTIMIZER_HIDE_VAR(cbs);
	if (cbs != __klpb_callbacks_end) {
		pr_err("'%s': callbacks are not supported yet by the in-module core (kernel without CONFIG_LIVEPATCH)\n",
		       THIS_MODULE->name);
		return -EOPNOTSUPP;
	}
	ret = klpb_setup_funcs() ?: klpb_check_kaddrs();
	if (ret)
		goto err;

	klpb_root = klpb_get_root();
	if (IS_ERR(klpb_root)) {
		ret = PTR_ERR(klpb_root);
		pr_err("'%s': cannot create /sys/kernel/livepatch: %d\n", THIS_MODULE->name, ret);
		goto err;
	}
	ret = kobject_init_and_add(&klpb_kobj, &klpb_ktype, klpb_root, "%s", THIS_MODULE->name);
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
	mutex_lock(&klpb_lock);
	ret = klpb_resolve_loaded() ?: klpb_patch();
	if (!ret) {
		/* held while enabled, like the kernel's core: no rmmod */
		__module_get(THIS_MODULE);
		WRITE_ONCE(klpb_enabled, true);
	}
	mutex_unlock(&klpb_lock);
	if (ret)
		goto err;
	return 0;
err:
	klpb_cleanup();
	return ret;
}

static void __exit klpb_exit(void)
{
	/* only reachable once disabled: the enabled patch holds a reference */
	klpb_cleanup();
}

module_init(klpb_init);
module_exit(klpb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("livepatch module built by klp-build (in-module core: kernel without CONFIG_LIVEPATCH)");
