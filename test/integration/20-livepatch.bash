# shellcheck shell=bash
# Core livepatch cases shared by 20-livepatch.bats (x86_64 6.1),
# 40-x86_64-6.12.bats (lp_warn), 50/51-ppc64le-*.bats and 60/61-arm64-*.bats
# (the in-module core): each lp_* function is one @test body, run against
# the test kernel that test/lib/kernel.sh selects (KLPB_ARCH, KLPB_KVER);
# NAME is the patch module's name.
# shellcheck disable=SC2016,SC2154 # guest checks are literal; bats variables

# lp_one NAME: one changed function (cmdline_proc_show); the user's tree is
# left alone
lp_one() {
	local name=$1 before
	before=$(tree_fingerprint)
	klpb "$name" "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tree_fingerprint)" = "$before" ]
	lifecycle "$name" 'cat /proc/cmdline'
	assert_guest_lacks before klpb_one_function
	[[ $(guest_after after) == *console=$KLPB_CONSOLE*" klpb_one_function" ]]
	assert_guest_lacks disabled klpb_one_function
	assert_guest_lacks removed klpb_one_function
}

# lp_static_helper NAME: a changed function (meminfo_proc_show) calling a
# static helper of its file (show_val_kb), which stays in the kernel
lp_static_helper() {
	local name=$1
	klpb "$name" "$PATCHDIR/02-meminfo-static-helper.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	lifecycle "$name" 'grep KlpbHelper /proc/meminfo || echo none; grep -c MemTotal /proc/meminfo >/dev/null'
	[[ $(guest_after before) == none ]]
	[[ $(guest_after after) =~ ^KlpbHelper:\ +[0-9]+\ kB$ ]]
	[[ $(guest_after disabled) == none ]]
	[[ $(guest_after removed) == none ]]
}

# lp_new_data NAME: new data used by a patched function (a static counter
# and an initialised string of the patch module)
lp_new_data() {
	local name=$1
	klpb "$name" "$PATCHDIR/04-cmdline-new-data.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	lifecycle "$name" 'echo "[$(grep -o "klpb_new_data=[0-9]*" /proc/cmdline) $(grep -o "klpb_new_data=[0-9]*" /proc/cmdline)]"'
	[[ $(guest_after before) == "[ ]" ]]
	[[ $(guest_after after) == "[klpb_new_data=1 klpb_new_data=2]" ]]
	[[ $(guest_after disabled) == "[ ]" ]]
}

# lp_new_function NAME: a new function (klpb_version_suffix) called from a
# changed one (version_proc_show)
lp_new_function() {
	local name=$1
	klpb "$name" "$PATCHDIR/03-version-new-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	lifecycle "$name" 'grep klpb_new_function /proc/version || echo none'
	[[ $(guest_after before) == none ]]
	[[ $(guest_after after) == "klpb_new_function Linux" ]]
	[[ $(guest_after disabled) == none ]]
	[[ $(guest_after removed) == none ]]
}

# lp_warn NAME: WARN in patched code: its __bug_table entry travels with the
# function, so the trap is a warning with the patched function's file and
# name, exactly once (the read after insmod), and no oops
lp_warn() {
	local name=$1 d
	klpb "$name" "$PATCHDIR/20-cmdline-warn.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	LIFECYCLE_DMESG=any lifecycle "$name" 'cat /proc/cmdline >/dev/null; echo read-rc=$?'
	[[ $(guest_after after) == read-rc=0 ]]
	[[ $(guest_after disabled) == read-rc=0 ]]
	d=$(qemu_dmesg "$QEMU_LOG")
	[[ $(grep -c 'klpb_warn_in_patched_code' <<<"$d") == 1 ]]
	grep -E 'WARNING: CPU: [0-9]+ PID: [0-9]+ at fs/proc/cmdline.c:[0-9]+ cmdline_proc_show' <<<"$d"
	refute_grep 'invalid opcode|Oops|BUG:|general protection|[Kk]ernel panic|Unrecoverable' "$d"
}

# lp_static_calls_booted: the booted part of the static-calls cases
# (patches/40-filesystems-static-calls.patch, built as p_static): the
# patched filesystems_proc_show lists
# through the file's static functions and data; before/after/disable/unload
lp_static_calls_booted() {
	lifecycle p_static 'grep klpb_static /proc/filesystems | tr "\n" " "; grep -c sysfs /proc/filesystems'
	[[ $(guest_after before) == 1 ]]
	[[ $(guest_after after) == "klpb_static proc klpb_static2 sysfs 2" ]]
	[[ $(guest_after disabled) == 1 ]]
	[[ $(guest_after removed) == 1 ]]
}
