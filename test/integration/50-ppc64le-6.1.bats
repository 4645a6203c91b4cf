#!/usr/bin/env bats
# ppc64le (issue 5), Linux 6.1: patch modules cross-built by klp-build -a
# ppc64le for the test kernel (test/configs/ppc64le-6.1.config, built with
# Debian's powerpc64le-linux-gnu-gcc through the driver's "build original"
# stage), booted under QEMU pseries: before/after/disable/unload, clean dmesg.

KLPB_ARCH=ppc64le
KLPB_KVER=6.1
load ../lib/bats-common
load 50-ppc64le.bash
load 31-special.bash

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
@test "ppc64le 6.1: new function" { pc_new_function; }
@test "ppc64le 6.1: WARN in patched code prints a warning with the patched function's name" { pc_warn; }
@test "ppc64le 6.1: __jump_table (vmlinux tracepoint key), __ex_table and __barrier_nospec_fixup entries of patched code" { sc_jump_ex_alt; }
@test "ppc64le 6.1: moved lines (BUG/WARN line numbers) patch only the changed function; a blank line alone is no change" { sc_line_shift; }
@test "ppc64le 6.1: module function, module loaded AFTER the patch (late patching)" { configs_late_case p_late; }
@test "ppc64le 6.1 refused: a changed __init function (named)" { pc_refuse_init 06-cmdline-init.patch; }
@test "ppc64le 6.1: s390x is still refused before any build" { pc_refused_other; }
