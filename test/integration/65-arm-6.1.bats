#!/usr/bin/env bats
# 32-bit arm (issue 12), Linux 6.1 without CONFIG_LIVEPATCH: the test kernel
# (test/configs/arm-6.1.config, ARM mode, -Os, built with Debian's
# arm-linux-gnueabihf-gcc through the driver's "build original" stage) boots
# under QEMU virt with a clean dmesg, refuses livepatch-marked modules, and
# the prototype redirects functions with prologues through ftrace by undoing
# the prologue (test/integration/arm-redirect).

KLPB_ARCH=arm
KLPB_KVER=6.1
load ../lib/bats-common
load 65-arm.bash

setup_file() {
	arm_need_tools
	klpb_need_kernel
}

@test "arm 6.1: the test kernel: ARM mode, no livepatch, DYNAMIC_FTRACE_WITH_REGS; push {lr}; bl __gnu_mcount_nc after the prologue" { arm_config; }
@test "arm 6.1: boots to init with a clean dmesg; no /sys/kernel/livepatch" { noklp_boot armv7l; }
@test "arm 6.1: a module marked MODULE_INFO(livepatch) is refused" { noklp_livepatch_refused; }
@test "arm 6.1: prototype: ftrace redirection that undoes the prologue: vmlinux functions with prologues, a syscall, six stack arguments with callee-saved registers, a leaf; the naive way breaks the stack" { arm_redirect; }
