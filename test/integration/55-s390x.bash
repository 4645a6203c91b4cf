# shellcheck shell=bash
# s390x cases shared by 55-s390x-6.1.bats and 56-s390x-6.12.bats (issue 11):
# each sx_* function is one @test body, run against the test kernel that
# test/lib/kernel.sh selects (KLPB_ARCH=s390x, KLPB_KVER).
# shellcheck disable=SC2016,SC2154 # guest scripts are literal; bats variables

# In setup_file: skip with the reason when the cross tools are missing.
sx_need_tools() {
	command -v s390x-linux-gnu-gcc >/dev/null ||
		skip "s390x-linux-gnu-gcc missing (make setup: gcc-s390x-linux-gnu)"
	command -v qemu-system-s390x >/dev/null || skip "qemu-system-s390x missing (make setup: qemu-system-misc)"
	[[ -x $KLPB_BUSYBOX ]] || skip "s390x busybox missing in $KLPB_BUSYBOX (make setup)"
}

# the test kernel: big-endian S/390 with livepatch, -mnop-mcount ftrace and
# expolines (6.1: thunks in every object; 6.12: extern, exported by vmlinux)
sx_config() {
	local c o=$KLPB_TEST_BUILD/fs/proc/cmdline.o
	for c in CONFIG_LIVEPATCH CONFIG_DYNAMIC_FTRACE_WITH_REGS CONFIG_HAVE_RELIABLE_STACKTRACE \
		 CONFIG_EXPOLINE CONFIG_JUMP_LABEL; do
		grep -qx "$c=y" "$KLPB_TEST_BUILD/.config" || { echo "$c not set" >&2; return 1; }
	done
	readelf -h "$KLPB_TEST_BUILD/vmlinux" | grep -q 'big endian'
	readelf -h "$KLPB_TEST_BUILD/vmlinux" | grep -q 'S/390'
	# functions start with the ftrace nop "brcl 0,0" (no relocation), listed in __mcount_loc
	s390x-linux-gnu-objdump -d "$o" | sed -n '/<cmdline_proc_show>:/,/^$/p' | sed -n 2p |
		grep -q 'c0 04 00 00 00 00' || { echo "cmdline_proc_show does not start with brcl 0,0" >&2; return 1; }
	assert_section "$o" __mcount_loc
	if [[ $KLPB_KVER == 6.1 ]]; then
		! grep -qx 'CONFIG_EXPOLINE_EXTERN=y' "$KLPB_TEST_BUILD/.config" || { echo "6.1 kernel with EXPOLINE_EXTERN" >&2; return 1; }
		# each object carries its thunks in COMDAT groups
		readelf -SW "$o" | grep -qE '\.text\.__s390_indirect_jump_r14 .* AXG ' ||
			{ echo "no COMDAT expoline thunk in $o" >&2; return 1; }
	else
		grep -qx 'CONFIG_EXPOLINE_EXTERN=y' "$KLPB_TEST_BUILD/.config"
		grep -qE '	__s390_indirect_jump_r14	vmlinux	' "$KLPB_TEST_BUILD/Module.symvers" ||
			{ echo "__s390_indirect_jump_r14 is not exported by vmlinux" >&2; return 1; }
	fi
}

# one changed function (lp_one); the module carries the ftrace site list
# and, on 6.1, its own copies of the expoline thunks (no relocation to
# vmlinux's, which lie out of reach)
sx_one() {
	local ko=$BATS_TEST_TMPDIR/out/p_one.ko
	lp_one p_one
	[[ $(guest_after before) == *console=ttysclp0* ]]
	assert_section "$ko" __mcount_loc
	if klp_syms "$ko" vmlinux | grep __s390_indirect; then
		echo "a livepatch symbol names an expoline thunk" >&2
		return 1
	fi
	if [[ $KLPB_KVER == 6.1 ]]; then
		readelf -sW "$ko" | grep -qE ' FUNC +LOCAL .* __s390_indirect_jump_r14$' ||
			{ echo "no private copy of __s390_indirect_jump_r14" >&2; return 1; }
	fi
	# the guest ran the patch with expolines on (see sx_expolines_off)
	qemu_dmesg "$QEMU_LOG" | grep -q 'Spectre V2 mitigation: execute trampolines'
}

# Static data and static functions of the patched file: filesystems_proc_show
# calls find_filesystem/__get_fs_type (static) and reads file_systems, takes
# file_systems_lock (static): from the module, every one of them is a
# livepatch relocation - calls through PLT32DBL (a PLT slot when vmlinux is
# out of reach), data through GOT slots that hold the full address (6.1
# maps modules about 4 TB from vmlinux).  No 32-bit PC-relative livepatch
# relocation to vmlinux is left.
sx_static_calls() {
	local s ko=$BATS_TEST_TMPDIR/out/p_static.ko rel
	klpb p_static "$PATCHDIR/40-filesystems-static-calls.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	assert_klp_syms_in_vmlinux "$ko"
	rel=$(readelf -rW "$ko" | awk '/^Relocation section/ { s = $3 } s ~ /\.klp\.rela\.vmlinux\./ && $1 ~ /^[0-9a-f]+$/ { print $3, $5 }')
	echo "$rel"
	for s in find_filesystem __get_fs_type; do
		grep -qE "^R_390_PLT32DBL \.klp\.sym\.vmlinux\.$s," <<<"$rel" ||
			{ echo "no PLT32DBL livepatch relocation to $s"; return 1; }
	done
	for s in file_systems file_systems_lock; do
		grep -qE "^R_390_GOTENT \.klp\.sym\.vmlinux\.$s," <<<"$rel" ||
			{ echo "no GOTENT livepatch relocation to $s"; return 1; }
	done
	if grep -E '^R_390_(PC32DBL|PC32|PC16DBL) ' <<<"$rel"; then
		echo "a 32-bit PC-relative livepatch relocation to vmlinux is left" >&2
		return 1
	fi
	lp_static_calls_booted
}

