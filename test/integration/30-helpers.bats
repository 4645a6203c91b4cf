#!/usr/bin/env bats
# Patch-author helpers (include/): callbacks, shadow variables, kpatch-style
# patches, syscalls; booted under QEMU, checked before/after/disable/unload
# with a clean dmesg.

load ../lib/bats-common

setup_file() {
	klpb_need_kernel
}

setup() {
	klpb_need_tools
}

# Guest helper: a marker in the kernel log, to order dmesg lines against
# the steps of the guest script.
KMARK='kmark() { echo "klpb_mark: $*" > /dev/kmsg; }'

# dmesg_seq PATTERN: the dmesg lines matching "klpb_mark: " or PATTERN,
# without timestamps, joined by "|"
dmesg_seq() {
	qemu_dmesg "$QEMU_LOG" | grep -oE "(klpb_mark: |$1).*" | tr '\n' '|'
}

# expect_eq WHAT GOT WANT: string equality with a readable failure
expect_eq() {
	if [[ $2 != "$3" ]]; then
		printf '%s:\n  got:  %s\n  want: %s\n' "$1" "$2" "$3" >&2
		return 1
	fi
}

@test "callbacks: pre/post patch on load, pre/post unpatch on disable, in order" {
	klpb t_cb "$PATCHDIR/30-cmdline-callbacks.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
$KMARK
check() { cat /proc/cmdline; }
mark before; check
kmark insmod
klp_insmod /klpb/t_cb.ko; mark insmod-rc; echo \$?
kmark loaded
mark after; check
kmark disable
klp_disable t_cb; mark disable-rc; echo \$?
kmark disabled
mark disabled; check
rmmod t_cb; mark rmmod-rc; echo \$?
kmark removed
mark removed; check
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_cb.ko"
	qemu_guest_out "$QEMU_LOG"
	qemu_dmesg "$QEMU_LOG"
	[[ $(guest_after insmod-rc) == 0 ]]
	[[ $(guest_after disable-rc) == 0 ]]
	[[ $(guest_after rmmod-rc) == 0 ]]
	[[ $(guest_after before) != *klpb_callbacks* ]]
	[[ $(guest_after after) == *console=ttyS0*" klpb_callbacks" ]]
	[[ $(guest_after disabled) != *klpb_callbacks* ]]
	[[ $(guest_after removed) != *klpb_callbacks* ]]
	expect_eq "callbacks in dmesg" "$(dmesg_seq 'klpb_cb: ')" \
		"klpb_mark: insmod|klpb_cb: pre_patch vmlinux|klpb_cb: post_patch vmlinux|klpb_mark: loaded|klpb_mark: disable|klpb_cb: pre_unpatch vmlinux|klpb_cb: post_unpatch vmlinux|klpb_mark: disabled|klpb_mark: removed|"
	qemu_dmesg_clean "$QEMU_LOG"
}
