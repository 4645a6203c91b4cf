// SPDX-License-Identifier: GPL-2.0
/*
 * The 32-bit arm part of the in-module core (issue 12; docs/DESIGN.md
 * "32-bit arm", "The entry redirection: decided").  Included by
 * klpb-ftrace.c (declarations in klpb-arch-arm.h), not compiled alone.
 *
 * The ftrace site of a function with a prologue is "push {lr}; bl
 * __gnu_mcount_nc" AFTER the prologue, and ftrace_regs_caller returns with
 * the site's sp whatever pt_regs says: setting the pc to the new function
 * would run it on the old one's frame.  So, when a function is armed, its
 * prologue is decoded from the running text (klpb_arch_prepare), and at
 * each call the handler undoes it (klpb_arch_redirect): every pushed
 * register, lr included, gets its entry value back in pt_regs; without a
 * frame the pc becomes the new function; with one, the new function's
 * address goes into the top word of the dropped frame and
 * klpb_arm_tramp ("mov sp, ip; ldr pc, [sp], #4") enters it with the
 * entry sp.  Booted first by the prototype, test/integration/arm-redirect.
 *
 * Consistency: the stack check of the switch (under stop_machine, every
 * other task off-CPU) walks each task with the kernel's exported EABI
 * unwinder, walk_stackframe(), from its saved fp/sp/pc.  A walk that ends
 * before the task's pt_regs at the top of its stack (an unwind entry
 * missing, klpb_arm_tramp's .cantunwind, ftrace_regs_caller's frame) is
 * unreliable: the switch is retried, as for a busy function.
 *
 * Return trampolines (docs/DESIGN.md "32-bit arm: return trampolines"): a
 * saved lr the graph tracer replaced unwinds to pc = return_to_handler,
 * from which unwind_frame cannot go on (its "finish" entry gives pc = lr
 * = itself: the infinite loop check stops the walk, silently).  The walk's
 * callback puts back the return address it stands for, as arm64's
 * unwinder does, with ftrace_graph_ret_addr() (arm records no retp: the
 * task's return stack is taken in order, innermost first, as the walk
 * goes): unwind_frame then goes on from the caller with the sp it already
 * has.  One that cannot be recovered stops the walk: unreliable.  A saved
 * lr a kretprobe replaced (__kretprobe_trampoline; pc == lr at an entry's
 * start) is not recovered: unreliable too (the test kernels have no
 * KPROBES).
 */
#include <linux/ftrace.h>
#include <linux/sched/task_stack.h>
#include <asm/stacktrace.h>

#define KLPB_ARM_PUSH_LR	0xe52de004	/* str lr, [sp, #-4]! (push {lr}) */
#define KLPB_ARM_FTRACE_NOP	0xe28dd004	/* add sp, sp, #4: a disabled site */
#define KLPB_ARM_MAX_INSNS	16		/* arch/arm.c's ftrace_window / 4 */

/*
 * Entered from ftrace_regs_caller's "ldr pc, [sp], #12" with sp = the old
 * function's sp at its site, r0-r11 and lr back at their entry values,
 * ip = entry sp - 4 holding the new function: drops the old frame and
 * enters the new function with the entry sp (stack arguments where the
 * caller put them).  The word at [ip] is above sp until it is loaded: no
 * interrupt can overwrite it.  .cantunwind: a task in here is "unreliable"
 * to the stack check, which retries.
 */
asm("	.pushsection .text, \"ax\", %progbits\n"
    "	.arm\n"
    "	.align 2\n"
    "	.type klpb_arm_tramp, %function\n"
    "klpb_arm_tramp:\n"
    "	.fnstart\n"
    "	.cantunwind\n"
    "	mov sp, ip\n"
    "	ldr pc, [sp], #4\n"
    "	.fnend\n"
    "	.size klpb_arm_tramp, . - klpb_arm_tramp\n"
    "	.popsection\n");
void klpb_arm_tramp(void);

static bool klpb_arm_is_site(u32 push, u32 next)
{
	/* bl (cond AL) to ftrace_(regs_)caller or __gnu_mcount_nc, or the nop */
	return push == KLPB_ARM_PUSH_LR &&
	       ((next & 0xff000000) == 0xeb000000 || next == KLPB_ARM_FTRACE_NOP);
}

