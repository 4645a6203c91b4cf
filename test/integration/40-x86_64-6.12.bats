#!/usr/bin/env bats
# Linux 6.12 (Debian linux-source-6.12) on x86_64, with the code-generation
# features that change object files: IBT (endbr64 at function entry, objtool
# delayed to vmlinux.o and the module link), return thunks, call padding /
# call-depth tracking (16 NOP bytes + __pfx_ symbols before every function).
# test/configs/x86_64-6.12.config; one more cached kernel build (~8 min).
#
# Note: QEMU TCG does not enforce IBT (no CET), so a missing endbr64 would not
# fault here; the structure test checks the module's tables instead.

KLPB_KVER=6.12
load ../lib/bats-common
load 31-special.bash
load 20-livepatch.bash

setup_file() {
	klpb_need_source
	klpb_need_kernel
}

setup() {
	klpb_need_tools
}

# lifecycle NAME CHECK [FILES...]: guest script running CHECK before, after
# insmod, after disable, after rmmod of NAME.ko (as 20-livepatch.bats).
lifecycle() {
	local name=$1 check=$2
	shift 2
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { $check; }
mark before; check
klp_insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark replace; cat /sys/kernel/livepatch/$name/replace
mark after; check
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/$name.ko" "$@"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
}

@test "6.12: the test kernel has IBT, return thunks and call padding" {
	local c=$KLPB_TEST_BUILD/.config
	grep -qx CONFIG_X86_KERNEL_IBT=y "$c"
	grep -qx CONFIG_MITIGATION_RETHUNK=y "$c"
	grep -qx CONFIG_CALL_PADDING=y "$c"
	grep -qx CONFIG_MITIGATION_CALL_DEPTH_TRACKING=y "$c"
	grep -qx CONFIG_UNWINDER_ORC=y "$c"
	grep -qx CONFIG_LIVEPATCH=y "$c"
	grep -qx CONFIG_MODVERSIONS=y "$c"
	# objtool is delayed: per-object files have no ORC, vmlinux has
	assert_no_section "$KLPB_TEST_BUILD/fs/proc/cmdline.o" .orc_unwind .orc_unwind_ip
	assert_section "$KLPB_TEST_BUILD/vmlinux" .orc_unwind_ip
}

@test "6.12 smoke: samples/livepatch/livepatch-sample.c" { smoke_sample; }

# The booted cases load the patch modules on this MODVERSIONS kernel, whose
# loader refuses a module that lacks the CRC of a symbol it imports (no
# MODULE_FORCE_LOAD) or disagrees with it (kernel/module/version.c
# check_version). This case names the CRCs themselves.
@test "6.12: MODVERSIONS: the patch module's __versions holds the kernel's CRC (Module.symvers) of every symbol it imports" {
	klpb t_mv "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	local ko=$BATS_TEST_TMPDIR/out/t_mv.ko crc name want n=0 undef
	assert_section "$ko" __versions
	while read -r crc name; do
		want=$(awk -v s="$name" '$2 == s { print $1 }' "$KLPB_TEST_BUILD/Module.symvers")
		echo "$name: module $crc, kernel ${want:-none}"
		[[ -n $want && $(( crc )) == $(( want )) ]]
		n=$((n + 1))
	done < <(modprobe --dump-modversions "$ko")
	# every undefined symbol of the module (klp_enable_patch, ...) is listed
	undef=$(nm -u "$ko" | awk '{ print $2 }' | sort -u)
	[[ -n $undef ]]
	for name in $undef; do
		modprobe --dump-modversions "$ko" | awk -v s="$name" '$2 == s { f = 1 } END { exit !f }' ||
			{ echo "no CRC for $name in $ko"; false; }
	done
	(( n >= $(wc -w <<<"$undef") ))
}

@test "6.12: one changed function (cmdline_proc_show), replace reads 1" {
	klpb t_one "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	lifecycle t_one 'cat /proc/cmdline'
	assert_guest_lacks before klpb_one_function
	[[ $(guest_after after) == *console=ttyS0*" klpb_one_function" ]]
	[[ $(guest_after replace) == 1 ]]
	assert_guest_lacks disabled klpb_one_function
	assert_guest_lacks removed klpb_one_function
	qemu_dmesg_clean "$QEMU_LOG"
	refute_grep 'disagrees about version|no symbol version' "$(qemu_dmesg "$QEMU_LOG")"
}

