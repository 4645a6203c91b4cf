/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 32-bit arm prototype (issue 12): the one trampoline of the redirection,
 * and a caller that checks what a redirected call preserves.
 */
#include <linux/linkage.h>
#include <asm/assembler.h>
#include <asm/unwind.h>

	.text
	.arm

/*
 * Entered from ftrace_regs_caller's "ldr pc, [sp], #12" with sp = the
 * replaced function's sp at its mcount site (after its prologue), r0-r11
 * and lr restored by the handler to their values at the function's entry,
 * ip = (entry sp - 4) and the word there = the new function.  Drops the
 * old frame and enters the new function with the entry sp: the stack
 * arguments are where the caller put them.  The word at [ip] lies in the
 * dropped frame, above sp until it is loaded, so no interrupt can
 * overwrite it.
 */
ENTRY(klpb_arm_tramp)
UNWIND(	.fnstart	)
UNWIND(	.cantunwind	)
	mov	sp, ip
	ldr	pc, [sp], #4
UNWIND(	.fnend		)
ENDPROC(klpb_arm_tramp)

/*
 * long klpb_call_many(fn, unsigned long *lost): fn(1, 2, ..., 10), six of
 * the arguments on the stack, with r4-r10 = 0x44444444..0xaaaaaaaa and
 * r11 = sp.  *lost gets bit n set when r(4+n) did not survive the call,
 * and bit 8 when sp moved (then sp is put back from r11 and *lost's
 * upper half holds how far it moved, in bytes).
 */
ENTRY(klpb_call_many)
UNWIND(	.fnstart	)
	push	{r4-r11, lr}
UNWIND(	.save	{r4-r11, lr}	)
	sub	sp, sp, #28
UNWIND(	.pad	#28		)
	str	r1, [sp, #24]
	mov	ip, r0
	mov	r0, #5
	str	r0, [sp, #0]
	mov	r0, #6
	str	r0, [sp, #4]
	mov	r0, #7
	str	r0, [sp, #8]
	mov	r0, #8
	str	r0, [sp, #12]
	mov	r0, #9
	str	r0, [sp, #16]
	mov	r0, #10
	str	r0, [sp, #20]
	ldr	r4, =0x44444444
	ldr	r5, =0x55555555
	ldr	r6, =0x66666666
	ldr	r7, =0x77777777
	ldr	r8, =0x88888888
	ldr	r9, =0x99999999
	ldr	r10, =0xaaaaaaaa
	mov	r11, sp
	mov	r0, #1
	mov	r1, #2
	mov	r2, #3
	mov	r3, #4
	blx	ip
	mov	r2, #0
	subs	r3, r11, sp
	orrne	r2, r2, #0x100
	orrne	r2, r2, r3, lsl #16
	mov	sp, r11
	ldr	r1, =0x44444444
	cmp	r4, r1
	orrne	r2, r2, #0x01
	ldr	r1, =0x55555555
	cmp	r5, r1
	orrne	r2, r2, #0x02
	ldr	r1, =0x66666666
	cmp	r6, r1
	orrne	r2, r2, #0x04
	ldr	r1, =0x77777777
	cmp	r7, r1
	orrne	r2, r2, #0x08
	ldr	r1, =0x88888888
	cmp	r8, r1
	orrne	r2, r2, #0x10
	ldr	r1, =0x99999999
	cmp	r9, r1
	orrne	r2, r2, #0x20
	ldr	r1, =0xaaaaaaaa
	cmp	r10, r1
	orrne	r2, r2, #0x40
	ldr	r1, [sp, #24]
	str	r2, [r1]
	add	sp, sp, #28
	pop	{r4-r11, pc}
	.ltorg
UNWIND(	.fnend		)
ENDPROC(klpb_call_many)
