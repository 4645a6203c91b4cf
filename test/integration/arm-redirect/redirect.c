// SPDX-License-Identifier: GPL-2.0
/*
 * 32-bit arm prototype of the redirection the in-module livepatch core
 * (issue 12) needs on kernels without CONFIG_LIVEPATCH (arm has no
 * HAVE_LIVEPATCH on 6.1 or 6.12), booted by test/integration/65-arm-*.bats.
 * Not a patch module: a hand-written test of the mechanism.
 *
 * The problem: -pg puts "push {lr}; bl __gnu_mcount_nc" AFTER the
 * function's prologue.  ftrace_regs_caller returns with "ldr pc, [sp], #12"
 * and sp = the function's sp at that site, whatever pt_regs says; setting
 * ARM_pc = new_func runs the new function on the old one's frame: its
 * stack arguments are read from the wrong place and it returns to the
 * caller with the old frame still allocated.
 *
 * The way chosen (docs/DESIGN.md "32-bit arm (issue 12)"): when a target
 * is armed, its prologue is decoded from the RUNNING kernel's text, from
 * the symbol to the ftrace site; only "push {regs}", "str rN, [sp, #-4]!",
 * "sub sp, sp, #imm" and, once fp is saved, "add fp, sp, #imm" are
 * accepted (each saves a register, moves sp or writes a saved register),
 * anything else refuses the target, naming function and instruction.  At each call the handler undoes exactly that
 * prologue: every pushed register (lr included) gets back, in pt_regs, the
 * value the prologue saved, i.e. its value at the function's entry; the
 * frame size is known.  If there is no frame the handler sets ARM_pc to
 * the new function; otherwise it writes the new function's address into
 * the top word of the dropped frame and returns to klpb_arm_tramp (tramp.S),
 * which sets sp to the entry sp and loads pc from that word.
 *
 * Targets: cmdline_proc_show and meminfo_proc_show (static vmlinux
 * functions with prologues; meminfo's has callee-saved registers and a
 * frame), sys_newuname (a syscall: "push {lr}; bl; b __do_sys_newuname",
 * no frame), klpb_many_frame (ten arguments, six on the stack, a prologue
 * with callee-saved registers and locals; called from klpb_call_many with
 * known values in r4-r10) and klpb_frameless (a leaf without prologue).
 *
 * Interface: /sys/module/klpb_redirect/parameters/redirect (1/0: arm or
 * disarm every target), .../many and .../frameless (read: call the target
 * and report), .../naive (1: klpb_many_frame is redirected the naive way,
 * ARM_pc = new function, to show what it breaks).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/ptrace.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <generated/utsrelease.h>
#include "klpb_addrs.h"

#ifdef CONFIG_THUMB2_KERNEL
#error "Thumb-2 kernels: the prologue decoder reads ARM encodings only"
#endif

void klpb_arm_tramp(void);
long klpb_call_many(void *fn, unsigned long *lost);

static DEFINE_MUTEX(klpb_lock);
static bool redirect_on;
static bool naive;

/* ---------------------------------------------------------------- targets */

/* an opaque sink: keeps locals and callee-saved registers in klpb_many_frame */
static noinline void klpb_sink(long *v)
{
	barrier_data(v);
}

/* a prologue with callee-saved registers and a frame; six stack arguments */
static noinline __attribute__((__noipa__)) long klpb_many_frame(long a0, long a1, long a2, long a3, long a4,
				     long a5, long a6, long a7, long a8, long a9)
{
	long buf[3] = { a0 + a9, a1 + a8, a2 + a7 };

	klpb_sink(buf);
	return buf[0] + buf[1] + buf[2] + a3 + a4 + a5 + a6;
}

