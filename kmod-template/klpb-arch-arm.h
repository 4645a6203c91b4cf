/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 32-bit arm part of the in-module core (issue 12), as seen by
 * klpb-ftrace.c: what it keeps per function and the two hooks it calls.
 * The code is klpb-arch-arm.c, included by klpb-ftrace.c (one object, like
 * the rest of the core: the driver compiles the template's .c once per
 * build dir).  docs/DESIGN.md "32-bit arm (issue 12)".
 *
 * - klpb_arch_prepare(f): before f's ftrace ops is registered: decodes the
 *   old function's prologue from the running text (refusing, named, what
 *   it cannot undo);
 * - klpb_arch_redirect(f, ip, fregs): the handler's redirection: undoes
 *   the prologue in the saved registers and enters the new function with
 *   the entry state (through klpb_arm_tramp when there is a frame);
 * - klpb_check_task(t, where, unreliable): the stack check of the switch,
 *   with the kernel's EABI unwinder (walk_stackframe).
 */
#ifndef KLPB_ARCH_ARM_H
#define KLPB_ARCH_ARM_H

#ifdef CONFIG_THUMB2_KERNEL
#error "klp-build: Thumb-2 kernels (CONFIG_THUMB2_KERNEL) are not supported: the in-module core decodes ARM-mode prologues only"
#endif

#include <linux/types.h>

/* what the prologue before the ftrace site did, read from the running text */
struct klpb_arch_func {
	unsigned long site;		/* the ftrace site: the bl/nop after push {lr} */
	unsigned int frame;		/* bytes between the entry sp and the site's sp */
	s16 slot[16];			/* register n saved at entry sp + slot[n]; 1: not saved */
};

struct klpb_ffunc;
struct ftrace_regs;
static int klpb_arch_prepare(struct klpb_ffunc *f);
static void klpb_arch_redirect(struct klpb_ffunc *f, unsigned long ip, struct ftrace_regs *fregs);

#endif
