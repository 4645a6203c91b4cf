#!/usr/bin/env bats
# ppc64le (issue 5), Linux 6.1: patch modules cross-built by klp-build -a
# ppc64le for the test kernel (test/configs/ppc64le-6.1.config, built with
# Debian's powerpc64le-linux-gnu-gcc through the driver's "build original"
# stage), booted under QEMU pseries: before/after/disable/unload, clean dmesg.

KLPB_ARCH=ppc64le
KLPB_KVER=6.1
load ../lib/bats-common
load 50-ppc64le.bash
load 20-livepatch.bash
load 31-special.bash
load 30-helpers.bash

setup_file() {
	pc_need_tools
	klpb_need_kernel
}

setup() {
	klpb_need_tools
}

@test "ppc64le 6.1: the test kernel is a little-endian pseries kernel with livepatch and -mprofile-kernel ftrace" { pc_config; }
@test "ppc64le 6.1 smoke: samples/livepatch/livepatch-sample.c loads, patches, disables, unloads" { smoke_sample; }
@test "ppc64le 6.1: one changed function (cmdline_proc_show)" { pc_one; }
@test "ppc64le 6.1: local calls that became global: static functions and static data of the file" { pc_static_calls; }
@test "ppc64le 6.1: new function" { lp_new_function p_newfn; }
@test "ppc64le 6.1: WARN in patched code prints a warning with the patched function's name" { lp_warn p_warn; }
@test "ppc64le 6.1: __jump_table (vmlinux tracepoint key), __ex_table and barrier_nospec (__spec_barrier_fixup) entries of patched code" { sc_jump_ex_alt; }
@test "ppc64le 6.1: moved lines (BUG/WARN line numbers) patch only the changed function; a blank line alone is no change" { sc_line_shift; }
@test "ppc64le 6.1: lines moved above WARN sites of kernel/kthread.c patch only get_kthread_comm; the transition ends within 5 s" { sc_kthread_line_shift; }
@test "ppc64le 6.1: a changed kthread_worker_fn loads (no kthread runs it on this kernel) and its transition ends within 5 s" { sc_kthread_loop loads; }
@test "ppc64le 6.1: a second patch's transition ends within 5 s while a task sleeps inside the first patch module's code (reliable stacks through module frames)" { pc_sleeper_transition; }
@test "ppc64le 6.1: module function, module loaded BEFORE the patch (kernel/configs.ko)" { configs_early_case p_mod; }
@test "ppc64le 6.1: module function, module loaded AFTER the patch (late patching)" { configs_late_case p_late; }
@test "ppc64le 6.1: callbacks: pre/post patch on load, pre/post unpatch on disable, in order" { hc_callbacks; }
@test "ppc64le 6.1: shadow variables: klp_shadow_* allocated in one patched function, freed in another" { hc_shadow; }
@test "ppc64le 6.1: proc_pid_status with a shadow variable freed by release_task; the IPA clone it calls is named differently in vmlinux (carried, not named)" { hc_status_shadow; }
@test "ppc64le 6.1: kpatch-style patch (kpatch-macros.h callbacks, KPATCH_PRINTK, KPATCH_FORCE_UNSAFE)" { hc_kpatch_callbacks; }
@test "ppc64le 6.1: KPATCH_IGNORE_FUNCTION: the ignored function's change is left out" { hc_kpatch_ignore_function; }
@test "ppc64le 6.1: KPATCH_IGNORE_SECTION: a changed data section that would be refused is ignored" { hc_kpatch_ignore_section; }
@test "ppc64le 6.1: syscalls (newuname, getppid) patched through the kernel's sys_ entry points" { hc_syscalls; }
@test "ppc64le 6.1: callbacks of a module object run when the module loads after the patch" { hc_module_callbacks; }
@test "ppc64le 6.1: a failing pre-patch callback fails the load; nothing is patched" { hc_pre_patch_fails; }
@test "ppc64le 6.1: callbacks of several files for one object all run" { hc_callbacks_several_files; }
@test "ppc64le 6.1 refused: a changed __init function (named)" { lp_refuse_init 06-cmdline-init.patch; }
@test "ppc64le 6.1: -a arm with a ppc64le config is refused before any build" { pc_refused_other; }