/* weighted: every argument, the six on the stack too, must arrive */
static noinline long klpb_many_frame_new(long a0, long a1, long a2, long a3, long a4,
					 long a5, long a6, long a7, long a8, long a9)
{
	long r = a0 * 1 + a1 * 2 + a2 * 3 + a3 * 4 + a4 * 5 + a5 * 6 +
		 a6 * 7 + a7 * 8 + a8 * 9 + a9 * 10;

	/* use (and so save and restore) every callee-saved register */
	asm volatile("mov r4, #1\n\tmov r5, #2\n\tmov r6, #3\n\tmov r7, #4\n\t"
		     "mov r8, #5\n\tmov r9, #6\n\tmov r10, #7"
		     ::: "r4", "r5", "r6", "r7", "r8", "r9", "r10");
	klpb_sink(&r);
	return r;
}

/* a leaf: the mcount site is at the entry, no prologue */
static noinline __attribute__((__noipa__)) long klpb_frameless(long a, long b)
{
	return a * b + 1;
}

static noinline long klpb_frameless_new(long a, long b)
{
	return a * b + 1000;
}

/* replaces fs/proc/cmdline.c:cmdline_proc_show */
static int cmdline_proc_show_new(struct seq_file *m, void *v)
{
	seq_puts(m, "klpb_redirect: redirected cmdline_proc_show\n");
	return 0;
}

/* replaces fs/proc/meminfo.c:meminfo_proc_show */
static int meminfo_proc_show_new(struct seq_file *m, void *v)
{
	seq_printf(m, "klpb_redirect: redirected meminfo_proc_show %d %d %d %d\n",
		   1, 2, 3, 4);
	return 0;
}

/* replaces kernel/sys.c:sys_newuname: the machine becomes "klpb" */
static long sys_newuname_new(struct new_utsname __user *name)
{
	struct new_utsname tmp;

	memcpy(&tmp, utsname(), sizeof(tmp));
	strscpy(tmp.machine, "klpb", sizeof(tmp.machine));
	return copy_to_user(name, &tmp, sizeof(tmp)) ? -EFAULT : 0;
}

/* what the prologue before the ftrace site did, from the running text */
struct klpb_prologue {
	unsigned long site;		/* the ftrace site: the bl/nop after push {lr} */
	unsigned int frame;		/* bytes between the entry sp and the site's sp */
	s16 slot[16];			/* register n saved at entry sp + slot[n]; 1: not saved */
};

struct klpb_target {
	const char *name;
	const char *alias;		/* the same address under another name */
	unsigned long old_addr;
	void *new_func;
	struct klpb_prologue pro;
	bool armed;
	struct ftrace_ops ops;
};

static struct klpb_target targets[] = {
	{ .name = "cmdline_proc_show", .old_addr = KLPB_A_cmdline_proc_show,
	  .new_func = cmdline_proc_show_new },
	{ .name = "meminfo_proc_show", .old_addr = KLPB_A_meminfo_proc_show,
	  .new_func = meminfo_proc_show_new },
	{ .name = "sys_newuname", .alias = "__se_sys_newuname", .old_addr = KLPB_A_sys_newuname,
	  .new_func = sys_newuname_new },
	{ .name = "klpb_many_frame", .new_func = klpb_many_frame_new },
	{ .name = "klpb_frameless", .new_func = klpb_frameless_new },
};

/* ---------------------------------------------------------------- the prologue */

#define ARM_PUSH_LR	0xe52de004	/* str lr, [sp, #-4]! (push {lr}) */
#define ARM_FTRACE_NOP	0xe28dd004	/* add sp, sp, #4: a disabled site */

static bool klpb_is_site(u32 push, u32 next)
{
	/* bl (cond AL) to ftrace_(regs_)caller or __gnu_mcount_nc, or the nop */
	return push == ARM_PUSH_LR &&
	       ((next & 0xff000000) == 0xeb000000 || next == ARM_FTRACE_NOP);
}

