#!/usr/bin/env bats
# arm64 (issue 10), Linux 6.1 at -O2 with KASLR and the full 2 GB module
# region (test/configs/arm64-6.1-o2-kaslr.config, KLPB_VARIANT=o2-kaslr):
# DYNAMIC_FTRACE_WITH_REGS (6.1 has no CALL_OPS: two NOPs at each function's
# entry, as at -Os); GCC's -O2 code (more tail calls, IPA clones, inlining);
# modules anywhere in the 2 GB window, reached through module PLTs.  The
# same cases as 64-arm64-6.12-o2-kaslr.bats.  Not in `make check`
# (BATS_CHECK): another kernel to build; `make check-all` and
# `make check-arm64` run it.

KLPB_ARCH=arm64
KLPB_KVER=6.1
KLPB_VARIANT=o2-kaslr
load ../lib/bats-common
load 60-arm64.bash
load 20-livepatch.bash
load 30-helpers.bash

setup_file() {
	a64_need_tools
	klpb_need_kernel
}

@test "arm64 6.1 -O2 KASLR: the test kernel has -O2, DYNAMIC_FTRACE_WITH_REGS (two NOPs at function entry, no CALL_OPS), RANDOMIZE_BASE, the full module region and module PLTs, no livepatch" { a64_config; }
@test "arm64 6.1 -O2 KASLR: boots to init with a clean dmesg" { noklp_boot aarch64; }
@test "arm64 6.1 -O2 KASLR: two boots: the image moved from its link address and between the boots; a module lands in the 2 GB window around it" { a64_kaslr; }
@test "arm64 6.1 -O2 KASLR: in-module core: a vmlinux function with a stack argument (__vmalloc_node_range's ninth, caller): the new function gets the caller the original records for the same call site" { klpb_need_tools; a64_stackargs a64_stk; }
@test "arm64 6.1 -O2 KASLR: in-module core: one changed function" { klpb_need_tools; a64_lp_one a64_one; }
@test "arm64 6.1 -O2 KASLR: in-module core: a call to a static vmlinux helper (through a module PLT when far)" { klpb_need_tools; lp_static_helper a64_helper; }
@test "arm64 6.1 -O2 KASLR: in-module core: new function" { klpb_need_tools; lp_new_function a64_newfn; }
@test "arm64 6.1 -O2 KASLR: in-module core: new data used by a patched function" { klpb_need_tools; lp_new_data a64_newdata; }
@test "arm64 6.1 -O2 KASLR: in-module core: WARN in patched code names the patched function" { klpb_need_tools; lp_warn a64_warn; }
@test "arm64 6.1 -O2 KASLR: in-module core: consistency: no switch while a task sleeps in a function being replaced" { klpb_need_tools; noklp_consistency a64_cons; }
@test "arm64 6.1 -O2 KASLR: in-module core: consistency with the function graph tracer on schedule (return_to_handler recovered)" { klpb_need_tools; a64_cons_tramp a64_graph graph; }
@test "arm64 6.1 -O2 KASLR: in-module core: consistency with a kretprobe on schedule (__kretprobe_trampoline recovered)" { klpb_need_tools; a64_cons_tramp a64_kretprobe kretprobe; }
@test "arm64 6.1 -O2 KASLR: in-module core: a function of a module (configs.ko) through slots; late module patching, reload elsewhere, disable and rmmod" { klpb_need_tools; a64_modfunc a64_mod; }
@test "arm64 6.1 -O2 KASLR: in-module core: a call from the patch to a function of a module through a veneer and a slot; callbacks of the module" { klpb_need_tools; a64_modcall a64_call; }
@test "arm64 6.1 -O2 KASLR: in-module core: callbacks (livepatch_helpers.h) in order" { klpb_need_tools; hc_callbacks; }
@test "arm64 6.1 -O2 KASLR: in-module core: shadow variables" { klpb_need_tools; hc_shadow; }
@test "arm64 6.1 -O2 KASLR: in-module core: atomic replace" { klpb_need_tools; a64_replace; }
