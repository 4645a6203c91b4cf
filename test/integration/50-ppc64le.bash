# shellcheck shell=bash
# ppc64le cases shared by 50-ppc64le-6.1.bats and 51-ppc64le-6.12.bats (issue
# 5): each pc_* function is one @test body, run against the test kernel that
# test/lib/kernel.sh selects (KLPB_ARCH=ppc64le, KLPB_KVER).
# shellcheck disable=SC2154 # bats variables

# In setup_file: skip with the reason when the cross tools are missing.
pc_need_tools() {
	command -v powerpc64le-linux-gnu-gcc >/dev/null ||
		skip "powerpc64le-linux-gnu-gcc missing (make setup: gcc-powerpc64le-linux-gnu)"
	command -v qemu-system-ppc64 >/dev/null || skip "qemu-system-ppc64 missing (make setup: qemu-system-ppc)"
	[[ -x $KLPB_BUSYBOX ]] || skip "ppc64el busybox missing in $KLPB_BUSYBOX (make setup)"
}

# the test kernel is a little-endian pseries kernel with livepatch and
# -mprofile-kernel ftrace
pc_config() {
	local c
	for c in CONFIG_PPC64 CONFIG_CPU_LITTLE_ENDIAN CONFIG_PPC_PSERIES CONFIG_PPC_OF_BOOT_TRAMPOLINE \
		 CONFIG_LIVEPATCH CONFIG_DYNAMIC_FTRACE_WITH_REGS CONFIG_MPROFILE_KERNEL; do
		grep -qx "$c=y" "$KLPB_TEST_BUILD/.config" || { echo "$c not set" >&2; return 1; }
	done
	readelf -h "$KLPB_TEST_BUILD/vmlinux" | grep -q 'little endian'
	readelf -h "$KLPB_TEST_BUILD/vmlinux" | grep -q 'PowerPC64'
}

# one changed function (lp_one); the module has its own TOC and the stub
# section the loader fills
pc_one() {
	lp_one p_one
	[[ $(guest_after before) == *console=hvc0* ]]
	assert_section "$BATS_TEST_TMPDIR/out/p_one.ko" .toc
	assert_section "$BATS_TEST_TMPDIR/out/p_one.ko" .stubs
	assert_section "$BATS_TEST_TMPDIR/out/p_one.ko" .klp.rela.vmlinux..toc
}

# Local calls that became global: the patched filesystems_proc_show calls
# static functions of fs/filesystems.c (find_filesystem, __get_fs_type) and
# reads its static data (file_systems, file_systems_lock).  Every one is
# reached through a .toc slot filled by a livepatch relocation; the callees
# run with their own TOC pointer and the caller's is restored.  The IPA
# clone it also calls (__raw_read_unlock.constprop.0, 8th of its name in
# vmlinux) is carried as a private copy: a clone's specialisation in the
# module-model compile need not be vmlinux's (DESIGN.md "The kernel's own
# objects").
pc_static_calls() {
	local s
	klpb p_static "$PATCHDIR/40-filesystems-static-calls.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_output_has "copied fs/filesystems.o __raw_read_unlock.constprop.0"
	assert_klp_syms_in_vmlinux "$BATS_TEST_TMPDIR/out/p_static.ko"
	refute_grep '\.constprop\.' "$(klp_syms "$BATS_TEST_TMPDIR/out/p_static.ko" vmlinux)"
	for s in find_filesystem __get_fs_type file_systems file_systems_lock; do
		readelf -rW "$BATS_TEST_TMPDIR/out/p_static.ko" |
			grep -E "R_PPC64_ADDR64 .* \.klp\.sym\.vmlinux\.$s(,[0-9]+)? " ||
			{ echo "no livepatch relocation to $s"; return 1; }
	done
	lp_static_calls_booted
}

# a ppc64le config given with -a arm is refused before any build, naming the arch the config is for
pc_refused_other() {
	klpb_need_tools
	run "$KLPB_DRIVER" -a arm -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$BATS_TEST_TMPDIR/nobuild" \
		-o "$BATS_TEST_TMPDIR/out" "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "is not a kernel config for arm: it has no line CONFIG_ARM=y (it is one for ppc64le)"
	[[ ! -e $BATS_TEST_TMPDIR/nobuild ]]
}

# Reliable stacks through patch module code (issue 16): patches/21 patches
# do_nanosleep; a `sleep` then sleeps INSIDE the module's do_nanosleep (its
# /proc stack names the module) while a second patch (--no-replace) loads.
# arch_stack_walk_reliable() must accept the module's frames (and the
# livepatch_handler frame below them), or the second transition would wait
# for the sleeper; it must end within 5 s. (x86_64's sc_orc_transition is
# the same case with ORC; ppc64 needs no unwind tables.)
pc_sleeper_transition() {
	klpb t_sl_a "$PATCHDIR/21-nanosleep-counter.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	klpb t_sl_b --no-replace "$PATCHDIR/03-version-new-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<'GUEST'
klp_insmod /klpb/t_sl_a.ko; rc=$?; mark a-rc; echo $rc
sleep 1000 & pid=$!
sleep 1
mark sleeps; grep -o 'klpb_sleeps=[0-9]*' /proc/cmdline
mark sleeper-in-module; grep -c 'do_nanosleep.*\[t_sl_a\]' /proc/$pid/stack
klp_insmod /klpb/t_sl_b.ko 5; rc=$?; mark b-rc; echo $rc
mark sleeper; kill -0 $pid && echo asleep
mark b-patched; grep -c klpb_new_function /proc/version
kill $pid; wait $pid
klp_disable t_sl_b; rc=$?; mark b-disable-rc; echo $rc
rmmod t_sl_b
klp_disable t_sl_a; rc=$?; mark a-disable-rc; echo $rc
rmmod t_sl_a; rc=$?; mark a-rmmod-rc; echo $rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$BATS_TEST_TMPDIR/out/t_sl_a.ko" "$BATS_TEST_TMPDIR/out/t_sl_b.ko"
	qemu_guest_out "$QEMU_LOG"
	[[ $(guest_after a-rc) == 0 ]]
	[[ $(guest_after sleeps) =~ ^klpb_sleeps=[1-9] ]]
	[[ $(guest_after sleeper-in-module) == 1 ]]
	# t_sl_b's transition ended (within 5 s) while the task slept in t_sl_a
	[[ $(guest_after b-rc) == 0 ]]
	[[ $(guest_after sleeper) == asleep ]]
	[[ $(guest_after b-patched) == 1 ]]
	[[ $(guest_after b-disable-rc) == 0 ]]
	[[ $(guest_after a-disable-rc) == 0 ]]
	[[ $(guest_after a-rmmod-rc) == 0 ]]
	qemu_dmesg_clean "$QEMU_LOG"
}