static int klpb_decode(struct klpb_target *t)
{
	const u32 *insn = (const u32 *)t->old_addr;
	struct klpb_prologue *p = &t->pro;
	char buf[160];
	int vsp = 0, len = 0, i, r;

	for (r = 0; r < 16; r++)
		p->slot[r] = 1;
	buf[0] = 0;
	for (i = 0; i < 16; i++) {
		u32 w = le32_to_cpu(insn[i]);

		if (klpb_is_site(w, le32_to_cpu(insn[i + 1]))) {
			p->site = (unsigned long)&insn[i + 1];
			p->frame = -vsp;
			pr_info("%s: prologue [%s ] frame %u, ftrace site at +%#x\n", t->name,
				buf, p->frame, (unsigned int)(p->site - t->old_addr));
			return 0;
		}
		if ((w & 0xffff0000) == 0xe92d0000 && !(w & (1 << 13 | 1 << 15))) {
			/* stmdb sp!, {list} (push): lowest register at the lowest address */
			unsigned int list = w & 0xffff, k = 0;

			vsp -= 4 * hweight16(list);
			for (r = 0; r < 16; r++)
				if (list & (1 << r)) {
					if (p->slot[r] == 1)
						p->slot[r] = vsp + 4 * k;
					k++;
				}
			len += scnprintf(buf + len, sizeof(buf) - len, " push %#x;", list);
		} else if ((w & 0xffff0fff) == 0xe52d0004 && ((w >> 12) & 15) != 13) {
			/* str rN, [sp, #-4]! (push {rN}) */
			r = (w >> 12) & 15;
			vsp -= 4;
			if (p->slot[r] == 1)
				p->slot[r] = vsp;
			len += scnprintf(buf + len, sizeof(buf) - len, " push r%d;", r);
		} else if ((w & 0xfffff000) == 0xe28db000 && p->slot[11] != 1) {
			/* add fp, sp, #imm: fp, saved before, becomes a frame pointer */
			len += scnprintf(buf + len, sizeof(buf) - len, " add fp, sp, #%u;", w & 0xfff);
		} else if ((w & 0xfffff000) == 0xe24dd000) {
			/* sub sp, sp, #imm8 ror (2 * rot) */
			unsigned int imm = w & 0xff, rot = 2 * ((w >> 8) & 15);

			vsp -= rot ? (imm >> rot) | (imm << (32 - rot)) : imm;
			len += scnprintf(buf + len, sizeof(buf) - len, " sub sp, #%d;",
					 rot ? (imm >> rot) | (imm << (32 - rot)) : imm);
		} else {
			pr_err("%s: refused: instruction %08x at +%#x before the ftrace site is not a push or a stack allocation\n",
			       t->name, w, 4 * i);
			return -EINVAL;
		}
	}
	pr_err("%s: refused: no ftrace site within 16 instructions\n", t->name);
	return -EINVAL;
}

/* ---------------------------------------------------------------- redirection */

static void notrace klpb_ftrace_handler(unsigned long ip, unsigned long parent_ip,
					struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	struct klpb_target *t = container_of(op, struct klpb_target, ops);
	struct pt_regs *regs = ftrace_get_regs(fregs);
	unsigned long entry_sp;
	int r;

	if (WARN_ON_ONCE(!regs || ip != t->pro.site))
		return;
	if (naive && t->new_func == klpb_many_frame_new) {
		regs->ARM_pc = (unsigned long)t->new_func;
		return;
	}
	/* the site's sp (ftrace_regs_caller returns with it) + the prologue's frame */
	entry_sp = regs->ARM_sp + t->pro.frame;
	for (r = 0; r < 16; r++)
		if (t->pro.slot[r] != 1 && r != 13 && r != 15)
			regs->uregs[r] = *(unsigned long *)(entry_sp + t->pro.slot[r]);
	if (!t->pro.frame) {
		regs->ARM_pc = (unsigned long)t->new_func;
		return;
	}
	*(unsigned long *)(entry_sp - 4) = (unsigned long)t->new_func;
	regs->ARM_ip = entry_sp - 4;
	regs->ARM_pc = (unsigned long)klpb_arm_tramp;
}

