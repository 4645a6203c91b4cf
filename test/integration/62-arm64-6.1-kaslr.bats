#!/usr/bin/env bats
# arm64 (issue 10), Linux 6.1 with KASLR and the full 2 GB module region
# (test/configs/arm64-6.1-kaslr.config, KLPB_VARIANT=kaslr): the image moves
# at boot, so the anchor-relative references (vmlinux symbols as "exported
# symbol + link-time distance", applied by the module loader, through module
# PLTs when far) of klp-build's in-module core are
# tested where they can fail.

KLPB_ARCH=arm64
KLPB_KVER=6.1
KLPB_VARIANT=kaslr
load ../lib/bats-common
load 60-arm64.bash
load 20-livepatch.bash
load 30-helpers.bash

setup_file() {
	a64_need_tools
	klpb_need_kernel
}

@test "arm64 6.1 KASLR: the test kernel has RANDOMIZE_BASE, the full module region and module PLTs, no livepatch" { a64_config; }
@test "arm64 6.1 KASLR: boots to init with a clean dmesg" { noklp_boot aarch64; }
@test "arm64 6.1 KASLR: two boots: the image moved from its link address and between the boots; a module lands in the 2 GB window around it" { a64_kaslr; }
@test "arm64 6.1 KASLR: in-module core: a vmlinux function with a stack argument (__vmalloc_node_range's ninth, caller): the new function gets the caller the original records for the same call site" { klpb_need_tools; a64_stackargs a64_stk; }
@test "arm64 6.1 KASLR: in-module core: one changed function; vmlinux references relative to an exported anchor still resolve where the image moved" { klpb_need_tools; a64_lp_one a64_one; }
@test "arm64 6.1 KASLR: in-module core: a call to a static vmlinux helper (through a module PLT when far)" { klpb_need_tools; lp_static_helper a64_helper; }
@test "arm64 6.1 KASLR: in-module core: a function of a module (configs.ko) and its symbols through slots (modules anywhere in the 2 GB region); late module patching, reload elsewhere, disable and rmmod" { klpb_need_tools; a64_modfunc a64_mod; }
@test "arm64 6.1 KASLR: in-module core: a call from the patch to a function of a module through a veneer and a slot (modules anywhere in the 2 GB region); callbacks of the module" { klpb_need_tools; a64_modcall a64_call; }