# Expolines off (spectre_v2=off): module_finalize() runs nospec_revert() on
# the patch module's .s390_indirect_* / .s390_return_* tables, rewriting
# every listed thunk branch of the patched code into a plain branch.  Entries
# that did not point at the copied code's branches would corrupt it.
sx_expolines_off() {
	local ko=$BATS_TEST_TMPDIR/out/p_nospec.ko
	klpb p_nospec "$PATCHDIR/01-cmdline-one-function.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	readelf -SW "$ko" | grep -qE ' \.s390_(indirect|return)_[a-z]+ ' ||
		{ echo "no .s390_indirect_*/.s390_return_* table in $ko" >&2; return 1; }
	KLPB_QEMU_APPEND="spectre_v2=off" lifecycle p_nospec 'cat /proc/cmdline'
	[[ $(guest_after before) == *spectre_v2=off* ]]
	# expolines really off (the boot with them on prints this, sx_one)
	if qemu_dmesg "$QEMU_LOG" | grep 'Spectre V2 mitigation: execute trampolines'; then
		echo "expolines still on with spectre_v2=off" >&2
		return 1
	fi
	[[ $(guest_after after) == *" klpb_one_function" ]]
	[[ $(guest_after disabled) != *klpb_one_function* ]]
}

# Late module patching with the target module unloaded and loaded again
# while patched (42-configs-module-reload.patch: the patched
# ikconfig_read_current reads a static object of configs.ko and compares
# its own original address).  s390 has no clear_relocate_add() and fills a
# GOT slot only on the first application: a slot would keep the address of
# the unloaded module.  klp-convert writes the relocations to a module as
# PC-relative ones (larl, recomputed at every load; modules share one 2 GB
# area), so after the reload the patch reads the new module.  A filler
# module takes configs.ko's old place so that it really moves.
sx_module_reload() {
	local name=$1 ko=$BATS_TEST_TMPDIR/out/$1.ko d=$BATS_TEST_TMPDIR/filler size rel
	klpb "$name" "$PATCHDIR/42-configs-module-reload.patch"
	echo "$output"
	[ "$status" -eq 0 ]
	rel=$(readelf -rW "$ko" | awk '/^Relocation section/ { s = $3 } s ~ /\.klp\.rela\.configs\./ && $1 ~ /^[0-9a-f]+$/ { print $3, $5 }')
	echo "$rel"
	grep -qE '^R_390_PC32DBL \.klp\.sym\.configs\.config_gz_proc_ops,' <<<"$rel" ||
		{ echo "config_gz_proc_ops is not reached PC-relative" >&2; return 1; }
	if grep -E '^R_390_GOT' <<<"$rel"; then
		echo "a livepatch relocation to configs.ko goes through a GOT slot" >&2
		return 1
	fi
	filler_module "$d"
	size=$(stat -c %s "$KLPB_TEST_BUILD/kernel/config_data.gz")
	cat >"$BATS_TEST_TMPDIR/guest.sh" <<GUEST
check() { head -c 64 /proc/config.gz | grep -a klpb_configs_reload || echo "original \$(wc -c </proc/config.gz)"; }
where() { awk '\$3 == "ikconfig_read_current" && \$4 == "[configs]" { print \$1 }' /proc/kallsyms; }
insmod /klpb/configs.ko; rc=\$?; mark configs-rc; echo \$rc
a1=\$(where)
klp_insmod /klpb/$name.ko; rc=\$?; mark insmod-rc; echo \$rc
mark after; check
rmmod configs; rc=\$?; mark configs-rmmod-rc; echo \$rc
insmod /klpb/filler/klpb_filler.ko
insmod /klpb/configs.ko; rc=\$?; mark configs-reload-rc; echo \$rc
klp_wait_transition $name
mark moved; a2=\$(where); if [ -n "\$a1" ] && [ "\$a2" != "\$a1" ]; then echo moved; else echo "same '\$a1' '\$a2'"; fi
mark reloaded; check
mark reloaded2; check
klp_disable $name; rc=\$?; mark disable-rc; echo \$rc
mark disabled; check
rmmod $name; rc=\$?; mark rmmod-rc; echo \$rc
rmmod configs; rc=\$?; mark configs-rmmod2-rc; echo \$rc
GUEST
	qemu_test "$BATS_TEST_TMPDIR/guest.sh" "$ko" "$KLPB_TEST_BUILD/kernel/configs.ko" "$d"
	qemu_guest_out "$QEMU_LOG"
	expect_eq configs-rc "$(guest_after configs-rc)" 0
	expect_eq insmod-rc "$(guest_after insmod-rc)" 0
	expect_eq "patched" "$(guest_after after)" "klpb_configs_reload $size ops=1"
	expect_eq configs-rmmod-rc "$(guest_after configs-rmmod-rc)" 0
	expect_eq configs-reload-rc "$(guest_after configs-reload-rc)" 0
	expect_eq "configs.ko loaded elsewhere (else this case proves nothing)" "$(guest_after moved)" moved
	expect_eq "patched after the reload" "$(guest_after reloaded)" "klpb_configs_reload $size ops=1"
	expect_eq "again" "$(guest_after reloaded2)" "klpb_configs_reload $size ops=1"
	expect_eq disable-rc "$(guest_after disable-rc)" 0
	expect_eq disabled "$(guest_after disabled)" "original $size"
	expect_eq rmmod-rc "$(guest_after rmmod-rc)" 0
	expect_eq configs-rmmod2-rc "$(guest_after configs-rmmod2-rc)" 0
	qemu_dmesg_clean "$QEMU_LOG"
}

