#!/usr/bin/env bats
# Patch-author helpers (include/) on Linux 6.12 (IBT, return thunks, call
# padding: test/configs/x86_64-6.12.config): the cases of 30-helpers.bats,
# from 30-helpers.bash, against the 6.12 test kernel.

KLPB_KVER=6.12
load ../lib/bats-common
load 30-helpers

setup_file() {
	if [[ $KLPB_TEST_BUILD != */x86_64-6.12/* ]]; then
		skip "test/lib/kernel.sh does not select kernels by KLPB_KVER"
	fi
	klpb_need_source
	klpb_need_kernel
}

setup() {
	klpb_need_tools
}

@test "6.12: helper headers compile against the test kernel; records and syscall wrappers are right" { hc_headers; }
@test "6.12: callbacks: pre/post patch on load, pre/post unpatch on disable, in order" { hc_callbacks; }
@test "6.12: shadow variables: klp_shadow_* allocated in one patched function, freed in another" { hc_shadow; }
@test "6.12: proc_pid_status with a shadow variable freed by release_task; every livepatch symbol exists in vmlinux" { hc_status_shadow; }
@test "6.12: kpatch-style patch (#include \"kpatch-macros.h\", KPATCH_*_CALLBACK, patch_object, KPATCH_PRINTK, KPATCH_FORCE_UNSAFE)" { hc_kpatch_callbacks; }
@test "6.12: KPATCH_IGNORE_FUNCTION: the ignored function's change is left out" { hc_kpatch_ignore_function; }
@test "6.12: KPATCH_IGNORE_SECTION: a changed data section that would be refused is ignored" { hc_kpatch_ignore_section; }
@test "6.12: syscalls replaced with KLP_SYSCALL_DEFINE1 (newuname: uname -m) and KLP_SYSCALL_DEFINE0 (getppid)" { hc_syscalls; }
@test "6.12: callbacks of a module object run when the module loads after the patch (object with callbacks only)" { hc_module_callbacks; }
@test "6.12: a failing pre-patch callback fails the load; nothing is patched" { hc_pre_patch_fails; }
@test "6.12: callbacks of several files for one object all run (patch callbacks in link order, unpatch in reverse)" { hc_callbacks_several_files; }