@test "6.12: the patch module carries what objtool gives a module (ORC, return/call sites, padding, endbr)" {
	klpb t_struct "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	local ko=$BATS_TEST_TMPDIR/out/t_struct.ko secs syms
	secs=$(readelf -SW "$ko")
	syms=$(readelf -sW "$ko")
	[[ $secs == *" .orc_unwind_ip "* ]]
	[[ $secs == *" .orc_unwind "* ]]
	[[ $secs == *" .return_sites "* ]]
	[[ $secs == *" .call_sites "* ]]
	# Kbuild's objtool ran on the template objects (--prefix: __pfx_ symbols)
	[[ $syms == *" __pfx_klpb_init"* ]]
	# the diff object went through objtool without --prefix (klp-build's
	# objtool_args): its functions have their padding but no __pfx_ symbol
	[[ $syms != *" __pfx_cmdline_proc_show"* ]]
	# ORC and return-site entries cover the new cmdline_proc_show
	readelf -rW "$ko" | sed -n "/'.rela.orc_unwind_ip'/,/^\$/p" | grep -qE ' (cmdline_proc_show|\.text\.cmdline_proc_show) '
	readelf -rW "$ko" | sed -n "/'.rela.return_sites'/,/^\$/p" | grep -qE ' (cmdline_proc_show|\.text\.cmdline_proc_show) '
	# the new cmdline_proc_show starts with endbr64 (f3 0f 1e fa), preceded by 16 NOPs
	local sec off
	read -r sec off < <(readelf -sW "$ko" | awk '$8 == "cmdline_proc_show" && $4 == "FUNC" { print $7, $2 }')
	[[ -n $sec ]]
	local bytes
	# (into a file: objcopy to /dev/stdout replaces that symlink when stdout is a file)
	objcopy -O binary --only-section="$(readelf -SW "$ko" | sed -n "s/^ *\[ *$sec\] \([^ ]*\) .*/\1/p")" "$ko" \
		"$BATS_TEST_TMPDIR/text.bin"
	bytes=$(od -An -tx1 -v "$BATS_TEST_TMPDIR/text.bin" | tr -d ' \n')
	off=$((16#$off))
	[[ ${bytes:$(((off - 16) * 2)):32} == 90909090909090909090909090909090 ]]
	[[ ${bytes:$((off * 2)):8} == f30f1efa ]]
}

@test "6.12: changed function calling static helpers (meminfo_proc_show -> show_val_kb)" {
	klpb t_helper "$PATCHDIR/02-meminfo-static-helper.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	lifecycle t_helper 'grep KlpbHelper /proc/meminfo || echo none'
	[[ $(guest_after before) == none ]]
	[[ $(guest_after after) =~ ^KlpbHelper:\ +[0-9]+\ kB$ ]]
	[[ $(guest_after disabled) == none ]]
	[[ $(guest_after removed) == none ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

@test "6.12: new function (klpb_version_suffix called from version_proc_show)" {
	klpb t_newfn "$PATCHDIR/03-version-new-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	lifecycle t_newfn 'grep klpb_new_function /proc/version || echo none'
	[[ $(guest_after before) == none ]]
	[[ $(guest_after after) == "klpb_new_function Linux" ]]
	[[ $(guest_after disabled) == none ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

@test "6.12: WARN in patched code prints a warning, not an oops" { lp_warn t_warn; }

@test "6.12: module function, module loaded before the patch (kernel/configs.ko)" {
	klpb t_mod "$PATCHDIR/05-configs-module.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	local size
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
check() { if head -c 20 /proc/config.gz | grep -q klpb_configs_patched; then cat /proc/config.gz; else echo "original $(wc -c </proc/config.gz)"; fi; }
insmod /klpb/configs.ko; rc=$?; mark configs-rc; echo $rc
mark before; check
klp_insmod /klpb/t_mod.ko; rc=$?; mark insmod-rc; echo $rc
mark after; check
klp_disable t_mod; rc=$?; mark disable-rc; echo $rc
mark disabled; check
rmmod t_mod; rc=$?; mark rmmod-rc; echo $rc
rmmod configs; rc=$?; mark configs-rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_mod.ko" "$KLPB_TEST_BUILD/kernel/configs.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after configs-rc) == 0 ]]
	[[ $(guest_after before) == "original $size" ]]
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "klpb_configs_patched $size" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "original $size" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after configs-rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

@test "6.12: atomic replace: replace reads 1 by default, 0 with --no-replace; the default replaces" {
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
mark replace-ab; echo "$(cat /sys/kernel/livepatch/t_a/replace) $(cat /sys/kernel/livepatch/t_b/replace)"
klp_insmod /klpb/t_c.ko
mark replaced; check
mark replace-c; cat /sys/kernel/livepatch/t_c/replace
mark livepatches; ls /sys/kernel/livepatch | tr '\n' ' '; echo
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR"/out/t_{a,b,c}.ko
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after both) == "1 1 0" ]]
	[[ $(guest_after replace-ab) == "0 0" ]]
	[[ $(guest_after replaced) == "0 0 1" ]]
	[[ $(guest_after replace-c) == 1 ]]
	[[ $(guest_after livepatches) == "t_c " ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

@test "6.12: call-depth tracking active (Skylake model, retbleed=stuff): calls into a new function use the thunk in its copied padding" {
	klpb t_stuff "$PATCHDIR/03-version-new-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
mark retbleed; cat /sys/devices/system/cpu/vulnerabilities/retbleed
klp_insmod /klpb/t_stuff.ko; rc=$?; mark insmod-rc; echo $rc
mark after; grep klpb_new_function /proc/version || echo none
mark suffix-sec; cat /sys/module/t_stuff/sections/.text.klpb_version_suffix
klp_disable t_stuff; rc=$?; mark disable-rc; echo $rc
rmmod t_stuff; rc=$?; mark rmmod-rc; echo $rc
mark removed; grep klpb_new_function /proc/version || echo none
GUEST
	KLPB_QEMU_OPTS="-cpu Skylake-Client" KLPB_QEMU_APPEND="retbleed=stuff debug-callthunks"
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_stuff.ko"
	qemu_guest_out "$QEMU_LOG"
	if [[ $(guest_after retbleed) != "Mitigation: Stuffing" ]]; then
		skip "call-depth tracking not active in this QEMU ($(guest_after retbleed))"
	fi
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after after) == "klpb_new_function Linux" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after removed) == none ]]
	# The call version_proc_show -> klpb_version_suffix (both new copies in
	# the module) was redirected into the accounting thunk the kernel writes
	# into the padding copied before klpb_version_suffix: "Patch call at: SITE
	# SITE to DEST DEST -> PAD" with DEST = section + 16 and PAD inside the
	# 16 bytes of padding. ("Invalid padding area" is printed once per boot
	# and the kernel's own srso_safe_ret already uses it.)
	local sec dest pad
	sec=$(guest_after suffix-sec)
	[[ $sec == 0x* ]]
	dest=$(printf '%x' $((sec + 16)))
	pad=$(qemu_dmesg "$QEMU_LOG" | awk -v d="$dest" '/callthunks: Patch call at:/ && $0 ~ (" to 0x" d " ") { print $NF; exit }')
	echo "klpb_version_suffix section $sec, entry 0x$dest, thunk at 0x$pad"
	[[ -n $pad ]]
	(( 16#$pad >= sec && 16#$pad < 16#$dest ))
	qemu_dmesg_clean "$QEMU_LOG"
}

@test "6.12: module loaded AFTER the patch, unloaded and loaded again (6.12 clears late relocations)" {
	klpb t_late "$PATCHDIR/05-configs-module.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	local size
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
check() { if head -c 20 /proc/config.gz | grep -q klpb_configs_patched; then cat /proc/config.gz; else echo "original $(wc -c </proc/config.gz)"; fi; }
klp_insmod /klpb/t_late.ko; rc=$?; mark insmod-rc; echo $rc
insmod /klpb/configs.ko; rc=$?; mark configs-rc; echo $rc
klp_wait_transition t_late
mark after; check
rmmod configs; rc=$?; mark configs-rmmod-rc; echo $rc
insmod /klpb/configs.ko; rc=$?; mark configs-again-rc; echo $rc
mark again; check
klp_disable t_late; rc=$?; mark disable-rc; echo $rc
mark disabled; check
rmmod t_late; rc=$?; mark rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_late.ko" "$KLPB_TEST_BUILD/kernel/configs.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after configs-rc) == 0 ]]
	[[ $(guest_after after) == "klpb_configs_patched $size" ]]
	[[ $(guest_after configs-rmmod-rc) == 0 ]]
	[[ $(guest_after configs-again-rc) == 0 ]]
	[[ $(guest_after again) == "klpb_configs_patched $size" ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after disabled) == "original $size" ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}

@test "6.12: static branch on a vmlinux key toggled before and after load, tracepoint call, faulting user read, stac/clac (__jump_table, .static_call_sites, __ex_table, .altinstructions)" {
	sc_jump_ex_alt
}

@test "6.12: a function GCC emits only as an IPA clone (cpu_show_common.constprop.0) is patched through the clone" {
	sc_constprop_clone
}

@test "6.12: lines shifted above WARN/BUG sites patch only the changed function; a blank line alone is 'no functional changes'" {
	sc_line_shift
}

@test "6.12: lines moved above WARN sites of kernel/kthread.c patch only get_kthread_comm; kthread_worker_fn, where kthreads live, only moves; the transition ends within 5 s" {
	sc_kthread_line_shift
}

@test "6.12 refused at load: a changed kthread_worker_fn, the thread function of running kthreads (named); nothing patched" {
	sc_kthread_loop refused
}

@test "6.12: ORC: a second patch's transition completes while a task sleeps in patched code (control without ORC stays stuck)" {
	sc_orc_transition
}

@test "6.12: spinlock and LOCK-prefixed atomic in patched code (.smp_locks, paravirt .parainstructions on 6.1)" {
	sc_smp_locks
}

@test "6.12: static locals: the patched get_next_ino keeps the original shared_last_ino; a new static local gets new storage" {
	sc_static_local
}

@test "6.12: printk index: formats of patched code are listed for the patch module (.printk_index)" {
	sc_printk_index
}