static int klpb_arm(struct klpb_target *t)
{
	int ret;

	if (t->armed)
		return 0;
	t->ops.func = klpb_ftrace_handler;
	t->ops.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY;
	ret = ftrace_set_filter_ip(&t->ops, t->pro.site, 0, 0);
	if (ret) {
		pr_err("ftrace_set_filter_ip(%s) failed: %d\n", t->name, ret);
		return ret;
	}
	ret = register_ftrace_function(&t->ops);
	if (ret) {
		pr_err("register_ftrace_function(%s) failed: %d\n", t->name, ret);
		ftrace_set_filter_ip(&t->ops, t->pro.site, 1, 0);
		return ret;
	}
	t->armed = true;
	return 0;
}

static void klpb_disarm(struct klpb_target *t)
{
	if (!t->armed)
		return;
	WARN_ON(unregister_ftrace_function(&t->ops));
	WARN_ON(ftrace_set_filter_ip(&t->ops, t->pro.site, 1, 0));
	ftrace_free_filter(&t->ops);
	t->armed = false;
}

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
	pr_info("redirect %s\n", redirect_on ? "on" : "off");
	return ret;
}

/* ---------------------------------------------------------------- parameters */

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
module_param(naive, bool, 0644);

static int many_get(char *buf, const struct kernel_param *kp)
{
	unsigned long lost = 0;
	long r = klpb_call_many(klpb_many_frame, &lost);

	return sprintf(buf, "result=%ld lost-callee-saved=%#lx sp-moved=%lu\n", r,
		       lost & 0x7f, lost >> 16);
}

static const struct kernel_param_ops many_ops = {
	.get = many_get,
};
module_param_cb(many, &many_ops, NULL, 0444);

static int frameless_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "result=%ld\n", klpb_frameless(6, 7));
}

static const struct kernel_param_ops frameless_ops = {
	.get = frameless_get,
};
module_param_cb(frameless, &frameless_ops, NULL, 0444);

/* ---------------------------------------------------------------- init/exit */

static bool klpb_sym_is(const char *buf, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n && !strncmp(buf, name, n) && !strncmp(buf + n, "+0x0/", 5);
}

/*
 * is addr the start of the function called name (or alias)?
 * ("name+0x0/0xsize": kallsyms names the first of aliased symbols)
 */
static int klpb_check(unsigned long addr, const char *name, const char *alias)
{
	char buf[KSYM_SYMBOL_LEN];

	sprint_symbol(buf, addr);
	if (!klpb_sym_is(buf, name) && !klpb_sym_is(buf, alias)) {
		pr_err("symbol %s: System.map address %px is %s: not this kernel's build\n",
		       name, (void *)addr, buf);
		return -EINVAL;
	}
	return 0;
}

static int __init klpb_init(void)
{
	struct klpb_target *t;
	int ret;

	pr_info("kernel %s, %s mode, %s\n", UTS_RELEASE,
		IS_ENABLED(CONFIG_THUMB2_KERNEL) ? "Thumb-2" : "ARM",
		IS_ENABLED(CONFIG_DYNAMIC_FTRACE_WITH_REGS) ? "DYNAMIC_FTRACE_WITH_REGS" : "no WITH_REGS");
	targets[3].old_addr = (unsigned long)klpb_many_frame;
	targets[4].old_addr = (unsigned long)klpb_frameless;
	for (t = targets; t < targets + ARRAY_SIZE(targets); t++) {
		ret = klpb_check(t->old_addr, t->name, t->alias) ?: klpb_decode(t);
		if (ret)
			return ret;
	}
	return klpb_set_redirect(true);
}

static void __exit klpb_exit(void)
{
	klpb_set_redirect(false);
}

module_init(klpb_init);
module_exit(klpb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klp-build 32-bit arm prototype: ftrace redirection that undoes the prologue");
