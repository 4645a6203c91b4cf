#!/usr/bin/env bats
# Smoke test of the test kernel: the kernel's own livepatch sample, built out
# of tree against the cached build dir, patches /proc/cmdline, disables and
# unloads cleanly.

load ../lib/bats-common

setup_file() {
	klpb_need_kernel
}

@test "smoke: samples/livepatch/livepatch-sample.c loads, patches, disables, unloads" {
	local d=$BATS_TEST_TMPDIR/sample
	mkdir -p "$d"
	cp "$KLPB_TEST_SRC/samples/livepatch/livepatch-sample.c" "$d/"
	echo 'obj-m := livepatch-sample.o' >"$d/Kbuild"
	make -C "$KLPB_TEST_BUILD" M="$d" modules >"$d/build.log" 2>&1 || { cat "$d/build.log"; false; }
	cat >"$d/guest.sh" <<'GUEST'
mark before; cat /proc/cmdline
insmod /klpb/livepatch-sample.ko; rc=$?; mark insmod-rc; echo $rc
klp_wait_transition livepatch_sample
mark after; cat /proc/cmdline
klp_disable livepatch_sample; rc=$?; mark disable-rc; echo $rc
mark disabled; cat /proc/cmdline
rmmod livepatch_sample; rc=$?; mark rmmod-rc; echo $rc
mark lsmod; lsmod | grep -c livepatch_sample
GUEST
	qemu_test "$d/guest.sh" "$d/livepatch-sample.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after before) == *console=ttyS0* ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "this has been live patched" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == *console=ttyS0* ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after lsmod) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}
