#!/usr/bin/env bats
# Patch-author helpers (include/) on Linux 6.1: callbacks, shadow variables,
# kpatch-style patches, syscalls; booted under QEMU, checked
# before/after/disable/unload with a clean dmesg.  The cases are in
# 30-helpers.bash (shared with 41-helpers-6.12.bats).

load ../lib/bats-common
load 30-helpers

setup_file() {
	klpb_need_kernel
}

setup() {
	klpb_need_tools
}

@test "helper headers compile against the test kernel; records and syscall wrappers are right" { hc_headers; }
@test "callbacks: pre/post patch on load, pre/post unpatch on disable, in order" { hc_callbacks; }
@test "shadow variables: klp_shadow_* allocated in one patched function, freed in another" { hc_shadow; }
@test "proc_pid_status with a shadow variable freed by release_task; every livepatch symbol exists in vmlinux" { hc_status_shadow; }
@test "kpatch-style patch (#include \"kpatch-macros.h\", KPATCH_*_CALLBACK, patch_object, KPATCH_PRINTK, KPATCH_FORCE_UNSAFE)" { hc_kpatch_callbacks; }
@test "KPATCH_IGNORE_FUNCTION: the ignored function's change is left out" { hc_kpatch_ignore_function; }
@test "KPATCH_IGNORE_SECTION: a changed data section that would be refused is ignored" { hc_kpatch_ignore_section; }
@test "syscalls replaced with KLP_SYSCALL_DEFINE1 (newuname: uname -m) and KLP_SYSCALL_DEFINE0 (getppid)" { hc_syscalls; }
@test "callbacks of a module object run when the module loads after the patch (object with callbacks only)" { hc_module_callbacks; }
@test "a failing pre-patch callback fails the load; nothing is patched" { hc_pre_patch_fails; }
@test "callbacks of several files for one object all run (patch callbacks in link order, unpatch in reverse)" { hc_callbacks_several_files; }
