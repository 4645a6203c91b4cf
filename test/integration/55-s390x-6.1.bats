#!/usr/bin/env bats
# s390x (issue 11), Linux 6.1: patch modules cross-built by klp-build -a s390x
# for the test kernel (test/configs/s390x-6.1.config, built with Debian's
# s390x-linux-gnu-gcc through the driver's "build original" stage), booted
# under qemu-system-s390x: before/after/disable/unload, clean dmesg.

KLPB_ARCH=s390x
KLPB_KVER=6.1
load ../lib/bats-common
load 55-s390x.bash
load 20-livepatch.bash
load 31-special.bash
load 30-helpers.bash

setup_file() {
	sx_need_tools
	klpb_need_source
	klpb_need_kernel
}

setup() {
	klpb_need_tools
}

@test "s390x 6.1: the test kernel is a big-endian s390x kernel with livepatch, -mnop-mcount ftrace and expolines" { sx_config; }
@test "s390x 6.1 smoke: samples/livepatch/livepatch-sample.c loads, patches, disables, unloads" { smoke_sample; }
@test "s390x 6.1: one changed function (cmdline_proc_show)" { sx_one; }
@test "s390x 6.1: static functions and static data of the file, reached through PLT and GOT slots" { sx_static_calls; }
@test "s390x 6.1: a patched function reads and writes static data of its file (get_next_ino's shared_last_ino)" { sc_static_local; }
@test "s390x 6.1: new function" { lp_new_function p_newfn; }
@test "s390x 6.1: WARN in patched code prints a warning with the patched function's name" { lp_warn p_warn; }
@test "s390x 6.1: disable and rmmod while two tasks loop through the patched function: patched text while enabled, original after disable, the loops alive and reading after rmmod" { lp_busy_loop p_busy; }
@test "s390x 6.1: __jump_table (vmlinux tracepoint key) and __ex_table (user-copy fault) entries of patched code" { sc_jump_ex_alt; }
@test "s390x 6.1: expolines off: the loader reverts the thunk branches of the patch module's .s390_* tables" { sx_expolines_off; }
@test "s390x 6.1: moved lines (BUG/WARN line numbers) patch only the changed function; a blank line alone is no change" { sc_line_shift; }
@test "s390x 6.1: module function, module loaded BEFORE the patch (kernel/configs.ko)" { configs_early_case p_mod; }
@test "s390x 6.1: module function, module loaded AFTER the patch (late patching)" { configs_late_case p_late; }
@test "s390x 6.1: module unloaded and loaded again while patched: the livepatch relocations follow it" { sx_module_reload p_reload; }
@test "s390x 6.1: callbacks: pre/post patch on load, pre/post unpatch on disable, in order" { hc_callbacks; }
@test "s390x 6.1: shadow variables: klp_shadow_* allocated in one patched function, freed in another" { hc_shadow; }
@test "s390x 6.1: proc_pid_status with a shadow variable freed by release_task (the kernel's own objects decide names)" { hc_status_shadow; }
@test "s390x 6.1: kpatch-style patch (kpatch-macros.h callbacks, KPATCH_PRINTK, KPATCH_FORCE_UNSAFE)" { hc_kpatch_callbacks; }
@test "s390x 6.1: KPATCH_IGNORE_FUNCTION: the ignored function's change is left out" { hc_kpatch_ignore_function; }
@test "s390x 6.1: KPATCH_IGNORE_SECTION: a changed data section that would be refused is ignored" { hc_kpatch_ignore_section; }
@test "s390x 6.1: syscalls (newuname, getppid) patched through the kernel's __s390x_sys_ wrappers" { hc_syscalls; }
@test "s390x 6.1: callbacks of a module object run when the module loads after the patch" { hc_module_callbacks; }
@test "s390x 6.1: a failing pre-patch callback fails the load; nothing is patched" { hc_pre_patch_fails; }
@test "s390x 6.1: callbacks of several files for one object all run" { hc_callbacks_several_files; }
@test "s390x 6.1 refused: a changed __init function (named)" { lp_refuse_init 06-cmdline-init.patch; }
