#!/usr/bin/env bats
# Smoke test of the test kernel: the kernel's own livepatch sample, built out
# of tree against the cached build dir, patches /proc/cmdline, disables and
# unloads cleanly.

load ../lib/bats-common

setup_file() {
	klpb_need_kernel
}

@test "smoke: samples/livepatch/livepatch-sample.c loads, patches, disables, unloads" { smoke_sample; }
