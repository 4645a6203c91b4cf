/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klp-build's <linux/livepatch_helpers.h>: helpers for code in a source patch
 * that klp-build turns into a livepatch module.  klp-build puts the directory
 * holding this file first on the include path of every patched compile, so
 * it is used on every kernel klp-build supports (it shadows a kernel's own
 * copy of the same name).  Only meaningful in patched sources: in a normal
 * kernel build the records below would be dead data.
 *
 * Callbacks
 *	KLP_PRE_PATCH_CALLBACK(fn)	int fn(struct klp_object *obj)
 *	KLP_POST_PATCH_CALLBACK(fn)	void fn(struct klp_object *obj)
 *	KLP_PRE_UNPATCH_CALLBACK(fn)	void fn(struct klp_object *obj)
 *	KLP_POST_UNPATCH_CALLBACK(fn)	void fn(struct klp_object *obj)
 *
 *   register fn for the object (vmlinux or the module) the patched file
 *   belongs to.  The kernel calls them with the livepatch core's usual
 *   semantics (Documentation/livepatch/callbacks.rst): pre-patch before the
 *   object's functions are redirected (an error fails the patch, or the
 *   loading of the module), post-patch after the transition, pre-unpatch
 *   before disabling, post-unpatch after it.  For a module loaded after the
 *   patch, pre/post-patch run when it loads.  Several callbacks of a kind
 *   for one object are allowed (patch callbacks run in link order, unpatch
 *   callbacks in reverse order).  Each macro emits a struct klpb_callback
 *   record into section .klp.callbacks; create-diff-object fills in the
 *   object name and the patch module's core attaches it (docs/DESIGN.md).
 *
 * Syscalls
 *	KLP_SYSCALL_DEFINE0(name) ... KLP_SYSCALL_DEFINE6(name, type, arg, ...)
 *
 *   drop-in replacements for SYSCALL_DEFINEn in a patched file.  The
 *   kernel's SYSCALL_DEFINEn puts the body into __do_sys_NAME, an inline
 *   (hence notrace) function that livepatch cannot redirect.  On x86_64
 *   these forms force the body into the entry wrappers __x64_sys_NAME (and
 *   __ia32_sys_NAME with IA32_EMULATION), which have an ftrace site, so a
 *   change of the body changes the wrapper and the wrapper is patched.
 *   They emit no syscall trace metadata and no error-injection entry (the
 *   original kernel's stay in place).
 *
 *   On the other architectures (ppc64le, s390x, arm64, 32-bit arm) they are
 *   the kernel's own macros, so one source patch builds everywhere: there
 *   the entry (sys_NAME on ppc64le and 32-bit arm, __s390x_sys_NAME on
 *   s390x, __arm64_sys_NAME(regs) on arm64) has an ftrace site, and
 *   create-diff-object patches it, through it also the notrace body
 *   __do_sys_NAME when GCC keeps that out of line (see "Other
 *   architectures" below).
 *
 * Static calls
 *	KLP_STATIC_CALL(name)(args...)
 *
 *   call the current target of static call NAME through its key, like
 *   static_call(name)(args...), but without a call site record: use it in
 *   patched code when the static call key is not exported to modules.
 *
 * Shadow variables need no helper: the kernel's klp_shadow_alloc(),
 * klp_shadow_get(), klp_shadow_get_or_alloc(), klp_shadow_free() and
 * klp_shadow_free_all() (<linux/livepatch.h>) are exported to modules.  On
 * a kernel without CONFIG_LIVEPATCH (arm64) the patch module's in-module
 * core provides them and struct klp_object, declared by klp-build's
 * <linux/livepatch.h> (kmod-template/klpb-livepatch.h).
 */
#ifndef _KLPB_LINUX_LIVEPATCH_HELPERS_H
#define _KLPB_LINUX_LIVEPATCH_HELPERS_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/livepatch.h>

/* struct klpb_callback and KLPB_CB_*: shared with the tools and the core */
#include "../../kmod-template/klpb-meta.h"

/* ---------------------------------------------------------------- callbacks */

typedef int (*klp_pre_patch_t)(struct klp_object *obj);
typedef void (*klp_post_patch_t)(struct klp_object *obj);
typedef void (*klp_pre_unpatch_t)(struct klp_object *obj);
typedef void (*klp_post_unpatch_t)(struct klp_object *obj);

/*
 * One record per use.  The static_assert turns a callback of the wrong
 * signature into a compile error naming the macro; the record has a unique
 * local name, so a file may register as many callbacks as it likes.
 */
#define __KLPB_CALLBACK(kind, cbtype, func, fntype)				\
	static_assert(__same_type(&(func), fntype),				\
		      #func ": wrong signature for a " kind " callback");	\
	static struct klpb_callback __UNIQUE_ID(__klpb_callback_) __used	\
	__section(KLPB_CALLBACKS_SECTION) __aligned(sizeof(void *)) = {		\
		.type = (cbtype),						\
		.fn = (void *)(func),						\
		.objname = NULL,						\
	}

#define KLP_PRE_PATCH_CALLBACK(func)						\
	__KLPB_CALLBACK("pre-patch", KLPB_CB_PRE_PATCH, func, klp_pre_patch_t)
#define KLP_POST_PATCH_CALLBACK(func)						\
	__KLPB_CALLBACK("post-patch", KLPB_CB_POST_PATCH, func, klp_post_patch_t)
#define KLP_PRE_UNPATCH_CALLBACK(func)						\
	__KLPB_CALLBACK("pre-unpatch", KLPB_CB_PRE_UNPATCH, func, klp_pre_unpatch_t)
#define KLP_POST_UNPATCH_CALLBACK(func)						\
	__KLPB_CALLBACK("post-unpatch", KLPB_CB_POST_UNPATCH, func, klp_post_unpatch_t)

/*
 * Pointer records that only steer create-diff-object (kpatch-macros.h maps
 * KPATCH_IGNORE_FUNCTION, KPATCH_IGNORE_SECTION, KPATCH_FORCE_UNSAFE onto
 * these); create-diff-object never copies them into the module.
 */
#define __KLPB_PTR_RECORD(sec, ptr)						\
	static const void *__UNIQUE_ID(__klpb_record_) __used			\
	__section(sec) __aligned(sizeof(void *)) = (const void *)(ptr)

/* ---------------------------------------------------------------- syscalls */

#if defined(CONFIG_X86_64) && defined(CONFIG_ARCH_HAS_SYSCALL_WRAPPER)

#include <linux/syscalls.h>

/*
 * Layout of a KLP_SYSCALL_DEFINEx(x, _name, type1, arg1, ...) expansion:
 *
 *	__klpb_do_sys_name(type1 arg1, ...)	the body (always inlined)
 *	__klpb_se_sys_name(long, ...)		sign extension, checks (always inlined)
 *	__x64_sys_name(const struct pt_regs *)	entry: regs -> args, ftrace site
 *	__ia32_sys_name(const struct pt_regs *)	same for IA32_EMULATION
 *
 * The body is renamed so that it never pairs up with the original
 * __do_sys_name (an out-of-line, notrace function in many builds).
 */
#define __KLPB_X64_SYSCALL(x, name, ...)					\
	long __x64_sys##name(const struct pt_regs *regs);			\
	long __x64_sys##name(const struct pt_regs *regs)			\
	{									\
		return __klpb_se_sys##name(SC_X86_64_REGS_TO_ARGS(x, __VA_ARGS__)); \
	}

#ifdef CONFIG_IA32_EMULATION
#define __KLPB_IA32_SYSCALL(x, name, ...)					\
	long __ia32_sys##name(const struct pt_regs *regs);			\
	long __ia32_sys##name(const struct pt_regs *regs)			\
	{									\
		return __klpb_se_sys##name(SC_IA32_REGS_TO_ARGS(x, __VA_ARGS__)); \
	}
#define __KLPB_IA32_SYSCALL0(name)						\
	long __ia32_sys_##name(const struct pt_regs *regs);			\
	long __ia32_sys_##name(const struct pt_regs *regs)			\
	{									\
		return __klpb_do_sys_##name(regs);				\
	}
#else
#define __KLPB_IA32_SYSCALL(x, name, ...)
#define __KLPB_IA32_SYSCALL0(name)
#endif

#define KLP_SYSCALL_DEFINEx(x, name, ...)					\
	static __always_inline long						\
	__klpb_do_sys##name(__MAP(x, __SC_DECL, __VA_ARGS__));			\
	static __always_inline long						\
	__klpb_se_sys##name(__MAP(x, __SC_LONG, __VA_ARGS__))			\
	{									\
		long ret = __klpb_do_sys##name(__MAP(x, __SC_CAST, __VA_ARGS__)); \
		__MAP(x, __SC_TEST, __VA_ARGS__);				\
		__PROTECT(x, ret, __MAP(x, __SC_ARGS, __VA_ARGS__));		\
		return ret;							\
	}									\
	__KLPB_X64_SYSCALL(x, name, __VA_ARGS__)				\
	__KLPB_IA32_SYSCALL(x, name, __VA_ARGS__)				\
	static __always_inline long						\
	__klpb_do_sys##name(__MAP(x, __SC_DECL, __VA_ARGS__))

#define KLP_SYSCALL_DEFINE0(name)						\
	static __always_inline long						\
	__klpb_do_sys_##name(const struct pt_regs *__unused);			\
	long __x64_sys_##name(const struct pt_regs *regs);			\
	long __x64_sys_##name(const struct pt_regs *regs)			\
	{									\
		return __klpb_do_sys_##name(regs);				\
	}									\
	__KLPB_IA32_SYSCALL0(name)						\
	static __always_inline long						\
	__klpb_do_sys_##name(const struct pt_regs *__unused)

#else /* !x86_64 */

/*
 * Other architectures: the kernel's own definitions.  The body may then end
 * up in a function without an ftrace site; create-diff-object says so.
 * arm64 (arch/arm64/include/asm/syscall_wrapper.h, 6.1 and 6.12):
 * SYSCALL_DEFINE0 puts the body into __arm64_sys_NAME(regs), which has the
 * two ftrace NOPs; with arguments __arm64_sys_NAME inlines the static
 * __se_sys_NAME and calls __do_sys_NAME, "static inline" hence notrace, out
 * of line in the test kernels at -Os and -O2: the changed __do_sys_NAME is
 * carried as a copy and __arm64_sys_NAME is patched, its copy calling the
 * copy.  No arm64 form of its own is needed; with FTRACE_SYSCALLS or
 * FUNCTION_ERROR_INJECTION the patched file's metadata and error-injection
 * entries are not carried (the original kernel's stay in place), as for
 * the x86_64 forms.
 */
#include <linux/syscalls.h>
#define KLP_SYSCALL_DEFINEx(x, name, ...)	__SYSCALL_DEFINEx(x, name, __VA_ARGS__)
#define KLP_SYSCALL_DEFINE0(name)		SYSCALL_DEFINE0(name)

#endif /* x86_64 */

#define KLP_SYSCALL_DEFINE1(name, ...) KLP_SYSCALL_DEFINEx(1, _##name, __VA_ARGS__)
#define KLP_SYSCALL_DEFINE2(name, ...) KLP_SYSCALL_DEFINEx(2, _##name, __VA_ARGS__)
#define KLP_SYSCALL_DEFINE3(name, ...) KLP_SYSCALL_DEFINEx(3, _##name, __VA_ARGS__)
#define KLP_SYSCALL_DEFINE4(name, ...) KLP_SYSCALL_DEFINEx(4, _##name, __VA_ARGS__)
#define KLP_SYSCALL_DEFINE5(name, ...) KLP_SYSCALL_DEFINEx(5, _##name, __VA_ARGS__)
#define KLP_SYSCALL_DEFINE6(name, ...) KLP_SYSCALL_DEFINEx(6, _##name, __VA_ARGS__)

/* ---------------------------------------------------------------- static calls */

#include <linux/static_call.h>

/*
 * static_call(name) leaves a .static_call_sites record that the module
 * loader resolves against the key __SCK__name, which a livepatch module can
 * only reach when it is exported.  This form reads the key's current target
 * and calls it indirectly: the reference to the key is an ordinary data
 * reference (klp-convert resolves it when the key is not exported).
 */
#define KLP_STATIC_CALL(name)							\
	((typeof(&STATIC_CALL_TRAMP(name)))static_call_query(name))

#endif /* _KLPB_LINUX_LIVEPATCH_HELPERS_H */