/*
 * Decode f's prologue, from its symbol to the ftrace site: only "push
 * {list}" (without sp or pc), "str rN, [sp, #-4]!", "sub sp, sp, #imm"
 * and, once fp is saved, "add fp, sp, #imm" can be undone exactly; any
 * other instruction refuses the function, named.
 */
static int klpb_arch_prepare(struct klpb_ffunc *f)
{
	const u32 *insn = (const u32 *)f->old_addr;
	struct klpb_arch_func *p = &f->arch;
	const char *name = f->rec->old_name;
	int vsp = 0, i, r;

	for (r = 0; r < 16; r++)
		p->slot[r] = 1;
	p->site = 0;
	for (i = 0; i < KLPB_ARM_MAX_INSNS; i++) {
		u32 w = le32_to_cpu(insn[i]);

		if (klpb_arm_is_site(w, le32_to_cpu(insn[i + 1]))) {
			p->site = (unsigned long)&insn[i + 1];
			p->frame = -vsp;
			pr_debug("%s: frame %u, ftrace site at +%#lx\n", name, p->frame,
				 p->site - f->old_addr);
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
		} else if ((w & 0xffff0fff) == 0xe52d0004 && ((w >> 12) & 15) != 13 &&
			   ((w >> 12) & 15) != 15) {
			/* str rN, [sp, #-4]! (push {rN}) */
			r = (w >> 12) & 15;
			vsp -= 4;
			if (p->slot[r] == 1)
				p->slot[r] = vsp;
		} else if ((w & 0xfffff000) == 0xe28db000 && p->slot[11] != 1) {
			/* add fp, sp, #imm: fp, saved before, becomes a frame pointer */
		} else if ((w & 0xfffff000) == 0xe24dd000) {
			/* sub sp, sp, #imm8 ror (2 * rot) */
			unsigned int imm = w & 0xff, rot = 2 * ((w >> 8) & 15);

			vsp -= rot ? (imm >> rot) | (imm << (32 - rot)) : imm;
		} else {
			pr_err("'%s': %s: cannot redirect: instruction %08x at +%#x before the ftrace site is not a push or a stack allocation (the core undoes only those)\n",
			       THIS_MODULE->name, name, w, 4 * i);
			return -EINVAL;
		}
	}
	pr_err("'%s': %s: cannot redirect: no ftrace site (push {lr}; bl) within its first %d instructions\n",
	       THIS_MODULE->name, name, KLPB_ARM_MAX_INSNS);
	return -EINVAL;
}

/* the handler's part: runs at every call while the switch is on */
static void notrace klpb_arch_redirect(struct klpb_ffunc *f, unsigned long ip,
				       struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);
	const struct klpb_arch_func *p = &f->arch;
	unsigned long entry_sp;
	int r;

	if (WARN_ON_ONCE(!regs || ip != p->site))
		return;
	/* the site's sp (ftrace_regs_caller returns with it) + the prologue's frame */
	entry_sp = regs->ARM_sp + p->frame;
	for (r = 0; r < 16; r++)
		if (p->slot[r] != 1 && r != 13 && r != 15)
			regs->uregs[r] = *(unsigned long *)(entry_sp + p->slot[r]);
	if (!p->frame) {
		regs->ARM_pc = f->new_addr;
		return;
	}
	*(unsigned long *)(entry_sp - 4) = f->new_addr;
	regs->ARM_ip = entry_sp - 4;
	regs->ARM_pc = (unsigned long)klpb_arm_tramp;
}

/* ---------------------------------------------------------------- stack check */

struct klpb_arm_walk {
	struct task_struct *t;
	struct stackframe *frame;	/* walk_stackframe's, for the recovery */
	const struct klpb_range *found;
	unsigned long where;
	int depth;
	int graph_idx;			/* ftrace_graph_ret_addr's cursor */
	bool graph_done;		/* the return stack's last entry used */
	bool stuck;			/* at a trampoline not recovered */
};

