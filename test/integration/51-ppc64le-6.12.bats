#!/usr/bin/env bats
# ppc64le (issue 5), Linux 6.12: the test kernel (cross-built with Debian's
# powerpc64le-linux-gnu-gcc through the driver's "build original" stage,
# test/configs/ppc64le-6.12.config) boots under QEMU pseries and runs the
# kernel's own livepatch sample. klp-build itself refuses -a ppc64le until
# arch/ppc64le.c exists (docs/DESIGN.md "ppc64le").

KLPB_ARCH=ppc64le
KLPB_KVER=6.12
load ../lib/bats-common
load 50-ppc64le.bash

setup_file() {
	pc_need_tools
	klpb_need_kernel
}

@test "ppc64le 6.12: the test kernel is a little-endian pseries kernel with livepatch and -mprofile-kernel ftrace" { pc_config; }
@test "ppc64le 6.12 smoke: samples/livepatch/livepatch-sample.c loads, patches, disables, unloads" { smoke_sample; }
@test "ppc64le 6.12: klp-build -a ppc64le is refused with the reason, before any build" { pc_refused; }
