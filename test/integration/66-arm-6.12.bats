#!/usr/bin/env bats
# 32-bit arm (issue 12), Linux 6.12 without CONFIG_LIVEPATCH: the test kernel
# (test/configs/arm-6.12.config, ARM mode, -Os, built with Debian's
# arm-linux-gnueabihf-gcc through the driver's "build original" stage) boots
# under QEMU virt with a clean dmesg, refuses livepatch-marked modules, and
# the prototype redirects functions with prologues through ftrace by undoing
# the prologue (test/integration/arm-redirect); `klp-build -a arm` builds
# patch modules with the in-module core that load, redirect, disable and
# unload (65-arm.bash, and the shared cases of 20-livepatch.bash).

KLPB_ARCH=arm
KLPB_KVER=6.12
load ../lib/bats-common
load 65-arm.bash
load 20-livepatch.bash
load 31-special.bash
load 30-helpers.bash

setup_file() {
	arm_need_tools
	klpb_need_kernel
}

@test "arm 6.12: the test kernel: ARM mode, no livepatch, DYNAMIC_FTRACE_WITH_REGS; push {lr}; bl __gnu_mcount_nc after the prologue" { arm_config; }
@test "arm 6.12: boots to init with a clean dmesg; no /sys/kernel/livepatch" { noklp_boot armv7l; }
@test "arm 6.12: a module marked MODULE_INFO(livepatch) is refused" { noklp_livepatch_refused; }
@test "arm 6.12: prototype: ftrace redirection that undoes the prologue: vmlinux functions with prologues, a syscall, six stack arguments with callee-saved registers, a leaf; the naive way breaks the stack" { arm_redirect; }
@test "arm 6.12: klp-build -a arm: one changed function with a prologue through the in-module core (no CONFIG_LIVEPATCH): REL module with the function's unwind index, /sys/kernel/livepatch, log lines, disable, rmmod, clean dmesg" { klpb_need_tools; arm_lp_one arm_one; }
@test "arm 6.12: in-module core: a changed function with a frame calling a static vmlinux helper of its file (meminfo_proc_show -> show_val_kb)" { klpb_need_tools; lp_static_helper arm_helper; }
@test "arm 6.12: in-module core: new function (klpb_version_suffix called from version_proc_show)" { klpb_need_tools; lp_new_function arm_newfn; }
@test "arm 6.12: in-module core: new data used by a patched function" { klpb_need_tools; lp_new_data arm_newdata; }
@test "arm 6.12: in-module core: WARN in patched code: the backtrace unwinds through the patched function (its .ARM.exidx kept)" { klpb_need_tools; arm_warn arm_warn; }
@test "arm 6.12: in-module core: __jump_table and __ex_table of patched code: a static branch on a vmlinux tracepoint key (anchor relocation) toggled from tracefs, the tracepoint call, a user read of address 0 faults into the fixup (-EFAULT)" { klpb_need_tools; sc_jump_ex_alt; }
@test "arm 6.12: in-module core: static locals: the patched get_next_ino keeps the original shared_last_ino (anchor relocation); a new static local gets new storage" { klpb_need_tools; sc_static_local; }
@test "arm 6.12 refused: a changed __init function (named)" { klpb_need_tools; lp_refuse_init; }
@test "arm 6.12: in-module core: disable and rmmod while two tasks loop through the patched function: patched text while enabled, original after disable, the loops alive and reading after rmmod" { klpb_need_tools; lp_busy_loop arm_busy; }
@test "arm 6.12: in-module core: consistency: no switch while a task sleeps in a function being replaced (load and disable refused, naming task and function; stacks walked with the EABI unwinder), then it works" { klpb_need_tools; arm_consistency arm_cons; }
@test "arm 6.12: in-module core: consistency with the function graph tracer on schedule (the sleeping task only): return_to_handler, where the EABI unwinder stops (no unwind entry of its own, its neighbour's says pc = lr), recovered by the core's walk (load and disable refused naming task, function and trampoline), no unwind: warning; both work once the task is gone" { klpb_need_tools; arm_cons_graph arm_graph; }
@test "arm 6.12: in-module core: syscalls (KLP_SYSCALL_DEFINE1 newuname, KLP_SYSCALL_DEFINE0 getppid): the traced entries patched, sys_newuname an alias of __se_sys_newuname" { klpb_need_tools; arm_syscalls arm_sys; }

@test "arm 6.12: in-module core: .pv_table entries of patched code (ARM_PATCH_PHYS_VIRT): __page_get_link's page_address() through its __pv_stub, entries kept for the copy and applied by module_finalize; a ramfs symlink read and followed through the copy; clean dmesg" { klpb_need_tools; arm_pv_table arm_pv; }

# symbols of modules (issue 12, i12-mod)
@test "arm 6.12: in-module core: a function of a module (configs.ko) whose literal words of the module's symbols are slots the core writes with __patch_text_real; late module patching: patch loaded before the module, module removed and loaded elsewhere, patch loaded after it; disable and rmmod with and without the module; clean dmesg" { klpb_need_tools; arm_modfunc arm_mod; }
@test "arm 6.12: in-module core: a call from the patch to a function of a module (configs' ikconfig_read_current, from its callbacks) through a veneer 'ldr pc, [pc, #-4]' and its slot word; callbacks of the module at its load and unload, at enable and disable; module reloaded elsewhere" { klpb_need_tools; arm_modcall arm_call; }
