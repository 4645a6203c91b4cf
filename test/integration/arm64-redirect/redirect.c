// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 prototype of what the in-module livepatch core (issue 10) needs on
 * kernels without CONFIG_LIVEPATCH (Debian arm64 6.1 and 6.12), booted by
 * test/integration/60-arm64-*.bats.  Not a patch module: a hand-written test
 * of the mechanisms.
 *
 * 1. Redirection through ftrace: one ftrace_ops per target function with
 *    IPMODIFY (+ SAVE_REGS where the kernel has DYNAMIC_FTRACE_WITH_REGS,
 *    6.1); the handler sets the pc that ftrace_caller returns to.  Targets:
 *    cmdline_proc_show (a static function of vmlinux), klpb_many_args (ten
 *    arguments, two on the stack; called with known values in x19-x28) and
 *    ikconfig_read_current of kernel/configs.ko (a static function of a
 *    module, armed at init when configs is loaded and from the module
 *    notifier when it loads later; disarmed when it goes).
 * 2. Symbols the module cannot link against, resolved by the MODULE LOADER:
 *    anchor.S refers to them as "anchor + link-time distance" (the
 *    anchor is seq_printf, exported).  vmlinux is relocated as one block,
 *    so the distances hold at run time; every address is checked with
 *    sprint_symbol() before use and the load fails naming the symbol that
 *    does not match.  Unexported functions (find_module) and data
 *    (module_mutex) come the same way.
 * 3. Module symbols by (name, position in the module's symbol table) from
 *    mod->kallsyms.
 *
 * Interface: /sys/module/klpb_redirect/parameters/redirect (1/0: arm or
 * disarm every target), .../many (read: calls klpb_many_args through the
 * redirect and reports the result and the callee-saved registers that did
 * not survive).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/fs.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <generated/utsrelease.h>

/* anchor.S: data words and code the loader relocates against the anchor */
extern unsigned long klpb_addr_cmdline_proc_show, klpb_addr_show_val_kb,
		     klpb_addr_static_command_line, klpb_addr_find_module,
		     klpb_addr_module_mutex;
char *klpb_load_static_command_line(void);
void klpb_call_show_val_kb(struct seq_file *m, const char *s, unsigned long num);
void klpb_tail_show_val_kb(struct seq_file *m, const char *s, unsigned long num);
struct module *klpb_call_find_module(const char *name);
long klpb_call_many(long (*fn)(long, long, long, long, long, long, long, long,
			       long, long), unsigned long *lost);

static DEFINE_MUTEX(klpb_lock);		/* targets, redirect_on */
static bool redirect_on;

/* ---------------------------------------------------------------- targets */

static noinline long klpb_many_args(long a0, long a1, long a2, long a3, long a4,
				    long a5, long a6, long a7, long a8, long a9)
{
	return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9;
}

/* weighted: every argument, the two stack ones included, must arrive */
static noinline long klpb_many_args_new(long a0, long a1, long a2, long a3, long a4,
					long a5, long a6, long a7, long a8, long a9)
{
	long r = a0 * 1 + a1 * 2 + a2 * 3 + a3 * 4 + a4 * 5 + a5 * 6 +
		 a6 * 7 + a7 * 8 + a8 * 9 + a9 * 10;

	/* use (and so save/restore) every callee-saved register */
	asm volatile("mov x19, #1\n\tmov x20, #2\n\tmov x21, #3\n\tmov x22, #4\n\t"
		     "mov x23, #5\n\tmov x24, #6\n\tmov x25, #7\n\tmov x26, #8\n\t"
		     "mov x27, #9\n\tmov x28, #10"
		     ::: "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26",
			 "x27", "x28");
	return r;
}

/* replaces fs/proc/cmdline.c:cmdline_proc_show */
static int cmdline_proc_show_new(struct seq_file *m, void *v)
{
	char *scl = klpb_load_static_command_line();

	seq_puts(m, "klpb_redirect: redirected cmdline_proc_show\n");
	seq_printf(m, "static_command_line: %s\n", scl ? scl : "(null)");
	klpb_call_show_val_kb(m, "KlpbCall26:     ", 42);
	klpb_tail_show_val_kb(m, "KlpbJump26:     ", 43);
	return 0;
}

/* replaces kernel/configs.c:ikconfig_read_current */
static ssize_t ikconfig_read_current_new(struct file *file, char __user *buf,
					 size_t len, loff_t *offset)
{
	static const char msg[] = "klpb_redirect: redirected ikconfig_read_current\n";

	return simple_read_from_buffer(buf, len, offset, msg, sizeof(msg) - 1);
}

struct klpb_target {
	const char *objname;		/* NULL: vmlinux */
	const char *name;
	unsigned long sympos;		/* for module symbols: 0 = unique */
	void *new_func;
	unsigned long old_addr;		/* 0 while not resolved */
	bool armed;
	struct ftrace_ops ops;
};

static struct klpb_target targets[] = {
	{ .name = "cmdline_proc_show", .new_func = cmdline_proc_show_new },
	{ .name = "klpb_many_args", .new_func = klpb_many_args_new },
	{ .objname = "configs", .name = "ikconfig_read_current",
	  .new_func = ikconfig_read_current_new },
};

/* ---------------------------------------------------------------- redirection */

static void notrace klpb_ftrace_handler(unsigned long ip, unsigned long parent_ip,
					struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct klpb_target *t = container_of(op, struct klpb_target, ops);

#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
	/* 6.12: ftrace_regs only; ftrace_caller returns to fregs->pc */
	ftrace_regs_set_instruction_pointer(fregs, (unsigned long)t->new_func);
#else
	/*
	 * 6.1: DYNAMIC_FTRACE_WITH_REGS, full pt_regs (SAVE_REGS);
	 * ftrace_instruction_pointer_set() is an empty macro here.
	 */
	instruction_pointer_set(ftrace_get_regs(fregs), (unsigned long)t->new_func);
#endif
}

#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#define KLPB_FTRACE_FLAGS (FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT)
#else
#define KLPB_FTRACE_FLAGS (FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY | \
			   FTRACE_OPS_FL_PERMANENT)
