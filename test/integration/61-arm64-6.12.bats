#!/usr/bin/env bats
# arm64 (issue 10, groundwork), Linux 6.12 without CONFIG_LIVEPATCH: the test
# kernel (test/configs/arm64-6.12.config, -Os, no KASLR, built with Debian's
# aarch64-linux-gnu-gcc through the driver's "build original" stage) boots
# under QEMU virt/cortex-a57 with a clean dmesg, refuses livepatch-marked
# modules, and the prototype redirects functions through ftrace.

KLPB_ARCH=arm64
KLPB_KVER=6.12
load ../lib/bats-common
load 60-arm64.bash

setup_file() {
	a64_need_tools
	klpb_need_kernel
}

@test "arm64 6.12: the test kernel has no livepatch, DYNAMIC_FTRACE_WITH_ARGS only, two NOPs at function entry" { a64_config; }
@test "arm64 6.12: boots to init with a clean dmesg; no /sys/kernel/livepatch" { a64_boot; }
@test "arm64 6.12: a module marked MODULE_INFO(livepatch) is refused" { a64_livepatch_refused; }
@test "arm64 6.12: prototype: ftrace redirection of a static vmlinux function, a module function with stack arguments, a late module; anchor-relative symbols" { a64_redirect; }
