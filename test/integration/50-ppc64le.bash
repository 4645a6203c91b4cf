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

# klp-build -a ppc64le is refused with the reason, before any build
pc_refused() {
	klpb_need_tools
	run "$KLPB_DRIVER" -a ppc64le -s "$KLPB_TEST_SRC" -c "$KLPB_TEST_CFG" -b "$BATS_TEST_TMPDIR/nobuild" \
		-o "$BATS_TEST_TMPDIR/out" "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_output_has "architecture ppc64le is not supported yet"
	[[ ! -e $BATS_TEST_TMPDIR/nobuild ]]
}