#endif

static int klpb_arm(struct klpb_target *t)
{
	int ret;

	if (t->armed || !t->old_addr)
		return 0;
	t->ops.func = klpb_ftrace_handler;
	t->ops.flags = KLPB_FTRACE_FLAGS;
	ret = ftrace_set_filter_ip(&t->ops, t->old_addr, 0, 0);
	if (ret) {
		pr_err("ftrace_set_filter_ip(%s) failed: %d\n", t->name, ret);
		return ret;
	}
	ret = register_ftrace_function(&t->ops);
	if (ret) {
		pr_err("register_ftrace_function(%s) failed: %d\n", t->name, ret);
		ftrace_set_filter_ip(&t->ops, t->old_addr, 1, 0);
		return ret;
	}
	t->armed = true;
	pr_info("redirected %s%s%s (%pS) to %pS\n", t->objname ?: "", t->objname ? ":" : "",
		t->name, (void *)t->old_addr, t->new_func);
	return 0;
}

static void klpb_disarm(struct klpb_target *t)
{
	if (!t->armed)
		return;
	WARN_ON(unregister_ftrace_function(&t->ops));
	WARN_ON(ftrace_set_filter_ip(&t->ops, t->old_addr, 1, 0));
	ftrace_free_filter(&t->ops);
	t->armed = false;
	pr_info("restored %s%s%s\n", t->objname ?: "", t->objname ? ":" : "", t->name);
}

/* ---------------------------------------------------------------- symbols */

/*
 * Is addr the start of the function or object called name?  sprint_symbol
 * gives "name+0x0/0xsize" (plus " [module]" for module symbols).
 */
static bool klpb_addr_is(unsigned long addr, const char *name)
{
	char buf[KSYM_SYMBOL_LEN];
	size_t n = strlen(name);

	sprint_symbol(buf, addr);
	return !strncmp(buf, name, n) && !strncmp(buf + n, "+0x0/", 5);
}

static int klpb_check(unsigned long addr, const char *name)
{
	char buf[KSYM_SYMBOL_LEN];

	sprint_symbol(buf, addr);
	if (!klpb_addr_is(addr, name)) {
		pr_err("symbol %s: anchor-relative address %px is %s: not this kernel's build\n",
		       name, (void *)addr, buf);
		return -EINVAL;
	}
	pr_info("resolved %s at anchor%+ld: %s\n", name,
		(long)(addr - (unsigned long)seq_printf), buf);
	return 0;
}

/*
 * Address of the sympos-th symbol called name in mod's symbol table (the
 * order kallsyms and livepatch count positions in for modules; 0 = the
 * name must be unique).  Caller keeps mod from going away.
 */
static unsigned long klpb_module_sym(struct module *mod, const char *name,
				     unsigned long sympos)
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
	if (!sympos && seen > 1) {
		pr_err("%s:%s is not unique (%lu symbols): needs a position\n",
		       mod->name, name, seen);
		return 0;
	}
	return addr;
}

/* ---------------------------------------------------------------- modules */

static int klpb_resolve_in(struct klpb_target *t, struct module *mod)
{
	unsigned long addr = klpb_module_sym(mod, t->name, t->sympos);

	if (!addr || !klpb_addr_is(addr, t->name)) {
		pr_err("%s:%s not found in the module's symbols\n", t->objname, t->name);
		return -ENOENT;
	}
	t->old_addr = addr;
	pr_info("resolved %s:%s from %s's symbol table: %pS\n", t->objname, t->name,
		mod->name, (void *)addr);
	return 0;
}

