/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpatch compatibility for klp-build: KPATCH_SYSCALL_DEFINE0..6 and
 * KPATCH_SYSCALL_DEFINEx are klp-build's KLP_SYSCALL_DEFINE* of
 * <linux/livepatch_helpers.h>: replace SYSCALL_DEFINEn(name, ...) with
 * KPATCH_SYSCALL_DEFINEn(name, ...) in the patched file and the syscall's
 * entry wrapper (__x64_sys_name, which has an ftrace site) is patched.
 */
#ifndef __KPATCH_SYSCALL_H_
#define __KPATCH_SYSCALL_H_

#include "kpatch-macros.h"

#define KPATCH_SYSCALL_DEFINE0(name)		KLP_SYSCALL_DEFINE0(name)
#define KPATCH_SYSCALL_DEFINE1(name, ...)	KLP_SYSCALL_DEFINE1(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE2(name, ...)	KLP_SYSCALL_DEFINE2(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE3(name, ...)	KLP_SYSCALL_DEFINE3(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE4(name, ...)	KLP_SYSCALL_DEFINE4(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE5(name, ...)	KLP_SYSCALL_DEFINE5(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE6(name, ...)	KLP_SYSCALL_DEFINE6(name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINEx(x, sname, ...)	KLP_SYSCALL_DEFINEx(x, sname, __VA_ARGS__)

#endif /* __KPATCH_SYSCALL_H_ */
