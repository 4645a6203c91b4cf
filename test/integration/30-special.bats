#!/usr/bin/env bats
# Harder cases: a function name that exists twice in vmlinux (sympos), and
# special sections (__bug_table, .data.once, __jump_table, __ex_table,
# .altinstructions) in the patched function.

load ../lib/bats-common
load 31-special.bash

setup_file() {
	klpb_need_kernel
}

setup() {
	klpb_need_tools
}

@test "sympos: m_show exists in kernel/module/procfs.o and fs/namespace.o; only /proc/modules changes" { sc_sympos; }

@test "WARN_ON_ONCE and pr_info_once in the patched function (bug table, .data.once)" {
	klpb t_once "$PATCHDIR/13-cmdline-once-warn.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
klp_insmod /klpb/t_once.ko; rc=$?; mark insmod-rc; echo $rc
cat /proc/cmdline >/dev/null; cat /proc/cmdline >/dev/null
mark once; dmesg | grep -c 'klpb: patched cmdline_proc_show ran'
klp_disable t_once; rc=$?; mark disable-rc; echo $rc
rmmod t_once; rc=$?; mark rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_once.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after once) == 1 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

@test "a patch that only adds a callback (no changed function) builds and runs it" {
	klpb t_cbonly "$PATCHDIR/14-cmdline-callbacks-only.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
klp_insmod /klpb/t_cbonly.ko; rc=$?; mark insmod-rc; echo $rc
mark ran; dmesg | grep -c 'klpb: callbacks-only post-patch'
klp_disable t_cbonly; rc=$?; mark disable-rc; echo $rc
rmmod t_cbonly; rc=$?; mark rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_cbonly.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after ran) == 1 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

@test "static branch on a vmlinux key toggled before and after load, tracepoint call, faulting user read, stac/clac (__jump_table, .static_call_sites, __ex_table, .altinstructions)" {
	sc_jump_ex_alt
}

@test "a function GCC emits only as an IPA clone (cpu_show_common.constprop.0) is patched through the clone" {
	sc_constprop_clone
}

@test "lines shifted above WARN/BUG sites patch only the changed function; a blank line alone is 'no functional changes'" {
	sc_line_shift
}

@test "ORC: a second patch's transition completes while a task sleeps in patched code (control without ORC stays stuck)" {
	sc_orc_transition
}

@test "spinlock and LOCK-prefixed atomic in patched code (.smp_locks, paravirt .parainstructions on 6.1)" {
	sc_smp_locks
}

@test "static locals: the patched get_next_ino keeps the original shared_last_ino; a new static local gets new storage" {
	sc_static_local
}

@test "printk index: formats of patched code are listed for the patch module (.printk_index)" {
	sc_printk_index
}
