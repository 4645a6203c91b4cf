#!/usr/bin/env bats
# The assertion helpers of test/lib/bats-common.bash and qemu.sh fail when
# they should: each is run on a case that must pass and on cases that must
# fail (an absent thing "found absent" in output that was never produced
# proves nothing).  No kernel needed.

load ../lib/bats-common

# an object with a section .klpb_here (and no .klpb_absent)
elf_fixture() {
	printf '%s\n' '__attribute__((section(".klpb_here"))) int klpb_x = 1;' >"$BATS_TEST_TMPDIR/x.c"
	gcc -c -o "$BATS_TEST_TMPDIR/x.o" "$BATS_TEST_TMPDIR/x.c"
}

@test "assert_section / assert_no_section: present, absent, unreadable file" {
	elf_fixture
	local o=$BATS_TEST_TMPDIR/x.o
	assert_section "$o" .klpb_here
	run assert_section "$o" .klpb_absent
	[ "$status" -ne 0 ]
	assert_no_section "$o" .klpb_absent .klpb_absent2
	run assert_no_section "$o" .klpb_absent .klpb_here
	[ "$status" -ne 0 ]
	[[ $output == *"unexpected section .klpb_here"* ]]
	# a file readelf cannot read has no section, but proves nothing
	run assert_no_section "$BATS_TEST_TMPDIR/x.c" .klpb_here
	[ "$status" -ne 0 ]
	run assert_no_section "$BATS_TEST_TMPDIR/missing.o" .klpb_here
	[ "$status" -ne 0 ]
	[[ $output == *"readelf -SW"*"failed"* ]]
}

@test "refute_grep: no match passes; a match, an empty text and a bad pattern fail" {
	refute_grep 'Oops|BUG:' $'line one\nline two'
	run refute_grep 'Oops|BUG:' $'line one\nkernel BUG: at x'
	[ "$status" -ne 0 ]
	[[ $output == *"kernel BUG: at x"* ]]
	run refute_grep 'Oops' ''
	[ "$status" -ne 0 ]
	[[ $output == *"empty text"* ]]
	run refute_grep '(' 'text'
	[ "$status" -ne 0 ]
}

@test "assert_guest_lacks: needs the marked line, fails when it has the text" {
	QEMU_LOG=$BATS_TEST_TMPDIR/serial.log
	printf '%s\n' KLPB-TEST-BEGIN 'KLPB: a' 'console=ttyS0' 'KLPB: b' 'console=ttyS0 klpb_x' 'KLPB-TEST-EXIT 0' >"$QEMU_LOG"
	assert_guest_lacks a klpb_x
	run assert_guest_lacks b klpb_x
	[ "$status" -ne 0 ]
	run assert_guest_lacks missing klpb_x
	[ "$status" -ne 0 ]
	[[ $output == *"guest printed nothing after KLPB: missing"* ]]
}

@test "qemu_dmesg_clean: a log without the guest's dmesg is not clean" {
	local log=$BATS_TEST_TMPDIR/serial.log
	printf '%s\n' KLPB-DMESG-BEGIN 'booted' KLPB-DMESG-END >"$log"
	qemu_dmesg_clean "$log"
	printf '%s\n' KLPB-DMESG-BEGIN 'WARNING: CPU: 0 PID: 1' KLPB-DMESG-END >"$log"
	run qemu_dmesg_clean "$log"
	[ "$status" -ne 0 ]
	printf '%s\n' 'KLPB-BOOT-OK' >"$log"
	run qemu_dmesg_clean "$log"
	[ "$status" -ne 0 ]
	run qemu_dmesg_clean "$BATS_TEST_TMPDIR/missing.log"
	[ "$status" -ne 0 ]
}

@test "unified_diff: a patch of two different files; identical or missing files fail" {
	local a=$BATS_TEST_TMPDIR/a b=$BATS_TEST_TMPDIR/b
	echo one >"$a"
	echo two >"$b"
	run unified_diff dir/f.c "$a" "$b"
	[ "$status" -eq 0 ]
	[[ $output == *"--- a/dir/f.c"*"+++ b/dir/f.c"*"+two"* ]]
	run unified_diff dir/f.c "$a" "$a"
	[ "$status" -ne 0 ]
	run unified_diff dir/f.c "$a" "$BATS_TEST_TMPDIR/missing"
	[ "$status" -ne 0 ]
}
