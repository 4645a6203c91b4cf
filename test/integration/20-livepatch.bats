#!/usr/bin/env bats
# Patch modules built by klp-build, booted under QEMU: behaviour before,
# after insmod, after disable, after rmmod; dmesg clean.

load ../lib/bats-common
load 20-livepatch.bash

setup_file() {
	klpb_need_kernel
}

setup() {
	klpb_need_tools
}

@test "one changed function (cmdline_proc_show)" { lp_one t_one; }

@test "changed function calling static helpers of its file (meminfo_proc_show -> show_val_kb)" { lp_static_helper t_helper; }

@test "new function (klpb_version_suffix called from version_proc_show)" { lp_new_function t_newfn; }

@test "new data used by a patched function (static counter + initialised string)" { lp_new_data t_newdata; }

@test "disable and rmmod while two tasks loop through the patched function: patched text while enabled, original after disable, the loops alive and reading after rmmod" { lp_busy_loop t_busy; }

@test "module function, module loaded BEFORE the patch (kernel/configs.ko)" { configs_early_case t_mod; }

@test "module function, module loaded AFTER the patch (late patching)" { configs_late_case t_late; }

@test "several patches apply in order (01 then 11 on top of it)" {
	klpb t_two "$PATCHDIR/01-cmdline-one-function.patch" "$PATCHDIR/11-cmdline-on-top-of-01.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	lifecycle t_two 'cat /proc/cmdline'
	[[ $(guest_after after) == *console=ttyS0*" klpb_second_patch" ]]
	assert_guest_lacks disabled klpb_
}

@test "--no-replace keeps earlier patches; the default replaces them" {
	klpb t_a --no-replace "$PATCHDIR/01-cmdline-one-function.patch"
	[ "$status" -eq 0 ]
	klpb t_b --no-replace "$PATCHDIR/03-version-new-function.patch"
	[ "$status" -eq 0 ]
	klpb t_c "$PATCHDIR/02-meminfo-static-helper.patch"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
check() { echo "$(grep -c klpb_one_function /proc/cmdline) $(grep -c klpb_new_function /proc/version) $(grep -c KlpbHelper /proc/meminfo)"; }
klp_insmod /klpb/t_a.ko; klp_insmod /klpb/t_b.ko
mark both; check
klp_insmod /klpb/t_c.ko
mark replaced; check
mark livepatches; ls /sys/kernel/livepatch | tr '\n' ' '; echo
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR"/out/t_{a,b,c}.ko
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after both) == "1 1 0" ]]
	[[ $(guest_after replaced) == "0 0 1" ]]
	[[ $(guest_after livepatches) == "t_c " ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

@test "one patch module for vmlinux and a module (two objects, two klp_objects), module loaded late" {
	klpb t_multi "$PATCHDIR/01-cmdline-one-function.patch" "$PATCHDIR/05-configs-module.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "changed fs/proc/cmdline.o cmdline_proc_show"
	assert_output_has "changed kernel/configs.o ikconfig_read_current"
	local size
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { c=absent; [ -e /proc/config.gz ] && c=\$($CONFIGS_CHECK); echo "\$(grep -c klpb_one_function /proc/cmdline) \$c"; }
klp_insmod /klpb/t_multi.ko; rc=\$?; mark insmod-rc; echo \$rc
mark vmlinux-only; check
insmod /klpb/configs.ko; rc=\$?; mark configs-rc; echo \$rc
mark both; check
mark objects; ls /sys/kernel/livepatch/t_multi | grep -v -e enabled -e transition -e force -e replace | sort | tr '\n' ' '; echo
klp_disable t_multi; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod t_multi; rc=\$?; mark rmmod-rc; echo \$rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_multi.ko" "$KLPB_TEST_BUILD/kernel/configs.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after vmlinux-only) == "1 absent" ]]
	[[ $(guest_after configs-rc) == 0 ]]
	[[ $(guest_after both) == "1 klpb_configs_patched $size" ]]
	[[ $(guest_after objects) == "configs vmlinux " ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "0 original $size" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}