static int klpb_module_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;
	struct klpb_target *t;
	int ret = 0;

	mutex_lock(&klpb_lock);
	for (t = targets; t < targets + ARRAY_SIZE(targets); t++) {
		if (!t->objname || strcmp(t->objname, mod->name))
			continue;
		if (action == MODULE_STATE_COMING) {
			pr_info("module %s coming\n", mod->name);
			ret = klpb_resolve_in(t, mod);
			if (!ret && redirect_on)
				ret = klpb_arm(t);
			if (ret)
				break;
		} else if (action == MODULE_STATE_GOING) {
			pr_info("module %s going\n", mod->name);
			klpb_disarm(t);
			t->old_addr = 0;
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

/* targets of modules loaded before us: find_module under module_mutex */
static int klpb_resolve_loaded(struct klpb_target *t)
{
	struct mutex *module_mutex = (struct mutex *)klpb_addr_module_mutex;
	struct module *mod;
	int ret = 0;

	mutex_lock(module_mutex);
	mod = klpb_call_find_module(t->objname);
	if (mod && mod->state != MODULE_STATE_GOING && mod->state != MODULE_STATE_UNFORMED)
		ret = klpb_resolve_in(t, mod);
	mutex_unlock(module_mutex);
	if (!mod)
		pr_info("module %s not loaded: %s waits for it\n", t->objname, t->name);
	return ret;
}

/* ---------------------------------------------------------------- parameters */

static int klpb_set_redirect(bool on)
{
	struct klpb_target *t;
	int ret = 0;

	mutex_lock(&klpb_lock);
	for (t = targets; t < targets + ARRAY_SIZE(targets); t++) {
		if (on)
			ret = klpb_arm(t);
		else
			klpb_disarm(t);
		if (ret)
			break;
	}
	if (ret)
		for (t = targets; t < targets + ARRAY_SIZE(targets); t++)
			klpb_disarm(t);
	redirect_on = on && !ret;
	mutex_unlock(&klpb_lock);
	return ret;
}

static int redirect_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	return ret ?: klpb_set_redirect(on);
}

static int redirect_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%d\n", redirect_on);
}

static const struct kernel_param_ops redirect_ops = {
	.set = redirect_set,
	.get = redirect_get,
};
module_param_cb(redirect, &redirect_ops, NULL, 0644);

static int many_get(char *buf, const struct kernel_param *kp)
{
	unsigned long lost = 0;
	long r = klpb_call_many(klpb_many_args, &lost);

	return sprintf(buf, "result=%ld lost-callee-saved=%#lx\n", r, lost);
}

static const struct kernel_param_ops many_ops = {
	.get = many_get,
};
module_param_cb(many, &many_ops, NULL, 0444);

/* ---------------------------------------------------------------- init/exit */

/*
 * 6.12 refuses SAVE_REGS without DYNAMIC_FTRACE_WITH_REGS; show it (a
 * probe ops that is never armed when the registration is refused).
 */
static void klpb_probe_save_regs(void)
{
	static struct ftrace_ops probe = {
		.func = klpb_ftrace_handler,
		.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
	};
	int ret;

	if (ftrace_set_filter_ip(&probe, (unsigned long)klpb_many_args, 0, 0))
		return;
	ret = register_ftrace_function(&probe);
	pr_info("probe: SAVE_REGS|IPMODIFY ops: register_ftrace_function = %d\n", ret);
	if (!ret)
		unregister_ftrace_function(&probe);
	ftrace_free_filter(&probe);
}

static int __init klpb_init(void)
{
	int ret;

	pr_info("kernel %s, %s\n", UTS_RELEASE,
		IS_ENABLED(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS) ? "DYNAMIC_FTRACE_WITH_ARGS" :
		"DYNAMIC_FTRACE_WITH_REGS");
	/* vmlinux symbols the loader resolved as anchor + distance */
	ret = klpb_check(klpb_addr_cmdline_proc_show, "cmdline_proc_show") ?:
	      klpb_check(klpb_addr_show_val_kb, "show_val_kb") ?:
	      klpb_check(klpb_addr_static_command_line, "static_command_line") ?:
	      klpb_check(klpb_addr_find_module, "find_module") ?:
	      klpb_check(klpb_addr_module_mutex, "module_mutex");
	if (ret)
		return ret;
	targets[0].old_addr = klpb_addr_cmdline_proc_show;
	targets[1].old_addr = (unsigned long)klpb_many_args;

	/* our own symbol by name and position, as for a target module */
	if (klpb_module_sym(THIS_MODULE, "klpb_many_args", 0) != (unsigned long)klpb_many_args) {
		pr_err("own symbol table lookup of klpb_many_args failed\n");
		return -EINVAL;
	}

	klpb_probe_save_regs();

	ret = register_module_notifier(&klpb_module_nb);
	if (ret)
		return ret;
	mutex_lock(&klpb_lock);
	ret = klpb_resolve_loaded(&targets[2]);
	mutex_unlock(&klpb_lock);
	if (!ret)
		ret = klpb_set_redirect(true);
	if (ret)
		unregister_module_notifier(&klpb_module_nb);
	return ret;
}

static void __exit klpb_exit(void)
{
	unregister_module_notifier(&klpb_module_nb);
	klpb_set_redirect(false);
}

module_init(klpb_init);
module_exit(klpb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klp-build arm64 prototype: ftrace redirection and anchor-relative symbols");
