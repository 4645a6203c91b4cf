#!/usr/bin/env bats
# arm64 (issue 10), Linux 6.12 without CONFIG_LIVEPATCH: the test
# kernel (test/configs/arm64-6.12.config, -Os, no KASLR, built with Debian's
# aarch64-linux-gnu-gcc through the driver's "build original" stage) boots
# under QEMU virt/cortex-a57 with a clean dmesg, refuses livepatch-marked
# modules, and klp-build
# builds patch modules with its in-module core (cases named "in-module core").

KLPB_ARCH=arm64
KLPB_KVER=6.12
load ../lib/bats-common
load 60-arm64.bash
load 20-livepatch.bash
load 31-special.bash
load 30-helpers.bash

setup_file() {
	a64_need_tools
	klpb_need_kernel
}

@test "arm64 6.12: the test kernel has no livepatch, DYNAMIC_FTRACE_WITH_ARGS only, two NOPs at function entry" { a64_config; }
@test "arm64 6.12: boots to init with a clean dmesg; no /sys/kernel/livepatch" { noklp_boot aarch64; }
@test "arm64 6.12: a module marked MODULE_INFO(livepatch) is refused" { noklp_livepatch_refused; }
@test "arm64 6.12: in-module core: a vmlinux function with a stack argument (__vmalloc_node_range_noprof's ninth, caller): the new function gets the caller the original records for the same call site" { klpb_need_tools; a64_stackargs a64_stk; }
@test "arm64 6.12: klp-build -a arm64: one changed function through the in-module core (no CONFIG_LIVEPATCH): /sys/kernel/livepatch, log lines, disable, rmmod, clean dmesg" { klpb_need_tools; a64_lp_one a64_one; }
@test "arm64 6.12: in-module core: a changed function calling a static vmlinux helper of its file (meminfo_proc_show -> show_val_kb)" { klpb_need_tools; lp_static_helper a64_helper; }
@test "arm64 6.12: in-module core: new function (klpb_version_suffix called from version_proc_show)" { klpb_need_tools; lp_new_function a64_newfn; }
@test "arm64 6.12: in-module core: new data used by a patched function" { klpb_need_tools; lp_new_data a64_newdata; }
@test "arm64 6.12: in-module core: WARN in patched code prints a warning with the patched function's name" { klpb_need_tools; lp_warn a64_warn; }
@test "arm64 6.12: in-module core: __jump_table and __ex_table of patched code: a static branch on a vmlinux tracepoint key (anchor relocation) toggled from tracefs, the tracepoint call, a user read of address 0 faults into the fixup (-EFAULT)" { klpb_need_tools; sc_jump_ex_alt; }
@test "arm64 6.12: in-module core: static locals: the patched get_next_ino keeps the original shared_last_ino (anchor relocation); a new static local gets new storage" { klpb_need_tools; sc_static_local; }
@test "arm64 6.12 refused: a changed __init function (named)" { klpb_need_tools; lp_refuse_init; }
@test "arm64 6.12: in-module core: disable and rmmod while two tasks loop through the patched function: patched text while enabled, original after disable, the loops alive and reading after rmmod" { klpb_need_tools; lp_busy_loop a64_busy; }
@test "arm64 6.12: in-module core: consistency: no switch while a task sleeps in a function being replaced (load and disable refused, naming task and function), then it works" { klpb_need_tools; noklp_consistency a64_cons; }
@test "arm64 6.12: in-module core: consistency with the function graph tracer on schedule: the sleeping task's return address into do_nanosleep is return_to_handler, recovered as the kernel's unwinder does (load and disable refused, naming task, function and trampoline)" { klpb_need_tools; a64_cons_tramp a64_graph graph; }
@test "arm64 6.12: in-module core: a function of a module (configs.ko) and its symbols through slots; late module patching: patch loaded before the module, module removed and loaded elsewhere, patch loaded after it; disable and rmmod with and without the module; clean dmesg" { klpb_need_tools; a64_modfunc a64_mod; }
@test "arm64 6.12: in-module core: loads of a module's static data (configs' config_gz_proc_ops) through a -mcmodel=large literal pointed at a slot: patch loaded before the module, module removed and loaded elsewhere, patch loaded after it; the values read are the loaded copy's; clean dmesg" { klpb_need_tools; a64_moddata a64_mdata; }
@test "arm64 6.12: in-module core: stores to a module's writable static data (kobject-example's foo, baz, bar, from b_store) through -mcmodel=large literals pointed at slots: patch loaded before the module, module removed and loaded elsewhere, patch loaded after it; the module's own code shows the stored values; clean dmesg" { klpb_need_tools; a64_modstore a64_mstore; }
@test "arm64 6.12: in-module core: two patch modules (--no-replace) side by side share /sys/kernel/livepatch; the first removed, the second keeps working" { klpb_need_tools; a64_two; }
@test "arm64 6.12: in-module core: callbacks (livepatch_helpers.h): pre/post patch on load, pre/post unpatch on disable, in order" { klpb_need_tools; hc_callbacks; }
@test "arm64 6.12: in-module core: kpatch-style callbacks (kpatch-macros.h, patch_object, KPATCH_PRINTK, KPATCH_FORCE_UNSAFE)" { klpb_need_tools; hc_kpatch_callbacks; }
@test "arm64 6.12: in-module core: a failing pre-patch callback fails the load; nothing is patched, post-unpatch does not run" { klpb_need_tools; hc_pre_patch_fails; }
@test "arm64 6.12: in-module core: shadow variables (klp_shadow_* of the core): allocated in one patched function, freed in another" { klpb_need_tools; hc_shadow; }
@test "arm64 6.12: in-module core: syscalls of the shared patch (KLP_SYSCALL_DEFINE1 newuname, KLP_SYSCALL_DEFINE0 getppid) through the kernel's __arm64_sys_ entries (__do_sys_newuname, notrace, through its caller): patched while enabled, original after disable and rmmod" { klpb_need_tools; a64_syscalls a64_sys; }
@test "arm64 6.12: in-module core: atomic replace by default: the earlier patch's functions move to the new one or back to the original, it is disabled and removable; only the new patch's callbacks run" { klpb_need_tools; a64_replace; }
@test "arm64 6.12: in-module core: atomic replace with a function of a module (configs.ko): the replaced patch's module function goes back to the original and its module notifier stops acting; a later patch takes it over" { klpb_need_tools; a64_modreplace; }
@test "arm64 6.12: in-module core: a shadow variable per task (proc_pid_status allocates, release_task frees), status masks unchanged" { klpb_need_tools; hc_status_shadow; }
@test "arm64 6.12: in-module core: callbacks of a module object run when the module loads after the patch (object with callbacks only)" { klpb_need_tools; hc_module_callbacks; }
@test "arm64 6.12: in-module core: a call from the patch to a function of a module (configs' ikconfig_read_current, from its callbacks) through a veneer and a slot; callbacks of the module at its load and unload, at enable and disable; module reloaded elsewhere" { klpb_need_tools; a64_modcall a64_call; }
@test "arm64 6.12: in-module core: a symbol the loaded module lacks: the patch's load fails naming object and symbol, nothing patched, module gone; loaded first, that module's load is refused instead" { klpb_need_tools; a64_unresolvable a64_unres; }
@test "arm64 6.12: in-module core: --no-replace stacking of one function by three patches: on top of each other, the middle, top and lowest one disabled (handed back like the kernel's func_stack), the stack replaced; the stack check covers the function of the patch below" { klpb_need_tools; a64_stack; }
@test "arm64 6.12: in-module core: the stack check covers the idle tasks: a patch of schedule_idle (where every idle task waits) is refused naming swapper/N; another loads with two CPUs" { klpb_need_tools; a64_idle; }
@test "arm64 6.12: in-module core: --no-replace stacking of a function of a module (configs.ko): the notifiers of both patches when it comes, reload, the top one disabled hands it back, the covered one disabled leaves it" { klpb_need_tools; a64_modstack; }