/*
 * pc, where the unwinder stands, becomes the return address the graph
 * tracer's trampoline stands for (any other pc is left alone), and the
 * frame goes on from there; false when a trampoline cannot be recovered.
 * Without a retp to match (arm records none) the task's return stack is
 * taken innermost first, which is right only when the trampolines on the
 * stack and the entries on the return stack pair up.  Two windows break
 * that: prepare_ftrace_return stores return_to_handler over the saved lr
 * BEFORE function_graph_enter pushes the entry, and a traced function
 * that returned into return_to_handler keeps its entry until
 * ftrace_return_to_handler pops it.  Both run on the CPU with no schedule
 * point, and only a preemptible kernel switches a task out from an
 * interrupt there (svc_preempt), so with CONFIG_PREEMPTION a trampoline
 * stays unrecovered (unreliable).  6.12's cursor starts again at the top
 * once it reaches 0 (the bottom entry is at offset 0), where 6.1's runs
 * out: a trampoline after the last entry is unreliable on both.
 */
static bool klpb_arm_recover(struct klpb_arm_walk *w, unsigned long *pc)
{
#ifdef CONFIG_FUNCTION_GRAPH_TRACER
	if (*pc == klpb_kaddr_return_to_handler) {
#ifdef CONFIG_PREEMPTION
		return false;
#else
		unsigned long (*graph_ret_addr)(struct task_struct *, int *, unsigned long,
						unsigned long *) =
			(void *)klpb_kaddr_ftrace_graph_ret_addr;
		unsigned long orig;

		if (!w->t->ret_stack || w->graph_done)
			return false;
		orig = graph_ret_addr(w->t, &w->graph_idx, *pc, NULL);
		if (orig == *pc)
			return false;
		w->graph_done = !w->graph_idx;
		/*
		 * lr too: unwind_frame left the popped lr (the trampoline) there,
		 * and uses it when pc is a function's first instruction (a
		 * noreturn call at the end of the caller); as if orig had been
		 * popped, its pc == lr check refuses that case, as without the
		 * tracer
		 */
		w->frame->pc = w->frame->lr = orig;
		*pc = orig;
#endif
	}
#endif
	return true;
}

/* one return address: stop at a range, at a trampoline not recovered, or when too deep */
static bool klpb_arm_walk_pc(struct klpb_arm_walk *w, unsigned long pc)
{
	unsigned long raw = pc;

	w->where = pc;		/* a trampoline not recovered is named as it is */
	if (!klpb_arm_recover(w, &pc)) {
		w->stuck = true;
		return false;
	}
	w->where = pc;
	w->found = klpb_find_range(pc);
	if (w->found && pc != raw)
		klpb_walk_via = raw;
	return !w->found && ++w->depth < KLPB_MAX_FRAMES;
}

/* walk_stackframe's callback: 6.12 (ARCH_STACKWALK) "continue?", 6.1 "stop?" */
#ifdef CONFIG_ARCH_STACKWALK
static bool klpb_arm_walk_fn(void *data, unsigned long pc)
{
	return klpb_arm_walk_pc(data, pc);
}
#else
static int klpb_arm_walk_fn(struct stackframe *frame, void *data)
{
	return !klpb_arm_walk_pc(data, frame->pc);
}
#endif

/*
 * Walk task t, off-CPU under stop_machine (the case the kernel's own
 * save_stack_trace_tsk refuses on SMP only because it cannot know that).
 * The EABI unwinder stops at the entry code (ret_fast_syscall,
 * ret_from_fork, __irq_usr are .cantunwind) with sp at the task's pt_regs
 * (minus the 5th and 6th syscall arguments vector_swi pushes): a walk that
 * stops lower stopped early, and is unreliable.
 */
static const struct klpb_range *klpb_check_task(struct task_struct *t, unsigned long *where,
						bool *unreliable)
{
	struct stackframe frame = {
		.fp = thread_saved_fp(t),
		.sp = thread_saved_sp(t),
		.lr = 0,
		.pc = thread_saved_pc(t),
	};
	struct klpb_arm_walk w = { .t = t, .frame = &frame };
	unsigned long bottom = (unsigned long)task_pt_regs(t) - 8;

#ifdef CONFIG_KRETPROBES
	frame.tsk = t;
#endif
	walk_stackframe(&frame, klpb_arm_walk_fn, &w);
	*where = w.where;
	*unreliable = false;
	if (w.found)
		return w.found;
	if (w.stuck || w.depth >= KLPB_MAX_FRAMES || frame.sp < bottom) {
		pr_debug("task %d (%s): the walk stopped at %pS, sp %#lx below %#lx\n",
			 task_pid_nr(t), t->comm, (void *)w.where, frame.sp, bottom);
		*unreliable = true;
	}
	return NULL;
}
